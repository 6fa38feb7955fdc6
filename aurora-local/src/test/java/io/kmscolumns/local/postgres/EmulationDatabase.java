package io.kmscolumns.local.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A throwaway database, dropped by {@link #close()}, on the one server this test JVM uses: the one named by
 * {@code AURORA_LOCAL_JDBC_URL}, else a cluster started from the local PostgreSQL binaries (see
 * {@link PostgresServer#start()}), so that a plain {@code mvn verify} runs these tests too.
 */
final class EmulationDatabase implements AutoCloseable {

    private static PostgresServer server;

    private final PostgresServer host;
    private final String name;

    private EmulationDatabase(PostgresServer host, String name) {
        this.host = host;
        this.name = name;
    }

    /** Creates {@code <prefix>_<random>}. */
    static EmulationDatabase create(String prefix) throws SQLException {
        PostgresServer host = server();
        EmulationDatabase database = new EmulationDatabase(host,
                prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        try (Connection connection = host.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database.name);
        }
        return database;
    }

    /** The server, started on first use and left to PostgresServer's own shutdown hook when it owns a cluster. */
    private static synchronized PostgresServer server() {
        if (server == null) {
            server = PostgresServer.start();
        }
        return server;
    }

    String name() {
        return name;
    }

    /** A superuser connection to this database. */
    Connection connect() throws SQLException {
        return host.connect(name);
    }

    @Override
    public void close() throws SQLException {
        try (Connection connection = host.connect(); Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
