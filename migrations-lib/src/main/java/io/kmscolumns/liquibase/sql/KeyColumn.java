package io.kmscolumns.liquibase.sql;

/**
 * A primary key column, with its type as {@code format_type} prints it (used to cast a key value read back as
 * text to the column's type).
 *
 * @param name the column name
 * @param type the SQL type, from the catalog
 */
public record KeyColumn(String name, String type) {
}
