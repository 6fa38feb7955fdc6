package io.kmscolumns.local.lambda;

/**
 * An error of the Invoke API itself (as opposed to an error of the function), answered with the HTTP status, the
 * {@code x-amzn-ErrorType} header and the {@code {"Type", "Message"}} body Lambda uses.
 */
final class LambdaApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String errorType;

    LambdaApiException(int status, String errorType, String message) {
        super(message, null, false, false);
        this.status = status;
        this.errorType = errorType;
    }

    static LambdaApiException functionNotFound(FunctionArn arn) {
        return new LambdaApiException(404, "ResourceNotFoundException", "Function not found: " + arn.qualifiedArn());
    }

    /** The standard validation message of AWS APIs for a member that breaks its constraint. */
    static LambdaApiException validation(String value, String member, String constraint) {
        return new LambdaApiException(400, "ValidationException", "1 validation error detected: Value '" + value
                + "' at '" + member + "' failed to satisfy constraint: " + constraint);
    }

    static LambdaApiException invalidParameter(String message) {
        return new LambdaApiException(400, "InvalidParameterValueException", message);
    }

    int status() {
        return status;
    }

    String errorType() {
        return errorType;
    }

    /** {@code User} for the caller's faults, {@code Service} for Lambda's own, as in Lambda's error bodies. */
    String faultType() {
        return status >= 500 ? "Service" : "User";
    }
}
