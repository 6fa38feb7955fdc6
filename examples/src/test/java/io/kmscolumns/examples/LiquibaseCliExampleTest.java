package io.kmscolumns.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.kmscolumns.examples.demo.DecryptionCheck;
import io.kmscolumns.examples.demo.LiquibaseCli;
import io.kmscolumns.examples.demo.PeopleTable;
import io.kmscolumns.examples.demo.TableSnapshot;
import io.kmscolumns.local.LocalAurora;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The commands of examples/cli/README.md, run by Liquibase's own command-line entry point in a separate JVM. Its
 * class path is this module's test class path, which holds Liquibase with its dependencies, the PostgreSQL driver
 * and the extension jar, as the {@code liquibase} launcher's class loader holds them after {@code --classpath} or
 * {@code liquibase_libs/}.
 */
@ExtendWith(LocalAuroraExtension.class)
class LiquibaseCliExampleTest {

    @Test
    void cliUpdateEncryptsStatusShowsNothingPendingAndRollbackCountDecrypts(LocalAurora stack) throws Exception {
        String url = stack.createDatabase(ExampleProjects.databaseName("cli"));
        Path logs = ExampleProjects.examplesDir().resolve("target/cli-example");
        try (Connection connection = ExampleProjects.connect(url)) {
            PeopleTable.create(connection, 60, 3);
            TableSnapshot before = TableSnapshot.take(connection, "demo", "person", "id");
            Map<Long, String> emails = TableSnapshot.columnValues(connection, "demo", "person", "id", "email");

            liquibase(url, logs.resolve("update.log"), "update", "--changelog-file=demo/demo.changelog.xml",
                    "-DlambdaFunctionArn=" + stack.functionArn());
            DecryptionCheck.Result email = new DecryptionCheck("kms_crypto")
                    .verify(connection, "demo", "person", "id", "email", emails);
            assertThat(email.allEqual()).as(email.toString()).isTrue();
            assertThat(email.encrypted()).isPositive();

            liquibase(url, logs.resolve("status.log"), "status", "--changelog-file=demo/demo.changelog.xml",
                    "-DlambdaFunctionArn=" + stack.functionArn());
            assertThat(ExampleProjects.tail(logs.resolve("status.log"))).contains("is up to date");

            liquibase(url, logs.resolve("rollback.log"), "rollback-count", "--count=3",
                    "--changelog-file=demo/demo.changelog.xml", "-DlambdaFunctionArn=" + stack.functionArn());
            assertThat(before.differencesTo(TableSnapshot.take(connection, "demo", "person", "id"))).isEmpty();
            assertThat(appliedChangeSets(connection)).isEqualTo(2);
        }
    }

    private static void liquibase(String url, Path log, String command, String... args) throws Exception {
        List<String> commandLine = new ArrayList<>(List.of(
                ExampleProjects.java(), "-cp", ExampleProjects.testClassPath(),
                "liquibase.integration.commandline.LiquibaseCommandLine",
                "--show-banner=false", "--analytics-enabled=false",
                "--search-path=" + ExampleProjects.changelogsDir(),
                command));
        commandLine.addAll(LiquibaseCli.connectionArgs(url));
        commandLine.addAll(List.of(args));
        ExampleProjects.run(commandLine, ExampleProjects.examplesDir(), log, Duration.ofMinutes(3));
    }

    private static long appliedChangeSets(Connection connection) throws Exception {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT count(*) FROM databasechangelog")) {
            result.next();
            return result.getLong(1);
        }
    }
}
