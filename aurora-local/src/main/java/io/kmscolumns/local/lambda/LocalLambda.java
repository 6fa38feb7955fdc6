package io.kmscolumns.local.lambda;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.sun.net.httpserver.HttpServer;
import io.kmscolumns.local.http.LoopbackHttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A local AWS Lambda endpoint: the Invoke REST API on {@code 127.0.0.1}, running Java handlers in this JVM.
 *
 * <p>It speaks enough of the Lambda API for the AWS SDK v2 {@code LambdaClient}, the AWS CLI and the
 * {@code aws_lambda} emulation to work unchanged: {@code POST /2015-03-31/functions/{FunctionName}/invocations}
 * with a name, partial ARN or full ARN (resolved against this endpoint's account and region), the
 * {@code RequestResponse}, {@code Event} and {@code DryRun} invocation types, the log tail, the client context,
 * function errors ({@code X-Amz-Function-Error: Unhandled}), timeouts ({@code Sandbox.Timedout}), the payload
 * limits and Lambda's API errors ({@code ResourceNotFoundException}, {@code TooManyRequestsException}, ...).
 * Requests are not authenticated: any credentials are accepted.
 *
 * <p>Concurrency: up to {@code concurrency} invocations run at once, each on its own handler instance (see
 * {@link LambdaFunctionDefinition}); beyond that the endpoint answers 429 like a throttled Lambda.
 *
 * <pre>{@code
 * try (LocalLambda lambda = LocalLambda.builder().port(0).build().start()) {
 *     lambda.register(LambdaFunctionDefinition.builder().name("echo").handlerClass("com.example.Echo").build());
 *     URI endpoint = lambda.endpoint();
 * }
 * }</pre>
 */
public final class LocalLambda implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LocalLambda.class.getName());
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-\\d");
    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    private static final int MAX_QUEUED_EVENTS = 10_000;
    private static final long EVENT_RETRY_MILLIS = 50;

    private final int port;
    private final String region;
    private final String accountId;
    private final int concurrency;
    private final Map<String, FunctionHost> functions = new ConcurrentHashMap<>();

    // Threads are created on demand, so an endpoint that is built but never started holds none.
    private final ThreadPoolExecutor executionPool;
    private final ThreadPoolExecutor eventPool;
    private HttpServer server;
    private ExecutorService httpPool;
    private boolean closed;

    private LocalLambda(Builder builder) {
        this.port = builder.port;
        this.region = builder.region;
        this.accountId = builder.accountId;
        this.concurrency = builder.concurrency;
        this.executionPool = new ThreadPoolExecutor(0, concurrency, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemonThreads("local-lambda-exec-"));
        this.eventPool = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED_EVENTS), daemonThreads("local-lambda-event-"));
    }

    /** Starts a configuration: port 0 (any free port), region {@code us-east-1}, account {@code 000000000000}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the endpoint on {@code 127.0.0.1} and starts serving.
     *
     * @return this endpoint
     * @throws UncheckedIOException when the port cannot be bound
     * @throws IllegalStateException when already started or closed (an endpoint cannot be restarted)
     */
    public synchronized LocalLambda start() {
        if (server != null || closed) {
            throw new IllegalStateException("The local Lambda endpoint is already started or closed; build a new one");
        }
        // Each HTTP thread waits for its invocation, so one per concurrent invocation plus a few for errors.
        httpPool = Executors.newFixedThreadPool(concurrency + 4, daemonThreads("local-lambda-http-"));
        try {
            server = LoopbackHttpServer.create(port, 256);
        } catch (IOException e) {
            shutdownPools();
            throw new UncheckedIOException("Cannot bind the local Lambda endpoint to 127.0.0.1:" + port
                    + "; choose another port or 0 for any free port", e);
        }
        server.createContext("/", new InvokeEndpoint(this));
        server.setExecutor(httpPool);
        server.start();
        LOG.log(System.Logger.Level.INFO, "Local Lambda endpoint listening at {0}", endpoint());
        return this;
    }

    /**
     * Hosts a function, before or after {@link #start()}; a function of the same name is replaced.
     *
     * @return this endpoint
     * @throws IllegalArgumentException when the handler class cannot be loaded, implements neither handler interface
     *     or has no usable public constructor
     */
    public LocalLambda register(LambdaFunctionDefinition definition) {
        Objects.requireNonNull(definition, "definition");
        FunctionArn arn = new FunctionArn("aws", region, accountId, definition.name(), null);
        functions.put(definition.name(), new FunctionHost(definition, arn, executionPool));
        return this;
    }

    /** The endpoint's base URI, {@code http://127.0.0.1:<port>}, for an SDK's {@code endpointOverride}. */
    public URI endpoint() {
        HttpServer bound = requireStarted();
        return URI.create("http://127.0.0.1:" + bound.getAddress().getPort());
    }

    /** The region function ARNs are resolved in. */
    public String region() {
        return region;
    }

    /** The account function ARNs are resolved in. */
    public String accountId() {
        return accountId;
    }

    /**
     * The full, unqualified ARN of a hosted function.
     *
     * @throws IllegalArgumentException when no function of that name is registered
     */
    public String functionArn(String functionName) {
        return hostNamed(functionName).arn().unqualifiedArn();
    }

    /**
     * How many invocations of a function have started (synchronous and {@code Event}; {@code DryRun} and throttled
     * requests are not invocations).
     *
     * @throws IllegalArgumentException when no function of that name is registered
     */
    public long invocationCount(String functionName) {
        return hostNamed(functionName).invocationCount();
    }

    /** Stops serving; running invocations are interrupted and queued events dropped. */
    @Override
    public synchronized void close() {
        closed = true;
        if (server != null) {
            server.stop(0);
            server = null;
        }
        shutdownPools();
    }

    /** The host of the function an Invoke request names, or the API error Lambda gives when there is none. */
    FunctionHost host(FunctionArn invoked) {
        FunctionHost host = functions.get(invoked.functionName());
        if (host == null || !host.arn().region().equals(invoked.region())
                || !host.arn().accountId().equals(invoked.accountId())
                || !host.arn().partition().equals(invoked.partition())
                || (invoked.qualifier() != null && !FunctionArn.LATEST.equals(invoked.qualifier()))) {
            // Only the unpublished version exists locally: versions and aliases are unknown.
            throw LambdaApiException.functionNotFound(invoked);
        }
        return host;
    }

    /**
     * Queues an {@code Event} invocation. Like Lambda, a throttled event is retried rather than lost.
     *
     * @throws RejectedExecutionException when the event queue is full
     */
    void invokeAsync(FunctionHost host, byte[] payload, FunctionArn invoked, String requestId,
                     ClientContext clientContext) {
        eventPool.execute(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    InvocationOutcome outcome = host.invoke(payload, invoked, requestId, clientContext);
                    if (outcome.functionError() != null) {
                        LOG.log(System.Logger.Level.DEBUG, "Event invocation {0} of {1} failed",
                                requestId, invoked.functionName());
                    }
                    return;
                } catch (RejectedExecutionException e) {
                    try {
                        Thread.sleep(EVENT_RETRY_MILLIS);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                } catch (LambdaApiException e) {
                    return;
                }
            }
        });
    }

    private FunctionHost hostNamed(String functionName) {
        FunctionHost host = functions.get(functionName);
        if (host == null) {
            throw new IllegalArgumentException("No Lambda function named '" + functionName
                    + "' is registered; registered: " + functions.keySet());
        }
        return host;
    }

    private synchronized HttpServer requireStarted() {
        if (server == null) {
            throw new IllegalStateException("The local Lambda endpoint is not started");
        }
        return server;
    }

    private void shutdownPools() {
        for (ExecutorService pool : new ExecutorService[] {httpPool, executionPool, eventPool}) {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Builder of {@link LocalLambda}. */
    public static final class Builder {
        private int port;
        private String region = "us-east-1";
        private String accountId = "000000000000";
        private int concurrency = 32;

        private Builder() {
        }

        /** The TCP port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("Port " + port + " is out of range 0..65535");
            }
            this.port = port;
            return this;
        }

        /** The region in which names and partial ARNs resolve (default {@code us-east-1}). */
        public Builder region(String region) {
            if (region == null || !REGION.matcher(region).matches()) {
                throw new IllegalArgumentException("Region '" + region + "' is not a region name like us-east-1");
            }
            this.region = region;
            return this;
        }

        /** The 12-digit account in which names resolve (default {@code 000000000000}). */
        public Builder accountId(String accountId) {
            if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
                throw new IllegalArgumentException("Account id '" + accountId + "' must be exactly 12 digits");
            }
            this.accountId = accountId;
            return this;
        }

        /** How many invocations may run at once before the endpoint throttles with 429 (default 32). */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1 || concurrency > 1_000) {
                throw new IllegalArgumentException("Concurrency " + concurrency + " is out of range 1..1000");
            }
            this.concurrency = concurrency;
            return this;
        }

        /** Builds the endpoint; call {@link LocalLambda#start()} to serve. */
        public LocalLambda build() {
            return new LocalLambda(this);
        }
    }
}
