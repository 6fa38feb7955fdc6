package io.kmscolumns.local.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Installs and configures the emulation of Aurora PostgreSQL's {@code aws_lambda} and {@code aws_commons}
 * extensions on PostgreSQL 13 or later with PL/Python ({@code plpython3u}).
 *
 * <p>The emulation has Aurora's schemas, composite type {@code aws_commons._lambda_function_arn_1},
 * {@code aws_commons.create_lambda_function_arn} and the four {@code aws_lambda.invoke} overloads with their exact
 * parameter names, defaults and OUT columns; it calls the Lambda Invoke API at {@code aws_lambda.endpoint_override}
 * and raises Aurora's errors ({@code lambda invocation failed}, {@code invoke API failed}). No function is executable
 * by {@code PUBLIC} and no schema is usable by it, as on Aurora: grant {@code USAGE} on the schemas and
 * {@code EXECUTE} on the functions to the roles that need them.
 *
 * <p>It comes in two forms made from the same files (resources next to this class):
 * <ul>
 *   <li>extension files ({@link #extensionFiles()}): control files and versioned scripts to copy into
 *       {@code $(pg_config --sharedir)/extension}, after which {@code CREATE EXTENSION aws_lambda CASCADE} works as
 *       on Aurora. {@code java -cp aurora-local.jar io.kmscolumns.local.postgres.AwsLambdaEmulation --install-files
 *       "$(pg_config --sharedir)"} copies them;</li>
 *   <li>a plain script ({@link #plainScript()}): the same scripts concatenated, for servers whose share directory
 *       cannot be written (managed services, containers without root). It is rerunnable.</li>
 * </ul>
 *
 * <p>Only the Lambda part of {@code aws_commons} is emulated ({@code create_s3_uri} and
 * {@code create_aws_credentials} are absent), and {@code aws_lambda} keeps its internals in a third schema,
 * {@code aurora_local}, which Aurora does not have.
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/PostgreSQL-Lambda.html">Invoking an AWS
 *     Lambda function from an Aurora PostgreSQL DB cluster</a>
 */
public final class AwsLambdaEmulation {

    /** The {@code aws_commons} version Aurora reports, used for the emulation's script. */
    public static final String AWS_COMMONS_VERSION = "1.2";
    /** The {@code aws_lambda} version Aurora reports, used for the emulation's script. */
    public static final String AWS_LAMBDA_VERSION = "1.0";

    private static final List<String> FILE_NAMES = List.of(
            "aws_commons.control", "aws_commons--" + AWS_COMMONS_VERSION + ".sql",
            "aws_lambda.control", "aws_lambda--" + AWS_LAMBDA_VERSION + ".sql");
    private static final List<String> SCHEMAS = List.of("aws_commons", "aws_lambda", "aurora_local");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-\\d");
    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    private static final int ANSWER_TIMEOUT_MILLIS = 1000;
    private static final System.Logger LOG = System.getLogger(AwsLambdaEmulation.class.getName());
    /** Serialises concurrent installs into one database; any constant key will do. */
    private static final long INSTALL_LOCK_KEY = 0x6177735f6c616d62L;

    private AwsLambdaEmulation() {
    }

    /**
     * The extension files, by file name: {@code aws_commons.control}, {@code aws_commons--1.2.sql},
     * {@code aws_lambda.control} and {@code aws_lambda--1.0.sql}, in that order.
     */
    public static Map<String, String> extensionFiles() {
        Map<String, String> files = new LinkedHashMap<>();
        for (String name : FILE_NAMES) {
            files.put(name, resource(name));
        }
        return files;
    }

    /**
     * Writes the extension files into a PostgreSQL extension directory, replacing older copies.
     *
     * @param extensionDirectory typically {@code $(pg_config --sharedir)/extension}; created when missing
     * @return the files written
     * @throws IOException when the directory cannot be written (installing into the system share directory needs
     *     root)
     */
    public static List<Path> writeExtensionFiles(Path extensionDirectory) throws IOException {
        Files.createDirectories(extensionDirectory);
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, String> file : extensionFiles().entrySet()) {
            written.add(Files.writeString(extensionDirectory.resolve(file.getKey()), file.getValue(),
                    StandardCharsets.UTF_8));
        }
        return written;
    }

    /**
     * The plain-script form: the {@code aws_commons} and {@code aws_lambda} extension scripts without their
     * {@code \echo ... \quit} guard, after {@code CREATE EXTENSION IF NOT EXISTS plpython3u}. Rerunnable; run it as
     * a superuser.
     */
    public static String plainScript() {
        StringBuilder script = new StringBuilder()
                .append("-- aws_commons ").append(AWS_COMMONS_VERSION).append(" and aws_lambda ")
                .append(AWS_LAMBDA_VERSION).append(" emulation (aurora-local), plain-script form.\n")
                .append("-- Generated from the extension scripts; use it where CREATE EXTENSION aws_lambda is not "
                        + "available.\n")
                .append("CREATE EXTENSION IF NOT EXISTS plpython3u;\n\n");
        for (String name : List.of(FILE_NAMES.get(1), FILE_NAMES.get(3))) {
            script.append(resource(name).lines()
                    .filter(line -> !line.startsWith("\\echo"))
                    .collect(Collectors.joining("\n", "", "\n\n")));
        }
        return script.toString();
    }

    /**
     * Installs the emulation into the connection's database: {@code CREATE EXTENSION aws_lambda CASCADE} when the
     * server lists {@code aws_lambda} and {@code aws_commons} in {@code pg_available_extensions} (the extension
     * files are installed), else the {@linkplain #plainScript() plain script}. Does nothing when the extension is
     * already created; reruns the plain script when an earlier plain-script install exists (the extension could not
     * be created over its objects). Runs in one transaction unless the connection is already in one.
     *
     * @param superuser a connection of a superuser ({@code plpython3u} is an untrusted language)
     * @throws SQLException when PL/Python is missing or the script fails; nothing is left half-installed
     */
    public static void install(Connection superuser) throws SQLException {
        inTransaction(superuser, () -> {
            if (extensionCreated(superuser)) {
                return;
            }
            if (!schemasPresent(superuser) && extensionFilesAvailable(superuser)) {
                execute(superuser, "CREATE EXTENSION IF NOT EXISTS aws_lambda CASCADE");
            } else {
                execute(superuser, plainScript());
            }
        });
    }

    /**
     * Installs the emulation with {@code CREATE EXTENSION aws_lambda CASCADE}, which also creates
     * {@code aws_commons} and {@code plpython3u}.
     *
     * @throws SQLException when the extension files are not installed on the server (see
     *     {@link #writeExtensionFiles(Path)}) or PL/Python is missing
     */
    public static void installExtension(Connection superuser) throws SQLException {
        inTransaction(superuser, () -> execute(superuser, "CREATE EXTENSION IF NOT EXISTS aws_lambda CASCADE"));
    }

    /**
     * Installs or refreshes the emulation with the {@linkplain #plainScript() plain script}.
     *
     * @throws SQLException when PL/Python is missing or the objects belong to the extension
     */
    public static void installPlainScript(Connection superuser) throws SQLException {
        inTransaction(superuser, () -> execute(superuser, plainScript()));
    }

    /** Whether the server lists both emulated extensions in {@code pg_available_extensions}. */
    public static boolean extensionFilesAvailable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM pg_catalog.pg_available_extensions"
                     + " WHERE name IN ('aws_lambda', 'aws_commons')")) {
            rows.next();
            return rows.getInt(1) == 2;
        }
    }

    /**
     * Points a database's emulation at a Lambda endpoint: {@code ALTER DATABASE .. SET} of
     * {@code aws_lambda.endpoint_override}, {@code aurora_local.region} (the region Aurora would take from the
     * cluster) and {@code aurora_local.account_id} (the account of function names). New sessions see the settings;
     * the given connection too when it is connected to that database.
     *
     * @param superuser a connection of a superuser or of the database owner
     * @param database the database to configure
     * @param lambdaEndpoint the endpoint's base URL, e.g. {@code http://127.0.0.1:9001}
     * @param region the region, e.g. {@code us-east-1}
     * @param accountId the 12-digit account id
     * <p>A database is used by one stack at a time: when its {@code aws_lambda.endpoint_override} already names
     * another endpoint and something still answers there, another stack owns the database and this method refuses;
     * when nothing answers, that stack is gone and the setting is taken over with a warning.
     *
     * @throws IllegalArgumentException when an argument is malformed
     * @throws IllegalStateException when the database is configured for another endpoint that still answers
     * @throws SQLException when the database cannot be altered
     */
    public static void configure(Connection superuser, String database, URI lambdaEndpoint, String region,
                                 String accountId) throws SQLException {
        Objects.requireNonNull(database, "database");
        Map<String, String> settings = settings(lambdaEndpoint, region, accountId);
        String configured = configuredEndpoint(superuser, database);
        if (configured != null && !configured.equals(lambdaEndpoint.toString())) {
            if (answers(configured)) {
                throw new IllegalStateException("Database " + database + " already has aws_lambda.endpoint_override"
                        + " = " + configured + " and a Lambda endpoint still answers there: another local stack"
                        + " owns this database, and ciphertext written through it decrypts only with its keys."
                        + " Stop that stack first, or give this one another database.");
            }
            LOG.log(System.Logger.Level.WARNING, "Database {0} was configured for Lambda endpoint {1}, which no"
                    + " longer answers; pointing aws_lambda.endpoint_override at {2} instead. Ciphertext written"
                    + " through the old stack decrypts only with that stack''s keys (its key state file).",
                    database, configured, lambdaEndpoint);
        }
        boolean current;
        try (Statement statement = superuser.createStatement()) {
            for (Map.Entry<String, String> setting : settings.entrySet()) {
                statement.execute("ALTER DATABASE " + quoteIdentifier(database) + " SET " + setting.getKey()
                        + " = " + quoteLiteral(setting.getValue()));
            }
            try (ResultSet rows = statement.executeQuery("SELECT pg_catalog.current_database()")) {
                rows.next();
                current = rows.getString(1).equals(database);
            }
        }
        if (current) {
            try (PreparedStatement set = superuser.prepareStatement("SELECT pg_catalog.set_config(?, ?, false)")) {
                for (Map.Entry<String, String> setting : settings.entrySet()) {
                    set.setString(1, setting.getKey());
                    set.setString(2, setting.getValue());
                    set.execute();
                }
            }
        }
    }

    /**
     * Writes the extension files or prints the plain script; no other dependency than the JDK.
     * <pre>
     * java -cp aurora-local.jar io.kmscolumns.local.postgres.AwsLambdaEmulation \
     *     --install-files "$(pg_config --sharedir)"
     * java -cp aurora-local.jar io.kmscolumns.local.postgres.AwsLambdaEmulation --plain-script | psql ...
     * </pre>
     * {@code --install-files} takes the share directory and writes into its {@code extension} subdirectory.
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 2 && args[0].equals("--install-files")) {
            Path extensionDirectory = Paths.get(args[1]).resolve("extension");
            try {
                for (Path file : writeExtensionFiles(extensionDirectory)) {
                    out.println("wrote " + file);
                }
                return 0;
            } catch (IOException e) {
                err.println("Cannot write the aws_lambda emulation's extension files into " + extensionDirectory
                        + ": " + e + ". Run as a user who can write there (root for the system PostgreSQL), or"
                        + " install the plain script instead (--plain-script).");
                return 1;
            }
        }
        if (args.length == 1 && args[0].equals("--plain-script")) {
            out.print(plainScript());
            return 0;
        }
        err.println("Usage: AwsLambdaEmulation --install-files <pg_config --sharedir>");
        err.println("       AwsLambdaEmulation --plain-script");
        return 2;
    }

    private static Map<String, String> settings(URI endpoint, String region, String accountId) {
        Objects.requireNonNull(endpoint, "lambdaEndpoint");
        if (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))
                || endpoint.getHost() == null) {
            throw new IllegalArgumentException("Lambda endpoint " + endpoint
                    + " is not an http or https URL with a host, e.g. http://127.0.0.1:9001");
        }
        if (region == null || !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("Region '" + region + "' is not a region name like us-east-1");
        }
        if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
            throw new IllegalArgumentException("Account id '" + accountId + "' must be exactly 12 digits");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("aws_lambda.endpoint_override", endpoint.toString());
        settings.put("aurora_local.region", region);
        settings.put("aurora_local.account_id", accountId);
        return settings;
    }

    /** The database's own {@code aws_lambda.endpoint_override} (ALTER DATABASE .. SET), or null. */
    private static String configuredEndpoint(Connection connection, String database) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT substr(c.setting, length('aws_lambda.endpoint_override=') + 1)"
                        + " FROM pg_catalog.pg_db_role_setting s"
                        + " JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase,"
                        + " unnest(s.setconfig) AS c(setting)"
                        + " WHERE d.datname = ? AND s.setrole = 0"
                        + " AND c.setting LIKE 'aws\\_lambda.endpoint\\_override=%'")) {
            statement.setString(1, database);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    /** Whether something accepts TCP connections at an endpoint URL's host and port, within a second. */
    private static boolean answers(String endpoint) {
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (uri.getHost() == null) {
            return false;
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), port), ANSWER_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean extensionCreated(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'aws_lambda'")) {
            return rows.next();
        }
    }

    private static boolean schemasPresent(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ANY (?)")) {
            statement.setArray(1, connection.createArrayOf("text", SCHEMAS.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void inTransaction(Connection connection, SqlWork work) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            execute(connection, "SELECT pg_catalog.pg_advisory_xact_lock(" + INSTALL_LOCK_KEY + ")");
            work.run();
            if (autoCommit) {
                connection.commit();
            }
        } catch (SQLException | RuntimeException e) {
            if (autoCommit) {
                connection.rollback();
            }
            throw e;
        } finally {
            if (autoCommit) {
                connection.setAutoCommit(true);
            }
        }
    }

    private static String quoteIdentifier(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String quoteLiteral(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static String resource(String name) {
        try (InputStream in = AwsLambdaEmulation.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + name + " is missing from the aurora-local jar next to "
                        + AwsLambdaEmulation.class.getName() + "; rebuild the module");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read resource " + name, e);
        }
    }

    @FunctionalInterface
    private interface SqlWork {
        void run() throws SQLException;
    }
}
