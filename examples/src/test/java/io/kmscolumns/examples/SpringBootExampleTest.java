package io.kmscolumns.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.kmscolumns.examples.demo.DecryptionCheck;
import io.kmscolumns.local.LocalAurora;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Packages examples/spring-boot (its own project: Spring Boot 3.5.7, Liquibase pinned to 4.33.0, migrations-lib at
 * runtime), starts the executable jar against a database of the local stack, waits until it reports itself
 * started, checks that the migration at start-up encrypted {@code customer.email}, and stops it.
 */
@ExtendWith(LocalAuroraExtension.class)
class SpringBootExampleTest {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    @Test
    void applicationStartUpEncryptsTheCustomerEmails(LocalAurora stack) throws Exception {
        Path project = ExampleProjects.examplesDir().resolve("spring-boot");
        Path logs = ExampleProjects.examplesDir().resolve("target/spring-boot-example");
        ExampleProjects.publishExtension(logs);
        ExampleProjects.run(ExampleProjects.maven(project.resolve("pom.xml"), "clean", "package", "-DskipTests"),
                project, logs.resolve("package.log"), Duration.ofMinutes(8));
        Path jar = project.resolve("target/kms-columns-spring-boot-example.jar");
        assertThat(jar).isRegularFile();

        String url = stack.createDatabase(ExampleProjects.databaseName("spring_boot"));
        Path appLog = logs.resolve("application.log");
        Process app = new ProcessBuilder(List.of(ExampleProjects.java(), "-jar", jar.toString(),
                "--spring.datasource.url=" + url,
                "--spring.liquibase.parameters.lambdaFunctionArn=" + stack.functionArn()))
                .directory(project.toFile()).redirectErrorStream(true).redirectOutput(appLog.toFile()).start();
        try {
            awaitStarted(app, appLog);

            try (Connection connection = ExampleProjects.connect(url)) {
                DecryptionCheck.Result email = new DecryptionCheck("kms_crypto").verify(connection, "public",
                        "customer", "id", "email", Map.of(1L, "katherine@example.org", 2L, "dorothy@example.org"));
                assertThat(email.allEqual()).as(email.toString()).isTrue();
                assertThat(email.encrypted()).isEqualTo(2);
            }
            assertThat(Files.readString(appLog, StandardCharsets.UTF_8))
                    .contains("customer.email: 2 of 2 values stored encrypted")
                    .doesNotContain("katherine@example.org");
        } finally {
            app.destroy();
            if (!app.waitFor(30, TimeUnit.SECONDS)) {
                app.destroyForcibly().waitFor();
            }
        }
    }

    private static void awaitStarted(Process app, Path log) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (output.contains("Started ExampleApplication") && output.contains("values stored encrypted")) {
                return;
            }
            if (!app.isAlive()) {
                throw new AssertionError("the application exited with " + app.exitValue() + " before it started:\n"
                        + ExampleProjects.tail(log));
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the application did not start within " + START_TIMEOUT + ":\n"
                + ExampleProjects.tail(log));
    }
}
