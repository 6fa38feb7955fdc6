package io.kmscolumns.lambda;

import io.kmscolumns.local.kms.LocalKms;
import io.kmscolumns.local.lambda.LambdaFunctionDefinition;
import io.kmscolumns.local.lambda.LocalLambda;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Values per second of the handler against the local KMS, batched versus one invocation per value, at several KMS
 * latencies. Run by {@code scripts/bench-lambda.sh}.
 *
 * <p>"batch" is one request of {@code bench.values} values (the SQL side's batch functions); "per value" is the
 * same number of single-value requests made one after another, as {@code UPDATE t SET c = encrypt(c)} does. Both
 * go through the full handler (JSON in, KMS over HTTP with the real SDK client, JSON out), measured two ways in
 * the same run: "handler" calls it in this JVM, leaving out the Lambda Invoke hop (which favours the per-value
 * side); "invocation" sends each request through the Lambda Invoke REST API of the local endpoint on loopback,
 * as {@code aws_lambda.invoke} does, so each invocation pays its hop as it does in production (where the hop from
 * Aurora costs milliseconds, more than on loopback). The ratio the target refers to is the invocation one.
 *
 * <p>Both figures are the best of {@code bench.rounds} measurements: the batch is sent that many times, the
 * single-value requests are timed in that many consecutive windows. "per-value ms" is the time of all of them.
 *
 * <p>System properties: {@code bench.values} (1000), {@code bench.latencies} (0,5,20 in ms), {@code bench.rounds}
 * (5), {@code bench.warmup} (10 rounds of both paths before measuring),
 * {@code bench.concurrency} (64; the function's own default is 32).
 */
public final class LambdaBenchmark {

    private static final Logger FUNCTION_LOG = Logger.getLogger("io.kmscolumns.local.lambda.function");

    private LambdaBenchmark() {
    }

    /**
     * @param args ignored; see the class comment for the system properties
     */
    public static void main(String[] args) {
        // The local endpoint forwards each function log line to its own logger; a line per invocation would bury
        // the table and cost the per-value side a console write per value that a real Lambda does not pay.
        FUNCTION_LOG.setLevel(Level.WARNING);
        int values = Integer.getInteger("bench.values", 1000);
        int rounds = Integer.getInteger("bench.rounds", 5);
        int warmup = Integer.getInteger("bench.warmup", 10);
        // 64 calls in flight rather than the function's default of 32: at 5 ms per call, 32 leave the CPU idle
        // between rounds of a 1,000-value batch. Both are shown in lambda-fn/README.md.
        String concurrency = System.getProperty("bench.concurrency", "64");
        List<Integer> latencies = new ArrayList<>();
        for (String latency : System.getProperty("bench.latencies", "0,5,20").split(",")) {
            latencies.add(Integer.parseInt(latency.trim()));
        }

        try (LocalKms kms = LocalKms.builder().port(0).build().start();
             LocalLambda lambda = LocalLambda.builder().port(0).build().start()) {
            Map<String, String> env = LocalKmsRoundTripTest.environment(kms, kms.createKey("benchmark"));
            env.put("KMS_CONCURRENCY", concurrency);
            KmsCryptoHandler handler = new KmsCryptoHandler(env);
            lambda.register(LambdaFunctionDefinition.builder().name("kms-crypto").handler(handler)
                .timeout(Duration.ofSeconds(60)).build());
            Invoker inProcess = request -> invoke(handler, request);
            Invoker throughInvokeApi = new InvokeApiClient(lambda.endpoint());
            byte[] batchRequest = batchRequest(values);
            List<byte[]> singleRequests = singleRequests(values);

            // Warm up the JIT (both paths, until C2 has compiled the SDK's pipeline), the client and its connections.
            for (int i = 0; i < warmup; i++) {
                for (Invoker invoker : List.of(inProcess, throughInvokeApi)) {
                    invoker.invoke(batchRequest);
                    for (byte[] request : singleRequests.subList(0, Math.min(100, values))) {
                        invoker.invoke(request);
                    }
                }
            }

            System.out.printf(Locale.ROOT, "%nKMS Columns Lambda benchmark: %d values of ~30 bytes, encrypt,"
                + " KMS_CONCURRENCY=%s, %d CPUs, load average %s%n%n", values, concurrency,
                Runtime.getRuntime().availableProcessors(), loadAverage());
            System.out.printf(Locale.ROOT, "%-12s %-11s %12s %16s %16s %20s %8s%n", "KMS latency", "path",
                "batch ms", "batch values/s", "per-value ms", "per-value values/s", "ratio");
            List<String> ratios = new ArrayList<>();
            for (int latency : latencies) {
                kms.faults().latency(Duration.ofMillis(latency));
                measure(latency, "handler", inProcess, batchRequest, singleRequests, rounds);
                double ratio = measure(latency, "invocation", throughInvokeApi, batchRequest, singleRequests, rounds);
                ratios.add(String.format(Locale.ROOT, "%d ms: %.1fx", latency, ratio));
            }
            kms.faults().clear();

            System.out.printf(Locale.ROOT, "%nratio batch/per-invocation: %s (target at 5 ms: >= 30x); load average"
                + " %s%n", String.join(", ", ratios), loadAverage());
        }
    }

    /** Prints one row and returns its ratio: the best batch round against the best window of single requests. */
    private static double measure(int latency, String path, Invoker invoker, byte[] batchRequest,
            List<byte[]> singleRequests, int rounds) {
        int values = singleRequests.size();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < rounds; round++) {
            long start = System.nanoTime();
            invoker.invoke(batchRequest);
            best = Math.min(best, System.nanoTime() - start);
        }
        // The single-value requests in as many consecutive windows as batch rounds; the best window counts, as the
        // best batch round does, so that both sides are measured alike on a busy machine.
        long perValue = 0;
        double perValueRate = 0;
        int window = Math.max(1, values / rounds);
        for (int from = 0; from < values; from += window) {
            List<byte[]> requests = singleRequests.subList(from, Math.min(values, from + window));
            long start = System.nanoTime();
            for (byte[] request : requests) {
                invoker.invoke(request);
            }
            long elapsed = System.nanoTime() - start;
            perValue += elapsed;
            perValueRate = Math.max(perValueRate, requests.size() / (elapsed / 1e9));
        }

        double batchRate = values / (best / 1e9);
        double ratio = batchRate / perValueRate;
        System.out.printf(Locale.ROOT, "%-12s %-11s %12.1f %16.0f %16.1f %20.0f %7.1fx%n", latency + " ms", path,
            best / 1e6, batchRate, perValue / 1e6, perValueRate, ratio);
        return ratio;
    }

    /** One way of sending a request to the function. */
    private interface Invoker {
        void invoke(byte[] request);
    }

    /** Synchronous invocations through the Lambda Invoke REST API, as a database's aws_lambda.invoke makes them. */
    private static final class InvokeApiClient implements Invoker {

        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final URI invocations;

        InvokeApiClient(URI endpoint) {
            this.invocations = endpoint.resolve("/2015-03-31/functions/kms-crypto/invocations");
        }

        @Override
        public void invoke(byte[] request) {
            HttpRequest post = HttpRequest.newBuilder(invocations)
                .header("X-Amz-Invocation-Type", "RequestResponse")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request))
                .build();
            try {
                HttpResponse<byte[]> response = client.send(post, HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 200 || response.headers().firstValue("X-Amz-Function-Error").isPresent()) {
                    throw new IllegalStateException("invocation failed with status " + response.statusCode());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** The machine's 1-minute load average: the batch side is CPU-bound, so other work on the machine lowers it. */
    private static String loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f", load);
    }

    private static void invoke(KmsCryptoHandler handler, byte[] request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(request), out, new CapturingContext());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.size() == 0) {
            throw new IllegalStateException("the handler wrote no response");
        }
    }

    private static byte[] batchRequest(int values) {
        List<String> texts = new ArrayList<>(values);
        for (int i = 0; i < values; i++) {
            texts.add(text(i));
        }
        return Invocations.batch("enc", texts, Map.of("table", "public.people", "column", "email")).toString()
            .getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> singleRequests(int values) {
        List<byte[]> requests = new ArrayList<>(values);
        for (int i = 0; i < values; i++) {
            requests.add(Invocations.single("enc", text(i), Map.of("table", "public.people", "column", "email"))
                .toString().getBytes(StandardCharsets.UTF_8));
        }
        return requests;
    }

    private static String text(int i) {
        return String.format(Locale.ROOT, "person%05d@example.com", i);
    }
}
