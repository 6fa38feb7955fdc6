package io.kmscolumns.liquibase.sql;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.DuplicateKeyException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A KMS encryption context: a flat JSON object of string values, bound to every ciphertext as additional
 * authenticated data. Decryption must present exactly the same pairs. It is logged by CloudTrail in clear, so it
 * must never hold secrets.
 *
 * <p>Parsing uses SnakeYAML, which liquibase-core already ships (JSON is a subset of YAML), so the extension
 * adds no dependency.
 */
public final class EncryptionContext {

    /** KMS accepts at most this many characters of encryption context in total. */
    public static final int MAX_TOTAL_CHARS = 8192;

    /** How SnakeYAML words the problem of a duplicate key, followed by the key. */
    private static final String DUPLICATE_KEY = "found duplicate key ";

    private final Map<String, String> pairs;

    private EncryptionContext(Map<String, String> pairs) {
        this.pairs = pairs;
    }

    /** The context bound by default: the qualified table and the column. */
    public static EncryptionContext defaultFor(String schema, String table, String column) {
        Map<String, String> pairs = new LinkedHashMap<>();
        pairs.put("table", schema + "." + table);
        pairs.put("column", column);
        return new EncryptionContext(pairs);
    }

    /**
     * Parses a JSON object whose values are all strings.
     *
     * @throws IllegalArgumentException naming the rule broken; the message never echoes the text itself
     */
    public static EncryptionContext parse(String json) {
        String text = json == null ? "" : json.trim();
        if (!text.startsWith("{") || !text.endsWith("}")) {
            throw new IllegalArgumentException("must be a JSON object such as {\"tenant\":\"acme\"}");
        }
        Object parsed;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            parsed = new Yaml(new SafeConstructor(options)).load(text);
        } catch (DuplicateKeyException e) {
            String problem = e.getProblem() == null ? "" : e.getProblem();
            String key = problem.startsWith(DUPLICATE_KEY) ? problem.substring(DUPLICATE_KEY.length()) : "?";
            throw new IllegalArgumentException("has duplicate key '" + key + "' (each key may appear once)");
        } catch (YAMLException e) {
            throw new IllegalArgumentException("is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (!(parsed instanceof Map)) {
            throw new IllegalArgumentException("must be a JSON object such as {\"tenant\":\"acme\"}");
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        int total = 0;
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) parsed).entrySet()) {
            if (!(entry.getKey() instanceof String) || ((String) entry.getKey()).isEmpty()) {
                throw new IllegalArgumentException("keys must be non-empty strings");
            }
            if (!(entry.getValue() instanceof String)) {
                throw new IllegalArgumentException("value of \"" + entry.getKey()
                        + "\" must be a string (KMS encryption context values are strings only)");
            }
            String key = (String) entry.getKey();
            String value = (String) entry.getValue();
            if (key.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("keys and values must not contain NUL characters");
            }
            total += key.length() + value.length();
            pairs.put(key, value);
        }
        if (total > MAX_TOTAL_CHARS) {
            throw new IllegalArgumentException("is " + total + " characters long; KMS allows at most "
                    + MAX_TOTAL_CHARS);
        }
        return new EncryptionContext(pairs);
    }

    /** The pairs, in the order given. */
    public Map<String, String> pairs() {
        return Map.copyOf(pairs);
    }

    /** Canonical JSON text of the context (compact, keys in the order given). */
    public String toJson() {
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, String> entry : pairs.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            appendString(json, entry.getKey());
            json.append(':');
            appendString(json, entry.getValue());
        }
        return json.append('}').toString();
    }

    /** UTF-8 size of the canonical JSON. */
    public int byteSize() {
        return toJson().getBytes(StandardCharsets.UTF_8).length;
    }

    private static void appendString(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
