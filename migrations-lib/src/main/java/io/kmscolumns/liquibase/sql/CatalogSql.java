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
     * The table and its partitions or inheritance children, and in each the column of that name (attribute numbers
     * differ between a parent and its partitions when columns were dropped). Used as a prefix of the queries below;
     * its parameters come first: table oid, column name.
     */
    private static final String TREE_COLUMNS = """
            WITH RECURSIVE tree(oid) AS (
              SELECT ?::oid
              UNION ALL
              SELECT i.inhrelid FROM pg_catalog.pg_inherits AS i JOIN tree ON i.inhparent = tree.oid
            ), tree_column AS (
              SELECT a.attrelid AS relid, a.attnum
                FROM tree JOIN pg_catalog.pg_attribute AS a
                  ON a.attrelid = tree.oid AND a.attname = ? AND a.attnum > 0 AND NOT a.attisdropped
            )""";

    /**
     * Constraints that involve the column of the table or of one of its partitions (primary key, unique, foreign
     * key in either direction, exclusion, check), each listed once where it is defined: parameters table oid,
     * column name.
     */
    public static final String CONSTRAINTS_ON_COLUMN = TREE_COLUMNS + """

            SELECT DISTINCT con.conname, con.contype, con.conrelid::regclass::text AS on_table
              FROM tree_column AS tc
              JOIN pg_catalog.pg_constraint AS con
                ON (con.conrelid = tc.relid AND tc.attnum = ANY (con.conkey)
                    AND con.contype IN ('p', 'u', 'f', 'x', 'c'))
                OR (con.confrelid = tc.relid AND tc.attnum = ANY (con.confkey) AND con.contype = 'f')
             WHERE con.conparentid = 0 AND con.conislocal
             ORDER BY con.conname""";

    /**
     * Indexes that use the column of the table or of one of its partitions, in a key, an expression or a
     * predicate, apart from constraint indexes and partitions of an index listed already: parameters table oid,
     * column name.
     */
    public static final String INDEXES_ON_COLUMN = TREE_COLUMNS + """

            SELECT DISTINCT ic.relname
              FROM tree_column AS tc
              JOIN pg_catalog.pg_depend AS d
                ON d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
               AND d.refobjid = tc.relid AND d.refobjsubid = tc.attnum
              JOIN pg_catalog.pg_class AS ic ON ic.oid = d.objid AND ic.relkind IN ('i', 'I')
             WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint AS con WHERE con.conindid = ic.oid)
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits AS i WHERE i.inhrelid = ic.oid)
             ORDER BY 1""";

    /**
     * Rules that are not views and read the column (a view's rule is named {@code _RETURN}): parameters table oid,
     * column name. One row per rule: {@code rule r on x}.
     */
    public static final String DEPENDENT_RULES = TREE_COLUMNS + """

            SELECT DISTINCT 'rule ' || quote_ident(r.rulename) || ' on ' || r.ev_class::regclass::text
              FROM tree_column AS tc
              JOIN pg_catalog.pg_depend AS d
                ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = tc.relid
               AND d.refobjsubid = tc.attnum AND d.classid = 'pg_catalog.pg_rewrite'::regclass
              JOIN pg_catalog.pg_rewrite AS r ON r.oid = d.objid AND r.rulename <> '_RETURN'
             ORDER BY 1""";

    /**
     * Every view and materialized view that has to be dropped to change the column's type: those reading the
     * column, and transitively those reading them. Parameters table oid, column name. One row per view: oid,
     * relkind, name as {@code regclass} text, whether it is temporary, and its depth (1 for a view reading the
     * column; a view is deeper than every view it reads), ordered by depth. Create in this order, drop in reverse.
     *
     * @see <a href="https://www.postgresql.org/docs/current/sql-dropview.html">DROP VIEW</a>
     */
    public static final String VIEW_CLOSURE = TREE_COLUMNS + """
            , closure(oid, depth) AS (
              SELECT r.ev_class, 1
                FROM tree_column AS tc
                JOIN pg_catalog.pg_depend AS d
                  ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = tc.relid
                 AND d.refobjsubid = tc.attnum AND d.classid = 'pg_catalog.pg_rewrite'::regclass
                JOIN pg_catalog.pg_rewrite AS r ON r.oid = d.objid AND r.rulename = '_RETURN'
              UNION ALL
              SELECT r.ev_class, closure.depth + 1
                FROM closure
                JOIN pg_catalog.pg_depend AS d
                  ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = closure.oid
                 AND d.classid = 'pg_catalog.pg_rewrite'::regclass
                JOIN pg_catalog.pg_rewrite AS r
                  ON r.oid = d.objid AND r.rulename = '_RETURN' AND r.ev_class <> closure.oid
            )
            SELECT v.oid, v.relkind, v.oid::regclass::text AS display, v.relpersistence = 't' AS temporary,
                   max(closure.depth) AS depth
              FROM closure JOIN pg_catalog.pg_class AS v ON v.oid = closure.oid
             GROUP BY v.oid, v.relkind, v.relpersistence
             ORDER BY max(closure.depth), v.oid::regclass::text""";

    /**
     * What would be lost by dropping and recreating the given views (parameter: their oids as {@code oid[]}):
     * rules on them that are not views, and objects depending on them or on their row types other than the views
     * themselves, their indexes, triggers and column defaults (which are recreated). One description per row.
     */
    public static final String VIEW_BLOCKERS = """
            WITH views AS (
              SELECT c.oid, c.reltype, t.typarray
                FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_type AS t ON t.oid = c.reltype
               WHERE c.oid = ANY (?::oid[])
            )
            SELECT 'rule ' || quote_ident(r.rulename) || ' on ' || r.ev_class::regclass::text
                   || ' (only views are recreated)'
              FROM pg_catalog.pg_rewrite AS r JOIN views ON views.oid = r.ev_class
             WHERE r.rulename <> '_RETURN'
            UNION
            SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) || ' depends on '
                   || pg_catalog.pg_describe_object(d.refclassid, d.refobjid, 0)
              FROM pg_catalog.pg_depend AS d
             WHERE d.deptype <> 'i'
               AND ((d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid IN (SELECT oid FROM views))
                 OR (d.refclassid = 'pg_catalog.pg_type'::regclass
                     AND d.refobjid IN (SELECT reltype FROM views UNION SELECT typarray FROM views)))
               AND NOT (d.classid = 'pg_catalog.pg_rewrite'::regclass AND EXISTS (
                     SELECT 1 FROM pg_catalog.pg_rewrite AS r JOIN views ON views.oid = r.ev_class
                      WHERE r.oid = d.objid))
               AND NOT (d.classid = 'pg_catalog.pg_type'::regclass AND d.objid IN (
                     SELECT reltype FROM views UNION SELECT typarray FROM views))
               AND NOT (d.classid = 'pg_catalog.pg_class'::regclass AND EXISTS (
                     SELECT 1 FROM pg_catalog.pg_index AS i JOIN views ON views.oid = i.indrelid
                      WHERE i.indexrelid = d.objid))
               AND NOT (d.classid = 'pg_catalog.pg_trigger'::regclass AND EXISTS (
                     SELECT 1 FROM pg_catalog.pg_trigger AS t JOIN views ON views.oid = t.tgrelid
                      WHERE t.oid = d.objid))
               AND NOT (d.classid = 'pg_catalog.pg_attrdef'::regclass AND EXISTS (
                     SELECT 1 FROM pg_catalog.pg_attrdef AS a JOIN views ON views.oid = a.adrelid
                      WHERE a.oid = d.objid))
             ORDER BY 1""";

    /**
     * Enabled triggers, other than this library's own, on the table or its partitions that fire on an UPDATE of
     * the column (row or statement level; {@code UPDATE OF} lists that name other columns only do not fire).
     * Parameters table oid, column name, this library's trigger name, table oid, table oid. One row per trigger:
     * name, table, and {@code tgenabled} ({@code O} fires normally, {@code A} always, {@code R} only in replica
     * mode). A partition's clone of a trigger on the partitioned table is listed once, on the partitioned table.
     *
     * @see <a href="https://www.postgresql.org/docs/current/sql-altertable.html">ALTER TABLE ... ENABLE TRIGGER</a>
     */
    public static final String USER_UPDATE_TRIGGERS = TREE_COLUMNS + """

            SELECT t.tgname, t.tgrelid::regclass::text AS on_table, t.tgenabled
              FROM tree_column AS tc
              JOIN pg_catalog.pg_trigger AS t ON t.tgrelid = tc.relid
             WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgname <> ?
               AND (t.tgtype::int & 16) <> 0
               AND (cardinality(t.tgattr::int2[]) = 0 OR tc.attnum = ANY (t.tgattr::int2[]))
               AND (t.tgrelid = ?::oid OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger AS p
                                    WHERE p.tgrelid = ?::oid AND p.tgname = t.tgname))
             ORDER BY t.tgrelid::regclass::text, t.tgname""";

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
