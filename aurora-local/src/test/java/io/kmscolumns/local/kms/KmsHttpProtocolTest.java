package io.kmscolumns.local.kms;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The wire protocol as a client without an SDK sees it: headers required and error bodies. */
class KmsHttpProtocolTest {

    private static final String SIGNATURE = "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/kms/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=0000";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalKms kms;
    private static String keyArn;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startKms() {
        kms = LocalKms.builder().build().start();
        keyArn = kms.createKey("protocol");
    }

    @AfterAll
    static void stopKms() {
        kms.close();
    }

    @Test
    void signedJsonRequestIsServed() throws Exception {
        HttpResponse<String> response = send("TrentService.DescribeKey", SIGNATURE,
                "{\"KeyId\": \"" + keyArn + "\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-amz-json-1.1");
        assertThat(JSON.readTree(response.body()).at("/KeyMetadata/Arn").asText()).isEqualTo(keyArn);
    }

    @Test
    void requestWithoutAuthorizationIsRefusedAsMissingAuthenticationToken() throws Exception {
        HttpResponse<String> response = send("TrentService.DescribeKey", null, "{\"KeyId\": \"" + keyArn + "\"}");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(errorType(response)).isEqualTo("MissingAuthenticationTokenException");
    }

    @Test
    void unknownTargetIsUnknownOperationException() throws Exception {
        HttpResponse<String> response = send("TrentService.Sign", SIGNATURE, "{}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(errorType(response)).isEqualTo("UnknownOperationException");
        assertThat(JSON.readTree(response.body()).get("message").asText()).contains("Encrypt");
    }

    @Test
    void malformedJsonIsSerializationException() throws Exception {
        HttpResponse<String> response = send("TrentService.Encrypt", SIGNATURE, "{not json");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(errorType(response)).isEqualTo("SerializationException");
    }

    @Test
    void errorBodiesCarryTypeAndMessageButNeverThePlaintext() throws Exception {
        String disabled = kms.createKey("disabled for the protocol test");
        kms.disableKey(disabled);
        String plaintext = Base64.getEncoder().encodeToString("very-secret-value".getBytes());

        HttpResponse<String> response = send("TrentService.Encrypt", SIGNATURE,
                "{\"KeyId\": \"" + disabled + "\", \"Plaintext\": \"" + plaintext + "\"}");

        assertThat(response.statusCode()).isEqualTo(409);
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.get("__type").asText()).isEqualTo("DisabledException");
        assertThat(error.get("message").asText()).contains(disabled);
        assertThat(response.body()).doesNotContain("very-secret-value", plaintext);
    }

    @Test
    void missingKeyIdIsValidationException() throws Exception {
        HttpResponse<String> response = send("TrentService.Encrypt", SIGNATURE, "{\"Plaintext\": \"eA==\"}");

        assertThat(errorType(response)).isEqualTo("ValidationException");
        assertThat(JSON.readTree(response.body()).get("message").asText()).contains("keyId");
    }

    private HttpResponse<String> send(String target, String authorization, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(kms.endpoint() + "/"))
                .header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", target)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String errorType(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body()).get("__type").asText();
    }
}
