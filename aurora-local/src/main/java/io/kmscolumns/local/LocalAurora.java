package io.kmscolumns.local;

import io.kmscolumns.local.kms.LocalKms;
import io.kmscolumns.local.kms.LocalKmsException;
import io.kmscolumns.local.lambda.LambdaFunctionDefinition;
import io.kmscolumns.local.lambda.LocalLambda;
import io.kmscolumns.local.postgres.AwsLambdaEmulation;
import io.kmscolumns.local.postgres.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The whole local stack: a local KMS with one key ({@value #KEY_ALIAS}), a local Lambda endpoint serving the
 * function {@value #DEFAULT_FUNCTION_NAME}, and a PostgreSQL database with the {@code aws_lambda} emulation
 * installed and pointed at that endpoint ({@code aws_lambda.endpoint_override}).
 *
 * <pre>{@code
 * try (LocalAurora stack = LocalAurora.builder().build().start();
 *      Connection connection = stack.connect()) {
 *     // SELECT payload FROM aws_lambda.invoke(aws_commons.create_lambda_function_arn('kms-crypto'), ...)
 * }
 * }</pre>
 *
 * <p>The database comes from {@link Builder#jdbcUrl(String)} (used as it is), else from
 * {@link Builder#postgres(PostgresServer)}, else from {@link PostgresServer#start()} (environment variable
 * {@value PostgresServer#JDBC_URL_ENV}, a throwaway cluster, or Testcontainers). On a server it did not start, the
 * stack works in databases it creates and drops them on {@link #close()}.
 *
 * <p>The function's handler is loaded by class name (default {@value #DEFAULT_HANDLER}, from the lambda-fn
 * artifact, which must be on the classpath) and receives the environment real Lambda and the AWS SDK read:
 * {@code KMS_KEY_ID} (the key ARN), {@code AWS_REGION}, {@code AWS_ENDPOINT_URL_KMS} (the local KMS),
 * {@code AWS_ACCESS_KEY_ID=local}, {@code AWS_SECRET_ACCESS_KEY=local}.
 *
 * <p>{@link #close()} stops everything the stack started and nothing it was given.
 */
public final class LocalAurora implements AutoCloseable {

    /** The function name the stack registers unless told otherwise. */
    public static final String DEFAULT_FUNCTION_NAME = "kms-crypto";
    /** The handler class the stack loads unless told otherwise (lambda-fn's). */
    public static final String DEFAULT_HANDLER = "io.kmscolumns.lambda.KmsCryptoHandler";
    /** The alias of the stack's key. */
    public static final String KEY_ALIAS = "alias/aurora-local";
    /** The database created on a server the stack started itself. */
    public static final String DEFAULT_DATABASE = "aurora_local";

    private static final System.Logger LOG = System.getLogger(LocalAurora.class.getName());
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-\\d");
    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");

    private final Builder config;
    private final List<String> createdDatabases = new ArrayList<>();
    private PostgresServer server;
    private boolean ownsServer;
    private String database;
    private Path ownStateDirectory;
    private Path keyStateFile;
    private LocalKms kms;
    private LocalLambda lambda;
    private int kmsPort;
    private int lambdaPort;
    private String keyArn;
    private boolean started;

    private LocalAurora(Builder config) {
        this.config = config;
    }

    /** A builder with the defaults: region us-east-1, account 000000000000, free ports, lambda-fn's handler. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts KMS, the key, the Lambda endpoint and the database. On failure everything already started is
     * stopped again.
     */
    public synchronized LocalAurora start() {
        if (started) {
            throw new IllegalStateException("this LocalAurora has already been started");
        }
        started = true;
        checkSettings();
        try {
            startKms(config.kmsPort);
            keyArn = stackKey();
            startLambda(config.lambdaPort);
            startDatabase();
            return this;
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Rejects malformed settings and an unwritable key state file before anything starts. */
    private void checkSettings() {
        if (!REGION.matcher(config.region).matches()) {
            throw new IllegalArgumentException("region must look like us-east-1, got '" + config.region + "'");
        }
        if (!ACCOUNT_ID.matcher(config.accountId).matches()) {
            throw new IllegalArgumentException("account id must be exactly 12 digits, got '" + config.accountId
                    + "' (" + lengthInWords(config.accountId) + ")");
        }
        checkPort("KMS", config.kmsPort);
        checkPort("Lambda", config.lambdaPort);
        if (config.keyStateFile != null) {
            checkWritable(config.keyStateFile);
        }
    }

    private static String lengthInWords(String value) {
        int length = value.length();
        String unit = value.chars().allMatch(c -> c >= '0' && c <= '9') ? "digit" : "character";
        return length + " " + unit + (length == 1 ? "" : "s");
    }

    private static void checkPort(String what, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " port must be from 0 (any free port) to 65535, got " + port);
        }
    }

    /**
     * Fails unless the key state file can be written: an existing regular file that is writable, or a new file
     * whose nearest existing ancestor is a writable directory (missing directories are created).
     */
    private static void checkWritable(Path file) {
        Path absolute = file.toAbsolutePath();
        String problem = null;
        if (Files.isDirectory(absolute)) {
            problem = "it is a directory";
        } else if (Files.exists(absolute)) {
            if (!Files.isWritable(absolute)) {
                problem = "it is not writable";
            }
        } else {
            Path ancestor = absolute.getParent();
            while (ancestor != null && !Files.exists(ancestor)) {
                ancestor = ancestor.getParent();
            }
            if (ancestor == null || !Files.isDirectory(ancestor)) {
                problem = ancestor == null ? "no directory above it exists" : ancestor + " is not a directory";
            } else if (!Files.isWritable(ancestor)) {
                problem = "directory " + ancestor + " is not writable";
            }
        }
        if (problem != null) {
            throw new IllegalArgumentException("cannot use key state file " + file + ": " + problem
                    + "; give a file in a writable directory, or no key state file to keep the keys only while the"
                    + " stack runs");
        }
    }

    private void startKms(int port) {
        if (keyStateFile == null) {
            keyStateFile = config.keyStateFile != null ? config.keyStateFile : ownStateDirectory().resolve("kms.json");
        }
        kms = LocalKms.builder().port(port).region(config.region).accountId(config.accountId)
                .stateFile(keyStateFile).build().start();
        kmsPort = kms.endpoint().getPort();
    }

    /** The key behind {@value #KEY_ALIAS}: kept from a key state file, else created. */
    private String stackKey() {
        try {
            return kms.keyArn(KEY_ALIAS);
        } catch (LocalKmsException e) {
            if (!"NotFoundException".equals(e.errorCode())) {
                throw e;
            }
        }
        String arn = kms.createKey("aurora-local key of the " + config.functionName + " function");
        kms.createAlias(KEY_ALIAS, arn);
        return arn;
    }

    private void startLambda(int port) {
        lambda = LocalLambda.builder().port(port).region(config.region).accountId(config.accountId).build().start();
        lambdaPort = lambda.endpoint().getPort();
        LambdaFunctionDefinition.Builder function = LambdaFunctionDefinition.builder()
                .name(config.functionName)
                .environment(functionEnvironment())
                .timeout(config.functionTimeout);
        if (config.handler != null) {
            function.handler(config.handler);
        } else {
            function.handlerClass(config.handlerClass);
        }
        lambda.register(function.build());
    }

    private Map<String, String> functionEnvironment() {
        Map<String, String> environment = new LinkedHashMap<>(config.functionEnvironment);
        environment.put("KMS_KEY_ID", keyArn);
        environment.put("AWS_REGION", config.region);
        environment.put("AWS_ENDPOINT_URL_KMS", kms.endpoint().toString());
        environment.put("AWS_ACCESS_KEY_ID", "local");
        environment.put("AWS_SECRET_ACCESS_KEY", "local");
        return environment;
    }

    private void startDatabase() {
        if (config.jdbcUrl != null) {
            server = PostgresServer.using(config.jdbcUrl);
        } else if (config.server != null) {
            server = config.server;
        } else {
            server = PostgresServer.start();
            ownsServer = server.isOwned();
        }
        server.installEmulationExtensionFiles();
        if (config.jdbcUrl != null) {
            database = server.database();
            installEmulation(database);
            return;
        }
        String name = config.databaseName;
        if (name == null) {
            name = ownsServer ? DEFAULT_DATABASE : uniqueDatabaseName("aurora_local");
        }
        createDatabase(name);
        database = name;
    }

    /**
     * Creates a database on the stack's server with the emulation installed and configured for this stack's
     * Lambda endpoint, and returns its superuser JDBC URL. Databases created here are dropped on {@link #close()}
     * when the server is not the stack's own.
     */
    public synchronized String createDatabase(String name) {
        requireStarted();
        try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + quoted(name));
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + " on " + server + ": "
                    + e.getMessage(), e);
        }
        createdDatabases.add(name);
        installEmulation(name);
        return server.jdbcUrl(name);
    }

    /**
     * Drops a database (ending its sessions); a no-op when it does not exist. The stack's own database cannot be
     * dropped this way.
     */
    public synchronized void dropDatabase(String name) {
        requireStarted();
        if (name.equals(database)) {
            throw new IllegalArgumentException("database " + name + " is the stack's own; it goes with close()");
        }
        try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            // WITH (FORCE), PostgreSQL 13+: ends sessions still open in the database.
            // https://www.postgresql.org/docs/current/sql-dropdatabase.html
            statement.execute("DROP DATABASE IF EXISTS " + quoted(name) + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop database " + name + " on " + server + ": "
                    + e.getMessage(), e);
        }
        createdDatabases.remove(name);
    }

    private void installEmulation(String name) {
        try (Connection connection = server.connect(name)) {
            AwsLambdaEmulation.install(connection);
            AwsLambdaEmulation.configure(connection, name, lambda.endpoint(), config.region, config.accountId);
        } catch (SQLException e) {
            throw new IllegalStateException("could not install the aws_lambda emulation into database " + name
                    + " on " + server + ": " + e.getMessage(), e);
        }
    }

    /** The superuser JDBC URL of the stack's database. */
    public String jdbcUrl() {
        requireStarted();
        return server.jdbcUrl(database);
    }

    /** The stack's database as a {@code postgresql://} URI that psql accepts. */
    public String psqlUrl() {
        requireStarted();
        return server.psqlUrl(database);
    }

    /** The name of the stack's database. */
    public String database() {
        requireStarted();
        return database;
    }

    /** A new superuser connection to the stack's database. */
    public Connection connect() throws SQLException {
        requireStarted();
        return server.connect(database);
    }

    /** The server the stack's databases live on. */
    public PostgresServer postgres() {
        requireStarted();
        return server;
    }

    /** The full ARN of the stack's function. */
    public String functionArn() {
        requireStarted();
        return lambda.functionArn(config.functionName);
    }

    /** The stack's function name. */
    public String functionName() {
        return config.functionName;
    }

    /** The ARN of the key behind {@value #KEY_ALIAS}. */
    public String keyArn() {
        requireStarted();
        return keyArn;
    }

    /** The region the stack's ARNs and endpoints are in. */
    public String region() {
        return config.region;
    }

    /** The account id in the stack's ARNs. */
    public String accountId() {
        return config.accountId;
    }

    /** The local KMS (faults, key state, request count). Replaced by {@link #restartKms()}. */
    public synchronized LocalKms kms() {
        requireStarted();
        return kms;
    }

    /** The local Lambda endpoint (invocation counts). Replaced by {@link #restartLambda()}. */
    public synchronized LocalLambda lambda() {
        requireStarted();
        return lambda;
    }

    /** {@code http://127.0.0.1:<port>} of the Lambda endpoint; the port stays the same across restarts. */
    public URI lambdaEndpoint() {
        requireStarted();
        return URI.create("http://127.0.0.1:" + lambdaPort);
    }

    /** {@code http://127.0.0.1:<port>} of the KMS endpoint; the port stays the same across restarts. */
    public URI kmsEndpoint() {
        requireStarted();
        return URI.create("http://127.0.0.1:" + kmsPort);
    }

    /** Stops the Lambda endpoint: invocations then fail as unreachable, until {@link #startLambda()}. */
    public synchronized void stopLambda() {
        requireStarted();
        if (lambda != null) {
            lambda.close();
            lambda = null;
        }
    }

    /** Starts the Lambda endpoint again on the same port, with the same function. */
    public synchronized void startLambda() {
        requireStarted();
        if (lambda == null) {
            startLambda(lambdaPort);
        }
    }

    /** Stops and starts the Lambda endpoint on the same port (a cold start of the function). */
    public synchronized void restartLambda() {
        stopLambda();
        startLambda();
    }

    /** Stops KMS: the function's KMS calls then fail to connect, until {@link #startKms()}. */
    public synchronized void stopKms() {
        requireStarted();
        if (kms != null) {
            kms.close();
            kms = null;
        }
    }

    /** Starts KMS again on the same port with the same keys (kept in the key state file). */
    public synchronized void startKms() {
        requireStarted();
        if (kms == null) {
            startKms(kmsPort);
        }
    }

    /** Stops and starts KMS on the same port with the same keys. */
    public synchronized void restartKms() {
        stopKms();
        startKms();
    }

    /**
     * Stops the Lambda endpoint and KMS, drops the databases the stack created on a server it was given, and stops
     * the server if the stack started it.
     */
    @Override
    public synchronized void close() {
        if (server != null && !ownsServer && !config.keepDatabases && !createdDatabases.isEmpty()) {
            dropCreatedDatabases();
        }
        if (lambda != null) {
            quietly("the Lambda endpoint", lambda::close);
            lambda = null;
        }
        if (kms != null) {
            quietly("KMS", kms::close);
            kms = null;
        }
        if (server != null && ownsServer) {
            quietly("PostgreSQL", server::close);
        }
        if (ownStateDirectory != null) {
            quietly("the key state directory", () -> deleteDirectory(ownStateDirectory));
        }
    }

    private void dropCreatedDatabases() {
        try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            for (String name : createdDatabases) {
                // WITH (FORCE), PostgreSQL 13+: ends sessions still open in the database.
                // https://www.postgresql.org/docs/current/sql-dropdatabase.html
                statement.execute("DROP DATABASE IF EXISTS " + quoted(name) + " WITH (FORCE)");
            }
            createdDatabases.clear();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "could not drop the databases {0} on {1}: {2}",
                    createdDatabases, server, e.getMessage());
        }
    }

    private Path ownStateDirectory() {
        if (ownStateDirectory == null) {
            try {
                ownStateDirectory = Files.createTempDirectory("aurora-local-kms");
            } catch (IOException e) {
                throw new UncheckedIOException("could not create a directory for the KMS key state", e);
            }
        }
        return ownStateDirectory;
    }

    private void requireStarted() {
        if (!started) {
            throw new IllegalStateException("LocalAurora has not been started: call start()");
        }
    }

    private static String uniqueDatabaseName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Quotes an SQL identifier. */
    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static void quietly(String what, ThrowingRunnable action) {
        try {
            action.run();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "could not stop {0}: {1}", what, e.toString());
        }
    }

    private static void deleteDirectory(Path directory) throws IOException {
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** The stack's settings. */
    public static final class Builder {
        private String region = "us-east-1";
        private String accountId = "000000000000";
        private int kmsPort;
        private int lambdaPort;
        private Path keyStateFile;
        private String functionName = DEFAULT_FUNCTION_NAME;
        private String handlerClass = DEFAULT_HANDLER;
        private Object handler;
        private Map<String, String> functionEnvironment = Map.of();
        private Duration functionTimeout = Duration.ofSeconds(30);
        private String jdbcUrl;
        private PostgresServer server;
        private String databaseName;
        private boolean keepDatabases;

        private Builder() {
        }

        /** The region in ARNs and in the function's AWS_REGION (default us-east-1). */
        public Builder region(String region) {
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        /** The account id in ARNs (default 000000000000). */
        public Builder accountId(String accountId) {
            this.accountId = Objects.requireNonNull(accountId, "accountId");
            return this;
        }

        /** The KMS port on 127.0.0.1; 0 (default) picks a free one. */
        public Builder kmsPort(int port) {
            this.kmsPort = port;
            return this;
        }

        /** The Lambda endpoint's port on 127.0.0.1; 0 (default) picks a free one. */
        public Builder lambdaPort(int port) {
            this.lambdaPort = port;
            return this;
        }

        /**
         * A file the KMS keys persist in, so that ciphertext stays decryptable after a restart of the stack.
         * Default: a temporary file removed on close.
         */
        public Builder keyStateFile(Path file) {
            this.keyStateFile = file;
            return this;
        }

        /** The function's name (default {@value #DEFAULT_FUNCTION_NAME}). */
        public Builder functionName(String name) {
            this.functionName = Objects.requireNonNull(name, "functionName");
            return this;
        }

        /** The handler's class name, loaded from the classpath (default {@value #DEFAULT_HANDLER}). */
        public Builder handlerClass(String className) {
            this.handlerClass = Objects.requireNonNull(className, "handlerClass");
            this.handler = null;
            return this;
        }

        /** A handler instance to serve instead of a class loaded by name. */
        public Builder handler(Object handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Extra environment variables for the function; the stack's own (KMS_KEY_ID, ...) take precedence. */
        public Builder functionEnvironment(Map<String, String> environment) {
            this.functionEnvironment = Map.copyOf(environment);
            return this;
        }

        /** The function's timeout (default 30 s). */
        public Builder functionTimeout(Duration timeout) {
            this.functionTimeout = Objects.requireNonNull(timeout, "functionTimeout");
            return this;
        }

        /**
         * Use this database, given as a superuser JDBC URL: the emulation is installed into it and it is neither
         * created nor dropped.
         */
        public Builder jdbcUrl(String superuserJdbcUrl) {
            this.jdbcUrl = superuserJdbcUrl;
            return this;
        }

        /** Use this server (not stopped by the stack) and create the stack's database on it. */
        public Builder postgres(PostgresServer server) {
            this.server = server;
            return this;
        }

        /**
         * The name of the database the stack creates; default {@value #DEFAULT_DATABASE} on a server the stack
         * started, else {@code aurora_local_<random>}.
         */
        public Builder databaseName(String name) {
            this.databaseName = name;
            return this;
        }

        /** Keep the databases the stack created on a server it was given instead of dropping them on close. */
        public Builder keepDatabases(boolean keep) {
            this.keepDatabases = keep;
            return this;
        }

        /** A stack with these settings, not started yet; later changes to this builder do not affect it. */
        public LocalAurora build() {
            return new LocalAurora(copy());
        }

        private Builder copy() {
            Builder copy = new Builder();
            copy.region = region;
            copy.accountId = accountId;
            copy.kmsPort = kmsPort;
            copy.lambdaPort = lambdaPort;
            copy.keyStateFile = keyStateFile;
            copy.functionName = functionName;
            copy.handlerClass = handlerClass;
            copy.handler = handler;
            copy.functionEnvironment = functionEnvironment;
            copy.functionTimeout = functionTimeout;
            copy.jdbcUrl = jdbcUrl;
            copy.server = server;
            copy.databaseName = databaseName;
            copy.keepDatabases = keepDatabases;
            return copy;
        }
    }
}
