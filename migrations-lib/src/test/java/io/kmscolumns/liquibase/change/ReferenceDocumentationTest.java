package io.kmscolumns.liquibase.change;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liquibase.Scope;
import liquibase.change.Change;
import liquibase.change.ChangeFactory;
import liquibase.changelog.ChangeLogParameters;
import liquibase.changelog.ChangeSet;
import liquibase.parser.ChangeLogParserFactory;
import liquibase.resource.DirectoryResourceAccessor;
import liquibase.resource.ResourceAccessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change-type reference ({@code docs/change-types.md}) lists every attribute of every change type, and its
 * XML, YAML and JSON examples parse (the XML against the XSD) to the same changes.
 */
class ReferenceDocumentationTest {

    private static final Path REFERENCE = Path.of("..", "docs", "change-types.md");
    private static final Pattern BLOCK = Pattern.compile("```(xml|yaml|json)\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyAttributeOfEveryChangeTypeHasARowInTheReference() throws Exception {
        String reference = Files.readString(REFERENCE);
        ChangeFactory factory = Scope.getCurrentScope().getSingleton(ChangeFactory.class);

        for (Change change : List.of(new InstallAwsLambdaChange(), new CreateEncryptFunctionsChange(),
                new EncryptColumnChange(), new DecryptColumnChange())) {
            String name = factory.getChangeMetaData(change).getName();
            assertThat(reference).as(name).contains("## " + (change instanceof ColumnCryptoChange
                    ? "encryptColumn and decryptColumn" : name));
            for (String attribute : factory.getChangeMetaData(change).getParameters().keySet()) {
                assertThat(reference).as(name + "." + attribute).contains("| `" + attribute + "` |");
            }
        }
    }

    @Test
    void examplesInXmlYamlAndJsonParseToTheSameChanges(@TempDir Path dir) throws Exception {
        List<String> xml = new ArrayList<>();
        List<String> yaml = new ArrayList<>();
        List<String> json = new ArrayList<>();
        Matcher block = BLOCK.matcher(Files.readString(REFERENCE));
        while (block.find()) {
            switch (block.group(1)) {
                case "xml" -> xml.add(block.group(2));
                case "yaml" -> yaml.add(block.group(2));
                default -> json.add(block.group(2));
            }
        }
        Files.writeString(dir.resolve("reference.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
                    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                    xmlns:kms="http://kmscolumns.io/liquibase"
                    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
                        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd
                        http://kmscolumns.io/liquibase http://kmscolumns.io/liquibase/kms-columns-1.0.xsd">
                """ + String.join("", xml) + "</databaseChangeLog>\n");
        Files.writeString(dir.resolve("reference.yaml"), "databaseChangeLog:\n"
                + String.join("", yaml).replaceAll("(?m)^", "  "));
        Files.writeString(dir.resolve("reference.json"), "{\"databaseChangeLog\": [\n"
                + String.join(",\n", json.stream().map(String::strip).toList()) + "\n]}\n");

        List<String> fromXml = describe(dir, "reference.xml");

        assertThat(fromXml).hasSize(4);
        assertThat(fromXml.get(2)).contains("dependentViews=recreate", "userTriggers=fire", "schemaName=crm")
                .endsWith("[]");
        assertThat(describe(dir, "reference.yaml")).isEqualTo(fromXml);
        assertThat(describe(dir, "reference.json")).isEqualTo(fromXml);
    }

    private static List<String> describe(Path dir, String file) throws Exception {
        ResourceAccessor accessor = new DirectoryResourceAccessor(dir.toFile());
        List<ChangeSet> changeSets = Scope.child(Map.of(Scope.Attr.resourceAccessor.name(), accessor),
                () -> ChangeLogParserFactory.getInstance().getParser(file, accessor)
                        .parse(file, new ChangeLogParameters(), accessor).getChangeSets());
        return changeSets.stream().flatMap(changeSet -> changeSet.getChanges().stream()
                .map(change -> changeSet.getId() + " " + changeSet.isRunInTransaction() + " "
                        + change.getClass().getSimpleName() + " " + change.generateCheckSum()
                        + " " + change.getSerializableFields().stream().sorted().map(attribute -> attribute + "="
                                + change.getSerializableFieldValue(attribute)).toList()
                        + " " + change.validate(new liquibase.database.core.PostgresDatabase()).getErrorMessages()))
                .toList();
    }
}
