package io.kmscolumns.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds protocol requests with Jackson and calls a handler the way the Lambda runtime does. */
final class Invocations {

    static final ObjectMapper JSON = new ObjectMapper();

    private Invocations() {
    }

    static ObjectNode single(String eventType, String value, Map<String, String> context) {
        ObjectNode request = JSON.createObjectNode().put("event_type", eventType).put("event_text", value);
        if (context != null) {
            request.set("context", JSON.valueToTree(context));
        }
        return request;
    }

    static ObjectNode batch(String eventType, List<String> values, Map<String, String> context) {
        ObjectNode request = JSON.createObjectNode().put("event_type", eventType);
        ArrayNode texts = request.putArray("event_texts");
        values.forEach(texts::add);
        if (context != null) {
            request.set("context", JSON.valueToTree(context));
        }
        return request;
    }

    static JsonNode invoke(KmsCryptoHandler handler, JsonNode request, CapturingContext context) {
        return invoke(handler, request.toString().getBytes(StandardCharsets.UTF_8), context);
    }

    static JsonNode invoke(KmsCryptoHandler handler, byte[] request, CapturingContext context) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(request), out, context);
            return JSON.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> results(JsonNode response) {
        List<String> results = new ArrayList<>();
        response.get("results").forEach(node -> results.add(node.isNull() ? null : node.textValue()));
        return results;
    }
}
