package io.kmscolumns.lambda;

/**
 * KMS decrypted a value, but its bytes are not text PostgreSQL can hold (not UTF-8, or containing
 * U+0000). Only possible for ciphertexts written by other tools.
 */
public final class DecryptedValueNotTextException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public DecryptedValueNotTextException(String message) {
        super(message);
    }
}
