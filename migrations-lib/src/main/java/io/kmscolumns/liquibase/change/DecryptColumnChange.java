package io.kmscolumns.liquibase.change;

import io.kmscolumns.liquibase.sql.BatchSql.Direction;
import liquibase.change.Change;
import liquibase.change.ChangeMetaData;
import liquibase.change.DatabaseChange;

/**
 * {@code decryptColumn}: the inverse of {@code encryptColumn}. Decrypts every ciphertext value in batches
 * (plaintext values are left alone) while the row trigger keeps encrypting other sessions' writes, then removes
 * the trigger and restores the type recorded in the registry, refusing with the column left as text when a value
 * no longer fits it. Views that would block restoring the type and the table's own triggers are handled as
 * {@code dependentViews} and {@code userTriggers} say, checked before any row changes. Usable on its own; rollback
 * is {@code encryptColumn} with the same attributes.
 */
@DatabaseChange(name = "decryptColumn", description = "Decrypts a column encrypted by encryptColumn",
        priority = ChangeMetaData.PRIORITY_DEFAULT, appliesTo = "column")
public class DecryptColumnChange extends ColumnCryptoChange {

    @Override
    protected String changeName() {
        return "decryptColumn";
    }

    @Override
    protected Direction direction() {
        return Direction.DECRYPT;
    }

    @Override
    protected Change[] createInverses() {
        return new Change[] {copyTo(new EncryptColumnChange())};
    }

    @Override
    public String getConfirmationMessage() {
        return "Column " + (getSchemaName() == null ? DEFAULT_SCHEMA : getSchemaName()) + "." + getTableName() + "."
                + getColumnName() + " decrypted";
    }
}
