package io.kmscolumns.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kmscolumns.local.postgres.PostgresServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalAuroraMainTest {

    private static final List<String> KEYS = List.of(
            "JDBC_URL", "PSQL_URL", "LAMBDA_FUNCTION_ARN", "LAMBDA_ENDPOINT", "KMS_ENDPOINT", "KMS_KEY_ARN");

    /** Runs the launcher in its own JVM, as scripts/local-aurora.sh does, without a given server. */
    private static Process launch(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                LocalAuroraMain.class.getName(),
                "--handler", EchoEnvironmentHandler.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().remove(PostgresServer.JDBC_URL_ENV);
        return builder.start();
    }

    /** The lines up to READY, or fails after the timeout. */
    private static List<String> linesUntilReady(Process process) throws Exception {
        BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            List<String> read = new ArrayList<>();
            try {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    read.add(line);
                    if (line.equals("READY")) {
                        break;
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return read;
        });
        return lines.get(90, TimeUnit.SECONDS);
    }

    private static Map<String, String> values(List<String> lines) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : lines.subList(0, lines.size() - 1)) {
            values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        }
        return values;
    }

    @Test
    void printsTheSixValuesThenReadyServesSqlRoundTripsAndStopsEverythingOnSigterm() throws Exception {
        Process process = launch("--region", "eu-west-1", "--account-id", "123456789012");
        try {
            List<String> lines = linesUntilReady(process);

            assertThat(lines).hasSize(7).last().isEqualTo("READY");
            Map<String, String> values = values(lines);
            assertThat(values.keySet()).containsExactlyElementsOf(KEYS);
            assertThat(values.get("LAMBDA_FUNCTION_ARN"))
                    .isEqualTo("arn:aws:lambda:eu-west-1:123456789012:function:kms-crypto");
            assertThat(values.get("KMS_KEY_ARN")).startsWith("arn:aws:kms:eu-west-1:123456789012:key/");
            assertThat(values.get("LAMBDA_ENDPOINT")).startsWith("http://127.0.0.1:");
            assertThat(values.get("KMS_ENDPOINT")).startsWith("http://127.0.0.1:");
            assertThat(values.get("PSQL_URL")).startsWith("postgresql://");

            Path dataDirectory;
            try (Connection connection = DriverManager.getConnection(values.get("JDBC_URL"))) {
                JsonNode payload = LocalAuroraTest.invokeThroughSql(connection, values.get("LAMBDA_FUNCTION_ARN"),
                        "{\"event_text\":\"round trip\"}");
                assertThat(payload.path("event").path("event_text").asText()).isEqualTo("round trip");
                assertThat(payload.path("kmsKeyId").asText()).isEqualTo(values.get("KMS_KEY_ARN"));
                assertThat(payload.path("kmsEndpoint").asText()).isEqualTo(values.get("KMS_ENDPOINT"));
                try (Statement statement = connection.createStatement();
                     ResultSet rs = statement.executeQuery("SHOW data_directory")) {
                    rs.next();
                    dataDirectory = Path.of(rs.getString(1));
                }
            }
            assertThat(dataDirectory).isDirectory();

            process.destroy(); // SIGTERM

            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(dataDirectory).doesNotExist();
        } finally {
            process.destroyForcibly();
        }
    }

    /** Runs the launcher until it exits; returns its exit code and standard error. */
    private static Map.Entry<Integer, String> failedStart(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                LocalAuroraMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().remove(PostgresServer.JDBC_URL_ENV);
        Process process = builder.start();
        try {
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("launcher exited").isTrue();
            return Map.entry(process.exitValue(), err);
        } finally {
            process.destroyForcibly();
        }
    }

    private static String oneLineFailure(String... args) throws Exception {
        Map.Entry<Integer, String> result = failedStart(args);
        assertThat(result.getKey()).as("exit code, stderr: " + result.getValue()).isEqualTo(1);
        List<String> lines = result.getValue().lines()
                .filter(line -> line.startsWith("local-aurora: ") || line.startsWith("\tat ")
                        || line.startsWith("Exception") || line.contains("Exception: "))
                .toList();
        assertThat(lines).as("stderr: " + result.getValue()).hasSize(1);
        assertThat(result.getValue()).doesNotContain("\tat ");
        return lines.get(0);
    }

    @Test
    void startFailuresPrintOneLineWithoutAStackTraceAndExitWith1(@TempDir Path directory) throws Exception {
        assertThat(oneLineFailure("--account-id", "12"))
                .isEqualTo("local-aurora: could not start: account id must be exactly 12 digits, got '12' (2 digits)");
        assertThat(oneLineFailure("--region", "Mars")).contains("region must look like us-east-1, got 'Mars'");
        assertThat(oneLineFailure("--port-kms", "70000")).contains("KMS port must be from 0");
        Path file = Files.writeString(directory.resolve("plain-file"), "x");
        assertThat(oneLineFailure("--key-state-file", file.resolve("keys.json").toString()))
                .contains("cannot use key state file").contains(file + " is not a directory");
        assertThat(oneLineFailure("--handler", "com.example.Nope")).contains("com.example.Nope");
        assertThat(oneLineFailure("--handler", EchoEnvironmentHandler.class.getName(), "--jdbc-url", "not-a-url"))
                .contains("not a PostgreSQL JDBC URL").contains("not-a-url");
        assertThat(oneLineFailure("--handler", EchoEnvironmentHandler.class.getName(),
                "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x?user=postgres"))
                .contains("cannot connect to the server at jdbc:postgresql://127.0.0.1:1/x");
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(oneLineFailure("--port-kms", String.valueOf(busy.getLocalPort())))
                    .contains(String.valueOf(busy.getLocalPort()));
        }
    }

    @Test
    void verboseAddsTheStackTraceOfAFailedStart() throws Exception {
        Map.Entry<Integer, String> result = failedStart("--verbose", "--region", "Mars");

        assertThat(result.getKey()).isEqualTo(1);
        assertThat(result.getValue()).contains("local-aurora: could not start: region must look like us-east-1")
                .contains("\tat io.kmscolumns.local.LocalAurora");
    }

    @Test
    void aJdbcUrlOfARoleThatIsNotASuperuserIsRefusedSayingASuperuserIsNeeded() throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            String role = "launcher_plain_" + Long.toHexString(System.nanoTime());
            try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE ROLE " + role + " LOGIN");
            }
            try {
                String url = server.jdbcUrl().replaceAll("user=[^&]*", "user=" + role);

                String failure = oneLineFailure("--handler", EchoEnvironmentHandler.class.getName(),
                        "--jdbc-url", url);

                assertThat(failure).contains("role " + role)
                        .contains("not a superuser").contains("rds_superuser").contains("PL/Python");
            } finally {
                try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
                    statement.execute("DROP ROLE " + role);
                }
            }
        }
    }

    @Test
    void givenJdbcUrlTheEmulationGoesIntoThatDatabaseWhichOutlivesTheLauncher() throws Exception {
        try (PostgresServer server = PostgresServer.start()) {
            String database = "launcher_" + Long.toHexString(System.nanoTime());
            try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + database);
            }
            String given = server.jdbcUrl(database);
            try {
                Process process = launch("--jdbc-url", given);
                try {
                    Map<String, String> values = values(linesUntilReady(process));
                    assertThat(values.get("JDBC_URL")).isEqualTo(given);
                    try (Connection connection = DriverManager.getConnection(given)) {
                        JsonNode payload = LocalAuroraTest.invokeThroughSql(connection, "kms-crypto", "{\"x\":\"y\"}");
                        assertThat(payload.path("event").path("x").asText()).isEqualTo("y");
                    }
                    process.destroy();
                    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
                } finally {
                    process.destroyForcibly();
                }
                try (Connection stillThere = DriverManager.getConnection(given)) {
                    assertThat(stillThere.isValid(5)).isTrue();
                }
            } finally {
                try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
                    statement.execute("DROP DATABASE " + database + " WITH (FORCE)");
                }
            }
        }
    }
}
