package io.kmscolumns.lambda;

import io.kmscolumns.local.kms.LocalKms;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Values per second of the handler against the local KMS, batched versus one invocation per value, at several KMS
 * latencies. Run by {@code scripts/bench-lambda.sh}.
 *
 * <p>"batch" is one request of {@code bench.values} values (the SQL side's batch functions); "per value" is the
 * same number of single-value requests made one after another, as {@code UPDATE t SET c = encrypt(c)} does. Both
 * go through the full handler (JSON in, KMS over HTTP with the real SDK client, JSON out) in this JVM; the Lambda
 * Invoke hop, the same for both per request, is left out, which favours the per-value side.
 *
 * <p>Both figures are the best of {@code bench.rounds} measurements: the batch is sent that many times, the
 * single-value requests are timed in that many consecutive windows. "per-value ms" is the time of all of them.
 *
 * <p>System properties: {@code bench.values} (1000), {@code bench.latencies} (0,5,20 in ms), {@code bench.rounds}
 * (5), {@code bench.warmup} (10 rounds of both paths before measuring),
 * {@code bench.concurrency} (the handler default).
 */
public final class LambdaBenchmark {

    private LambdaBenchmark() {
    }

    /**
     * @param args ignored; see the class comment for the system properties
     * @throws IOException if the handler cannot write its response
     */
    public static void main(String[] args) throws IOException {
        int values = Integer.getInteger("bench.values", 1000);
        int rounds = Integer.getInteger("bench.rounds", 5);
        int warmup = Integer.getInteger("bench.warmup", 10);
        String concurrency = System.getProperty("bench.concurrency",
            Integer.toString(HandlerSettings.DEFAULT_CONCURRENCY));
        List<Integer> latencies = new ArrayList<>();
        for (String latency : System.getProperty("bench.latencies", "0,5,20").split(",")) {
            latencies.add(Integer.parseInt(latency.trim()));
        }

        try (LocalKms kms = LocalKms.builder().port(0).build().start()) {
            Map<String, String> env = LocalKmsRoundTripTest.environment(kms, kms.createKey("benchmark"));
            env.put("KMS_CONCURRENCY", concurrency);
            KmsCryptoHandler handler = new KmsCryptoHandler(env);
            byte[] batchRequest = batchRequest(values);
            List<byte[]> singleRequests = singleRequests(values);

            // Warm up the JIT (both paths, until C2 has compiled the SDK's pipeline), the client and its connections.
            for (int i = 0; i < warmup; i++) {
                invoke(handler, batchRequest);
                for (byte[] request : singleRequests.subList(0, Math.min(100, values))) {
                    invoke(handler, request);
                }
            }

            System.out.printf(Locale.ROOT, "%nKMS Columns Lambda benchmark: %d values of ~30 bytes, encrypt,"
                + " KMS_CONCURRENCY=%s, %d CPUs, load average %s%n%n", values, concurrency,
                Runtime.getRuntime().availableProcessors(), loadAverage());
            System.out.printf(Locale.ROOT, "%-12s %16s %16s %20s %20s %8s%n", "KMS latency", "batch ms",
                "batch values/s", "per-value ms", "per-value values/s", "ratio");
            List<String> ratios = new ArrayList<>();
            for (int latency : latencies) {
                kms.faults().latency(Duration.ofMillis(latency));

                long best = Long.MAX_VALUE;
                for (int round = 0; round < rounds; round++) {
                    long start = System.nanoTime();
                    invoke(handler, batchRequest);
                    best = Math.min(best, System.nanoTime() - start);
                }
                // The single-value requests in as many consecutive windows as batch rounds; the best window counts,
                // as the best batch round does, so that both sides are measured alike on a busy machine.
                long perValue = 0;
                double perValueRate = 0;
                int window = Math.max(1, values / rounds);
                for (int from = 0; from < values; from += window) {
                    List<byte[]> requests = singleRequests.subList(from, Math.min(values, from + window));
                    long start = System.nanoTime();
                    for (byte[] request : requests) {
                        invoke(handler, request);
                    }
                    long elapsed = System.nanoTime() - start;
                    perValue += elapsed;
                    perValueRate = Math.max(perValueRate, requests.size() / (elapsed / 1e9));
                }

                double batchRate = values / (best / 1e9);
                double ratio = batchRate / perValueRate;
                System.out.printf(Locale.ROOT, "%-12s %16.1f %16.0f %20.1f %20.0f %7.1fx%n", latency + " ms",
                    best / 1e6, batchRate, perValue / 1e6, perValueRate, ratio);
                ratios.add(String.format(Locale.ROOT, "%d ms: %.1fx", latency, ratio));
            }
            kms.faults().clear();

            System.out.printf(Locale.ROOT, "%nratio batch/per-value: %s (target at 5 ms: >= 30x); load average %s%n",
                String.join(", ", ratios), loadAverage());
        }
    }

    /** The machine's 1-minute load average: the batch side is CPU-bound, so other work on the machine lowers it. */
    private static String loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f", load);
    }

    private static void invoke(KmsCryptoHandler handler, byte[] request) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(request), out, new CapturingContext());
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
