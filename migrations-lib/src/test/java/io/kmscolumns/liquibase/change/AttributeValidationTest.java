package io.kmscolumns.liquibase.change;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import liquibase.database.core.MySQLDatabase;
import liquibase.database.core.PostgresDatabase;
import org.junit.jupiter.api.Test;

class AttributeValidationTest {

    private static final PostgresDatabase POSTGRES = new PostgresDatabase();

    @Test
    void encryptColumnWithoutTableOrColumnNamesBoth() {
        List<String> errors = new EncryptColumnChange().validate(POSTGRES).getErrorMessages();

        assertThat(errors).containsExactly(
                "encryptColumn: attribute tableName is required",
                "encryptColumn: attribute columnName is required");
    }

    @Test
    void identifiersMustBePlainPostgresNames() {
        EncryptColumnChange change = column();
        change.setTableName("customers; drop table x");
        change.setSchemaName("1crm");
        change.setColumnName("e".repeat(64));

        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "encryptColumn: attribute schemaName must be a PostgreSQL identifier (a letter or _ followed by "
                        + "letters, digits, _ or $; matched exactly, case-sensitive); got \"1crm\"",
                "encryptColumn: attribute tableName must be a PostgreSQL identifier (a letter or _ followed by "
                        + "letters, digits, _ or $; matched exactly, case-sensitive); got \"customers; drop table x\"",
                "encryptColumn: attribute columnName must be at most 63 bytes long; got \"" + "e".repeat(64) + "\"");
    }

    @Test
    void batchSizeMustBePositiveAndAtMostTheLambdasLimit() {
        EncryptColumnChange change = column();
        change.setBatchSize(0);
        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "encryptColumn: attribute batchSize must be between 1 and 1000 (the Lambda accepts at most 1000 "
                        + "values per request); got 0");

        change.setBatchSize(1001);
        assertThat(change.validate(POSTGRES).getErrorMessages()).hasSize(1);

        change.setBatchSize(1000);
        assertThat(change.validate(POSTGRES).hasErrors()).isFalse();
    }

    @Test
    void pauseMillisMustNotBeNegative() {
        DecryptColumnChange change = new DecryptColumnChange();
        change.setTableName("t");
        change.setColumnName("c");
        change.setPauseMillis(-1);

        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "decryptColumn: attribute pauseMillis must be between 0 and 900000; got -1");
    }

    @Test
    void dependentViewsAndUserTriggersAcceptOnlyTheirValues() {
        EncryptColumnChange change = column();
        change.setDependentViews("cascade");
        change.setUserTriggers("disable");

        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "encryptColumn: attribute dependentViews must be one of refuse, recreate; got \"cascade\"",
                "encryptColumn: attribute userTriggers must be one of refuse, fire, skip; got \"disable\"");

        for (String views : List.of("refuse", "recreate")) {
            for (String triggers : List.of("refuse", "fire", "skip")) {
                change.setDependentViews(views);
                change.setUserTriggers(triggers);
                assertThat(change.validate(POSTGRES).hasErrors()).as(views + "/" + triggers).isFalse();
            }
        }
    }

    @Test
    void encryptionContextWithADuplicateKeyNamesTheKey() {
        EncryptColumnChange change = column();
        change.setEncryptionContext("{\"a\": \"1\", \"b\": \"2\", \"a\": \"3\"}");

        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "encryptColumn: attribute encryptionContext has duplicate key 'a' (each key may appear once)");
    }

    @Test
    void encryptionContextMustBeAJsonObjectOfStrings() {
        EncryptColumnChange change = column();

        change.setEncryptionContext("[\"a\"]");
        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "encryptColumn: attribute encryptionContext must be a JSON object such as {\"tenant\":\"acme\"}");

        change.setEncryptionContext("{\"tenant\": 42}");
        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "encryptColumn: attribute encryptionContext value of \"tenant\" must be a string (KMS encryption "
                        + "context values are strings only)");

        change.setEncryptionContext("{\"tenant\": {\"nested\": \"x\"}}");
        assertThat(change.validate(POSTGRES).getErrorMessages()).hasSize(1);

        change.setEncryptionContext("{\"tenant\": \"acme\", \"tenant\": \"other\"}");
        assertThat(change.validate(POSTGRES).getErrorMessages()).hasSize(1);

        change.setEncryptionContext("{\"tenant\": \"acme\"");
        assertThat(change.validate(POSTGRES).getErrorMessages()).hasSize(1);

        change.setEncryptionContext("{\"tenant\": \"acme\", \"quote\": \"it's \\\"x\\\"\"}");
        assertThat(change.validate(POSTGRES).hasErrors()).isFalse();
    }

    @Test
    void createEncryptFunctionsNeedsALambdaAndValidNames() {
        CreateEncryptFunctionsChange change = new CreateEncryptFunctionsChange();
        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "createEncryptFunctions: attribute lambdaFunction is required");

        change.setLambdaFunction("not a function!");
        change.setRegion("Europe");
        change.setEncryptFunctionName("same");
        change.setDecryptFunctionName("same");
        change.setRequestTimeoutMs(0);
        change.setConnectTimeoutMs(900_001);
        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "createEncryptFunctions: attribute lambdaFunction must be a Lambda function name, partial ARN or "
                        + "ARN (optionally with :qualifier), such as kms-crypto or "
                        + "arn:aws:lambda:us-east-1:123456789012:function:kms-crypto; got \"not a function!\"",
                "createEncryptFunctions: attribute region must be an AWS region such as eu-west-1; got \"Europe\"",
                "createEncryptFunctions: attribute decryptFunctionName must differ from encryptFunctionName",
                "createEncryptFunctions: attribute requestTimeoutMs must be between 1 and 900000 (the aws_lambda "
                        + "setting's range); got 0",
                "createEncryptFunctions: attribute connectTimeoutMs must be between 1 and 900000 (the aws_lambda "
                        + "setting's range); got 900001");
    }

    @Test
    void lambdaFunctionAcceptsNamePartialArnArnAndQualifier() {
        for (String function : List.of("kms-crypto", "123456789012:function:kms-crypto",
                "arn:aws:lambda:eu-west-1:123456789012:function:kms-crypto",
                "arn:aws:lambda:eu-west-1:123456789012:function:kms-crypto:live", "kms-crypto:$LATEST")) {
            CreateEncryptFunctionsChange change = new CreateEncryptFunctionsChange();
            change.setLambdaFunction(function);
            assertThat(change.validate(POSTGRES).hasErrors()).as(function).isFalse();
        }
    }

    @Test
    void functionNamesLeaveRoomForTheirSuffixes() {
        CreateEncryptFunctionsChange change = new CreateEncryptFunctionsChange();
        change.setLambdaFunction("kms-crypto");
        change.setEncryptFunctionName("e".repeat(56));

        assertThat(change.validate(POSTGRES).getErrorMessages()).containsExactly(
                "createEncryptFunctions: attribute encryptFunctionName must be at most 55 bytes long; got \""
                        + "e".repeat(56) + "\"");
    }

    @Test
    void roleListsRejectEmptyEntriesAndPublic() {
        InstallAwsLambdaChange install = new InstallAwsLambdaChange();
        install.setGrantTo("app,,other");
        assertThat(install.validate(POSTGRES).getErrorMessages()).containsExactly(
                "installAwsLambda: attribute grantTo must be a comma-separated list of role names without empty "
                        + "entries");

        CreateEncryptFunctionsChange functions = new CreateEncryptFunctionsChange();
        functions.setLambdaFunction("kms-crypto");
        functions.setDecryptRoles("reader, PUBLIC");
        assertThat(functions.validate(POSTGRES).getErrorMessages()).containsExactly(
                "createEncryptFunctions: attribute decryptRoles must not name PUBLIC: the functions are meant for "
                        + "the listed roles only");
    }

    @Test
    void otherDatabasesAreRefusedByName() {
        assertThat(column().validate(new MySQLDatabase()).getErrorMessages()).containsExactly(
                "encryptColumn needs PostgreSQL (Aurora PostgreSQL or RDS for PostgreSQL); this database is mysql");
    }

    @Test
    void generateStatementsOnAnEmptyInstanceReturnsNothingAndDoesNotThrow() {
        assertThat(new EncryptColumnChange().generateStatements(POSTGRES)).isEmpty();
        assertThat(new DecryptColumnChange().generateStatements(POSTGRES)).isEmpty();
        assertThat(new CreateEncryptFunctionsChange().generateStatements(POSTGRES)).isEmpty();
        assertThat(new InstallAwsLambdaChange().generateStatements(POSTGRES)).isNotEmpty();
        assertThat(new EncryptColumnChange().generateStatements(null)).isEmpty();
    }

    private static EncryptColumnChange column() {
        EncryptColumnChange change = new EncryptColumnChange();
        change.setTableName("customers");
        change.setColumnName("email");
        return change;
    }
}
