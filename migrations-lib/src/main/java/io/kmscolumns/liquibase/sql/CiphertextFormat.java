package io.kmscolumns.liquibase.sql;

/**
 * How SQL recognises version-1 ciphertext: {@code kms:v1:} followed by the standard, padded base64 of a symmetric
 * KMS ciphertext blob, whose first bytes {@code 01 02 02 00} always encode as {@code AQICAH}.
 */
public final class CiphertextFormat {

    /** The POSIX regular expression (PostgreSQL {@code ~}) a v1 ciphertext matches. */
    public static final String V1_REGEX = "^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$";

    /** Length of the {@code kms:v1:} prefix. */
    public static final int PREFIX_LENGTH = 7;

    private CiphertextFormat() {
    }

    /** A boolean SQL expression: true when {@code expression} (text) is well-formed v1 ciphertext. */
    public static String isCiphertext(String expression) {
        return "(" + expression + " ~ " + SqlText.literal(V1_REGEX)
                + " AND (length(" + expression + ") - " + PREFIX_LENGTH + ") % 4 = 0)";
    }
}
