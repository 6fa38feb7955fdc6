package io.kmscolumns.liquibase.change;

import io.kmscolumns.liquibase.sql.BatchSql.Direction;
import io.kmscolumns.liquibase.sql.CatalogSql;
import io.kmscolumns.liquibase.sql.ColumnRef;
import io.kmscolumns.liquibase.sql.EncryptionContext;
import io.kmscolumns.liquibase.sql.FunctionSet;
import io.kmscolumns.liquibase.statement.ColumnConversionStatement;
import io.kmscolumns.liquibase.statement.DependentViewPolicy;
import io.kmscolumns.liquibase.statement.KmsColumnsConfiguration;
import io.kmscolumns.liquibase.statement.UserTriggerPolicy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import liquibase.ChecksumVersion;
import liquibase.Scope;
import liquibase.change.ChangeParameterMetaData;
import liquibase.change.DatabaseChangeProperty;
import liquibase.changelog.ChangeSet;
import liquibase.database.Database;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.ValidationErrors;
import liquibase.statement.SqlStatement;

/**
 * Attributes and behaviour shared by {@code encryptColumn} and {@code decryptColumn}: the column, the function
 * set, the encryption context, batching, the trigger, and how dependent views and the table's own triggers are
 * handled. Batch size, pause, {@code dependentViews} and {@code userTriggers} stay out of the checksum: they govern
 * how a run proceeds, not the column's end state, and adding one to an applied changeset (say, so that its
 * rollback may recreate views added since) must not invalidate it.
 */
public abstract class ColumnCryptoChange extends KmsChange {

    /** Default schema of the table. */
    public static final String DEFAULT_SCHEMA = "public";
    /** Default rows per batch (and per Lambda invocation). */
    public static final int DEFAULT_BATCH_SIZE = 500;
    /** Most rows per batch: the Lambda accepts at most this many values per request. */
    public static final int MAX_BATCH_SIZE = 1000;

    private String schemaName;
    private String tableName;
    private String columnName;
    private String functionsSchemaName;
    private String encryptFunctionName;
    private String decryptFunctionName;
    private Integer batchSize;
    private String encryptionContext;
    private Boolean installTrigger;
    private Integer pauseMillis;
    private String dependentViews;
    private String userTriggers;

    /** Which way this change converts. */
    protected abstract Direction direction();

    /** Schema of the table; default {@code public}. */
    @DatabaseChangeProperty(description = "Schema of the table (default public)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getSchemaName() {
        return schemaName;
    }

    public void setSchemaName(String schemaName) {
        this.schemaName = schemaName;
    }

    /** The table. Required. */
    @DatabaseChangeProperty(description = "The table", requiredForDatabase = ChangeParameterMetaData.NONE,
            supportsDatabase = ChangeParameterMetaData.ALL)
    public String getTableName() {
        return tableName;
    }

    public void setTableName(String tableName) {
        this.tableName = tableName;
    }

    /** The column. Required. */
    @DatabaseChangeProperty(description = "The column", requiredForDatabase = ChangeParameterMetaData.NONE,
            supportsDatabase = ChangeParameterMetaData.ALL)
    public String getColumnName() {
        return columnName;
    }

    public void setColumnName(String columnName) {
        this.columnName = columnName;
    }

    /** Schema of the encrypt/decrypt functions; default {@code kms_crypto}. */
    @DatabaseChangeProperty(description = "Schema of the encrypt/decrypt functions (default kms_crypto)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getFunctionsSchemaName() {
        return functionsSchemaName;
    }

    public void setFunctionsSchemaName(String functionsSchemaName) {
        this.functionsSchemaName = functionsSchemaName;
    }

    /** Name of the encrypt function; default {@code encrypt}. */
    @DatabaseChangeProperty(description = "Name of the encrypt function (default encrypt)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getEncryptFunctionName() {
        return encryptFunctionName;
    }

    public void setEncryptFunctionName(String encryptFunctionName) {
        this.encryptFunctionName = encryptFunctionName;
    }

    /** Name of the decrypt function; default {@code decrypt}. */
    @DatabaseChangeProperty(description = "Name of the decrypt function (default decrypt)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getDecryptFunctionName() {
        return decryptFunctionName;
    }

    public void setDecryptFunctionName(String decryptFunctionName) {
        this.decryptFunctionName = decryptFunctionName;
    }

