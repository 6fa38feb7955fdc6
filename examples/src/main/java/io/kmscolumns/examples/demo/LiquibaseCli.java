package io.kmscolumns.examples.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import liquibase.integration.commandline.LiquibaseCommandLine;

/**
 * Runs Liquibase's own command-line entry point in this JVM, exactly as the {@code liquibase} command would parse
 * the arguments, so the examples exercise what CLI users run.
 *
 * <p>Every run turns off the banner and Liquibase's product analytics (which would otherwise try to reach
 * config.liquibase.com, slow and pointless on an offline machine).
 */
public final class LiquibaseCli {

    private LiquibaseCli() {
    }

    /**
     * Runs {@code liquibase <globalArgs> <command> <commandArgs>} and fails when Liquibase returns non-zero.
     *
     * @param searchPath  folder that changelog paths are relative to ({@code --search-path})
     * @param command     e.g. {@code update} or {@code rollback-count}
     * @param commandArgs the command's arguments, e.g. {@code --changelog-file=...}, {@code -Dname=value}
     */
    public static void run(String searchPath, String command, String... commandArgs) {
        List<String> args = new ArrayList<>(List.of(
                "--show-banner=false",
                "--analytics-enabled=false",
                "--search-path=" + searchPath,
                command));
        args.addAll(Arrays.asList(commandArgs));

        int exitCode = new LiquibaseCommandLine().execute(args.toArray(String[]::new));
        if (exitCode != 0) {
            throw new IllegalStateException("liquibase " + command + " failed with exit code " + exitCode
                    + " (its error is printed above)");
        }
    }

    /** The {@code --url} and {@code --username} arguments for a JDBC URL that may carry {@code user=} itself. */
    public static List<String> connectionArgs(String jdbcUrl) {
        List<String> args = new ArrayList<>();
        args.add("--url=" + jdbcUrl);
        int query = jdbcUrl.indexOf('?');
        if (query >= 0) {
            for (String pair : jdbcUrl.substring(query + 1).split("&")) {
                if (pair.startsWith("user=")) {
                    args.add("--username=" + pair.substring("user=".length()));
                }
            }
        }
        return args;
    }
}
