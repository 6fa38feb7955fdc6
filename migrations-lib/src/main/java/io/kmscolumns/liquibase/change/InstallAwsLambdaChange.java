package io.kmscolumns.liquibase.change;

import io.kmscolumns.liquibase.sql.AwsLambdaSql;
import io.kmscolumns.liquibase.statement.ScriptStatement;
import java.util.List;
import liquibase.change.ChangeMetaData;
import liquibase.change.ChangeParameterMetaData;
import liquibase.change.DatabaseChange;
import liquibase.change.DatabaseChangeProperty;
import liquibase.database.Database;
import liquibase.statement.SqlStatement;

/**
 * {@code installAwsLambda}: installs the {@code aws_lambda} extension (and {@code aws_commons}) idempotently and
 * grants their use to named roles. Fails, changing nothing, when the extension is not available: it exists on
 * Aurora PostgreSQL 11.9+ and RDS for PostgreSQL 12.6+, and locally through aurora-local, whose emulation installed
 * as a plain script is accepted with a message. Rollback revokes the grants and drops the extensions only if this
 * change created them.
 */
@DatabaseChange(name = "installAwsLambda", description = "Installs the aws_lambda extension and grants its use",
        priority = ChangeMetaData.PRIORITY_DEFAULT, appliesTo = "database")
public class InstallAwsLambdaChange extends KmsChange {

    private String grantTo;

    /** Comma-separated roles granted USAGE on the extension schemas and EXECUTE on their functions. */
    @DatabaseChangeProperty(description = "Comma-separated roles allowed to call aws_lambda functions",
            requiredForDatabase = ChangeParameterMetaData.NONE, supportsDatabase = ChangeParameterMetaData.ALL)
    public String getGrantTo() {
        return grantTo;
    }

    public void setGrantTo(String grantTo) {
        this.grantTo = grantTo;
    }

    @Override
    protected String changeName() {
        return "installAwsLambda";
    }

    @Override
    protected void checkAttributes(AttributeRules rules) {
        rules.roles("grantTo", grantTo);
    }

    @Override
    public SqlStatement[] generateStatements(Database database) {
        if (attributeErrors().hasErrors()) {
            return new SqlStatement[0];
        }
        List<String> sql = AwsLambdaSql.install(AttributeRules.splitRoles(grantTo));
        if (printingSql(database)) {
            return printable(sql);
        }
        return new SqlStatement[] {new ScriptStatement("installAwsLambda", sql)};
    }

    @Override
    public boolean supportsRollback(Database database) {
        return true;
    }

    @Override
    public SqlStatement[] generateRollbackStatements(Database database) {
        if (attributeErrors().hasErrors()) {
            return new SqlStatement[0];
        }
        List<String> sql = List.of(AwsLambdaSql.uninstall(AttributeRules.splitRoles(grantTo)));
        if (printingSql(database)) {
            return printable(sql);
        }
        return new SqlStatement[] {new ScriptStatement("rollback of installAwsLambda", sql)};
    }

    @Override
    public String getConfirmationMessage() {
        return "aws_lambda extension installed" + (grantTo == null ? "" : "; use granted to " + grantTo);
    }
}