    /** Rows per batch and per Lambda invocation, 1 to 1000; default 500. Not in the checksum. */
    @DatabaseChangeProperty(description = "Rows per batch and per Lambda invocation, 1 to 1000 (default 500)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public Integer getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(Integer batchSize) {
        this.batchSize = batchSize;
    }

    /**
     * KMS encryption context, a JSON object of strings; default {@code {"table":"<schema>.<table>",
     * "column":"<column>"}}. Decryption must use the same. Logged in clear by CloudTrail: never secrets.
     */
    @DatabaseChangeProperty(description = "KMS encryption context, a JSON object of string values "
            + "(default {\"table\":\"<schema>.<table>\",\"column\":\"<column>\"})",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getEncryptionContext() {
        return encryptionContext;
    }

    public void setEncryptionContext(String encryptionContext) {
        this.encryptionContext = encryptionContext;
    }

    /** Whether encryptColumn installs a trigger that encrypts rows written afterwards; default true. */
    @DatabaseChangeProperty(description = "Install a trigger that encrypts values written later (default true)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public Boolean getInstallTrigger() {
        return installTrigger;
    }

    public void setInstallTrigger(Boolean installTrigger) {
        this.installTrigger = installTrigger;
    }

    /** Pause between batches in milliseconds, 0 to 900000; default 0. Not in the checksum. */
    @DatabaseChangeProperty(description = "Pause between batches in milliseconds (default 0)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public Integer getPauseMillis() {
        return pauseMillis;
    }

    public void setPauseMillis(Integer pauseMillis) {
        this.pauseMillis = pauseMillis;
    }

    /**
     * Views and materialized views that read the column: {@code refuse} (default) or {@code recreate} (dropped and
     * recreated unchanged around the column's type change, in one transaction; their readers then see ciphertext).
     * Not in the checksum.
     */
    @DatabaseChangeProperty(description = "Views reading the column: refuse (default) or recreate (dropped and "
            + "recreated unchanged around the type change; they then show ciphertext)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getDependentViews() {
        return dependentViews;
    }

    public void setDependentViews(String dependentViews) {
        this.dependentViews = dependentViews;
    }

    /**
     * The table's own enabled triggers that fire on the batches' UPDATE: {@code refuse} (default), {@code fire}
     * (with a warning) or {@code skip} (batches run with {@code session_replication_role = replica}; needs superuser
     * or rds_superuser). Not in the checksum.
     */
    @DatabaseChangeProperty(description = "The table's own UPDATE triggers: refuse (default), fire or skip "
            + "(session_replication_role = replica; needs superuser or rds_superuser)",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getUserTriggers() {
        return userTriggers;
    }

    public void setUserTriggers(String userTriggers) {
        this.userTriggers = userTriggers;
    }

    @Override
    protected void checkAttributes(AttributeRules rules) {
        rules.identifier("schemaName", schemaName, AttributeRules.MAX_IDENTIFIER_BYTES);
        rules.required("tableName", tableName);
        rules.identifier("tableName", tableName, AttributeRules.MAX_IDENTIFIER_BYTES);
        rules.required("columnName", columnName);
        rules.identifier("columnName", columnName, AttributeRules.MAX_IDENTIFIER_BYTES);
        rules.identifier("functionsSchemaName", functionsSchemaName, AttributeRules.MAX_IDENTIFIER_BYTES);
        rules.identifier("encryptFunctionName", encryptFunctionName,
                CreateEncryptFunctionsChange.MAX_FUNCTION_NAME_BYTES);
        rules.identifier("decryptFunctionName", decryptFunctionName,
                CreateEncryptFunctionsChange.MAX_FUNCTION_NAME_BYTES);
        rules.range("batchSize", batchSize, 1, MAX_BATCH_SIZE, " (the Lambda accepts at most " + MAX_BATCH_SIZE
                + " values per request)");
        rules.encryptionContext("encryptionContext", encryptionContext);
        rules.range("pauseMillis", pauseMillis, 0, 900_000, "");
        rules.oneOf("dependentViews", dependentViews, "refuse", "recreate");
        rules.oneOf("userTriggers", userTriggers, "refuse", "fire", "skip");
    }

    /** The column converted. Call only when the attributes are valid. */
    public ColumnRef column() {
        return new ColumnRef(orDefault(schemaName, DEFAULT_SCHEMA), tableName, columnName);
    }

    /** The function set used. */
    public FunctionSet functionSet() {
        return new FunctionSet(
                orDefault(functionsSchemaName, CreateEncryptFunctionsChange.DEFAULT_SCHEMA),
                orDefault(encryptFunctionName, CreateEncryptFunctionsChange.DEFAULT_ENCRYPT),
                orDefault(decryptFunctionName, CreateEncryptFunctionsChange.DEFAULT_DECRYPT));
    }

    /** The encryption context as canonical JSON. Call only when the attributes are valid. */
    public String contextJson() {
        ColumnRef column = column();
        EncryptionContext context = encryptionContext == null
                ? EncryptionContext.defaultFor(column.schema(), column.table(), column.column())
                : EncryptionContext.parse(encryptionContext);
        return context.toJson();
    }

    @Override
    public SqlStatement[] generateStatements(Database database) {
        if (attributeErrors().hasErrors()) {
            return new SqlStatement[0];
        }
        ColumnConversionStatement statement = new ColumnConversionStatement(direction(), column(), functionSet(),
                contextJson(), batchSize == null ? DEFAULT_BATCH_SIZE : batchSize,
                pauseMillis == null ? 0 : pauseMillis, installTrigger == null || installTrigger,
                DependentViewPolicy.of(dependentViews), UserTriggerPolicy.of(userTriggers));
        if (printingSql(database)) {
            return printable(statement.printableSql());
        }
        return new SqlStatement[] {statement};
    }

    @Override
    public ValidationErrors validate(Database database) {
        ValidationErrors errors = super.validate(database);
        if (!errors.hasErrors()) {
            checkTransactionSize(database, errors);
        }
        return errors;
    }

    /**
     * Demands {@code runInTransaction="false"} when the table is estimated above
     * {@link KmsColumnsConfiguration#TRANSACTIONAL_ROW_LIMIT} rows. Needs a live connection; offline (or before
     * the table exists) the same rule is enforced when the change runs, before any row changes.
     */
    private void checkTransactionSize(Database database, ValidationErrors errors) {
        ChangeSet changeSet = getChangeSet();
        if (database == null || changeSet == null || !changeSet.isRunInTransaction()
                || !(database.getConnection() instanceof JdbcConnection jdbc)) {
            return;
        }
        ColumnRef column = column();
        long limit = KmsColumnsConfiguration.TRANSACTIONAL_ROW_LIMIT.getCurrentValue();
        try {
            Connection connection = jdbc.getUnderlyingConnection();
            try (PreparedStatement query = connection.prepareStatement(CatalogSql.ESTIMATED_ROWS_BY_NAME)) {
                query.setString(1, column.schema());
                query.setString(2, column.table());
                try (ResultSet row = query.executeQuery()) {
                    if (row.next() && row.getLong(1) > limit) {
                        errors.addError(changeName() + ": table " + column.schema() + "." + column.table()
                                + " has about " + row.getLong(1) + " rows, more than " + limit + " (setting "
                                + KmsColumnsConfiguration.TRANSACTIONAL_ROW_LIMIT.getKey() + "); set "
                                + "runInTransaction=\"false\" on changeset " + changeSet.getId()
                                + " so each batch commits on its own");
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            Scope.getCurrentScope().getLog(getClass()).fine("Could not estimate the size of " + column.display()
                    + " during validation; the check runs again before any row changes: " + e.getMessage());
        }
    }

    @Override
    public String[] getExcludedFieldFilters(ChecksumVersion version) {
        return new String[] {"batchSize", "pauseMillis", "dependentViews", "userTriggers"};
    }

    private static String orDefault(String value, String fallback) {
        return CreateEncryptFunctionsChange.orDefault(value, fallback);
    }

    /** Copies every attribute to another column change (for rollback). */
    protected <T extends ColumnCryptoChange> T copyTo(T other) {
        other.setSchemaName(schemaName);
        other.setTableName(tableName);
        other.setColumnName(columnName);
        other.setFunctionsSchemaName(functionsSchemaName);
        other.setEncryptFunctionName(encryptFunctionName);
        other.setDecryptFunctionName(decryptFunctionName);
        other.setBatchSize(batchSize);
        other.setEncryptionContext(encryptionContext);
        other.setInstallTrigger(installTrigger);
        other.setPauseMillis(pauseMillis);
        other.setDependentViews(dependentViews);
        other.setUserTriggers(userTriggers);
        return other;
    }
}
