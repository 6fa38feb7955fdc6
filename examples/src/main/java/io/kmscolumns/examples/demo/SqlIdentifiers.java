package io.kmscolumns.examples.demo;

/**
 * Quotes PostgreSQL identifiers, the one place the examples build a name into SQL.
 *
 * @see <a href="https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS">Identifiers</a>
 */
public final class SqlIdentifiers {

    private SqlIdentifiers() {
    }

    /** Returns {@code name} as a quoted identifier, doubling any quote inside it. */
    public static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Returns {@code schema.table} with both parts quoted. */
    public static String qualified(String schema, String table) {
        return quote(schema) + "." + quote(table);
    }
}
