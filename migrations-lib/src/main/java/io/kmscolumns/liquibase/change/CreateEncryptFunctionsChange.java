package io.kmscolumns.liquibase.change;

import io.kmscolumns.liquibase.sql.CryptoFunctionSql;
import io.kmscolumns.liquibase.sql.FunctionSet;
import io.kmscolumns.liquibase.statement.LambdaProbe;
import io.kmscolumns.liquibase.statement.ScriptStatement;
import java.util.List;
import liquibase.ChecksumVersion;
import liquibase.change.ChangeMetaData;
import liquibase.change.ChangeParameterMetaData;
import liquibase.change.DatabaseChange;
import liquibase.change.DatabaseChangeProperty;
import liquibase.database.Database;
import liquibase.statement.SqlStatement;

/**
 * {@code createEncryptFunctions}: creates, with {@code CREATE OR REPLACE}, the encrypt and decrypt functions
 * (single value and {@code _batch}) that call the KMS Lambda through {@code aws_lambda.invoke}, the row trigger
 * function and the registry of encrypted columns, in their own schema; EXECUTE is revoked from PUBLIC and granted
 * to the encrypt and, separately, the decrypt roles. Rollback drops them, refusing while a column is still
 * encrypted with them. Under {@code update}, a probe then encrypts and decrypts a fixed text through the new
 * functions ({@code verifyLambda}). The timeouts and {@code verifyLambda} are operational and stay out of the
 * checksum.
 */
@DatabaseChange(name = "createEncryptFunctions",
        description = "Creates SQL functions that encrypt and decrypt through a KMS Lambda",
        priority = ChangeMetaData.PRIORITY_DEFAULT, appliesTo = "database")
public class CreateEncryptFunctionsChange extends KmsChange {

    /** Default schema of the functions. */
    public static final String DEFAULT_SCHEMA = "kms_crypto";
    /** Default name of the encrypt function. */
    public static final String DEFAULT_ENCRYPT = "encrypt";
    /** Default name of the decrypt function. */
    public static final String DEFAULT_DECRYPT = "decrypt";
    /** Default {@code aws_lambda.request_timeout_ms}: covers a Java cold start plus a batch of KMS calls. */
    public static final int DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
    /** Default {@code aws_lambda.connect_timeout_ms}. */
    public static final int DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
    /** Longest name of a single-value function, leaving room for the {@code _trigger} suffix. */
    static final int MAX_FUNCTION_NAME_BYTES =
            AttributeRules.MAX_IDENTIFIER_BYTES - FunctionSet.TRIGGER_SUFFIX.length();

    private String lambdaFunction;
    private String region;
    private String schemaName;
    private String encryptFunctionName;
    private String decryptFunctionName;
    private String encryptRoles;
    private String decryptRoles;
    private Integer requestTimeoutMs;
    private Integer connectTimeoutMs;
    private Boolean verifyLambda;

