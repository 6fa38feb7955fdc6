package io.kmscolumns.liquibase.statement;

import io.kmscolumns.liquibase.sql.BatchSql.Direction;
import io.kmscolumns.liquibase.sql.CatalogSql;
import io.kmscolumns.liquibase.sql.ColumnRef;
import io.kmscolumns.liquibase.sql.FunctionSet;
import io.kmscolumns.liquibase.sql.KeyColumn;
import io.kmscolumns.liquibase.sql.RegistrySql;
import io.kmscolumns.liquibase.sql.SqlText;
import io.kmscolumns.liquibase.statement.ColumnFacts.DependentView;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
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
    private final DependentViewPolicy viewPolicy;
    private final UserTriggerPolicy triggerPolicy;

    ColumnPreflight(Connection connection, ColumnRef column, FunctionSet functions, Direction direction,
            DependentViewPolicy viewPolicy, UserTriggerPolicy triggerPolicy) {
        this.connection = connection;
        this.column = column;
        this.functions = functions;
        this.direction = direction;
        this.viewPolicy = viewPolicy;
        this.triggerPolicy = triggerPolicy;
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
                row.getInt("attnum");
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
                    + "through rows by primary key (on a partitioned table, one that includes the partition key). "
                    + "Add one (ALTER TABLE ... ADD PRIMARY KEY, or a bigint identity column as key), then rerun");
        }
        if (direction == Direction.ENCRYPT) {
            problems.addAll(constraints(tableOid));
            problems.addAll(columnDependents(CatalogSql.INDEXES_ON_COLUMN, tableOid, "index ",
                    ": an index on ciphertext finds nothing and may exceed the index row size. Drop it first"));
        }
        boolean typeChange = direction == Direction.ENCRYPT ? !"text".equals(columnType) : restoresType(columnType);
        List<String> temporaryViews = new ArrayList<>();
        List<DependentView> views = viewClosure(tableOid, temporaryViews);
        if (direction == Direction.ENCRYPT || typeChange) {
            problems.addAll(temporaryViews);
        }
        problems.addAll(viewProblems(tableOid, typeChange, views));
        List<String> firingTriggers = new ArrayList<>();
        problems.addAll(triggerProblems(tableOid, firingTriggers));
        if (!problems.isEmpty()) {
            throw refused(problems);
        }
        return new ColumnFacts(tableOid, columnType, baseType, key, estimatedRows(tableOid), typeChange, views,
                firingTriggers);
    }

    /** For decryption: whether the registry records a type other than text for the column, still text now. */
    private boolean restoresType(String columnType) throws SQLException {
        if (!"text".equals(columnType)) {
            return false;
        }
        try (PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            exists.setString(1, functions.registry());
            try (ResultSet row = exists.executeQuery()) {
                if (!row.next() || !row.getBoolean(1)) {
                    return false;
                }
            }
        }
        try (PreparedStatement query = connection.prepareStatement(RegistrySql.originalType(functions))) {
            query.setString(1, column.schema());
            query.setString(2, column.table());
            query.setString(3, column.column());
            try (ResultSet row = query.executeQuery()) {
                return row.next() && !"text".equals(row.getString(1));
            }
        }
    }

    /** The views reading the column; temporary views of other sessions cannot be recreated: {@code temporary}. */
    private List<DependentView> viewClosure(long tableOid, List<String> temporary) throws SQLException {
        List<DependentView> views = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.VIEW_CLOSURE)) {
            query.setLong(1, tableOid);
            query.setString(2, column.column());
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    if (row.getBoolean("temporary")) {
                        temporary.add("temporary view " + row.getString("display") + " of another session reads the "
                                + "column and can be neither refused safely nor recreated. End that session first");
                        continue;
                    }
                    views.add(new DependentView(row.getLong("oid"), row.getString("display"),
                            "m".equals(row.getString("relkind")), row.getInt("depth")));
                }
            }
        }
        return views;
    }

    /**
     * Views matter when encrypting (their readers would see ciphertext, and a type change needs them dropped) and
     * when decryption restores a type (they block it). Rules that are not views are always refused.
     */
    private List<String> viewProblems(long tableOid, boolean typeChange, List<DependentView> views)
            throws SQLException {
        List<String> problems = new ArrayList<>();
        boolean relevant = direction == Direction.ENCRYPT || typeChange;
        if (!relevant) {
            return problems;
        }
        problems.addAll(columnDependents(CatalogSql.DEPENDENT_RULES, tableOid, "", " reads the column; only "
                + "views can be recreated (dependentViews=\"recreate\"), not rules. Drop or rewrite it first"));
        if (viewPolicy == DependentViewPolicy.REFUSE) {
            String consequence = direction == Direction.ENCRYPT
                    ? " reads the column: after encryption its readers would see ciphertext"
                            + (typeChange ? ", and it blocks changing the column's type to text" : "")
                    : " reads the column and blocks restoring its original type";
            for (DependentView view : views) {
                if (view.depth() == 1) {
                    problems.add(view.describe() + consequence + ". Set dependentViews=\"recreate\" on " + verb()
                            + "Column to drop and recreate it unchanged around the type change (in one transaction), "
                            + "or drop or redefine it first");
                }
            }
            List<String> onViews = views.stream().filter(view -> view.depth() > 1).map(DependentView::describe)
                    .toList();
            if (!onViews.isEmpty()) {
                problems.add("views reading those views, which dependentViews=\"recreate\" would also drop and "
                        + "recreate: " + String.join(", ", onViews));
            }
        } else if (typeChange && !views.isEmpty()) {
            try (PreparedStatement query = connection.prepareStatement(CatalogSql.VIEW_BLOCKERS)) {
                query.setArray(1, connection.createArrayOf("oid",
                        views.stream().map(DependentView::oid).toArray()));
                try (ResultSet row = query.executeQuery()) {
                    while (row.next()) {
                        problems.add(row.getString(1) + ": dependentViews=\"recreate\" drops and recreates the "
                                + "views reading the column, and this would be lost. Drop it first");
                    }
                }
            }
        }
        return problems;
    }

    /**
     * The table's own enabled triggers that the batches' UPDATE would fire. {@code firing} receives them when they
     * may fire ({@code userTriggers="fire"}).
     */
    private List<String> triggerProblems(long tableOid, List<String> firing) throws SQLException {
        List<String> normal = new ArrayList<>();
        List<String> inReplicaMode = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.USER_UPDATE_TRIGGERS)) {
            query.setLong(1, tableOid);
            query.setString(2, column.column());
            query.setString(3, column.triggerName());
            query.setLong(4, tableOid);
            query.setLong(5, tableOid);
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    String trigger = "trigger " + SqlText.identifier(row.getString(1)) + " on " + row.getString(2);
                    String enabled = row.getString(3);
                    if (!"R".equals(enabled)) {
                        normal.add(trigger);
                    }
                    if ("A".equals(enabled) || "R".equals(enabled)) {
                        inReplicaMode.add(trigger + ("A".equals(enabled) ? " (ENABLE ALWAYS)" : " (ENABLE REPLICA)"));
                    }
                }
            }
        }
        List<String> problems = new ArrayList<>();
        switch (triggerPolicy) {
            case REFUSE -> {
                if (!normal.isEmpty()) {
                    problems.add(String.join(", ", normal) + (normal.size() == 1 ? " fires" : " fire")
                            + " on every UPDATE of the column, so each converted row would fire "
                            + (normal.size() == 1 ? "it" : "them") + " (an audit trigger would copy the values "
                            + "elsewhere, a last_updated trigger stamps every row, a trigger rewriting the column "
                            + "could damage ciphertext). Set userTriggers=\"fire\" to let them run, userTriggers="
                            + "\"skip\" to run the batches with session_replication_role = replica (superuser or "
                            + "rds_superuser), or disable them first");
                }
            }
            case FIRE -> firing.addAll(normal);
            case SKIP -> {
                if (!inReplicaMode.isEmpty()) {
                    problems.add(String.join(", ", inReplicaMode) + " would fire even with session_replication_"
                            + "role = replica (userTriggers=\"skip\"). Set userTriggers=\"fire\", or ALTER TABLE "
                            + "... ENABLE TRIGGER to make it an ordinary trigger first");
                }
                String missing = replicationRoleRefusal();
                if (missing != null) {
                    problems.add(missing);
                }
            }
            default -> throw new IllegalStateException("unknown policy " + triggerPolicy);
        }
        return problems;
    }

    /**
     * Tries {@code session_replication_role = replica}, undone at once, since who may set it depends on the
     * platform: superuser, {@code rds_superuser} on RDS and Aurora, a {@code GRANT SET ON PARAMETER} from 15 on.
     */
    private String replicationRoleRefusal() throws SQLException {
        String attempt = "SELECT set_config('session_replication_role', 'replica', true)";
        Savepoint savepoint = connection.getAutoCommit() ? null : connection.setSavepoint();
        try (Statement statement = connection.createStatement()) {
            statement.execute(attempt);
            return null;
        } catch (SQLException e) {
            String user = "the current user";
            if (savepoint != null) {
                connection.rollback(savepoint);
                savepoint = null;
            }
            try (Statement statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("SELECT current_user")) {
                if (row.next()) {
                    user = "role " + row.getString(1);
                }
            }
            return "userTriggers=\"skip\" runs the batches with session_replication_role = replica, which only a "
                    + "superuser may set (on RDS and Aurora a member of rds_superuser; from PostgreSQL 15 also a role "
                    + "granted SET ON PARAMETER session_replication_role); " + user + " may not (" + e.getMessage()
                    + "). Run the change as such a role, or set userTriggers=\"fire\"";
        } finally {
            if (savepoint != null) {
                connection.rollback(savepoint);
            }
        }
    }

    private String verb() {
        return direction == Direction.ENCRYPT ? "encrypt" : "decrypt";
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

    private List<String> constraints(long tableOid) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.CONSTRAINTS_ON_COLUMN)) {
            query.setLong(1, tableOid);
            query.setString(2, column.column());
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

    private List<String> columnDependents(String sql, long tableOid, String prefix, String problem)
            throws SQLException {
        List<String> problems = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setLong(1, tableOid);
            query.setString(2, column.column());
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
