package io.kmscolumns.liquibase.statement;

import io.kmscolumns.liquibase.sql.BatchSql.Direction;
import io.kmscolumns.liquibase.sql.CatalogSql;
import io.kmscolumns.liquibase.sql.ColumnRef;
import io.kmscolumns.liquibase.sql.FunctionSet;
import io.kmscolumns.liquibase.sql.KeyColumn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import liquibase.exception.DatabaseException;

/**
 * Read-only checks run before any row changes. All problems found are reported together, each naming the object
 * and what to do, and the data is untouched when they fail.
 */
final class ColumnPreflight {

    private final Connection connection;
    private final ColumnRef column;
    private final FunctionSet functions;
    private final Direction direction;

    ColumnPreflight(Connection connection, ColumnRef column, FunctionSet functions, Direction direction) {
        this.connection = connection;
        this.column = column;
        this.functions = functions;
        this.direction = direction;
    }

    ColumnFacts inspect() throws DatabaseException {
        try {
            return doInspect();
        } catch (SQLException e) {
            throw new DatabaseException("pre-flight checks of " + column.display() + " failed: " + e.getMessage(), e);
        }
    }

    private ColumnFacts doInspect() throws SQLException, DatabaseException {
        List<String> problems = new ArrayList<>();
        requireFunctions(problems);

        long tableOid;
        int attnum;
        String columnType;
        String baseType;
        boolean generated;
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.TABLE_AND_COLUMN)) {
            query.setString(1, column.column());
            query.setString(2, column.schema());
            query.setString(3, column.table());
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    problems.add(missingTable());
                    throw refused(problems);
                }
                tableOid = row.getLong("table_oid");
                attnum = row.getInt("attnum");
                if (row.wasNull()) {
                    problems.add("column " + column.column() + " does not exist in table " + column.schema() + "."
                            + column.table() + " (names are matched exactly, case-sensitive)");
                    throw refused(problems);
                }
                columnType = row.getString("column_type");
                baseType = row.getString("base_type");
                generated = row.getBoolean("generated");
            }
        }
        if (generated) {
            problems.add("column " + column.display() + " is a generated column; its values are computed and "
                    + "cannot be replaced by ciphertext");
        }

        List<KeyColumn> key = primaryKey(tableOid);
        if (key.isEmpty()) {
            problems.add("table " + column.schema() + "." + column.table() + " has no primary key; the change pages "
                    + "through rows by primary key. Add one, then rerun");
        }
        if (direction == Direction.ENCRYPT) {
            problems.addAll(constraints(tableOid, attnum));
            problems.addAll(names(CatalogSql.INDEXES_ON_COLUMN, tableOid, attnum, "index ",
                    ": an index on ciphertext finds nothing and may exceed the index row size. Drop it first"));
            problems.addAll(names(CatalogSql.DEPENDENT_VIEWS_AND_RULES, tableOid, attnum, "",
                    " reads the column and would show ciphertext (or block the type change). "
                            + "Drop or redefine it first"));
        }
        if (!problems.isEmpty()) {
            throw refused(problems);
        }
        return new ColumnFacts(tableOid, columnType, baseType, key, estimatedRows(tableOid));
    }

    private void requireFunctions(List<String> problems) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.FUNCTIONS_PRESENT)) {
            query.setString(1, functions.schema());
            query.setString(2, functions.encryptName());
            query.setString(3, functions.decryptName());
            query.setString(4, functions.encryptName());
            query.setString(5, functions.decryptName());
            try (ResultSet row = query.executeQuery()) {
                row.next();
                if (row.getInt(1) < 4) {
                    problems.add("the functions " + functions.encrypt() + ", " + functions.decrypt()
                            + " and their _batch variants do not all exist; run createEncryptFunctions with "
                            + "schemaName=\"" + functions.schema() + "\" first");
                }
            }
        }
    }

    private String missingTable() throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.RELATION_KIND)) {
            query.setString(1, column.schema());
            query.setString(2, column.table());
            try (ResultSet row = query.executeQuery()) {
                if (row.next()) {
                    return column.schema() + "." + column.table() + " is not a table (relkind "
                            + row.getString(1) + "); only ordinary and partitioned tables can be converted";
                }
            }
        }
        return "table " + column.schema() + "." + column.table() + " does not exist (names are matched exactly, "
                + "case-sensitive)";
    }

    private List<KeyColumn> primaryKey(long tableOid) throws SQLException {
        List<KeyColumn> key = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.PRIMARY_KEY)) {
            query.setLong(1, tableOid);
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    key.add(new KeyColumn(row.getString(1), row.getString(2)));
                }
            }
        }
        return key;
    }

    private List<String> constraints(long tableOid, int attnum) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.CONSTRAINTS_ON_COLUMN)) {
            query.setLong(1, tableOid);
            query.setInt(2, attnum);
            query.setLong(3, tableOid);
            query.setInt(4, attnum);
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    problems.add(constraintProblem(row.getString(1), row.getString(2), row.getString(3)));
                }
            }
        }
        return problems;
    }

    private static String constraintProblem(String name, String type, String onTable) {
        return switch (type) {
            case "p" -> "primary key " + name + " on " + onTable + " includes the column: ciphertexts of equal "
                    + "values differ, so keys would neither match nor stay unique. Encrypt another column";
            case "u" -> "unique constraint " + name + " on " + onTable + ": ciphertexts of equal values differ, so "
                    + "duplicates would be accepted. Drop the constraint first";
            case "f" -> "foreign key " + name + " on " + onTable + " uses the column: references would stop "
                    + "matching. Drop the foreign key first";
            case "x" -> "exclusion constraint " + name + " on " + onTable + " uses the column. Drop it first";
            default -> "check constraint " + name + " on " + onTable + " reads the column and would see "
                    + "ciphertext. Drop or rewrite it first";
        };
    }

    private List<String> names(String sql, long tableOid, int attnum, String prefix, String problem)
            throws SQLException {
        List<String> problems = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setLong(1, tableOid);
            query.setInt(2, attnum);
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    problems.add(prefix + row.getString(1) + problem);
                }
            }
        }
        return problems;
    }

    private long estimatedRows(long tableOid) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.ESTIMATED_ROWS)) {
            query.setLong(1, tableOid);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        }
    }

    private DatabaseException refused(List<String> problems) {
        String verb = direction == Direction.ENCRYPT ? "encrypt" : "decrypt";
        return new DatabaseException("kms-columns: refusing to " + verb + " " + column.display()
                + "; no row was changed:\n  - " + String.join("\n  - ", problems));
    }
}
