package io.kmscolumns.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.kmscolumns.examples.demo.DemoMain;
import io.kmscolumns.local.LocalAurora;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

@ExtendWith(LocalAuroraExtension.class)
class DemoMainTest {

    @Test
    void demoEncryptsThreeColumnsShowsThemAndRollsBackToTheOriginal(LocalAurora stack) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DemoMain demo = new DemoMain(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        new CommandLine(demo).parseArgs("--rows=400", "--changelog-dir=" + ExampleProjects.changelogsDir());

        int status = demo.run(stack);

        String output = buffer.toString(StandardCharsets.UTF_8);
        assertThat(status).as(output).isZero();
        List<String> lines = output.lines().toList();
        assertThat(lines.get(lines.size() - 1))
                .matches("DEMO OK: \\d+ values encrypted in 3 columns, all decrypted back equal");
        assertThat(output)
                .contains("Encrypted columns of demo.person:")
                .contains("kms:v1:AQICAH")
                .contains("Rolled back in");
    }

    @Test
    void secondRunWorksInItsOwnDatabase(LocalAurora stack) throws Exception {
        for (int run = 1; run <= 2; run++) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            DemoMain demo = new DemoMain(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            new CommandLine(demo).parseArgs("--rows=50", "--format=yaml",
                    "--changelog-dir=" + ExampleProjects.changelogsDir());

            assertThat(demo.run(stack)).as("run %d:%n%s", run, buffer).isZero();
        }
    }
}
