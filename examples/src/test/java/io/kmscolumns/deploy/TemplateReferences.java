package io.kmscolumns.deploy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Structural checks of a CloudFormation template that need no AWS resource specification: every {@code Ref},
 * {@code Fn::GetAtt}, {@code Fn::Sub} variable, {@code DependsOn} and condition name points at something the
 * template declares, every parameter is used, and every resource type is one this project has reviewed. They
 * complement AWS's cfn-lint ({@code deploy/lint.sh}) and run wherever the tests run.
 */
public final class TemplateReferences {

    /** Resource types the deploy templates may use; a new one needs a review of its IAM side first. */
    static final Set<String> REVIEWED_RESOURCE_TYPES = Set.of("AWS::KMS::Key", "AWS::KMS::Alias",
            "AWS::IAM::Role", "AWS::IAM::RolePolicy", "AWS::Logs::LogGroup", "AWS::Lambda::Function",
            "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::EC2::SecurityGroup", "AWS::EC2::VPCEndpoint",
            "AWS::RDS::DBCluster", "AWS::RDS::DBInstance");

    private static final Set<String> PSEUDO_PARAMETERS = Set.of("AWS::AccountId", "AWS::NotificationARNs",
            "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix");

    /** {@code ${Name}} or {@code ${Resource.Attribute}}; {@code ${!Literal}} is not a variable. */
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{(?!!)([^}.]+)(?:\\.[^}]+)?}");

    private final Map<String, Object> parameters;
    private final Map<String, Object> resources;
    private final Map<String, Object> conditions;
    private final Set<String> usedParameters = new LinkedHashSet<>();
    private final List<String> problems = new ArrayList<>();

    private TemplateReferences(Map<String, Object> template) {
        parameters = Maps.section(template, "Parameters");
        resources = Maps.section(template, "Resources");
        conditions = Maps.section(template, "Conditions");
    }

    /**
     * Checks a template.
     *
     * @param template the template as read by {@link CloudFormationYaml}
     * @return one sentence per problem, naming where it is; empty when the template is consistent
     */
    public static List<String> problems(Map<String, Object> template) {
        TemplateReferences check = new TemplateReferences(template);
        check.run(template);
        return check.problems;
    }

    private void run(Map<String, Object> template) {
        if (resources.isEmpty()) {
            problems.add("Resources: a template needs at least one resource");
        }
        for (Map.Entry<String, Object> resource : resources.entrySet()) {
            checkResource(resource.getKey(), Maps.map(resource.getValue()));
        }
        for (String section : List.of("Conditions", "Rules", "Outputs", "Metadata")) {
            walk(section, template.get(section), Set.of());
        }
        for (Map.Entry<String, Object> output : Maps.section(template, "Outputs").entrySet()) {
            checkConditionName("Outputs." + output.getKey(), Maps.map(output.getValue()).get("Condition"));
        }
        for (String parameter : parameters.keySet()) {
            if (!usedParameters.contains(parameter)) {
                problems.add("Parameters." + parameter + ": declared but never used");
            }
        }
    }

    private void checkResource(String name, Map<String, Object> resource) {
        String where = "Resources." + name;
        Object type = resource.get("Type");
        if (!REVIEWED_RESOURCE_TYPES.contains(type)) {
            problems.add(where + ": resource type " + type + " is not one of the reviewed types");
        }
        checkConditionName(where, resource.get("Condition"));
        Object dependsOn = resource.get("DependsOn");
        for (Object target : dependsOn instanceof List<?> list ? list : dependsOn == null ? List.of() : List.of(
                dependsOn)) {
            if (!resources.containsKey(target)) {
                problems.add(where + ".DependsOn: no resource named " + target);
            }
        }
        walk(where, resource.get("Properties"), Set.of());
    }

    private void checkConditionName(String where, Object condition) {
        if (condition != null && !conditions.containsKey(condition)) {
            problems.add(where + ": no condition named " + condition);
        }
    }

    /** Visits a value; {@code subVariables} are the names a surrounding Fn::Sub variable map defines. */
    private void walk(String where, Object value, Set<String> subVariables) {
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(where + "[" + i + "]", list.get(i), subVariables);
            }
            return;
        }
        if (!(value instanceof Map<?, ?> map)) {
            return;
        }
        if (map.size() == 1 && map.containsKey("Ref")) {
            checkName(where + ".Ref", map.get("Ref"), subVariables);
            return;
        }
        if (map.size() == 1 && map.containsKey("Fn::GetAtt")) {
            checkGetAtt(where, map.get("Fn::GetAtt"));
            return;
        }
        if (map.size() == 1 && map.containsKey("Fn::Sub")) {
            checkSub(where + ".Fn::Sub", map.get("Fn::Sub"), subVariables);
            return;
        }
        if (map.size() == 1 && map.containsKey("Fn::If")) {
            List<?> arguments = map.get("Fn::If") instanceof List<?> list ? list : List.of();
            if (arguments.size() != 3) {
                problems.add(where + ".Fn::If: needs [condition, value if true, value if false]");
                return;
            }
            checkConditionName(where + ".Fn::If", arguments.get(0));
            walk(where + ".Fn::If", arguments.subList(1, 3), subVariables);
            return;
        }
        if (map.size() == 1 && map.containsKey("Condition") && map.get("Condition") instanceof String name) {
            checkConditionName(where, name);
            return;
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            walk(where + "." + entry.getKey(), entry.getValue(), subVariables);
        }
    }

    private void checkName(String where, Object name, Set<String> subVariables) {
        if (!(name instanceof String text)) {
            problems.add(where + ": expects a name, got " + name);
            return;
        }
        if (parameters.containsKey(text)) {
            usedParameters.add(text);
        } else if (!resources.containsKey(text) && !PSEUDO_PARAMETERS.contains(text)
                && !subVariables.contains(text)) {
            problems.add(where + ": no parameter, resource or pseudo parameter named " + text);
        }
    }

    private void checkGetAtt(String where, Object arguments) {
        if (!(arguments instanceof List<?> list) || list.size() != 2) {
            problems.add(where + ".Fn::GetAtt: needs [resource, attribute], got " + arguments);
            return;
        }
        if (!resources.containsKey(list.get(0))) {
            problems.add(where + ".Fn::GetAtt: no resource named " + list.get(0));
        }
    }

    private void checkSub(String where, Object arguments, Set<String> outerVariables) {
        String text;
        Set<String> variables = new LinkedHashSet<>(outerVariables);
        if (arguments instanceof String string) {
            text = string;
        } else if (arguments instanceof List<?> list && list.size() == 2 && list.get(0) instanceof String string
                && list.get(1) instanceof Map<?, ?> map) {
            text = string;
            walk(where + "[1]", map, outerVariables);
            map.keySet().forEach(key -> variables.add(String.valueOf(key)));
        } else {
            problems.add(where + ": needs a string or [string, {variables}], got " + arguments);
            return;
        }
        Matcher matcher = SUB_VARIABLE.matcher(text);
        while (matcher.find()) {
            String name = matcher.group(1);
            boolean attribute = matcher.group(0).contains(".") && !name.startsWith("AWS::");
            if (attribute && !resources.containsKey(name)) {
                problems.add(where + ": ${" + name + ".…} names no resource");
            } else if (!attribute) {
                checkName(where + " ${" + name + "}", name, variables);
            }
        }
    }
}
