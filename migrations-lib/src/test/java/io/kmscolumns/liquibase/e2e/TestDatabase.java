package io.kmscolumns.liquibase.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Plain JDBC against a test database, each call on its own connection, for setting up and reading back rows. */
final class TestDatabase {

    private final String url;

    TestDatabase(String url) {
        this.url = url;
    }

    /** Runs the statements in order, each committed on its own. */
    void execute(String... statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    /** The first column of every row the query returns. */
    List<String> strings(String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    /** The first column of the first row. */
    String string(String query) throws SQLException {
        return strings(query).get(0);
    }
}
