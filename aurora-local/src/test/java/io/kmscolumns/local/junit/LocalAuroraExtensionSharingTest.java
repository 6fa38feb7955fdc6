package io.kmscolumns.local.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmscolumns.local.EchoEnvironmentHandler;
import io.kmscolumns.local.LocalAurora;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LocalAuroraExtensionSharingTest {

    @RegisterExtension
    static final LocalAuroraExtension AURORA = LocalAuroraExtension.withHandler(EchoEnvironmentHandler.class.getName());

    @AfterAll
    static void theStackIsTheOneOtherTestClassesGet(LocalAurora stack, LocalAuroraDatabase database) {
        SharedStackWitness.classFinished(stack, database);
    }

    @Test
    void getsItsOwnDatabaseAndEarlierClassDatabasesAreDropped(LocalAuroraDatabase database, LocalAurora stack)
            throws Exception {
        assertThat(database.name()).startsWith("t_localauroraextensionsharingtest_");
        try (Connection connection = stack.postgres().connect(); PreparedStatement statement =
                connection.prepareStatement("SELECT count(*) FROM pg_database WHERE datname = ?")) {
            statement.setString(1, database.name());
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
        SharedStackWitness.assertEarlierClassDatabasesDropped(stack);
    }
}
