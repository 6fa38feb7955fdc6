package io.kmscolumns.examples.demo;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.kmscolumns.local.LocalAurora;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end demo: starts the local stack (KMS, Lambda, PostgreSQL with the aws_lambda emulation), fills
 * {@code demo.person} with generated people, encrypts three columns with {@code liquibase update}, shows what is
 * stored beside what decrypts, rolls the encryption back with {@code liquibase rollback-count} and proves the table
 * is exactly what it was.
 *
 * <p>Every run uses a new database, so runs never depend on each other. Exits 0 only when every check passed; the
 * last line is then {@code DEMO OK: <n> values encrypted in <k> columns, all decrypted back equal}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Encrypts columns of a generated table through the local stack, then rolls back.")
public final class DemoMain implements Callable<Integer> {

    private static final String FUNCTIONS_SCHEMA = "kms_crypto";
    /** Held so that the level set on it stays in force (java.util.logging keeps loggers weakly). */
    private static final Logger LOCAL_STACK_LOGGER = Logger.getLogger("io.kmscolumns.local");
    private static final int SHOWN_ROWS = 5;
    private static final int SHOWN_CIPHERTEXT_CHARS = 24;

    @Option(names = "--rows", defaultValue = "10000", description = "People to generate (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--seed", defaultValue = "20250101", description = "Fake-data seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--format", defaultValue = "xml", description = "Changelog format: xml, yaml or json.")
    String format;

    @Option(names = "--changelog-dir",
            description = "Folder holding demo/demo.changelog.*; default: examples/changelogs or ./changelogs.")
    Path changelogDir;

    @Option(names = "--verbose", description = "Show the local stack's own log messages.")
    boolean verbose;

    @Option(names = "--keep-database", description = "Keep the demo database instead of dropping it at the end.")
    boolean keepDatabase;

    private final PrintStream out;

