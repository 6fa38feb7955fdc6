package io.kmscolumns.liquibase.change;

import io.kmscolumns.liquibase.sql.EncryptionContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import liquibase.exception.ValidationErrors;

/**
 * The rules change attributes must follow. Each failed rule becomes one validation error that names the change,
 * the attribute and the rule, since Liquibase silently ignores unknown or misspelt attributes and validation is
 * the only place to catch them.
 */
final class AttributeRules {

    /** PostgreSQL's identifier length limit, in bytes. */
    static final int MAX_IDENTIFIER_BYTES = 63;

    private static final Pattern IDENTIFIER = Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_$]*");
    // The FunctionName pattern of the Lambda Invoke API: name, partial ARN or full ARN, optional qualifier.
    private static final Pattern LAMBDA_FUNCTION = Pattern.compile(
            "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d:)?(\\d{12}:)?(function:)?"
                    + "[a-zA-Z0-9_-]+(:(\\$LATEST|[a-zA-Z0-9_-]+))?");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d");

    private final String change;
    private final ValidationErrors errors;

    AttributeRules(String change, ValidationErrors errors) {
        this.change = change;
        this.errors = errors;
    }

    ValidationErrors errors() {
        return errors;
    }

    void error(String attribute, String rule) {
        errors.addError(change + ": attribute " + attribute + " " + rule);
    }

    void required(String attribute, Object value) {
        if (value == null || value.toString().isBlank()) {
            error(attribute, "is required");
        }
    }

    void identifier(String attribute, String value, int maxBytes) {
        if (value == null) {
            return;
        }
        if (!IDENTIFIER.matcher(value).matches()) {
            error(attribute, "must be a PostgreSQL identifier (a letter or _ followed by letters, digits, _ or $; "
                    + "matched exactly, case-sensitive); got \"" + value + "\"");
        } else if (value.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            error(attribute, "must be at most " + maxBytes + " bytes long; got \"" + value + "\"");
        }
    }

    void roles(String attribute, String value) {
        if (value == null) {
            return;
        }
        for (String role : splitRoles(value)) {
            if (role.isEmpty()) {
                error(attribute, "must be a comma-separated list of role names without empty entries");
            } else if (role.equalsIgnoreCase("public")) {
                error(attribute, "must not name PUBLIC: the functions are meant for the listed roles only");
            } else {
                identifier(attribute, role, MAX_IDENTIFIER_BYTES);
            }
        }
    }

    void lambdaFunction(String attribute, String value) {
        if (value != null && (value.length() > 170 || !LAMBDA_FUNCTION.matcher(value).matches())) {
            error(attribute, "must be a Lambda function name, partial ARN or ARN (optionally with :qualifier), "
                    + "such as kms-crypto or arn:aws:lambda:us-east-1:123456789012:function:kms-crypto; got \""
                    + value + "\"");
        }
    }

    void region(String attribute, String value) {
        if (value != null && !REGION.matcher(value).matches()) {
            error(attribute, "must be an AWS region such as eu-west-1; got \"" + value + "\"");
        }
    }

    void range(String attribute, Integer value, int min, int max, String why) {
        if (value != null && (value < min || value > max)) {
            error(attribute, "must be between " + min + " and " + max + why + "; got " + value);
        }
    }

    void oneOf(String attribute, String value, String... allowed) {
        if (value != null && !Arrays.asList(allowed).contains(value)) {
            error(attribute, "must be one of " + String.join(", ", allowed) + "; got \"" + value + "\"");
        }
    }

    void encryptionContext(String attribute, String value) {
        if (value == null) {
            return;
        }
        try {
            EncryptionContext.parse(value);
        } catch (IllegalArgumentException e) {
            error(attribute, e.getMessage());
        }
    }

    /**
     * The known name closest to {@code name} (case-insensitive edit distance at most a third of its length, and
     * at least 2), or null when none is that close.
     */
    static String nearest(String name, Iterable<String> known) {
        String best = null;
        int bestDistance = Math.max(2, name.length() / 3) + 1;
        for (String candidate : known) {
            int distance = editDistance(name.toLowerCase(java.util.Locale.ROOT),
                    candidate.toLowerCase(java.util.Locale.ROOT));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
    private static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** Splits a comma-separated role list, trimming each entry; an empty or null text gives an empty list. */
    static List<String> splitRoles(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<String> roles = new ArrayList<>();
        Arrays.stream(value.split(",", -1)).map(String::trim).forEach(roles::add);
        return roles;
    }
}
