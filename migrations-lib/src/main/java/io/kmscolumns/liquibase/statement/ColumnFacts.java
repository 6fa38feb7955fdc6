package io.kmscolumns.liquibase.statement;

import io.kmscolumns.liquibase.sql.KeyColumn;
import java.util.List;

/**
 * What the pre-flight checks learnt about the column from the catalog.
 *
 * @param tableOid       the table's oid
 * @param columnType     the column's type as {@code format_type} prints it
 * @param baseType       the type without length or precision
 * @param key            the primary key columns, in key order
 * @param estimatedRows  the planner's row estimate (see {@link io.kmscolumns.liquibase.sql.CatalogSql#ESTIMATED_ROWS})
 * @param typeChange     whether the change alters the column's type (to text when encrypting, back to the recorded
 *                       type when decrypting)
 * @param views          views reading the column, directly or through other views, in creation order
 * @param firingTriggers the table's own triggers that fire on the batches' UPDATE and are allowed to
 *                       ({@code userTriggers="fire"}), as {@code trigger t on x}
 */
record ColumnFacts(long tableOid, String columnType, String baseType, List<KeyColumn> key, long estimatedRows,
        boolean typeChange, List<DependentView> views, List<String> firingTriggers) {

    ColumnFacts {
        key = List.copyOf(key);
        views = List.copyOf(views);
        firingTriggers = List.copyOf(firingTriggers);
    }

    /** True when the column has a text type, so it can hold ciphertext without a type change. */
    boolean textual() {
        return "text".equals(baseType) || "character varying".equals(baseType) || "character".equals(baseType);
    }

    /**
     * A view or materialized view that reads the column, directly (depth 1) or through other views.
     *
     * @param oid          its oid
     * @param display      its name as {@code regclass} prints it
     * @param materialized true for a materialized view
     * @param depth        1 when it reads the column, else one more than the deepest view it reads
     */
    record DependentView(long oid, String display, boolean materialized, int depth) {

        String describe() {
            return (materialized ? "materialized view " : "view ") + display;
        }
    }
}
