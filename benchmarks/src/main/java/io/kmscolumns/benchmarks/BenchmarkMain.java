package io.kmscolumns.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmarks encryptColumn end to end against the ceiling (a plain {@code UPDATE t SET c = c || ''} of the same
 * rows) and the naive way ({@code UPDATE t SET c = kms_crypto.encrypt(c)}, one Lambda invocation per row, on a
 * sample), at each KMS latency. {@code scripts/bench.sh} runs it.
 *
 * <p>Liquibase runs through its CLI entry point in a separate JVM, and the Lambda host (local KMS and Lambda
 * endpoint) in another, one per run, so that each one's peak resident memory is measured on its own. The table
 * is reloaded with the same rows before each run. Prints a table and, last, {@code ratio_vs_update=<x>
 * speedup_vs_per_row=<y>}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Benchmarks encryptColumn against a plain UPDATE and a per-row encrypt.")
public final class BenchmarkMain implements Callable<Integer> {

    private static final String LIQUIBASE_MAIN = "liquibase.integration.commandline.LiquibaseCommandLine";
    private static final String V1_REGEX = "^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$";
    /**
     * TCP_NODELAY on the sockets of the JDK HTTP servers behind the local KMS and Lambda endpoint. Without it, a
     * request whose headers and body arrive in two segments waits for the delayed ACK (about 40 ms on Linux), which
     * would slow every single-value call, and so the per-row baseline, by an artefact real AWS endpoints lack.
     */
    private static final String NO_DELAY = "-Dsun.net.httpserver.nodelay=true";
    private static final Pattern CHANGE_RATE = Pattern.compile("in (\\d+) batches, (\\d+) rows/s");

    @Option(names = "--jdbc-url", required = true, paramLabel = "URL",
            description = "Superuser JDBC URL of a PostgreSQL server with PL/Python and the emulation files; the "
                    + "benchmark creates and drops its own database there.")
    String serverUrl;

    @Option(names = "--rows", split = ",", defaultValue = "100000,1000000", paramLabel = "N",
            description = "Table sizes for encryptColumn and the plain UPDATE (default: ${DEFAULT-VALUE}).")
    List<Long> rowCounts;

    @Option(names = "--latencies-ms", split = ",", defaultValue = "0,5", paramLabel = "MS",
            description = "KMS latencies per call (default: ${DEFAULT-VALUE}).")
    List<Long> latencies;

    @Option(names = "--slow-rows", split = ",", defaultValue = "100000,1000000", paramLabel = "N",
            description = "The table sizes of --rows also run at latencies above 0 ms (default: ${DEFAULT-VALUE}; "
                    + "--slow-rows 100000 saves about 4 minutes, and speedup_vs_per_row then comes from 100,000 "
                    + "rows, whose rate is held down by the Lambda host's JIT warm-up).")
    List<Long> slowRowCounts;

    @Option(names = "--naive-rows", defaultValue = "10000", paramLabel = "N",
            description = "Rows of the per-row sample (default: ${DEFAULT-VALUE}).")
    long naiveRows;

    @Option(names = "--batch-size", defaultValue = "1000", paramLabel = "N",
            description = "encryptColumn batchSize (default: ${DEFAULT-VALUE}).")
    int batchSize;

    // 64 rather than the function's default of 32: at 5 ms per KMS call, 32 calls in flight leave the host's CPU
    // idle between rounds of a 1,000-value batch (measured: 3,551 against 3,770 rows/s on 1,000,000 rows).
    @Option(names = "--kms-concurrency", defaultValue = "64", paramLabel = "N",
            description = "The function's KMS_CONCURRENCY (default: ${DEFAULT-VALUE}).")
    int kmsConcurrency;

    @Option(names = "--liquibase-heap", defaultValue = "256m", paramLabel = "SIZE",
            description = "-Xmx of the Liquibase process (default: ${DEFAULT-VALUE}).")
    String liquibaseHeap;

