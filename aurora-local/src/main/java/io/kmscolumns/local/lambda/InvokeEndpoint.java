package io.kmscolumns.local.lambda;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP side of {@link LocalLambda}: parses and validates an Invoke request, runs it through the function's
 * {@link FunctionHost} and writes Lambda's response, or the API error Lambda would give.
 *
 * @see <a href="https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html">Lambda API Reference: Invoke</a>
 */
final class InvokeEndpoint implements HttpHandler {

    /** The largest synchronous request payload Lambda accepts. */
    static final int MAX_SYNC_REQUEST_BYTES = 6_291_456;
    /** The largest asynchronous ({@code Event}) request payload Lambda accepts. */
    static final int MAX_EVENT_REQUEST_BYTES = 1_048_576;
    /** The largest decoded {@code X-Amz-Client-Context} Lambda accepts. */
    static final int MAX_CLIENT_CONTEXT_BYTES = 3_583;

    private static final long DRAIN_LIMIT_BYTES = 64L * 1024 * 1024;

    private static final Pattern INVOKE_PATH = Pattern.compile("/2015-03-31/functions/([^/]+)/invocations/?");
    private static final Set<String> INVOCATION_TYPES = Set.of("RequestResponse", "Event", "DryRun");
    private static final Set<String> LOG_TYPES = Set.of("None", "Tail");
    private static final System.Logger LOG = System.getLogger(InvokeEndpoint.class.getName());

    private final LocalLambda lambda;

