package io.kmscolumns.lambda;

import static io.kmscolumns.lambda.Invocations.JSON;
import static io.kmscolumns.lambda.Invocations.batch;
import static io.kmscolumns.lambda.Invocations.invoke;
import static io.kmscolumns.lambda.Invocations.results;
import static io.kmscolumns.lambda.Invocations.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.kmscolumns.local.kms.LocalKms;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/** The handler against the local KMS through the real SDK client: round trips, formats, contexts and keys. */
class LocalKmsRoundTripTest {

    private static final Map<String, String> CONTEXT = Map.of("table", "public.people", "column", "email");

    private static LocalKms kms;
    private static String keyArn;

    private final CapturingContext context = new CapturingContext();

    @BeforeAll
    static void startKms() {
        kms = LocalKms.builder().port(0).build().start();
        keyArn = kms.createKey("lambda-fn round trips");
        kms.createAlias("alias/lambda-fn-test", keyArn);
    }

    @AfterAll
    static void stopKms() {
        kms.close();
    }

    @AfterEach
    void noValueWasLogged() {
        assertThat(context.lines()).allSatisfy(line -> {
            JsonNode entry = JSON.readTree(line);
            assertThat(entry.get("message").textValue()).isEqualTo("kms-crypto invocation");
        });
    }

    static Map<String, String> environment(LocalKms server, String keyId) {
        Map<String, String> env = new HashMap<>();
        env.put("KMS_KEY_ID", keyId);
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ENDPOINT_URL_KMS", server.endpoint().toString());
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        env.put("KMS_RETRY_BASE_DELAY_MS", "5");
        env.put("KMS_RETRY_MAX_DELAY_MS", "20");
        return env;
    }

    static Stream<Arguments> texts() {
        return Stream.of(
            Arguments.of("ascii", "alice@example.com"),
            Arguments.of("accented", "Zoë Ångström, café crème"),
            Arguments.of("cjk", "東京都千代田区 김민준"),
            Arguments.of("emoji", "🔐👩‍💻🏳️‍🌈"),
            Arguments.of("newlines", "line 1\nline 2\r\nline 3\t"),
            Arguments.of("quotes", "O'Brien said \"hi\" and `bye`"),
            Arguments.of("backslashes", "C:\\temp\\new \\\\ \\u0041 \\n"),
            Arguments.of("json-looking", "{\"error\": \"x\"}"),
            Arguments.of("empty", ""),
            Arguments.of("space", " "),
            Arguments.of("the word null", "null"),
            Arguments.of("ciphertext-looking", "kms:v1:AQICAHgAAQI"),
            Arguments.of("bare-base64-looking", "AQICAHgAAQID"),
            Arguments.of("4096 ascii bytes", "a".repeat(4096)),
            Arguments.of("4096 bytes of two-byte characters", "é".repeat(2048)),
            Arguments.of("4096 bytes of emoji", "😀".repeat(1024)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("texts")
    void singleValueRoundTrips(String name, String text) {
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, keyArn));

        String ciphertext = invoke(handler, single("enc", text, CONTEXT), context).get("result").textValue();
        assertThat(CiphertextFormat.isCanonicalV1(ciphertext)).isTrue();
        assertThat(invoke(handler, single("dec", ciphertext, CONTEXT), context).get("result").textValue())
            .isEqualTo(text);
    }

    @Test
    void everyTextRoundTripsInOneBatchWithNullsInPlace() {
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, "alias/lambda-fn-test"));
        List<String> values = new ArrayList<>();
        texts().forEach(arguments -> {
            values.add((String) arguments.get()[1]);
            values.add(null);
        });

