package io.kmscolumns.liquibase.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import liquibase.GlobalConfiguration;
import liquibase.Scope;
import liquibase.database.core.PostgresDatabase;
import org.junit.jupiter.api.Test;

class XsdTest {

    @Test
    void schemaIsInTheJarAtTheLowercaseMirroredPath() {
        assertThat(getClass().getClassLoader().getResource("kmscolumns.io/liquibase/kms-columns-1.0.xsd")).isNotNull();
    }

    @Test
    void changelogValidatesOfflineWithSecureParsingOn() throws Exception {
        int changes = Scope.child(Map.of(GlobalConfiguration.SECURE_PARSING.getKey(), true),
                () -> Changelogs.changes("changelogs/parity/changelog.xml").size());

        assertThat(changes).isEqualTo(4);
    }

    @Test
    void batchSizeAboveTheLambdasLimitPassesTheSchemaAndValidationRejectsItNamingAttributeRangeAndValue()
            throws Exception {
        // The schema accepts any text for numbers, so users see validation's message, not a cvc-datatype error.
        List<String> errors = Changelogs.changes("changelogs/invalid/batch-size-too-large.xml").stream()
                .flatMap(change -> change.validate(new PostgresDatabase()).getErrorMessages().stream()).toList();

        assertThat(errors).singleElement().asString()
                .contains("5000")
                .contains("batchSize")
                .contains("must be between 1 and 1000");
    }

    @Test
    void schemaRejectsAnUnknownAttribute() {
        assertThatThrownBy(() -> Changelogs.parse("changelogs/invalid/unknown-attribute.xml"))
                .hasStackTraceContaining("batchSzie");
    }

    @Test
    void schemaRejectsAnUnknownDependentViewsValue() {
        assertThatThrownBy(() -> Changelogs.parse("changelogs/invalid/dependent-views-cascade.xml"))
                .hasStackTraceContaining("cascade")
                .hasStackTraceContaining("dependentViews");
    }

    @Test
    void schemaRejectsAnEncryptColumnWithoutColumnName() {
        assertThatThrownBy(() -> Changelogs.parse("changelogs/invalid/missing-column.xml"))
                .hasStackTraceContaining("columnName");
    }
}
