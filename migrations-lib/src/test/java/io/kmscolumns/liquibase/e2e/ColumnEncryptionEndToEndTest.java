package io.kmscolumns.liquibase.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmscolumns.local.LocalAurora;
import io.kmscolumns.local.junit.LocalAuroraDatabase;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end through the local stack: Liquibase runs the changelogs against PostgreSQL with the aws_lambda
 * emulation, which calls lambda-fn's handler, which calls the local KMS.
 */
@ExtendWith(LocalAuroraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ColumnEncryptionEndToEndTest {

    private static final String DIR = "changelogs/e2e/";
    private static final String V1 = "^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$";

    /** Values that break naive implementations: NULL, empty, blanks, JSON words, quotes, escapes, emoji... */
    private static final List<String> AWKWARD = List.of("", " ", "   ", "null", "NULL", "it's", "say \"hi\"",
            "back\\slash", "C:\\path\\n", "line\nbreak\r\nwindows", "tab\there", "emoji 🔐🙂",
            "日本語テキスト",
            "QUlDQUhiYXNlNjQ=", "kms:v1:AQICAHnotreally", "kms:v1:", "{\"json\": true}", "%s %d %%",
            "'; DROP TABLE x; --", "$kms$ dollar $$");

    private LocalAurora stack;
    private LiquibaseRun liquibase;
    private String url;

    @BeforeAll
    void installFunctions(LocalAuroraDatabase database) throws Exception {
        stack = database.stack();
        url = database.jdbcUrl();
        liquibase = new LiquibaseRun(url);
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            for (String role : List.of("kms_e2e_writer", "kms_e2e_reader")) {
                statement.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role
                        + "') THEN CREATE ROLE " + role + "; END IF; END $$");
            }
        }
        liquibase.update(DIR + "functions.xml");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"xml", "yaml", "json"})
    void updateStoresCiphertextAndDecryptReturnsTheOriginalForEveryRow(String format) throws Exception {
        String table = "rt_" + format;
        Map<Integer, String> originals = createNotesTable(table);

        liquibase.update(DIR + "roundtrip." + format);

        try (Connection connection = connect()) {
            Map<Integer, String> stored = notes(connection, table, "note");
            for (Map.Entry<Integer, String> row : originals.entrySet()) {
                if (row.getValue() == null) {
                    assertThat(stored.get(row.getKey())).as("row %s", row.getKey()).isNull();
                } else {
                    assertThat(stored.get(row.getKey())).as("row %s", row.getKey()).matches(V1);
                }
            }
            assertThat(decryptedNotes(connection, table)).isEqualTo(originals);
        }
    }

    @Test
    void rerunOnEncryptedColumnChangesNothing() throws Exception {
        createNotesTable("rerun_t");
        liquibase.update(DIR + "rerun-first.xml");
        Map<Integer, String> before;
        try (Connection connection = connect()) {
            before = notes(connection, "rerun_t", "note");
        }
        long invocations = invocations();

        liquibase.update(DIR + "rerun.xml");

        try (Connection connection = connect()) {
            assertThat(notes(connection, "rerun_t", "note")).isEqualTo(before);
        }
        assertThat(invocations()).isEqualTo(invocations);
    }

    @Test
    void runWithNothingToConvertSaysSoAndAnEmptyEncryptionContextIsWarnedAbout() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE nothing_t (id int PRIMARY KEY, note text)");
            statement.execute("INSERT INTO nothing_t VALUES (1, NULL), (2, NULL)");
        }
        LiquibaseRun run = new LiquibaseRun(url);

        run.update(DIR + "nothing-to-do.xml");

        assertThat(run.messages())
                .contains("encrypt public.nothing_t.note: nothing needed encrypting (every value is already "
                        + "ciphertext or NULL)")
                .contains("encryptionContext of public.nothing_t.note is {}: its ciphertext is bound to no table or "
                        + "column")
                .doesNotContain("0 of 0 rows");
    }

    @Test
    void rowsWrittenAfterTheChangeAreEncryptedByTheTrigger() throws Exception {
        createNotesTable("later_t");
        liquibase.update(DIR + "later.xml");

        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO later_t (id, note) VALUES (1000, 'written later')");
            statement.execute("UPDATE later_t SET note = 'updated later' WHERE id = 1");

            Map<Integer, String> stored = notes(connection, "later_t", "note");
            assertThat(stored.get(1000)).matches(V1);
            assertThat(stored.get(1)).matches(V1);
            Map<Integer, String> decrypted = decryptedNotes(connection, "later_t");
            assertThat(decrypted.get(1000)).isEqualTo("written later");
            assertThat(decrypted.get(1)).isEqualTo("updated later");
        }
    }

    @Test
    void rollbackRestoresValuesAndTypesExactlyAndRollbackTwiceIsHarmless() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("""
                    CREATE TABLE typed (
                      id bigint PRIMARY KEY,
                      c_int integer, c_numeric numeric(12,3), c_date date, c_timestamptz timestamptz,
                      c_bool boolean, c_jsonb jsonb, c_varchar varchar(24), c_bytea bytea, c_int_array int[],
                      c_char char(5))""");
            statement.execute("""
                    INSERT INTO typed VALUES
                      (1, 42, 1234.5, '2024-02-29', '2024-03-01 12:34:56.789+02', true, '{"a": [1, "x"]}',
                       'short', '\\x00ff10', '{1,2,3}', 'ab'),
                      (2, -7, 0.001, '1999-12-31', '1970-01-01 00:00:00+00', false, '"just a string"',
                       'exactly twenty-four chr', '\\x', '{}', 'abcde'),
                      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""");
        }
        String typesBefore = columnTypes("typed");
        String digestBefore = digest("typed");

        liquibase.update(DIR + "types.xml");

        assertThat(columnTypes("typed")).isNotEqualTo(typesBefore).doesNotContain("integer");
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT c_int, c_varchar, c_bytea FROM typed WHERE id = 1")) {
            row.next();
            assertThat(row.getString(1)).matches(V1);
            assertThat(row.getString(2)).matches(V1);
            assertThat(row.getString(3)).matches(V1);
        }

        long invocations = invocations();
        liquibase.rollbackCount(DIR + "types.xml", 1);

        assertThat(columnTypes("typed")).isEqualTo(typesBefore);
        assertThat(digest("typed")).isEqualTo(digestBefore);
        assertThat(invocations()).isGreaterThan(invocations);

        long afterFirstRollback = invocations();
        liquibase.update(DIR + "decrypt-typed.xml");

        assertThat(columnTypes("typed")).isEqualTo(typesBefore);
        assertThat(digest("typed")).isEqualTo(digestBefore);
        assertThat(invocations()).isEqualTo(afterFirstRollback);
    }

    @Test
    void compositeKeysAndQuotedNamesAreEncryptedAcrossManySmallBatches() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA e2e_crm");
            statement.execute("CREATE TABLE e2e_crm.\"Accounts\" (tenant text, id integer, \"Secret\" text, "
                    + "PRIMARY KEY (tenant, id))");
            statement.execute("INSERT INTO e2e_crm.\"Accounts\" SELECT t, i * 13, 'secret ' || t || ' ' || i "
                    + "FROM unnest(ARRAY['a', 'b', 'c']) AS t, generate_series(1, 33) AS i");
        }
        long invocations = invocations();

        liquibase.update(DIR + "composite.xml");

        // 99 rows in batches of 7: 15 batch invocations, plus the probe (encrypt and decrypt).
        assertThat(invocations() - invocations).isEqualTo(15 + 2);
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            try (ResultSet row = statement.executeQuery("SELECT count(*) FILTER (WHERE \"Secret\" ~ '" + V1
                    + "'), count(*) FROM e2e_crm.\"Accounts\"")) {
                row.next();
                assertThat(row.getLong(1)).isEqualTo(99).isEqualTo(row.getLong(2));
            }
            try (ResultSet row = statement.executeQuery("SELECT count(*) FROM e2e_crm.\"Accounts\" WHERE "
                    + "kms_crypto.decrypt(\"Secret\", '{\"tenant\":\"acme\",\"purpose\":\"e2e\"}') = "
                    + "'secret ' || tenant || ' ' || (id / 13)")) {
                row.next();
                assertThat(row.getLong(1)).isEqualTo(99);
            }
        }
    }

    @Test
    void updateSqlPrintsTheSqlAndMakesNoLambdaCall() throws Exception {
        createNotesTable("offline");
        Map<Integer, String> before;
        try (Connection connection = connect()) {
            before = notes(connection, "offline", "note");
        }
        long invocations = invocations();

        String sql = liquibase.updateSql(DIR + "updatesql.xml");

        assertThat(sql).contains("ALTER TABLE \"public\".\"offline\" ALTER COLUMN \"note\" TYPE text")
                .contains("CREATE TRIGGER \"kms_encrypt_note\"")
                .contains("\"kms_crypto\".\"encrypt_batch\"(")
                .doesNotContain("WARNING");
        assertThat(invocations()).isEqualTo(invocations);
        try (Connection connection = connect()) {
            assertThat(notes(connection, "offline", "note")).isEqualTo(before);
        }
    }

    @Test
    void rollbackSqlPrintsTheDecryptionAndMakesNoLambdaCall() throws Exception {
        createNotesTable("printed_rb");
        liquibase.update(DIR + "printed-rollback.xml");
        Map<Integer, String> encrypted;
        try (Connection connection = connect()) {
            encrypted = notes(connection, "printed_rb", "note");
        }
        long invocations = invocations();

        String sql = liquibase.rollbackCountSql(DIR + "printed-rollback.xml", 1);

        assertThat(sql).contains("DROP TRIGGER IF EXISTS \"kms_encrypt_note\" ON \"public\".\"printed_rb\"")
                .contains("\"kms_crypto\".\"decrypt_batch\"(")
                .contains("DELETE FROM \"kms_crypto\".\"encrypted_columns\"");
        assertThat(invocations()).isEqualTo(invocations);
        try (Connection connection = connect()) {
            assertThat(notes(connection, "printed_rb", "note")).isEqualTo(encrypted);
        }
    }

    @Test
    void roleWithoutTheDecryptGrantCannotDecrypt() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("SET ROLE kms_e2e_writer");
            String ciphertext;
            try (ResultSet row = statement.executeQuery("SELECT kms_crypto.encrypt('for readers only')")) {
                row.next();
                ciphertext = row.getString(1);
            }
            assertThat(ciphertext).matches(V1);
            assertThatThrownBy(() -> statement.executeQuery("SELECT kms_crypto.decrypt('" + ciphertext + "')"))
                    .hasMessageContaining("permission denied for function decrypt");

            statement.execute("RESET ROLE");
            statement.execute("SET ROLE kms_e2e_reader");
            try (ResultSet row = statement.executeQuery("SELECT kms_crypto.decrypt('" + ciphertext + "')")) {
                row.next();
                assertThat(row.getString(1)).isEqualTo("for readers only");
            }
            assertThatThrownBy(() -> statement.executeQuery("SELECT kms_crypto.encrypt('x')"))
                    .hasMessageContaining("permission denied for function encrypt");
            statement.execute("RESET ROLE");
        }
    }

    @Test
    void indexedColumnIsRefusedByNameBeforeAnyRowChanges() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE indexed (id int PRIMARY KEY, email text UNIQUE, other text)");
            statement.execute("CREATE INDEX indexed_email_lower ON indexed (lower(email))");
            statement.execute("CREATE VIEW indexed_emails AS SELECT email FROM indexed");
            statement.execute("INSERT INTO indexed VALUES (1, 'a@example.com', 'x')");
        }
        long invocations = invocations();

        assertThatThrownBy(() -> liquibase.update(DIR + "refused.xml"))
                .hasStackTraceContaining("refusing to encrypt public.indexed.email; no row was changed")
                .hasStackTraceContaining("unique constraint indexed_email_key")
                .hasStackTraceContaining("index indexed_email_lower")
                .hasStackTraceContaining("view indexed_emails");

        assertThat(invocations()).isEqualTo(invocations);
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT email FROM indexed")) {
            row.next();
            assertThat(row.getString(1)).isEqualTo("a@example.com");
        }
    }

    @Test
    void largeTableInsideOneTransactionIsRefusedByValidation() throws Exception {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE large (id int PRIMARY KEY, note text)");
            statement.execute("INSERT INTO large SELECT i, 'n' || i FROM generate_series(1, 50) AS i");
            statement.execute("ANALYZE large");
        }

        LiquibaseRun strict = new LiquibaseRun(url).with("liquibase.kmsColumns.transactionalRowLimit", 10L);
        assertThatThrownBy(() -> strict.update(DIR + "large.xml"))
                .hasStackTraceContaining("has about 50 rows, more than 10")
                .hasStackTraceContaining("runInTransaction=\"false\"");
    }

    private Map<Integer, String> createNotesTable(String table) throws SQLException {
        Map<Integer, String> originals = new LinkedHashMap<>();
        try (Connection connection = connect()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE IF EXISTS " + table);
                statement.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, note varchar(40))");
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
                List<String> values = new ArrayList<>(AWKWARD);
                values.add(2, null);
                int id = 1;
                for (String value : values) {
                    // Sparse keys: the loop must not stop at a gap.
                    insert.setInt(1, id);
                    insert.setString(2, value);
                    insert.addBatch();
                    originals.put(id, value);
                    id += id % 3 == 0 ? 17 : 1;
                }
                insert.executeBatch();
            }
        }
        return originals;
    }

    private Map<Integer, String> notes(Connection connection, String table, String column) throws SQLException {
        Map<Integer, String> notes = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id, " + column + " FROM " + table + " ORDER BY id")) {
            while (rows.next()) {
                notes.put(rows.getInt(1), rows.getString(2));
            }
        }
        return notes;
    }

    private Map<Integer, String> decryptedNotes(Connection connection, String table) throws SQLException {
        String context = "{\"table\":\"public." + table + "\",\"column\":\"note\"}";
        Map<Integer, String> notes = new LinkedHashMap<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT id, kms_crypto.decrypt(note, ?::jsonb) FROM " + table + " ORDER BY id")) {
            query.setString(1, context);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    notes.put(rows.getInt(1), rows.getString(2));
                }
            }
        }
        return notes;
    }

    private String columnTypes(String table) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT string_agg(attname || ' ' || format_type(atttypid, "
                     + "atttypmod), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '" + table
                     + "'::regclass AND attnum > 0 AND NOT attisdropped")) {
            row.next();
            return row.getString(1);
        }
    }

    private String digest(String table) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("SET TimeZone = 'UTC'");
            try (ResultSet row = statement.executeQuery("SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM "
                    + table + " AS t")) {
                row.next();
                return row.getString(1);
            }
        }
    }

    private long invocations() {
        return stack.lambda().invocationCount(stack.functionName());
    }

    private Connection connect() throws SQLException {
        return java.sql.DriverManager.getConnection(url);
    }
}
