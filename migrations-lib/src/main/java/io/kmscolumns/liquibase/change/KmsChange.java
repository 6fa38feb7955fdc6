package io.kmscolumns.liquibase.change;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import liquibase.Scope;
import liquibase.change.AbstractChange;
import liquibase.change.ChangeFactory;
import liquibase.change.ChangeParameterMetaData;
import liquibase.database.Database;
import liquibase.database.core.PostgresDatabase;
import liquibase.exception.ValidationErrors;
import liquibase.executor.ExecutorService;
import liquibase.executor.LoggingExecutor;
import liquibase.parser.core.ParsedNode;
import liquibase.parser.core.ParsedNodeException;
import liquibase.resource.ResourceAccessor;
import liquibase.statement.SqlStatement;
import liquibase.statement.core.RawParameterizedSqlStatement;

/**
 * Common ground of this library's change types: their XML namespace, attribute validation, and the choice between
 * statements that run under the JDBC executor and plain SQL printed by {@code updateSQL}.
 */
public abstract class KmsChange extends AbstractChange {

    /** XML namespace of the change types. */
    public static final String NAMESPACE = "http://kmscolumns.io/liquibase";

    /** Problems found while loading from a changelog (unknown attributes, unreadable values), for validation. */
    private final List<String> loadErrors = new ArrayList<>();

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
        loadErrors.forEach(error -> rules.errors().addError(changeName() + ": " + error));
        checkAttributes(rules);
        return rules.errors();
    }

    /**
     * Loads the attributes as Liquibase does, after noting what it would silently ignore or fail on: attribute
     * names this change does not have (a YAML or JSON typo such as {@code encryptionContxt}; in XML the schema
     * rejects them) and numbers that do not parse. {@link #validate(Database)} reports both, naming the attribute.
     */
    @Override
    public void load(ParsedNode parsedNode, ResourceAccessor resourceAccessor) throws ParsedNodeException {
        Map<String, ChangeParameterMetaData> parameters = Scope.getCurrentScope().getSingleton(ChangeFactory.class)
                .getChangeMetaData(this).getParameters();
        for (ParsedNode child : new ArrayList<>(parsedNode.getChildren())) {
            String name = child.getName();
            ChangeParameterMetaData parameter = parameters.get(name);
            if (parameter == null) {
                String nearest = AttributeRules.nearest(name, parameters.keySet());
                loadErrors.add("unknown attribute " + name + (nearest == null ? "" : " (did you mean " + nearest
                        + "?)") + "; known attributes: " + String.join(", ", parameters.keySet().stream().sorted()
                        .toList()));
            } else if (parameter.getDataTypeClass() == Integer.class) {
                try {
                    parsedNode.getChildValue(null, name, Integer.class);
                } catch (ParsedNodeException | RuntimeException e) {
                    loadErrors.add("attribute " + name + " must be a whole number; got \"" + child.getValue()
                            + "\"");
                    parsedNode.removeChild(null, name);
                }
            }
        }
        super.load(parsedNode, resourceAccessor);
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
