package io.kmscolumns.lambda;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;

/**
 * Builds the container's one {@link KmsClient}.
 *
 * <p><b>HTTP client.</b> The SDK's {@code url-connection-client} on the JDK's {@code HttpURLConnection}: it adds no
 * library to load or initialise (Apache's and Netty's clients each add megabytes of classes and a connection-manager
 * start-up), which is what matters for a Lambda cold start; KMS calls are small synchronous requests, for which
 * it is as fast as the others once warm. Its keep-alive cache holds at most {@code http.maxConnections} idle
 * connections per host (JDK default 5); the factory raises that to the batch concurrency, unless already set, so
 * that concurrent calls reuse connections instead of opening (and TLS-handshaking) new ones.
 *
 * <p><b>Retries.</b> The SDK's standard retry strategy for AWS services (it knows {@code ThrottlingException} and
 * 5xx errors), with a bounded number of attempts and full-jitter exponential backoff for throttling and other
 * retryable errors alike. Its retry-quota token bucket stays enabled, so a KMS that throttles everything makes the
 * function fail fast rather than retry without end.
 */
final class KmsClientFactory {

    private KmsClientFactory() {
    }

    /**
     * @param settings the function's settings
     * @return a new client; it resolves credentials and opens connections only when first used
     */
    static KmsClient create(HandlerSettings settings) {
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", Integer.toString(Math.max(5, settings.concurrency())));
        }

        BackoffStrategy backoff = BackoffStrategy.exponentialDelay(settings.retryBaseDelay(),
            settings.retryMaxDelay());
        RetryStrategy retry = AwsRetryStrategy.standardRetryStrategy().toBuilder()
            .maxAttempts(settings.maxAttempts())
            .backoffStrategy(backoff)
            .throttlingBackoffStrategy(backoff)
            .build();

        KmsClientBuilder builder = KmsClient.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder()
                .connectionTimeout(settings.timeout())
                .socketTimeout(settings.timeout()))
            .overrideConfiguration(o -> o
                .retryStrategy(retry)
                .addExecutionInterceptor(new AttemptCountingInterceptor()));

        if (settings.region() != null) {
            builder.region(Region.of(settings.region()));
        }
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        if (settings.accessKeyId() != null) {
            AwsCredentials credentials = settings.sessionToken() == null
                ? AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey())
                : AwsSessionCredentials.create(settings.accessKeyId(), settings.secretAccessKey(),
                    settings.sessionToken());
            builder.credentialsProvider(StaticCredentialsProvider.create(credentials));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        return builder.build();
    }
}
