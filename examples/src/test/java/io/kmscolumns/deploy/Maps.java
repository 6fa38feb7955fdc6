package io.kmscolumns.deploy;

import java.util.List;
import java.util.Map;

/** Typed access to the maps and lists {@link CloudFormationYaml} produces; absent values read as empty. */
final class Maps {

    private Maps() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    static Map<String, Object> section(Map<String, Object> template, String name) {
        return map(template.get(name));
    }

    /** A value that IAM allows as a string or a list of strings, as a list. */
    static List<?> oneOrMany(Object value) {
        if (value == null) {
            return List.of();
        }
        return value instanceof List<?> list ? list : List.of(value);
    }

    static Map<String, Object> resource(Map<String, Object> template, String logicalId) {
        Map<String, Object> resource = map(section(template, "Resources").get(logicalId));
        if (resource.isEmpty()) {
            throw new AssertionError("the template has no resource " + logicalId);
        }
        return resource;
    }

    static Map<String, Object> properties(Map<String, Object> template, String logicalId) {
        return map(resource(template, logicalId).get("Properties"));
    }
}
