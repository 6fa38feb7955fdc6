package io.kmscolumns.local;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command-line launcher of the local stack ({@code scripts/local-aurora.sh} runs it). Starts the stack, prints
 * one {@code NAME=value} line per endpoint, then {@code READY}, and runs until SIGINT or SIGTERM, when it stops
 * what it started:
 * <pre>
 * JDBC_URL=jdbc:postgresql://127.0.0.1:41234/aurora_local?user=postgres
 * PSQL_URL=postgresql://postgres@127.0.0.1:41234/aurora_local
 * LAMBDA_FUNCTION_ARN=arn:aws:lambda:us-east-1:000000000000:function:kms-crypto
 * LAMBDA_ENDPOINT=http://127.0.0.1:41235
 * KMS_ENDPOINT=http://127.0.0.1:41236
 * KMS_KEY_ARN=arn:aws:kms:us-east-1:000000000000:key/...
 * READY
 * </pre>
 * Logs go to standard error; standard output holds only these lines.
 */
@Command(name = "local-aurora", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = LocalAuroraMain.Version.class,
        description = {"Runs a local KMS, a local Lambda endpoint serving the kms-crypto function and a PostgreSQL "
                + "database with the aws_lambda emulation, until interrupted."})
public final class LocalAuroraMain implements Callable<Integer> {

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "Superuser JDBC URL of the database to install the emulation into; without it a server is "
                    + "taken from AURORA_LOCAL_JDBC_URL or a throwaway one is started.")
    String jdbcUrl;

    @Option(names = "--port-kms", paramLabel = "PORT", defaultValue = "0",
            description = "KMS port on 127.0.0.1 (default: any free port).")
    int kmsPort;

    @Option(names = "--port-lambda", paramLabel = "PORT", defaultValue = "0",
            description = "Lambda endpoint port on 127.0.0.1 (default: any free port).")
    int lambdaPort;

    @Option(names = "--region", paramLabel = "REGION", defaultValue = "us-east-1",
            description = "Region in ARNs and in the function's AWS_REGION (default: ${DEFAULT-VALUE}).")
    String region;

    @Option(names = "--account-id", paramLabel = "ID", defaultValue = "000000000000",
            description = "Account id in ARNs (default: ${DEFAULT-VALUE}).")
    String accountId;

    @Option(names = "--key-state-file", paramLabel = "FILE",
            description = "File the KMS keys persist in, so ciphertext survives a restart (default: none).")
    Path keyStateFile;

    @Option(names = "--handler", paramLabel = "CLASS", defaultValue = LocalAurora.DEFAULT_HANDLER,
            description = "Handler class of the kms-crypto function (default: ${DEFAULT-VALUE}).")
    String handler;

    @Option(names = {"-v", "--verbose"},
            description = "On a failure, print the stack trace too, not only the messages.")
    boolean verbose;

    private final PrintStream out;
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** A launcher printing to standard output. */
    public LocalAuroraMain() {
        this(System.out);
    }

    LocalAuroraMain(PrintStream out) {
        this.out = out;
    }

    /** The version in the jar's manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = LocalAuroraMain.class.getPackage().getImplementationVersion();
            return new String[] {"local-aurora " + (version != null ? version : "(development build)")};
        }
    }

    /**
     * Parses the arguments, runs the stack until the JVM is told to stop, and exits with picocli's exit code: 0
     * after a stop, 1 when the stack cannot start (one line on standard error; the stack trace with
     * {@code --verbose}), 2 for a malformed command line.
     */
    public static void main(String[] args) {
        System.exit(commandLine(new LocalAuroraMain(), System.err).execute(args));
    }

    /** The launcher's command line, reporting a failed start on {@code err} as one line. */
    static CommandLine commandLine(LocalAuroraMain main, PrintStream err) {
        return new CommandLine(main).setExecutionExceptionHandler((exception, commandLine, parseResult) -> {
            err.println("local-aurora: could not start: " + messages(exception));
            if (main.verbose) {
                exception.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
    }

    /** The messages of an exception and its causes, each once, joined by ": ". */
    static String messages(Throwable exception) {
        StringBuilder text = new StringBuilder();
        for (Throwable e = exception; e != null; e = e.getCause() == e ? null : e.getCause()) {
            String message = e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage()
                    : e.getClass().getSimpleName();
            if (text.indexOf(message) >= 0) {
                continue;
            }
            text.append(text.length() == 0 ? "" : ": ").append(message);
        }
        return text.toString().replaceAll("\\s*\\R\\s*", " ");
    }

    @Override
    public Integer call() throws InterruptedException {
        LocalAurora stack = startAndPrint();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "local-aurora-stop"));
        stopped.await();
        return 0;
    }

    /** Starts the stack from the options and prints the endpoint lines and READY. */
    LocalAurora startAndPrint() {
        LocalAurora.Builder builder = LocalAurora.builder()
                .region(region)
                .accountId(accountId)
                .kmsPort(kmsPort)
                .lambdaPort(lambdaPort)
                .keyStateFile(keyStateFile)
                .handlerClass(handler);
        if (jdbcUrl != null) {
            builder.jdbcUrl(jdbcUrl);
        }
        LocalAurora stack = builder.build().start();
        out.println("JDBC_URL=" + stack.jdbcUrl());
        out.println("PSQL_URL=" + stack.psqlUrl());
        out.println("LAMBDA_FUNCTION_ARN=" + stack.functionArn());
        out.println("LAMBDA_ENDPOINT=" + stack.lambdaEndpoint());
        out.println("KMS_ENDPOINT=" + stack.kmsEndpoint());
        out.println("KMS_KEY_ARN=" + stack.keyArn());
        out.println("READY");
        out.flush();
        return stack;
    }
}
