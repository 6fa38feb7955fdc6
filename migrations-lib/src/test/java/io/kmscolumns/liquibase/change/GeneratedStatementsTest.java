package io.kmscolumns.liquibase.change;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmscolumns.liquibase.statement.ColumnConversionStatement;
import io.kmscolumns.liquibase.statement.ScriptStatement;
import java.util.Arrays;
import liquibase.change.Change;
import liquibase.database.core.PostgresDatabase;
import liquibase.sql.Sql;
import liquibase.sqlgenerator.SqlGeneratorFactory;
import liquibase.statement.SqlStatement;
import org.junit.jupiter.api.Test;

class GeneratedStatementsTest {

    private static final PostgresDatabase POSTGRES = new PostgresDatabase();

    @Test
    void encryptColumnRunsAsOneExecutableStatementWhosePrintedSqlConvertsInBatches() {
        EncryptColumnChange change = new EncryptColumnChange();
        change.setTableName("customers");
        change.setColumnName("email");
        change.setBatchSize(200);

        SqlStatement[] statements = change.generateStatements(POSTGRES);

        assertThat(statements).singleElement().isInstanceOf(ColumnConversionStatement.class);
        String printed = sql(statements[0]);
        assertThat(printed).contains("TYPE text USING \"email\"::text")
                .contains("CREATE TRIGGER \"kms_encrypt_email\"")
                .contains("LIMIT 200")
                .contains("'{\"table\":\"public.customers\",\"column\":\"email\"}'::jsonb")
                .contains("\"kms_crypto\".\"encrypt_batch\"(");
    }

    @Test
    void encryptColumnWithoutTriggerPrintsNoTrigger() {
        EncryptColumnChange change = new EncryptColumnChange();
        change.setTableName("customers");
        change.setColumnName("email");
        change.setInstallTrigger(false);

        assertThat(sql(change.generateStatements(POSTGRES)[0])).doesNotContain("CREATE TRIGGER");
    }

    @Test
    void rollbackOfEncryptColumnIsDecryptColumnWithTheSameAttributes() {
        EncryptColumnChange change = new EncryptColumnChange();
        change.setSchemaName("crm");
        change.setTableName("customers");
        change.setColumnName("email");
        change.setEncryptionContext("{\"tenant\":\"acme\"}");
        change.setBatchSize(50);
        change.setDependentViews("recreate");
        change.setUserTriggers("skip");

        Change[] inverses = change.createInverses();

        assertThat(inverses).singleElement().isInstanceOf(DecryptColumnChange.class);
        DecryptColumnChange decrypt = (DecryptColumnChange) inverses[0];
        assertThat(decrypt.contextJson()).isEqualTo(change.contextJson());
        assertThat(decrypt.getBatchSize()).isEqualTo(50);
        assertThat(decrypt.getDependentViews()).isEqualTo("recreate");
        assertThat(decrypt.getUserTriggers()).isEqualTo("skip");
        String printed = sql(decrypt.generateStatements(POSTGRES)[0]);
        assertThat(printed).contains("DROP TRIGGER IF EXISTS \"kms_encrypt_email\" ON \"crm\".\"customers\"")
                .contains("\"kms_crypto\".\"decrypt_batch\"(")
                .contains("DELETE FROM \"kms_crypto\".\"encrypted_columns\"");
        assertThat(printed.indexOf("DROP TRIGGER")).isLessThan(printed.indexOf("decrypt_batch"));
    }

    @Test
    void printedSqlSaysHowViewsAndTriggersAreHandled() {
        EncryptColumnChange change = new EncryptColumnChange();
        change.setTableName("customers");
        change.setColumnName("email");
        change.setDependentViews("recreate");
        change.setUserTriggers("skip");

        assertThat(sql(change.generateStatements(POSTGRES)[0]))
                .contains("-- dependentViews=\"recreate\": views reading the column are dropped and recreated")
                .contains("-- userTriggers=\"skip\": each batch runs in a transaction after SET LOCAL "
                        + "session_replication_role = replica");
    }

    @Test
    void createEncryptFunctionsRollsBackByDroppingTheFunctions() throws Exception {
        CreateEncryptFunctionsChange change = new CreateEncryptFunctionsChange();
        change.setLambdaFunction("kms-crypto");

        assertThat(change.supportsRollback(POSTGRES)).isTrue();
        SqlStatement[] rollback = change.generateRollbackStatements(POSTGRES);
        assertThat(rollback).singleElement().isInstanceOf(ScriptStatement.class);
        assertThat(sql(rollback[0])).contains("DROP FUNCTION IF EXISTS \"kms_crypto\".\"encrypt_batch\"(text[], jsonb)")
                .contains("are still encrypted with them");
    }

    @Test
    void installAwsLambdaRollsBackOnlyWhatItCreated() throws Exception {
        InstallAwsLambdaChange change = new InstallAwsLambdaChange();
        change.setGrantTo("app");

        assertThat(sql(change.generateRollbackStatements(POSTGRES)[0]))
                .contains("REVOKE USAGE ON SCHEMA aws_lambda, aws_commons FROM \"app\"")
                .contains("= 'installed by kms-columns installAwsLambda'");
    }

    private static String sql(SqlStatement statement) {
        Sql[] sql = SqlGeneratorFactory.getInstance().generateSql(statement, POSTGRES);
        return String.join(";\n", Arrays.stream(sql).map(Sql::toSql).toList());
    }

}
