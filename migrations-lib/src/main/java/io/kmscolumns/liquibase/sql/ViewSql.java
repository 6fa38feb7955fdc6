package io.kmscolumns.liquibase.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Capturing, dropping, recreating and refreshing the views that read an encrypted column, for
 * {@code dependentViews="recreate"}. The capture queries read the catalog only; the DDL is generated from a
 * {@link ViewDefinition}, and runs with {@code search_path} set to {@code pg_catalog, pg_temp} as the capture does,
 * so {@code pg_get_viewdef} qualifies every name and the recreated view binds to the same objects.
 *
 * @see <a href="https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-CATALOG">
 *     pg_get_viewdef and related functions</a>
 */
public final class ViewSql {

    /** The view itself: parameter view oid. */
    public static final String VIEW = """
            SELECT n.nspname, c.relname, c.relkind = 'm' AS materialized,
                   pg_catalog.pg_get_viewdef(c.oid) AS query, c.reloptions::text[] AS options,
                   ts.spcname AS tablespace, c.relispopulated AS populated,
                   pg_catalog.pg_get_userbyid(c.relowner) AS owner,
                   pg_catalog.obj_description(c.oid, 'pg_class') AS comment
              FROM pg_catalog.pg_class AS c
              JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_tablespace AS ts ON ts.oid = c.reltablespace
             WHERE c.oid = ?""";

    /** Comments on the view's columns: parameter view oid; rows of column, comment. */
    public static final String COLUMN_COMMENTS = """
            SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum)
              FROM pg_catalog.pg_attribute AS a
             WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
               AND pg_catalog.col_description(a.attrelid, a.attnum) IS NOT NULL
             ORDER BY a.attnum""";

    /** Default expressions of the view's columns: parameter view oid; rows of column, expression. */
    public static final String COLUMN_DEFAULTS = """
            SELECT a.attname, pg_catalog.pg_get_expr(d.adbin, d.adrelid)
              FROM pg_catalog.pg_attrdef AS d
              JOIN pg_catalog.pg_attribute AS a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
             WHERE d.adrelid = ?
             ORDER BY a.attnum""";

    /**
     * Privileges granted to roles other than the owner on the view and on its columns: parameters view oid, view
     * oid; rows of column (NULL for the view), grantee (NULL for PUBLIC), privilege, grantable.
     */
    public static final String GRANTS = """
            SELECT NULL::name AS column_name,
                   CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee) END AS grantee,
                   x.privilege_type, x.is_grantable
              FROM pg_catalog.pg_class AS c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) AS x
             WHERE c.oid = ? AND x.grantee <> c.relowner
            UNION ALL
            SELECT a.attname,
                   CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
                   x.privilege_type, x.is_grantable
              FROM pg_catalog.pg_attribute AS a
              JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid
             CROSS JOIN LATERAL pg_catalog.aclexplode(a.attacl) AS x
             WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped AND x.grantee <> c.relowner
             ORDER BY 1 NULLS FIRST, 2 NULLS FIRST, 3""";

    /** Statements recreating the view's indexes and triggers: parameters view oid, view oid. */
    public static final String DEPENDENT_DDL = """
            SELECT pg_catalog.pg_get_indexdef(i.indexrelid) FROM pg_catalog.pg_index AS i WHERE i.indrelid = ?
            UNION ALL
            SELECT pg_catalog.pg_get_triggerdef(t.oid) FROM pg_catalog.pg_trigger AS t
             WHERE t.tgrelid = ? AND NOT t.tgisinternal""";

    /** Sets {@code search_path} for capture and recreation, local to the transaction; returns the previous one. */
    public static final String PIN_SEARCH_PATH = """
            SELECT pg_catalog.current_setting('search_path'),
                   pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true)""";

    /** Restores the {@code search_path} returned by {@link #PIN_SEARCH_PATH}: parameter the previous value. */
    public static final String RESTORE_SEARCH_PATH = "SELECT pg_catalog.set_config('search_path', ?, true)";

    private static final Pattern OPTION_NAME = Pattern.compile("[a-z_][a-z0-9_.]*");
    private static final Pattern PRIVILEGE = Pattern.compile("[A-Z][A-Z ]*");

    private ViewSql() {
    }

    /**
     * Drops the view without {@code CASCADE}: should anything unexpected depend on it, the drop fails and the
     * transaction rolls back.
     */
    public static String drop(ViewDefinition view) {
        return "DROP " + kind(view) + " " + view.qualifiedName();
    }

    /** Recreates the view as captured: definition, options, owner, grants, comments, defaults, indexes, triggers. */
    public static List<String> create(ViewDefinition view) {
        List<String> sql = new ArrayList<>();
        StringBuilder create = new StringBuilder("CREATE ").append(kind(view)).append(' ')
                .append(view.qualifiedName());
        if (!view.options().isEmpty()) {
            create.append(" WITH (").append(String.join(", ", view.options().stream().map(ViewSql::option)
                    .toList())).append(')');
        }
        if (view.materialized() && view.tablespace() != null) {
            create.append(" TABLESPACE ").append(SqlText.identifier(view.tablespace()));
        }
        create.append(" AS\n").append(view.query());
        if (view.materialized()) {
            create.append(view.populated() ? "\nWITH DATA" : "\nWITH NO DATA");
        }
        sql.add(create.toString());
        sql.add("ALTER " + kind(view) + " " + view.qualifiedName() + " OWNER TO " + SqlText.identifier(view.owner()));
        for (ViewDefinition.Grant grant : view.grants()) {
            sql.add(grant(view, grant));
        }
        if (view.comment() != null) {
            sql.add("COMMENT ON " + kind(view) + " " + view.qualifiedName() + " IS " + SqlText.literal(view.comment()));
        }
        for (ViewDefinition.ColumnText comment : view.columnComments()) {
            sql.add("COMMENT ON COLUMN " + view.qualifiedName() + "." + SqlText.identifier(comment.column())
                    + " IS " + SqlText.literal(comment.text()));
        }
        for (ViewDefinition.ColumnText columnDefault : view.columnDefaults()) {
            // The expression is the server's own pg_get_expr output for this view.
            sql.add("ALTER VIEW " + view.qualifiedName() + " ALTER COLUMN "
                    + SqlText.identifier(columnDefault.column()) + " SET DEFAULT " + columnDefault.text());
        }
        sql.addAll(view.dependentDdl());
        return sql;
    }

    private static String kind(ViewDefinition view) {
        return view.materialized() ? "MATERIALIZED VIEW" : "VIEW";
    }

    private static String option(String option) {
        int equals = option.indexOf('=');
        String name = equals < 0 ? option : option.substring(0, equals);
        if (!OPTION_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("unexpected view option name " + name);
        }
        return equals < 0 ? name : name + " = " + SqlText.literal(option.substring(equals + 1));
    }

    private static String grant(ViewDefinition view, ViewDefinition.Grant grant) {
        if (!PRIVILEGE.matcher(grant.privilege()).matches()) {
            throw new IllegalArgumentException("unexpected privilege " + grant.privilege());
        }
        return "GRANT " + grant.privilege()
                + (grant.column() == null ? "" : " (" + SqlText.identifier(grant.column()) + ")")
                + " ON " + view.qualifiedName() + " TO "
                + (grant.grantee() == null ? "PUBLIC" : SqlText.identifier(grant.grantee()))
                + (grant.grantable() ? " WITH GRANT OPTION" : "");
    }
}
