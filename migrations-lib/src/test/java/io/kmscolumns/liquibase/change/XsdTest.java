package io.kmscolumns.liquibase.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import liquibase.GlobalConfiguration;
import liquibase.Scope;
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
    void schemaRejectsABatchSizeAboveTheLambdasLimit() {
        assertThatThrownBy(() -> Changelogs.parse("changelogs/invalid/batch-size-too-large.xml"))
                .hasStackTraceContaining("5000")
                .hasStackTraceContaining("batchSize");
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
