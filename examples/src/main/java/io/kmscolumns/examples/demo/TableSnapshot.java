package io.kmscolumns.examples.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a table looks like at one moment: its column types and an MD5 digest of every row, so that "after rollback"
 * can be compared with "before encryption" in one equality check.
 *
 * <p>Columns are read in name order, not in their position, so a change that rebuilt a column at the end of the
 * table still compares equal when names, types and values are the same. Rows are ordered by the given key.
 *
 * @param rows        number of rows
 * @param columnTypes column name to its type as {@code format_type} prints it (e.g. {@code character varying(11)})
 * @param digest      MD5 of all rows, each row rendered as a PostgreSQL row literal
 */
public record TableSnapshot(long rows, Map<String, String> columnTypes, String digest) {

    /** Takes a snapshot of {@code schema.table}, rows ordered by {@code keyColumn}. */
    public static TableSnapshot take(Connection connection, String schema, String table, String keyColumn)
            throws SQLException {
        return take(connection, schema, table, keyColumn, Set.of());
    }

    /**
     * Takes a snapshot of {@code schema.table} leaving out {@code ignoredColumns} (from the digest and the types),
     * e.g. a {@code last_update} column that a trigger of the table sets on every update.
     */
    public static TableSnapshot take(Connection connection, String schema, String table, String keyColumn,
                                     Set<String> ignoredColumns) throws SQLException {
        Map<String, String> types = columnTypes(connection, schema, table);
        types.keySet().removeAll(ignoredColumns);
        String row = types.keySet().stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
        String sql = "SELECT count(*), md5(coalesce(string_agg(ROW(" + row + ")::text, E'\\n' ORDER BY "
                + SqlIdentifiers.quote(keyColumn) + "), '')) FROM " + SqlIdentifiers.qualified(schema, table);
        try (PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet result = statement.executeQuery()) {
            result.next();
            return new TableSnapshot(result.getLong(1), types, result.getString(2));
        }
    }

    /** Column name to type of {@code schema.table}, in name order; empty when the table does not exist. */
    public static Map<String, String> columnTypes(Connection connection, String schema, String table)
            throws SQLException {
        String sql = "SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
                + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped";
        Map<String, String> types = new TreeMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, schema);
            statement.setString(2, table);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    types.put(result.getString(1), result.getString(2));
                }
            }
        }
        return types;
    }

    /** Reads {@code column} of every row as text, keyed by {@code keyColumn} (which must fit a {@code bigint}). */
    public static Map<Long, String> columnValues(Connection connection, String schema, String table,
                                                 String keyColumn, String column) throws SQLException {
        String sql = "SELECT " + SqlIdentifiers.quote(keyColumn) + "::bigint, " + SqlIdentifiers.quote(column)
                + "::text FROM " + SqlIdentifiers.qualified(schema, table)
                + " ORDER BY " + SqlIdentifiers.quote(keyColumn);
        Map<Long, String> values = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                values.put(result.getLong(1), result.getString(2));
            }
        }
        return values;
    }

    /** Describes how {@code other} differs from this snapshot, or returns an empty list when they are equal. */
    public List<String> differencesTo(TableSnapshot other) {
        List<String> differences = new ArrayList<>();
        if (rows != other.rows) {
            differences.add("row count " + rows + " became " + other.rows);
        }
        if (!columnTypes.equals(other.columnTypes)) {
            differences.add("column types " + columnTypes + " became " + other.columnTypes);
        }
        if (!digest.equals(other.digest)) {
            differences.add("row digest " + digest + " became " + other.digest);
        }
        return differences;
    }
}
