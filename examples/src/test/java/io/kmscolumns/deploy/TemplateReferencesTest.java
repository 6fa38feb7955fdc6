package io.kmscolumns.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The structural checks catch each kind of dangling name, so a broken template fails its test. */
class TemplateReferencesTest {

    @Test
    void consistentTemplatePasses() {
        assertThat(problems("""
                Parameters:
                  Name: { Type: String }
                Conditions:
                  Named: !Not [!Equals [!Ref Name, ""]]
                Resources:
                  Group:
                    Type: AWS::Logs::LogGroup
                    Condition: Named
                    Properties:
                      LogGroupName: !Sub "/aws/lambda/${Name}-${AWS::Region}"
                Outputs:
                  Arn:
                    Condition: Named
                    Value: !Sub ["${Group.Arn} ${Extra} ${!Literal}", { Extra: !If [Named, !Ref Group, ""] }]
                """)).isEmpty();
    }

    @Test
    void refToAnUndeclaredNameIsReported() {
        assertThat(problems(resourceWith("LogGroupName: !Ref Missing")))
                .containsExactly("Resources.Group.LogGroupName.Ref: no parameter, resource or pseudo parameter "
                        + "named Missing");
    }

    @Test
    void getAttOfAnUndeclaredResourceIsReported() {
        assertThat(problems(resourceWith("LogGroupName: !GetAtt Missing.Arn"))).singleElement().asString()
                .contains("Fn::GetAtt: no resource named Missing");
    }

    @Test
    void subVariablesThatNameNothingAreReported() {
        assertThat(problems(resourceWith("LogGroupName: !Sub \"${Missing}-${Gone.Arn}\""))).hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("named Missing"))
                .anySatisfy(p -> assertThat(p).contains("${Gone.…} names no resource"));
    }

    @Test
    void unknownConditionAndDependsOnAreReported() {
        assertThat(problems("""
                Resources:
                  Group:
                    Type: AWS::Logs::LogGroup
                    Condition: Nowhere
                    DependsOn: [Ghost]
                    Properties:
                      RetentionInDays: !If [AlsoNowhere, 7, 30]
                """)).containsExactlyInAnyOrder(
                "Resources.Group: no condition named Nowhere",
                "Resources.Group.DependsOn: no resource named Ghost",
                "Resources.Group.RetentionInDays.Fn::If: no condition named AlsoNowhere");
    }

    @Test
    void unusedParameterIsReported() {
        assertThat(problems("Parameters:\n  Unused: { Type: String }\n" + resourceWith("RetentionInDays: 7")))
                .containsExactly("Parameters.Unused: declared but never used");
    }

    @Test
    void unreviewedResourceTypeIsReported() {
        assertThat(problems("""
                Resources:
                  Admin:
                    Type: AWS::IAM::User
                """)).singleElement().asString().contains("AWS::IAM::User is not one of the reviewed types");
    }

    private static List<String> problems(String template) {
        return TemplateReferences.problems(CloudFormationYaml.parse(template));
    }

    private static String resourceWith(String propertyLine) {
        return """
                Resources:
                  Group:
                    Type: AWS::Logs::LogGroup
                    Properties:
                      %s
                """.formatted(propertyLine);
    }
}
