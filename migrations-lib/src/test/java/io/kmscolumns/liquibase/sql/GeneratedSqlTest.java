package io.kmscolumns.liquibase.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmscolumns.liquibase.sql.BatchSql.Direction;
import java.util.List;
import org.junit.jupiter.api.Test;

class GeneratedSqlTest {

    private static final FunctionSet FUNCTIONS = new FunctionSet("kms_crypto", "encrypt", "decrypt");
    private static final ColumnRef EMAIL = new ColumnRef("crm", "customers", "email");

    private final List<String> create = new CryptoFunctionSql(FUNCTIONS, "kms-crypto", "eu-west-1",
            List.of("app_writer"), List.of("app_reader"), 45_000, 2_000).create();

    @Test
    void functionsAreSecurityDefinerWithPinnedSearchPathAndTimeouts() {
        List<String> functions = create.stream().filter(sql -> sql.contains("RETURNS text")).toList();

        assertThat(functions).hasSize(4).allSatisfy(sql -> assertThat(sql)
                .contains("SECURITY DEFINER")
                .contains("SET search_path = pg_catalog, pg_temp")
                .contains("SET aws_lambda.request_timeout_ms = '45000'")
                .contains("SET aws_lambda.connect_timeout_ms = '2000'")
                .contains("context jsonb DEFAULT '{}'::jsonb")
                .contains("v_request := jsonb_build_object('event_type', ")
                .contains("IF octet_length(v_request::text) > 6291456 THEN")
                .contains("aws_lambda.invoke('kms-crypto'::text, v_request, ")
                .contains("'eu-west-1'::text)")
                .contains("IF v_status IS DISTINCT FROM 200 THEN"));
    }

    @Test
    void encryptChecksTheResultIsV1CiphertextAndNullNeverInvokes() {
        String encrypt = create.stream().filter(sql -> sql.startsWith(
                "CREATE OR REPLACE FUNCTION \"kms_crypto\".\"encrypt\"(plaintext text")).findFirst().orElseThrow();

        assertThat(encrypt).contains("IF plaintext IS NULL THEN\n    RETURN NULL;")
                .contains("'event_text', plaintext")
                .contains("jsonb_typeof(v_reply -> 'result') IS DISTINCT FROM 'string'")
                .contains("IF NOT (v_result ~ '^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$'");
        assertThat(encrypt.indexOf("RETURN NULL")).isLessThan(encrypt.indexOf("aws_lambda.invoke"));
    }

    @Test
    void batchEncryptChecksLengthAndNullPositions() {
        String batch = create.stream().filter(sql -> sql.contains("\"encrypt_batch\"(plaintexts text[]"))
                .findFirst().orElseThrow();

        assertThat(batch).contains("'event_texts', to_jsonb(v_inputs)")
                .contains("IF jsonb_array_length(v_results) <> v_count THEN")
                .contains("where the input was NULL")
                .contains("RETURNS text[]");
    }

    @Test
    void executeIsRevokedFromPublicAndGrantedSeparately() {
        assertThat(create).contains(
                "REVOKE ALL ON FUNCTION \"kms_crypto\".\"encrypt\"(text, jsonb) FROM PUBLIC",
                "REVOKE ALL ON FUNCTION \"kms_crypto\".\"decrypt_batch\"(text[], jsonb) FROM PUBLIC",
                "GRANT USAGE ON SCHEMA \"kms_crypto\" TO \"app_writer\", \"app_reader\"",
                "GRANT EXECUTE ON FUNCTION \"kms_crypto\".\"encrypt\"(text, jsonb), "
                        + "\"kms_crypto\".\"encrypt_batch\"(text[], jsonb) TO \"app_writer\"",
                "GRANT EXECUTE ON FUNCTION \"kms_crypto\".\"decrypt\"(text, jsonb), "
                        + "\"kms_crypto\".\"decrypt_batch\"(text[], jsonb) TO \"app_reader\"");
    }

