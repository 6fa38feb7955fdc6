package io.kmscolumns.local.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.RequestTooLargeException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalLambdaTest {

    private static final String ACCOUNT = "123456789012";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalLambda lambda;
    private static LambdaClient client;

    @BeforeAll
    static void start() {
        lambda = LocalLambda.builder().region("eu-west-1").accountId(ACCOUNT).concurrency(8).build().start();
        register("echo", TestHandlers.Echo.class, Duration.ofSeconds(10), Map.of("GREETING", "hi"));
        register("upper", TestHandlers.Upper.class, Duration.ofSeconds(10), Map.of());
        register("greeter", TestHandlers.Greeter.class, Duration.ofSeconds(10), Map.of());
        register("failing", TestHandlers.Failing.class, Duration.ofSeconds(10), Map.of());
        register("sleeper", TestHandlers.Sleeper.class, Duration.ofMillis(300), Map.of());
        register("big", TestHandlers.Big.class, Duration.ofSeconds(20), Map.of());
        register("chatty", TestHandlers.Chatty.class, Duration.ofSeconds(10), Map.of());
        register("tracking", TestHandlers.Tracking.class, Duration.ofSeconds(10), Map.of());
        client = LambdaClient.builder()
                .endpointOverride(lambda.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(30)).build())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        lambda.close();
    }

    private static void register(String name, Class<?> handler, Duration timeout, Map<String, String> environment) {
        lambda.register(LambdaFunctionDefinition.builder().name(name).handlerClass(handler.getName())
                .timeout(timeout).environment(environment).build());
    }

    private static InvokeResponse invoke(String functionName, String payload) {
        return client.invoke(r -> r.functionName(functionName).payload(SdkBytes.fromUtf8String(payload)));
    }

    private static JsonNode json(InvokeResponse response) throws Exception {
        return JSON.readTree(response.payload().asUtf8String());
    }

    @Test
    void requestResponseRoundTripsThroughTheSdkWithEnvironmentAndContext() throws Exception {
        long before = lambda.invocationCount("echo");

        InvokeResponse response = invoke("echo", "{\"a\": [1, \"two\"]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.executedVersion()).isEqualTo("$LATEST");
        assertThat(response.functionError()).isNull();
        assertThat(response.logResult()).isNull();
        JsonNode body = json(response);
        assertThat(body.get("input").toString()).isEqualTo("{\"a\":[1,\"two\"]}");
        assertThat(body.get("greeting").asText()).isEqualTo("hi");
        assertThat(body.get("functionName").asText()).isEqualTo("echo");
        assertThat(body.get("invokedArn").asText()).isEqualTo("arn:aws:lambda:eu-west-1:123456789012:function:echo");
        assertThat(body.get("remainingMillis").asInt()).isBetween(1, 10_000);
        assertThat(body.get("memory").asInt()).isEqualTo(128);
        assertThat(body.get("requestId").asText()).isEqualTo(response.responseMetadata().requestId());
        assertThat(lambda.invocationCount("echo")).isEqualTo(before + 1);
    }

    @Test
    void functionIsFoundByNamePartialArnAndFullArnWithOrWithoutLatestQualifier() throws Exception {
        String arn = lambda.functionArn("echo");
        assertThat(arn).isEqualTo("arn:aws:lambda:eu-west-1:123456789012:function:echo");

        for (String reference : List.of("echo", ACCOUNT + ":function:echo", arn, arn + ":$LATEST", "echo:$LATEST")) {
            assertThat(json(invoke(reference, "{}")).get("functionName").asText()).as(reference).isEqualTo("echo");
        }
        InvokeResponse qualified = client.invoke(r -> r.functionName("echo").qualifier("$LATEST")
                .payload(SdkBytes.fromUtf8String("{}")));
        assertThat(json(qualified).get("invokedArn").asText()).isEqualTo(arn + ":$LATEST");
    }

    @Test
    void streamHandlerReceivesTheRawPayload() {
        assertThat(invoke("upper", "\"abc\"").payload().asUtf8String()).isEqualTo("\"ABC\"");
    }

    @Test
    void requestHandlerBindsPojoInputAndSerialisesItsResultAsJson() {
        assertThat(invoke("greeter", "{\"name\": \"Ada\", \"unknown\": 1}").payload().asUtf8String())
                .isEqualTo("\"hello Ada\"");
    }

    @Test
    void inputThatDoesNotBindIsAFunctionError() throws Exception {
        InvokeResponse response = invoke("greeter", "[1, 2]");

        assertThat(response.functionError()).isEqualTo("Unhandled");
        assertThat(json(response).get("errorMessage").asText()).isEqualTo("An error occurred during JSON parsing");
    }

    @Test
    void thrownExceptionIsAnUnhandledFunctionErrorWithTheFullyQualifiedClassName() throws Exception {
        InvokeResponse response = invoke("failing", "{}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.functionError()).isEqualTo("Unhandled");
        JsonNode error = json(response);
        assertThat(error.get("errorType").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.get("errorMessage").asText()).isEqualTo("the handler failed on purpose");
        assertThat(error.get("stackTrace").get(0).asText()).contains("TestHandlers$Failing.handleRequest");
        assertThat(error.get("stackTrace").toString()).doesNotContain("io.kmscolumns.local.lambda.FunctionHost");
    }

    @Test
    void unknownFunctionRaisesTheSdksResourceNotFoundExceptionNamingTheFullArn() {
        assertThatThrownBy(() -> invoke("nope", "{}"))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageStartingWith("Function not found: arn:aws:lambda:eu-west-1:123456789012:function:nope")
                .satisfies(e -> assertThat(((ResourceNotFoundException) e).statusCode()).isEqualTo(404));
    }

    @Test
    void functionOfAnotherAccountRegionOrVersionIsNotFound() {
        assertThatThrownBy(() -> invoke("arn:aws:lambda:eu-west-1:999999999999:function:echo", "{}"))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> invoke("arn:aws:lambda:us-east-1:123456789012:function:echo", "{}"))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> invoke("echo:7", "{}"))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageStartingWith("Function not found: arn:aws:lambda:eu-west-1:123456789012:function:echo:7");
    }

    @Test
    void qualifierConflictingWithTheNameIsRejected() {
        assertThatThrownBy(() -> client.invoke(r -> r.functionName("echo:live").qualifier("$LATEST")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("does not match the specified qualifier");
    }

    @Test
    void malformedFunctionNameIsAValidationError() {
        assertThatThrownBy(() -> invoke("arn:aws:lambda:nowhere:12:function:echo", "{}"))
                .isInstanceOf(LambdaException.class)
                .hasMessageContaining("failed to satisfy constraint")
                .satisfies(e -> {
                    LambdaException error = (LambdaException) e;
                    assertThat(error.statusCode()).isEqualTo(400);
                    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                });
    }

    @Test
    void invalidInvocationTypeIsAValidationError() {
        assertThatThrownBy(() -> client.invoke(r -> r.functionName("echo").invocationType("requestresponse")))
                .isInstanceOf(LambdaException.class)
                .hasMessageContaining("Value 'requestresponse' at 'invocationType'")
                .satisfies(e -> assertThat(((LambdaException) e).statusCode()).isEqualTo(400));
    }

    @Test
    void eventInvocationAnswers202AndRunsTheHandlerLater() throws Exception {
        long before = lambda.invocationCount("echo");

        InvokeResponse response = client.invoke(r -> r.functionName("echo").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String("{}")));

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.payload().asByteArray()).isEmpty();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (lambda.invocationCount("echo") == before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(lambda.invocationCount("echo")).isEqualTo(before + 1);
    }

    @Test
    void dryRunAnswers204WithoutInvoking() {
        long before = lambda.invocationCount("echo");

        InvokeResponse response = client.invoke(r -> r.functionName("echo").invocationType(InvocationType.DRY_RUN));

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(lambda.invocationCount("echo")).isEqualTo(before);
    }

    @Test
    void tailReturnsTheHandlersLogBase64Encoded() {
        InvokeResponse response = client.invoke(r -> r.functionName("echo").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{}")));

        String log = new String(Base64.getDecoder().decode(response.logResult()), StandardCharsets.UTF_8);
        assertThat(log).startsWith("START RequestId: ").contains("echo handled a request\n")
                .contains("END RequestId: ").contains("REPORT RequestId: ");
    }

    @Test
    void handlerLogLinesAreForwardedAtInfoPrefixedWithTheFunctionNameAndRequestId() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler collector = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(FunctionLog.LOGGER_NAME);
        logger.addHandler(collector);
        try {
            InvokeResponse response = client.invoke(r -> r.functionName("echo").logType(LogType.TAIL)
                    .payload(SdkBytes.fromUtf8String("{}")));

            String requestId = response.responseMetadata().requestId();
            assertThat(records).filteredOn(record -> record.getLevel().equals(Level.INFO))
                    .extracting(LogRecord::getMessage)
                    .contains("echo " + requestId + ": echo handled a request");
            String tail = new String(Base64.getDecoder().decode(response.logResult()), StandardCharsets.UTF_8);
            assertThat(tail).contains("echo handled a request\n");
        } finally {
            logger.removeHandler(collector);
        }
    }

    @Test
    void tailKeepsOnlyTheLastFourKilobytes() {
        InvokeResponse response = client.invoke(r -> r.functionName("chatty").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"lines\": 2000}")));

        byte[] tail = Base64.getDecoder().decode(response.logResult());
        String log = new String(tail, StandardCharsets.UTF_8);
        assertThat(tail).hasSize(4096);
        assertThat(log).contains("line 1999\n").doesNotContain("line 1\n").contains("REPORT RequestId: ");
    }

    @Test
    void timeoutIsASandboxTimedoutFunctionError() throws Exception {
        InvokeResponse response = invoke("sleeper", "{\"millis\": 5000}");

        assertThat(response.functionError()).isEqualTo("Unhandled");
        JsonNode error = json(response);
        assertThat(error.get("errorType").asText()).isEqualTo("Sandbox.Timedout");
        assertThat(error.get("errorMessage").asText()).endsWith("Task timed out after 0.30 seconds");
        assertThat(invoke("sleeper", "{\"millis\": 1}").functionError()).isNull();
    }

    @Test
    void requestOverSixMegabytesIsRejectedWith413() {
        String payload = "\"" + "x".repeat(InvokeEndpoint.MAX_SYNC_REQUEST_BYTES) + "\"";

        assertThatThrownBy(() -> invoke("upper", payload))
                .isInstanceOf(RequestTooLargeException.class)
                .hasMessageContaining("Request must be smaller than 6291456 bytes")
                .satisfies(e -> assertThat(((RequestTooLargeException) e).statusCode()).isEqualTo(413));
    }

    @Test
    void responseOverTheLimitIsAResponseSizeTooLargeFunctionError() throws Exception {
        InvokeResponse response = invoke("big", "{\"size\": " + FunctionHost.MAX_RESPONSE_BYTES + "}");

        assertThat(response.functionError()).isEqualTo("Unhandled");
        assertThat(json(response).get("errorType").asText()).isEqualTo("Function.ResponseSizeTooLarge");
        assertThat(invoke("big", "{\"size\": 6291554}").payload().asByteArray()).hasSize(6_291_556);
    }

    @Test
    void clientContextReachesTheHandler() throws Exception {
        String clientContext = Base64.getEncoder().encodeToString(
                "{\"custom\": {\"tenant\": \"t1\"}}".getBytes(StandardCharsets.UTF_8));

        InvokeResponse response = client.invoke(r -> r.functionName("echo").clientContext(clientContext)
                .payload(SdkBytes.fromUtf8String("{}")));

        assertThat(json(response).get("clientCustom").get("tenant").asText()).isEqualTo("t1");
    }

    @Test
    void concurrentInvocationsRunOnSeparateInstancesThatAreReusedAfterwards() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(6);
        try {
            List<Future<InvokeResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(callers.submit(() -> invoke("tracking", "{\"millis\": 300}")));
            }
            for (Future<InvokeResponse> call : calls) {
                assertThat(call.get().functionError()).isNull();
            }
        } finally {
            callers.shutdownNow();
        }
        int constructed = TestHandlers.Tracking.CONSTRUCTED.get();

        for (int i = 0; i < 5; i++) {
            invoke("tracking", "{}");
        }

        assertThat(TestHandlers.Tracking.OVERLAPS).hasValue(0);
        assertThat(constructed).isBetween(2, 6);
        assertThat(TestHandlers.Tracking.CONSTRUCTED).hasValue(constructed);
    }

    @Test
    void apiErrorsCarryTheErrorTypeHeaderAndATypeMessageBody() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(lambda.endpoint() + "/2015-03-31/functions/missing/invocations"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("ResourceNotFoundException");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("Type").asText()).isEqualTo("User");
        assertThat(body.get("Message").asText())
                .isEqualTo("Function not found: arn:aws:lambda:eu-west-1:123456789012:function:missing");
    }

    @Test
    void registeringAClassThatIsNotAHandlerFailsFast() {
        LambdaFunctionDefinition definition = LambdaFunctionDefinition.builder().name("bad")
                .handlerClass(String.class.getName()).build();

        assertThatThrownBy(() -> lambda.register(definition))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("implements neither");
    }
}
