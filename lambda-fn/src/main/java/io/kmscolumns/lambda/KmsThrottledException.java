package io.kmscolumns.lambda;

/**
 * KMS kept throttling after the configured number of attempts ({@code ThrottlingException}); the
 * account's KMS request quota is exhausted. Lower the concurrency or the batch rate, or ask for a higher quota.
 */
public final class KmsThrottledException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public KmsThrottledException(String message) {
        super(message);
    }
}
