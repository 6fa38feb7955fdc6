package io.kmscolumns.liquibase.sqlgenerator;

import io.kmscolumns.liquibase.statement.ScriptStatement;
import liquibase.database.Database;
import liquibase.database.core.PostgresDatabase;
import liquibase.exception.ValidationErrors;
import liquibase.sql.Sql;
import liquibase.sql.UnparsedSql;
import liquibase.sqlgenerator.SqlGeneratorChain;
import liquibase.sqlgenerator.core.AbstractSqlGenerator;

/** Prints a {@link ScriptStatement}'s SQL; supports PostgreSQL (and so Aurora/RDS PostgreSQL) only. */
public final class ScriptStatementGenerator extends AbstractSqlGenerator<ScriptStatement> {

    @Override
    public boolean supports(ScriptStatement statement, Database database) {
        return database instanceof PostgresDatabase;
    }

    @Override
    public ValidationErrors validate(ScriptStatement statement, Database database,
            SqlGeneratorChain<ScriptStatement> chain) {
        return new ValidationErrors();
    }

    @Override
    public Sql[] generateSql(ScriptStatement statement, Database database, SqlGeneratorChain<ScriptStatement> chain) {
        return statement.getSql().stream().map(sql -> new UnparsedSql(sql)).toArray(Sql[]::new);
    }
}
