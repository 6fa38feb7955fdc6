package io.kmscolumns.local.kms;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;

/** AWS SDK v2 KMS clients pointed at a local KMS, with dummy static credentials. */
final class KmsClients {

    private KmsClients() {
    }

    static KmsClient client(LocalKms kms) {
        return builder(kms.endpoint()).build();
    }

    /** A client that gives up after one attempt, so injected faults reach the test as thrown. */
    static KmsClient clientWithoutRetries(LocalKms kms) {
        return builder(kms.endpoint())
                .overrideConfiguration(config -> config.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    static KmsClientBuilder builder(URI endpoint) {
        return KmsClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create());
    }
}