    @Option(names = "--host-heap", defaultValue = "512m", paramLabel = "SIZE",
            description = "-Xmx of the Lambda host process (default: ${DEFAULT-VALUE}).")
    String hostHeap;

    @Option(names = "--seed", defaultValue = "20260101", paramLabel = "N", description = "datafaker seed.")
    long seed;

    @Option(names = "--work-dir", defaultValue = "target/bench", paramLabel = "DIR",
            description = "Changelogs, key state and logs of the child processes (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--database", defaultValue = "kms_bench", paramLabel = "NAME",
            description = "Database created (and dropped first) for the benchmark (default: ${DEFAULT-VALUE}).")
    String database;

    private final List<Result> results = new ArrayList<>();
    private String databaseUrl;
    private String classpath;
    private PeopleData data;

    /** Runs the benchmark and exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchmarkMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        workDir = workDir.toAbsolutePath();
        Files.createDirectories(workDir);
        Files.deleteIfExists(workDir.resolve("kms-state.json"));
        classpath = System.getProperty("java.class.path");
        databaseUrl = createDatabase();

        long generation = System.nanoTime();
        data = new PeopleData(seed);
        note("generated %d e-mails and %d names with datafaker in %.1f s", PeopleData.POOL_SIZE,
                PeopleData.POOL_SIZE, (System.nanoTime() - generation) / 1e9);

        try (ChildJvm host = startHost(0)) {
            runLiquibase(writeChangelog("functions.xml", """
                      <changeSet id="install-aws-lambda" author="bench">
                        <kms:installAwsLambda/>
                      </changeSet>
                      <changeSet id="encrypt-functions" author="bench">
                        <kms:createEncryptFunctions lambdaFunction="kms-crypto" requestTimeoutMs="300000"/>
                      </changeSet>
                    """), "functions");
        }

        for (long rows : rowCounts) {
            String table = "people_" + rows;
            try (Connection connection = connect()) {
                note("loading %d rows into %s: %.1f s", rows, table, data.load(connection, table, rows));
                results.add(plainUpdate(connection, table, rows));
            }
            for (long latency : latencies) {
                if (latency == 0 || slowRowCounts.contains(rows)) {
                    results.add(encryptColumn(table, rows, latency));
                }
            }
        }
        for (long latency : latencies) {
            results.add(perRow("people_naive", naiveRows, latency));
        }

        printTable();
        note("total %.0f s", (System.nanoTime() - started) / 1e9);
        System.out.println(lastLine());
        dropDatabase();
        return 0;
    }

    private Result plainUpdate(Connection connection, String table, long rows) throws SQLException {
        double seconds = timed(connection, "UPDATE " + table + " SET email = email || ''");
        note("plain UPDATE of %d rows: %.1f s", rows, seconds);
        return new Result("plain UPDATE", rows, null, seconds, null, null, null);
    }

    private Result encryptColumn(String table, long rows, long latency) throws Exception {
        try (Connection connection = connect()) {
            data.load(connection, table, rows);
        }
        String id = "encrypt-" + table + "-" + latency + "ms";
        String changelog = writeChangelog(id + ".xml", """
                  <changeSet id="%s" author="bench" runInTransaction="false">
                    <kms:encryptColumn tableName="%s" columnName="email" batchSize="%d"/>
                  </changeSet>
                """.formatted(id, table, batchSize));
        double hostPeak;
        LiquibaseRun run;
        try (ChildJvm host = startHost(latency)) {
            run = runLiquibase(changelog, id);
            hostPeak = host.peakMib();
            verifyEncrypted(table, rows);
        }
        note("encryptColumn of %d rows at %d ms: %.1f s (the change itself: %s rows/s), Liquibase peak %.0f MiB, "
                + "Lambda host peak %.0f MiB", rows, latency, run.seconds, run.changeRate, run.peakMib, hostPeak);
        return new Result("encryptColumn", rows, latency, run.seconds, run.changeRate, run.peakMib, hostPeak);
    }

    private Result perRow(String table, long rows, long latency) throws Exception {
        double seconds;
        double hostPeak;
        try (Connection connection = connect()) {
            data.load(connection, table, rows);
        }
        try (ChildJvm host = startHost(latency); Connection connection = connect()) {
            seconds = timed(connection, "UPDATE " + table + " SET email = kms_crypto.encrypt(email, "
                    + "'{\"table\":\"public." + table + "\",\"column\":\"email\"}'::jsonb)");
            hostPeak = host.peakMib();
        }
        note("per-row encrypt of %d rows at %d ms: %.1f s", rows, latency, seconds);
        return new Result("per-row encrypt()", rows, latency, seconds, null, null, hostPeak);
    }

    /** Every value is ciphertext, and a sample of 1,000 rows spread over the table decrypts to the original. */
    private void verifyEncrypted(String table, long rows) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            try (ResultSet row = statement.executeQuery("SELECT count(*) FROM " + table + " WHERE NOT (email ~ '"
                    + V1_REGEX + "')")) {
                row.next();
                if (row.getLong(1) != 0) {
                    throw new IllegalStateException(row.getLong(1) + " rows of " + table + " are not ciphertext");
                }
            }
            long step = Math.max(1, rows / 1000);
            List<Long> ids = new ArrayList<>();
            List<String> ciphertexts = new ArrayList<>();
            try (ResultSet row = statement.executeQuery("SELECT id, email FROM " + table + " WHERE id % " + step
                    + " = 0 ORDER BY id LIMIT 1000")) {
                while (row.next()) {
                    ids.add(row.getLong(1));
                    ciphertexts.add(row.getString(2));
                }
            }
            try (PreparedStatement decrypt = connection.prepareStatement(
                    "SELECT kms_crypto.decrypt_batch(?, ?::jsonb)")) {
                Array input = connection.createArrayOf("text", ciphertexts.toArray());
                decrypt.setArray(1, input);
                decrypt.setString(2, "{\"table\":\"public." + table + "\",\"column\":\"email\"}");
                try (ResultSet row = decrypt.executeQuery()) {
                    row.next();
                    String[] plain = (String[]) row.getArray(1).getArray();
                    for (int i = 0; i < plain.length; i++) {
                        if (!data.email(ids.get(i)).equals(plain[i])) {
                            throw new IllegalStateException("row " + ids.get(i) + " of " + table
                                    + " does not decrypt to its original value");
                        }
                    }
                }
            }
        }
    }

    private ChildJvm startHost(long latency) throws IOException, InterruptedException {
        ChildJvm host = ChildJvm.start(List.of("-Xmx" + hostHeap, NO_DELAY), classpath, LambdaHostMain.class.getName(),
                List.of("--jdbc-url", databaseUrl, "--key-state-file", workDir.resolve("kms-state.json").toString(),
                        "--kms-concurrency", Integer.toString(kmsConcurrency),
                        "--kms-latency-ms", Long.toString(latency)),
                workDir.resolve("lambda-host.log"));
        String line = host.readLine();
        if (!"READY".equals(line)) {
            host.close();
            throw new IllegalStateException("the Lambda host did not start (see " + workDir.resolve("lambda-host.log")
                    + "); it printed: " + line);
        }
        return host;
    }

    private LiquibaseRun runLiquibase(String changelog, String name) throws Exception {
        long started = System.nanoTime();
        Path log = workDir.resolve("liquibase-" + name + ".log");
        StringBuilder output = new StringBuilder();
        int exit;
        double peak;
        try (ChildJvm liquibase = ChildJvm.start(List.of("-Xmx" + liquibaseHeap), classpath, LIQUIBASE_MAIN,
                List.of("--show-banner=false", "--search-path=" + workDir, "update", "--url=" + databaseUrl,
                        "--changelog-file=" + changelog), log)) {
            exit = liquibase.waitFor(output);
            peak = liquibase.peakMib();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Files.writeString(log, output, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        if (exit != 0) {
            throw new IllegalStateException("liquibase update " + changelog + " failed with exit code " + exit
                    + "; see " + log);
        }
        // The change reports its own rate through the Liquibase UI, which the CLI writes to standard error.
        Matcher rate = CHANGE_RATE.matcher(Files.readString(log, StandardCharsets.UTF_8));
        String changeRate = null;
        while (rate.find()) {
            changeRate = rate.group(2);
        }
        return new LiquibaseRun(seconds, peak, changeRate);
    }

    private String writeChangelog(String name, String changeSets) throws IOException {
        Files.writeString(workDir.resolve(name), """
                <?xml version="1.0" encoding="UTF-8"?>
                <databaseChangeLog
                    xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
                    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                    xmlns:kms="http://kmscolumns.io/liquibase"
                    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
                        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd
                        http://kmscolumns.io/liquibase http://kmscolumns.io/liquibase/kms-columns-1.0.xsd">
                """ + changeSets + "</databaseChangeLog>\n", StandardCharsets.UTF_8);
        return name;
    }

    private String createDatabase() throws SQLException {
        try (Connection connection = DriverManager.getConnection(serverUrl);
             Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            statement.execute("CREATE DATABASE " + database);
        }
        return serverUrl.replaceFirst("^(jdbc:postgresql://[^/?]+)/[^?]*", "$1/" + database);
    }

    private void dropDatabase() throws SQLException {
        try (Connection connection = DriverManager.getConnection(serverUrl);
             Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(databaseUrl);
    }

    private static double timed(Connection connection, String sql) throws SQLException {
        long started = System.nanoTime();
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
        return (System.nanoTime() - started) / 1e9;
    }

    private void printTable() {
        System.out.println();
        System.out.printf("%-18s %9s %7s %9s %11s %13s %15s %15s%n", "method", "rows", "kms_ms", "seconds",
                "rows/s", "change rows/s", "liquibase MiB", "lambda host MiB");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%-18s %9d %7s %9.1f %11.0f %13s %15s %15s%n", r.method, r.rows,
                    r.latency == null ? "-" : r.latency.toString(), r.seconds, r.rowsPerSecond(),
                    r.changeRate == null ? "-" : r.changeRate, mib(r.liquibasePeak), mib(r.hostPeak));
        }
        System.out.printf("batchSize=%d KMS_CONCURRENCY=%d Liquibase -Xmx%s, Lambda host -Xmx%s; peak = VmHWM%n",
                batchSize, kmsConcurrency, liquibaseHeap, hostHeap);
    }

    private String lastLine() {
        long largest = rowCounts.stream().mapToLong(Long::longValue).max().orElse(0);
        long largestSlow = rowCounts.stream().filter(slowRowCounts::contains).mapToLong(Long::longValue).max()
                .orElse(0);
        long highest = latencies.stream().mapToLong(Long::longValue).max().orElse(0);
        double update = rate("plain UPDATE", largest, null);
        double encryptFast = rate("encryptColumn", largest, 0L);
        double encryptSlow = rate("encryptColumn", largestSlow, highest);
        double naiveSlow = rate("per-row encrypt()", naiveRows, highest);
        return String.format(Locale.ROOT, "ratio_vs_update=%.3f speedup_vs_per_row=%.1f", encryptFast / update,
                encryptSlow / naiveSlow);
    }

    private double rate(String method, long rows, Long latency) {
        return results.stream().filter(r -> r.method.equals(method) && r.rows == rows
                        && java.util.Objects.equals(r.latency, latency))
                .mapToDouble(Result::rowsPerSecond).findFirst().orElse(Double.NaN);
    }

    private static String mib(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.0f", value);
    }

    private static void note(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[bench] " + format + "%n", args);
    }

    private record LiquibaseRun(double seconds, double peakMib, String changeRate) {
    }

    private record Result(String method, long rows, Long latency, double seconds, String changeRate,
            Double liquibasePeak, Double hostPeak) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }
}
