package io.kmscolumns.local.junit;

import io.kmscolumns.local.LocalAurora;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that hands tests the local stack: a {@link LocalAurora} (KMS, the Lambda endpoint and a
 * PostgreSQL database with the {@code aws_lambda} emulation) and a fresh database per test class.
 *
 * <pre>{@code
 * @ExtendWith(LocalAuroraExtension.class)
 * class CustomerTableTest {
 *
 *     @Test
 *     void encryptsThroughTheLambda(LocalAuroraDatabase database) throws SQLException {
 *         try (Connection connection = database.connect()) {
 *             // aws_lambda.invoke(...) reaches the stack's Lambda endpoint from here
 *         }
 *     }
 *
 *     @Test
 *     void keyIsDisabled(LocalAurora stack) {
 *         stack.kms().disableKey(stack.keyArn());
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>Parameters it resolves, in test methods, lifecycle methods and constructors:
 * <ul>
 *   <li>{@link LocalAurora}: one stack per JVM and configuration, started on first use and shared by every test
 *       class; stopped when the test run ends (JUnit's root store closes it). Tests that change shared state
 *       (key state, KMS faults, restarts) must undo it.</li>
 *   <li>{@link LocalAuroraDatabase}: a database created for the test class on the stack's server, with the
 *       emulation installed and pointed at the stack's Lambda endpoint; dropped when the class has run.</li>
 * </ul>
 *
 * <p>Where the database server comes from is {@link io.kmscolumns.local.postgres.PostgresServer#start()}'s choice:
 * the environment variable {@code AURORA_LOCAL_JDBC_URL}, else a throwaway cluster from local binaries, else
 * Testcontainers, else the test fails with a message saying how to get one.
 *
 * <p>Configuration: the function's handler class is {@value LocalAurora#DEFAULT_HANDLER} (lambda-fn must then be
 * on the test classpath) unless the JUnit configuration parameter {@value #HANDLER_PARAMETER} (a system property or
 * an entry of {@code junit-platform.properties}) names another, or the extension is registered with one:
 * <pre>{@code
 * @RegisterExtension
 * static final LocalAuroraExtension AURORA = LocalAuroraExtension.withHandler("com.example.MyHandler");
 * }</pre>
 * The region comes from {@value #REGION_PARAMETER} (default us-east-1).
 */
public final class LocalAuroraExtension implements ParameterResolver {

    /** JUnit configuration parameter naming the handler class of the stack's function. */
    public static final String HANDLER_PARAMETER = "aurora-local.handler";
    /** JUnit configuration parameter naming the stack's region. */
    public static final String REGION_PARAMETER = "aurora-local.region";

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(LocalAuroraExtension.class);

    private final String handlerClass;

    /** The extension as {@code @ExtendWith} creates it: configured by JUnit configuration parameters. */
    public LocalAuroraExtension() {
        this(null);
    }

    private LocalAuroraExtension(String handlerClass) {
        this.handlerClass = handlerClass;
    }

    /** The extension serving the given handler class, for {@code @RegisterExtension}. */
    public static LocalAuroraExtension withHandler(String handlerClass) {
        return new LocalAuroraExtension(Objects.requireNonNull(handlerClass, "handlerClass"));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == LocalAurora.class || type == LocalAuroraDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        LocalAurora stack = stack(context);
        if (type == LocalAurora.class) {
            return stack;
        }
        ExtensionContext classContext = classContext(context);
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(
                new DatabaseKey(stack),
                key -> new ClassDatabase(stack, databaseName(classContext)),
                ClassDatabase.class).database;
    }

    private LocalAurora stack(ExtensionContext context) {
        String handler = handlerClass != null ? handlerClass
                : context.getConfigurationParameter(HANDLER_PARAMETER).orElse(LocalAurora.DEFAULT_HANDLER);
        String region = context.getConfigurationParameter(REGION_PARAMETER).orElse("us-east-1");
        StackKey key = new StackKey(handler, region);
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(key,
                k -> {
                    try {
                        return new SharedStack(LocalAurora.builder().handlerClass(k.handler()).region(k.region())
                                .build().start());
                    } catch (RuntimeException e) {
                        throw new ParameterResolutionException("could not start the local stack: " + e.getMessage(),
                                e);
                    }
                },
                SharedStack.class).stack;
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestClass().isPresent()) {
            Optional<ExtensionContext> parent = current.getParent();
            if (parent.isEmpty() || parent.get().getTestClass().isEmpty()) {
                return current;
            }
            current = parent.get();
        }
        return current;
    }

    /** {@code t_<class name>_<random>}, within PostgreSQL's 63-byte identifier limit. */
    private static String databaseName(ExtensionContext classContext) {
        String simpleName = classContext.getTestClass().map(Class::getSimpleName).orElse("test");
        String cleaned = simpleName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String random = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        return "t_" + (cleaned.length() > 40 ? cleaned.substring(0, 40) : cleaned) + "_" + random;
    }

    private record StackKey(String handler, String region) {
    }

    private record DatabaseKey(LocalAurora stack) {
    }

    /**
     * The JVM-wide stack, closed by JUnit when the root context closes. JUnit 5.13+ closes AutoCloseable store
     * values; older versions close CloseableResource ones; a value that is both is closed once.
     */
    @SuppressWarnings("deprecation")
    private static final class SharedStack implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        private final LocalAurora stack;

        SharedStack(LocalAurora stack) {
            this.stack = stack;
        }

        @Override
        public void close() {
            stack.close();
        }
    }

    /** A test class's database, dropped when the class's context closes. */
    @SuppressWarnings("deprecation") // see SharedStack
    private static final class ClassDatabase implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        private final LocalAuroraDatabase database;

        ClassDatabase(LocalAurora stack, String name) {
            this.database = new LocalAuroraDatabase(stack, name, stack.createDatabase(name));
        }

        @Override
        public void close() {
            database.drop();
        }
    }
}
