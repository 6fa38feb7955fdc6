package io.kmscolumns.lambda;

/**
 * The KMS key cannot be used right now: disabled ({@code DisabledException}), pending deletion or
 * import ({@code KMSInvalidStateException}), or unavailable ({@code KeyUnavailableException}).
 */
public final class KmsKeyDisabledException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public KmsKeyDisabledException(String message) {
        super(message);
    }
}
