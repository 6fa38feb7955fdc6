package io.kmscolumns.local.kms;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.UUID;

/**
 * The AWS JSON 1.1 protocol of KMS: {@code POST /} with {@code X-Amz-Target: TrentService.<Operation>} and
 * {@code Content-Type: application/x-amz-json-1.1}; errors as {@code {"__type": "<Code>", "message": "..."}}.
 *
 * <p>Requests must carry a SigV4 {@code Authorization} header, as every SDK sends, but the signature is not checked:
 * the local KMS accepts any credentials.
 *
 * @see <a href="https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html">AWS JSON 1.1 protocol</a>
 */
final class KmsHttpHandler implements HttpHandler {

    static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    private static final String TARGET_PREFIX = "TrentService.";
    private static final String SIGV4 = "AWS4-HMAC-SHA256";
    private static final int MAX_REQUEST_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(KmsHttpHandler.class.getName());

    private final KmsOperations operations;

    KmsHttpHandler(KmsOperations operations) {
        this.operations = operations;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            byte[] request = readBody(exchange.getRequestBody());

            int status = 200;
            ObjectNode response;
            try {
                response = serve(exchange, request);
            } catch (LocalKmsException e) {
                status = e.httpStatus();
                response = JSON.createObjectNode().put("__type", e.errorCode()).put("message", e.getMessage());
            } catch (RuntimeException e) {
                // Only the type: messages of unexpected exceptions might quote request content.
                LOG.log(System.Logger.Level.ERROR, "Unexpected failure in the local KMS: " + e.getClass().getName()
                        + " at " + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "unknown"));
                status = 500;
                response = JSON.createObjectNode().put("__type", "KMSInternalException")
                        .put("message", "Unexpected failure in the local KMS (" + e.getClass().getSimpleName() + ").");
            }

            byte[] body = JSON.writeValueAsBytes(response);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        } finally {
            exchange.close();
        }
    }

    private ObjectNode serve(HttpExchange exchange, byte[] request) {
        if (request == null) {
            throw LocalKmsException.validation("The request body is larger than " + MAX_REQUEST_BYTES + " bytes.");
        }
        if (!"POST".equals(exchange.getRequestMethod()) || !"/".equals(exchange.getRequestURI().getPath())) {
            throw new LocalKmsException("UnknownOperationException", 404, "KMS answers POST / only, not "
                    + exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + ".");
        }
        requireSignatureShape(exchange.getRequestHeaders().getFirst("Authorization"));
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(CONTENT_TYPE)) {
            throw LocalKmsException.serialization("Content-Type must be " + CONTENT_TYPE + ", not " + contentType
                    + ".");
        }
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target == null || !target.startsWith(TARGET_PREFIX)) {
            throw new LocalKmsException("UnknownOperationException", "X-Amz-Target must be "
                    + TARGET_PREFIX + "<Operation>, not " + target + ".");
        }

        return operations.invoke(target.substring(TARGET_PREFIX.length()), parse(request));
    }

    private static void requireSignatureShape(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new LocalKmsException("MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        boolean sigV4 = authorization.startsWith(SIGV4 + " ") && authorization.contains("Credential=")
                && authorization.contains("SignedHeaders=") && authorization.contains("Signature=");
        if (!sigV4) {
            throw new LocalKmsException("IncompleteSignatureException", "The Authorization header must be an "
                    + SIGV4 + " signature with Credential, SignedHeaders and Signature (any values are accepted).");
        }
    }

    private static JsonNode parse(byte[] request) {
        if (request.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode json = JSON.readTree(request);
            if (json == null || !json.isObject()) {
                throw LocalKmsException.serialization("The request body must be a JSON object.");
            }
            return json;
        } catch (JsonProcessingException e) {
            throw LocalKmsException.serialization("The request body is not valid JSON.");
        } catch (IOException e) {
            throw LocalKmsException.serialization("The request body could not be read.");
        }
    }

    /** The body, or {@code null} when it exceeds the limit (the rest is still drained for the next request). */
    private static byte[] readBody(InputStream in) throws IOException {
        try (in) {
            byte[] body = in.readNBytes(MAX_REQUEST_BYTES + 1);
            if (body.length > MAX_REQUEST_BYTES) {
                in.transferTo(OutputStream.nullOutputStream());
                return null;
            }
            return body;
        }
    }

}
