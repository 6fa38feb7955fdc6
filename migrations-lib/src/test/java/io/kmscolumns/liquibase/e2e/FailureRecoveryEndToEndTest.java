package io.kmscolumns.liquibase.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmscolumns.local.junit.LocalAuroraDatabase;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * End to end through the local stack: what the change types leave behind and say when something fails (a rollback
 * that cannot decrypt a row, a type that cannot be restored, a Lambda that cannot be called), and that rerunning
 * finishes the job.
 */
@ExtendWith(LocalAuroraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailureRecoveryEndToEndTest {

    private static final String DIR = "changelogs/e2e/";
    private static final String V1 = "^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$";
    /** Well-formed v1 ciphertext that KMS cannot decrypt. */
    private static final String UNDECRYPTABLE = "kms:v1:AQICAHhpaGloaWhp";

    private String url;
    private LiquibaseRun liquibase;

    @BeforeAll
    void installFunctions(LocalAuroraDatabase database) throws Exception {
        url = database.jdbcUrl();
        liquibase = new LiquibaseRun(url);
        for (String role : List.of("kms_e2e_writer", "kms_e2e_reader")) {
            sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role + "') THEN CREATE ROLE "
                    + role + "; END IF; END $$");
        }
        liquibase.update(DIR + "functions.xml");
    }

    @Test
    void failedRollbackKeepsTheTriggerSoOtherSessionsWritesStayEncryptedAndRerunningTheRollbackFinishes()
            throws Exception {
        sql("CREATE TABLE rb_t (id int PRIMARY KEY, note varchar(40))",
                "INSERT INTO rb_t SELECT i, 'note ' || i FROM generate_series(1, 12) AS i");
        liquibase.update(DIR + "rollback-resume.xml");
        // Batches of five: the second (ids 6 to 10) fails at its third value.
        sql("UPDATE rb_t SET note = '" + UNDECRYPTABLE + "' WHERE id = 8");

        assertThatThrownBy(() -> liquibase.rollbackCount(DIR + "rollback-resume.xml", 1))
                .hasStackTraceContaining("batch 2 of decrypt public.rb_t.note failed (rows with keys from id=6 to "
                        + "id=10): event_texts[2] is the row with key id=8.")
                .hasStackTraceContaining("The batch changed nothing; the 5 rows of earlier batches are decrypted")
                .hasStackTraceContaining("The other rows are still ciphertext")
                .hasStackTraceContaining("rollback again")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("the 0 rows"));

        // Another session writes while the column is half decrypted: its value is encrypted by the trigger.
        sql("INSERT INTO rb_t VALUES (100, 'written meanwhile')", "UPDATE rb_t SET note = 'updated meanwhile' "
                + "WHERE id = 1");
        assertThat(string("SELECT note FROM rb_t WHERE id = 100")).matches(V1);
        assertThat(string("SELECT note FROM rb_t WHERE id = 1")).matches(V1);
        assertThat(string("SELECT note FROM rb_t WHERE id = 2")).isEqualTo("note 2");

        sql("UPDATE rb_t SET note = kms_crypto.encrypt('note 8', '{\"table\":\"public.rb_t\",\"column\":\"note\"}') "
                + "WHERE id = 8");
        liquibase.rollbackCount(DIR + "rollback-resume.xml", 1);

        List<String> expected = new ArrayList<>(List.of("updated meanwhile"));
        for (int i = 2; i <= 12; i++) {
            expected.add("note " + i);
        }
        expected.add("written meanwhile");
        assertThat(strings("SELECT note FROM rb_t ORDER BY id")).isEqualTo(expected);
        assertThat(string("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                + "'rb_t'::regclass AND attname = 'note'")).isEqualTo("character varying(40)");
        assertThat(string("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'rb_t'::regclass")).isEqualTo("0");
        sql("INSERT INTO rb_t VALUES (101, 'after the rollback')");
        assertThat(string("SELECT note FROM rb_t WHERE id = 101")).isEqualTo("after the rollback");
    }

    @Test
    void typeThatCannotBeRestoredIsReportedWithTheRowKeysAndSQLStateButNeverTheValues() throws Exception {
        sql("CREATE TABLE rt_typed (id int PRIMARY KEY, c_date date, c_short varchar(5))",
                "INSERT INTO rt_typed SELECT i, DATE '2024-01-01' + i, 'v' || i FROM generate_series(1, 6) AS i");
        liquibase.update(DIR + "restore-refused.xml");
        liquibase.update(DIR + "restore-overflow.xml");
        // Values that no longer fit the original types, written in ciphertext as an application would.
        sql(encrypted("c_date", "SECRET-DATE", 2), encrypted("c_date", "SECRET-DATE", 5),
                encrypted("c_short", "TOO-LONG-SECRET", 3));

        assertThatThrownBy(() -> liquibase.rollbackCount(DIR + "restore-refused.xml", 1))
                .hasStackTraceContaining("cannot restore column public.rt_typed.c_date to its original type date "
                        + "(SQLSTATE 22007): the values of the rows with keys id=2, id=5 do not fit it")
                .hasStackTraceContaining("The column stays text and holds the decrypted plaintext")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("SECRET"));
        assertThatThrownBy(() -> liquibase.rollbackCount(DIR + "restore-overflow.xml", 1))
                .hasStackTraceContaining("cannot restore column public.rt_typed.c_short to its original type "
                        + "character varying(5) (SQLSTATE 22001): the values of the row with key id=3 do not fit it")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("SECRET"));

        assertThat(strings("SELECT c_date || ' ' || c_short FROM rt_typed WHERE id IN (2, 3) ORDER BY id"))
                .containsExactly("SECRET-DATE v2", "2024-01-04 TOO-LONG-SECRET");
        sql("UPDATE rt_typed SET c_date = '2024-01-03' WHERE id = 2", "UPDATE rt_typed SET c_date = NULL WHERE id = 5",
                "UPDATE rt_typed SET c_short = 'v3' WHERE id = 3");
        liquibase.rollbackCount(DIR + "restore-refused.xml", 1);
        liquibase.rollbackCount(DIR + "restore-overflow.xml", 1);
        assertThat(strings("SELECT string_agg(format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM "
                + "pg_attribute WHERE attrelid = 'rt_typed'::regclass AND attnum > 1"))
                .containsExactly("date, character varying(5)");
    }

    @Test
    void createEncryptFunctionsWithANonexistentLambdaFailsNamingItAndItsTransactionRollsBack() throws Exception {
        assertThatThrownBy(() -> liquibase.update(DIR + "functions-missing-lambda.xml"))
                .hasStackTraceContaining("a probe encrypt-and-decrypt through Lambda function no-such-function "
                        + "failed")
                .hasStackTraceContaining("a wrong function name or ARN (lambdaFunction)")
                .hasStackTraceContaining("verifyLambda=\"false\"");

        assertThat(string("SELECT to_regnamespace('kms_missing') IS NULL")).isEqualTo("t");
        assertThat(string("SELECT count(*) FROM databasechangelog WHERE id = 'functions-missing-lambda'"))
                .isEqualTo("0");
    }

    @Test
    void verifyLambdaFalseCreatesTheFunctionsWithoutTheProbe() throws Exception {
        liquibase.update(DIR + "functions-unverified.xml");

        assertThat(string("SELECT to_regprocedure('kms_unverified.encrypt(text, jsonb)') IS NOT NULL"))
                .isEqualTo("t");
    }

    @Test
    void triggerFunctionOfAnEarlierVersionIsRemovedBeforeDecryptingWithAWarningSoRowsStillDecrypt()
            throws Exception {
        sql("CREATE TABLE legacy_t (id int PRIMARY KEY, note text)",
                "INSERT INTO legacy_t SELECT i, 'legacy ' || i FROM generate_series(1, 4) AS i");
        LiquibaseRun run = new LiquibaseRun(url);
        run.update(DIR + "legacy-trigger.xml");
        // The trigger function as earlier versions created it: it encrypts every plaintext write.
        sql("""
                CREATE OR REPLACE FUNCTION kms_legacy.encrypt_trigger() RETURNS trigger LANGUAGE plpgsql
                SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
                DECLARE
                  v_column text := TG_ARGV[0];
                  v_plaintext text := to_jsonb(NEW) ->> TG_ARGV[0];
                BEGIN
                  IF v_plaintext IS NULL OR v_plaintext LIKE 'kms:v1:%' THEN
                    RETURN NEW;
                  END IF;
                  RETURN jsonb_populate_record(NEW, jsonb_build_object(v_column,
                    kms_legacy.encrypt(v_plaintext, TG_ARGV[1]::jsonb)));
                END $$""");

        run.rollbackCount(DIR + "legacy-trigger.xml", 1);

        assertThat(strings("SELECT note FROM legacy_t ORDER BY id"))
                .containsExactly("legacy 1", "legacy 2", "legacy 3", "legacy 4");
        assertThat(run.messages()).contains("the trigger function \"kms_legacy\".\"encrypt_trigger\" predates the "
                + "one that lets decryption batches through");
    }

    private static String encrypted(String column, String value, int id) {
        return "UPDATE rt_typed SET " + column + " = kms_crypto.encrypt('" + value + "', '{\"table\":"
                + "\"public.rt_typed\",\"column\":\"" + column + "\"}') WHERE id = " + id;
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

    private static String stackTrace(Throwable e) {
        java.io.StringWriter out = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }
}
