package io.kmscolumns.lambda;

import static io.kmscolumns.lambda.Invocations.JSON;
import static io.kmscolumns.lambda.Invocations.batch;
import static io.kmscolumns.lambda.Invocations.invoke;
import static io.kmscolumns.lambda.Invocations.results;
import static io.kmscolumns.lambda.Invocations.single;
import static io.kmscolumns.lambda.LocalKmsRoundTripTest.environment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.kmscolumns.local.kms.LocalKms;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The handler against a local KMS that misbehaves: unusable keys, throttling, internal errors, no KMS at all. Every
 * test also checks that neither the error message nor any log line carries a value.
 */
class LocalKmsFaultsTest {

    private static final String SECRET = "4111-1111-1111-1111";
    private static final Map<String, String> CONTEXT = Map.of("table", "public.cards", "column", "number");

    private static LocalKms kms;

    private final CapturingContext context = new CapturingContext();
    private String ciphertext;

    @BeforeAll
    static void startKms() {
        kms = LocalKms.builder().port(0).build().start();
    }

    @AfterAll
    static void stopKms() {
        kms.close();
    }

    @AfterEach
    void clearFaultsAndCheckLogs() {
        kms.faults().clear();
        assertThat(context.lines()).isNotEmpty().allSatisfy(line -> {
            assertThat(line).doesNotContain(SECRET);
            if (ciphertext != null) {
                assertThat(line).doesNotContain(ciphertext.substring(7, 40));
            }
        });
    }

    @Test
    void disabledKeyFailsEncryptAndDecryptWithAdvice() {
        String key = kms.createKey("to be disabled");
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, key));
        ciphertext = invoke(handler, single("enc", SECRET, CONTEXT), context).get("result").textValue();
        kms.disableKey(key);

        assertThatThrownBy(() -> invoke(handler, batch("enc", List.of(SECRET, SECRET), CONTEXT), context))
            .isInstanceOf(KmsKeyDisabledException.class)
            .hasMessageMatching("event_texts\\[[01]\\]: the KMS key .* is disabled \\(KMS Encrypt error"
                + " DisabledException, request id .*")
            .hasMessageContaining("Enable the key")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        assertThatThrownBy(() -> invoke(handler, single("dec", ciphertext, CONTEXT), context))
            .isInstanceOf(KmsKeyDisabledException.class)
            .hasMessageContaining("KMS Decrypt error DisabledException")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(ciphertext.substring(7, 40)));

        kms.enableKey(key);
        assertThat(invoke(handler, single("dec", ciphertext, CONTEXT), context).get("result").textValue())
            .isEqualTo(SECRET);
    }

    @Test
    void keyPendingDeletionFailsWithAdvice() {
        String key = kms.createKey("to be deleted");
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, key));
        ciphertext = invoke(handler, single("enc", SECRET, CONTEXT), context).get("result").textValue();
        kms.scheduleKeyDeletion(key);

        assertThatThrownBy(() -> invoke(handler, single("dec", ciphertext, CONTEXT), context))
            .isInstanceOf(KmsKeyDisabledException.class)
            .hasMessageContaining("pending deletion")
            .hasMessageContaining("KMSInvalidStateException")
            .hasMessageContaining("Cancel the key deletion");
    }

    @Test
    void throttlingIsRetriedAndCounted() throws Exception {
        // Every tenth call is throttled; six attempts make it practically certain (1 in 10^6 per value) that each
        // value gets through.
        Map<String, String> env = environment(kms, kms.createKey("throttled"));
        env.put("KMS_MAX_ATTEMPTS", "6");
        KmsCryptoHandler handler = new KmsCryptoHandler(env);
        kms.faults().throttleRate(0.1);

        List<String> ciphertexts = results(invoke(handler, batch("enc", Collections.nCopies(200, SECRET), CONTEXT),
            context));

        assertThat(ciphertexts).hasSize(200).doesNotContainNull();
        JsonNode log = JSON.readTree(context.lines().get(0));
        assertThat(log.get("kmsCalls").intValue()).isEqualTo(200);
        assertThat(log.get("retries").intValue()).isGreaterThanOrEqualTo(20);
        assertThat(log.get("errorType").isNull()).isTrue();
    }

    @Test
    void persistentThrottlingGivesUpAfterTheConfiguredAttempts() throws Exception {
        Map<String, String> env = environment(kms, kms.createKey("always throttled"));
        env.put("KMS_MAX_ATTEMPTS", "3");
        KmsCryptoHandler handler = new KmsCryptoHandler(env);
        kms.faults().throttleRate(1.0);
        long before = kms.requestCount() + kms.faults().injectedErrorCount();

        assertThatThrownBy(() -> invoke(handler, single("enc", SECRET, CONTEXT), context))
            .isInstanceOf(KmsThrottledException.class)
            .hasMessageStartingWith("event_text: KMS still throttled after 3 attempts (KMS_MAX_ATTEMPTS) (KMS Encrypt"
                + " error ThrottlingException")
            .hasMessageContaining("lower KMS_CONCURRENCY")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));

        JsonNode log = JSON.readTree(context.lines().get(0));
        assertThat(log.get("kmsCalls").intValue()).isEqualTo(1);
        assertThat(log.get("retries").intValue()).isEqualTo(2);
        assertThat(log.get("errorType").textValue()).isEqualTo("KmsThrottledException");
    }

    @Test
    void throttledBatchFailsAsAWholeNamingOneIndex() {
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, kms.createKey("batch throttled")));
        kms.faults().throttleRate(1.0);

        assertThatThrownBy(() -> invoke(handler, batch("enc", Collections.nCopies(20, SECRET), null), context))
            .isInstanceOf(KmsThrottledException.class)
            .hasMessageMatching("event_texts\\[\\d+\\]: KMS still throttled .*")
            .hasMessageContaining("No value of this request was returned");
    }

    @Test
    void internalKmsErrorsAreRetriedThenReported() {
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, kms.createKey("failing")));
        kms.faults().failAfter(0, "KMSInternalException");

        assertThatThrownBy(() -> invoke(handler, single("enc", SECRET, null), context))
            .isInstanceOf(KmsUnavailableException.class)
            .hasMessageContaining("KMS Encrypt error KMSInternalException")
            .hasMessageContaining("after 4 attempts");
    }

    @Test
    void unreachableKmsIsReportedWithoutValues() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> env = environment(kms, "alias/any");
        env.put("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:" + closedPort);
        KmsCryptoHandler handler = new KmsCryptoHandler(env);

        assertThatThrownBy(() -> invoke(handler, single("enc", SECRET, null), context))
            .isInstanceOf(KmsUnavailableException.class)
            .hasMessageStartingWith("event_text: KMS could not be reached (ConnectException)")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    }
}
