package io.kmscolumns.liquibase.sql;

/**
 * Read-only catalog queries of the pre-flight checks. Each takes JDBC parameters; none changes anything.
 *
 * @see <a href="https://www.postgresql.org/docs/current/catalog-pg-depend.html">pg_depend</a>
 */
public final class CatalogSql {

    /**
     * The table and the column: parameters schema, table, column. One row when the table exists (relkind r or p);
     * the column fields are NULL when the column does not exist.
     */
    public static final String TABLE_AND_COLUMN = """
            SELECT c.oid AS table_oid, c.relkind, a.attnum, format_type(a.atttypid, a.atttypmod) AS column_type,
                   format_type(a.atttypid, NULL) AS base_type, a.attgenerated <> '' AS generated
              FROM pg_catalog.pg_class AS c
              JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_attribute AS a
                ON a.attrelid = c.oid AND a.attname = ? AND a.attnum > 0 AND NOT a.attisdropped
             WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')""";

    /** Any relation of that name (to tell "not a table" from "missing"): parameters schema, table. */
    public static final String RELATION_KIND = """
            SELECT c.relkind FROM pg_catalog.pg_class AS c
              JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
             WHERE n.nspname = ? AND c.relname = ?""";

    /** Primary key columns in key order with their types: parameter table oid. */
    public static final String PRIMARY_KEY = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS key_type
              FROM pg_catalog.pg_index AS i
              CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
              JOIN pg_catalog.pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = ? AND i.indisprimary
             ORDER BY k.position""";

    /**
     * Constraints that involve the column (primary key, unique, foreign key in either direction, exclusion,
     * check): parameters table oid, attnum, table oid, attnum.
     */
    public static final String CONSTRAINTS_ON_COLUMN = """
            SELECT con.conname, con.contype, con.conrelid::regclass::text AS on_table
              FROM pg_catalog.pg_constraint AS con
             WHERE (con.conrelid = ? AND ? = ANY (con.conkey) AND con.contype IN ('p', 'u', 'f', 'x', 'c'))
                OR (con.confrelid = ? AND ? = ANY (con.confkey) AND con.contype = 'f')
             ORDER BY con.conname""";

    /** Indexes that use the column, in a key, an expression or a predicate, apart from constraint indexes. */
    public static final String INDEXES_ON_COLUMN = """
            SELECT DISTINCT ic.relname
              FROM pg_catalog.pg_depend AS d
              JOIN pg_catalog.pg_class AS ic ON ic.oid = d.objid AND ic.relkind IN ('i', 'I')
             WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
               AND d.refobjid = ? AND d.refobjsubid = ?
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint AS con WHERE con.conindid = ic.oid)
             ORDER BY 1""";

    /** Views, materialized views and rules that read the column: parameters table oid, attnum. */
    public static final String DEPENDENT_VIEWS_AND_RULES = """
            SELECT DISTINCT CASE WHEN r.rulename = '_RETURN'
                                 THEN CASE v.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END
                                      || v.oid::regclass::text
                                 ELSE 'rule ' || quote_ident(r.rulename) || ' on ' || v.oid::regclass::text END
              FROM pg_catalog.pg_depend AS d
              JOIN pg_catalog.pg_rewrite AS r ON r.oid = d.objid
              JOIN pg_catalog.pg_class AS v ON v.oid = r.ev_class
             WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
               AND d.refobjid = ? AND d.refobjsubid = ?
             ORDER BY 1""";

    /**
     * Estimated rows of the table and its partitions or inheritance children, without scanning: {@code reltuples}
     * where a table has been analyzed, else its size in bytes divided by 32 (an over-estimate: few rows are that
     * small). Parameter: table oid.
     */
    public static final String ESTIMATED_ROWS = """
            WITH RECURSIVE tree(oid) AS (
              SELECT ?::oid
              UNION ALL
              SELECT i.inhrelid FROM pg_catalog.pg_inherits AS i JOIN tree ON i.inhparent = tree.oid
            )
            SELECT COALESCE(sum(CASE WHEN c.reltuples >= 0 AND c.relpages > 0 THEN c.reltuples::bigint
                                     ELSE pg_relation_size(c.oid) / 32 END), 0)::bigint
              FROM tree JOIN pg_catalog.pg_class AS c ON c.oid = tree.oid
             WHERE c.relkind = 'r'""";

    /** The same estimate by name: parameters schema, table. No row when the table does not exist. */
    public static final String ESTIMATED_ROWS_BY_NAME = """
            WITH RECURSIVE tree(oid) AS (
              SELECT t.oid FROM pg_catalog.pg_class AS t
                JOIN pg_catalog.pg_namespace AS n ON n.oid = t.relnamespace
               WHERE n.nspname = ? AND t.relname = ? AND t.relkind IN ('r', 'p')
              UNION ALL
              SELECT i.inhrelid FROM pg_catalog.pg_inherits AS i JOIN tree ON i.inhparent = tree.oid
            )
            SELECT COALESCE(sum(CASE WHEN c.reltuples >= 0 AND c.relpages > 0 THEN c.reltuples::bigint
                                     ELSE pg_relation_size(c.oid) / 32 END), 0)::bigint, count(*)
              FROM tree JOIN pg_catalog.pg_class AS c ON c.oid = tree.oid
             WHERE c.relkind = 'r'
            HAVING count(*) > 0""";

    /** Whether the functions exist: parameters schema, encrypt name, decrypt name; returns a count (0 to 4). */
    public static final String FUNCTIONS_PRESENT = """
            SELECT count(*) FROM pg_catalog.pg_proc AS p
              JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
             WHERE n.nspname = ? AND p.proname IN (?, ?, ? || '_batch', ? || '_batch')""";

    private CatalogSql() {
    }
}