    @Test
    void keysetBatchPagesByCompositePrimaryKeyAndCallsTheBatchFunctionOnce() {
        BatchSql batch = new BatchSql(EMAIL, List.of(new KeyColumn("tenant", "integer"), new KeyColumn("id", "uuid")),
                FUNCTIONS, Direction.ENCRYPT);

        String next = batch.batch(true);

        assertThat(next).contains("AND (kms_row.\"tenant\", kms_row.\"id\") > (CAST(? AS integer), CAST(? AS uuid))")
                .contains("ORDER BY kms_row.\"tenant\", kms_row.\"id\"")
                .contains("LIMIT ?")
                .contains("FOR UPDATE OF kms_row")
                .contains("kms_row.\"email\" IS NOT NULL AND NOT (kms_row.\"email\" ~ ")
                .contains("WHERE kms_row.\"tenant\" = kms_numbered.kms_key_1 AND kms_row.\"id\" = "
                        + "kms_numbered.kms_key_2");
        assertThat(next.split("encrypt_batch", -1)).hasSize(2);
        assertThat(batch.batch(false)).doesNotContain(") > (");
    }

    @Test
    void keysOfABatchAreTheSameRowsReadWithoutLocks() {
        BatchSql batch = new BatchSql(EMAIL, List.of(new KeyColumn("tenant", "integer"), new KeyColumn("id", "uuid")),
                FUNCTIONS, Direction.ENCRYPT);

        assertThat(batch.batchKeys(true)).isEqualTo("SELECT kms_row.\"tenant\"::text, kms_row.\"id\"::text\n"
                + "FROM \"crm\".\"customers\" AS kms_row\n"
                + "WHERE kms_row.\"email\" IS NOT NULL AND NOT " + CiphertextFormat.isCiphertext("kms_row.\"email\"")
                + "\n  AND (kms_row.\"tenant\", kms_row.\"id\") > (CAST(? AS integer), CAST(? AS uuid))\n"
                + "ORDER BY kms_row.\"tenant\", kms_row.\"id\"\n"
                + "LIMIT ?");
        assertThat(batch.batchKeys(false)).doesNotContain(") > (").doesNotContain("FOR UPDATE");
        assertThat(batch.keyNames()).containsExactly("tenant", "id");
    }

    @Test
    void viewIsRecreatedWithOptionsOwnerGrantsCommentsAndDefaults() {
        ViewDefinition view = new ViewDefinition("crm", "Customer View", false,
                " SELECT c.id,\n    c.email\n   FROM crm.customers c", List.of("security_barrier=true",
                        "check_option=local"), null, true, "app owner", "it's a view",
                List.of(new ViewDefinition.ColumnText("email", "address")),
                List.of(new ViewDefinition.ColumnText("id", "0")),
                List.of(new ViewDefinition.Grant(null, "reader", "SELECT", false),
                        new ViewDefinition.Grant("email", null, "UPDATE", true)),
                List.of("CREATE TRIGGER t INSTEAD OF INSERT ON crm.\"Customer View\" FOR EACH ROW EXECUTE "
                        + "FUNCTION crm.f()"));

        assertThat(ViewSql.drop(view)).isEqualTo("DROP VIEW \"crm\".\"Customer View\"");
        assertThat(ViewSql.create(view)).containsExactly(
                "CREATE VIEW \"crm\".\"Customer View\" WITH (security_barrier = 'true', check_option = 'local') AS\n"
                        + " SELECT c.id,\n    c.email\n   FROM crm.customers c",
                "ALTER VIEW \"crm\".\"Customer View\" OWNER TO \"app owner\"",
                "GRANT SELECT ON \"crm\".\"Customer View\" TO \"reader\"",
                "GRANT UPDATE (\"email\") ON \"crm\".\"Customer View\" TO PUBLIC WITH GRANT OPTION",
                "COMMENT ON VIEW \"crm\".\"Customer View\" IS 'it''s a view'",
                "COMMENT ON COLUMN \"crm\".\"Customer View\".\"email\" IS 'address'",
                "ALTER VIEW \"crm\".\"Customer View\" ALTER COLUMN \"id\" SET DEFAULT 0",
                "CREATE TRIGGER t INSTEAD OF INSERT ON crm.\"Customer View\" FOR EACH ROW EXECUTE FUNCTION crm.f()");
    }

