package io.kmscolumns.lambda;

/**
 * The request or the response would exceed the synchronous Lambda payload limit; send fewer values per
 * request.
 */
public final class PayloadTooLargeException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public PayloadTooLargeException(String message) {
        super(message);
    }
}
