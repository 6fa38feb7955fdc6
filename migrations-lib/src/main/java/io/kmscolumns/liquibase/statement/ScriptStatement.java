package io.kmscolumns.liquibase.statement;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import liquibase.database.PreparedStatementFactory;
import liquibase.exception.DatabaseException;
import liquibase.statement.AbstractSqlStatement;
import liquibase.statement.ExecutablePreparedStatement;

/**
 * SQL statements run in order under the JDBC executor, with this library's server notices passed on to the
 * Liquibase UI. Its generator prints the same SQL for {@code updateSQL}.
 */
public final class ScriptStatement extends AbstractSqlStatement implements ExecutablePreparedStatement {

    private final String description;
    private final List<String> sql;
    private final LambdaProbe probe;

    /**
     * @param description what the script does, for messages
     * @param sql         the statements, each complete
     */
    public ScriptStatement(String description, List<String> sql) {
        this(description, sql, null);
    }

    /**
     * @param description what the script does, for messages
     * @param sql         the statements, each complete
     * @param probe       a check run after the statements (never printed), or null
     */
    public ScriptStatement(String description, List<String> sql, LambdaProbe probe) {
        this.description = description;
        this.sql = List.copyOf(sql);
        this.probe = probe;
    }

    /** The statements, in order. */
    public List<String> getSql() {
        return sql;
    }

    /** What the script does. */
    public String getDescription() {
        return description;
    }

    @Override
    public void execute(PreparedStatementFactory factory) throws DatabaseException {
        Connection connection = Connections.of(factory);
        for (String each : sql) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(each);
                ServerNotices.forward(statement);
            } catch (SQLException e) {
                throw new DatabaseException(description + " failed: " + e.getMessage(), e);
            }
        }
        if (probe != null) {
            probe.run(connection);
        }
    }

    /** Reaches the JDBC connection behind Liquibase's factory. */
    static final class Connections {

        private Connections() {
        }

        // PreparedStatementFactory exposes only prepareStatement; the statement's connection is the changeset's.
        static Connection of(PreparedStatementFactory factory) throws DatabaseException {
            try (PreparedStatement statement = factory.create("SELECT 1")) {
                return statement.getConnection();
            } catch (SQLException e) {
                throw new DatabaseException(e);
            }
        }
    }
}
