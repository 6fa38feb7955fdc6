package io.kmscolumns.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandlerSettingsTest {

    @Test
    void defaultsApplyWhenOnlyTheKeyIsSet() {
        HandlerSettings settings = HandlerSettings.fromEnvironment(Map.of("KMS_KEY_ID", "alias/aurora-local"));

        assertThat(settings.keyId()).isEqualTo("alias/aurora-local");
        assertThat(settings.maxValues()).isEqualTo(1000);
        assertThat(settings.concurrency()).isEqualTo(HandlerSettings.DEFAULT_CONCURRENCY);
        assertThat(settings.maxAttempts()).isEqualTo(4);
        assertThat(settings.retryBaseDelay()).isEqualTo(Duration.ofMillis(50));
        assertThat(settings.retryMaxDelay()).isEqualTo(Duration.ofMillis(1000));
        assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.decryptWithKeyId()).isTrue();
        assertThat(settings.region()).isNull();
        assertThat(settings.endpoint()).isNull();
        assertThat(settings.accessKeyId()).isNull();
    }

    @Test
    void awsVariablesAreReadFromTheMap() {
        HandlerSettings settings = HandlerSettings.fromEnvironment(Map.of(
            "KMS_KEY_ID", "arn:aws:kms:eu-west-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "AWS_REGION", "eu-west-1", "AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:4566",
            "AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local-secret", "KMS_CONCURRENCY", "4"));

        assertThat(settings.region()).isEqualTo("eu-west-1");
        assertThat(settings.endpoint()).isEqualTo(URI.create("http://127.0.0.1:4566"));
        assertThat(settings.accessKeyId()).isEqualTo("local");
        assertThat(settings.concurrency()).isEqualTo(4);
        assertThat(settings.toString()).doesNotContain("local-secret");
        assertThat(settings.withSdkDefaultProviders().accessKeyId()).isNull();
        assertThat(settings.withSdkDefaultProviders().endpoint()).isEqualTo(settings.endpoint());
    }

    @Test
    void invalidNumbersNameTheVariableAndRange() {
        assertThatThrownBy(() -> HandlerSettings.fromEnvironment(Map.of("KMS_KEY_ID", "k", "KMS_CONCURRENCY", "0")))
            .isInstanceOf(FunctionConfigurationException.class)
            .hasMessage("KMS_CONCURRENCY must be a whole number from 1 to 512 (default 32), but it is \"0\"");
        assertThatThrownBy(() -> HandlerSettings.fromEnvironment(Map.of("KMS_KEY_ID", "k", "KMS_MAX_ATTEMPTS", "x")))
            .isInstanceOf(FunctionConfigurationException.class)
            .hasMessageStartingWith("KMS_MAX_ATTEMPTS must be a whole number");
    }

    @Test
    void halfSetCredentialsAreRefused() {
        assertThatThrownBy(() -> HandlerSettings.fromEnvironment(Map.of("KMS_KEY_ID", "k", "AWS_ACCESS_KEY_ID", "a")))
            .isInstanceOf(FunctionConfigurationException.class)
            .hasMessageContaining("AWS_SECRET_ACCESS_KEY");
    }
}
