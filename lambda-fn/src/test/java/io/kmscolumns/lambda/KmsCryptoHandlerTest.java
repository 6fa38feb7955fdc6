package io.kmscolumns.lambda;

import static io.kmscolumns.lambda.Invocations.JSON;
import static io.kmscolumns.lambda.Invocations.batch;
import static io.kmscolumns.lambda.Invocations.invoke;
import static io.kmscolumns.lambda.Invocations.results;
import static io.kmscolumns.lambda.Invocations.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The handler's protocol, errors, concurrency and logging, with an in-memory KMS. */
class KmsCryptoHandlerTest {

    private static final String SECRET = "s3cr3t-value-do-not-log";
    private static final Map<String, String> CONTEXT = Map.of("table", "public.people", "column", "email");

    private final FakeKmsClient kms = new FakeKmsClient();
    private final CapturingContext context = new CapturingContext();

    private KmsCryptoHandler handler(Map<String, String> extraEnvironment) {
        Map<String, String> env = new HashMap<>(Map.of("KMS_KEY_ID", "alias/test", "AWS_REGION", "us-east-1"));
        env.putAll(extraEnvironment);
        return new KmsCryptoHandler(HandlerSettings.fromEnvironment(env), settings -> kms);
    }

    private KmsCryptoHandler handler() {
        return handler(Map.of());
    }

    @Test
    void singleValueRoundTripsInTheSeedRequestShape() {
        KmsCryptoHandler handler = handler();

        JsonNode encrypted = invoke(handler, JSON.createObjectNode().put("event_type", "enc")
            .put("event_text", SECRET), context);
        assertThat(encrypted.size()).isEqualTo(1);
        String ciphertext = encrypted.get("result").textValue();
        assertThat(CiphertextFormat.isCanonicalV1(ciphertext)).isTrue();

        JsonNode decrypted = invoke(handler, single("dec", ciphertext, null), context);
        assertThat(decrypted.get("result").textValue()).isEqualTo(SECRET);
    }

    @Test
    void batchKeepsOrderAndNulls() {
        KmsCryptoHandler handler = handler();
        List<String> values = Arrays.asList("a", null, "", "d", null);

        List<String> ciphertexts = results(invoke(handler, batch("enc", values, CONTEXT), context));
        assertThat(ciphertexts).hasSize(5);
        assertThat(ciphertexts.get(1)).isNull();
        assertThat(ciphertexts.get(4)).isNull();
        assertThat(kms.calls()).isEqualTo(3);

        assertThat(results(invoke(handler, batch("dec", ciphertexts, CONTEXT), context))).isEqualTo(values);
    }

    @Test
    void emptyBatchAnswersEmptyResultsWithoutCallingKms() {
        JsonNode response = invoke(handler(), batch("enc", List.of(), null), context);

        assertThat(response.toString()).isEqualTo("{\"results\":[]}");
        assertThat(kms.calls()).isZero();
    }

    @Test
    void singleNullAnswersNull() {
        JsonNode response = invoke(handler(), single("enc", null, null), context);

        assertThat(response.toString()).isEqualTo("{\"result\":null}");
        assertThat(kms.calls()).isZero();
    }

    @Test
    void batchCallsRunConcurrentlyWithinTheConfiguredBound() {
        kms.delay(10);
        KmsCryptoHandler handler = handler(Map.of("KMS_CONCURRENCY", "8"));

        List<String> ciphertexts = results(invoke(handler, batch("enc", Collections.nCopies(100, "x"), null),
            context));

        assertThat(ciphertexts).hasSize(100).doesNotContainNull();
        assertThat(kms.peakInFlight()).isBetween(2, 8);
    }

