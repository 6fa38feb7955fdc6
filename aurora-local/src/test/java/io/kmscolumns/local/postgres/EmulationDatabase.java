package io.kmscolumns.local.postgres;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A throwaway database on the server named by {@code AURORA_LOCAL_JDBC_URL}, dropped by {@link #close()}. */
final class EmulationDatabase implements AutoCloseable {

    private static final Pattern URL = Pattern.compile("(jdbc:postgresql://[^/?]+/)([^?]*)(\\?.*)?");

    private final String serverUrl;
    private final String name;

    private EmulationDatabase(String serverUrl, String name) {
        this.serverUrl = serverUrl;
        this.name = name;
    }

    /** Creates {@code <prefix>_<random>}; skips the calling test class when no server is configured. */
    static EmulationDatabase create(String prefix) throws SQLException {
        String url = System.getenv("AURORA_LOCAL_JDBC_URL");
        Assumptions.assumeTrue(url != null && !url.isBlank(),
                "AURORA_LOCAL_JDBC_URL is not set: point it at a PostgreSQL 13+ superuser with plpython3u, e.g."
                        + " jdbc:postgresql://127.0.0.1:55432/postgres?user=postgres");
        EmulationDatabase database = new EmulationDatabase(url,
                prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database.name);
        }
        return database;
    }

    String name() {
        return name;
    }

    /** A superuser connection to this database. */
    Connection connect() throws SQLException {
        Matcher matcher = URL.matcher(serverUrl);
        if (!matcher.matches()) {
            throw new IllegalStateException("AURORA_LOCAL_JDBC_URL is not of the form "
                    + "jdbc:postgresql://host:port/database?user=...: " + serverUrl);
        }
        String query = matcher.group(3) == null ? "" : matcher.group(3);
        return DriverManager.getConnection(matcher.group(1) + name + query);
    }

    /** A superuser connection to the server's maintenance database. */
    Connection connectToServer() throws SQLException {
        return DriverManager.getConnection(serverUrl);
    }

    @Override
    public void close() throws SQLException {
        try (Connection connection = DriverManager.getConnection(serverUrl);
             Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
