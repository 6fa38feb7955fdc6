package io.kmscolumns.local.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds a PostgreSQL server installation ({@code initdb} and {@code pg_ctl}) on this machine, in this order: the
 * directories of {@code PATH}, {@code pg_config --bindir}, and the newest {@code /usr/lib/postgresql/<major>/bin}
 * (Debian's layout, whose binaries are not on {@code PATH}).
 */
final class PostgresBinaries {

    private final Path binDirectory;

    private PostgresBinaries(Path binDirectory) {
        this.binDirectory = binDirectory;
    }

    Path binDirectory() {
        return binDirectory;
    }

    Path initdb() {
        return binDirectory.resolve("initdb");
    }

    Path pgCtl() {
        return binDirectory.resolve("pg_ctl");
    }

    /**
     * @param environment where {@code PATH} is read from
     * @param debianRoot  the directory holding one {@code <major>/bin} per installed version
     */
    static Optional<PostgresBinaries> find(Map<String, String> environment, Path debianRoot) {
        List<Path> path = pathDirectories(environment);
        for (Path directory : path) {
            Optional<Path> bin = serverBinDirectory(directory.resolve("initdb"));
            if (bin.isPresent()) {
                return bin.map(PostgresBinaries::new);
            }
        }
        for (Path directory : path) {
            Path pgConfig = directory.resolve("pg_config");
            if (Files.isExecutable(pgConfig)) {
                ExternalCommand.Result result =
                        ExternalCommand.run(List.of(pgConfig.toString(), "--bindir"), null, Duration.ofSeconds(10));
                if (result.succeeded() && !result.output().isBlank()) {
                    Optional<Path> bin = serverBinDirectory(Path.of(result.output().strip()).resolve("initdb"));
                    if (bin.isPresent()) {
                        return bin.map(PostgresBinaries::new);
                    }
                }
                break;
            }
        }
        return newestDebianVersion(debianRoot).map(PostgresBinaries::new);
    }

    private static List<Path> pathDirectories(Map<String, String> environment) {
        List<Path> directories = new ArrayList<>();
        String path = environment.getOrDefault("PATH", "");
        for (String entry : path.split(":")) {
            if (!entry.isBlank()) {
                directories.add(Path.of(entry));
            }
        }
        return directories;
    }

    /** The real directory of an {@code initdb} (PATH often holds symlinks) when {@code pg_ctl} sits next to it. */
    private static Optional<Path> serverBinDirectory(Path initdb) {
        if (!Files.isExecutable(initdb)) {
            return Optional.empty();
        }
        try {
            Path directory = initdb.toRealPath().getParent();
            return Files.isExecutable(directory.resolve("pg_ctl")) ? Optional.of(directory) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> newestDebianVersion(Path debianRoot) {
        if (!Files.isDirectory(debianRoot)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(debianRoot)) {
            return versions
                    .filter(p -> p.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .filter(p -> Files.isExecutable(p.resolve("bin/initdb")))
                    .filter(p -> Files.isExecutable(p.resolve("bin/pg_ctl")))
                    .max(Comparator.comparingDouble(p -> Double.parseDouble(p.getFileName().toString())))
                    .map(p -> p.resolve("bin"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return binDirectory.toString();
    }
}
