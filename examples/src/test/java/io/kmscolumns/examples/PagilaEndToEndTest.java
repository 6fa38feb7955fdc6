package io.kmscolumns.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import io.kmscolumns.examples.demo.DecryptionCheck;
import io.kmscolumns.examples.demo.LiquibaseCli;
import io.kmscolumns.examples.demo.TableSnapshot;
import io.kmscolumns.local.LocalAurora;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The product on a real schema: loads the pagila sample database (from {@code <repo>/../shared/data/pagila} when
 * present), encrypts customer.email, address.phone, address.address and staff.email with
 * examples/changelogs/pagila/encrypt-pagila.changelog.xml, checks every value decrypts to the original, reruns the
 * update (nothing changes) and rolls back (every value and type is the original again).
 *
 * <p>encryptColumn refuses columns that views read; the changelog drops customer_list and staff_list first and
 * recreates them reading through {@code kms_crypto.decrypt}, so the test also checks the views show the same rows
 * before encryption, after it, and after rollback.
 *
 * <p>pagila's {@code last_updated} triggers would stamp {@code last_update} on every row the encryption rewrites; the
 * changelog skips user triggers, so every column, {@code last_update} included, is compared before and after.
 */
@ExtendWith(LocalAuroraExtension.class)
class PagilaEndToEndTest {

    private static final String CHANGELOG = "pagila/encrypt-pagila.changelog.xml";
    private static final Set<String> STAMPED = Set.of();
    private static final int VIEW_SAMPLE_IDS = 25;

    /** Table, key column, encrypted columns. */
    private static final Map<String, List<String>> ENCRYPTED = new LinkedHashMap<>();
    private static final Map<String, String> KEYS = Map.of(
            "customer", "customer_id", "address", "address_id", "staff", "staff_id");

    static {
        ENCRYPTED.put("customer", List.of("email"));
        ENCRYPTED.put("address", List.of("phone", "address"));
        ENCRYPTED.put("staff", List.of("email"));
    }

    @Test
    void pagilaPersonalDataEncryptsDecryptsEqualRerunsUnchangedAndRollsBack(LocalAurora stack) throws Exception {
        Path pagila = ExampleProjects.examplesDir().getParent().resolveSibling("shared").resolve("data/pagila");
        Assumptions.assumeTrue(Files.isRegularFile(pagila.resolve("pagila-schema.sql")),
                () -> "pagila not found at " + pagila + ": the end-to-end test on pagila is skipped");
        Optional<Path> psql = psql();
        Assumptions.assumeTrue(psql.isPresent(), "psql not found on PATH or under /usr/lib/postgresql: "
                + "the end-to-end test on pagila is skipped");

        String database = ExampleProjects.databaseName("pagila");
        String url = stack.createDatabase(database);
        Path logs = ExampleProjects.examplesDir().resolve("target/pagila");
        for (String file : List.of("pagila-schema.sql", "pagila-data.sql")) {
            ExampleProjects.run(List.of(psql.get().toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                            "-d", stack.postgres().psqlUrl(database), "-f", pagila.resolve(file).toString()),
                    pagila, logs.resolve(file + ".log"), Duration.ofMinutes(3));
        }

        try (Connection connection = ExampleProjects.connect(url)) {
            Map<String, TableSnapshot> before = snapshots(connection);
            Map<String, Map<Long, String>> originals = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> table : ENCRYPTED.entrySet()) {
                for (String column : table.getValue()) {
                    originals.put(table.getKey() + "." + column, TableSnapshot.columnValues(connection, "public",
                            table.getKey(), KEYS.get(table.getKey()), column));
                }
            }
            Map<String, String> viewsBefore = viewDigests(connection);

            liquibase(stack, url, "update");
            long encrypted = verifyAll(connection, originals);
            assertThat(encrypted).isGreaterThan(1000);
            Map<String, TableSnapshot> afterUpdate = snapshots(connection);
            assertThat(viewDigests(connection)).as("the views decrypt: same rows as before").isEqualTo(viewsBefore);

            liquibase(stack, url, "update");
            assertThat(snapshots(connection)).as("a rerun changes nothing").isEqualTo(afterUpdate);
            assertThat(count(connection, "SELECT count(*) FROM databasechangelog")).isEqualTo(8);

            liquibase(stack, url, "rollback-count", "--count=8");
            Map<String, TableSnapshot> afterRollback = snapshots(connection);
            for (String table : ENCRYPTED.keySet()) {
                assertThat(before.get(table).differencesTo(afterRollback.get(table))).as(table).isEmpty();
            }
            assertThat(viewDigests(connection)).isEqualTo(viewsBefore);
            assertThat(count(connection, "SELECT count(*) FROM pg_views WHERE viewname = 'customer_list'"
                    + " AND definition LIKE '%decrypt%'")).as("the original view is back").isZero();
        }
    }

    private static long verifyAll(Connection connection, Map<String, Map<Long, String>> originals)
            throws SQLException {
        long encrypted = 0;
        for (Map.Entry<String, List<String>> table : ENCRYPTED.entrySet()) {
            for (String column : table.getValue()) {
                DecryptionCheck.Result result = new DecryptionCheck("kms_crypto").verify(connection, "public",
                        table.getKey(), KEYS.get(table.getKey()), column, originals.get(table.getKey() + "." + column));
                assertThat(result.allEqual()).as(table.getKey() + "." + column + ": " + result).isTrue();
                encrypted += result.encrypted();
            }
        }
        return encrypted;
    }

    private static Map<String, TableSnapshot> snapshots(Connection connection) throws SQLException {
        Map<String, TableSnapshot> snapshots = new LinkedHashMap<>();
        for (String table : ENCRYPTED.keySet()) {
            snapshots.put(table, TableSnapshot.take(connection, "public", table, KEYS.get(table), STAMPED));
        }
        return snapshots;
    }

    private static void liquibase(LocalAurora stack, String url, String command, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--changelog-file=" + CHANGELOG);
        all.addAll(LiquibaseCli.connectionArgs(url));
        all.add("-DlambdaFunctionArn=" + stack.functionArn());
        LiquibaseCli.run(ExampleProjects.changelogsDir().toString(), command, all.toArray(String[]::new));
    }

    /**
     * MD5 of the first rows of the views that read the encrypted columns. The recreated views decrypt with one
     * Lambda call per value, so the comparison keeps to a sample of rows.
     */
    private static Map<String, String> viewDigests(Connection connection) throws SQLException {
        Map<String, String> digests = new LinkedHashMap<>();
        for (String view : List.of("customer_list", "staff_list")) {
            try (Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT md5(string_agg(v::text, E'\\n' ORDER BY v.id))"
                         + " FROM public." + view + " AS v WHERE v.id <= " + VIEW_SAMPLE_IDS)) {
                result.next();
                digests.put(view, result.getString(1));
            }
        }
        return digests;
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    private static Optional<Path> psql() {
        Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(dir -> !dir.isBlank()).map(dir -> Path.of(dir, "psql"));
        Stream<Path> debian = Stream.of("17", "16", "15", "14", "13")
                .map(major -> Path.of("/usr/lib/postgresql", major, "bin", "psql"));
        return Stream.concat(onPath, debian).filter(Files::isExecutable).findFirst();
    }
}
