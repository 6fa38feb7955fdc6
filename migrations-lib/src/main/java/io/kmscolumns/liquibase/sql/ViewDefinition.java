package io.kmscolumns.liquibase.sql;

import java.util.List;

/**
 * A view or materialized view as captured from the catalog before it is dropped, with everything needed to recreate
 * it unchanged.
 *
 * @param schema         its schema
 * @param name           its name
 * @param materialized   true for a materialized view
 * @param query          its query as {@code pg_get_viewdef} prints it (names qualified), without the final {@code ;}
 * @param options        its {@code reloptions} as {@code name=value} (e.g. {@code security_barrier=true},
 *                       {@code check_option=local})
 * @param tablespace     a materialized view's tablespace when not the database default, else null
 * @param populated      whether a materialized view holds data ({@code WITH DATA})
 * @param owner          its owner
 * @param comment        its comment, or null
 * @param columnComments comments on its columns
 * @param columnDefaults default expressions of its columns (as {@code pg_get_expr} prints them)
 * @param grants         privileges granted to roles other than the owner, on the view or on its columns
 * @param dependentDdl   statements recreating its indexes and triggers ({@code pg_get_indexdef},
 *                       {@code pg_get_triggerdef})
 */
public record ViewDefinition(String schema, String name, boolean materialized, String query, List<String> options,
        String tablespace, boolean populated, String owner, String comment, List<ColumnText> columnComments,
        List<ColumnText> columnDefaults, List<Grant> grants, List<String> dependentDdl) {

    /** Compact constructor: copies the lists. */
    public ViewDefinition {
        options = List.copyOf(options);
        columnComments = List.copyOf(columnComments);
        columnDefaults = List.copyOf(columnDefaults);
        grants = List.copyOf(grants);
        dependentDdl = List.copyOf(dependentDdl);
    }

    /** Quoted, qualified name. */
    public String qualifiedName() {
        return SqlText.qualified(schema, name);
    }

    /** {@code view schema.name} or {@code materialized view schema.name}, for messages. */
    public String display() {
        return (materialized ? "materialized view " : "view ") + schema + "." + name;
    }

    /**
     * A text attached to one column of the view: a comment or a default expression.
     *
     * @param column the column
     * @param text   the comment, or the default expression as SQL
     */
    public record ColumnText(String column, String text) {
    }

    /**
     * One privilege granted on the view or on one of its columns.
     *
     * @param column    the column, or null for the whole view
     * @param grantee   the role, or null for {@code PUBLIC}
     * @param privilege {@code SELECT}, {@code INSERT}, ... as {@code aclexplode} names it
     * @param grantable whether it was granted {@code WITH GRANT OPTION}
     */
    public record Grant(String column, String grantee, String privilege, boolean grantable) {
    }
}
