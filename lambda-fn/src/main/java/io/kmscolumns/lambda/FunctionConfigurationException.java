package io.kmscolumns.lambda;

/**
 * The function's environment is incomplete or invalid (for example {@code KMS_KEY_ID} is not set);
 * the message names the variable and the accepted values.
 */
public final class FunctionConfigurationException extends KmsCryptoException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message operator-facing text without any value
     */
    public FunctionConfigurationException(String message) {
        super(message);
    }
}
