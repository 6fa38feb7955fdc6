package io.kmscolumns.liquibase.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmscolumns.liquibase.sql.BatchSql.Direction;
import io.kmscolumns.liquibase.sql.ColumnRef;
import io.kmscolumns.liquibase.sql.FunctionSet;
import io.kmscolumns.liquibase.statement.ColumnConversionStatement;
import io.kmscolumns.liquibase.statement.DependentViewPolicy;
import io.kmscolumns.liquibase.statement.UserTriggerPolicy;
import io.kmscolumns.local.junit.LocalAuroraDatabase;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import liquibase.database.PreparedStatementFactory;
import liquibase.database.jvm.JdbcConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * End to end through the local stack: what encryptColumn and decryptColumn do with the objects around the column:
 * views and rules reading it, the table's own triggers, partitions, a missing primary key; and what a failing
 * batch says.
 */
@ExtendWith(LocalAuroraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DependentObjectsEndToEndTest {

    private static final String DIR = "changelogs/e2e/";
    private static final String V1 = "^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$";
    private static final List<String> VIEWS = List.of("dv_amounts", "dv_amounts_renamed", "dv_amounts_snapshot");

    private String url;
    private LiquibaseRun liquibase;

    @BeforeAll
    void installFunctions(LocalAuroraDatabase database) throws Exception {
        url = database.jdbcUrl();
        liquibase = new LiquibaseRun(url);
        sql("""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kms_dv_owner') THEN
                    CREATE ROLE kms_dv_owner;
                  END IF;
                  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kms_dv_reader') THEN
                    CREATE ROLE kms_dv_reader;
                  END IF;
                  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kms_dv_plain') THEN
                    CREATE ROLE kms_dv_plain;
                  END IF;
                END $$""",
                """
                CREATE TABLE tr_audit (on_table text, old_note text);
                CREATE FUNCTION tr_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
                  BEGIN NEW.last_update := now(); RETURN NEW; END $$;
                CREATE FUNCTION tr_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
                  BEGIN INSERT INTO tr_audit VALUES (TG_TABLE_NAME, OLD.note); RETURN NEW; END $$""");
        liquibase.update(DIR + "functions.xml");
    }

    @Test
    void viewsAreRefusedByDefaultAndWithRecreateAreRecreatedUnchangedAroundEachTypeChange() throws Exception {
        sql("""
                CREATE TABLE dv_orders (id int PRIMARY KEY, amount integer, note text);
                INSERT INTO dv_orders SELECT i, i * 10, 'note ' || i FROM generate_series(1, 10) AS i;
                GRANT SELECT ON dv_orders TO kms_dv_owner;
                CREATE VIEW dv_amounts WITH (security_barrier) AS SELECT id, amount FROM dv_orders WHERE id > 0
                  WITH LOCAL CHECK OPTION;
                ALTER VIEW dv_amounts OWNER TO kms_dv_owner;
                GRANT SELECT ON dv_amounts TO kms_dv_reader;
                GRANT UPDATE (amount) ON dv_amounts TO kms_dv_reader WITH GRANT OPTION;
                COMMENT ON VIEW dv_amounts IS 'amounts, it''s said';
                COMMENT ON COLUMN dv_amounts.amount IS 'the amount';
                CREATE VIEW dv_amounts_renamed AS SELECT id, amount AS total FROM dv_amounts;
                CREATE MATERIALIZED VIEW dv_amounts_snapshot AS SELECT id, total FROM dv_amounts_renamed;
                CREATE UNIQUE INDEX dv_amounts_snapshot_id ON dv_amounts_snapshot (id);
                CREATE VIEW dv_notes AS SELECT id, note FROM dv_orders""");
        List<String> before = viewFacts();
        long notesOid = longValue("SELECT 'dv_notes'::regclass::oid::bigint");

        assertThatThrownBy(() -> liquibase.update(DIR + "views-refused.xml"))
                .hasStackTraceContaining("refusing to encrypt public.dv_orders.amount; no row was changed")
                .hasStackTraceContaining("view dv_amounts reads the column: after encryption its readers would see "
                        + "ciphertext, and it blocks changing the column's type to text")
                .hasStackTraceContaining("dependentViews=\"recreate\"")
                .hasStackTraceContaining("view dv_amounts_renamed, materialized view dv_amounts_snapshot");
        assertThat(longValue("SELECT sum(total) FROM dv_amounts_snapshot")).isEqualTo(550);

        liquibase.update(DIR + "views-recreate.xml");

        assertThat(viewFacts()).isEqualTo(before.stream().map(facts -> facts.replace("amount integer",
                "amount text").replace("total integer", "total text")).toList());
        assertThat(strings("SELECT amount FROM dv_amounts")).hasSize(10).allMatch(value -> value.matches(V1));
        assertThat(strings("SELECT total FROM dv_amounts_snapshot")).hasSize(10).allMatch(value -> value.matches(V1));
        assertThat(liquibase.messages())
                .contains("WARNING: view dv_amounts reads public.dv_orders.amount: its readers now see ciphertext")
                .contains("view dv_amounts_renamed reads public.dv_orders.amount through other views")
                .contains("materialized view dv_amounts_snapshot reads public.dv_orders.amount through other views: "
                        + "its readers now see ciphertext (refreshed after the conversion)")
                .contains("\"kms_crypto\".\"decrypt\"(\"amount\", '{\"table\":\"public.dv_orders\",\"column\":"
                        + "\"amount\"}'::jsonb)");

        liquibase.rollbackCount(DIR + "views-recreate.xml", 1);

        assertThat(viewFacts()).isEqualTo(before);
        assertThat(longValue("SELECT sum(amount) FROM dv_amounts")).isEqualTo(550);
        assertThat(longValue("SELECT sum(total) FROM dv_amounts_snapshot")).isEqualTo(550);

        liquibase.update(DIR + "views-text.xml");

        assertThat(longValue("SELECT 'dv_notes'::regclass::oid::bigint")).isEqualTo(notesOid);
        assertThat(strings("SELECT note FROM dv_notes")).hasSize(10).allMatch(value -> value.matches(V1));
        assertThat(liquibase.messages()).contains("view dv_notes reads public.dv_orders.note: its readers now see "
                + "ciphertext");
    }

    @Test
    void viewAddedAfterEncryptionIsRefusedByDecryptionAndRecreatedWithRecreateInsideTheChangesetTransaction()
            throws Exception {
        sql("CREATE TABLE dv_typed (id int PRIMARY KEY, quantity integer)",
                "INSERT INTO dv_typed SELECT i, i FROM generate_series(1, 5) AS i");
        liquibase.update(DIR + "views-typed-encrypt.xml");
        sql("CREATE VIEW dv_typed_quantities AS SELECT id, quantity FROM dv_typed");

        assertThatThrownBy(() -> liquibase.update(DIR + "views-typed-decrypt.xml"))
                .hasStackTraceContaining("refusing to decrypt public.dv_typed.quantity; no row was changed")
                .hasStackTraceContaining("view dv_typed_quantities reads the column and blocks restoring its "
                        + "original type. Set dependentViews=\"recreate\" on decryptColumn");
        assertThat(strings("SELECT quantity FROM dv_typed")).hasSize(5).allMatch(value -> value.matches(V1));

        liquibase.update(DIR + "views-typed-decrypt-recreate.xml");

        assertThat(longValue("SELECT sum(quantity) FROM dv_typed_quantities")).isEqualTo(15);
        assertThat(string("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                + "'dv_typed_quantities'::regclass AND attname = 'quantity'")).isEqualTo("integer");
    }

    @Test
    void rulesAndWhatWouldBeLostWithTheViewsStayRefusedWithRecreate() throws Exception {
        sql("""
                CREATE TABLE dv_ruled (id int PRIMARY KEY, secret varchar(20));
                CREATE TABLE dv_ruled_log (secret text);
                CREATE RULE dv_ruled_copy AS ON UPDATE TO dv_ruled DO ALSO INSERT INTO dv_ruled_log VALUES (NEW.secret);
                CREATE VIEW dv_ruled_view AS SELECT id, secret FROM dv_ruled;
                CREATE RULE dv_ruled_view_insert AS ON INSERT TO dv_ruled_view DO INSTEAD
                  INSERT INTO dv_ruled_log VALUES ('inserted');
                CREATE FUNCTION dv_ruled_rows() RETURNS SETOF dv_ruled_view LANGUAGE sql
                  AS 'SELECT * FROM dv_ruled_view';
                INSERT INTO dv_ruled VALUES (1, 'plain')""");

        assertThatThrownBy(() -> liquibase.update(DIR + "rule-refused.xml"))
                .hasStackTraceContaining("rule dv_ruled_copy on dv_ruled reads the column; only views can be "
                        + "recreated")
                .hasStackTraceContaining("rule dv_ruled_view_insert on dv_ruled_view (only views are recreated)")
                .hasStackTraceContaining("function dv_ruled_rows() depends on type dv_ruled_view: "
                        + "dependentViews=\"recreate\" drops and recreates the views reading the column, and this "
                        + "would be lost");
        assertThat(strings("SELECT secret FROM dv_ruled")).containsExactly("plain");
    }

    @Test
    void updateTriggersAreRefusedByDefaultAndSkippedWithSkipInBothTransactionModes() throws Exception {
        for (String table : List.of("tr_skip", "tr_skip_tx")) {
            sql("CREATE TABLE " + table + " (id int PRIMARY KEY, note text, last_update timestamptz NOT NULL "
                            + "DEFAULT '2020-01-01 00:00:00+00')",
                    "CREATE TRIGGER " + table + "_stamp BEFORE UPDATE ON " + table
                            + " FOR EACH ROW EXECUTE FUNCTION tr_stamp()",
                    "CREATE TRIGGER " + table + "_audit AFTER UPDATE OF note ON " + table
                            + " FOR EACH ROW EXECUTE FUNCTION tr_audit_row()",
                    "CREATE TRIGGER " + table + "_other AFTER UPDATE OF last_update ON " + table
                            + " FOR EACH ROW EXECUTE FUNCTION tr_audit_row()",
                    "INSERT INTO " + table + " (id, note) SELECT i, 'secret ' || i FROM generate_series(1, 8) AS i");
        }

        assertThatThrownBy(() -> liquibase.update(DIR + "triggers-refused.xml"))
                .hasStackTraceContaining("trigger \"tr_skip_audit\" on tr_skip, trigger \"tr_skip_stamp\" on tr_skip "
                        + "fire on every UPDATE of the column")
                .hasStackTraceContaining("userTriggers=\"fire\"")
                .hasStackTraceContaining("userTriggers=\"skip\"")
                .satisfies(e -> assertThat(e).hasStackTraceContaining("no row was changed"))
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("tr_skip_other"));

        liquibase.update(DIR + "triggers-skip.xml");
        liquibase.update(DIR + "triggers-skip-in-transaction.xml");

        for (String table : List.of("tr_skip", "tr_skip_tx")) {
            assertThat(strings("SELECT note FROM " + table)).hasSize(8).allMatch(value -> value.matches(V1));
            assertThat(strings("SELECT DISTINCT last_update AT TIME ZONE 'UTC' FROM " + table))
                    .containsExactly("2020-01-01 00:00:00");
        }
        assertThat(longValue("SELECT count(*) FROM tr_audit WHERE on_table LIKE 'tr_skip%'")).isZero();

        liquibase.rollbackCount(DIR + "triggers-skip.xml", 1);

        assertThat(strings("SELECT note FROM tr_skip ORDER BY id")).first().isEqualTo("secret 1");
        assertThat(longValue("SELECT count(*) FROM tr_audit WHERE on_table LIKE 'tr_skip%'")).isZero();
        assertThat(strings("SELECT DISTINCT last_update AT TIME ZONE 'UTC' FROM tr_skip"))
                .containsExactly("2020-01-01 00:00:00");
    }

    @Test
    void updateTriggersRunWithFireAndTheRunWarnsNamingThem() throws Exception {
        sql("CREATE TABLE tr_fire (id int PRIMARY KEY, note text)",
                "CREATE TRIGGER tr_fire_audit AFTER UPDATE ON tr_fire FOR EACH ROW EXECUTE FUNCTION tr_audit_row()",
                "INSERT INTO tr_fire SELECT i, 'secret ' || i FROM generate_series(1, 4) AS i");

        liquibase.update(DIR + "triggers-fire.xml");

        assertThat(strings("SELECT note FROM tr_fire")).hasSize(4).allMatch(value -> value.matches(V1));
        assertThat(longValue("SELECT count(*) FROM tr_audit WHERE on_table = 'tr_fire'")).isEqualTo(4);
        assertThat(liquibase.messages()).contains("WARNING: trigger \"tr_fire_audit\" on tr_fire will fire on each "
                + "of the 4 rows to encrypt (userTriggers=\"fire\")");
    }

    @Test
    void skipNeedsARoleAllowedToSetReplicationRoleAndRefusesTriggersThatWouldStillFire() throws Exception {
        sql("CREATE TABLE tr_always (id int PRIMARY KEY, note text)",
                "CREATE TRIGGER tr_always_audit AFTER UPDATE ON tr_always FOR EACH ROW EXECUTE FUNCTION "
                        + "tr_audit_row()",
                "ALTER TABLE tr_always ENABLE ALWAYS TRIGGER tr_always_audit",
                "INSERT INTO tr_always VALUES (1, 'plain')");
        ColumnConversionStatement encrypt = new ColumnConversionStatement(Direction.ENCRYPT,
                new ColumnRef("public", "tr_always", "note"), new FunctionSet("kms_crypto", "encrypt", "decrypt"),
                "{\"table\":\"public.tr_always\",\"column\":\"note\"}", 100, 0, true, DependentViewPolicy.REFUSE,
                UserTriggerPolicy.SKIP);

        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement()) {
            statement.execute("SET ROLE kms_dv_plain");
            assertThatThrownBy(() -> encrypt.execute(new PreparedStatementFactory(new JdbcConnection(connection))))
                    .hasMessageContaining("trigger \"tr_always_audit\" on tr_always (ENABLE ALWAYS) would fire even "
                            + "with session_replication_role = replica")
                    .hasMessageContaining("userTriggers=\"skip\" runs the batches with session_replication_role = "
                            + "replica, which only a superuser may set (on RDS and Aurora a member of rds_superuser")
                    .hasMessageContaining("role kms_dv_plain may not");
        }
        assertThat(strings("SELECT note FROM tr_always")).containsExactly("plain");
    }

    @Test
    void partitionedTableIsCheckedPartitionByPartitionEncryptedAndRolledBackToItsValuesAndTypes() throws Exception {
        sql("""
                CREATE TABLE pt_people (region text, id int, email varchar(60), PRIMARY KEY (region, id))
                  PARTITION BY LIST (region);
                CREATE TABLE pt_people_eu PARTITION OF pt_people FOR VALUES IN ('eu');
                CREATE TABLE pt_people_us PARTITION OF pt_people FOR VALUES IN ('us');
                CREATE TABLE pt_people_other PARTITION OF pt_people DEFAULT;
                INSERT INTO pt_people
                  SELECT (ARRAY['eu', 'us', 'apac'])[i % 3 + 1], i,
                         CASE WHEN i % 10 = 0 THEN NULL ELSE 'person.' || i || '@example.com' END
                    FROM generate_series(1, 45) AS i""");
        String digest = string("SELECT md5(string_agg(region || id || coalesce(email, '<null>'), '|' "
                + "ORDER BY region, id)) FROM pt_people");
        sql("CREATE INDEX pt_people_eu_email ON pt_people_eu (email)",
                "CREATE TRIGGER pt_people_us_audit AFTER UPDATE ON pt_people_us FOR EACH ROW EXECUTE FUNCTION "
                        + "tr_audit_row()");

        assertThatThrownBy(() -> liquibase.update(DIR + "partitioned.xml"))
                .hasStackTraceContaining("index pt_people_eu_email: an index on ciphertext finds nothing")
                .hasStackTraceContaining("trigger \"pt_people_us_audit\" on pt_people_us fires on every UPDATE");
        sql("DROP INDEX pt_people_eu_email", "DROP TRIGGER pt_people_us_audit ON pt_people_us");

        liquibase.update(DIR + "partitioned.xml");

        for (String partition : List.of("pt_people_eu", "pt_people_us", "pt_people_other")) {
            assertThat(strings("SELECT email FROM " + partition + " WHERE email IS NOT NULL")).isNotEmpty()
                    .allMatch(value -> value.matches(V1));
            assertThat(string("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '"
                    + partition + "'::regclass AND attname = 'email'")).isEqualTo("text");
        }
        assertThat(longValue("SELECT count(*) FROM pt_people WHERE email IS NULL")).isEqualTo(4);
        sql("INSERT INTO pt_people VALUES ('us', 1000, 'later@example.com')");
        assertThat(strings("SELECT email FROM pt_people_us WHERE id = 1000")).allMatch(value -> value.matches(V1));
        sql("DELETE FROM pt_people WHERE id = 1000");

        liquibase.rollbackCount(DIR + "partitioned.xml", 1);

        assertThat(string("SELECT md5(string_agg(region || id || coalesce(email, '<null>'), '|' "
                + "ORDER BY region, id)) FROM pt_people")).isEqualTo(digest);
        for (String table : List.of("pt_people", "pt_people_eu", "pt_people_us", "pt_people_other")) {
            assertThat(string("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '"
                    + table + "'::regclass AND attname = 'email'")).isEqualTo("character varying(60)");
        }
    }

    @Test
    void tableWithoutPrimaryKeyIsRefusedSayingToAddOne() throws Exception {
        sql("CREATE TABLE nokey_people (email text)", "INSERT INTO nokey_people VALUES ('a@example.com')");

        assertThatThrownBy(() -> liquibase.update(DIR + "no-key.xml"))
                .hasStackTraceContaining("table public.nokey_people has no primary key")
                .hasStackTraceContaining("Add one (ALTER TABLE ... ADD PRIMARY KEY");
        assertThat(strings("SELECT email FROM nokey_people")).containsExactly("a@example.com");
    }

    @Test
    void failingBatchNamesTheFirstAndLastKeyOfItsRows() throws Exception {
        sql("CREATE TABLE range_t (id int PRIMARY KEY, note text)",
                "INSERT INTO range_t SELECT i, 'note ' || i FROM generate_series(1, 12) AS i");
        liquibase.update(DIR + "range-encrypt.xml");
        // Well-formed v1 ciphertext that KMS cannot decrypt: the second batch of five (ids 6 to 10) fails.
        sql("UPDATE range_t SET note = 'kms:v1:AQICAHhpaGloaWhp' WHERE id = 8");

        assertThatThrownBy(() -> liquibase.update(DIR + "range-decrypt.xml"))
                .hasStackTraceContaining("batch 2 of decrypt public.range_t.note failed (rows with keys from id=6 "
                        + "to id=10)")
                .hasStackTraceContaining("The batch changed nothing");
        assertThat(strings("SELECT note FROM range_t WHERE id <= 5 ORDER BY id")).first().isEqualTo("note 1");
        assertThat(strings("SELECT note FROM range_t WHERE id > 5")).allMatch(value -> value.matches(V1));
    }

    /** Definition, options, owner, ACL, comments, column types, column ACLs and indexes of each view. */
    private List<String> viewFacts() throws SQLException {
        List<String> facts = new ArrayList<>();
        for (String view : VIEWS) {
            facts.add(string("""
                    SELECT concat_ws(' | ', c.relkind, pg_get_viewdef(c.oid), c.reloptions::text,
                           pg_get_userbyid(c.relowner), c.relacl::text, obj_description(c.oid, 'pg_class'),
                           (SELECT string_agg(concat_ws(' ', a.attname, format_type(a.atttypid, a.atttypmod),
                                                        a.attacl::text, col_description(c.oid, a.attnum)), ', '
                                              ORDER BY a.attnum)
                              FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attnum > 0),
                           (SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ') FROM pg_index AS i
                             WHERE i.indrelid = c.oid), c.relispopulated::text)
                      FROM pg_class AS c WHERE c.oid = '%s'::regclass""".formatted(view)));
        }
        return facts;
    }

    private void sql(String... statements) throws SQLException {
        new TestDatabase(url).execute(statements);
    }

    private List<String> strings(String query) throws SQLException {
        return new TestDatabase(url).strings(query);
    }

    private String string(String query) throws SQLException {
        return new TestDatabase(url).string(query);
    }

    private long longValue(String query) throws SQLException {
        return Long.parseLong(string(query));
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter out = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }
}
