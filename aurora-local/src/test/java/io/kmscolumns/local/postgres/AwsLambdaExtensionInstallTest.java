package io.kmscolumns.local.postgres;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Installing the emulation as extensions, the way Aurora users create it. */
class AwsLambdaExtensionInstallTest {

    @Test
    void installFilesWritesTheControlFilesAndScriptsIntoTheExtensionDirectory(@TempDir Path sharedir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int status = AwsLambdaEmulation.run(new String[] {"--install-files", sharedir.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        assertThat(status).isZero();
        assertThat(sharedir.resolve("extension")).isDirectoryContaining("glob:**/aws_lambda.control")
                .isDirectoryContaining("glob:**/aws_lambda--1.0.sql")
                .isDirectoryContaining("glob:**/aws_commons.control")
                .isDirectoryContaining("glob:**/aws_commons--1.2.sql");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("wrote ");
        assertThat(AwsLambdaEmulation.run(new String[] {"--bogus"}, System.out,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isEqualTo(2);
    }

    @Test
    void createExtensionCascadeInstallsAwsCommonsAndPlPython() throws SQLException, IOException {
        try (EmulationDatabase database = EmulationDatabase.create("emul_ext");
             Connection connection = database.connect()) {
            Path extensionDirectory = Path.of(single(connection,
                    "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'")).resolve("extension");
            Assumptions.assumeTrue(Files.isDirectory(extensionDirectory) && Files.isWritable(extensionDirectory),
                    "Skipped: " + extensionDirectory + " is not writable by this test (run as the owner of the"
                            + " PostgreSQL installation, or install the files with scripts/lib/"
                            + "install-emulation-files.sh); the plain script is tested by AwsLambdaEmulationTest");
            AwsLambdaEmulation.writeExtensionFiles(extensionDirectory);

            assertThat(AwsLambdaEmulation.extensionFilesAvailable(connection)).isTrue();
            AwsLambdaEmulation.install(connection);
            AwsLambdaEmulation.install(connection);

            assertThat(list(connection, "SELECT extname || ' ' || extversion || ' ' || extnamespace::regnamespace"
                    + " FROM pg_extension WHERE extname IN ('aws_lambda', 'aws_commons', 'plpython3u') ORDER BY 1"))
                    .containsExactly("aws_commons 1.2 public", "aws_lambda 1.0 public", "plpython3u 1.0 pg_catalog");
            assertThat(list(connection, "SELECT count(*) FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid"
                    + " WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'"
                    + " AND p.proname IN ('invoke', 'create_lambda_function_arn')"))
                    .containsExactly("5");
        }
    }

    private static String single(Connection connection, String sql) throws SQLException {
        return list(connection, sql).get(0);
    }

    private static List<String> list(Connection connection, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }
}
