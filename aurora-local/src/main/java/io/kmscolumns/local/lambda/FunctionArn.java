package io.kmscolumns.local.lambda;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Lambda function reference resolved to its full ARN.
 *
 * <p>The Invoke API accepts a function name ({@code my-function}), a partial ARN
 * ({@code 123456789012:function:my-function}) or a full ARN
 * ({@code arn:aws:lambda:us-east-1:123456789012:function:my-function}), each optionally followed by
 * {@code :qualifier}. Parts left out are taken from the endpoint's own account and region, as Lambda does.
 *
 * @param partition the ARN partition, e.g. {@code aws}
 * @param region the region, e.g. {@code us-east-1}
 * @param accountId the 12-digit account id
 * @param functionName the bare function name
 * @param qualifier a version or alias, or {@code null} when none was given
 * @see <a href="https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax">Invoke:
 *     FunctionName</a>
 */
public record FunctionArn(String partition, String region, String accountId, String functionName,
                          String qualifier) {

    /** The pattern the Invoke API validates {@code FunctionName} against, quoted in its validation message. */
    static final String API_PATTERN = "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
            + "(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

    private static final String NAME = "([a-zA-Z0-9_-]{1,64})";
    private static final String QUALIFIER = "(?::(\\$LATEST|[a-zA-Z0-9_-]{1,128}))?";
    private static final Pattern FULL = Pattern.compile(
            "arn:(aws[a-zA-Z-]*):lambda:([a-z]{2}(?:-gov)?-[a-z]+-\\d):(\\d{12}):function:" + NAME + QUALIFIER);
    private static final Pattern PARTIAL = Pattern.compile("(\\d{12}):function:" + NAME + QUALIFIER);
    private static final Pattern BARE = Pattern.compile(NAME + QUALIFIER);

    /** The qualifier of the unpublished version, the only one a local function has. */
    public static final String LATEST = "$LATEST";

    /** Canonical constructor; checks that the required parts are present. */
    public FunctionArn {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(functionName, "functionName");
    }

    /**
     * Resolves a function reference as the Invoke API does.
     *
     * @param reference a name, partial ARN or full ARN, optionally with {@code :qualifier}
     * @param defaultRegion the region used when the reference is not a full ARN
     * @param defaultAccountId the account used when the reference names none
     * @return the resolved reference, or empty when {@code reference} matches none of the accepted forms
     */
    public static Optional<FunctionArn> parse(String reference, String defaultRegion, String defaultAccountId) {
        if (reference == null || reference.length() > 170) {
            return Optional.empty();
        }
        Matcher full = FULL.matcher(reference);
        if (full.matches()) {
            return Optional.of(new FunctionArn(full.group(1), full.group(2), full.group(3), full.group(4),
                    full.group(5)));
        }
        Matcher partial = PARTIAL.matcher(reference);
        if (partial.matches()) {
            return Optional.of(new FunctionArn("aws", defaultRegion, partial.group(1), partial.group(2),
                    partial.group(3)));
        }
        Matcher bare = BARE.matcher(reference);
        if (bare.matches()) {
            return Optional.of(new FunctionArn("aws", defaultRegion, defaultAccountId, bare.group(1),
                    bare.group(2)));
        }
        return Optional.empty();
    }

    /** Returns a copy with the given qualifier ({@code null} for none). */
    public FunctionArn withQualifier(String newQualifier) {
        return new FunctionArn(partition, region, accountId, functionName, newQualifier);
    }

    /** The ARN without qualifier: {@code arn:aws:lambda:<region>:<account>:function:<name>}. */
    public String unqualifiedArn() {
        return "arn:" + partition + ":lambda:" + region + ":" + accountId + ":function:" + functionName;
    }

    /** The ARN with {@code :qualifier} appended when there is one. */
    public String qualifiedArn() {
        return qualifier == null ? unqualifiedArn() : unqualifiedArn() + ":" + qualifier;
    }

    @Override
    public String toString() {
        return qualifiedArn();
    }
}
