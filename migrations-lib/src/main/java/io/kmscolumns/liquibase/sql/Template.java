package io.kmscolumns.liquibase.sql;

import java.util.Map;

/**
 * Fills {@code {{name}}} placeholders in the SQL templates of this package. Values are SQL fragments that the
 * callers have already quoted through {@link SqlText}; a placeholder without a value is a programming error.
 */
final class Template {

    private Template() {
    }

    static String fill(String template, Map<String, String> values) {
        StringBuilder out = new StringBuilder(template.length() + 256);
        int position = 0;
        while (true) {
            int start = template.indexOf("{{", position);
            if (start < 0) {
                out.append(template, position, template.length());
                return out.toString();
            }
            int end = template.indexOf("}}", start);
            String name = template.substring(start + 2, end);
            String value = values.get(name);
            if (value == null) {
                throw new IllegalStateException("no value for SQL template placeholder " + name);
            }
            out.append(template, position, start).append(value);
            position = end + 2;
        }
    }
}
