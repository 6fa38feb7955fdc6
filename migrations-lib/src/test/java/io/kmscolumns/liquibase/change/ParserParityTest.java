package io.kmscolumns.liquibase.change;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import liquibase.Scope;
import liquibase.change.Change;
import liquibase.change.ChangeFactory;
import liquibase.change.ChangeParameterMetaData;
import liquibase.changelog.ChangeSet;
import org.junit.jupiter.api.Test;

class ParserParityTest {

    private static final String DIR = "changelogs/parity/";

    @Test
    void xmlYamlAndJsonChangelogsParseToEqualChanges() throws Exception {
        List<Map<String, Object>> xml = describe(Changelogs.changes(DIR + "changelog.xml"));
        List<Map<String, Object>> yaml = describe(Changelogs.changes(DIR + "changelog.yaml"));
        List<Map<String, Object>> json = describe(Changelogs.changes(DIR + "changelog.json"));

        assertThat(xml).hasSize(4);
        assertThat(yaml).isEqualTo(xml);
        assertThat(json).isEqualTo(xml);
    }

    @Test
    void everyFormatSetsEveryAttributeWithItsType() throws Exception {
        for (String format : List.of("xml", "yaml", "json")) {
            List<Change> changes = Changelogs.changes(DIR + "changelog." + format);

            assertThat(changes).extracting(change -> change.getClass().getSimpleName()).containsExactly(
                    "InstallAwsLambdaChange", "CreateEncryptFunctionsChange", "EncryptColumnChange",
                    "DecryptColumnChange");
            EncryptColumnChange encrypt = (EncryptColumnChange) changes.get(2);
            assertThat(encrypt.getBatchSize()).isEqualTo(250);
            assertThat(encrypt.getInstallTrigger()).isFalse();
            assertThat(encrypt.getPauseMillis()).isEqualTo(10);
            assertThat(encrypt.getDependentViews()).isEqualTo("recreate");
            assertThat(encrypt.getUserTriggers()).isEqualTo("skip");
            assertThat(encrypt.contextJson()).isEqualTo("{\"tenant\":\"acme\",\"purpose\":\"pii\"}");
            CreateEncryptFunctionsChange functions = (CreateEncryptFunctionsChange) changes.get(1);
            assertThat(functions.getRequestTimeoutMs()).isEqualTo(30000);
            assertThat(functions.getEncryptRoles()).isEqualTo("app_writer");
        }
    }

    @Test
    void changesetChecksumsAreTheSameInEveryFormat() throws Exception {
        List<String> xml = checksums(DIR + "changelog.xml");

        assertThat(checksums(DIR + "changelog.yaml")).isEqualTo(xml);
        assertThat(checksums(DIR + "changelog.json")).isEqualTo(xml);
    }

    private static List<String> checksums(String path) throws Exception {
        return Changelogs.parse(path).getChangeSets().stream()
                .map(ChangeSet::getChanges).flatMap(List::stream)
                .map(change -> change.generateCheckSum().toString()).toList();
    }

    private static List<Map<String, Object>> describe(List<Change> changes) {
        ChangeFactory factory = Scope.getCurrentScope().getSingleton(ChangeFactory.class);
        return changes.stream().map(change -> {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("type", factory.getChangeMetaData(change).getName());
            for (ChangeParameterMetaData parameter : factory.getChangeMetaData(change).getParameters().values()) {
                values.put(parameter.getParameterName(), parameter.getCurrentValue(change));
            }
            return values;
        }).toList();
    }
}
