package io.kmscolumns.local.postgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PostgreSQL cluster of its own: initdb into a fresh temporary directory, started by {@code pg_ctl} on a free
 * loopback port, removed on {@link #close()}.
 *
 * <p>Settings: listens on 127.0.0.1 only, its unix socket in the data directory, {@code trust} authentication
 * (anyone on this machine may connect as any role: the cluster holds test data only), {@code fsync=off} and
 * {@code synchronous_commit=off} for speed (a crash loses the cluster, which is thrown away anyway).
 *
 * <p>initdb and the server refuse to run as root. When this JVM runs as root the cluster runs as the operating
 * system user named by {@code AURORA_LOCAL_PG_USER}, else {@code postgres} (the user Debian's packages create),
 * else {@code nobody}; the temporary directory is given to that user and the commands run through
 * {@code runuser -u <user> --} (or {@code setpriv} where runuser is missing).
 */
final class ThrowawayCluster implements AutoCloseable {

    static final String SUPERUSER = "postgres";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    private static final System.Logger LOG = System.getLogger(ThrowawayCluster.class.getName());

    private final PostgresBinaries binaries;
    private final Path baseDirectory;
    private final Path dataDirectory;
    private final List<String> runAs;
    private final String osUser;
    private final int port;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private ThrowawayCluster(PostgresBinaries binaries, Path baseDirectory, List<String> runAs, String osUser,
            int port) {
        this.binaries = binaries;
        this.baseDirectory = baseDirectory;
        this.dataDirectory = baseDirectory.resolve("data");
        this.runAs = runAs;
        this.osUser = osUser;
        this.port = port;
        this.shutdownHook = new Thread(this::stopAndRemove, "aurora-local-postgres-cleanup");
    }

    static ThrowawayCluster start(PostgresBinaries binaries, Map<String, String> environment) {
        Path base;
        try {
            base = Files.createTempDirectory("aurora-local-pg");
        } catch (IOException e) {
            throw new IllegalStateException("could not create a temporary directory for a PostgreSQL cluster: "
                    + e.getMessage(), e);
        }
        String user = System.getProperty("user.name");
        List<String> runAs = List.of();
        if (runningAsRoot()) {
            user = unprivilegedUser(environment);
            runAs = switchUserCommand(user);
            giveTo(base, user);
        }
        ThrowawayCluster cluster = new ThrowawayCluster(binaries, base, runAs, user, freePort());
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.initdb();
            cluster.startServer();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    int port() {
        return port;
    }

    Path dataDirectory() {
        return dataDirectory;
    }

    String osUser() {
        return osUser;
    }

    PostgresUrl url() {
        return PostgresUrl.of("127.0.0.1", port, "postgres", SUPERUSER, null);
    }

    private void initdb() {
        ExternalCommand.Result result = ExternalCommand.run(
                ExternalCommand.concat(runAs, binaries.initdb().toString(), "-D", dataDirectory.toString(),
                        "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"),
                baseDirectory, COMMAND_TIMEOUT);
        if (!result.succeeded()) {
            throw new IllegalStateException("initdb failed (" + binaries.initdb() + ", as OS user " + osUser
                    + ", exit " + result.exitCode() + "):\n" + result.output());
        }
        // Appended by this (possibly root) process: appending keeps the file's owner.
        String settings = String.join("\n",
                "",
                "# aurora-local throwaway cluster",
                "listen_addresses = '127.0.0.1'",
                "port = " + port,
                "unix_socket_directories = '" + dataDirectory.toString().replace("'", "''") + "'",
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                "max_connections = 200",
                "");
        try {
            Files.writeString(dataDirectory.resolve("postgresql.conf"), settings, StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("could not write " + dataDirectory.resolve("postgresql.conf") + ": "
                    + e.getMessage(), e);
        }
    }

    private void startServer() {
        Path log = baseDirectory.resolve("server.log");
        ExternalCommand.Result result = ExternalCommand.run(
                ExternalCommand.concat(runAs, binaries.pgCtl().toString(), "-D", dataDirectory.toString(),
                        "-l", log.toString(), "-w", "-t", "60", "start"),
                baseDirectory, COMMAND_TIMEOUT);
        if (!result.succeeded()) {
            String serverLog = "";
            try {
                serverLog = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException ignored) {
                // the pg_ctl output below is still worth reporting
            }
            throw new IllegalStateException("pg_ctl start failed (port " + port + ", as OS user " + osUser + "):\n"
                    + result.output() + "\n" + serverLog);
        }
        LOG.log(System.Logger.Level.INFO, "PostgreSQL started from {0} on 127.0.0.1:{1} as OS user {2} (data in {3})",
                binaries.binDirectory(), String.valueOf(port), osUser, dataDirectory);
    }

    @Override
    public void close() {
        stopAndRemove();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // the hook is running or about to run: it finds the cluster already removed
        }
    }

    private synchronized void stopAndRemove() {
        if (closed) {
            return;
        }
        closed = true;
        if (Files.exists(dataDirectory.resolve("postmaster.pid"))) {
            ExternalCommand.Result result = ExternalCommand.run(
                    ExternalCommand.concat(runAs, binaries.pgCtl().toString(), "-D", dataDirectory.toString(),
                            "-m", "fast", "-w", "-t", "30", "stop"),
                    baseDirectory, Duration.ofSeconds(40));
            if (!result.succeeded()) {
                killPostmaster();
            }
        }
        deleteRecursively(baseDirectory);
    }

    private void killPostmaster() {
        try {
            String first = Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).strip();
            ProcessHandle.of(Long.parseLong(first)).ifPresent(ProcessHandle::destroyForcibly);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not stop the PostgreSQL cluster in {0}: {1}",
                    dataDirectory, e.getMessage());
        }
    }

    static boolean runningAsRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static String unprivilegedUser(Map<String, String> environment) {
        String configured = environment.get(PostgresServer.PG_USER_ENV);
        if (configured != null && !configured.isBlank()) {
            if (lookup(configured).isEmpty()) {
                throw new IllegalStateException(PostgresServer.PG_USER_ENV + "=" + configured
                        + " names no operating system user; create it or unset the variable");
            }
            return configured;
        }
        for (String candidate : List.of("postgres", "nobody")) {
            if (lookup(candidate).isPresent()) {
                return candidate;
            }
        }
        throw new IllegalStateException("running as root, and neither OS user postgres nor nobody exists to run "
                + "PostgreSQL (initdb refuses root); set " + PostgresServer.PG_USER_ENV + " to an existing user");
    }

    private static Optional<UserPrincipal> lookup(String user) {
        try {
            return Optional.of(Path.of("/").getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(user));
        } catch (UserPrincipalNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<String> switchUserCommand(String user) {
        for (String runuser : List.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")) {
            if (Files.isExecutable(Path.of(runuser))) {
                return List.of(runuser, "-u", user, "--");
            }
        }
        for (String setpriv : List.of("/usr/bin/setpriv", "/bin/setpriv")) {
            if (Files.isExecutable(Path.of(setpriv))) {
                ExternalCommand.Result gid = ExternalCommand.run(List.of("id", "-g", user), null,
                        Duration.ofSeconds(10));
                if (gid.succeeded()) {
                    return List.of(setpriv, "--reuid=" + user, "--regid=" + gid.output().strip(), "--init-groups");
                }
            }
        }
        throw new IllegalStateException("running as root, and neither runuser nor setpriv (util-linux) is "
                + "installed to start PostgreSQL as " + user + "; install util-linux or run as a non-root user");
    }

    private static void giveTo(Path directory, String user) {
        try {
            Files.setOwner(directory, lookup(user).orElseThrow());
        } catch (IOException e) {
            throw new IllegalStateException("could not give " + directory + " to OS user " + user + ": "
                    + e.getMessage(), e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove {0}: {1}", root, e.getMessage());
        }
    }
}
