package io.kmscolumns.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The KMS operations the Lambda function calls, read from the lambda-fn sources, so that the execution role's
 * actions follow the code rather than a list kept by hand. A source file counts when it imports the AWS SDK's KMS
 * package; in it, SDK request classes ({@code EncryptRequest}) and client calls ({@code .encrypt(}) name
 * operations.
 */
final class FunctionKmsOperations {

    /** The operations of the SDK's KMS client that lambda-fn could plausibly call. */
    private static final Set<String> OPERATIONS = Set.of("Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
            "GenerateRandom", "DescribeKey", "GetPublicKey", "Sign", "Verify", "GenerateMac", "VerifyMac");

    private static final Pattern REQUEST_CLASS = Pattern.compile("\\b([A-Z][A-Za-z]+)Request\\b");
    private static final Pattern CLIENT_CALL = Pattern.compile("\\.([a-z][A-Za-z]+)\\(");

    private FunctionKmsOperations() {
    }

    /**
     * Scans Java sources.
     *
     * @param sourceRoot lambda-fn's {@code src/main/java}
     * @return IAM action names such as {@code kms:Encrypt}; empty when no source calls KMS yet
     */
    static Set<String> actions(Path sourceRoot) {
        Set<String> actions = new TreeSet<>();
        if (!Files.isDirectory(sourceRoot)) {
            return actions;
        }
        try (Stream<Path> files = Files.walk(sourceRoot)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                if (source.contains("software.amazon.awssdk.services.kms")) {
                    collect(REQUEST_CLASS.matcher(source), actions);
                    collect(CLIENT_CALL.matcher(source), actions);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return actions;
    }

    private static void collect(Matcher matcher, Set<String> actions) {
        while (matcher.find()) {
            String name = matcher.group(1);
            String operation = name.substring(0, 1).toUpperCase(Locale.ROOT) + name.substring(1);
            if (OPERATIONS.contains(operation)) {
                actions.add("kms:" + operation);
            }
        }
    }
}
