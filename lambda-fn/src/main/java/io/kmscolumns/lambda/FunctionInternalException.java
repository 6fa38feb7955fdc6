package io.kmscolumns.lambda;

/**
 * An unexpected failure inside the function; the message names the exception class only, so that no
 * value can leak through a library's message.
 */
public final class FunctionInternalException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public FunctionInternalException(String message) {
        super(message);
    }
}
