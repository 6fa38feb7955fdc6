package io.kmscolumns.local.kms;

import java.util.Map;

/**
 * An error of the local KMS: the KMS error code (sent as the JSON {@code __type}, so the AWS SDK raises its own
 * exception class for it), the HTTP status the KMS service model gives that code, and a message. Messages name keys,
 * aliases and request members, never plaintext. {@link LocalKms}'s Java methods throw it too, for example
 * {@code NotFoundException} for an unknown key.
 */
public final class LocalKmsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** HTTP statuses of the KMS error shapes in the service model; anything else is a client error (400). */
    private static final Map<String, Integer> STATUS_BY_CODE = Map.of(
            "NotFoundException", 404,
            "AlreadyExistsException", 409,
            "DisabledException", 409,
            "KMSInvalidStateException", 409,
            "MissingAuthenticationTokenException", 403,
            "KMSInternalException", 500,
            "KeyUnavailableException", 500,
            "DependencyTimeoutException", 503);

    private final String code;
    private final int status;

    LocalKmsException(String code, String message) {
        this(code, STATUS_BY_CODE.getOrDefault(code, 400), message);
    }

    LocalKmsException(String code, int status, String message) {
        super(message, null, false, false);
        this.code = code;
        this.status = status;
    }

    /** The KMS error code, for example {@code NotFoundException}. */
    public String errorCode() {
        return code;
    }

    /** The HTTP status the local KMS answers this error with. */
    public int httpStatus() {
        return status;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }

    static LocalKmsException notFound(String message) {
        return new LocalKmsException("NotFoundException", message);
    }

    static LocalKmsException disabled(String keyArn) {
        return new LocalKmsException("DisabledException", keyArn + " is disabled.");
    }

    static LocalKmsException pendingDeletion(String keyArn) {
        return new LocalKmsException("KMSInvalidStateException", keyArn + " is pending deletion.");
    }

    static LocalKmsException invalidState(String message) {
        return new LocalKmsException("KMSInvalidStateException", message);
    }

    static LocalKmsException invalidCiphertext() {
        // Real KMS gives no detail either: a wrong key, a changed blob and a different context look the same.
        return new LocalKmsException("InvalidCiphertextException",
                "The ciphertext is invalid, was changed, or the encryption context differs from the one used to "
                        + "encrypt it.");
    }

    /** {@link #invalidCiphertext()} with a local hint added (never a plaintext or key material). */
    static LocalKmsException invalidCiphertext(String hint) {
        return new LocalKmsException("InvalidCiphertextException", invalidCiphertext().getMessage() + " " + hint);
    }

    static LocalKmsException incorrectKey() {
        return new LocalKmsException("IncorrectKeyException",
                "The key ID in the request does not identify the KMS key that encrypted the ciphertext.");
    }

    /** A request member that breaks a constraint, worded like the validation errors of AWS services. */
    static LocalKmsException validation(String member, String constraint) {
        return new LocalKmsException("ValidationException",
                "1 validation error detected: Value at '" + member + "' failed to satisfy constraint: " + constraint);
    }

    static LocalKmsException validation(String message) {
        return new LocalKmsException("ValidationException", message);
    }

    static LocalKmsException missingMember(String member) {
        return new LocalKmsException("ValidationException", "1 validation error detected: Value null at '" + member
                + "' failed to satisfy constraint: Member must not be null");
    }

    static LocalKmsException serialization(String message) {
        return new LocalKmsException("SerializationException", message);
    }

    static LocalKmsException unsupported(String message) {
        return new LocalKmsException("UnsupportedOperationException", message);
    }

    static LocalKmsException internal(String message) {
        return new LocalKmsException("KMSInternalException", message);
    }
}