    /** Lambda function name, partial ARN or ARN (optionally with a qualifier). Required. */
    @DatabaseChangeProperty(description = "Lambda function name or ARN", exampleValue = "kms-crypto",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getLambdaFunction() {
        return lambdaFunction;
    }

    public void setLambdaFunction(String lambdaFunction) {
        this.lambdaFunction = lambdaFunction;
    }

    /** Lambda region; default: the ARN's region, else the database's. */
    @DatabaseChangeProperty(description = "Lambda region (default: from the ARN or the database's region)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getRegion() {
        return region;
    }

    public void setRegion(String region) {
        this.region = region;
    }

    /** Schema of the functions; default {@code kms_crypto}. */
    @DatabaseChangeProperty(description = "Schema of the functions (default kms_crypto)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getSchemaName() {
        return schemaName;
    }

    public void setSchemaName(String schemaName) {
        this.schemaName = schemaName;
    }

    /** Name of the encrypt function; default {@code encrypt}; the batch variant appends {@code _batch}. */
    @DatabaseChangeProperty(description = "Name of the encrypt function (default encrypt)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getEncryptFunctionName() {
        return encryptFunctionName;
    }

    public void setEncryptFunctionName(String encryptFunctionName) {
        this.encryptFunctionName = encryptFunctionName;
    }

    /** Name of the decrypt function; default {@code decrypt}; the batch variant appends {@code _batch}. */
    @DatabaseChangeProperty(description = "Name of the decrypt function (default decrypt)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getDecryptFunctionName() {
        return decryptFunctionName;
    }

    public void setDecryptFunctionName(String decryptFunctionName) {
        this.decryptFunctionName = decryptFunctionName;
    }

    /** Comma-separated roles allowed to encrypt. */
    @DatabaseChangeProperty(description = "Comma-separated roles allowed to call the encrypt functions",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getEncryptRoles() {
        return encryptRoles;
    }

    public void setEncryptRoles(String encryptRoles) {
        this.encryptRoles = encryptRoles;
    }

    /** Comma-separated roles allowed to decrypt. */
    @DatabaseChangeProperty(description = "Comma-separated roles allowed to call the decrypt functions",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getDecryptRoles() {
        return decryptRoles;
    }

    public void setDecryptRoles(String decryptRoles) {
        this.decryptRoles = decryptRoles;
    }

    /** {@code aws_lambda.request_timeout_ms} of the functions; default 60000. Not in the checksum. */
    @DatabaseChangeProperty(description = "aws_lambda.request_timeout_ms set on the functions (default 60000)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public Integer getRequestTimeoutMs() {
        return requestTimeoutMs;
    }

    public void setRequestTimeoutMs(Integer requestTimeoutMs) {
        this.requestTimeoutMs = requestTimeoutMs;
    }

    /** {@code aws_lambda.connect_timeout_ms} of the functions; default 3000. Not in the checksum. */
    @DatabaseChangeProperty(description = "aws_lambda.connect_timeout_ms set on the functions (default 3000)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public Integer getConnectTimeoutMs() {
        return connectTimeoutMs;
    }

    public void setConnectTimeoutMs(Integer connectTimeoutMs) {
        this.connectTimeoutMs = connectTimeoutMs;
    }

    /**
     * Whether to check, after creating the functions, that they can encrypt and decrypt through the Lambda (one
     * probe call; under {@code update} only, never in {@code updateSQL}); default true. Not in the checksum.
     */
    @DatabaseChangeProperty(description = "Probe the functions through the Lambda after creating them (default "
            + "true; false e.g. while the database cannot reach Lambda yet)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public Boolean getVerifyLambda() {
        return verifyLambda;
    }

    public void setVerifyLambda(Boolean verifyLambda) {
        this.verifyLambda = verifyLambda;
    }

    @Override
    protected String changeName() {
        return "createEncryptFunctions";
    }

    @Override
    protected void checkAttributes(AttributeRules rules) {
        rules.required("lambdaFunction", lambdaFunction);
        rules.lambdaFunction("lambdaFunction", lambdaFunction);
        rules.region("region", region);
        rules.identifier("schemaName", schemaName, AttributeRules.MAX_IDENTIFIER_BYTES);
        rules.identifier("encryptFunctionName", encryptFunctionName, MAX_FUNCTION_NAME_BYTES);
        rules.identifier("decryptFunctionName", decryptFunctionName, MAX_FUNCTION_NAME_BYTES);
        if (functionSet().encryptName().equals(functionSet().decryptName())) {
            rules.error("decryptFunctionName", "must differ from encryptFunctionName");
        }
        rules.roles("encryptRoles", encryptRoles);
        rules.roles("decryptRoles", decryptRoles);
        rules.range("requestTimeoutMs", requestTimeoutMs, 1, 900_000, " (the aws_lambda setting's range)");
        rules.range("connectTimeoutMs", connectTimeoutMs, 1, 900_000, " (the aws_lambda setting's range)");
    }

    FunctionSet functionSet() {
        return new FunctionSet(orDefault(schemaName, DEFAULT_SCHEMA), orDefault(encryptFunctionName, DEFAULT_ENCRYPT),
                orDefault(decryptFunctionName, DEFAULT_DECRYPT));
    }

    @Override
    public SqlStatement[] generateStatements(Database database) {
        if (attributeErrors().hasErrors()) {
            return new SqlStatement[0];
        }
        List<String> sql = new CryptoFunctionSql(functionSet(), lambdaFunction, region,
                AttributeRules.splitRoles(encryptRoles), AttributeRules.splitRoles(decryptRoles),
                requestTimeoutMs == null ? DEFAULT_REQUEST_TIMEOUT_MS : requestTimeoutMs,
                connectTimeoutMs == null ? DEFAULT_CONNECT_TIMEOUT_MS : connectTimeoutMs).create();
        if (printingSql(database)) {
            return printable(sql);
        }
        LambdaProbe probe = verifyLambda == null || verifyLambda
                ? new LambdaProbe(functionSet(), lambdaFunction) : null;
        return new SqlStatement[] {new ScriptStatement("createEncryptFunctions", sql, probe)};
    }

    @Override
    public boolean supportsRollback(Database database) {
        return true;
    }

    @Override
    public SqlStatement[] generateRollbackStatements(Database database) {
        if (attributeErrors().hasErrors()) {
            return new SqlStatement[0];
        }
        List<String> sql = List.of(CryptoFunctionSql.drop(functionSet()));
        if (printingSql(database)) {
            return printable(sql);
        }
        return new SqlStatement[] {new ScriptStatement("rollback of createEncryptFunctions", sql)};
    }

    @Override
    public String[] getExcludedFieldFilters(ChecksumVersion version) {
        return new String[] {"requestTimeoutMs", "connectTimeoutMs", "verifyLambda"};
    }

    @Override
    public String getConfirmationMessage() {
        FunctionSet functions = functionSet();
        return "Encrypt/decrypt functions " + functions.encrypt() + " and " + functions.decrypt()
                + " (with _batch variants) created, calling Lambda " + lambdaFunction;
    }

    static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