    InvokeEndpoint(LocalLambda lambda) {
        this.lambda = lambda;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
        try (exchange) {
            try {
                serve(exchange, requestId);
            } catch (LambdaApiException e) {
                sendApiError(exchange, e);
            } catch (RejectedExecutionException e) {
                sendApiError(exchange, new LambdaApiException(429, "TooManyRequestsException", "Rate Exceeded."));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "The local Lambda endpoint failed on request " + requestId, e);
                sendApiError(exchange, new LambdaApiException(500, "ServiceException",
                        "The local Lambda endpoint failed: " + e + "; see its log for request " + requestId));
            }
        }
    }

    private void serve(HttpExchange exchange, String requestId) throws IOException {
        byte[] payload = readBody(exchange.getRequestBody(), MAX_SYNC_REQUEST_BYTES);
        Matcher path = INVOKE_PATH.matcher(exchange.getRequestURI().getPath());
        if (!path.matches() || !"POST".equals(exchange.getRequestMethod())) {
            throw new LambdaApiException(404, "UnknownOperationException", "Unknown operation: "
                    + exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()
                    + "; this endpoint serves only POST /2015-03-31/functions/{FunctionName}/invocations");
        }
        String invocationType = header(exchange, "X-Amz-Invocation-Type", "RequestResponse");
        if (!INVOCATION_TYPES.contains(invocationType)) {
            throw LambdaApiException.validation(invocationType, "invocationType",
                    "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
        }
        String logType = header(exchange, "X-Amz-Log-Type", "None");
        if (!LOG_TYPES.contains(logType)) {
            throw LambdaApiException.validation(logType, "logType",
                    "Member must satisfy enum value set: [None, Tail]");
        }

        FunctionArn invoked = resolve(path.group(1), queryParameter(exchange, "Qualifier"));
        FunctionHost host = lambda.host(invoked);
        ClientContext clientContext = clientContext(exchange.getRequestHeaders().getFirst("X-Amz-Client-Context"));
        if ("Event".equals(invocationType) && payload.length > MAX_EVENT_REQUEST_BYTES) {
            throw tooLarge(MAX_EVENT_REQUEST_BYTES);
        }

        switch (invocationType) {
            case "DryRun" -> exchange.sendResponseHeaders(204, -1);
            case "Event" -> {
                lambda.invokeAsync(host, payload, invoked, requestId, clientContext);
                exchange.sendResponseHeaders(202, -1);
            }
            default -> {
                InvocationOutcome outcome = host.invoke(payload, invoked, requestId, clientContext);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("X-Amz-Executed-Version", FunctionArn.LATEST);
                if (outcome.functionError() != null) {
                    exchange.getResponseHeaders().set("X-Amz-Function-Error", outcome.functionError());
                }
                if ("Tail".equals(logType)) {
                    exchange.getResponseHeaders().set("X-Amz-Log-Result", outcome.log().tailBase64());
                }
                send(exchange, 200, outcome.payload());
            }
        }
    }

    private FunctionArn resolve(String functionName, String queryQualifier) {
        FunctionArn arn = FunctionArn.parse(functionName, lambda.region(), lambda.accountId())
                .orElseThrow(() -> LambdaApiException.validation(functionName, "functionName",
                        "Member must satisfy regular expression pattern: " + FunctionArn.API_PATTERN));
        if (queryQualifier == null || queryQualifier.isEmpty()) {
            return arn;
        }
        if (arn.qualifier() != null && !arn.qualifier().equals(queryQualifier)) {
            throw LambdaApiException.invalidParameter(
                    "The derived qualifier from the function name does not match the specified qualifier.");
        }
        return arn.withQualifier(queryQualifier);
    }

    private static ClientContext clientContext(String base64) {
        if (base64 == null || base64.isEmpty()) {
            return null;
        }
        try {
            byte[] json = Base64.getDecoder().decode(base64);
            if (json.length > MAX_CLIENT_CONTEXT_BYTES) {
                throw LambdaApiException.invalidParameter("Client context must be at most "
                        + MAX_CLIENT_CONTEXT_BYTES + " bytes once decoded; it is " + json.length);
            }
            JsonNode node = HandlerAdapter.JSON.readTree(json);
            if (node == null || !node.isObject()) {
                throw LambdaApiException.invalidParameter("Client context must be a base64-encoded JSON object");
            }
            return new LocalClientContext(node);
        } catch (IllegalArgumentException | IOException e) {
            throw LambdaApiException.invalidParameter("Client context must be a base64-encoded JSON object");
        }
    }

    /**
     * Reads the whole body. An oversized one is still drained (up to a bound) so that the client, which sends its
     * whole request before reading the response, receives the 413 rather than a reset connection.
     */
    private static byte[] readBody(InputStream body, int limit) throws IOException {
        byte[] bytes = body.readNBytes(limit + 1);
        if (bytes.length > limit) {
            // Note: read, not skip: the server's body stream passes skip() through to the socket, past the body.
            byte[] discard = new byte[64 * 1024];
            long drained = 0;
            for (int n = 0; n >= 0 && drained < DRAIN_LIMIT_BYTES; n = body.read(discard)) {
                drained += n;
            }
            throw tooLarge(limit);
        }
        return bytes;
    }

    private static LambdaApiException tooLarge(int limit) {
        return new LambdaApiException(413, "RequestTooLargeException",
                "Request must be smaller than " + limit + " bytes for the InvokeFunction operation");
    }

    private static String header(HttpExchange exchange, String name, String defaultValue) {
        String value = exchange.getRequestHeaders().getFirst(name);
        return value == null || value.isEmpty() ? defaultValue : value;
    }

    private static String queryParameter(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void sendApiError(HttpExchange exchange, LambdaApiException error) throws IOException {
        // The SDKs take the error code from x-amzn-ErrorType and the message from the body's Message member.
        exchange.getResponseHeaders().set("x-amzn-ErrorType", error.errorType());
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        ObjectNode body = HandlerAdapter.JSON.createObjectNode();
        body.put("Type", error.faultType());
        body.put("Message", error.getMessage());
        if (error.status() == 429) {
            body.put("Reason", "ConcurrentInvocationLimitExceeded");
        }
        send(exchange, error.status(), HandlerAdapter.JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }
}
