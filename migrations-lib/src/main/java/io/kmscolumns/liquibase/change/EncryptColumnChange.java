package io.kmscolumns.liquibase.change;

import io.kmscolumns.liquibase.sql.BatchSql.Direction;
import liquibase.change.Change;
import liquibase.change.ChangeMetaData;
import liquibase.change.DatabaseChange;

/**
 * {@code encryptColumn}: encrypts a column's existing values in place through the KMS Lambda, in batches of one
 * Lambda invocation each, paged by primary key, skipping values already in ciphertext format. Non-text columns
 * are converted to {@code text} and {@code varchar(n)} widened, the original type recorded in the registry. By
 * default a trigger encrypts values written afterwards. Before any row changes it checks the table, the column,
 * constraints, indexes, views ({@code dependentViews}) and the table's own triggers ({@code userTriggers}), value
 * sizes and a probe through the functions. With
 * {@code runInTransaction="false"} each batch commits on its own and a rerun resumes. Rollback is
 * {@code decryptColumn} with the same attributes.
 */
@DatabaseChange(name = "encryptColumn", description = "Encrypts a column's values in place with AWS KMS",
        priority = ChangeMetaData.PRIORITY_DEFAULT, appliesTo = "column")
public class EncryptColumnChange extends ColumnCryptoChange {

    @Override
    protected String changeName() {
        return "encryptColumn";
    }

    @Override
    protected Direction direction() {
        return Direction.ENCRYPT;
    }

    @Override
    protected Change[] createInverses() {
        return new Change[] {copyTo(new DecryptColumnChange())};
    }

    @Override
    public String getConfirmationMessage() {
        return "Column " + getSchemaNameOrDefault() + "." + getTableName() + "." + getColumnName() + " encrypted";
    }

    private String getSchemaNameOrDefault() {
        return getSchemaName() == null ? DEFAULT_SCHEMA : getSchemaName();
    }
}
