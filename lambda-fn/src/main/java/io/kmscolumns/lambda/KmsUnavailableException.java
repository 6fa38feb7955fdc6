package io.kmscolumns.lambda;

/**
 * KMS could not be reached or failed internally ({@code KMSInternalException},
 * {@code DependencyTimeoutException}, a network error or a timeout) after the configured attempts.
 */
public final class KmsUnavailableException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public KmsUnavailableException(String message) {
        super(message);
    }
}
