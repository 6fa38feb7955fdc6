package io.kmscolumns.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The review flags each kind of over-broad statement, so a template that grows one fails its test. */
class LeastPrivilegeReviewTest {

    @Test
    void kmsStarInARolePolicyIsFlagged() {
        assertThat(review(role("Action: kms:*", "Resource: !GetAtt Key.Arn")))
                .singleElement().asString().contains("wildcard action kms:*");
    }

    @Test
    void partialKmsWildcardSuchAsGenerateDataKeyStarIsFlagged() {
        assertThat(review(role("Action: [kms:Encrypt, kms:GenerateDataKey*]", "Resource: !GetAtt Key.Arn")))
                .singleElement().asString().contains("wildcard action kms:GenerateDataKey*");
    }

    @Test
    void questionMarkWildcardInAKmsActionIsFlagged() {
        assertThat(review(role("Action: [kms:Encrypt, \"kms:Decryp?\"]", "Resource: !GetAtt Key.Arn")))
                .singleElement().asString().contains("wildcard action kms:Decryp?");
    }

    @Test
    void questionMarkWildcardInAServicePrefixIsFlagged() {
        assertThat(review(role("Action: km?:Decrypt", "Resource: !GetAtt Key.Arn")))
                .singleElement().asString().contains("wildcard action km?:Decrypt");
    }

    @Test
    void questionMarkWildcardInAKmsResourceIsFlagged() {
        assertThat(review(role("Action: kms:Decrypt",
                "Resource: !Sub \"arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/?*\"")))
                .singleElement().asString().contains("wildcard resource");
    }

    @Test
    void wildcardResourceInAKmsOrLambdaRoleStatementIsFlagged() {
        assertThat(review(role("Action: kms:Decrypt", "Resource: \"*\""))).singleElement().asString()
                .contains("wildcard resource *");
        assertThat(review(role("Action: lambda:InvokeFunction",
                "Resource: !Sub \"arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*\"")))
                .singleElement().asString().contains("wildcard resource");
    }

    @Test
    void qualifiedInvokeWildcardColonStarIsFlagged() {
        assertThat(review(role("Action: lambda:InvokeFunction", "Resource: !Sub \"${Fn.Arn}:*\"")))
                .singleElement().asString().contains("wildcard resource ${Fn.Arn}:*");
    }

    @Test
    void exactActionOnExactResourcePasses() {
        assertThat(review(role("Action: [kms:Encrypt, kms:Decrypt]", "Resource: !GetAtt Key.Arn"))).isEmpty();
    }

    @Test
    void allowWithNotActionIsFlagged() {
        assertThat(review(role("NotAction: iam:*", "Resource: \"*\""))).singleElement().asString()
                .contains("NotAction");
    }

    @Test
    void keyPolicyGivingDecryptToTheAccountRootIsFlagged() {
        String template = key("""
                - Effect: Allow
                  Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
                  Action: [kms:DescribeKey, kms:Decrypt]
                  Resource: "*"
                """);

        assertThat(review(template)).singleElement().asString().contains("[kms:Decrypt]", "not a role of this");
    }

    @Test
    void keyPolicyGivingCryptographyToTheTemplatesRolePasses() {
        String template = key("""
                - Effect: Allow
                  Principal: { AWS: !GetAtt R.Arn }
                  Action: [kms:Encrypt, kms:Decrypt]
                  Resource: "*"
                """);

        assertThat(review(template)).isEmpty();
    }

    @Test
    void keyPolicyWithPrincipalStarIsFlagged() {
        String template = key("""
                - Effect: Allow
                  Principal: "*"
                  Action: kms:DescribeKey
                  Resource: "*"
                """);

        assertThat(review(template)).singleElement().asString().contains("principal *");
    }

    @Test
    void roleTrustedByAnotherServiceOrAnAccountIsFlagged() {
        String template = """
                Resources:
                  R:
                    Type: AWS::IAM::Role
                    Properties:
                      AssumeRolePolicyDocument:
                        Statement:
                          - Effect: Allow
                            Principal: { Service: ec2.amazonaws.com, AWS: "arn:aws:iam::111122223333:root" }
                            Action: sts:AssumeRole
                """;

        assertThat(review(template)).hasSize(2).anySatisfy(f -> assertThat(f).contains("trusts ec2.amazonaws.com"))
                .anySatisfy(f -> assertThat(f).contains("service principal only"));
    }

    @Test
    void rdsTrustWithoutSourceConditionsIsFlagged() {
        String template = """
                Resources:
                  R:
                    Type: AWS::IAM::Role
                    Properties:
                      AssumeRolePolicyDocument:
                        Statement:
                          - Effect: Allow
                            Principal: { Service: rds.amazonaws.com }
                            Action: sts:AssumeRole
                """;

        assertThat(review(template)).containsExactly(
                "Resources.R.AssumeRolePolicyDocument [0]: trust of rds.amazonaws.com without a aws:SourceAccount "
                        + "condition",
                "Resources.R.AssumeRolePolicyDocument [0]: trust of rds.amazonaws.com without a aws:SourceArn "
                        + "condition");
    }

    @Test
    void trustStatementWithAnActionOtherThanAssumeRoleIsFlagged() {
        for (String action : List.of("sts:*", "sts:AssumeRol?", "[sts:AssumeRole, sts:TagSession]",
                "sts:AssumeRoleWithWebIdentity")) {
            String template = """
                    Resources:
                      R:
                        Type: AWS::IAM::Role
                        Properties:
                          AssumeRolePolicyDocument:
                            Statement:
                              - Effect: Allow
                                Principal: { Service: lambda.amazonaws.com }
                                Action: %s
                    """.formatted(action);

            assertThat(review(template)).as(action).singleElement().asString()
                    .contains("action must be exactly sts:AssumeRole");
        }
    }

    @Test
    void trustStatementWithAssumeRoleAsAOneElementListPasses() {
        String template = """
                Resources:
                  R:
                    Type: AWS::IAM::Role
                    Properties:
                      AssumeRolePolicyDocument:
                        Statement:
                          - Effect: Allow
                            Principal: { Service: lambda.amazonaws.com }
                            Action: [sts:AssumeRole]
                """;

        assertThat(review(template)).isEmpty();
    }

    private static List<String> review(String template) {
        return LeastPrivilegeReview.findings(CloudFormationYaml.parse(template));
    }

    /** A template with one Lambda-trusted role whose inline policy has the given action and resource lines. */
    private static String role(String actionLine, String resourceLine) {
        return """
                Resources:
                  R:
                    Type: AWS::IAM::Role
                    Properties:
                      AssumeRolePolicyDocument:
                        Statement:
                          - Effect: Allow
                            Principal: { Service: lambda.amazonaws.com }
                            Action: sts:AssumeRole
                      Policies:
                        - PolicyName: p
                          PolicyDocument:
                            Statement:
                              - Effect: Allow
                                %s
                                %s
                """.formatted(actionLine, resourceLine);
    }

    /** A template with a role R and a key whose policy has the given statements (indented list items). */
    private static String key(String statements) {
        String indented = statements.lines().map(line -> "          " + line).reduce((a, b) -> a + "\n" + b)
                .orElseThrow();
        return """
                Resources:
                  R:
                    Type: AWS::IAM::Role
                    Properties:
                      AssumeRolePolicyDocument:
                        Statement:
                          - Effect: Allow
                            Principal: { Service: lambda.amazonaws.com }
                            Action: sts:AssumeRole
                  Key:
                    Type: AWS::KMS::Key
                    Properties:
                      KeyPolicy:
                        Statement:
                %s
                """.formatted(indented);
    }
}
