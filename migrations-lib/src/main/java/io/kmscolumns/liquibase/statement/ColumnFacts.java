package io.kmscolumns.liquibase.statement;

import io.kmscolumns.liquibase.sql.KeyColumn;
import java.util.List;

/**
 * What the pre-flight checks learnt about the column from the catalog.
 *
 * @param tableOid      the table's oid
 * @param columnType    the column's type as {@code format_type} prints it
 * @param baseType      the type without length or precision
 * @param key           the primary key columns, in key order
 * @param estimatedRows the planner's row estimate (see {@link io.kmscolumns.liquibase.sql.CatalogSql#ESTIMATED_ROWS})
 */
record ColumnFacts(long tableOid, String columnType, String baseType, List<KeyColumn> key, long estimatedRows) {

    /** True when the column has a text type, so it can hold ciphertext without a type change. */
    boolean textual() {
        return "text".equals(baseType) || "character varying".equals(baseType) || "character".equals(baseType);
    }
}
