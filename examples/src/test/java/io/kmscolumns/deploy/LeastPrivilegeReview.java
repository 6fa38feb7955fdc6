package io.kmscolumns.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reviews every IAM policy statement a CloudFormation template declares (key policies, role trust and identity
 * policies, VPC endpoint policies) against this project's least-privilege rules:
 * <ul>
 *   <li>no {@code Allow} with {@code NotAction}, {@code NotResource} or {@code NotPrincipal};</li>
 *   <li>no wildcard ({@code *} or {@code ?}, both IAM wildcards) in any action of a statement about KMS or
 *       Lambda or in an action's service prefix, and never the action {@code *};</li>
 *   <li>no wildcard in the resource of an identity or endpoint policy statement about KMS or Lambda (in a key
 *       policy the resource is always {@code *}, which there means "this key");</li>
 *   <li>no principal {@code *};</li>
 *   <li>cryptographic KMS operations allowed in a key policy only to a role declared by the same template, so
 *       never to the account root (which would let any IAM policy in the account hand them out);</li>
 *   <li>roles trusted only by {@code lambda.amazonaws.com} or {@code rds.amazonaws.com}, the latter only with
 *       {@code aws:SourceAccount} and {@code aws:SourceArn} conditions, and with the action exactly
 *       {@code sts:AssumeRole}.</li>
 * </ul>
 */
public final class LeastPrivilegeReview {

    /** Where a statement comes from. */
    enum PolicyKind { KEY_POLICY, TRUST_POLICY, IDENTITY_POLICY, ENDPOINT_POLICY }

    /**
     * One statement of one policy.
     *
     * @param where the statement's place in the template, for messages
     * @param kind the kind of policy
     * @param owner logical id of the key, role or endpoint the policy belongs to
     * @param statement the statement
     */
    record PolicyStatement(String where, PolicyKind kind, String owner, Map<String, Object> statement) {

        List<?> actions() {
            return Maps.oneOrMany(statement.get("Action"));
        }

        List<String> actionNames() {
            return actions().stream().map(String::valueOf).toList();
        }

        boolean allows() {
            return "Allow".equals(statement.get("Effect"));
        }

        boolean about(String service) {
            return actions().stream().anyMatch(a -> a instanceof String s && (s.equals("*")
                    || s.toLowerCase().startsWith(service + ":")));
        }
    }

    static final Set<String> TRUSTED_SERVICES = Set.of("lambda.amazonaws.com", "rds.amazonaws.com");

    /** Key policy actions that use the key material or hand out its use. */
    private static final List<String> CRYPTOGRAPHIC_PREFIXES = List.of("kms:encrypt", "kms:decrypt",
            "kms:reencrypt", "kms:generatedatakey", "kms:creategrant", "kms:generatemac", "kms:verifymac",
            "kms:sign", "kms:verify", "kms:deriveshared");

    private LeastPrivilegeReview() {
    }

    /**
     * Reviews a template.
     *
     * @param template the template as read by {@link CloudFormationYaml}
     * @return one sentence per finding, naming the statement; empty when every statement keeps to the rules
     */
    public static List<String> findings(Map<String, Object> template) {
        Set<String> templateRoles = logicalIdsOfType(template, "AWS::IAM::Role");
        List<String> findings = new ArrayList<>();
        for (PolicyStatement statement : statements(template)) {
            review(statement, templateRoles, findings);
        }
        return findings;
    }

    /**
     * Lists the policy statements of a template.
     *
     * @param template the template
     * @return every statement, in template order
     */
    static List<PolicyStatement> statements(Map<String, Object> template) {
        List<PolicyStatement> statements = new ArrayList<>();
        for (Map.Entry<String, Object> entry : Maps.section(template, "Resources").entrySet()) {
            String id = entry.getKey();
            Map<String, Object> resource = Maps.map(entry.getValue());
            Map<String, Object> properties = Maps.map(resource.get("Properties"));
            String where = "Resources." + id;
            switch (String.valueOf(resource.get("Type"))) {
                case "AWS::KMS::Key" -> add(statements, where + ".KeyPolicy", PolicyKind.KEY_POLICY, id,
                        properties.get("KeyPolicy"));
                case "AWS::IAM::Role" -> {
                    add(statements, where + ".AssumeRolePolicyDocument", PolicyKind.TRUST_POLICY, id,
                            properties.get("AssumeRolePolicyDocument"));
                    List<?> policies = Maps.oneOrMany(properties.get("Policies"));
                    for (int i = 0; i < policies.size(); i++) {
                        add(statements, where + ".Policies[" + i + "]", PolicyKind.IDENTITY_POLICY, id,
                                Maps.map(policies.get(i)).get("PolicyDocument"));
                    }
                }
                case "AWS::IAM::RolePolicy" -> add(statements, where, PolicyKind.IDENTITY_POLICY,
                        String.valueOf(Maps.map(properties.get("RoleName")).get("Ref")),
                        properties.get("PolicyDocument"));
                case "AWS::EC2::VPCEndpoint" -> add(statements, where + ".PolicyDocument",
                        PolicyKind.ENDPOINT_POLICY, id, properties.get("PolicyDocument"));
                default -> { }
            }
        }
        return statements;
    }

    private static void add(List<PolicyStatement> statements, String where, PolicyKind kind, String owner,
                            Object document) {
        List<?> list = Maps.oneOrMany(Maps.map(document).get("Statement"));
        for (int i = 0; i < list.size(); i++) {
            Map<String, Object> statement = Maps.map(list.get(i));
            Object sid = statement.getOrDefault("Sid", "[" + i + "]");
            statements.add(new PolicyStatement(where + " " + sid, kind, owner, statement));
        }
    }

