package io.kmscolumns.lambda;

import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DecryptRequest;
import software.amazon.awssdk.services.kms.model.EncryptRequest;

/**
 * Encrypts and decrypts single values with KMS, and turns KMS failures into the function's error types.
 *
 * <p>Each call carries the invocation's {@link InvocationStats}, so the SDK's retries are counted per invocation.
 * KMS error messages are not passed on (only the error code and request id), and no SDK exception is attached as a
 * cause.
 */
final class KeyService {

    private final Supplier<KmsClient> client;
    private final String keyId;
    private final boolean decryptWithKeyId;

    /**
     * @param client supplies the container's client (created on first use)
     * @param keyId the key to encrypt with
     * @param decryptWithKeyId whether Decrypt names the key, refusing ciphertexts of any other key
     */
    KeyService(Supplier<KmsClient> client, String keyId, boolean decryptWithKeyId) {
        this.client = client;
        this.keyId = keyId;
        this.decryptWithKeyId = decryptWithKeyId;
    }

    byte[] encrypt(byte[] plaintext, Map<String, String> context, String where, InvocationStats stats) {
        EncryptRequest.Builder request = EncryptRequest.builder()
            .keyId(keyId)
            .plaintext(SdkBytes.fromByteArrayUnsafe(plaintext))
            .overrideConfiguration(o -> o.putExecutionAttribute(AttemptCountingInterceptor.STATS, stats));
        if (!context.isEmpty()) {
            request.encryptionContext(context);
        }

        stats.callStarted();
        try {
            return client.get().encrypt(request.build()).ciphertextBlob().asByteArrayUnsafe();
        } catch (SdkException e) {
            throw translate(e, "Encrypt", where);
        }
    }

    byte[] decrypt(byte[] ciphertextBlob, Map<String, String> context, String where, InvocationStats stats) {
        DecryptRequest.Builder request = DecryptRequest.builder()
            .ciphertextBlob(SdkBytes.fromByteArrayUnsafe(ciphertextBlob))
            .overrideConfiguration(o -> o.putExecutionAttribute(AttemptCountingInterceptor.STATS, stats));
        if (decryptWithKeyId) {
            request.keyId(keyId);
        }
        if (!context.isEmpty()) {
            request.encryptionContext(context);
        }

        stats.callStarted();
        try {
            return client.get().decrypt(request.build()).plaintext().asByteArrayUnsafe();
        } catch (SdkException e) {
            throw translate(e, "Decrypt", where);
        }
    }

    private KmsCryptoException translate(SdkException e, String operation, String where) {
        String done = operation.equals("Encrypt") ? "encrypted" : "decrypted";
        String nothing = " No value of this request was returned (nothing is " + done + " in part).";
        if (e instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
            String kms = " (KMS " + operation + " error " + code + ", request id " + service.requestId() + ")";
            String prefix = where + ": ";
            switch (code == null ? "" : code) {
                case "InvalidCiphertextException":
                case "IncorrectKeyException":
                    return new InvalidCiphertextException(prefix + "KMS could not decrypt the value: the encryption"
                        + " context or the key does not match the ones it was encrypted with, or the value was"
                        + " altered" + kms + "." + nothing + " Decrypt with the context used to encrypt (by default"
                        + " the table and column) and the same key");
                case "DisabledException":
                    return new KmsKeyDisabledException(prefix + "the KMS key " + keyId + " is disabled" + kms + "."
                        + nothing + " Enable the key (kms:EnableKey) and retry");
                case "KMSInvalidStateException":
                    return new KmsKeyDisabledException(prefix + "the KMS key " + keyId + " is not in a usable state,"
                        + " for example pending deletion" + kms + "." + nothing + " Cancel the key deletion"
                        + " (kms:CancelKeyDeletion), enable the key and retry");
                case "KeyUnavailableException":
                    return new KmsKeyDisabledException(prefix + "the KMS key " + keyId + " is unavailable" + kms
                        + "." + nothing + " Check the key's custom key store and retry");
                case "NotFoundException":
                    return new KmsKeyNotFoundException(prefix + "KMS found no key " + keyId + " in this account"
                        + " and region" + (operation.equals("Decrypt") ? ", or none for the key the ciphertext names"
                        + " (data encrypted in another account or region, under a deleted key, or a corrupted value)"
                        : "") + kms + "." + nothing + " Check KMS_KEY_ID and the function's region");
                case "AccessDeniedException":
                    return new KmsAccessDeniedException(prefix + "the function's role may not use KMS key " + keyId
                        + kms + "." + nothing + " Allow kms:Encrypt and kms:Decrypt in the key policy and the"
                        + " execution role");
                case "ThrottlingException":
                case "LimitExceededException":
                    return new KmsThrottledException(prefix + "KMS still throttled after " + attempts(service)
                        + kms + "." + nothing + " The account's KMS request quota is exhausted: retry later, send"
                        + " smaller batches, lower KMS_CONCURRENCY or ask AWS for a higher quota");
                case "KMSInternalException":
                case "DependencyTimeoutException":
                    return new KmsUnavailableException(prefix + "KMS failed internally after " + attempts(service)
                        + kms + "." + nothing + " Retry later");
                default:
                    if (service.statusCode() >= 500) {
                        return new KmsUnavailableException(prefix + "KMS answered HTTP " + service.statusCode()
                            + " after " + attempts(service) + kms + "." + nothing + " Retry later");
                    }
                    return new KmsRequestRejectedException(prefix + "KMS rejected the " + operation + " request"
                        + kms + "." + nothing + " Check that KMS_KEY_ID names a symmetric encryption key");
            }
        }
        if (e instanceof SdkClientException) {
            return new KmsUnavailableException(where + ": KMS could not be reached (" + rootCauseName(e) + ") after "
                + attempts(e) + "." + nothing + " Check the function's network path to KMS (VPC endpoint or NAT)"
                + " and AWS_ENDPOINT_URL_KMS, then retry");
        }
        return new KmsUnavailableException(where + ": the KMS " + operation + " call failed ("
            + rootCauseName(e) + ")." + nothing + " Retry later");
    }

    private static String attempts(SdkException e) {
        Integer attempts = e.numAttempts();
        return attempts == null ? "the configured attempts (KMS_MAX_ATTEMPTS)"
            : attempts + (attempts == 1 ? " attempt" : " attempts") + " (KMS_MAX_ATTEMPTS)";
    }

    private static String rootCauseName(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName();
    }
}
