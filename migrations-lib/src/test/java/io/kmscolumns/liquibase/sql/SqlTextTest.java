package io.kmscolumns.liquibase.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlTextTest {

    @Test
    void identifiersAreAlwaysQuotedWithEmbeddedQuotesDoubled() {
        assertThat(SqlText.identifier("email")).isEqualTo("\"email\"");
        assertThat(SqlText.identifier("Mixed\"Case")).isEqualTo("\"Mixed\"\"Case\"");
        assertThat(SqlText.qualified("crm", "customers")).isEqualTo("\"crm\".\"customers\"");
        assertThat(SqlText.identifiers(List.of("a", "b"))).isEqualTo("\"a\", \"b\"");
    }

    @Test
    void literalsDoubleQuotesAndUseEscapeStringsForBackslashes() {
        assertThat(SqlText.literal("it's")).isEqualTo("'it''s'");
        assertThat(SqlText.literal("a\\b'c")).isEqualTo("E'a\\\\b''c'");
        assertThat(SqlText.literal(null)).isEqualTo("NULL");
    }

    @Test
    void textWithNulIsRefused() {
        assertThatThrownBy(() -> SqlText.literal("a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SqlText.identifier("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void defaultContextNamesTableAndColumnAndEscapesJson() {
        assertThat(EncryptionContext.defaultFor("public", "t", "c").toJson())
                .isEqualTo("{\"table\":\"public.t\",\"column\":\"c\"}");
        assertThat(EncryptionContext.parse("{\"q\": \"say \\\"hi\\\"\\n\"}").toJson())
                .isEqualTo("{\"q\":\"say \\\"hi\\\"\\n\"}");
    }

    @Test
    void ciphertextPredicateUsesTheContractsRegexAndLengthRule() {
        assertThat(CiphertextFormat.isCiphertext("v"))
                .isEqualTo("(v ~ '^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$' AND (length(v) - 7) % 4 = 0)");
    }
}
