package io.kmscolumns.lambda;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads requests and writes responses of the function's JSON protocol (specified in {@code docs/lambda-protocol.md}).
 *
 * <p>Requests: {@code {"event_type": "enc"|"dec", "event_text": "v"}} or {@code {..., "event_texts": ["v", null]}},
 * each with an optional {@code "context": {"k": "v"}}. Responses: {@code {"result": "..."}} or
 * {@code {"results": [...]}}. Parsing is strict: unknown or duplicate fields and wrong JSON types are errors, so a
 * misspelt {@code context} can never silently encrypt without the intended binding. Error messages name fields and
 * positions, never values (Jackson's own messages, which may quote input, are not passed on).
 */
public final class CryptoProtocol {

    private static final Set<String> FIELDS = Set.of("event_type", "event_text", "event_texts", "context");

    private final ObjectMapper mapper = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
        .build();

    private final int maxValues;

    /**
     * @param maxValues the most values one request may carry
     */
    public CryptoProtocol(int maxValues) {
        this.maxValues = maxValues;
    }

    /**
     * Parses and validates a request body.
     *
     * @param body the request bytes (UTF-8 JSON)
     * @return the request
     * @throws InvalidRequestException naming the field or position that breaks the protocol
     */
    public CryptoRequest parse(byte[] body) {
        JsonNode root = readTree(body);
        if (!root.isObject()) {
            throw invalid("the request must be a JSON object, but it is " + describe(root.getNodeType()));
        }
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            if (!FIELDS.contains(name)) {
                throw invalid("unknown field \"" + shorten(name) + "\"; the fields are event_type, event_text or"
                    + " event_texts, and context");
            }
        }

        Operation operation = operation(root.get("event_type"));
        JsonNode single = root.get("event_text");
        JsonNode batch = root.get("event_texts");
        if (single != null && batch != null) {
            throw invalid("both event_text and event_texts are present; send one value in event_text or many in"
                + " event_texts");
        }
        if (single == null && batch == null) {
            throw invalid("event_text (one value) or event_texts (an array of values) is required");
        }

        Map<String, String> context = context(root.get("context"));
        if (single != null) {
            return new CryptoRequest(operation, false, Collections.singletonList(value(single, "event_text")),
                context);
        }
        return new CryptoRequest(operation, true, values(batch), context);
    }

    /**
     * Writes the response for a request.
     *
     * @param request the request answered
     * @param results one result per request value, in order, nulls kept
     * @return the response bytes: {@code {"result": ...}} or {@code {"results": [...]}}
     */
    public byte[] response(CryptoRequest request, List<String> results) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + results.size() * 64);
        try (JsonGenerator json = mapper.getFactory().createGenerator(out)) {
            json.writeStartObject();
            if (request.batch()) {
                json.writeArrayFieldStart("results");
                for (String result : results) {
                    json.writeString(result);
                }
                json.writeEndArray();
            } else {
                json.writeStringField("result", results.get(0));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private JsonNode readTree(byte[] body) {
        if (body.length == 0) {
            throw invalid("the request body is empty; expected a JSON object with event_type and event_text(s)");
        }
        try (JsonParser parser = mapper.createParser(body)) {
            JsonNode root = mapper.readTree(parser);
            if (root == null || root.isMissingNode()) {
                throw invalid("the request body holds no JSON value");
            }
            requireEndOfInput(parser);
            return root;
        } catch (JsonProcessingException e) {
            // Jackson's message may quote the offending input, which can be a value: report the position only.
            JsonLocation at = e.getLocation();
            String position = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            String what = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                ? "has a duplicate field" : "is not valid JSON";
            throw invalid("the request body " + what + position);
        } catch (IOException e) {
            throw invalid("the request body could not be read as JSON");
        }
    }

    /**
     * Refuses anything but whitespace after the request object (what {@code FAIL_ON_TRAILING_TOKENS} checks, with a
     * message of its own): a second object such as {@code {...}{"context": ...}} must never be ignored silently.
     */
    private static void requireEndOfInput(JsonParser parser) {
        boolean trailing;
        try {
            trailing = parser.nextToken() != null;
        } catch (IOException e) {
            trailing = true;
        }
        if (trailing) {
            JsonLocation at = parser.currentTokenLocation();
            throw invalid("the request body has content after the JSON object (at line " + at.getLineNr()
                + ", column " + at.getColumnNr() + "); send exactly one JSON object");
        }
    }

    private static Operation operation(JsonNode node) {
        if (node == null || node.isNull()) {
            throw invalid("event_type is required: \"enc\" to encrypt or \"dec\" to decrypt");
        }
        if (!node.isTextual()) {
            throw invalid("event_type must be the string \"enc\" or \"dec\", but it is "
                + describe(node.getNodeType()));
        }
        Operation operation = Operation.fromEventType(node.textValue());
        if (operation == null) {
            // Echo the name only when it plainly is one (a misplaced value must not come back in the message).
            String name = node.textValue().matches("[A-Za-z_]{1,16}") ? " \"" + node.textValue() + "\"" : "";
            throw invalid("unknown event_type" + name + "; use \"enc\" to encrypt or \"dec\" to decrypt");
        }
        return operation;
    }

    private List<String> values(JsonNode batch) {
        if (!batch.isArray()) {
            throw invalid("event_texts must be an array of strings and nulls, but it is "
                + describe(batch.getNodeType()));
        }
        if (batch.size() > maxValues) {
            throw invalid("event_texts has " + batch.size() + " values; at most " + maxValues + " are allowed per"
                + " request (MAX_VALUES_PER_REQUEST). Nothing was processed; send smaller batches");
        }
        List<String> values = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            values.add(value(batch.get(i), "event_texts[" + i + "]"));
        }
        return values;
    }

    private static String value(JsonNode node, String where) {
        if (node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw invalid(where + " must be a string or null, but it is " + describe(node.getNodeType())
                + "; convert values to text before sending them");
        }
        return node.textValue();
    }

    private static Map<String, String> context(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw invalid("context must be a JSON object of string values, but it is " + describe(node.getNodeType()));
        }
        Map<String, String> context = new LinkedHashMap<>();
        int position = 0;
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            requireText(field.getKey(), "the key of context entry " + position);
            if (field.getKey().isEmpty()) {
                throw invalid("context has an empty key; KMS encryption context keys must not be empty");
            }
            if (!field.getValue().isTextual()) {
                throw invalid("context \"" + shorten(field.getKey()) + "\" must be a string, but it is "
                    + describe(field.getValue().getNodeType()) + "; KMS encryption context values are strings");
            }
            requireText(field.getValue().textValue(), "the value of context entry " + position);
            context.put(field.getKey(), field.getValue().textValue());
            position++;
        }
        return Collections.unmodifiableMap(context);
    }

    /**
     * Refuses U+0000 and unpaired surrogates in an encryption context key or value. Both would otherwise reach KMS
     * altered: the SDK writes an unpaired surrogate as {@code ?}, so the lone surrogates U+D800 and U+DBFF would
     * bind the same context. Positions count from 0 in request order; the text itself is never echoed.
     */
    private static void requireText(String text, String where) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                throw invalid(where + " contains U+0000, which an encryption context cannot hold");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length()
                && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw invalid(where + " contains an unpaired surrogate (a \\ud800 to \\udfff escape without its"
                    + " pair), which is not Unicode text; nothing was encrypted or decrypted");
            }
        }
    }

    private static String describe(JsonNodeType type) {
        return switch (type) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case STRING -> "a string";
            case NULL -> "null";
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }

    /** Field names and event types are not secret, but they are echoed back: keep them short. */
    private static String shorten(String name) {
        return name.length() <= 40 ? name : name.substring(0, 40) + "...";
    }

    private static InvalidRequestException invalid(String problem) {
        return new InvalidRequestException("Invalid request: " + problem + ".");
    }
}
