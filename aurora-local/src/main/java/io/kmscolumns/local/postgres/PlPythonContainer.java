package io.kmscolumns.local.postgres;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Future;

/**
 * PostgreSQL 15 with PL/Python in a Docker container, through Testcontainers. The image is built from
 * {@code postgres:15} plus Debian's {@code postgresql-plpython3-15}. Testcontainers is an optional dependency of
 * aurora-local, so it is reached by reflection: this class loads without it.
 */
final class PlPythonContainer implements AutoCloseable {

    static final String IMAGE_NAME = "kmscolumns/aurora-local-postgres:15-plpython3";
    static final String DOCKERFILE = String.join("\n",
            "FROM postgres:15",
            "RUN apt-get update \\",
            " && apt-get install -y --no-install-recommends postgresql-plpython3-15 \\",
            " && rm -rf /var/lib/apt/lists/*",
            "");

    private final Object container;
    private final PostgresUrl url;

    private PlPythonContainer(Object container, PostgresUrl url) {
        this.container = container;
        this.url = url;
    }

    /** Whether Testcontainers is on the classpath (the Docker engine is not asked). */
    static boolean onClasspath() {
        try {
            Class.forName("org.testcontainers.DockerClientFactory", false, PlPythonContainer.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Whether Testcontainers is on the classpath and finds a Docker engine. */
    static boolean dockerAvailable() {
        if (!onClasspath()) {
            return false;
        }
        try {
            Class<?> factory = Class.forName("org.testcontainers.DockerClientFactory");
            Object instance = factory.getMethod("instance").invoke(null);
            return (Boolean) factory.getMethod("isDockerAvailable").invoke(instance);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    static PlPythonContainer start() {
        try {
            Class<?> imageClass = Class.forName("org.testcontainers.images.builder.ImageFromDockerfile");
            // deleteOnExit=false: the built image stays cached for the next run.
            Object image = imageClass.getConstructor(String.class, boolean.class).newInstance(IMAGE_NAME, false);
            image = imageClass.getMethod("withFileFromString", String.class, String.class)
                    .invoke(image, "Dockerfile", DOCKERFILE);
            String builtImage = (String) ((Future<?>) image).get();

            Class<?> nameClass = Class.forName("org.testcontainers.utility.DockerImageName");
            Object name = nameClass.getMethod("parse", String.class).invoke(null, builtImage);
            name = nameClass.getMethod("asCompatibleSubstituteFor", String.class).invoke(name, "postgres");

            Class<?> containerClass = containerClass();
            Object container = containerClass.getConstructor(nameClass).newInstance(name);
            containerClass.getMethod("start").invoke(container);

            PostgresUrl jdbc = PostgresUrl.parse((String) call(container, "getJdbcUrl"));
            PostgresUrl url = PostgresUrl.of(jdbc.host(), jdbc.port(), jdbc.database(),
                    (String) call(container, "getUsername"), (String) call(container, "getPassword"));
            return new PlPythonContainer(container, url);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("could not start PostgreSQL with PL/Python in Docker: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building " + IMAGE_NAME, e);
        } catch (Exception e) {
            throw new IllegalStateException("could not start PostgreSQL with PL/Python in Docker: " + e, e);
        }
    }

    private static Class<?> containerClass() throws ClassNotFoundException {
        try {
            return Class.forName("org.testcontainers.postgresql.PostgreSQLContainer");
        } catch (ClassNotFoundException olderTestcontainers) {
            return Class.forName("org.testcontainers.containers.PostgreSQLContainer");
        }
    }

    private static Object call(Object target, String method) throws ReflectiveOperationException {
        Method m = target.getClass().getMethod(method);
        return m.invoke(target);
    }

    PostgresUrl url() {
        return url;
    }

    @Override
    public void close() {
        try {
            container.getClass().getMethod("stop").invoke(container);
        } catch (ReflectiveOperationException e) {
            System.getLogger(PlPythonContainer.class.getName()).log(System.Logger.Level.WARNING,
                    "could not stop the PostgreSQL container: {0}", e.toString());
        }
    }
}
