package io.kmscolumns.local.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Small handlers the Lambda and emulation tests host. */
public final class TestHandlers {

    private TestHandlers() {
    }

    /** Echoes its input with what the environment and the context say. */
    public static final class Echo implements RequestHandler<Map<String, Object>, Map<String, Object>> {
        private final Map<String, String> environment;

        public Echo(Map<String, String> environment) {
            this.environment = environment;
        }

        @Override
        public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
            context.getLogger().log("echo handled a request");
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("input", input);
            result.put("greeting", environment.get("GREETING"));
            result.put("functionName", context.getFunctionName());
            result.put("invokedArn", context.getInvokedFunctionArn());
            result.put("requestId", context.getAwsRequestId());
            result.put("remainingMillis", context.getRemainingTimeInMillis());
            result.put("memory", context.getMemoryLimitInMB());
            result.put("clientCustom", context.getClientContext() == null
                    ? null : context.getClientContext().getCustom());
            return result;
        }
    }

    /** Upper-cases the raw payload. */
    public static final class Upper implements RequestStreamHandler {
        @Override
        public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
            String text = new String(input.readAllBytes(), StandardCharsets.UTF_8);
            output.write(text.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A POJO event. */
    public static final class Greeting {
        public String name;
    }

    /** Binds a POJO and returns a string. */
    public static final class Greeter implements RequestHandler<Greeting, String> {
        @Override
        public String handleRequest(Greeting input, Context context) {
            return "hello " + input.name;
        }
    }

    /** Always fails. */
    public static final class Failing implements RequestHandler<Map<String, Object>, String> {
        @Override
        public String handleRequest(Map<String, Object> input, Context context) {
            context.getLogger().log("about to fail");
            throw new IllegalStateException("the handler failed on purpose");
        }
    }

    /** Sleeps for {@code millis} milliseconds, then answers {@code {"slept": millis}}. */
    public static final class Sleeper implements RequestHandler<Map<String, Object>, Map<String, Object>> {
        @Override
        public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
            long millis = ((Number) input.getOrDefault("millis", 0)).longValue();
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.of("slept", millis);
        }
    }

    /** Answers a string of {@code size} characters. */
    public static final class Big implements RequestHandler<Map<String, Object>, String> {
        @Override
        public String handleRequest(Map<String, Object> input, Context context) {
            return "x".repeat(((Number) input.get("size")).intValue());
        }
    }

    /** Logs {@code lines} numbered lines. */
    public static final class Chatty implements RequestHandler<Map<String, Object>, String> {
        @Override
        public String handleRequest(Map<String, Object> input, Context context) {
            int lines = ((Number) input.get("lines")).intValue();
            for (int i = 0; i < lines; i++) {
                context.getLogger().log("line " + i);
            }
            return "logged";
        }
    }

    /** Records which instances served and whether one instance ever ran two calls at once. */
    public static final class Tracking implements RequestHandler<Map<String, Object>, Integer> {
        static final Set<Integer> INSTANCES = ConcurrentHashMap.newKeySet();
        static final AtomicInteger OVERLAPS = new AtomicInteger();
        static final AtomicInteger CONSTRUCTED = new AtomicInteger();

        private final AtomicInteger running = new AtomicInteger();

        public Tracking() {
            CONSTRUCTED.incrementAndGet();
        }

        @Override
        public Integer handleRequest(Map<String, Object> input, Context context) {
            if (running.incrementAndGet() > 1) {
                OVERLAPS.incrementAndGet();
            }
            try {
                INSTANCES.add(System.identityHashCode(this));
                Thread.sleep(((Number) input.getOrDefault("millis", 0)).longValue());
                return System.identityHashCode(this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            } finally {
                running.decrementAndGet();
            }
        }
    }
}
