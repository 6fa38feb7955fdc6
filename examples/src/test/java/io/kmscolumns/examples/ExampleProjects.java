package io.kmscolumns.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Where the example files are and how the tests run the outside tools the examples document: Maven for the nested
 * projects, a JVM for the Liquibase command line and the Spring Boot jar.
 */
final class ExampleProjects {

    private static boolean extensionPublished;

    private ExampleProjects() {
    }

    /** The examples module folder: set by the build, else the working directory surefire runs in. */
    static Path examplesDir() {
        String configured = System.getProperty("kmscolumns.examples.dir");
        return (configured != null ? Path.of(configured) : Path.of("")).toAbsolutePath();
    }

    /** examples/changelogs. */
    static Path changelogsDir() {
        return examplesDir().resolve("changelogs");
    }

    /** A unique database name for one test. */
    static String databaseName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    static Connection connect(String jdbcUrl) throws SQLException {
        return DriverManager.getConnection(jdbcUrl);
    }

    /** The project version the nested projects should use for migrations-lib. */
    static String kmsColumnsVersion() {
        return System.getProperty("kmscolumns.version", "0.1.0-SNAPSHOT");
    }

    /** {@code mvn} with the Maven running this build when known, batch mode, quiet, same local repository. */
    static List<String> maven(Path pom, String... goalsAndProperties) {
        List<String> command = new ArrayList<>();
        String home = System.getProperty("kmscolumns.maven.home");
        Path mvn = home == null ? null : Path.of(home, "bin", "mvn");
        command.add(mvn != null && Files.isExecutable(mvn) ? mvn.toString() : "mvn");
        command.add("-B");
        command.add("-q");
        command.add("-f");
        command.add(pom.toString());
        String repository = System.getProperty("kmscolumns.maven.repo.local");
        if (repository != null && !repository.isBlank()) {
            command.add("-Dmaven.repo.local=" + repository);
        }
        command.add("-Dkms-columns.version=" + kmsColumnsVersion());
        command.addAll(List.of(goalsAndProperties));
        return command;
    }

    /**
     * Installs this build's migrations-lib (and the modules it is built with) into the local Maven repository, once
     * per JVM, so that the nested example projects, which take it from there as a user's project would, test this
     * build's jar under {@code mvn verify} too, never a stale or missing one.
     */
    static synchronized void publishExtension(Path logDirectory) throws IOException, InterruptedException {
        if (extensionPublished) {
            return;
        }
        Path root = examplesDir().getParent();
        run(maven(root.resolve("pom.xml"), "install", "-Dmaven.test.skip=true", "-pl", "migrations-lib", "-am"),
                root, logDirectory.resolve("publish-extension.log"), Duration.ofMinutes(10));
        extensionPublished = true;
    }

    /** The java executable of this JVM. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The test class path as surefire sees it (not its manifest-only booter jar). */
    static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String classPath = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        List<String> entries = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /**
     * Runs a command to completion in {@code directory}, output to {@code log}, and asserts it exited 0; the
     * failure message carries the end of the output.
     */
    static void run(List<String> command, Path directory, Path log, Duration timeout)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("timed out after " + timeout + ": " + command + "\n" + tail(log));
        }
        assertThat(process.exitValue())
                .as("exit code of %s%n%s", command, tail(log))
                .isZero();
    }

    /** The last 60 lines of a log file. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
