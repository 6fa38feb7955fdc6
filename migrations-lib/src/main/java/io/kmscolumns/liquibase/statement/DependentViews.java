package io.kmscolumns.liquibase.statement;

import io.kmscolumns.liquibase.sql.CatalogSql;
import io.kmscolumns.liquibase.sql.ColumnRef;
import io.kmscolumns.liquibase.sql.SqlText;
import io.kmscolumns.liquibase.sql.ViewDefinition;
import io.kmscolumns.liquibase.sql.ViewSql;
import io.kmscolumns.liquibase.statement.ColumnFacts.DependentView;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import liquibase.exception.DatabaseException;

/**
 * Runs a change of the column's type with the views that read it dropped and recreated around it
 * ({@code dependentViews="recreate"}), and refreshes materialized views once the rows are converted.
 *
 * <p>Everything happens in one transaction: the table is locked, the views are found again and captured under the
 * lock (a view is not locked itself: {@code LOCK} on a view checks its owner's rights on the tables it reads, which
 * a read-only owner lacks), dropped (deepest first, without {@code CASCADE}), the type changes, and the views are
 * recreated in dependency order with their options, owner, grants, comments, indexes and triggers. Any failure rolls
 * the whole transaction back, leaving views, column and rows as they were. Under {@code runInTransaction="false"}
 * the transaction is opened here; otherwise it is the changeset's.
 */
final class DependentViews {

    private final Connection connection;
    private final ColumnRef column;

    DependentViews(Connection connection, ColumnRef column) {
        this.connection = connection;
        this.column = column;
    }

    /** Runs {@code typeChange} (one statement) with the views reading the column dropped and recreated around it. */
    List<ViewDefinition> changeTypeAround(long tableOid, String typeChange) throws DatabaseException {
        boolean autoCommit;
        try {
            autoCommit = connection.getAutoCommit();
            if (autoCommit) {
                connection.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw new DatabaseException("kms-columns: cannot open a transaction for " + column.display(), e);
        }
        String step = "locking table " + column.schema() + "." + column.table();
        try {
            String searchPath = pinSearchPath();
            execute("LOCK TABLE " + column.qualifiedTable() + " IN ACCESS EXCLUSIVE MODE");
            step = "capturing the views reading " + column.display();
            List<ViewDefinition> views = new ArrayList<>();
            for (DependentView view : closure(tableOid)) {
                views.add(capture(view.oid()));
            }
            for (int i = views.size() - 1; i >= 0; i--) {
                step = "dropping " + views.get(i).display();
                execute(ViewSql.drop(views.get(i)));
            }
            step = "changing the type of " + column.display();
            execute(typeChange);
            for (ViewDefinition view : views) {
                step = "recreating " + view.display() + " over the column's new type";
                for (String sql : ViewSql.create(view)) {
                    execute(sql);
                }
            }
            try (PreparedStatement restore = connection.prepareStatement(ViewSql.RESTORE_SEARCH_PATH)) {
                restore.setString(1, searchPath);
                restore.execute();
            }
            if (autoCommit) {
                connection.commit();
            }
            return views;
        } catch (SQLException e) {
            rollback(autoCommit);
            throw new DatabaseException("kms-columns: " + step + " failed: " + e.getMessage() + " The type change "
                    + "and the views' drop and recreation run in one transaction, which was rolled back: views, "
                    + "column and rows are as they were. Redefine or drop the view named, then run update again.", e);
        } finally {
            restoreAutoCommit(autoCommit);
        }
    }

    /**
     * Refreshes the populated materialized views reading the column, in dependency order (found again: recreated
     * views have new oids).
     */
    List<String> refreshMaterialized(long tableOid) throws SQLException {
        List<String> refreshed = new ArrayList<>();
        for (DependentView view : closure(tableOid)) {
            if (!view.materialized()) {
                continue;
            }
            String name;
            try (PreparedStatement populated = connection.prepareStatement("SELECT n.nspname, c.relname, "
                    + "c.relispopulated FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n "
                    + "ON n.oid = c.relnamespace WHERE c.oid = ?")) {
                populated.setLong(1, view.oid());
                try (ResultSet row = populated.executeQuery()) {
                    if (!row.next() || !row.getBoolean(3)) {
                        continue;
                    }
                    name = SqlText.qualified(row.getString(1), row.getString(2));
                }
            }
            execute("REFRESH MATERIALIZED VIEW " + name);
            refreshed.add(view.describe());
        }
        return refreshed;
    }

    private List<DependentView> closure(long tableOid) throws SQLException {
        List<DependentView> views = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(CatalogSql.VIEW_CLOSURE)) {
            query.setLong(1, tableOid);
            query.setString(2, column.column());
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    views.add(new DependentView(row.getLong("oid"), row.getString("display"),
                            "m".equals(row.getString("relkind")), row.getInt("depth")));
                }
            }
        }
        return views;
    }

    private ViewDefinition capture(long oid) throws SQLException {
        String schema;
        String name;
        boolean materialized;
        String query;
        List<String> options;
        String tablespace;
        boolean populated;
        String owner;
        String comment;
        try (PreparedStatement statement = connection.prepareStatement(ViewSql.VIEW)) {
            statement.setLong(1, oid);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("view with oid " + oid + " disappeared");
                }
                schema = row.getString("nspname");
                name = row.getString("relname");
                materialized = row.getBoolean("materialized");
                query = row.getString("query").strip();
                if (query.endsWith(";")) {
                    query = query.substring(0, query.length() - 1);
                }
                Array array = row.getArray("options");
                options = array == null ? List.of() : Arrays.asList((String[]) array.getArray());
                tablespace = row.getString("tablespace");
                populated = row.getBoolean("populated");
                owner = row.getString("owner");
                comment = row.getString("comment");
            }
        }
        List<ViewDefinition.ColumnText> comments = columnTexts(ViewSql.COLUMN_COMMENTS, oid);
        List<ViewDefinition.ColumnText> defaults = columnTexts(ViewSql.COLUMN_DEFAULTS, oid);
        List<ViewDefinition.Grant> grants = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(ViewSql.GRANTS)) {
            statement.setLong(1, oid);
            statement.setLong(2, oid);
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    grants.add(new ViewDefinition.Grant(row.getString(1), row.getString(2), row.getString(3),
                            row.getBoolean(4)));
                }
            }
        }
        List<String> dependentDdl = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(ViewSql.DEPENDENT_DDL)) {
            statement.setLong(1, oid);
            statement.setLong(2, oid);
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    dependentDdl.add(row.getString(1));
                }
            }
        }
        return new ViewDefinition(schema, name, materialized, query, options, tablespace, populated, owner, comment,
                comments, defaults, grants, dependentDdl);
    }

    private List<ViewDefinition.ColumnText> columnTexts(String sql, long oid) throws SQLException {
        List<ViewDefinition.ColumnText> texts = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, oid);
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    texts.add(new ViewDefinition.ColumnText(row.getString(1), row.getString(2)));
                }
            }
        }
        return texts;
    }

    private String pinSearchPath() throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(ViewSql.PIN_SEARCH_PATH)) {
            row.next();
            return row.getString(1);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
            ServerNotices.forward(statement);
        }
    }

    private void rollback(boolean autoCommit) {
        if (!autoCommit) {
            return;
        }
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // The connection is broken: the server has rolled the transaction back already.
        }
    }

    private void restoreAutoCommit(boolean autoCommit) throws DatabaseException {
        if (!autoCommit) {
            return;
        }
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            throw new DatabaseException("kms-columns: cannot restore auto-commit after " + column.display(), e);
        }
    }
}