    @Test
    void wrongContextOnDecryptIsAnErrorNamingTheMismatch() {
        KmsCryptoHandler handler = handler();
        String ciphertext = invoke(handler, single("enc", SECRET, CONTEXT), context).get("result").textValue();

        assertThatThrownBy(() -> invoke(handler, batch("dec", Arrays.asList(null, ciphertext),
            Map.of("table", "public.other", "column", "email")), context))
            .isInstanceOf(InvalidCiphertextException.class)
            .hasMessageStartingWith("event_texts[1]: ")
            .hasMessageContaining("the encryption context or the key does not match")
            .hasMessageContaining("InvalidCiphertextException");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "DisabledException        | KmsKeyDisabledException    | is disabled",
        "KMSInvalidStateException | KmsKeyDisabledException    | pending deletion",
        "NotFoundException        | KmsKeyNotFoundException    | Check KMS_KEY_ID",
        "AccessDeniedException    | KmsAccessDeniedException   | key policy",
        "ThrottlingException      | KmsThrottledException      | quota",
        "KMSInternalException     | KmsUnavailableException    | Retry later",
        "InvalidKeyUsageException | KmsRequestRejectedException | symmetric encryption key",
    })
    void kmsErrorsBecomeNamedFunctionErrors(String kmsError, String errorType, String advice) {
        KmsCryptoHandler handler = handler();
        kms.failWith(kmsError);

        assertThatThrownBy(() -> invoke(handler, batch("enc", List.of(SECRET, SECRET), null), context))
            .isInstanceOf(KmsCryptoException.class)
            .satisfies(e -> assertThat(((KmsCryptoException) e).errorType()).isEqualTo(errorType))
            .hasMessageMatching("event_texts\\[[01]\\]: .*")
            .hasMessageContaining("KMS Encrypt error " + kmsError)
            .hasMessageContaining(advice)
            .hasNoCause()
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        assertThat(context.lines()).singleElement().asString().contains("\"errorType\":\"" + errorType + "\"");
    }

    @Test
    void oversizedValueFailsTheBatchBeforeAnyKmsCall() {
        List<String> values = new ArrayList<>(Collections.nCopies(10, "ok"));
        values.set(9, "é".repeat(2049));

        assertThatThrownBy(() -> invoke(handler(), batch("enc", values, null), context))
            .isInstanceOf(PlaintextTooLargeException.class)
            .hasMessageStartingWith("event_texts[9] is 4098 bytes in UTF-8");
        assertThat(kms.calls()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"event_type\":\"encrypt\",\"event_text\":\"v\"}   | unknown event_type \"encrypt\"",
        "{\"event_text\":\"v\"}                             | event_type is required",
        "{\"event_type\":1,\"event_text\":\"v\"}            | event_type must be the string",
        "{\"event_type\":\"enc\"}                           | event_text (one value) or event_texts",
        "{\"event_type\":\"enc\",\"event_text\":\"v\",\"event_texts\":[]} | both event_text and event_texts",
        "{\"event_type\":\"enc\",\"event_texts\":[\"a\",7]} | event_texts[1] must be a string or null, but it is",
        "{\"event_type\":\"enc\",\"event_texts\":\"a\"}     | event_texts must be an array",
        "{\"event_type\":\"enc\",\"event_text\":{}}         | event_text must be a string or null",
        "{\"event_type\":\"enc\",\"event_text\":\"v\",\"contxt\":{}} | unknown field \"contxt\"",
        "{\"event_type\":\"enc\",\"event_text\":\"v\",\"context\":[]} | context must be a JSON object",
        "{\"event_type\":\"enc\",\"event_text\":\"v\",\"context\":{\"n\":1}} | context \"n\" must be a string",
        "[\"enc\"]                                         | the request must be a JSON object, but it is an array",
        "{\"event_type\":\"enc\",\"event_type\":\"dec\",\"event_text\":\"v\"} | duplicate field",
        "''                                                | the request body is empty",
    })
    void protocolViolationsAreInvalidRequests(String request, String problem) {
        assertThatThrownBy(() -> invoke(handler(), request.getBytes(StandardCharsets.UTF_8), context))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageStartingWith("Invalid request: ")
            .hasMessageContaining(problem);
        assertThat(kms.calls()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"event_type\":\"enc\",\"event_text\":\"x\"} trailing",
        "{\"event_type\":\"enc\",\"event_text\":\"x\"}{\"context\":{\"table\":\"t\"}}",
        "{\"event_type\":\"enc\",\"event_text\":\"x\"} 7",
        "{\"event_type\":\"enc\",\"event_text\":\"x\"}]",
    })
    void contentAfterTheRequestObjectIsAnInvalidRequest(String request) {
        assertThatThrownBy(() -> invoke(handler(), request.getBytes(StandardCharsets.UTF_8), context))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageStartingWith("Invalid request: ")
            .hasMessageContaining("after the JSON object")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("trailing").doesNotContain("table"));
        assertThat(kms.calls()).isZero();
    }

    @Test
    void whitespaceAfterTheRequestObjectIsAccepted() {
        byte[] request = "{\"event_type\":\"enc\",\"event_text\":\"x\"} \r\n\t ".getBytes(StandardCharsets.UTF_8);

        assertThat(invoke(handler(), request, context).get("result").textValue()).startsWith("kms:v1:");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"k\":\"\\ud800\"}                  | the value of context entry 0 | an unpaired surrogate",
        "{\"k\":\"\\udbff\"}                  | the value of context entry 0 | an unpaired surrogate",
        "{\"a\":\"b\",\"k\":\"x\\udc00\\ud800y\"} | the value of context entry 1 | an unpaired surrogate",
        "{\"a\":\"b\",\"k\\ud800\":\"v\"}       | the key of context entry 1   | an unpaired surrogate",
        "{\"\\u0000\":\"v\"}                   | the key of context entry 0   | U+0000",
        "{\"k\":\"a\\u0000b\"}                 | the value of context entry 0 | U+0000",
    })
    void contextKeysAndValuesMustBeUnicodeTextWithoutNul(String contextJson, String where, String problem) {
        String request = "{\"event_type\":\"enc\",\"event_text\":\"v\",\"context\":" + contextJson + "}";

        assertThatThrownBy(() -> invoke(handler(), request.getBytes(StandardCharsets.UTF_8), context))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageStartingWith("Invalid request: " + where + " contains " + problem)
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\"k").doesNotContain("\u0000")
                .doesNotContainPattern("[\\x{D800}-\\x{DFFF}]"));
        assertThat(kms.calls()).isZero();
    }

    @Test
    void contextWithSurrogatePairsRoundTrips() {
        KmsCryptoHandler handler = handler();
        Map<String, String> emoji = Map.of("t\ud83d\ude00", "\ud83d\udd10 caf\u00e9");

        String ciphertext = invoke(handler, single("enc", SECRET, emoji), context).get("result").textValue();
        assertThat(invoke(handler, single("dec", ciphertext, emoji), context).get("result").textValue())
            .isEqualTo(SECRET);
    }

    @Test
    void encryptRefusesAValueThatIsAlreadyV1CiphertextNamingItsIndex() {
        KmsCryptoHandler handler = handler();
        String ciphertext = invoke(handler, single("enc", SECRET, CONTEXT), context).get("result").textValue();
        int callsBefore = kms.calls();

        assertThatThrownBy(() -> invoke(handler, batch("enc", Arrays.asList("a", null, ciphertext), CONTEXT),
            context))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageStartingWith("event_texts[2] is already kms:v1 ciphertext; refusing to encrypt it twice")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(ciphertext.substring(7)));
        assertThatThrownBy(() -> invoke(handler, single("enc", ciphertext, CONTEXT), context))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageStartingWith("event_text is already kms:v1 ciphertext; refusing to encrypt it twice");
        assertThat(kms.calls()).isEqualTo(callsBefore);
    }

    @Test
    void textThatMerelyResemblesCiphertextIsEncrypted() {
        KmsCryptoHandler handler = handler();
        List<String> lookalikes = List.of("AQICAHgAAQID", "kms:v1:AQICAHgAAQI", "kms:v1:", "kms:v2:AQICAHgAAQID",
            "kms:v1:AQICAHgAAQID ");

        List<String> ciphertexts = results(invoke(handler, batch("enc", lookalikes, null), context));
        assertThat(results(invoke(handler, batch("dec", ciphertexts, null), context))).isEqualTo(lookalikes);
    }

    @Test
    void keyNotFoundOnDecryptAlsoNamesDataOfAnotherAccountOrRegionAndCorruption() {
        KmsCryptoHandler handler = handler();
        String ciphertext = invoke(handler, single("enc", SECRET, null), context).get("result").textValue();
        kms.failWith("NotFoundException");

        assertThatThrownBy(() -> invoke(handler, single("dec", ciphertext, null), context))
            .isInstanceOf(KmsKeyNotFoundException.class)
            .hasMessageContaining("KMS found no key alias/test")
            .hasMessageContaining("another account or region")
            .hasMessageContaining("corrupted")
            .hasMessageContaining("Check KMS_KEY_ID");
    }

    @Test
    void malformedJsonErrorNamesThePositionButNotTheInput() {
        String request = "{\"event_type\":\"enc\",\"event_text\":" + SECRET + "}";

        assertThatThrownBy(() -> invoke(handler(), request.getBytes(StandardCharsets.UTF_8), context))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("is not valid JSON at line 1, column")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
    }

    @Test
    void unknownEventTypeThatLooksLikeAValueIsNotEchoed() {
        assertThatThrownBy(() -> invoke(handler(), single(SECRET, "v", null), context))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessage("Invalid request: unknown event_type; use \"enc\" to encrypt or \"dec\" to decrypt.");
    }

    @Test
    void tooManyValuesIsRefusedWithTheLimit() {
        KmsCryptoHandler handler = handler(Map.of("MAX_VALUES_PER_REQUEST", "3"));

        assertThatThrownBy(() -> invoke(handler, batch("enc", List.of("a", "b", "c", "d"), null), context))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("event_texts has 4 values; at most 3 are allowed per request"
                + " (MAX_VALUES_PER_REQUEST)");
    }

    @Test
    void requestOverTheLambdaPayloadLimitIsRefused() {
        byte[] request = new byte[KmsCryptoHandler.MAX_REQUEST_BYTES + 1];
        Arrays.fill(request, (byte) ' ');

        assertThatThrownBy(() -> invoke(handler(), request, context))
            .isInstanceOf(PayloadTooLargeException.class)
            .hasMessageContaining("6291456 bytes");
    }

    @Test
    void responseOverTheLambdaPayloadLimitIsRefused() {
        KmsCryptoHandler handler = handler();
        // 4,000 bytes of control characters become 24,000 bytes of JSON escapes; 300 such values exceed 6 MB.
        List<String> controls = Collections.nCopies(150, "\u0001".repeat(4000));
        List<String> ciphertexts = new ArrayList<>(results(invoke(handler, batch("enc", controls, null), context)));
        ciphertexts.addAll(results(invoke(handler, batch("enc", controls, null), context)));

        assertThatThrownBy(() -> invoke(handler, batch("dec", ciphertexts, null), context))
            .isInstanceOf(PayloadTooLargeException.class)
            .hasMessageContaining("Send fewer values per request");
    }

    @Test
    void missingKeyIdIsReportedOnEveryInvocation() {
        KmsCryptoHandler handler = new KmsCryptoHandler(Map.of("AWS_REGION", "us-east-1"));

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> invoke(handler, single("enc", "v", null), context))
                .isInstanceOf(FunctionConfigurationException.class)
                .hasMessageStartingWith("KMS_KEY_ID is not set");
        }
    }

    @Test
    void logsOneJsonLinePerInvocationWithCountsButNoValues() throws Exception {
        KmsCryptoHandler handler = handler();
        List<String> ciphertexts = results(invoke(handler, batch("enc", Arrays.asList(SECRET, null, SECRET),
            CONTEXT), context));
        invoke(handler, batch("dec", ciphertexts, CONTEXT), context);
        assertThatThrownBy(() -> invoke(handler, single("dec", SECRET, null), context))
            .isInstanceOf(InvalidCiphertextException.class);

        assertThat(context.lines()).hasSize(3).allSatisfy(line -> {
            assertThat(line).endsWith("\n").doesNotContain(SECRET).doesNotContain(ciphertexts.get(0).substring(7));
            assertThat(line.trim()).doesNotContain("\n");
        });
        JsonNode first = JSON.readTree(context.lines().get(0));
        assertThat(first.get("requestId").textValue()).isEqualTo(context.getAwsRequestId());
        assertThat(first.get("operation").textValue()).isEqualTo("enc");
        assertThat(first.get("batch").booleanValue()).isTrue();
        assertThat(first.get("values").intValue()).isEqualTo(3);
        assertThat(first.get("kmsCalls").intValue()).isEqualTo(2);
        assertThat(first.get("retries").intValue()).isZero();
        assertThat(first.get("durationMs").isIntegralNumber()).isTrue();
        assertThat(first.get("errorType").isNull()).isTrue();
        JsonNode failed = JSON.readTree(context.lines().get(2));
        assertThat(failed.get("level").textValue()).isEqualTo("ERROR");
        assertThat(failed.get("errorType").textValue()).isEqualTo("InvalidCiphertextException");
    }
}
