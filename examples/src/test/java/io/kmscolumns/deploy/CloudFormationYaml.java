package io.kmscolumns.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a CloudFormation YAML template into plain maps and lists, turning the short-form intrinsic function tags
 * ({@code !Ref}, {@code !GetAtt}, {@code !Sub}, ...) into their long form ({@code {Ref: x}},
 * {@code {Fn::GetAtt: [resource, attribute]}}, ...), the shape CloudFormation itself works on.
 *
 * @see <a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html">
 *     Intrinsic function reference</a>
 */
public final class CloudFormationYaml {

    /** Short-form tags that become {@code Fn::<name>}. */
    private static final List<String> FUNCTIONS = List.of("And", "Base64", "Cidr", "Contains", "EachMemberEquals",
            "EachMemberIn", "Equals", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Length", "Not", "Or",
            "RefAll", "Select", "Split", "Sub", "ToJsonString", "Transform", "ValueOf", "ValueOfAll");

    private CloudFormationYaml() {
    }

    /**
     * Reads a template file.
     *
     * @param file the YAML template
     * @return the template's top-level sections
     * @throws IOException if the file cannot be read
     */
    public static Map<String, Object> read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    /**
     * Parses template text. Duplicate keys are an error, as they are for CloudFormation.
     *
     * @param yaml the template text
     * @return the template's top-level sections
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object document = new Yaml(new IntrinsicFunctionConstructor(options)).load(yaml);
        if (!(document instanceof Map)) {
            throw new IllegalArgumentException("a template is a YAML mapping, got " + document);
        }
        return (Map<String, Object>) document;
    }

    /** SnakeYAML's safe constructor plus one constructor per CloudFormation short-form tag. */
    private static final class IntrinsicFunctionConstructor extends SafeConstructor {

        IntrinsicFunctionConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(new Tag("!Ref"), new LongForm("Ref"));
            yamlConstructors.put(new Tag("!Condition"), new LongForm("Condition"));
            yamlConstructors.put(new Tag("!GetAtt"), new GetAttLongForm());
            for (String function : FUNCTIONS) {
                yamlConstructors.put(new Tag("!" + function), new LongForm("Fn::" + function));
            }
        }

        Object value(Node node) {
            if (node instanceof ScalarNode scalar) {
                return constructScalar(scalar);
            }
            if (node instanceof SequenceNode sequence) {
                return constructSequence(sequence);
            }
            return constructMapping((MappingNode) node);
        }

        /** {@code !Name value} becomes {@code {key: value}}, whatever kind of node the value is. */
        private final class LongForm extends AbstractConstruct {
            private final String key;

            LongForm(String key) {
                this.key = key;
            }

            @Override
            public Object construct(Node node) {
                return Map.of(key, value(node));
            }
        }

        /** {@code !GetAtt Resource.Attribute} splits at the first dot (attributes may contain dots). */
        private final class GetAttLongForm extends AbstractConstruct {
            @Override
            public Object construct(Node node) {
                Object value = value(node);
                if (value instanceof String text) {
                    int dot = text.indexOf('.');
                    if (dot <= 0 || dot == text.length() - 1) {
                        throw new IllegalArgumentException("!GetAtt needs Resource.Attribute, got '" + text + "'");
                    }
                    value = List.of(text.substring(0, dot), text.substring(dot + 1));
                }
                return Map.of("Fn::GetAtt", value);
            }
        }
    }
}
