package io.kmscolumns.local.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.kmscolumns.local.lambda.LambdaFunctionDefinition;
import io.kmscolumns.local.lambda.LocalLambda;
import io.kmscolumns.local.lambda.TestHandlers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The emulation, installed with the plain script, against a real PostgreSQL and a {@link LocalLambda}. */
class AwsLambdaEmulationTest {

    private static final String REGION = "us-east-1";
    private static final String ACCOUNT = "123456789012";
    private static final String ARN_PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmulationDatabase database;
    private static LocalLambda lambda;
    private Connection connection;

    @BeforeAll
    static void start() throws SQLException {
        database = EmulationDatabase.create("emul");
        lambda = LocalLambda.builder().region(REGION).accountId(ACCOUNT).build().start();
        register("echo", TestHandlers.Echo.class);
        register("failing", TestHandlers.Failing.class);
        register("sleeper", TestHandlers.Sleeper.class);
        register("dry-run", TestHandlers.Echo.class);
        try (Connection superuser = database.connect()) {
            AwsLambdaEmulation.installPlainScript(superuser);
            AwsLambdaEmulation.configure(superuser, database.name(), lambda.endpoint(), REGION, ACCOUNT);
        }
    }

    @AfterAll
    static void stop() throws SQLException {
        if (lambda != null) {
            lambda.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @BeforeEach
    void connect() throws SQLException {
        connection = database.connect();
    }

    @AfterEach
    void disconnect() throws SQLException {
        connection.close();
    }

    private static void register(String name, Class<?> handler) {
        lambda.register(LambdaFunctionDefinition.builder().name(name).handlerClass(handler.getName())
                .environment(Map.of("GREETING", "hello")).timeout(Duration.ofSeconds(30)).build());
    }

    private Map<String, Object> row(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).as("a row from " + sql).isTrue();
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
                row.put(rows.getMetaData().getColumnLabel(i), rows.getObject(i) == null ? null : rows.getString(i));
            }
            return row;
        }
    }

    private List<String> column(String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    private void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static ServerErrorMessage serverError(Throwable error) {
        assertThat(error).isInstanceOf(PSQLException.class);
        return ((PSQLException) error).getServerErrorMessage();
    }

    private ServerErrorMessage errorOf(String sql) {
        Throwable[] thrown = new Throwable[1];
        assertThatThrownBy(() -> row(sql)).satisfies(e -> thrown[0] = e);
        return serverError(thrown[0]);
    }

    @Test
    void invokeOverloadsHaveAurorasParameterNamesDefaultsAndOutColumns() throws SQLException {
        List<String> signatures = column("SELECT pg_get_function_arguments(p.oid) || ' -> '"
                + " || pg_get_function_result(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                + " WHERE n.nspname = 'aws_lambda' ORDER BY 1");

        String out = "OUT status_code integer, OUT payload %1$s, OUT executed_version text, OUT log_result text"
                + " -> record";
        String tail = "invocation_type text DEFAULT 'RequestResponse'::text, log_type text DEFAULT 'None'::text,"
                + " context %1$s DEFAULT NULL::%1$s, qualifier character varying DEFAULT NULL::character varying, ";
        String composite = "function_name aws_commons._lambda_function_arn_1, payload %1$s, ";
        String text = "function_name text, payload %1$s, region text DEFAULT NULL::text, ";
        assertThat(signatures).containsExactly(
                String.format(composite + tail + out, "json"),
                String.format(composite + tail + out, "jsonb"),
                String.format(text + tail + out, "json"),
                String.format(text + tail + out, "jsonb"));
    }

    @Test
    void createLambdaFunctionArnAndItsCompositeTypeMatchAurora() throws SQLException {
        assertThat(row("SELECT pg_get_function_arguments('aws_commons.create_lambda_function_arn'::regproc) AS a,"
                + " pg_get_function_result('aws_commons.create_lambda_function_arn'::regproc) AS r"))
                .containsEntry("a", "function_name text, region text DEFAULT NULL::text")
                .containsEntry("r", "aws_commons._lambda_function_arn_1");
        assertThat(column("SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute"
                + " WHERE attrelid = 'aws_commons._lambda_function_arn_1'::regclass AND attnum > 0 ORDER BY attnum"))
                .containsExactly("function_name text", "region text");
        assertThat(row("SELECT (a).function_name, (a).region FROM"
                + " (SELECT aws_commons.create_lambda_function_arn('f', 'eu-west-1') AS a) s"))
                .containsEntry("function_name", "f").containsEntry("region", "eu-west-1");
    }

    @Test
    void noFunctionIsExecutableAndNoSchemaUsableByPublic() throws SQLException {
        assertThat(column("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n"
                + " ON n.oid = p.pronamespace WHERE n.nspname IN ('aws_lambda', 'aws_commons', 'aurora_local')"
                + " AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))"))
                .isEmpty();
        assertThat(column("SELECT nspname FROM pg_namespace WHERE nspname IN"
                + " ('aws_lambda', 'aws_commons', 'aurora_local')"
                + " AND (nspacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(nspacl) a WHERE a.grantee = 0))"))
                .isEmpty();
    }

    @Test
    void everyOverloadRoundTripsThroughTheLocalLambda() throws Exception {
        List<String> calls = List.of(
                "aws_lambda.invoke('echo', '{\"n\": 1}'::json)",
                "aws_lambda.invoke('echo', '{\"n\": 1}'::jsonb)",
                "aws_lambda.invoke(aws_commons.create_lambda_function_arn('echo'), '{\"n\": 1}'::json)",
                "aws_lambda.invoke(aws_commons.create_lambda_function_arn('echo', 'us-east-1'), '{\"n\": 1}'::jsonb)");
        long before = lambda.invocationCount("echo");

        for (String call : calls) {
            Map<String, Object> result = row("SELECT * FROM " + call);
            assertThat(result).as(call).containsEntry("status_code", "200")
                    .containsEntry("executed_version", "$LATEST").containsEntry("log_result", null);
            JsonNode payload = JSON.readTree((String) result.get("payload"));
            assertThat(payload.get("input").get("n").asInt()).as(call).isEqualTo(1);
            assertThat(payload.get("invokedArn").asText()).isEqualTo(ARN_PREFIX + "echo");
        }
        assertThat(lambda.invocationCount("echo")).isEqualTo(before + 4);
        assertThat(row("SELECT pg_typeof(payload)::text AS t FROM aws_lambda.invoke('echo', '{}'::jsonb)"))
                .containsEntry("t", "jsonb");
        assertThat(row("SELECT (aws_lambda.invoke('echo', '{}'::json)).payload ->> 'greeting' AS g"))
                .containsEntry("g", "hello");
    }

    @Test
    void thirdPositionalArgumentIsRegionForNamesButInvocationTypeForTheComposite() throws SQLException {
        assertThat(row("SELECT status_code FROM aws_lambda.invoke('echo', '{}'::json, 'us-east-1')"))
                .containsEntry("status_code", "200");
        assertThat(row("SELECT status_code FROM aws_lambda.invoke("
                + "aws_commons.create_lambda_function_arn('echo'), '{}'::json, 'Event')"))
                .containsEntry("status_code", "202");
    }

    @Test
    void eventAnswers202AndDryRun204WithoutPayload() throws SQLException {
        assertThat(row("SELECT * FROM aws_lambda.invoke('echo', '{}'::json, invocation_type => 'Event')"))
                .containsEntry("status_code", "202").containsEntry("payload", null);

        // A function of its own, so that Event invocations still running elsewhere cannot change the count.
        assertThat(row("SELECT * FROM aws_lambda.invoke('dry-run', '{}'::jsonb, invocation_type => 'DryRun')"))
                .containsEntry("status_code", "204").containsEntry("payload", null);
        assertThat(lambda.invocationCount("dry-run")).isZero();
    }

    @Test
    void tailReturnsTheFunctionsLogBase64Encoded() throws SQLException {
        String logResult = (String) row("SELECT log_result FROM aws_lambda.invoke('echo', '{}'::json,"
                + " log_type => 'Tail')").get("log_result");

        assertThat(new String(Base64.getDecoder().decode(logResult), StandardCharsets.UTF_8))
                .contains("echo handled a request").contains("REPORT RequestId:");
    }

    @Test
    void contextReachesTheFunctionAsItsClientContext() throws Exception {
        String payload = (String) row("SELECT payload FROM aws_lambda.invoke('echo', '{}'::json,"
                + " context => '{\"custom\": {\"tenant\": \"t1\"}}'::json)").get("payload");

        assertThat(JSON.readTree(payload).get("clientCustom").get("tenant").asText()).isEqualTo("t1");
    }

    @Test
    void throwingFunctionRaisesLambdaInvocationFailedNamingTheFullArn() {
        ServerErrorMessage error = errorOf("SELECT * FROM aws_lambda.invoke('failing', '{}'::json)");

        assertThat(error.getMessage()).isEqualTo("lambda invocation failed");
        assertThat(error.getSQLState()).isEqualTo("XX000");
        assertThat(error.getDetail())
                .startsWith("\"" + ARN_PREFIX + "failing\" returned error \"Unhandled\", details: \"{")
                .contains("\"errorType\":\"java.lang.IllegalStateException\"")
                .contains("\"errorMessage\":\"the handler failed on purpose\"")
                .endsWith("}\".");
    }

    @Test
    void unreachableEndpointRaisesInvokeApiFailed() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        execute("SET aws_lambda.endpoint_override = 'http://127.0.0.1:" + closedPort + "'");

        ServerErrorMessage error = errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json)");

        assertThat(error.getMessage()).isEqualTo("invoke API failed");
        assertThat(error.getDetail()).isEqualTo("AWS Lambda client returned 'Unable to connect to endpoint'.");
    }

    @Test
    void unreachableEndpointHintNamesTheUrlAndTheEndpointOverrideSetting() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        execute("SET aws_lambda.endpoint_override = 'http://127.0.0.1:" + closedPort + "'");

        ServerErrorMessage error = errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json)");

        assertThat(error.getDetail()).isEqualTo("AWS Lambda client returned 'Unable to connect to endpoint'.");
        assertThat(error.getHint()).contains("http://127.0.0.1:" + closedPort)
                .contains("aws_lambda.endpoint_override");
    }

    @Test
    void endpointAnsweringWithoutJsonRaisesInvokeApiFailedNamingTheEndpoint() throws Exception {
        HttpServer notLambda = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        notLambda.createContext("/", exchange -> {
            byte[] body = "<html>not a Lambda endpoint</html>".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        notLambda.start();
        try {
            String endpoint = "http://127.0.0.1:" + notLambda.getAddress().getPort();
            execute("SET aws_lambda.endpoint_override = '" + endpoint + "'");

            ServerErrorMessage error = errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json)");

            assertThat(error.getMessage()).isEqualTo("invoke API failed");
            assertThat(error.getSQLState()).isEqualTo("XX000");
            assertThat(error.getDetail()).contains(endpoint).contains("not JSON").doesNotContain("html");
        } finally {
            notLambda.stop(0);
        }
    }

    @Test
    void requestTimeoutIsHonoured() {
        long start = System.nanoTime();

        ServerErrorMessage error = errorOf("SELECT set_config('aws_lambda.request_timeout_ms', '300', false),"
                + " (aws_lambda.invoke('sleeper', '{\"millis\": 5000}'::json)).status_code");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
        assertThat(error.getMessage()).isEqualTo("invoke API failed");
        assertThat(error.getDetail()).isEqualTo("AWS Lambda client returned 'Request timed out after 300 ms'.");
        assertThat(error.getHint()).contains("aws_lambda.request_timeout_ms");
    }

    @Test
    void timeoutSettingsAreValidated() throws SQLException {
        execute("SET aws_lambda.connect_timeout_ms = '0'");
        assertThat(errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json)").getMessage())
                .isEqualTo("invalid value for parameter \"aws_lambda.connect_timeout_ms\": \"0\"");

        execute("SET aws_lambda.connect_timeout_ms = '900000'");
        execute("SET aws_lambda.request_timeout_ms = '900001'");
        assertThat(errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json)").getMessage())
                .isEqualTo("invalid value for parameter \"aws_lambda.request_timeout_ms\": \"900001\"");
    }

    @Test
    void timeoutOfNonAsciiDigitsGetsTheSameClearErrorAsOtherBadValues() throws SQLException {
        execute("SET aws_lambda.request_timeout_ms = '\u00b2'");

        ServerErrorMessage error = errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json)");

        assertThat(error.getMessage())
                .isEqualTo("invalid value for parameter \"aws_lambda.request_timeout_ms\": \"\u00b2\"");
        assertThat(error.getSQLState()).isEqualTo("22023");
        assertThat(error.getDetail()).isEqualTo("The value must be a whole number of milliseconds from 1 to 900000.");
    }

    @Test
    void roleWithoutGrantsIsRefusedUntilGranted() throws SQLException {
        String role = "emul_role_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        execute("CREATE ROLE " + role);
        try {
            execute("SET ROLE " + role);
            assertThat(errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json)").getMessage())
                    .isEqualTo("permission denied for schema aws_lambda");
            execute("RESET ROLE");
            execute("GRANT USAGE ON SCHEMA aws_lambda TO " + role);
            execute("SET ROLE " + role);
            assertThat(errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json)").getMessage())
                    .isEqualTo("permission denied for function invoke");
            execute("RESET ROLE");
            execute("GRANT EXECUTE ON FUNCTION aws_lambda.invoke(text, json, text, text, text, json, varchar) TO "
                    + role);
            execute("SET ROLE " + role);

            assertThat(row("SELECT status_code FROM aws_lambda.invoke('echo', '{}'::json)"))
                    .containsEntry("status_code", "200");
        } finally {
            execute("RESET ROLE");
            execute("DROP OWNED BY " + role);
            execute("DROP ROLE " + role);
        }
    }

    @Test
    void functionIsResolvedFromNamePartialArnAndFullArnWithTheRegionRules() throws Exception {
        for (String reference : List.of("echo", ACCOUNT + ":function:echo", ARN_PREFIX + "echo",
                ARN_PREFIX + "echo:$LATEST")) {
            assertThat(row("SELECT status_code FROM aws_lambda.invoke('" + reference + "', '{}'::json)"))
                    .as(reference).containsEntry("status_code", "200");
        }

        ServerErrorMessage conflict = errorOf("SELECT * FROM aws_lambda.invoke('" + ARN_PREFIX + "echo',"
                + " '{}'::json, 'eu-west-1')");
        assertThat(conflict.getMessage()).isEqualTo("region \"eu-west-1\" conflicts with the region of function"
                + " ARN \"" + ARN_PREFIX + "echo\"");

        ServerErrorMessage otherRegion = errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json, 'eu-west-1')");
        assertThat(otherRegion.getDetail()).isEqualTo("AWS Lambda client returned 'ResourceNotFoundException:"
                + " Function not found: arn:aws:lambda:eu-west-1:123456789012:function:echo'.");

        execute("SET aurora_local.region = 'eu-west-1'");
        assertThat(errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json)").getDetail())
                .contains("arn:aws:lambda:eu-west-1:123456789012:function:echo");
    }

    @Test
    void qualifierMustAgreeWithTheNameAndNameAnExistingVersion() throws Exception {
        assertThat(row("SELECT status_code FROM aws_lambda.invoke('echo:$LATEST', '{}'::json,"
                + " qualifier => '$LATEST')")).containsEntry("status_code", "200");
        String payload = (String) row("SELECT payload FROM aws_lambda.invoke('echo', '{}'::json,"
                + " qualifier => '$LATEST')").get("payload");
        assertThat(JSON.readTree(payload).get("invokedArn").asText()).isEqualTo(ARN_PREFIX + "echo:$LATEST");

        assertThat(errorOf("SELECT * FROM aws_lambda.invoke('echo:live', '{}'::json, qualifier => '$LATEST')")
                .getMessage()).isEqualTo("qualifier \"$LATEST\" conflicts with the qualifier in function name"
                + " \"echo:live\"");
        assertThat(errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json, qualifier => '7')").getDetail())
                .isEqualTo("AWS Lambda client returned 'ResourceNotFoundException: Function not found: "
                        + ARN_PREFIX + "echo:7'.");
    }

    @Test
    void badInputGetsAClearError() {
        ServerErrorMessage malformed = errorOf("SELECT * FROM aws_lambda.invoke('arn:aws:lambda:x:function:f',"
                + " '{}'::json)");
        assertThat(malformed.getMessage())
                .isEqualTo("invalid Lambda function name or ARN \"arn:aws:lambda:x:function:f\"");
        assertThat(malformed.getSQLState()).isEqualTo("22023");
        assertThat(malformed.getDetail()).contains("partial ARN").contains("full ARN");

        ServerErrorMessage unknown = errorOf("SELECT * FROM aws_lambda.invoke('nope', '{}'::json)");
        assertThat(unknown.getMessage()).isEqualTo("invoke API failed");
        assertThat(unknown.getDetail()).isEqualTo("AWS Lambda client returned 'ResourceNotFoundException:"
                + " Function not found: " + ARN_PREFIX + "nope'.");

        ServerErrorMessage invocationType = errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json,"
                + " invocation_type => 'requestresponse')");
        assertThat(invocationType.getMessage()).isEqualTo("invalid invocation_type \"requestresponse\"");
        assertThat(invocationType.getDetail()).contains("case-sensitive");

        ServerErrorMessage logType = errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}'::json,"
                + " log_type => 'tail')");
        assertThat(logType.getMessage()).isEqualTo("invalid log_type \"tail\"");

        ServerErrorMessage notJson = errorOf("SELECT * FROM aws_lambda.invoke('echo', 'not json'::json)");
        assertThat(notJson.getSQLState()).isEqualTo("22P02");
        assertThat(notJson.getMessage()).contains("invalid input syntax for type json");
        // As on Aurora, an untyped literal payload matches both the json and the jsonb overload.
        assertThat(errorOf("SELECT * FROM aws_lambda.invoke('echo', '{}')").getMessage())
                .contains("is not unique");

        ServerErrorMessage nullName = errorOf("SELECT * FROM aws_lambda.invoke(NULL::text, '{}'::json)");
        assertThat(nullName.getMessage()).isEqualTo("function_name must not be NULL");
    }

    @Test
    void errorAbortsTheSurroundingTransaction() throws SQLException {
        connection.setAutoCommit(false);
        try {
            execute("CREATE TEMP TABLE t (v int)");
            execute("INSERT INTO t VALUES (1)");
            assertThatThrownBy(() -> row("SELECT * FROM aws_lambda.invoke('failing', '{}'::json)"))
                    .isInstanceOf(PSQLException.class);
            assertThatThrownBy(() -> row("SELECT count(*) FROM t"))
                    .hasMessageContaining("current transaction is aborted");
        } finally {
            connection.rollback();
            connection.setAutoCommit(true);
        }
    }

    @Test
    void reinstallingIsHarmlessAndInstallKeepsThePlainScriptForm() throws SQLException {
        AwsLambdaEmulation.installPlainScript(connection);
        AwsLambdaEmulation.install(connection);

        assertThat(column("SELECT extname FROM pg_extension WHERE extname IN ('aws_lambda', 'aws_commons')"))
                .isEmpty();
        assertThat(row("SELECT status_code FROM aws_lambda.invoke('echo', '{}'::json)"))
                .containsEntry("status_code", "200");
    }

    @Test
    void configureSetsTheDatabaseDefaults() throws SQLException {
        assertThat(column("SELECT unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_database d"
                + " ON d.oid = s.setdatabase WHERE d.datname = current_database() AND s.setrole = 0 ORDER BY 1"))
                .containsExactly("aurora_local.account_id=" + ACCOUNT, "aurora_local.region=" + REGION,
                        "aws_lambda.endpoint_override=" + lambda.endpoint());
        assertThatThrownBy(() -> AwsLambdaEmulation.configure(connection, database.name(),
                URI.create("ftp://x"), REGION, ACCOUNT)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void configureRefusesADatabaseWhoseEndpointOfAnotherStackStillAnswers() throws Exception {
        try (EmulationDatabase other = EmulationDatabase.create("emulowned");
             Connection superuser = other.connect()) {
            AwsLambdaEmulation.configure(superuser, other.name(), lambda.endpoint(), REGION, ACCOUNT);

            assertThatThrownBy(() -> AwsLambdaEmulation.configure(superuser, other.name(),
                    URI.create("http://127.0.0.1:1"), REGION, ACCOUNT))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(other.name())
                    .hasMessageContaining(lambda.endpoint().toString())
                    .hasMessageContaining("another local stack owns this database")
                    .hasMessageContaining("Stop that stack");
            assertThat(endpointOverrideOf(superuser)).isEqualTo(lambda.endpoint().toString());
        }
    }

    @Test
    void configureTakesOverADatabaseWhoseEndpointNoLongerAnswers() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (EmulationDatabase other = EmulationDatabase.create("emulstale");
             Connection superuser = other.connect()) {
            AwsLambdaEmulation.configure(superuser, other.name(), URI.create("http://127.0.0.1:" + closedPort),
                    REGION, ACCOUNT);

            AwsLambdaEmulation.configure(superuser, other.name(), lambda.endpoint(), REGION, ACCOUNT);

            assertThat(endpointOverrideOf(superuser)).isEqualTo(lambda.endpoint().toString());
        }
    }

    private static String endpointOverrideOf(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT s.setconfig FROM pg_db_role_setting s"
                     + " JOIN pg_database d ON d.oid = s.setdatabase"
                     + " WHERE d.datname = current_database() AND s.setrole = 0")) {
            rows.next();
            for (String setting : (String[]) rows.getArray(1).getArray()) {
                if (setting.startsWith("aws_lambda.endpoint_override=")) {
                    return setting.substring(setting.indexOf('=') + 1);
                }
            }
            return null;
        }
    }

    @Test
    void plainScriptIsTheExtensionScriptsWithoutTheirGuard() {
        Map<String, String> files = AwsLambdaEmulation.extensionFiles();
        String script = AwsLambdaEmulation.plainScript();

        assertThat(files).containsOnlyKeys("aws_commons.control", "aws_commons--1.2.sql", "aws_lambda.control",
                "aws_lambda--1.0.sql");
        assertThat(files.get("aws_lambda.control")).contains("requires = 'aws_commons, plpython3u'");
        assertThat(script).doesNotContain("\\echo").contains("CREATE EXTENSION IF NOT EXISTS plpython3u;");
        for (String sql : List.of(files.get("aws_commons--1.2.sql"), files.get("aws_lambda--1.0.sql"))) {
            sql.lines().filter(line -> !line.startsWith("\\echo"))
                    .forEach(line -> assertThat(script).contains(line));
        }
    }
}
