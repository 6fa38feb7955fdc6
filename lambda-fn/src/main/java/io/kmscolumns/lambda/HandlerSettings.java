package io.kmscolumns.lambda;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The function's configuration, read from its environment (documented in {@code docs/lambda-protocol.md}).
 *
 * <table>
 *   <caption>Environment variables</caption>
 *   <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code KMS_KEY_ID}</td><td>required</td><td>key id, key ARN, {@code alias/name} or alias ARN</td></tr>
 *   <tr><td>{@code MAX_VALUES_PER_REQUEST}</td><td>1000</td><td>most values in one {@code event_texts}</td></tr>
 *   <tr><td>{@code KMS_CONCURRENCY}</td><td>32</td><td>KMS calls in flight per container</td></tr>
 *   <tr><td>{@code KMS_MAX_ATTEMPTS}</td><td>4</td><td>attempts per KMS call, the first included</td></tr>
 *   <tr><td>{@code KMS_RETRY_BASE_DELAY_MS}</td><td>50</td><td>base of the jittered exponential backoff</td></tr>
 *   <tr><td>{@code KMS_RETRY_MAX_DELAY_MS}</td><td>1000</td><td>cap of one backoff delay</td></tr>
 *   <tr><td>{@code KMS_TIMEOUT_MS}</td><td>5000</td><td>connect and read timeout of one KMS attempt</td></tr>
 *   <tr><td>{@code KMS_DECRYPT_WITH_KEY_ID}</td><td>true</td><td>name the key in Decrypt, refusing ciphertexts
 *       of other keys</td></tr>
 * </table>
 * The AWS variables ({@code AWS_REGION}, {@code AWS_ENDPOINT_URL_KMS} or {@code AWS_ENDPOINT_URL},
 * {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}) keep their SDK meaning.
 *
 * @param keyId the KMS key to encrypt with
 * @param region the region, or null to use the SDK's default region chain
 * @param endpoint the KMS endpoint override, or null for the regional endpoint
 * @param accessKeyId static credentials, or null to use the SDK's default credentials chain
 * @param secretAccessKey secret of the static credentials
 * @param sessionToken session token of the static credentials, or null
 * @param maxValues most values per request
 * @param concurrency KMS calls in flight per container
 * @param maxAttempts attempts per KMS call
 * @param retryBaseDelay backoff base
 * @param retryMaxDelay backoff cap
 * @param timeout connect and read timeout of one attempt
 * @param decryptWithKeyId whether Decrypt names {@code keyId}
 */
public record HandlerSettings(String keyId, String region, URI endpoint, String accessKeyId, String secretAccessKey,
                              String sessionToken, int maxValues, int concurrency, int maxAttempts,
                              Duration retryBaseDelay, Duration retryMaxDelay, Duration timeout,
                              boolean decryptWithKeyId) {

    /** Default of {@code MAX_VALUES_PER_REQUEST}: 1,000 values of 4 KB stay under the 6 MB payload limit. */
    public static final int DEFAULT_MAX_VALUES = 1000;

    /** Default of {@code KMS_CONCURRENCY}. */
    public static final int DEFAULT_CONCURRENCY = 32;

    /** Default of {@code KMS_MAX_ATTEMPTS}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 4;

    /**
     * Reads the settings from an environment.
     *
     * @param env environment variables
     * @return the settings
     * @throws FunctionConfigurationException naming the variable that is missing or invalid
     */
    public static HandlerSettings fromEnvironment(Map<String, String> env) {
        String keyId = blankToNull(env.get("KMS_KEY_ID"));
        if (keyId == null) {
            throw new FunctionConfigurationException("KMS_KEY_ID is not set; set it to the id, ARN or alias"
                + " (alias/name) of the symmetric KMS key that encrypts the columns");
        }
        String endpoint = blankToNull(env.get("AWS_ENDPOINT_URL_KMS"));
        if (endpoint == null) {
            endpoint = blankToNull(env.get("AWS_ENDPOINT_URL"));
        }
        String accessKeyId = blankToNull(env.get("AWS_ACCESS_KEY_ID"));
        String secret = blankToNull(env.get("AWS_SECRET_ACCESS_KEY"));
        if ((accessKeyId == null) != (secret == null)) {
            throw new FunctionConfigurationException("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set"
                + " together (or both left unset to use the default credentials chain)");
        }

        return new HandlerSettings(
            keyId,
            blankToNull(env.get("AWS_REGION")),
            endpoint == null ? null : endpoint(endpoint),
            accessKeyId,
            secret,
            blankToNull(env.get("AWS_SESSION_TOKEN")),
            integer(env, "MAX_VALUES_PER_REQUEST", DEFAULT_MAX_VALUES, 1, 100_000),
            integer(env, "KMS_CONCURRENCY", DEFAULT_CONCURRENCY, 1, 512),
            integer(env, "KMS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, 1, 20),
            Duration.ofMillis(integer(env, "KMS_RETRY_BASE_DELAY_MS", 50, 1, 60_000)),
            Duration.ofMillis(integer(env, "KMS_RETRY_MAX_DELAY_MS", 1000, 1, 300_000)),
            Duration.ofMillis(integer(env, "KMS_TIMEOUT_MS", 5000, 100, 900_000)),
            bool(env, "KMS_DECRYPT_WITH_KEY_ID", true));
    }

    /**
     * The same settings with region and credentials left to the SDK's default provider chains, as in the real
     * Lambda runtime (environment variables, or the container credentials endpoint SnapStart functions use).
     *
     * @return a copy without region and static credentials
     */
    public HandlerSettings withSdkDefaultProviders() {
        return new HandlerSettings(keyId, null, endpoint, null, null, null, maxValues, concurrency, maxAttempts,
            retryBaseDelay, retryMaxDelay, timeout, decryptWithKeyId);
    }

    private static URI endpoint(String value) {
        try {
            URI uri = URI.create(value);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new FunctionConfigurationException("AWS_ENDPOINT_URL_KMS is not an absolute URL such as"
                + " https://kms.eu-west-1.amazonaws.com or http://127.0.0.1:4566");
        }
    }

    private static int integer(Map<String, String> env, String name, int defaultValue, int min, int max) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new FunctionConfigurationException(name + " must be a whole number from " + min + " to " + max
            + " (default " + defaultValue + "), but it is \"" + value + "\"");
    }

    private static boolean bool(Map<String, String> env, String name, boolean defaultValue) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return defaultValue;
        }
        if (value.trim().equalsIgnoreCase("true") || value.trim().equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value.trim());
        }
        throw new FunctionConfigurationException(name + " must be true or false (default " + defaultValue
            + "), but it is \"" + value + "\"");
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    @Override
    public String toString() {
        // Never print the credentials.
        return "HandlerSettings[keyId=" + keyId + ", region=" + region + ", endpoint=" + endpoint
            + ", staticCredentials=" + (accessKeyId != null) + ", maxValues=" + maxValues + ", concurrency="
            + concurrency + ", maxAttempts=" + maxAttempts + ", retryBaseDelay=" + retryBaseDelay + ", retryMaxDelay="
            + retryMaxDelay + ", timeout=" + timeout + ", decryptWithKeyId=" + decryptWithKeyId + "]";
    }
}
