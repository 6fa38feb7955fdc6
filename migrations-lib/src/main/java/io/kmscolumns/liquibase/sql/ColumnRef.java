package io.kmscolumns.liquibase.sql;

/**
 * A column of a table, by schema, table and column name (exact, case-sensitive catalog names).
 *
 * @param schema the table's schema
 * @param table  the table
 * @param column the column
 */
public record ColumnRef(String schema, String table, String column) {

    /** Quoted, qualified table name. */
    public String qualifiedTable() {
        return SqlText.qualified(schema, table);
    }

    /** Quoted column name. */
    public String quotedColumn() {
        return SqlText.identifier(column);
    }

    /** Human-readable {@code schema.table.column}, for messages. */
    public String display() {
        return schema + "." + table + "." + column;
    }

    /**
     * Name of the row trigger encryptColumn installs: {@code kms_encrypt_<column>}, cut to PostgreSQL's 63-byte
     * identifier limit so the server never truncates it differently.
     */
    public String triggerName() {
        String name = "kms_encrypt_" + column;
        while (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
            name = name.substring(0, name.length() - 1);
        }
        return name;
    }
}
