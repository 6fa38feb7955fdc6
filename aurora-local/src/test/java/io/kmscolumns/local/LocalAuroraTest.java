package io.kmscolumns.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmscolumns.local.postgres.PostgresServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalAuroraTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static LocalAurora stack;

    @BeforeAll
    static void startStack() {
        stack = LocalAurora.builder().handlerClass(EchoEnvironmentHandler.class.getName()).build().start();
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    static JsonNode invokeThroughSql(Connection connection, String function, String payload) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT status_code, payload::text FROM aws_lambda.invoke(?::text, ?::json)")) {
            statement.setString(1, function);
            statement.setString(2, payload);
            try (ResultSet rs = statement.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(200);
                return JSON.readTree(rs.getString(2));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static JsonNode invokeOverHttp(String payload) throws Exception {
        URI invocations = stack.lambdaEndpoint()
                .resolve("/2015-03-31/functions/" + stack.functionName() + "/invocations");
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(invocations)
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void exposesArnsAndLoopbackEndpointsOfItsFunctionAndKey() {
        assertThat(stack.functionName()).isEqualTo("kms-crypto");
        assertThat(stack.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:kms-crypto");
        assertThat(stack.keyArn()).matches("arn:aws:kms:us-east-1:000000000000:key/[0-9a-f-]{36}");
        assertThat(stack.kms().keyArn(LocalAurora.KEY_ALIAS)).isEqualTo(stack.keyArn());
        assertThat(stack.lambdaEndpoint()).isEqualTo(stack.lambda().endpoint());
        assertThat(stack.kmsEndpoint()).isEqualTo(stack.kms().endpoint());
        assertThat(stack.lambdaEndpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(stack.jdbcUrl()).startsWith("jdbc:postgresql://").contains("/" + stack.database() + "?");
        assertThat(stack.psqlUrl()).startsWith("postgresql://").contains("/" + stack.database());
    }

    @Test
    void functionReceivesTheKeyRegionAndLocalKmsEndpointInItsEnvironment() throws Exception {
        JsonNode response = invokeOverHttp("{\"ping\":1}");

        assertThat(response.path("event").path("ping").asInt()).isEqualTo(1);
        assertThat(response.path("kmsKeyId").asText()).isEqualTo(stack.keyArn());
        assertThat(response.path("region").asText()).isEqualTo("us-east-1");
        assertThat(response.path("kmsEndpoint").asText()).isEqualTo(stack.kmsEndpoint().toString());
        assertThat(response.path("accessKeyId").asText()).isEqualTo("local");
    }

    @Test
    void sqlInTheStacksDatabaseReachesTheFunctionThroughAwsLambdaInvoke() throws Exception {
        try (Connection connection = stack.connect()) {
            JsonNode payload = invokeThroughSql(connection, stack.functionArn(), "{\"event_text\":\"hello\"}");

            assertThat(payload.path("event").path("event_text").asText()).isEqualTo("hello");
        }
    }

    @Test
    void createdDatabaseHasTheEmulationPointedAtTheStack() throws Exception {
        String name = "created_" + Long.toHexString(System.nanoTime());
        String url = stack.createDatabase(name);
        try (Connection connection = java.sql.DriverManager.getConnection(url)) {
            JsonNode payload = invokeThroughSql(connection, stack.functionName(), "{\"n\":2}");
            assertThat(payload.path("event").path("n").asInt()).isEqualTo(2);
        } finally {
            stack.dropDatabase(name);
        }
        try (Connection connection = stack.postgres().connect(); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void restartedLambdaAndKmsComeBackOnTheSamePortsWithTheSameKey() throws Exception {
        URI lambdaEndpoint = stack.lambdaEndpoint();
        URI kmsEndpoint = stack.kmsEndpoint();
        String keyArn = stack.keyArn();

        stack.stopLambda();
        assertThatThrownBy(() -> invokeOverHttp("{}")).isInstanceOf(IOException.class);
        stack.startLambda();
        stack.restartKms();

        assertThat(stack.lambda().endpoint()).isEqualTo(lambdaEndpoint);
        assertThat(stack.kms().endpoint()).isEqualTo(kmsEndpoint);
        assertThat(stack.kms().keyArn(LocalAurora.KEY_ALIAS)).isEqualTo(keyArn);
        assertThat(invokeOverHttp("{\"again\":true}").path("event").path("again").asBoolean()).isTrue();
    }

    @Test
    void onAGivenServerItDropsTheDatabasesItCreatedAndLeavesTheServerRunning() throws Exception {
        PostgresServer server = stack.postgres();
        String database;
        try (LocalAurora onGiven = LocalAurora.builder().handlerClass(EchoEnvironmentHandler.class.getName())
                .postgres(server).build().start()) {
            database = onGiven.database();
            assertThat(database).startsWith("aurora_local_");
        }
        try (Connection connection = server.connect(); PreparedStatement statement = connection.prepareStatement(
                "SELECT count(*) FROM pg_database WHERE datname = ?")) {
            statement.setString(1, database);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    @Test
    void aMissingHandlerClassFailsTheStartNamingTheClass() {
        LocalAurora broken = LocalAurora.builder().handlerClass("com.example.NoSuchHandler").build();

        assertThatThrownBy(broken::start).hasMessageContaining("com.example.NoSuchHandler");
    }

    @Test
    void aSecondStackOnADatabaseARunningStackOwnsIsRefusedNamingTheDatabaseAndTheEndpoint() throws Exception {
        LocalAurora intruder = LocalAurora.builder().handlerClass(EchoEnvironmentHandler.class.getName())
                .jdbcUrl(stack.jdbcUrl()).build();

        assertThatThrownBy(intruder::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(stack.database())
                .hasMessageContaining(stack.lambda().endpoint().toString())
                .hasMessageContaining("another local stack owns this database");
        try (Connection connection = stack.connect()) {
            JsonNode payload = invokeThroughSql(connection, stack.functionName(), "{\"still\":\"mine\"}");
            assertThat(payload.path("event").path("still").asText()).isEqualTo("mine");
        }
    }

    @Test
    void settingsAndAnUnwritableKeyStateFileAreRejectedBeforeAnythingStarts(@TempDir Path directory)
            throws Exception {
        Path notADirectory = Files.writeString(directory.resolve("plain-file"), "x");

        assertThatThrownBy(() -> LocalAurora.builder().keyStateFile(notADirectory.resolve("keys.json")).build()
                .start()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot use key state file " + notADirectory.resolve("keys.json"))
                .hasMessageContaining(notADirectory + " is not a directory");
        assertThatThrownBy(() -> LocalAurora.builder().accountId("12").build().start())
                .hasMessage("account id must be exactly 12 digits, got '12' (2 digits)");
        assertThatThrownBy(() -> LocalAurora.builder().region("Mars").build().start())
                .hasMessage("region must look like us-east-1, got 'Mars'");
        assertThatThrownBy(() -> LocalAurora.builder().kmsPort(70000).build().start())
                .hasMessage("KMS port must be from 0 (any free port) to 65535, got 70000");
    }

    @Test
    void keyStateFileKeepsTheSameKeyAcrossStacks(@TempDir Path directory) {
        Path stateFile = directory.resolve("keys.json");
        String firstKey;
        try (LocalAurora first = LocalAurora.builder().handlerClass(EchoEnvironmentHandler.class.getName())
                .postgres(stack.postgres()).keyStateFile(stateFile).build().start()) {
            firstKey = first.keyArn();
        }
        try (LocalAurora second = LocalAurora.builder().handlerClass(EchoEnvironmentHandler.class.getName())
                .postgres(stack.postgres()).keyStateFile(stateFile).build().start()) {
            assertThat(second.keyArn()).isEqualTo(firstKey);
        }
    }

    @Test
    void onAServerWithAWritableShareDirectoryTheEmulationIsCreatedAsAnExtension() throws Exception {
        boolean filesInPlace = stack.postgres().installEmulationExtensionFiles();
        boolean writable = stack.postgres().localSharedir()
                .map(dir -> Files.isWritable(dir.resolve("extension"))).orElse(false);
        if (writable) {
            assertThat(filesInPlace).isTrue();
        }

        String name = "ext_" + Long.toHexString(System.nanoTime());
        String url = stack.createDatabase(name);
        try (Connection connection = java.sql.DriverManager.getConnection(url);
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(
                     "SELECT count(*) FROM pg_extension WHERE extname IN ('aws_lambda', 'aws_commons')")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(filesInPlace ? 2 : 0);
        } finally {
            stack.dropDatabase(name);
        }
    }
}
