package io.kmscolumns.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Locates and reads the templates in the repository's {@code deploy} folder from the examples module. */
final class DeployTemplates {

    static final String MAIN = "template.yaml";
    static final String CLUSTER = "aurora-cluster.yaml";

    private DeployTemplates() {
    }

    /** The repository root: the parent of the examples module (Surefire runs in the module's folder). */
    static Path repositoryRoot() {
        Path examples = Path.of(System.getProperty("kmscolumns.examples.dir", "")).toAbsolutePath();
        Path root = examples.getParent();
        if (root == null || !Files.isDirectory(root.resolve("deploy"))) {
            throw new IllegalStateException("no deploy folder beside " + examples
                    + "; run the tests from the examples module");
        }
        return root;
    }

    static Map<String, Object> read(String name) {
        try {
            return CloudFormationYaml.read(repositoryRoot().resolve("deploy").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
