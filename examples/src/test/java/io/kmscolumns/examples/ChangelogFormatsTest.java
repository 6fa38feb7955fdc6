package io.kmscolumns.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kmscolumns.examples.demo.DecryptionCheck;
import io.kmscolumns.examples.demo.LiquibaseCli;
import io.kmscolumns.examples.demo.PeopleTable;
import io.kmscolumns.examples.demo.TableSnapshot;
import io.kmscolumns.local.LocalAurora;
import liquibase.ChecksumVersion;
import liquibase.change.Change;
import liquibase.changelog.ChangeLogParameters;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.parser.ChangeLogParserFactory;
import liquibase.resource.DirectoryResourceAccessor;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The demo changelog written in XML, YAML and JSON does the same thing, change set by change set. */
@ExtendWith(LocalAuroraExtension.class)
class ChangelogFormatsTest {

    private static final int ROWS = 120;
    private static final long SEED = 7;

    @Test
    void xmlYamlAndJsonChangelogsEncryptRollBackAndChecksumTheSame(LocalAurora stack) throws Exception {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (String format : List.of("xml", "yaml", "json")) {
            outcomes.put(format, runFormat(stack, format));
        }

        Outcome xml = outcomes.get("xml");
        assertThat(xml.changeLog()).hasSize(5);
        assertThat(xml.typesAfterUpdate()).containsEntry("email", "text");
        assertThat(xml.checks()).allSatisfy(check -> assertThat(check.allEqual()).as(check.toString()).isTrue());
        assertThat(xml.before().differencesTo(xml.afterRollback())).isEmpty();
        for (Map.Entry<String, Outcome> other : outcomes.entrySet()) {
            assertThat(other.getValue()).as(other.getKey() + " compared with xml").isEqualTo(xml);
        }
    }

    @Test
    void xmlYamlAndJsonChangelogsParseToTheSameChangeSetsAndChecksums() throws Exception {
        Map<String, List<String>> parsed = new LinkedHashMap<>();
        for (String format : List.of("xml", "yaml", "json")) {
            parsed.put(format, parse("demo/demo.changelog." + format));
        }

        assertThat(parsed.get("xml")).hasSize(5).allSatisfy(line -> assertThat(line).doesNotContain("${"));
        assertThat(parsed.get("yaml")).isEqualTo(parsed.get("xml"));
        assertThat(parsed.get("json")).isEqualTo(parsed.get("xml"));
    }

    /** id, author, run-in-transaction, change names and checksum of every change set of a changelog. */
    private static List<String> parse(String path) throws Exception {
        DirectoryResourceAccessor accessor = new DirectoryResourceAccessor(ExampleProjects.changelogsDir());
        ChangeLogParameters parameters = new ChangeLogParameters();
        parameters.set("lambdaFunctionArn", "arn:aws:lambda:us-east-1:000000000000:function:kms-crypto");
        DatabaseChangeLog changeLog = ChangeLogParserFactory.getInstance().getParser(path, accessor)
                .parse(path, parameters, accessor);

        List<String> lines = new ArrayList<>();
        for (ChangeSet changeSet : changeLog.getChangeSets()) {
            StringBuilder line = new StringBuilder(changeSet.getId()).append(' ').append(changeSet.getAuthor())
                    .append(" runInTransaction=").append(changeSet.isRunInTransaction());
            for (Change change : changeSet.getChanges()) {
                line.append(' ').append(change.getSerializedObjectName()).append(change.getSerializableFields()
                        .stream().sorted().map(field -> field + "=" + change.getSerializableFieldValue(field))
                        .toList());
            }
            line.append(' ').append(changeSet.generateCheckSum(ChecksumVersion.latest()));
            lines.add(line.toString());
        }
        return lines;
    }

    private record Outcome(TableSnapshot before, Map<String, String> typesAfterUpdate,
                           List<DecryptionCheck.Result> checks, List<String> changeLog,
                           TableSnapshot afterRollback) {
    }

    private static Outcome runFormat(LocalAurora stack, String format) throws SQLException {
        String url = stack.createDatabase(ExampleProjects.databaseName("formats_" + format));
        try (Connection connection = ExampleProjects.connect(url)) {
            PeopleTable.create(connection, ROWS, SEED);
            TableSnapshot before = TableSnapshot.take(connection, "demo", "person", "id");
            Map<String, Map<Long, String>> originals = new LinkedHashMap<>();
            for (String column : PeopleTable.ENCRYPTED_COLUMNS) {
                originals.put(column, TableSnapshot.columnValues(connection, "demo", "person", "id", column));
            }

            String changelog = "demo/demo.changelog." + format;
            List<String> args = new ArrayList<>(List.of("--changelog-file=" + changelog));
            args.addAll(LiquibaseCli.connectionArgs(url));
            args.add("-DlambdaFunctionArn=" + stack.functionArn());
            LiquibaseCli.run(ExampleProjects.changelogsDir().toString(), "update", args.toArray(String[]::new));

            Map<String, String> typesAfter = TableSnapshot.columnTypes(connection, "demo", "person");
            List<DecryptionCheck.Result> checks = new ArrayList<>();
            for (String column : PeopleTable.ENCRYPTED_COLUMNS) {
                checks.add(new DecryptionCheck("kms_crypto")
                        .verify(connection, "demo", "person", "id", column, originals.get(column)));
            }
            List<String> changeLog = changeLog(connection);

            List<String> rollback = new ArrayList<>(List.of("--count=3", "--changelog-file=" + changelog));
            rollback.addAll(LiquibaseCli.connectionArgs(url));
            rollback.add("-DlambdaFunctionArn=" + stack.functionArn());
            LiquibaseCli.run(ExampleProjects.changelogsDir().toString(), "rollback-count",
                    rollback.toArray(String[]::new));

            TableSnapshot afterRollback = TableSnapshot.take(connection, "demo", "person", "id");
            return new Outcome(before, typesAfter, checks, changeLog, afterRollback);
        }
    }

    /** id, author, checksum and exec type of every applied change set, in order; file names differ by design. */
    private static List<String> changeLog(Connection connection) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(
                     "SELECT id, author, md5sum, exectype FROM databasechangelog ORDER BY orderexecuted")) {
            while (result.next()) {
                rows.add(result.getString(1) + " " + result.getString(2) + " " + result.getString(3) + " "
                        + result.getString(4));
            }
        }
        return rows;
    }
}
