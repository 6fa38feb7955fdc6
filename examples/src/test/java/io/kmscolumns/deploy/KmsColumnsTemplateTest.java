package io.kmscolumns.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The deploy templates keep to least privilege and wire the key, function, roles and cluster together. */
class KmsColumnsTemplateTest {

    private static final Map<String, Object> FUNCTION_ARN = Map.of("Fn::GetAtt", List.of("Function", "Arn"));
    private static final Map<String, Object> INVOKED_ARN = Map.of("Fn::If",
            List.of("UseSnapStart", Map.of("Ref", "FunctionLiveAlias"), FUNCTION_ARN));
    private static final Map<String, Object> FUNCTION_ROLE_ARN =
            Map.of("Fn::GetAtt", List.of("FunctionRole", "Arn"));

    private static Map<String, Object> template;

    @BeforeAll
    static void readTemplate() {
        template = DeployTemplates.read(DeployTemplates.MAIN);
    }

    @Test
    void everyReferenceInBothTemplatesPointsAtADeclaredName() {
        assertThat(TemplateReferences.problems(template)).isEmpty();
        assertThat(TemplateReferences.problems(DeployTemplates.read(DeployTemplates.CLUSTER))).isEmpty();
    }

    @Test
    void everyPolicyStatementKeepsToLeastPrivilege() {
        assertThat(LeastPrivilegeReview.statements(template)).hasSizeGreaterThanOrEqualTo(8);
        assertThat(LeastPrivilegeReview.findings(template)).isEmpty();
        assertThat(LeastPrivilegeReview.findings(DeployTemplates.read(DeployTemplates.CLUSTER))).isEmpty();
    }

    @Test
    void keyIsSymmetricWithRotationOnAndOutlivesTheStack() {
        Map<String, Object> key = Maps.resource(template, "Key");
        Map<String, Object> properties = Maps.map(key.get("Properties"));

        assertThat(properties).containsEntry("EnableKeyRotation", true)
                .containsEntry("KeySpec", "SYMMETRIC_DEFAULT")
                .containsEntry("KeyUsage", "ENCRYPT_DECRYPT");
        assertThat(key).containsEntry("DeletionPolicy", "Retain").containsEntry("UpdateReplacePolicy", "Retain");
    }

    @Test
    void noPolicyStatementAllowsKmsStarOrAnyKmsWildcard() {
        List<String> kmsActions = LeastPrivilegeReview.statements(template).stream()
                .flatMap(s -> s.actions().stream()).map(String::valueOf)
                .filter(a -> a.startsWith("kms:")).toList();

        assertThat(kmsActions).isNotEmpty().noneMatch(a -> a.contains("*"));
    }

    @Test
    void keyPolicyLetsOnlyTheFunctionRoleEncryptAndDecrypt() {
        List<LeastPrivilegeReview.PolicyStatement> users = keyPolicy().stream()
                .filter(s -> s.actions().contains("kms:Encrypt") || s.actions().contains("kms:Decrypt")).toList();

        assertThat(users).singleElement().satisfies(s -> {
            assertThat(s.statement().get("Principal")).isEqualTo(Map.of("AWS", FUNCTION_ROLE_ARN));
            assertThat(s.actionNames()).containsExactlyInAnyOrder("kms:Encrypt", "kms:Decrypt");
        });
    }

    @Test
    void keyAdministratorsAndTheAccountGetTheSameAdministrationListAndNoCryptography() {
        Map<String, List<String>> actionsBySid = new HashMap<>();
        keyPolicy().forEach(s -> actionsBySid.put(String.valueOf(s.statement().get("Sid")), s.actionNames()));

        List<String> account = actionsBySid.get("AccountAdministersKeyThroughIam");
        List<String> administrators = actionsBySid.get("AdministratorsManageKey");
        assertThat(account).isNotEmpty().isEqualTo(administrators)
                .contains("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion")
                .doesNotContain("kms:Encrypt", "kms:Decrypt", "kms:CreateGrant", "kms:DisableKeyRotation");
        assertThat(keyPolicy()).filteredOn(s -> "AdministratorsManageKey".equals(s.statement().get("Sid")))
                .singleElement().extracting(s -> s.statement().get("Principal"))
                .isEqualTo(Map.of("AWS", Map.of("Ref", "KeyAdminPrincipalArns")));
    }

