package io.kmscolumns.local.lambda;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one function's invocations the way Lambda schedules them.
 *
 * <p>Lambda runs each invocation in an execution environment that serves one invocation at a time and is reused
 * for later ones; concurrent invocations get more environments. This host does the same with handler instances:
 * an idle instance is reused, and a new one is created (a cold start) only when all are busy, so a handler class
 * never sees two concurrent calls on one instance. A handler given as an instance has a single environment shared by
 * every invocation and must therefore be thread-safe. An environment whose invocation timed out is discarded, as
 * Lambda discards it.
 */
final class FunctionHost {

    /** The largest synchronous response Lambda returns. */
    static final int MAX_RESPONSE_BYTES = 6_291_556;

    private final LambdaFunctionDefinition definition;
    private final FunctionArn arn;
    private final ExecutorService executionPool;
    private final HandlerAdapter adapter;
    private final Constructor<?> constructor;
    private final boolean constructorTakesEnvironment;
    private final Deque<ExecutionEnvironment> idle = new ConcurrentLinkedDeque<>();
    private final AtomicLong invocations = new AtomicLong();

    /**
     * Prepares a function; the handler is instantiated only when the first invocation needs it.
     *
     * @throws IllegalArgumentException when the handler class cannot be loaded, is not a handler or has no usable
     *     public constructor
     */
    FunctionHost(LambdaFunctionDefinition definition, FunctionArn arn, ExecutorService executionPool) {
        this.definition = definition;
        this.arn = arn;
        this.executionPool = executionPool;
        if (definition.handler() != null) {
            this.adapter = HandlerAdapter.forClass(definition.handler().getClass());
            this.constructor = null;
            this.constructorTakesEnvironment = false;
            idle.add(new ExecutionEnvironment(definition.handler(), newLogStreamName()));
            return;
        }
        Class<?> handlerClass = loadClass(definition.handlerClass());
        this.adapter = HandlerAdapter.forClass(handlerClass);
        Constructor<?> withEnvironment = publicConstructor(handlerClass, Map.class);
        this.constructor = withEnvironment != null ? withEnvironment : publicConstructor(handlerClass);
        this.constructorTakesEnvironment = withEnvironment != null;
        if (constructor == null) {
            throw new IllegalArgumentException("Handler class " + handlerClass.getName()
                    + " needs a public (Map<String, String>) constructor or a public no-arg constructor");
        }
    }

    FunctionArn arn() {
        return arn;
    }

    LambdaFunctionDefinition definition() {
        return definition;
    }

    long invocationCount() {
        return invocations.get();
    }

