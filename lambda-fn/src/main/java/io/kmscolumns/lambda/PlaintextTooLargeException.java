package io.kmscolumns.lambda;

/**
 * A value to encrypt is longer than the 4,096 UTF-8 bytes KMS accepts; the message names its index and
 * size.
 */
public final class PlaintextTooLargeException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public PlaintextTooLargeException(String message) {
        super(message);
    }
}