    @Test
    void functionRoleIsAssumableByLambdaOnly() {
        assertThat(trustedServices("FunctionRole")).containsExactly("lambda.amazonaws.com");
    }

    @Test
    void functionRoleMayCallOnlyTheKmsOperationsTheFunctionCallsOnTheColumnKey() {
        Set<String> called = FunctionKmsOperations.actions(
                DeployTemplates.repositoryRoot().resolve("lambda-fn/src/main/java"));
        assertThat(called).as("KMS operations found in lambda-fn's sources").isNotEmpty();

        List<LeastPrivilegeReview.PolicyStatement> kms = statementsOf("FunctionRole").stream()
                .filter(s -> s.about("kms")).toList();
        Set<String> granted = new TreeSet<>();
        kms.forEach(s -> s.actions().forEach(a -> granted.add(String.valueOf(a))));

        assertThat(granted).isEqualTo(called);
        assertThat(kms).allSatisfy(s -> assertThat(s.statement().get("Resource"))
                .isEqualTo(Map.of("Fn::GetAtt", List.of("Key", "Arn"))));
    }

    @Test
    void functionRoleOtherwiseOnlyWritesItsOwnLogGroup() {
        List<LeastPrivilegeReview.PolicyStatement> others = statementsOf("FunctionRole").stream()
                .filter(s -> s.kind() == LeastPrivilegeReview.PolicyKind.IDENTITY_POLICY && !s.about("kms"))
                .toList();

        assertThat(others).singleElement().satisfies(s -> {
            assertThat(s.actionNames()).containsExactlyInAnyOrder("logs:CreateLogStream", "logs:PutLogEvents");
            assertThat(LeastPrivilegeReview.literals(s.statement().get("Resource")).toList()).singleElement()
                    .asString().endsWith(":log-group:${LogGroup}:log-stream:*");
        });
        assertThat(Maps.properties(template, "FunctionRole")).doesNotContainKey("ManagedPolicyArns");
    }

    @Test
    void databaseRoleIsAssumableByRdsForTheNamedClusterOfThisAccountOnly() {
        Map<String, Object> trust = statementsOf("DatabaseRole").stream()
                .filter(s -> s.kind() == LeastPrivilegeReview.PolicyKind.TRUST_POLICY)
                .findFirst().orElseThrow().statement();

        assertThat(trustedServices("DatabaseRole")).containsExactly("rds.amazonaws.com");
        Map<String, Object> condition = Maps.map(trust.get("Condition"));
        assertThat(Maps.map(condition.get("StringEquals")))
                .containsEntry("aws:SourceAccount", Map.of("Ref", "AWS::AccountId"));
        assertThat(LeastPrivilegeReview.literals(Maps.map(condition.get("ArnEquals")).get("aws:SourceArn")))
                .singleElement().asString().endsWith(":cluster:${DBClusterIdentifier}");
    }

    @Test
    void databaseRoleMayOnlyInvokeTheFunctionTheChangelogNames() {
        List<LeastPrivilegeReview.PolicyStatement> identity = statementsOf("DatabaseRole").stream()
                .filter(s -> s.kind() == LeastPrivilegeReview.PolicyKind.IDENTITY_POLICY).toList();

        assertThat(identity).singleElement().satisfies(s -> {
            assertThat(s.actionNames()).containsExactly("lambda:InvokeFunction");
            assertThat(s.statement().get("Resource")).isEqualTo(INVOKED_ARN);
        });
        assertThat(Maps.properties(template, "DatabaseRole")).doesNotContainKey("ManagedPolicyArns");
    }