    /**
     * Runs one invocation and waits for it, at most for the function's timeout.
     *
     * @throws RejectedExecutionException when every execution thread is busy (the caller answers 429)
     */
    InvocationOutcome invoke(byte[] payload, FunctionArn invokedArn, String requestId, ClientContext clientContext) {
        long startNanos = System.nanoTime();
        long deadlineNanos = startNanos + definition.timeout().toNanos();
        FunctionLog log = new FunctionLog(definition.name(), requestId);
        AtomicBoolean abandoned = new AtomicBoolean();

        Future<byte[]> future = executionPool.submit(() -> {
            invocations.incrementAndGet();
            ExecutionEnvironment environment = acquireEnvironment();
            log.runtimeLine("START RequestId: " + requestId + " Version: " + FunctionArn.LATEST);
            InvocationContext context = new InvocationContext(requestId, invokedArn, environment.logStreamName(),
                    definition.memorySizeMb(), deadlineNanos, clientContext, log);
            try {
                return adapter.invoke(environment.handler(), payload, context);
            } finally {
                if (!abandoned.get()) {
                    idle.offerFirst(environment);
                }
            }
        });

        InvocationOutcome outcome;
        try {
            byte[] result = future.get(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
            outcome = result.length > MAX_RESPONSE_BYTES
                    ? failure(errorBody("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum "
                            + "allowed payload size (" + MAX_RESPONSE_BYTES + " bytes)."), log)
                    : new InvocationOutcome(result, null, log);
        } catch (TimeoutException e) {
            abandoned.set(true);
            future.cancel(true);
            String seconds = String.format(Locale.ROOT, "%.2f", definition.timeout().toMillis() / 1000.0);
            log.runtimeLine(requestId + " Task timed out after " + seconds + " seconds");
            outcome = failure(errorBody("Sandbox.Timedout", "RequestId: " + requestId
                    + " Error: Task timed out after " + seconds + " seconds"), log);
        } catch (ExecutionException e) {
            outcome = failure(errorBody(e.getCause()), log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new LambdaApiException(500, "ServiceException", "The local Lambda endpoint is shutting down");
        }

        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        log.runtimeLine("END RequestId: " + requestId);
        log.runtimeLine("REPORT RequestId: " + requestId + "\tDuration: " + millis + " ms\tBilled Duration: "
                + Math.max(1, millis) + " ms\tMemory Size: " + definition.memorySizeMb() + " MB\t");
        return outcome;
    }

    private ExecutionEnvironment acquireEnvironment() throws Exception {
        ExecutionEnvironment environment = idle.pollFirst();
        if (environment != null) {
            return environment;
        }
        try {
            Object handler = constructorTakesEnvironment
                    ? constructor.newInstance(definition.environment())
                    : constructor.newInstance();
            return new ExecutionEnvironment(handler, newLogStreamName());
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static InvocationOutcome failure(byte[] body, FunctionLog log) {
        return new InvocationOutcome(body, "Unhandled", log);
    }

    private static byte[] errorBody(String errorType, String message) {
        ObjectNode body = HandlerAdapter.JSON.createObjectNode();
        body.put("errorMessage", message);
        body.put("errorType", errorType);
        return write(body);
    }

    /**
     * The error object of Lambda's Java runtime: the exception's fully qualified class name as {@code errorType}
     * (the runtime uses {@code getClass().getName()}), its message (the class name when it has none), the stack
     * trace down to the handler's entry point (the runtime's own frames are left out), and the cause, nested the
     * same way.
     */
    private static byte[] errorBody(Throwable error) {
        return write(errorNode(error, 0));
    }

    private static ObjectNode errorNode(Throwable error, int depth) {
        ObjectNode node = HandlerAdapter.JSON.createObjectNode();
        String message = error.getLocalizedMessage();
        node.put("errorMessage", message == null ? error.getClass().getName() : message);
        node.put("errorType", error.getClass().getName());
        ArrayNode stackTrace = node.putArray("stackTrace");
        for (StackTraceElement frame : error.getStackTrace()) {
            if (frame.getClassName().equals(HandlerAdapter.class.getName())) {
                break;
            }
            stackTrace.add(frame.toString());
        }
        if (error.getCause() != null && error.getCause() != error && depth < 8) {
            node.set("cause", errorNode(error.getCause(), depth + 1));
        }
        return node;
    }

    private static byte[] write(ObjectNode body) {
        try {
            return HandlerAdapter.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise a Lambda error object", e);
        }
    }

    private static Class<?> loadClass(String name) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try {
            return Class.forName(name, false, loader != null ? loader : FunctionHost.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("Handler class " + name + " cannot be loaded: " + e
                    + "; put its jar on the class path of the local Lambda", e);
        }
    }

    private static Constructor<?> publicConstructor(Class<?> type, Class<?>... parameterTypes) {
        try {
            return type.getConstructor(parameterTypes);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static String newLogStreamName() {
        return InvocationContext.newLogStreamName(UUID.randomUUID().toString().replace("-", ""));
    }

    /** One handler instance and the log stream Lambda would name after its environment. */
    private record ExecutionEnvironment(Object handler, String logStreamName) {
    }
}
