package io.kmscolumns.local.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresServerTest {

    /** This JVM's environment without the variable that would short-cut to a given server. */
    private static Map<String, String> environmentWithoutGivenServer() {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.remove(PostgresServer.JDBC_URL_ENV);
        return environment;
    }

    private static String queryOne(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void withoutAGivenServerStartsAThrowawayClusterWithPlPythonAsNonRootAndRemovesItOnClose() throws Exception {
        Path dataDirectory;
        int port;
        try (PostgresServer server = PostgresServer.builder()
                .environment(environmentWithoutGivenServer()).testcontainers(false).start()) {
            assertThat(server.source()).isEqualTo(PostgresServer.Source.LOCAL_BINARIES);
            assertThat(server.isOwned()).isTrue();
            assertThat(server.host()).isEqualTo("127.0.0.1");
            assertThat(server.majorVersion()).isGreaterThanOrEqualTo(PostgresServer.MINIMUM_MAJOR_VERSION);
            port = server.port();

            try (Connection connection = server.connect()) {
                assertThat(queryOne(connection, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"))
                        .isEqualTo("true");
                try (Statement statement = connection.createStatement()) {
                    statement.execute("CREATE EXTENSION plpython3u");
                }
                assertThat(queryOne(connection, "SHOW listen_addresses")).isEqualTo("127.0.0.1");
                assertThat(queryOne(connection, "SHOW fsync")).isEqualTo("off");
                dataDirectory = Path.of(queryOne(connection, "SHOW data_directory"));
                assertThat(queryOne(connection, "SHOW unix_socket_directories")).isEqualTo(dataDirectory.toString());
            }
            String owner = Files.getOwner(dataDirectory).getName();
            if (ThrowawayCluster.runningAsRoot()) {
                assertThat(owner).isNotEqualTo("root")
                        .isEqualTo(System.getenv().getOrDefault(PostgresServer.PG_USER_ENV, "postgres"));
            } else {
                assertThat(owner).isEqualTo(System.getProperty("user.name"));
            }
            assertThat(server.localSharedir())
                    .hasValueSatisfying(dir -> assertThat(dir.resolve("extension")).isDirectory());
        }

        assertThat(dataDirectory).doesNotExist();
        assertThat(dataDirectory.getParent()).doesNotExist();
        String stoppedServer = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
        assertThatThrownBy(() -> PostgresServer.using(stoppedServer))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot connect");
    }

    @Test
    void environmentVariableNamesAServerThatIsUsedAsGivenAndNeverStopped() throws Exception {
        try (PostgresServer throwaway = PostgresServer.builder()
                .environment(environmentWithoutGivenServer()).testcontainers(false).start()) {
            Map<String, String> environment = Map.of(PostgresServer.JDBC_URL_ENV, throwaway.jdbcUrl(), "PATH", "");

            PostgresServer given = PostgresServer.builder().environment(environment).testcontainers(false).start();
            assertThat(given.source()).isEqualTo(PostgresServer.Source.GIVEN);
            assertThat(given.isOwned()).isFalse();
            assertThat(given.jdbcUrl()).isEqualTo(throwaway.jdbcUrl());
            given.close();

            try (Connection stillRunning = throwaway.connect()) {
                assertThat(queryOne(stillRunning, "SELECT 1")).isEqualTo("1");
            }
        }
    }

    @Test
    void psqlAcceptsThePsqlUrlOfAnotherDatabase() throws Exception {
        try (PostgresServer server = PostgresServer.builder()
                .environment(environmentWithoutGivenServer()).testcontainers(false).start()) {
            try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE \"other db\"");
            }
            try (Connection other = DriverManagerHolder.connect(server.jdbcUrl("other db"))) {
                assertThat(queryOne(other, "SELECT current_database()")).isEqualTo("other db");
            }
            Path psql = Path.of(PostgresBinaries.find(System.getenv(), Path.of("/usr/lib/postgresql")).orElseThrow()
                    .binDirectory().toString(), "psql");
            Process process = new ProcessBuilder(psql.toString(), server.psqlUrl("other db"), "-Atc",
                    "SELECT current_database()").redirectErrorStream(true).start();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(process.getInputStream().readAllBytes()).strip()).isEqualTo("other db");
        }
    }

    @Test
    void withNothingAvailableTheErrorSaysWhatWasTriedAndHowToGetAServer(@TempDir Path empty) throws IOException {
        Path emptyBin = Files.createDirectory(empty.resolve("bin"));
        PostgresServer.Builder nothing = PostgresServer.builder()
                .environment(Map.of("PATH", emptyBin.toString()))
                .debianRoot(empty.resolve("no-such-dir"))
                .testcontainers(false);

        assertThatThrownBy(nothing::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("No PostgreSQL server with PL/Python")
                .hasMessageContaining("AURORA_LOCAL_JDBC_URL: not set")
                .hasMessageContaining("no initdb and pg_ctl on PATH")
                .hasMessageContaining("set AURORA_LOCAL_JDBC_URL to a superuser JDBC URL")
                .hasMessageContaining("apt-get install postgresql-15 postgresql-plpython3-15")
                .hasMessageContaining("run a Docker engine");
    }

    @Test
    void withoutLocalBinariesOrADockerEngineTheErrorSaysTestcontainersFoundNoDocker(@TempDir Path empty) {
        org.junit.jupiter.api.Assumptions.assumeFalse(PlPythonContainer.dockerAvailable(),
                "a Docker engine is running here");
        PostgresServer.Builder noDocker = PostgresServer.builder()
                .environment(Map.of("PATH", empty.toString()))
                .debianRoot(empty.resolve("no-such-dir"));

        assertThatThrownBy(noDocker::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Testcontainers: no Docker engine found");
    }

    @Test
    void newestDebianVersionIsFoundWhenNothingIsOnPath(@TempDir Path root) throws IOException {
        for (String version : List.of("13", "16", "9.6")) {
            Path bin = Files.createDirectories(root.resolve(version).resolve("bin"));
            for (String tool : List.of("initdb", "pg_ctl")) {
                Path file = Files.writeString(bin.resolve(tool), "#!/bin/sh\n");
                file.toFile().setExecutable(true);
            }
        }

        PostgresBinaries found = PostgresBinaries.find(Map.of("PATH", ""), root).orElseThrow();

        assertThat(found.binDirectory()).isEqualTo(root.resolve("16").resolve("bin"));
    }

    /** Keeps the JDBC call in the test readable. */
    private static final class DriverManagerHolder {
        static Connection connect(String url) throws SQLException {
            return java.sql.DriverManager.getConnection(url);
        }
    }
}
