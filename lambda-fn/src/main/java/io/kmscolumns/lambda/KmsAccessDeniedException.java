package io.kmscolumns.lambda;

/**
 * The function's role is not allowed to use the KMS key ({@code AccessDeniedException}); fix the key
 * policy or the execution role.
 */
public final class KmsAccessDeniedException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public KmsAccessDeniedException(String message) {
        super(message);
    }
}
