package io.kmscolumns.lambda;

/**
 * Base of every failure the function reports. The Lambda runtime turns a thrown exception into a function error;
 * the exception's class name is the error type callers match on, so subclasses are stable, public names.
 *
 * <p>Messages say which value failed (its place in the request), what rule or KMS error caused it, and what to do
 * next. They never contain a plaintext or a ciphertext, and no cause is attached whose message could carry one.
 */
public abstract class KmsCryptoException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    protected KmsCryptoException(String message) {
        // No cause, no suppression, no writable stack trace: the runtime serialises causes with their messages.
        super(message, null, false, true);
    }

    /**
     * The error type as reported in the function error (the class's simple name).
     *
     * @return for example {@code InvalidRequestException}
     */
    public String errorType() {
        return getClass().getSimpleName();
    }
}
