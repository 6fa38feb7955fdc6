package io.kmscolumns.liquibase.sqlgenerator;

import io.kmscolumns.liquibase.statement.ColumnConversionStatement;
import liquibase.database.Database;
import liquibase.database.core.PostgresDatabase;
import liquibase.exception.ValidationErrors;
import liquibase.sql.Sql;
import liquibase.sql.UnparsedSql;
import liquibase.sqlgenerator.SqlGeneratorChain;
import liquibase.sqlgenerator.core.AbstractSqlGenerator;

/**
 * Prints what a {@link ColumnConversionStatement} would run. Execution never goes through this generator: the JDBC
 * executor runs the statement itself, and the changes hand {@code updateSQL} plain SQL statements instead.
 */
public final class ColumnConversionStatementGenerator extends AbstractSqlGenerator<ColumnConversionStatement> {

    @Override
    public boolean supports(ColumnConversionStatement statement, Database database) {
        return database instanceof PostgresDatabase;
    }

    @Override
    public ValidationErrors validate(ColumnConversionStatement statement, Database database,
            SqlGeneratorChain<ColumnConversionStatement> chain) {
        return new ValidationErrors();
    }

    @Override
    public Sql[] generateSql(ColumnConversionStatement statement, Database database,
            SqlGeneratorChain<ColumnConversionStatement> chain) {
        return statement.printableSql().stream().map(sql -> new UnparsedSql(sql)).toArray(Sql[]::new);
    }
}