    @Test
    void functionRunsTheHandlerWithTheKeyInItsEnvironment() {
        Map<String, Object> function = Maps.properties(template, "Function");

        assertThat(function).containsEntry("Handler", "io.kmscolumns.lambda.KmsCryptoHandler")
                .containsEntry("Role", FUNCTION_ROLE_ARN);
        assertThat(Maps.map(Maps.map(function.get("Environment")).get("Variables")))
                .containsEntry("KMS_KEY_ID", Map.of("Fn::GetAtt", List.of("Key", "Arn")));
        assertThat(Maps.map(Maps.section(template, "Parameters").get("Runtime")).get("AllowedValues"))
                .asList().allMatch(runtime -> String.valueOf(runtime).startsWith("java"));
    }

    @Test
    void outputsGiveTheChangelogAttributesAndTheAddRoleCommandForFeatureLambda() {
        Map<String, Object> outputs = Maps.section(template, "Outputs");

        assertThat(outputs).containsKeys("FunctionArn", "FunctionInvokeArn", "DatabaseRoleArn", "KeyArn",
                "KeyAliasName", "ChangelogAttributes", "AddRoleToClusterCommand", "RemoveRoleFromClusterCommand");
        assertThat(Maps.map(outputs.get("ChangelogAttributes")).get("Value")).isEqualTo(Map.of("Fn::Sub", List.of(
                "lambdaFunction=\"${InvokeArn}\" region=\"${AWS::Region}\"", Map.of("InvokeArn", INVOKED_ARN))));
        assertThat(outputValueText("AddRoleToClusterCommand"))
                .startsWith("aws rds add-role-to-db-cluster ")
                .contains("--feature-name Lambda", "--role-arn ${DatabaseRole.Arn}",
                        "--db-cluster-identifier ${DBClusterIdentifier}");
        assertThat(outputValueText("RemoveRoleFromClusterCommand"))
                .startsWith("aws rds remove-role-from-db-cluster ").contains("--feature-name Lambda");
    }

    @Test
    void clusterTemplateAssociatesTheImportedDatabaseRoleForFeatureLambda() {
        Map<String, Object> cluster = Maps.properties(DeployTemplates.read(DeployTemplates.CLUSTER), "Cluster");

        assertThat(Maps.oneOrMany(cluster.get("AssociatedRoles"))).singleElement().satisfies(role -> {
            assertThat(Maps.map(role)).containsEntry("FeatureName", "Lambda");
            assertThat(Maps.map(role).get("RoleArn")).isEqualTo(Map.of("Fn::ImportValue",
                    Map.of("Fn::Sub", "${KmsColumnsStackName}-DatabaseRoleArn")));
        });
        assertThat(Maps.map(Maps.map(Maps.section(template, "Outputs").get("DatabaseRoleArn")).get("Export")))
                .containsEntry("Name", Map.of("Fn::Sub", "${AWS::StackName}-DatabaseRoleArn"));
    }

    private static List<LeastPrivilegeReview.PolicyStatement> keyPolicy() {
        return LeastPrivilegeReview.statements(template).stream()
                .filter(s -> s.kind() == LeastPrivilegeReview.PolicyKind.KEY_POLICY).toList();
    }

    private static List<LeastPrivilegeReview.PolicyStatement> statementsOf(String role) {
        return LeastPrivilegeReview.statements(template).stream().filter(s -> s.owner().equals(role)).toList();
    }

    private static List<String> trustedServices(String role) {
        return statementsOf(role).stream().filter(s -> s.kind() == LeastPrivilegeReview.PolicyKind.TRUST_POLICY)
                .flatMap(s -> Maps.oneOrMany(Maps.map(s.statement().get("Principal")).get("Service")).stream())
                .map(String::valueOf).toList();
    }

    private static String outputValueText(String output) {
        Object value = Maps.map(Maps.section(template, "Outputs").get(output)).get("Value");
        return LeastPrivilegeReview.literals(value).findFirst().orElseThrow();
    }
}
