package io.kmscolumns.liquibase.change;

import java.util.ArrayList;
import java.util.List;
import liquibase.Scope;
import liquibase.change.AbstractChange;
import liquibase.database.Database;
import liquibase.database.core.PostgresDatabase;
import liquibase.exception.ValidationErrors;
import liquibase.executor.ExecutorService;
import liquibase.executor.LoggingExecutor;
import liquibase.statement.SqlStatement;
import liquibase.statement.core.RawParameterizedSqlStatement;

/**
 * Common ground of this library's change types: their XML namespace, attribute validation, and the choice between
 * statements that run under the JDBC executor and plain SQL printed by {@code updateSQL}.
 */
public abstract class KmsChange extends AbstractChange {

    /** XML namespace of the change types. */
    public static final String NAMESPACE = "http://kmscolumns.io/liquibase";

    @Override
    public String getSerializedObjectNamespace() {
        return NAMESPACE;
    }

    /** The change type's name, as written in changelogs. */
    protected abstract String changeName();

    /** Checks every attribute, adding one error per broken rule. Must not touch a database. */
    protected abstract void checkAttributes(AttributeRules rules);

    /** Attribute errors only: pure, usable from {@link #generateStatements(Database)}. */
    protected final ValidationErrors attributeErrors() {
        AttributeRules rules = new AttributeRules(changeName(), new ValidationErrors(changeName()));
        checkAttributes(rules);
        return rules.errors();
    }

    @Override
    public ValidationErrors validate(Database database) {
        ValidationErrors errors = attributeErrors();
        if (database != null && !(database instanceof PostgresDatabase)) {
            errors.addError(changeName() + " needs PostgreSQL (Aurora PostgreSQL or RDS for PostgreSQL); this "
                    + "database is " + database.getShortName());
        }
        if (errors.hasErrors()) {
            return errors;
        }
        errors.addAll(super.validate(database));
        return errors;
    }

    /**
     * True when the current executor only prints SQL ({@code updateSQL}, {@code rollbackSQL},
     * {@code futureRollbackSQL}).
     * Reads the Scope only, so {@link #generateStatements(Database)} stays free of side effects.
     */
    protected static boolean printingSql(Database database) {
        if (database == null) {
            return true;
        }
        ExecutorService executors = Scope.getCurrentScope().getSingleton(ExecutorService.class);
        return executors.getExecutor("jdbc", database) instanceof LoggingExecutor;
    }

    /** Plain SQL statements for printing. */
    protected static SqlStatement[] printable(List<String> sql) {
        List<SqlStatement> statements = new ArrayList<>();
        for (String each : sql) {
            statements.add(new RawParameterizedSqlStatement(each));
        }
        return statements.toArray(SqlStatement[]::new);
    }
}
