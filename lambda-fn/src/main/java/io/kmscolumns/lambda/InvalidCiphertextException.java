package io.kmscolumns.lambda;

/**
 * A value to decrypt is not a ciphertext this function reads, or KMS refused it because the encryption
 * context or the key does not match the ones it was encrypted with (or the value was altered).
 */
public final class InvalidCiphertextException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public InvalidCiphertextException(String message) {
        super(message);
    }
}
