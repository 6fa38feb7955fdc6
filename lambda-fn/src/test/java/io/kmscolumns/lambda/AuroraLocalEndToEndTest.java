package io.kmscolumns.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmscolumns.local.LocalAurora;
import io.kmscolumns.local.junit.LocalAuroraDatabase;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The function as SQL sees it: PostgreSQL with the {@code aws_lambda} emulation, the local Lambda endpoint hosting
 * {@link KmsCryptoHandler}, and the local KMS. Payloads are built with {@code jsonb_build_object}, as the SQL
 * functions of migrations-lib build them.
 */
@ExtendWith(LocalAuroraExtension.class)
class AuroraLocalEndToEndTest {

    private static final String INVOKE = "SELECT payload FROM aws_lambda.invoke(?::text, jsonb_build_object("
        + "'event_type', ?::text, 'event_text', ?::text, 'context', jsonb_build_object('table', 'public.people',"
        + " 'column', ?::text)))";

    private static final String INVOKE_BATCH = "SELECT payload FROM aws_lambda.invoke(?::text, jsonb_build_object("
        + "'event_type', ?::text, 'event_texts', to_jsonb(?::text[]), 'context', jsonb_build_object('table',"
        + " 'public.people', 'column', 'email')))";

    @Test
    void valuesRoundTripFromSql(LocalAuroraDatabase database) throws SQLException {
        String function = database.stack().functionArn();
        List<String> texts = new ArrayList<>();
        LocalKmsRoundTripTest.texts().forEach(arguments -> texts.add((String) arguments.get()[1]));

        try (Connection connection = database.connect()) {
            for (String text : texts) {
                String ciphertext = invoke(connection, function, "enc", text, "email");
                assertThat(CiphertextFormat.isCanonicalV1(ciphertext)).isTrue();
                assertThat(invoke(connection, function, "dec", ciphertext, "email")).isEqualTo(text);
            }
        }
    }

    @Test
    void batchRoundTripsFromSqlWithNullsInPlace(LocalAuroraDatabase database) throws SQLException {
        String function = database.stack().functionArn();
        List<String> values = new ArrayList<>();
        LocalKmsRoundTripTest.texts().forEach(arguments -> {
            values.add(null);
            values.add((String) arguments.get()[1]);
        });

        try (Connection connection = database.connect()) {
            List<String> ciphertexts = invokeBatch(connection, function, "enc", values);
            assertThat(ciphertexts).hasSameSizeAs(values);
            assertThat(invokeBatch(connection, function, "dec", ciphertexts)).isEqualTo(values);

            // The same through a table, as an UPDATE of a column would do it.
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE people (id int PRIMARY KEY, email text)");
                statement.execute("INSERT INTO people SELECT i, 'person' || i || '@example.com'"
                    + " FROM generate_series(1, 50) i");
            }
            try (PreparedStatement update = connection.prepareStatement(
                "WITH a AS (SELECT array_agg(id ORDER BY id) ids, array_agg(email ORDER BY id) emails FROM people),"
                + " inv AS (SELECT a.ids, i.payload FROM a, LATERAL aws_lambda.invoke(?::text, jsonb_build_object("
                + "   'event_type', 'enc', 'event_texts', to_jsonb(a.emails))) i),"
                + " r AS (SELECT u.id, u.c FROM inv, LATERAL unnest(inv.ids, ARRAY(SELECT e FROM"
                + "   jsonb_array_elements_text(inv.payload::jsonb -> 'results') WITH ORDINALITY t(e, n) ORDER BY n))"
                + "   AS u(id, c))"
                + " UPDATE people SET email = r.c FROM r WHERE people.id = r.id")) {
                update.setString(1, function);
                assertThat(update.executeUpdate()).isEqualTo(50);
            }
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT count(*) FROM people WHERE email ~"
                     + " '^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$' AND (length(email) - 7) % 4 = 0")) {
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(50);
            }
        }
    }

    @Test
    void errorsReachSqlNamingTheIndexButNoValue(LocalAuroraDatabase database) throws SQLException {
        String function = database.stack().functionArn();
        String tooLong = "x".repeat(4096) + "é";

        try (Connection connection = database.connect()) {
            assertThatThrownBy(() -> invokeBatch(connection, function, "enc", List.of("ok", tooLong)))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("lambda invocation failed")
                .satisfies(e -> assertThat(fullText((SQLException) e))
                    .contains("PlaintextTooLargeException")
                    .contains("event_texts[1] is 4098 bytes in UTF-8")
                    .doesNotContain("xxxxxxxx"));

            String ciphertext = invoke(connection, function, "enc", "alice@example.com", "email");
            assertThatThrownBy(() -> invoke(connection, function, "dec", ciphertext, "phone"))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(fullText((SQLException) e))
                    .contains("InvalidCiphertextException")
                    .contains("the encryption context or the key does not match")
                    .doesNotContain("alice")
                    .doesNotContain(ciphertext.substring(7, 40)));
        }
    }

    @Test
    void consoleFormatCiphertextStoredByPostgresEncodeDecryptsFromSql(LocalAuroraDatabase database)
        throws SQLException {
        LocalAurora stack = database.stack();
        String v1;
        try (Connection connection = database.connect()) {
            // Encrypted without context, as the console setup did.
            try (PreparedStatement statement = connection.prepareStatement("SELECT payload ->> 'result' FROM"
                + " aws_lambda.invoke(?::text, jsonb_build_object('event_type', 'enc', 'event_text', ?::text))")) {
                statement.setString(1, stack.functionArn());
                statement.setString(2, "Grüße aus Köln");
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    v1 = rows.getString(1);
                }
            }
            // Re-encode the blob the way PostgreSQL writes base64: bare, with a line break every 76 characters.
            try (PreparedStatement statement = connection.prepareStatement("SELECT payload ->> 'result' FROM"
                + " aws_lambda.invoke(?::text, jsonb_build_object('event_type', 'dec', 'event_text',"
                + " encode(decode(substr(?::text, 8), 'base64'), 'base64')))")) {
                statement.setString(1, stack.functionArn());
                statement.setString(2, v1);
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    assertThat(rows.getString(1)).isEqualTo("Grüße aus Köln");
                }
            }
        }
    }

    private static String invoke(Connection connection, String function, String eventType, String text,
                                 String column) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(INVOKE)) {
            statement.setString(1, function);
            statement.setString(2, eventType);
            statement.setString(3, text);
            statement.setString(4, column);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return Invocations.JSON.readTree(rows.getString(1)).get("result").textValue();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError("the function answered something that is not JSON", e);
            }
        }
    }

    private static List<String> invokeBatch(Connection connection, String function, String eventType,
                                            List<String> values) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(INVOKE_BATCH)) {
            statement.setString(1, function);
            statement.setString(2, eventType);
            statement.setArray(3, connection.createArrayOf("text", values.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return Invocations.results(Invocations.JSON.readTree(rows.getString(1)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError("the function answered something that is not JSON", e);
            }
        }
    }

    private static String fullText(SQLException e) {
        // The server's DETAIL carries the function's error; the driver puts it in the server error message.
        String detail = e instanceof org.postgresql.util.PSQLException psql && psql.getServerErrorMessage() != null
            ? psql.getServerErrorMessage().getDetail() : null;
        return e.getMessage() + "\n" + detail;
    }
}
