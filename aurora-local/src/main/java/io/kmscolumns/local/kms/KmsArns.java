package io.kmscolumns.local.kms;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds and reads the ARNs of keys and aliases for the region and account the local KMS pretends to be. */
final class KmsArns {

    private static final Pattern ARN = Pattern.compile("arn:aws:kms:([^:]*):([^:]*):((?:key|alias)/.*)");

    private final String region;
    private final String accountId;

    KmsArns(String region, String accountId) {
        this.region = region;
        this.accountId = accountId;
    }

    String region() {
        return region;
    }

    String accountId() {
        return accountId;
    }

    String keyArn(String keyId) {
        return prefix() + "key/" + keyId;
    }

    String aliasArn(String aliasName) {
        return prefix() + aliasName;
    }

    /**
     * The resource part of an ARN of this region and account ({@code key/<id>} or {@code alias/<name>}).
     *
     * @throws LocalKmsException NotFoundException for a malformed ARN or one of another region or account, as KMS
     *                           finds no such key here either
     */
    String resource(String arn) {
        Matcher matcher = ARN.matcher(arn);
        if (!matcher.matches()) {
            throw LocalKmsException.notFound("Invalid arn " + arn);
        }
        if (!matcher.group(1).equals(region) || !matcher.group(2).equals(accountId)) {
            throw LocalKmsException.notFound("'" + arn + "' does not exist: the local KMS serves region " + region
                    + " and account " + accountId + " only.");
        }
        return matcher.group(3);
    }

    private String prefix() {
        return "arn:aws:kms:" + region + ":" + accountId + ":";
    }
}
