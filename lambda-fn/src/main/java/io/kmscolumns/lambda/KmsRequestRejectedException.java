package io.kmscolumns.lambda;

/**
 * KMS rejected a request for a reason not covered by a more specific type (for example
 * {@code InvalidKeyUsageException} for a key that is not an encryption key); the message names the KMS error code.
 */
public final class KmsRequestRejectedException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public KmsRequestRejectedException(String message) {
        super(message);
    }
}
