package io.kmscolumns.local.kms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DependencyTimeoutException;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.KmsInternalException;

/** Injected faults reach an SDK client (retries off) as the SDK's own exceptions. */
class KmsFaultsTest {

    private LocalKms kms;
    private KmsClient client;
    private String keyArn;

    @BeforeEach
    void startKms() {
        kms = LocalKms.builder().build().start();
        client = KmsClients.clientWithoutRetries(kms);
        keyArn = kms.createKey("faults");
    }

    @AfterEach
    void stopKms() {
        client.close();
        kms.close();
    }

    @Test
    void latencyDelaysEveryCryptographicCall() {
        kms.faults().latency(Duration.ofMillis(300));

        long started = System.nanoTime();
        encrypt();
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(elapsedMillis).isGreaterThanOrEqualTo(300);
    }

    @Test
    void latencyOfConcurrentCallsOverlapsInsteadOfQueueing() throws Exception {
        kms.faults().latency(Duration.ofMillis(500));
        ExecutorService callers = Executors.newFixedThreadPool(16);
        try {
            long started = System.nanoTime();
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(callers.submit(this::encrypt));
            }
            for (Future<?> call : calls) {
                call.get();
            }

            // Serialised, 16 calls would take 8 s.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void latencyBeyondTheClientTimeoutArrivesAsApiCallTimeoutException() {
        kms.faults().latency(Duration.ofSeconds(3));
        try (KmsClient impatient = KmsClients.builder(kms.endpoint())
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofMillis(300))).build()) {

            assertThatThrownBy(() -> impatient.encrypt(r -> r.keyId(keyArn).plaintext(SdkBytes.fromUtf8String("x"))))
                    .isInstanceOf(ApiCallTimeoutException.class);
        }
    }

    @Test
    void throttleRateOneThrottlesEveryCallWithThrottlingException() {
        kms.faults().throttleRate(1.0);

        assertThatThrownBy(this::encrypt)
                .isInstanceOfSatisfying(KmsException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
                    assertThat(e.isThrottlingException()).isTrue();
                    assertThat(e.statusCode()).isEqualTo(400);
                });
    }

    @Test
    void throttleRateOneQuarterThrottlesExactlyEveryFourthCall() {
        kms.faults().throttleRate(0.25);

        List<Boolean> throttled = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            try {
                encrypt();
                throttled.add(false);
            } catch (KmsException e) {
                assertThat(e.isThrottlingException()).isTrue();
                throttled.add(true);
            }
        }

        assertThat(throttled).containsExactly(false, false, false, true, false, false, false, true,
                false, false, false, true);
        assertThat(kms.faults().injectedErrorCount()).isEqualTo(3);
    }

    @Test
    void failAfterLetsThatManyCallsThroughThenFailsWithKmsInternalException() {
        kms.faults().failAfter(2);

        encrypt();
        encrypt();
        assertThatThrownBy(this::encrypt)
                .isInstanceOfSatisfying(KmsInternalException.class, e -> assertThat(e.statusCode()).isEqualTo(500));
        assertThatThrownBy(this::encrypt).isInstanceOf(KmsInternalException.class);
    }

    @Test
    void failAfterWithAnErrorCodeFailsWithThatCodesExceptionClass() {
        kms.faults().failAfter(0, "DependencyTimeoutException");

        assertThatThrownBy(this::encrypt)
                .isInstanceOfSatisfying(DependencyTimeoutException.class,
                        e -> assertThat(e.statusCode()).isEqualTo(503));
    }

    @Test
    void faultsLeaveKeyManagementCallsAlone() {
        kms.faults().throttleRate(1.0).failAfter(0);

        assertThat(client.describeKey(r -> r.keyId(keyArn)).keyMetadata().arn()).isEqualTo(keyArn);
    }

    @Test
    void clearRemovesEveryFaultWhileRunning() {
        kms.faults().throttleRate(1.0).failAfter(0).latency(Duration.ofSeconds(5));

        kms.faults().clear();

        long started = System.nanoTime();
        encrypt();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void requestCountIncludesCallsAnsweredWithAFault() {
        kms.faults().throttleRate(1.0);

        assertThatThrownBy(this::encrypt).isInstanceOf(KmsException.class);
        assertThatThrownBy(this::encrypt).isInstanceOf(KmsException.class);

        assertThat(kms.requestCount()).isEqualTo(2);
    }

    @Test
    void invalidFaultSettingsAreRejected() {
        assertThatThrownBy(() -> kms.faults().throttleRate(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> kms.faults().failAfter(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> kms.faults().latency(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private void encrypt() {
        client.encrypt(r -> r.keyId(keyArn).plaintext(SdkBytes.fromUtf8String("x")));
    }
}
