package io.kmscolumns.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import io.kmscolumns.examples.demo.DecryptionCheck;
import io.kmscolumns.examples.demo.TableSnapshot;
import io.kmscolumns.local.LocalAurora;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the liquibase-maven-plugin goals of examples/maven-plugin (a separate project, migrations-lib
 * as a plugin dependency) against a database of the local stack: update encrypts, rollback decrypts.
 */
@ExtendWith(LocalAuroraExtension.class)
class MavenPluginExampleTest {

    private static final Map<Long, String> EMAILS = Map.of(1L, "ada@example.org", 2L, "alan@example.org");
    private static final Map<Long, String> TAX_IDS =
            Map.of(1L, "GB-100-200-301", 2L, "GB-100-200-302", 3L, "US-555-01-0003");

    @Test
    void pluginUpdateEncryptsTwoColumnsAndPluginRollbackRestoresThem(LocalAurora stack) throws Exception {
        String url = stack.createDatabase(ExampleProjects.databaseName("maven_plugin"));
        Path project = ExampleProjects.examplesDir().resolve("maven-plugin");
        Path logs = ExampleProjects.examplesDir().resolve("target/maven-plugin-example");
        ExampleProjects.publishExtension(logs);

        ExampleProjects.run(ExampleProjects.maven(project.resolve("pom.xml"), "liquibase:update",
                        "-Dliquibase.url=" + url, "-DlambdaFunctionArn=" + stack.functionArn()),
                project, logs.resolve("update.log"), Duration.ofMinutes(5));

        try (Connection connection = ExampleProjects.connect(url)) {
            Map<Long, String> emails = new HashMap<>(EMAILS);
            emails.put(3L, null);
            DecryptionCheck check = new DecryptionCheck("kms_crypto");
            DecryptionCheck.Result email = check.verify(connection, "public", "customer", "id", "email", emails);
            DecryptionCheck.Result taxId = check.verify(connection, "public", "customer", "id", "tax_id", TAX_IDS);
            assertThat(email.allEqual()).as(email.toString()).isTrue();
            assertThat(email.encrypted()).isEqualTo(2);
            assertThat(taxId.allEqual()).as(taxId.toString()).isTrue();
            assertThat(taxId.encrypted()).isEqualTo(3);
            assertThat(TableSnapshot.columnTypes(connection, "public", "customer")).containsEntry("tax_id", "text");
        }

        ExampleProjects.run(ExampleProjects.maven(project.resolve("pom.xml"), "liquibase:rollback",
                        "-Dliquibase.url=" + url, "-Dliquibase.rollbackCount=2",
                        "-DlambdaFunctionArn=" + stack.functionArn()),
                project, logs.resolve("rollback.log"), Duration.ofMinutes(3));

        try (Connection connection = ExampleProjects.connect(url)) {
            assertThat(TableSnapshot.columnValues(connection, "public", "customer", "id", "tax_id"))
                    .isEqualTo(new TreeMap<>(TAX_IDS));
            assertThat(TableSnapshot.columnValues(connection, "public", "customer", "id", "email"))
                    .containsEntry(1L, "ada@example.org").containsEntry(3L, null);
            assertThat(TableSnapshot.columnTypes(connection, "public", "customer"))
                    .containsEntry("tax_id", "character varying(20)").containsEntry("email", "text");
        }
    }
}
