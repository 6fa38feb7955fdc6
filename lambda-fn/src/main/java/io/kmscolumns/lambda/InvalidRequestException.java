package io.kmscolumns.lambda;

/**
 * The request does not follow the protocol: not a JSON object, unknown {@code event_type}, a missing,
 * unknown or mistyped field, too many values, or a value that cannot be encrypted (it contains U+0000).
 */
public final class InvalidRequestException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public InvalidRequestException(String message) {
        super(message);
    }
}
