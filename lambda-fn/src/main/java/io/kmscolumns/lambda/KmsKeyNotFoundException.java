package io.kmscolumns.lambda;

/**
 * The KMS key (or alias) named by {@code KMS_KEY_ID}, or the key a ciphertext names, does not exist in
 * this account and region.
 */
public final class KmsKeyNotFoundException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public KmsKeyNotFoundException(String message) {
        super(message);
    }
}