    private static void review(PolicyStatement s, Set<String> templateRoles, List<String> findings) {
        if (!s.allows()) {
            return;
        }
        for (String negation : List.of("NotAction", "NotResource", "NotPrincipal")) {
            if (s.statement().containsKey(negation)) {
                findings.add(s.where() + ": Allow with " + negation + " grants everything not listed");
            }
        }
        for (Object action : s.actions()) {
            if (!(action instanceof String name)) {
                findings.add(s.where() + ": action built by a function cannot be reviewed: " + action);
            } else if (name.equals("*") || (hasWildcard(name) && (s.about("kms") || s.about("lambda")
                    || !name.contains(":") || hasWildcard(name.substring(0, name.indexOf(':')))))) {
                findings.add(s.where() + ": wildcard action " + name);
            }
        }
        boolean identityLike = s.kind() == PolicyKind.IDENTITY_POLICY || s.kind() == PolicyKind.ENDPOINT_POLICY;
        if (identityLike && (s.about("kms") || s.about("lambda"))) {
            if (!s.statement().containsKey("Resource")) {
                findings.add(s.where() + ": no Resource");
            }
            literals(s.statement().get("Resource")).filter(LeastPrivilegeReview::hasWildcard).forEach(r ->
                    findings.add(s.where() + ": wildcard resource " + r));
        }
        Object principal = s.statement().get("Principal");
        if ("*".equals(principal) || literals(Maps.map(principal).get("AWS")).anyMatch("*"::equals)) {
            findings.add(s.where() + ": principal *");
        }
        if (s.kind() == PolicyKind.KEY_POLICY) {
            reviewKeyPolicyUse(s, templateRoles, findings);
        }
        if (s.kind() == PolicyKind.TRUST_POLICY) {
            reviewTrust(s, findings);
        }
    }

    private static void reviewKeyPolicyUse(PolicyStatement s, Set<String> templateRoles, List<String> findings) {
        List<String> cryptographic = s.actions().stream().map(String::valueOf)
                .filter(a -> CRYPTOGRAPHIC_PREFIXES.stream().anyMatch(p -> a.toLowerCase().startsWith(p)))
                .toList();
        if (cryptographic.isEmpty()) {
            return;
        }
        for (Object principal : Maps.oneOrMany(Maps.map(s.statement().get("Principal")).get("AWS"))) {
            Object getAtt = Maps.map(principal).get("Fn::GetAtt");
            boolean templateRole = getAtt instanceof List<?> args && args.size() == 2
                    && templateRoles.contains(args.get(0)) && "Arn".equals(args.get(1));
            if (!templateRole) {
                findings.add(s.where() + ": " + cryptographic + " allowed to " + principal
                        + ", which is not a role of this template");
            }
        }
        if (Maps.map(s.statement().get("Principal")).containsKey("Service")) {
            findings.add(s.where() + ": " + cryptographic + " allowed to a service principal");
        }
    }

    private static void reviewTrust(PolicyStatement s, List<String> findings) {
        Map<String, Object> principal = Maps.map(s.statement().get("Principal"));
        if (!principal.keySet().equals(Set.of("Service"))) {
            findings.add(s.where() + ": a role must be trusted by a service principal only, got " + principal);
        }
        if (!s.actionNames().equals(List.of("sts:AssumeRole"))) {
            findings.add(s.where() + ": a trust statement's action must be exactly sts:AssumeRole, got "
                    + s.actionNames());
        }
        List<?> services = Maps.oneOrMany(principal.get("Service"));
        for (Object service : services) {
            if (!TRUSTED_SERVICES.contains(service)) {
                findings.add(s.where() + ": trusts " + service);
            }
        }
        if (services.contains("rds.amazonaws.com")) {
            Map<String, Object> condition = Maps.map(s.statement().get("Condition"));
            for (String key : List.of("aws:SourceAccount", "aws:SourceArn")) {
                boolean present = condition.values().stream().anyMatch(op -> Maps.map(op).containsKey(key));
                if (!present) {
                    findings.add(s.where() + ": trust of rds.amazonaws.com without a " + key + " condition");
                }
            }
        }
    }

    /** IAM matches both {@code *} (any characters) and {@code ?} (one character) in actions and resources. */
    static boolean hasWildcard(String text) {
        return text.indexOf('*') >= 0 || text.indexOf('?') >= 0;
    }

    /** Literal strings of a value, where a wildcard could hide: {@code Fn::Sub} text included, names excluded. */
    static Stream<String> literals(Object value) {
        if (value instanceof String text) {
            return Stream.of(text);
        }
        if (value instanceof List<?> list) {
            return list.stream().flatMap(LeastPrivilegeReview::literals);
        }
        Map<String, Object> map = Maps.map(value);
        if (map.containsKey("Ref") || map.containsKey("Fn::GetAtt") || map.containsKey("Fn::ImportValue")) {
            return Stream.empty();
        }
        if (map.containsKey("Fn::If")) {
            List<?> arguments = Maps.oneOrMany(map.get("Fn::If"));
            return arguments.stream().skip(1).flatMap(LeastPrivilegeReview::literals);
        }
        return map.values().stream().flatMap(LeastPrivilegeReview::literals);
    }

    private static Set<String> logicalIdsOfType(Map<String, Object> template, String type) {
        Set<String> ids = new java.util.LinkedHashSet<>();
        Maps.section(template, "Resources").forEach((id, resource) -> {
            if (type.equals(Maps.map(resource).get("Type"))) {
                ids.add(id);
            }
        });
        return ids;
    }
}
