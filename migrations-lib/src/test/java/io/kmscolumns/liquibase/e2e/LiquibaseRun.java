package io.kmscolumns.liquibase.e2e;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.ui.ConsoleUIService;

/**
 * Runs Liquibase commands through its own command API against a JDBC URL, as the CLI would. What the commands send
 * to the Liquibase UI (progress, warnings) is kept for {@link #messages()}.
 */
final class LiquibaseRun {

    private final String url;
    private final Map<String, Object> scope = new HashMap<>();
    private final ByteArrayOutputStream ui = new ByteArrayOutputStream();

    LiquibaseRun(String url) {
        this.url = url;
        scope.put(Scope.Attr.resourceAccessor.name(), new ClassLoaderResourceAccessor());
        ConsoleUIService console = new ConsoleUIService();
        console.setOutputStream(new PrintStream(ui, true, StandardCharsets.UTF_8));
        scope.put(Scope.Attr.ui.name(), console);
    }

    /** Everything the commands run so far sent to the Liquibase UI. */
    String messages() {
        return ui.toString(StandardCharsets.UTF_8);
    }

    /** Adds a Liquibase setting (e.g. {@code liquibase.kmsColumns.transactionalRowLimit}) to later commands. */
    LiquibaseRun with(String key, Object value) {
        scope.put(key, value);
        return this;
    }

    void update(String changelog) throws Exception {
        run(new CommandScope("update").addArgumentValue("changelogFile", changelog));
    }

    void rollbackCount(String changelog, int count) throws Exception {
        run(new CommandScope("rollbackCount").addArgumentValue("changelogFile", changelog)
                .addArgumentValue("count", count));
    }

    String updateSql(String changelog) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        run(new CommandScope("updateSql").addArgumentValue("changelogFile", changelog).setOutput(out));
        return out.toString(StandardCharsets.UTF_8);
    }

    String rollbackCountSql(String changelog, int count) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        run(new CommandScope("rollbackCountSql").addArgumentValue("changelogFile", changelog)
                .addArgumentValue("count", count).setOutput(out));
        return out.toString(StandardCharsets.UTF_8);
    }

    private void run(CommandScope command) throws Exception {
        command.addArgumentValue("url", url);
        Scope.child(scope, () -> {
            command.execute();
        });
    }
}
