package io.kmscolumns.lambda;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The one place that defines how values look on both sides of KMS (specified in {@code docs/ciphertext-format.md}).
 *
 * <p>Ciphertext text, version 1: {@code kms:v1:} followed by the standard, padded base64 (RFC 4648 section 4, no line
 * breaks) of the KMS {@code CiphertextBlob}. Decryption also reads a bare base64 blob, as the console setup stored
 * it, and ignores whitespace and line breaks anywhere in the base64 part (PostgreSQL's {@code encode(..., 'base64')}
 * breaks lines every 76 characters).
 *
 * <p>Plaintext bytes: the UTF-8 encoding of the text. KMS refuses empty plaintext, so the empty string is encrypted
 * as the single byte {@code 0x00}, and a decrypted lone {@code 0x00} is the empty string again. PostgreSQL text never
 * contains U+0000, so the mapping is unambiguous; a value containing U+0000 is refused.
 */
public final class CiphertextFormat {

    /** Prefix of every ciphertext this function writes. */
    public static final String V1_PREFIX = "kms:v1:";

    /** What SQL uses to recognise v1 ciphertext (together with a base64 length that is a multiple of 4). */
    public static final Pattern V1_PATTERN = Pattern.compile("^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$");

    /** KMS's limit on the plaintext of one Encrypt call, in bytes. */
    public static final int MAX_PLAINTEXT_BYTES = 4096;

    private static final byte NUL = 0;

    private CiphertextFormat() {
    }

    /**
     * Writes a KMS ciphertext blob in the v1 text format.
     *
     * @param ciphertextBlob the blob KMS returned
     * @return {@code kms:v1:} + padded standard base64
     */
    public static String format(byte[] ciphertextBlob) {
        return V1_PREFIX + Base64.getEncoder().encodeToString(ciphertextBlob);
    }

    /**
     * Tells whether a text is canonical v1 ciphertext, by the same rule the SQL functions use.
     *
     * @param text any text
     * @return true for {@code kms:v1:AQICAH...} with a whole number of base64 quanta
     */
    public static boolean isCanonicalV1(String text) {
        return V1_PATTERN.matcher(text).matches() && (text.length() - V1_PREFIX.length()) % 4 == 0;
    }

    /**
     * Reads a ciphertext in any accepted form: v1 text or a bare base64 blob, with whitespace anywhere in the base64.
     *
     * @param text the ciphertext text
     * @param where the value's place in the request, for messages ({@code event_texts[3]})
     * @return the KMS ciphertext blob
     * @throws InvalidCiphertextException if the text is neither form; the message never repeats the text
     */
    public static byte[] parse(String text, String where) {
        String body = text.startsWith(V1_PREFIX) ? text.substring(V1_PREFIX.length()) : text;
        if (body == text && text.startsWith("kms:")) {
            throw invalid(where, "has an unsupported ciphertext version prefix; this function reads kms:v1: and bare"
                + " base64 KMS blobs");
        }

        StringBuilder base64 = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (isBase64Char(c)) {
                base64.append(c);
            } else if (c == '-' || c == '_') {
                throw invalid(where, "uses the URL-safe base64 alphabet; ciphertext must use standard base64"
                    + " (+ and /)");
            } else if (!Character.isWhitespace(c)) {
                throw invalid(where, "contains a character that is not base64 at offset " + i);
            }
        }
        if (base64.length() == 0) {
            throw invalid(where, "is empty");
        }

        try {
            return Base64.getDecoder().decode(base64.toString());
        } catch (IllegalArgumentException e) {
            throw invalid(where, "is not well-formed base64 (wrong length or padding)");
        }
    }

    /**
     * Turns a text into the bytes given to KMS Encrypt.
     *
     * @param text the plaintext
     * @param where the value's place in the request, for messages
     * @return UTF-8 bytes, or the single byte 0x00 for the empty string
     * @throws InvalidRequestException if the text contains U+0000 or an unpaired surrogate, or is already v1
     *                                 ciphertext by the rule SQL uses ({@link #isCanonicalV1})
     * @throws PlaintextTooLargeException if the bytes exceed {@value #MAX_PLAINTEXT_BYTES}
     */
    public static byte[] plaintextBytes(String text, String where) {
        if (text.isEmpty()) {
            return new byte[] {NUL};
        }
        if (isCanonicalV1(text)) {
            // Encrypting it again would store a ciphertext whose decryption is another ciphertext.
            throw new InvalidRequestException(where + " is already kms:v1 ciphertext; refusing to encrypt it twice."
                + " Nothing in this request was encrypted; leave encrypted values out of encrypt requests (the SQL"
                + " functions skip them), or decrypt them first");
        }
        if (text.indexOf('\u0000') >= 0) {
            throw new InvalidRequestException(where + " contains the character U+0000, which PostgreSQL text cannot"
                + " hold and which this format reserves for the empty string; nothing was encrypted");
        }

        ByteBuffer encoded;
        try {
            encoded = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .encode(CharBuffer.wrap(text));
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException(where + " is not valid Unicode text (it contains an unpaired surrogate"
                + " escape); nothing was encrypted");
        }
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        if (bytes.length > MAX_PLAINTEXT_BYTES) {
            throw new PlaintextTooLargeException(where + " is " + bytes.length + " bytes in UTF-8; KMS encrypts at"
                + " most " + MAX_PLAINTEXT_BYTES + " bytes per value. Nothing in this request was encrypted; shorten"
                + " the value or keep it out of the encrypted column");
        }
        return bytes;
    }

    /**
     * Turns the bytes KMS Decrypt returned back into text.
     *
     * @param plaintext decrypted bytes
     * @param where the value's place in the request, for messages
     * @return the text; the empty string for a lone 0x00
     * @throws DecryptedValueNotTextException if the bytes are not UTF-8 or contain 0x00 elsewhere
     */
    public static String text(byte[] plaintext, String where) {
        if (plaintext.length == 1 && plaintext[0] == NUL) {
            return "";
        }

        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(plaintext))
                .toString();
        } catch (CharacterCodingException e) {
            throw new DecryptedValueNotTextException(where + " decrypted to " + plaintext.length
                + " bytes that are not UTF-8 text; it was not written by this function");
        }
        if (text.indexOf('\u0000') >= 0) {
            throw new DecryptedValueNotTextException(where + " decrypted to text containing U+0000, which PostgreSQL"
                + " text cannot hold; it was not written by this function");
        }
        return text;
    }

    private static boolean isBase64Char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '+' || c == '/' || c == '=';
    }

    private static InvalidCiphertextException invalid(String where, String problem) {
        return new InvalidCiphertextException(where + " is not a ciphertext this function reads: it " + problem
            + ". Nothing in this request was decrypted");
    }
}