    /** A demo that prints to standard output in UTF-8. */
    public DemoMain() {
        this(new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8));
    }

    /** A demo that prints to {@code out}. */
    public DemoMain(PrintStream out) {
        this.out = out;
    }

    /** Runs the demo and exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path changelogs = resolveChangelogDir();
        String changelog = "demo/demo.changelog." + format.toLowerCase(Locale.ROOT);
        if (!Files.isRegularFile(changelogs.resolve(changelog))) {
            out.println("DEMO FAILED: " + changelogs.resolve(changelog) + " not found; pass --changelog-dir");
            return 2;
        }

        if (!verbose) {
            LOCAL_STACK_LOGGER.setLevel(Level.WARNING);
        }
        out.println("Starting the local stack (KMS, Lambda, PostgreSQL with the aws_lambda emulation)...");
        try (LocalAurora stack = LocalAurora.builder().keepDatabases(keepDatabase).build().start()) {
            return run(stack, changelogs, changelog);
        } catch (RuntimeException e) {
            e.printStackTrace();
            out.println("DEMO FAILED: " + e);
            return 1;
        }
    }

    /**
     * Runs the demo in a new database of an already started stack (which drops it on close unless told to keep
     * databases) and returns the exit status: 0 when every check passed.
     */
    public int run(LocalAurora stack) throws Exception {
        Path changelogs = resolveChangelogDir();
        return run(stack, changelogs, "demo/demo.changelog." + format.toLowerCase(Locale.ROOT));
    }

    private int run(LocalAurora stack, Path changelogs, String changelog) throws Exception {
        String database = "kmscolumns_demo_" + Long.toString(System.currentTimeMillis(), 36);
        String url = stack.createDatabase(database);
        out.println("  Lambda function " + stack.functionArn());
        out.println("  database        " + database + (keepDatabase ? " (kept)" : " (dropped at the end)"));
        try {
            return run(stack, url, changelogs, changelog);
        } catch (DemoFailure | IllegalStateException | SQLException failure) {
            out.println("DEMO FAILED: " + failure.getMessage());
            return 1;
        }
    }

    private int run(LocalAurora stack, String url, Path changelogs, String changelog) throws Exception {
        try (Connection connection = DriverManager.getConnection(url)) {
            long started = System.nanoTime();
            PeopleTable.create(connection, rows, seed);
            out.printf(Locale.ROOT, "Generated %,d people into demo.person in %.1f s (datafaker, seed %d)%n",
                    rows, seconds(System.nanoTime() - started), seed);

            TableSnapshot before = snapshot(connection);
            Map<String, Map<Long, String>> originals = new LinkedHashMap<>();
            for (String column : PeopleTable.ENCRYPTED_COLUMNS) {
                originals.put(column, TableSnapshot.columnValues(connection, PeopleTable.SCHEMA, PeopleTable.TABLE,
                        PeopleTable.KEY, column));
            }

            out.println();
            out.println("liquibase update --changelog-file=" + changelog);
            List<String> update = new ArrayList<>();
            update.add("--changelog-file=" + changelog);
            update.addAll(LiquibaseCli.connectionArgs(url));
            update.add("-DlambdaFunctionArn=" + stack.functionArn());
            started = System.nanoTime();
            LiquibaseCli.run(changelogs.toString(), "update", update.toArray(String[]::new));
            long updateNanos = System.nanoTime() - started;

            Map<String, String> typesAfter = TableSnapshot.columnTypes(connection, PeopleTable.SCHEMA,
                    PeopleTable.TABLE);
            List<DecryptionCheck.Result> results = new ArrayList<>();
            DecryptionCheck check = new DecryptionCheck(FUNCTIONS_SCHEMA);
            for (String column : PeopleTable.ENCRYPTED_COLUMNS) {
                results.add(check.verify(connection, PeopleTable.SCHEMA, PeopleTable.TABLE, PeopleTable.KEY,
                        column, originals.get(column)));
            }
            printEncrypted(connection, before, typesAfter, results, updateNanos);
            printStoredRows(connection);

            long encrypted = 0;
            for (DecryptionCheck.Result result : results) {
                if (!result.allEqual()) {
                    throw new DemoFailure(result.column() + ": " + result.mismatches() + " of " + result.rows()
                            + " values are not ciphertext or do not decrypt to the original (keys "
                            + result.mismatchKeys() + ")");
                }
                encrypted += result.encrypted();
            }
            out.printf(Locale.ROOT, "Decrypted all %,d values through %s.decrypt_batch: every one equals the"
                    + " original.%n", encrypted, FUNCTIONS_SCHEMA);

            out.println();
            out.println("liquibase rollback-count --count=" + PeopleTable.ENCRYPTED_COLUMNS.length
                    + " --changelog-file=" + changelog);
            List<String> rollback = new ArrayList<>();
            rollback.add("--count=" + PeopleTable.ENCRYPTED_COLUMNS.length);
            rollback.add("--changelog-file=" + changelog);
            rollback.addAll(LiquibaseCli.connectionArgs(url));
            rollback.add("-DlambdaFunctionArn=" + stack.functionArn());
            started = System.nanoTime();
            LiquibaseCli.run(changelogs.toString(), "rollback-count", rollback.toArray(String[]::new));
            long rollbackNanos = System.nanoTime() - started;

            TableSnapshot after = snapshot(connection);
            List<String> differences = before.differencesTo(after);
            if (!differences.isEmpty()) {
                throw new DemoFailure("after rollback demo.person differs from the original: " + differences);
            }
            out.printf(Locale.ROOT, "Rolled back in %.1f s: demo.person equals the original (%,d rows, column types"
                    + " %s, row digest %s).%n", seconds(rollbackNanos), after.rows(), typesOf(after), after.digest());

            out.println();
            out.printf(Locale.ROOT, "DEMO OK: %d values encrypted in %d columns, all decrypted back equal%n",
                    encrypted, results.size());
            return 0;
        }
    }

    private void printEncrypted(Connection connection, TableSnapshot before, Map<String, String> typesAfter,
                                List<DecryptionCheck.Result> results, long updateNanos) throws SQLException {
        Map<String, Duration> durations = changeSetDurations(connection);
        out.println();
        out.println("Encrypted columns of demo.person:");
        out.printf(Locale.ROOT, "  %-12s %-22s %-10s %10s %7s %9s %12s%n",
                "column", "type before", "type after", "encrypted", "nulls", "time", "rate");
        long total = 0;
        for (DecryptionCheck.Result result : results) {
            String column = result.column();
            Duration duration = durations.get(column);
            double secs = duration == null ? Double.NaN : duration.toMillis() / 1000.0;
            out.printf(Locale.ROOT, "  %-12s %-22s %-10s %,10d %,7d %7.1f s %,10.0f/s%n",
                    column, before.columnTypes().get(column), typesAfter.get(column), result.encrypted(),
                    result.nulls(), secs, result.encrypted() / secs);
            total += result.encrypted();
        }
        double secs = seconds(updateNanos);
        out.printf(Locale.ROOT, "  %,d values in %.1f s for the whole update (%,.0f values/s)%n",
                total, secs, total / secs);
    }

    /** Each column's encryption time: the gap between its change set and the previous one in DATABASECHANGELOG. */
    private static Map<String, Duration> changeSetDurations(Connection connection) throws SQLException {
        Map<String, Duration> durations = new LinkedHashMap<>();
        String sql = "SELECT id, dateexecuted FROM databasechangelog ORDER BY orderexecuted";
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            Timestamp previous = null;
            while (result.next()) {
                Timestamp executed = result.getTimestamp(2);
                String id = result.getString(1);
                if (previous != null && id.startsWith("encrypt-person-")) {
                    String column = id.substring("encrypt-person-".length()).replace('-', '_');
                    durations.put(column, Duration.ofMillis(executed.getTime() - previous.getTime()));
                }
                previous = executed;
            }
        }
        return durations;
    }

    private void printStoredRows(Connection connection) throws SQLException {
        out.println();
        out.println("The first " + SHOWN_ROWS + " rows as stored, and decrypted through "
                + FUNCTIONS_SCHEMA + ".decrypt:");
        StringBuilder sql = new StringBuilder("SELECT id");
        for (String column : PeopleTable.ENCRYPTED_COLUMNS) {
            String quoted = SqlIdentifiers.quote(column);
            sql.append(", ").append(quoted).append("::text, ").append(SqlIdentifiers.quote(FUNCTIONS_SCHEMA))
                    .append(".decrypt(").append(quoted).append("::text, jsonb_build_object('table', 'demo.person',")
                    .append(" 'column', ?::text))");
        }
        sql.append(" FROM demo.person ORDER BY id LIMIT ").append(SHOWN_ROWS);

        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < PeopleTable.ENCRYPTED_COLUMNS.length; i++) {
                statement.setString(i + 1, PeopleTable.ENCRYPTED_COLUMNS[i]);
            }
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    out.println("  id " + result.getLong(1));
                    for (int i = 0; i < PeopleTable.ENCRYPTED_COLUMNS.length; i++) {
                        out.printf("    %-12s %-34s -> %s%n", PeopleTable.ENCRYPTED_COLUMNS[i],
                                shorten(result.getString(2 + 2 * i)), result.getString(3 + 2 * i));
                    }
                }
            }
        }
    }

    private static String shorten(String stored) {
        if (stored == null) {
            return "NULL";
        }
        // The first characters are the same for every value under one key (format prefix and KMS blob header):
        // the last few show that the values differ.
        return stored.length() <= SHOWN_CIPHERTEXT_CHARS + 8 ? stored
                : stored.substring(0, SHOWN_CIPHERTEXT_CHARS) + "…" + stored.substring(stored.length() - 8);
    }

    private static String typesOf(TableSnapshot snapshot) {
        List<String> types = new ArrayList<>();
        for (String column : PeopleTable.ENCRYPTED_COLUMNS) {
            types.add(column + " " + snapshot.columnTypes().get(column));
        }
        return String.join(", ", types);
    }

    private static TableSnapshot snapshot(Connection connection) throws SQLException {
        return TableSnapshot.take(connection, PeopleTable.SCHEMA, PeopleTable.TABLE, PeopleTable.KEY);
    }

    private Path resolveChangelogDir() {
        if (changelogDir != null) {
            return changelogDir.toAbsolutePath();
        }
        for (Path candidate : List.of(Path.of("examples", "changelogs"), Path.of("changelogs"))) {
            if (Files.isDirectory(candidate.resolve("demo"))) {
                return candidate.toAbsolutePath();
            }
        }
        return Path.of("changelogs").toAbsolutePath();
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** A check of the demo failed; the message says which and how. */
    private static final class DemoFailure extends RuntimeException {
        DemoFailure(String message) {
            super(message);
        }
    }
}