        List<String> ciphertexts = results(invoke(handler, batch("enc", values, CONTEXT), context));
        for (int i = 0; i < values.size(); i++) {
            assertThat(ciphertexts.get(i) == null).as("null at %d", i).isEqualTo(values.get(i) == null);
        }
        assertThat(results(invoke(handler, batch("dec", ciphertexts, CONTEXT), context))).isEqualTo(values);
    }

    @Test
    void thousandValueBatchKeepsOrder() throws Exception {
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, keyArn));
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            values.add(i % 7 == 3 ? null : "value #" + i);
        }

        List<String> ciphertexts = results(invoke(handler, batch("enc", values, CONTEXT), context));
        assertThat(results(invoke(handler, batch("dec", ciphertexts, CONTEXT), context))).isEqualTo(values);

        JsonNode log = JSON.readTree(context.lines().get(0));
        assertThat(log.get("values").intValue()).isEqualTo(1000);
        assertThat(log.get("kmsCalls").intValue()).isEqualTo(857);
    }

    @Test
    void oneByteOverTheLimitIsRefusedWithIndexAndSize() {
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, keyArn));
        long before = kms.requestCount();

        assertThatThrownBy(() -> invoke(handler, batch("enc", List.of("ok", "a".repeat(4097)), null), context))
            .isInstanceOf(PlaintextTooLargeException.class)
            .hasMessageStartingWith("event_texts[1] is 4097 bytes in UTF-8; KMS encrypts at most 4096 bytes")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("aaaa"));
        assertThatThrownBy(() -> invoke(handler, single("enc", "é".repeat(2048) + "x", null), context))
            .isInstanceOf(PlaintextTooLargeException.class)
            .hasMessageStartingWith("event_text is 4097 bytes");
        assertThat(kms.requestCount()).isEqualTo(before);
    }

    @Test
    void wrongOrMissingContextIsAnErrorNeverGarbage() {
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, keyArn));
        String ciphertext = invoke(handler, single("enc", "alice@example.com", CONTEXT), context).get("result")
            .textValue();

        Map<String, String> otherColumn = Map.of("table", "public.people", "column", "phone");
        for (Map<String, String> wrong : List.of(otherColumn, Map.<String, String>of())) {
            assertThatThrownBy(() -> invoke(handler, batch("dec", List.of(ciphertext), wrong), context))
                .isInstanceOf(InvalidCiphertextException.class)
                .hasMessageStartingWith("event_texts[0]: KMS could not decrypt the value: the encryption context or"
                    + " the key does not match")
                .hasMessageContaining("KMS Decrypt error InvalidCiphertextException")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("alice")
                    .doesNotContain(ciphertext.substring(7, 30)));
        }
    }

    @Test
    void ciphertextOfAnotherKeyIsRefusedUnlessDecryptMayUseAnyKey() {
        String otherKey = kms.createKey("another key");
        String ciphertext = invoke(new KmsCryptoHandler(environment(kms, otherKey)), single("enc", "x", null),
            context).get("result").textValue();

        assertThatThrownBy(() -> invoke(new KmsCryptoHandler(environment(kms, keyArn)), single("dec", ciphertext,
            null), context))
            .isInstanceOf(InvalidCiphertextException.class)
            .hasMessageContaining("KMS Decrypt error IncorrectKeyException");

        Map<String, String> anyKey = environment(kms, keyArn);
        anyKey.put("KMS_DECRYPT_WITH_KEY_ID", "false");
        assertThat(invoke(new KmsCryptoHandler(anyKey), single("dec", ciphertext, null), context).get("result")
            .textValue()).isEqualTo("x");
    }

    @Test
    void ciphertextCorruptedInItsKeyIdIsInvalidCiphertextNotAMissingKey() {
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, keyArn));
        String ciphertext = invoke(handler, single("enc", "alice@example.com", CONTEXT), context).get("result")
            .textValue();
        // The local KMS blob names its key id from byte 6 on; base64 characters 8 to 55 cover it.
        char replaced = ciphertext.charAt(7 + 16);
        String corrupted = ciphertext.substring(0, 7 + 16) + (replaced == 'A' ? 'B' : 'A')
            + ciphertext.substring(7 + 17);

        assertThatThrownBy(() -> invoke(handler, single("dec", corrupted, CONTEXT), context))
            .isInstanceOf(InvalidCiphertextException.class)
            .hasMessageStartingWith("event_text: KMS could not decrypt the value")
            .hasMessageContaining("KMS Decrypt error InvalidCiphertextException")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("KMS_KEY_ID"));
    }

    @Test
    void consoleFormatCiphertextDecrypts() {
        // What the console setup stored: base64 of the blob of the UTF-8 plaintext, no context; written through
        // PostgreSQL's encode(..., 'base64') it also carries a line break every 76 characters.
        byte[] blob;
        try (KmsClient client = KmsClient.builder()
            .endpointOverride(kms.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
            .httpClient(UrlConnectionHttpClient.create())
            .build()) {
            blob = client.encrypt(r -> r.keyId(keyArn).plaintext(SdkBytes.fromString("Grüße 😀 \"x\"",
                StandardCharsets.UTF_8))).ciphertextBlob().asByteArray();
        }
        String bare = Base64.getEncoder().encodeToString(blob);
        String mime = Base64.getMimeEncoder(76, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(blob);
        assertThat(bare).startsWith("AQICAH");
        assertThat(mime).contains("\n");

        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, keyArn));
        assertThat(results(invoke(handler, batch("dec", List.of(bare, mime, "kms:v1:" + bare), null), context)))
            .containsOnly("Grüße 😀 \"x\"");
    }

    @Test
    void keyMayBeNamedByIdArnOrAlias() {
        String keyId = keyArn.substring(keyArn.lastIndexOf('/') + 1);
        String aliasArn = keyArn.substring(0, keyArn.indexOf(":key/")) + ":alias/lambda-fn-test";

        for (String name : List.of(keyId, keyArn, "alias/lambda-fn-test", aliasArn)) {
            KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, name));
            String ciphertext = invoke(handler, single("enc", "v", null), context).get("result").textValue();
            assertThat(invoke(handler, single("dec", ciphertext, null), context).get("result").textValue())
                .as(name).isEqualTo("v");
        }
    }

    @Test
    void unknownKeyIsNamedInTheError() {
        KmsCryptoHandler handler = new KmsCryptoHandler(environment(kms, "alias/does-not-exist"));

        assertThatThrownBy(() -> invoke(handler, single("enc", "v", null), context))
            .isInstanceOf(KmsKeyNotFoundException.class)
            .hasMessageContaining("alias/does-not-exist")
            .hasMessageContaining("NotFoundException");
    }
}