    @Test
    void materializedViewKeepsTablespaceAndWhetherItHoldsData() {
        ViewDefinition view = new ViewDefinition("crm", "snapshot", true, "SELECT 1", List.of("fillfactor=70"),
                "fast", false, "owner", null, List.of(), List.of(), List.of(),
                List.of("CREATE UNIQUE INDEX snapshot_id ON crm.snapshot USING btree (id)"));

        assertThat(ViewSql.drop(view)).isEqualTo("DROP MATERIALIZED VIEW \"crm\".\"snapshot\"");
        assertThat(ViewSql.create(view)).containsExactly(
                "CREATE MATERIALIZED VIEW \"crm\".\"snapshot\" WITH (fillfactor = '70') TABLESPACE \"fast\" AS\n"
                        + "SELECT 1\nWITH NO DATA",
                "ALTER MATERIALIZED VIEW \"crm\".\"snapshot\" OWNER TO \"owner\"",
                "CREATE UNIQUE INDEX snapshot_id ON crm.snapshot USING btree (id)");
    }

    @Test
    void decryptBatchSelectsOnlyCiphertext() {
        BatchSql batch = new BatchSql(EMAIL, List.of(new KeyColumn("id", "bigint")), FUNCTIONS, Direction.DECRYPT);

        assertThat(batch.batch(false)).contains("WHERE (kms_row.\"email\" ~ '^kms:v1:")
                .contains("\"kms_crypto\".\"decrypt_batch\"(");
    }

    @Test
    void conversionRecordsTheOriginalTypeBeforeChangingIt() {
        String convert = ColumnSql.recordAndConvertToText(EMAIL, FUNCTIONS, "{\"table\":\"crm.customers\"}");

        assertThat(convert).startsWith("DO $kms$")
                .contains("ON CONFLICT (schema_name, table_name, column_name) DO NOTHING")
                .contains("ALTER TABLE \"crm\".\"customers\" ALTER COLUMN \"email\" TYPE text USING \"email\"::text")
                .contains("set_config('DateStyle', 'ISO, YMD', true)");
        assertThat(convert.indexOf("INSERT INTO")).isLessThan(convert.indexOf("ALTER TABLE"));
    }

    @Test
    void restoreCastsThroughTheBaseTypeSoValuesThatNoLongerFitRaise() {
        String restore = ColumnSql.restoreRecordedType(EMAIL, FUNCTIONS);

        assertThat(restore).contains("'ALTER TABLE \"crm\".\"customers\" ALTER COLUMN \"email\" TYPE %s USING "
                + "\"email\"::%s'").contains("DELETE FROM \"kms_crypto\".\"encrypted_columns\"");
    }

    @Test
    void triggerIsReplacedAndPassesColumnAndContextAsArguments() {
        assertThat(ColumnSql.createTrigger(EMAIL, FUNCTIONS, "{\"a\":\"it's\"}")).isEqualTo(
                "DROP TRIGGER IF EXISTS \"kms_encrypt_email\" ON \"crm\".\"customers\";\n"
                        + "CREATE TRIGGER \"kms_encrypt_email\" BEFORE INSERT OR UPDATE OF \"email\" ON "
                        + "\"crm\".\"customers\" FOR EACH ROW EXECUTE FUNCTION \"kms_crypto\".\"encrypt_trigger\"("
                        + "'email', '{\"a\":\"it''s\"}')");
    }

    @Test
    void awsLambdaInstallIsIdempotentAndAcceptsThePlainScriptEmulation() {
        List<String> install = AwsLambdaSql.install(List.of("app"));

        assertThat(install.get(0)).contains("CREATE EXTENSION IF NOT EXISTS aws_lambda CASCADE")
                .contains("WHERE n.nspname = 'aws_lambda' AND p.proname = 'invoke'")
                .contains("needs Aurora PostgreSQL 11.9 or later");
        assertThat(install).contains("GRANT USAGE ON SCHEMA aws_lambda, aws_commons TO \"app\"");
        assertThat(AwsLambdaSql.uninstall(List.of())).contains("obj_description(e.oid, 'pg_extension') = "
                + "'installed by kms-columns installAwsLambda'");
    }
}
