package io.kmscolumns.local.junit;

import io.kmscolumns.local.LocalAurora;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A database of the local stack created for one test class by {@link LocalAuroraExtension}: the {@code aws_lambda}
 * emulation is installed and points at the stack's Lambda endpoint. Dropped when the class has run.
 */
public final class LocalAuroraDatabase {

    private final LocalAurora stack;
    private final String jdbcUrl;
    private final String name;

    LocalAuroraDatabase(LocalAurora stack, String name, String jdbcUrl) {
        this.stack = stack;
        this.name = name;
        this.jdbcUrl = jdbcUrl;
    }

    /** The database's name. */
    public String name() {
        return name;
    }

    /** Its superuser JDBC URL. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** Its URI for psql. */
    public String psqlUrl() {
        return stack.postgres().psqlUrl(name);
    }

    /** A new superuser connection to it. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl);
    }

    /** The stack it belongs to (shared with other test classes). */
    public LocalAurora stack() {
        return stack;
    }

    void drop() {
        stack.dropDatabase(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
