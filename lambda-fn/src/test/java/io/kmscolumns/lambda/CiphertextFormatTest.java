package io.kmscolumns.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Known-answer vectors that pin the ciphertext text format and the plaintext byte mapping. */
class CiphertextFormatTest {

    /** 01 02 02 00 78 followed by the bytes 0..39. */
    private static final byte[] BLOB = blob(40);
    private static final String BLOB_V1 = "kms:v1:AQICAHgAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYn";

    /** 01 02 02 00 78, the bytes 200..255 and 0..99: 161 bytes, base64 longer than one 76-character line. */
    private static final byte[] LONG_BLOB = longBlob();
    private static final String LONG_BLOB_BASE64 = "AQICAHjIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy"
        + "8/T19vf4+fr7/P3+/wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9A"
        + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmM=";

    @Test
    void formatWritesPrefixAndPaddedStandardBase64() {
        assertThat(CiphertextFormat.format(BLOB)).isEqualTo(BLOB_V1);
        assertThat(CiphertextFormat.format(LONG_BLOB)).isEqualTo("kms:v1:" + LONG_BLOB_BASE64)
            .doesNotContain("\n").endsWith("=");
        assertThat(CiphertextFormat.format(new byte[] {1, 2, 2, 0})).isEqualTo("kms:v1:AQICAA==");
    }

    @Test
    void writtenCiphertextMatchesTheSqlRecognitionRule() {
        assertThat(CiphertextFormat.isCanonicalV1(BLOB_V1)).isTrue();
        assertThat(CiphertextFormat.isCanonicalV1(CiphertextFormat.format(LONG_BLOB))).isTrue();
        assertThat(CiphertextFormat.isCanonicalV1("kms:v1:AQICAHg")).isFalse();
        assertThat(CiphertextFormat.isCanonicalV1(LONG_BLOB_BASE64)).isFalse();
        assertThat(CiphertextFormat.isCanonicalV1("kms:v1:AQICAH\nAA")).isFalse();
        assertThat(CiphertextFormat.isCanonicalV1("hello")).isFalse();
    }

    @Test
    void parseReadsV1AndBareConsoleBlobs() {
        assertThat(CiphertextFormat.parse(BLOB_V1, "event_text")).isEqualTo(BLOB);
        assertThat(CiphertextFormat.parse(BLOB_V1.substring(7), "event_text")).isEqualTo(BLOB);
        assertThat(CiphertextFormat.parse(LONG_BLOB_BASE64, "event_text")).isEqualTo(LONG_BLOB);
    }

    @Test
    void parseIgnoresLineBreaksAndWhitespaceAsPostgresEncodeWritesThem() {
        String mime = LONG_BLOB_BASE64.substring(0, 76) + "\n" + LONG_BLOB_BASE64.substring(76, 152) + "\n"
            + LONG_BLOB_BASE64.substring(152);
        assertThat(CiphertextFormat.parse(mime, "event_text")).isEqualTo(LONG_BLOB);
        assertThat(CiphertextFormat.parse("kms:v1:" + mime.replace("\n", "\r\n"), "x")).isEqualTo(LONG_BLOB);
        assertThat(CiphertextFormat.parse("  " + LONG_BLOB_BASE64.replace("AQIC", "AQ IC\t") + "\n", "x"))
            .isEqualTo(LONG_BLOB);
    }

    @Test
    void parseAcceptsMissingPadding() {
        assertThat(CiphertextFormat.parse("kms:v1:AQICAA", "x")).containsExactly(1, 2, 2, 0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "kms:v1:AQICAH-_AAAA | URL-safe base64 alphabet",
        "kms:v2:AQICAHAAAAAA | unsupported ciphertext version prefix",
        "kms:v1:            | is empty",
        "kms:v1:AQICAHgAA   | not well-formed base64",
        "AQICAH$secretAA    | not base64 at offset 6",
        "AQICAHgA====       | not well-formed base64",
    })
    void parseRefusesOtherTextWithoutRepeatingIt(String text, String reason) {
        assertThatThrownBy(() -> CiphertextFormat.parse(text, "event_texts[7]"))
            .isInstanceOf(InvalidCiphertextException.class)
            .hasMessageStartingWith("event_texts[7] is not a ciphertext this function reads")
            .hasMessageContaining(reason)
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(text.length() > 7 ? text.substring(7) : "AQIC"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "A          | 41",
        "' '        | 20",
        "null       | 6e756c6c",
        "é          | c3a9",
        "日本       | e697a5e69cac",
        "😀         | f09f9880",
        "'a\"b\\c'  | 6122625c63",
    })
    void plaintextIsUtf8(String text, String hex) {
        assertThat(HexFormat.of().formatHex(CiphertextFormat.plaintextBytes(text, "event_text"))).isEqualTo(hex);
        assertThat(CiphertextFormat.text(HexFormat.of().parseHex(hex), "event_text")).isEqualTo(text);
    }

