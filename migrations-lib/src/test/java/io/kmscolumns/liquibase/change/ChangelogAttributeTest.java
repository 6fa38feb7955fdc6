package io.kmscolumns.liquibase.change;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import liquibase.change.Change;
import liquibase.database.core.PostgresDatabase;
import org.junit.jupiter.api.Test;

/**
 * What YAML and JSON changelogs cannot catch by schema: misspelt attribute names and numbers that do not parse,
 * which Liquibase itself would ignore or fail on without naming the attribute; validation names them.
 */
class ChangelogAttributeTest {

    private static final PostgresDatabase POSTGRES = new PostgresDatabase();

    @Test
    void misspeltYamlAttributesFailValidationNamingThemAndTheNearestKnownAttribute() throws Exception {
        List<String> errors = errors("changelogs/invalid/misspelt.yaml");

        assertThat(errors).anySatisfy(error -> assertThat(error)
                .contains("encryptColumn: unknown attribute encryptionContxt (did you mean encryptionContext?)"));
        assertThat(errors).anySatisfy(error -> assertThat(error)
                .contains("encryptColumn: unknown attribute batchSzie (did you mean batchSize?)"));
    }

    @Test
    void misspeltJsonAttributeFailsValidationNamingTheNearestKnownAttribute() throws Exception {
        assertThat(errors("changelogs/invalid/misspelt.json")).singleElement().asString()
                .contains("createEncryptFunctions: unknown attribute verifyLamda (did you mean verifyLambda?)");
    }

    @Test
    void batchSizeThatIsNotANumberFailsValidationNamingTheAttribute() throws Exception {
        assertThat(errors("changelogs/invalid/batch-size-not-a-number.yaml")).containsExactly(
                "encryptColumn: attribute batchSize must be a whole number; got \"abc\"");
    }

    @Test
    void everyAttributeOfTheReferenceChangelogsIsKnownInEveryFormat() throws Exception {
        for (String format : List.of("xml", "yaml", "json")) {
            assertThat(errors("changelogs/parity/changelog." + format)).as(format).isEmpty();
        }
    }

    @Test
    void nearestNameIsOfferedOnlyWhenItIsClose() {
        List<String> known = List.of("tableName", "columnName", "encryptionContext", "batchSize");

        assertThat(AttributeRules.nearest("tablename", known)).isEqualTo("tableName");
        assertThat(AttributeRules.nearest("colunmName", known)).isEqualTo("columnName");
        assertThat(AttributeRules.nearest("context", known)).isNull();
    }

    private static List<String> errors(String path) throws Exception {
        return Changelogs.changes(path).stream().map((Change change) -> change.validate(POSTGRES))
                .flatMap(result -> result.getErrorMessages().stream()).toList();
    }
}
