package io.kmscolumns.local.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A PostgreSQL server with PL/Python ({@code plpython3u}) for the {@code aws_lambda} emulation, and a superuser
 * connection to it.
 *
 * <p>{@link #start()} takes the first of these that is available:
 * <ol>
 *   <li>the server named by the environment variable {@value #JDBC_URL_ENV}, a superuser JDBC URL such as
 *       {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}; used as it is, never stopped;</li>
 *   <li>a throwaway cluster started from this machine's PostgreSQL binaries ({@code initdb} and {@code pg_ctl} on
 *       {@code PATH}, from {@code pg_config --bindir}, or the newest {@code /usr/lib/postgresql/<major>/bin}): its
 *       own data directory under a temporary directory, a free port on 127.0.0.1, trust authentication, and, when
 *       this JVM runs as root, the operating system user {@value #PG_USER_ENV} or else {@code postgres}; stopped
 *       with {@code pg_ctl stop -m fast} and deleted on {@link #close()} or at JVM exit;</li>
 *   <li>a Docker container of {@code postgres:15} with {@code postgresql-plpython3-15}, through Testcontainers
 *       when it is on the classpath and finds a Docker engine; stopped on {@link #close()};</li>
 *   <li>else an {@link IllegalStateException} that says what was tried and how to get a server.</li>
 * </ol>
 *
 * <pre>{@code
 * try (PostgresServer server = PostgresServer.start();
 *      Connection connection = server.connect()) {
 *     ...
 * }
 * }</pre>
 */
public final class PostgresServer implements AutoCloseable {

    /** Environment variable naming a superuser JDBC URL of the server to use instead of starting one. */
    public static final String JDBC_URL_ENV = "AURORA_LOCAL_JDBC_URL";
    /** Environment variable naming the OS user that runs a throwaway cluster when this JVM runs as root. */
    public static final String PG_USER_ENV = "AURORA_LOCAL_PG_USER";

    /** The oldest major version the {@code aws_lambda} emulation supports. */
    public static final int MINIMUM_MAJOR_VERSION = 13;

    /** Where a server came from. */
    public enum Source {
        /** A server someone else runs: from {@value #JDBC_URL_ENV} or {@link #using(String)}. Never stopped. */
        GIVEN,
        /** A throwaway cluster started from local PostgreSQL binaries. */
        LOCAL_BINARIES,
        /** A throwaway Docker container started through Testcontainers. */
        TESTCONTAINERS
    }

    private static final System.Logger LOG = System.getLogger(PostgresServer.class.getName());

    private final Source source;
    private final PostgresUrl url;
    private final AutoCloseable owned;
    private final int majorVersion;
    private final String description;

    private PostgresServer(Source source, PostgresUrl url, AutoCloseable owned, int majorVersion, String description) {
        this.source = source;
        this.url = url;
        this.owned = owned;
        this.majorVersion = majorVersion;
        this.description = description;
    }

    /** The first available server, from this process's environment; see the class comment for the order. */
    public static PostgresServer start() {
        return builder().start();
    }

    /**
     * The server of a superuser JDBC URL, checked for a supported version and {@code plpython3u}. It is not
     * stopped by {@link #close()}.
     */
    public static PostgresServer using(String superuserJdbcUrl) {
        PostgresUrl url = PostgresUrl.parse(superuserJdbcUrl);
        int major = checkSupported(url, "the server at " + url);
        return new PostgresServer(Source.GIVEN, url, null, major, "given server " + url);
    }

    /** A builder to choose the environment and the sources to try; mostly for tests. */
    public static Builder builder() {
        return new Builder();
    }

    /** Where this server came from. */
    public Source source() {
        return source;
    }

    /** Whether {@link #close()} stops this server (it does for all but {@link Source#GIVEN}). */
    public boolean isOwned() {
        return owned != null;
    }

    /** The superuser JDBC URL of the database this server was reached through (usually {@code postgres}). */
    public String jdbcUrl() {
        return url.jdbc();
    }

    /** The superuser JDBC URL of another database of this server. */
    public String jdbcUrl(String database) {
        return url.withDatabase(database).jdbc();
    }

    /** A {@code postgresql://} URI that psql accepts, for the database this server was reached through. */
    public String psqlUrl() {
        return url.psql();
    }

    /** A {@code postgresql://} URI that psql accepts, for another database of this server. */
    public String psqlUrl(String database) {
        return url.withDatabase(database).psql();
    }

    /** The database this server was reached through. */
    public String database() {
        return url.database();
    }

    /** The host name in the JDBC URL. */
    public String host() {
        return url.host();
    }

    /** The TCP port. */
    public int port() {
        return url.port();
    }

    /** The server's major version, e.g. 15. */
    public int majorVersion() {
        return majorVersion;
    }

    /** A superuser connection to the database this server was reached through. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url.jdbc());
    }

    /** A superuser connection to another database of this server. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(url.withDatabase(database).jdbc());
    }

    /**
     * The server's share directory ({@code pg_config}'s SHAREDIR, where extension control files live) when it is
     * a directory of this machine: for a throwaway cluster, and for a given server on a loopback address whose
     * SHAREDIR exists here. Empty for containers and remote servers.
     */
    public Optional<Path> localSharedir() {
        if (source == Source.TESTCONTAINERS || (source == Source.GIVEN && !url.isLoopback())) {
            return Optional.empty();
        }
        try (Connection connection = connect();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(
                     "SELECT setting FROM pg_catalog.pg_config WHERE name = 'SHAREDIR'")) {
            if (rs.next()) {
                Path sharedir = Path.of(rs.getString(1));
                return Files.isDirectory(sharedir.resolve("extension")) ? Optional.of(sharedir) : Optional.empty();
            }
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /**
     * Puts the {@code aws_lambda} emulation's extension files into the server's {@link #localSharedir() share
     * directory} when they are missing or differ from this build's and the directory is writable (as root, in CI),
     * so that {@link AwsLambdaEmulation#install} can use {@code CREATE EXTENSION aws_lambda CASCADE} as on Aurora.
     * Otherwise install falls back to the plain script; nothing fails here.
     *
     * @return whether this build's extension files are in place
     */
    public boolean installEmulationExtensionFiles() {
        Optional<Path> sharedir = localSharedir();
        if (sharedir.isEmpty()) {
            return false;
        }
        Path extensionDirectory = sharedir.get().resolve("extension");
        if (sameExtensionFiles(extensionDirectory)) {
            return true;
        }
        if (!Files.isWritable(extensionDirectory)) {
            LOG.log(System.Logger.Level.INFO, "{0} is not writable: the aws_lambda emulation is installed as a plain "
                    + "script instead of CREATE EXTENSION", extensionDirectory);
            return false;
        }
        try {
            AwsLambdaEmulation.writeExtensionFiles(extensionDirectory);
            LOG.log(System.Logger.Level.INFO, "installed the aws_lambda emulation''s extension files into {0}",
                    extensionDirectory);
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not write the aws_lambda emulation''s extension files into "
                    + "{0} ({1}): installing it as a plain script instead", extensionDirectory, e.getMessage());
            return false;
        }
    }

    private static boolean sameExtensionFiles(Path extensionDirectory) {
        for (Map.Entry<String, String> file : AwsLambdaEmulation.extensionFiles().entrySet()) {
            Path installed = extensionDirectory.resolve(file.getKey());
            try {
                if (!Files.isRegularFile(installed)
                        || !Files.readString(installed, StandardCharsets.UTF_8).equals(file.getValue())) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** Stops and removes the server if this object started it; a given server is left alone. */
    @Override
    public void close() {
        if (owned == null) {
            return;
        }
        try {
            owned.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "could not stop {0}: {1}", description, e.toString());
        }
    }

    @Override
    public String toString() {
        return description;
    }

    /** Returns the major version; throws when the server cannot be reached, is too old or lacks PL/Python. */
    private static int checkSupported(PostgresUrl url, String what) {
        try (Connection connection = DriverManager.getConnection(url.jdbc());
             Statement statement = connection.createStatement()) {
            int major;
            try (ResultSet rs = statement.executeQuery(
                    "SELECT current_setting('server_version_num')::int / 10000")) {
                rs.next();
                major = rs.getInt(1);
            }
            if (major < MINIMUM_MAJOR_VERSION) {
                throw new IllegalStateException(what + " runs PostgreSQL " + major + "; the aws_lambda emulation needs "
                        + MINIMUM_MAJOR_VERSION + " or later");
            }
            try (ResultSet rs = statement.executeQuery(
                    "SELECT current_user, current_setting('is_superuser') = 'on'")) {
                rs.next();
                if (!rs.getBoolean(2)) {
                    throw new IllegalStateException(what + " is reached as role " + rs.getString(1)
                            + ", which is not a superuser: the aws_lambda emulation installs PL/Python functions"
                            + " (plpython3u is an untrusted language), which needs a superuser. Give the URL of a"
                            + " superuser such as postgres (on Aurora you would use a role with rds_superuser;"
                            + " locally a real superuser is needed)");
                }
            }
            try (ResultSet rs = statement.executeQuery(
                    "SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'plpython3u'")) {
                if (!rs.next()) {
                    throw new MissingPlPythonException(what + " (PostgreSQL " + major + ") has no plpython3u, "
                            + "which the aws_lambda emulation is written in: install the Debian package "
                            + "postgresql-plpython3-" + major + " (apt-get install postgresql-plpython3-" + major
                            + ") on its host");
                }
            }
            return major;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to " + what + " as a superuser: " + e.getMessage(), e);
        }
    }

    /** The server works but has no PL/Python. */
    private static final class MissingPlPythonException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        MissingPlPythonException(String message) {
            super(message);
        }
    }

    /** Chooses the environment and the sources {@link #start()} tries. */
    public static final class Builder {
        private Map<String, String> environment = System.getenv();
        private Path debianRoot = Path.of("/usr/lib/postgresql");
        private boolean localBinaries = true;
        private boolean testcontainers = true;

        private Builder() {
        }

        /** The environment to read {@value #JDBC_URL_ENV}, {@value #PG_USER_ENV} and PATH from. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
            return this;
        }

        /** The directory searched for {@code <major>/bin/initdb} last; default {@code /usr/lib/postgresql}. */
        public Builder debianRoot(Path debianRoot) {
            this.debianRoot = Objects.requireNonNull(debianRoot, "debianRoot");
            return this;
        }

        /** Whether to start a throwaway cluster from local binaries (default true). */
        public Builder localBinaries(boolean enabled) {
            this.localBinaries = enabled;
            return this;
        }

        /** Whether to try Testcontainers and Docker (default true). */
        public Builder testcontainers(boolean enabled) {
            this.testcontainers = enabled;
            return this;
        }

        /** Reaches or starts the first available server; see {@link PostgresServer}. */
        public PostgresServer start() {
            String given = environment.get(JDBC_URL_ENV);
            if (given != null && !given.isBlank()) {
                return using(given.strip());
            }
            List<String> tried = new ArrayList<>();
            tried.add(JDBC_URL_ENV + ": not set");

            if (!localBinaries) {
                tried.add("local PostgreSQL binaries: not tried (disabled)");
            } else {
                Optional<PostgresBinaries> binaries = PostgresBinaries.find(environment, debianRoot);
                if (binaries.isEmpty()) {
                    tried.add("local PostgreSQL binaries: no initdb and pg_ctl on PATH, from pg_config --bindir or in "
                            + debianRoot + "/<major>/bin");
                } else {
                    Optional<PostgresServer> server = startLocal(binaries.get(), tried);
                    if (server.isPresent()) {
                        return server.get();
                    }
                }
            }

            if (!testcontainers) {
                tried.add("Testcontainers: not tried (disabled)");
            } else if (!PlPythonContainer.onClasspath()) {
                tried.add("Testcontainers: not on the classpath (org.testcontainers:testcontainers-postgresql)");
            } else if (!PlPythonContainer.dockerAvailable()) {
                tried.add("Testcontainers: no Docker engine found");
            } else {
                PlPythonContainer container = PlPythonContainer.start();
                try {
                    int major = checkSupported(container.url(), "the PostgreSQL container");
                    return new PostgresServer(Source.TESTCONTAINERS, container.url(), container, major,
                            "PostgreSQL container " + PlPythonContainer.IMAGE_NAME + " at " + container.url());
                } catch (RuntimeException e) {
                    container.close();
                    throw e;
                }
            }
            throw new IllegalStateException(nothingAvailableMessage(tried));
        }

        private Optional<PostgresServer> startLocal(PostgresBinaries binaries, List<String> tried) {
            ThrowawayCluster cluster = ThrowawayCluster.start(binaries, environment);
            try {
                int major = checkSupported(cluster.url(), "PostgreSQL from " + binaries);
                return Optional.of(new PostgresServer(Source.LOCAL_BINARIES, cluster.url(), cluster, major,
                        "throwaway PostgreSQL " + major + " from " + binaries + " on 127.0.0.1:" + cluster.port()
                                + " (OS user " + cluster.osUser() + ", data in " + cluster.dataDirectory() + ")"));
            } catch (MissingPlPythonException e) {
                cluster.close();
                tried.add("local PostgreSQL binaries: " + e.getMessage());
                return Optional.empty();
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
        }

        private static String nothingAvailableMessage(List<String> tried) {
            StringBuilder message = new StringBuilder(
                    "No PostgreSQL server with PL/Python (plpython3u) is available for aurora-local. Tried:");
            for (String attempt : tried) {
                message.append("\n  - ").append(attempt);
            }
            message.append("\nGet one in any of these ways:")
                    .append("\n  - set ").append(JDBC_URL_ENV).append(" to a superuser JDBC URL of PostgreSQL ")
                    .append(MINIMUM_MAJOR_VERSION).append("+ with plpython3u, e.g. ")
                    .append("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres")
                    .append("\n  - install PostgreSQL and PL/Python locally: apt-get install postgresql-15 ")
                    .append("postgresql-plpython3-15 (Debian/Ubuntu)")
                    .append("\n  - run a Docker engine, with org.testcontainers:testcontainers-postgresql on the ")
                    .append("classpath (the image is postgres:15 plus postgresql-plpython3-15)");
            return message.toString();
        }
    }
}
