package io.kmscolumns.local.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmscolumns.local.EchoEnvironmentHandler;
import io.kmscolumns.local.LocalAurora;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LocalAuroraExtensionTest {

    @RegisterExtension
    static final LocalAuroraExtension AURORA = LocalAuroraExtension.withHandler(EchoEnvironmentHandler.class.getName());

    private static LocalAuroraDatabase fromBeforeAll;

    @BeforeAll
    static void remember(LocalAuroraDatabase database) {
        fromBeforeAll = database;
    }

    @AfterAll
    static void theStackIsTheOneOtherTestClassesGet(LocalAurora stack, LocalAuroraDatabase database) {
        SharedStackWitness.classFinished(stack, database);
    }

    @Test
    void injectsARunningStack(LocalAurora stack) {
        assertThat(stack.functionArn()).endsWith(":function:kms-crypto");
        assertThat(stack.kms().keyArn(LocalAurora.KEY_ALIAS)).isEqualTo(stack.keyArn());
    }

    @Test
    void injectsOneDatabasePerTestClassWithTheEmulationInstalled(LocalAuroraDatabase database) throws Exception {
        assertThat(database).isSameAs(fromBeforeAll);
        assertThat(database.name()).startsWith("t_localauroraextensiontest_");
        try (Connection connection = database.connect(); PreparedStatement statement = connection.prepareStatement(
                "SELECT payload->'event'->>'event_text' FROM aws_lambda.invoke(?::text, ?::json)")) {
            statement.setString(1, database.stack().functionName());
            statement.setString(2, "{\"event_text\":\"from a test\"}");
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("from a test");
            }
        }
    }

    @Test
    void theClassDatabaseIsNotTheStacksOwn(LocalAuroraDatabase database, LocalAurora stack) throws Exception {
        SharedStackWitness.assertEarlierClassDatabasesDropped(stack);
        assertThat(database.name()).isNotEqualTo(stack.database());
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(database.name());
        }
    }

    @Nested
    class NestedClasses {
        @Test
        void shareTheirOuterClassDatabase(LocalAuroraDatabase database) {
            assertThat(database).isSameAs(fromBeforeAll);
        }
    }
}
