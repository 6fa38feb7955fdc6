package io.kmscolumns.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Short-form intrinsic function tags read as the long form CloudFormation uses. */
class CloudFormationYamlTest {

    @Test
    void shortFormTagsBecomeLongFormFunctions() {
        Map<String, Object> template = CloudFormationYaml.parse("""
                A: !Ref Name
                B: !GetAtt Cluster.Endpoint.Address
                C: !Sub "${AWS::Region}"
                D: !If [Cond, !Ref X, !Ref AWS::NoValue]
                E: !ImportValue
                  Fn::Sub: "${Stack}-Out"
                F: !Join ["", !Ref List]
                G: !Condition Other
                """);

        assertThat(template).containsEntry("A", Map.of("Ref", "Name"))
                .containsEntry("B", Map.of("Fn::GetAtt", List.of("Cluster", "Endpoint.Address")))
                .containsEntry("C", Map.of("Fn::Sub", "${AWS::Region}"))
                .containsEntry("D", Map.of("Fn::If", List.of("Cond", Map.of("Ref", "X"),
                        Map.of("Ref", "AWS::NoValue"))))
                .containsEntry("E", Map.of("Fn::ImportValue", Map.of("Fn::Sub", "${Stack}-Out")))
                .containsEntry("F", Map.of("Fn::Join", List.of("", Map.of("Ref", "List"))))
                .containsEntry("G", Map.of("Condition", "Other"));
    }

    @Test
    void getAttWithoutAnAttributeIsRejected() {
        assertThatThrownBy(() -> CloudFormationYaml.parse("A: !GetAtt Cluster"))
                .hasMessage("!GetAtt needs Resource.Attribute, got 'Cluster'");
    }

    @Test
    void duplicateKeysAreRejected() {
        assertThatThrownBy(() -> CloudFormationYaml.parse("A: 1\nA: 2\n")).hasMessageContaining("duplicate key");
    }
}
