package io.kmscolumns.local.lambda;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@link LocalLambda} needs to host one function: its name, its handler and the configuration Lambda would give
 * it (environment, timeout, memory size).
 *
 * <p>A handler is either a class name, instantiated once per execution environment through a public
 * {@code (Map<String, String>)} constructor receiving the environment when it has one, else its public no-arg
 * constructor; or a ready-made instance, which is then shared by concurrent invocations and must be thread-safe.
 * Either way it must implement {@code RequestHandler} or {@code RequestStreamHandler} from aws-lambda-java-core.
 */
public final class LambdaFunctionDefinition {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(900);

    private final String name;
    private final String handlerClass;
    private final Object handler;
    private final Map<String, String> environment;
    private final Duration timeout;
    private final int memorySizeMb;

    private LambdaFunctionDefinition(Builder builder) {
        this.name = builder.name;
        this.handlerClass = builder.handlerClass;
        this.handler = builder.handler;
        this.environment = Map.copyOf(builder.environment);
        this.timeout = builder.timeout;
        this.memorySizeMb = builder.memorySizeMb;
    }

    /** Starts a definition; {@code name} and one of {@code handlerClass} or {@code handler} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The function name, unique within a {@link LocalLambda}. */
    public String name() {
        return name;
    }

    /** The handler's class name, or {@code null} when an instance was given. */
    public String handlerClass() {
        return handlerClass;
    }

    /** The shared handler instance, or {@code null} when a class name was given. */
    public Object handler() {
        return handler;
    }

    /** The function's environment variables. */
    public Map<String, String> environment() {
        return environment;
    }

    /** How long one invocation may run before it ends with a {@code Sandbox.Timedout} function error. */
    public Duration timeout() {
        return timeout;
    }

    /** The memory size reported to the handler through its {@code Context}; nothing enforces it. */
    public int memorySizeMb() {
        return memorySizeMb;
    }

    /** Builder of {@link LambdaFunctionDefinition}. */
    public static final class Builder {
        private String name;
        private String handlerClass;
        private Object handler;
        private Map<String, String> environment = Map.of();
        private Duration timeout = Duration.ofSeconds(3);
        private int memorySizeMb = 128;

        private Builder() {
        }

        /** The function name: 1 to 64 letters, digits, hyphens or underscores. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The fully qualified name of the handler class, instantiated once per execution environment. */
        public Builder handlerClass(String handlerClass) {
            this.handlerClass = handlerClass;
            return this;
        }

        /** A handler instance shared by all invocations; it must be thread-safe. */
        public Builder handler(Object handler) {
            this.handler = handler;
            return this;
        }

        /** The function's environment variables (Lambda's default is none). */
        public Builder environment(Map<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /** The function timeout: positive, at most 900 seconds (Lambda's default, kept here, is 3 seconds). */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** The memory size in MB reported by {@code Context.getMemoryLimitInMB()} (default 128). */
        public Builder memorySizeMb(int memorySizeMb) {
            this.memorySizeMb = memorySizeMb;
            return this;
        }

        /**
         * Builds the definition.
         *
         * @throws IllegalArgumentException when the name, the handler, the timeout or the memory size is invalid
         */
        public LambdaFunctionDefinition build() {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Lambda function name '" + name
                        + "' is invalid: use 1 to 64 letters, digits, hyphens or underscores");
            }
            if ((handlerClass == null) == (handler == null)) {
                throw new IllegalArgumentException("Lambda function '" + name
                        + "' needs exactly one of handlerClass(String) or handler(Object)");
            }
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("Lambda function '" + name + "' has timeout " + timeout
                        + ": it must be positive and at most 900 seconds");
            }
            if (memorySizeMb < 128 || memorySizeMb > 10_240) {
                throw new IllegalArgumentException("Lambda function '" + name + "' has memory size " + memorySizeMb
                        + " MB: it must be between 128 and 10240 MB");
            }
            return new LambdaFunctionDefinition(this);
        }
    }
}
