package io.kmscolumns.liquibase.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmscolumns.local.postgres.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The generated functions against replies a well-behaved Lambda never sends. A stand-in {@code aws_lambda.invoke}
 * returns whatever status and payload the test stores, so each malformed reply can be shown to raise instead of
 * being stored. The real round trip is covered end to end through the local stack.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CryptoFunctionsShapeCheckTest {

    private static final String CIPHERTEXT = "kms:v1:AQICAHhvYWJj";

    private PostgresServer server;
    private String database;
    private Connection connection;

    @BeforeAll
    void createFunctionsOverAStandIn() throws SQLException {
        server = PostgresServer.start();
        database = "kms_shape_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = server.connect(); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        }
        connection = server.connect(database);
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA aws_lambda");
            statement.execute("CREATE TABLE aws_lambda.reply (status integer, body jsonb, calls integer)");
            statement.execute("""
                    CREATE FUNCTION aws_lambda.invoke(function_name text, request jsonb, region text DEFAULT NULL,
                      OUT status_code integer, OUT payload jsonb, OUT executed_version text, OUT log_result text)
                    LANGUAGE sql AS $$
                      UPDATE aws_lambda.reply SET calls = calls + 1 RETURNING status, body, '$LATEST', NULL::text
                    $$""");
            for (String sql : new CryptoFunctionSql(new FunctionSet("kms_crypto", "encrypt", "decrypt"), "kms-crypto",
                    null, List.of(), List.of(), 5_000, 1_000).create()) {
                statement.execute(sql);
            }
        }
    }

    @AfterAll
    void dropDatabase() throws SQLException {
        if (connection != null) {
            connection.close();
        }
        if (server != null) {
            try (Connection admin = server.connect(); Statement statement = admin.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + database);
            }
            server.close();
        }
    }

    @BeforeEach
    void resetReply() throws SQLException {
        reply(200, "{\"result\": \"" + CIPHERTEXT + "\"}");
    }

    @Test
    void wellFormedCiphertextIsReturned() throws SQLException {
        assertThat(query("SELECT kms_crypto.encrypt('x')")).isEqualTo(CIPHERTEXT);
    }

    @Test
    void nullIsReturnedWithoutInvokingTheLambda() throws SQLException {
        assertThat(query("SELECT kms_crypto.encrypt(NULL)")).isNull();
        assertThat(query("SELECT kms_crypto.decrypt(NULL)")).isNull();
        assertThat(query("SELECT array_to_string(kms_crypto.encrypt_batch(ARRAY[NULL, NULL]::text[]), ',', 'N')"))
                .isEqualTo("N,N");
        assertThat(calls()).isZero();
    }

    @Test
    void statusOtherThan200Raises() throws SQLException {
        reply(202, null);

        assertThatThrownBy(() -> query("SELECT kms_crypto.encrypt('x')"))
                .hasMessageContaining("Lambda kms-crypto answered HTTP status 202, expected 200");
    }

    @Test
    void aJsonStringPayloadRaisesInsteadOfBeingStored() throws SQLException {
        reply(200, "\"" + CIPHERTEXT + "\"");

        assertThatThrownBy(() -> query("SELECT kms_crypto.encrypt('x')"))
                .hasMessageContaining("returned a payload that is not a JSON object");
    }

    @Test
    void aResultThatIsNotAStringRaises() throws SQLException {
        reply(200, "{\"result\": 5}");

        assertThatThrownBy(() -> query("SELECT kms_crypto.decrypt('" + CIPHERTEXT + "')"))
                .hasMessageContaining("not a JSON object with a string \"result\"");
    }

    @Test
    void aResultThatIsNotV1CiphertextRaises() throws SQLException {
        for (String bad : List.of("plaintext", "kms:v1:AQICAHx", "kms:v1:AQICAH-_", "kms:v2:AQICAHhvYWJj")) {
            reply(200, "{\"result\": \"" + bad + "\"}");

            assertThatThrownBy(() -> query("SELECT kms_crypto.encrypt('x')")).as(bad)
                    .hasMessageContaining("is not kms:v1 ciphertext; nothing was stored");
        }
    }

    @Test
    void anErrorObjectRaisesWithItsType() throws SQLException {
        reply(200, "{\"errorType\": \"KmsDisabled\", \"errorMessage\": \"key is disabled\"}");

        assertThatThrownBy(() -> query("SELECT kms_crypto.encrypt('x')"))
                .hasMessageContaining("failed with KmsDisabled : key is disabled");
    }

    @Test
    void aBatchRequestOverLambdasPayloadLimitRaisesWithoutInvoking() throws SQLException {
        // 1,000 values of 4,096 quotes: within KMS's limit each, but 8 MB once every quote is escaped in JSON.
        assertThatThrownBy(() -> query("SELECT kms_crypto.encrypt_batch(ARRAY(SELECT repeat('\"', 4096)"
                + " FROM generate_series(1, 1000)))::text"))
                .hasMessageContaining("bytes a synchronous invocation accepts; nothing was sent")
                .hasMessageContaining("kms-crypto");
        assertThat(calls()).isZero();
    }

    @Test
    void aBatchReplyOfTheWrongLengthRaises() throws SQLException {
        reply(200, "{\"results\": [\"" + CIPHERTEXT + "\"]}");

        assertThatThrownBy(() -> query("SELECT kms_crypto.encrypt_batch(ARRAY['a', 'b'])::text"))
                .hasMessageContaining("returned 1 results for 2 inputs");
    }

    @Test
    void aBatchReplyWithAValueWhereTheInputWasNullRaises() throws SQLException {
        reply(200, "{\"results\": [\"" + CIPHERTEXT + "\", \"" + CIPHERTEXT + "\"]}");

        assertThatThrownBy(() -> query("SELECT kms_crypto.encrypt_batch(ARRAY['a', NULL])::text"))
                .hasMessageContaining("at position 2 where the input was NULL");
    }

    @Test
    void aBatchReplyWithANullForAValueRaises() throws SQLException {
        reply(200, "{\"results\": [null, \"" + CIPHERTEXT + "\"]}");

        assertThatThrownBy(() -> query("SELECT kms_crypto.encrypt_batch(ARRAY['a', 'b'])::text"))
                .hasMessageContaining("result at position 1 that is not kms:v1 ciphertext");
    }

    @Test
    void aWellFormedBatchKeepsOrderAndNulls() throws SQLException {
        reply(200, "{\"results\": [\"" + CIPHERTEXT + "\", null]}");

        assertThat(query("SELECT array_to_string(kms_crypto.encrypt_batch(ARRAY['a', NULL]), ',', 'N')"))
                .isEqualTo(CIPHERTEXT + ",N");
    }

    @Test
    void aContextWithNonStringValuesIsRefusedBeforeInvoking() throws SQLException {
        assertThatThrownBy(() -> query("SELECT kms_crypto.encrypt('x', '{\"n\": 1}')"))
                .hasMessageContaining("context must be a JSON object with string values only");
        assertThat(calls()).isZero();
    }

    private void reply(int status, String body) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "DELETE FROM aws_lambda.reply; INSERT INTO aws_lambda.reply VALUES (?, ?::jsonb, 0)")) {
            update.setInt(1, status);
            update.setString(2, body);
            update.execute();
        }
    }

    private long calls() throws SQLException {
        return Long.parseLong(query("SELECT calls FROM aws_lambda.reply"));
    }

    private String query(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }
}
