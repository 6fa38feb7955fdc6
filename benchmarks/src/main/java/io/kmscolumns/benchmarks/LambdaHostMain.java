package io.kmscolumns.benchmarks;

import io.kmscolumns.local.LocalAurora;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark's Lambda host, run as its own process so its peak memory can be read from
 * {@code /proc/<pid>/status}: the local KMS and the local Lambda endpoint serving lambda-fn's handler, with the
 * {@code aws_lambda} emulation of the given database pointed at it.
 *
 * <p>Prints {@code READY} on standard output once serving, then obeys one command per line on standard input:
 * {@code latency <ms>} sets the KMS latency per call, {@code requests} prints the KMS request count and
 * {@code invocations} the Lambda invocation count. It stops when standard input closes.
 */
@Command(name = "lambda-host", mixinStandardHelpOptions = true,
        description = "Hosts the local KMS and the kms-crypto function for the benchmark.")
public final class LambdaHostMain implements Callable<Integer> {

    @Option(names = "--jdbc-url", required = true, paramLabel = "URL",
            description = "Superuser JDBC URL of the benchmark database (the emulation is installed into it).")
    String jdbcUrl;

    @Option(names = "--key-state-file", required = true, paramLabel = "FILE",
            description = "File the KMS key persists in, so every host of one benchmark run uses the same key.")
    Path keyStateFile;

    @Option(names = "--kms-concurrency", defaultValue = "32", paramLabel = "N",
            description = "KMS calls in flight per invocation (the function's KMS_CONCURRENCY; default 32).")
    int kmsConcurrency;

    @Option(names = "--kms-latency-ms", defaultValue = "0", paramLabel = "MS",
            description = "Latency the local KMS adds to every cryptographic call (default 0).")
    long latencyMillis;

    /** Runs the host until standard input closes. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new LambdaHostMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (LocalAurora stack = LocalAurora.builder().jdbcUrl(jdbcUrl).keyStateFile(keyStateFile)
                .functionEnvironment(Map.of("KMS_CONCURRENCY", Integer.toString(kmsConcurrency)))
                .functionTimeout(Duration.ofMinutes(5))
                .build().start()) {
            stack.kms().faults().latency(Duration.ofMillis(latencyMillis));
            System.out.println("READY");
            System.out.flush();

            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = commands.readLine(); line != null; line = commands.readLine()) {
                String[] words = line.trim().split("\\s+");
                switch (words[0]) {
                    case "latency" -> {
                        stack.kms().faults().latency(Duration.ofMillis(Long.parseLong(words[1])));
                        System.out.println("OK");
                    }
                    case "requests" -> System.out.println(stack.kms().requestCount());
                    case "invocations" -> System.out.println(stack.lambda().invocationCount(stack.functionName()));
                    default -> System.out.println("ERROR unknown command " + words[0]);
                }
                System.out.flush();
            }
        }
        return 0;
    }
}