    @Test
    void emptyStringIsTheSingleByteZeroAndBack() {
        assertThat(CiphertextFormat.plaintextBytes("", "event_text")).containsExactly(0);
        assertThat(CiphertextFormat.text(new byte[] {0}, "event_text")).isEmpty();
    }

    @Test
    void v1CiphertextIsRefusedAsPlaintextButItsLookalikesAreNot() {
        assertThatThrownBy(() -> CiphertextFormat.plaintextBytes(BLOB_V1, "event_texts[4]"))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageStartingWith("event_texts[4] is already kms:v1 ciphertext; refusing to encrypt it twice")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(BLOB_V1.substring(7)));

        for (String lookalike : List.of(BLOB_V1.substring(7), BLOB_V1 + "A", "kms:v1:AQICAHg", BLOB_V1 + "\n")) {
            assertThat(CiphertextFormat.plaintextBytes(lookalike, "x")).as(lookalike).isNotEmpty();
        }
    }

    @Test
    void limitIsCountedInUtf8Bytes() {
        assertThat(CiphertextFormat.plaintextBytes("a".repeat(4096), "x")).hasSize(4096);
        assertThat(CiphertextFormat.plaintextBytes("é".repeat(2048), "x")).hasSize(4096);
        assertThat(CiphertextFormat.plaintextBytes("😀".repeat(1024), "x")).hasSize(4096);

        assertThatThrownBy(() -> CiphertextFormat.plaintextBytes("a".repeat(4097), "event_texts[2]"))
            .isInstanceOf(PlaintextTooLargeException.class)
            .hasMessageStartingWith("event_texts[2] is 4097 bytes in UTF-8; KMS encrypts at most 4096 bytes");
        assertThatThrownBy(() -> CiphertextFormat.plaintextBytes("日".repeat(1366), "event_text"))
            .isInstanceOf(PlaintextTooLargeException.class)
            .hasMessageContaining("4098 bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0000", "a\u0000b", "\ud800", "x\udc00y"})
    void textThatIsNotPostgresTextIsRefused(String text) {
        assertThatThrownBy(() -> CiphertextFormat.plaintextBytes(text, "event_texts[1]"))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageStartingWith("event_texts[1] ");
    }

    @Test
    void decryptedBytesThatAreNotTextAreRefused() {
        assertThatThrownBy(() -> CiphertextFormat.text(new byte[] {(byte) 0xff, (byte) 0xfe}, "event_text"))
            .isInstanceOf(DecryptedValueNotTextException.class)
            .hasMessageContaining("not UTF-8");
        assertThatThrownBy(() -> CiphertextFormat.text("a\u0000b".getBytes(StandardCharsets.UTF_8), "event_text"))
            .isInstanceOf(DecryptedValueNotTextException.class)
            .hasMessageContaining("U+0000");
    }

    private static byte[] blob(int tail) {
        byte[] blob = new byte[5 + tail];
        blob[0] = 1;
        blob[1] = 2;
        blob[2] = 2;
        blob[4] = 0x78;
        for (int i = 0; i < tail; i++) {
            blob[5 + i] = (byte) i;
        }
        return blob;
    }

    private static byte[] longBlob() {
        byte[] blob = new byte[161];
        System.arraycopy(new byte[] {1, 2, 2, 0, 0x78}, 0, blob, 0, 5);
        for (int i = 0; i < 56; i++) {
            blob[5 + i] = (byte) (200 + i);
        }
        for (int i = 0; i < 100; i++) {
            blob[61 + i] = (byte) i;
        }
        return blob;
    }
}
