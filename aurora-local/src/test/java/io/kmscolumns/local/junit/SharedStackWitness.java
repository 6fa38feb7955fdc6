package io.kmscolumns.local.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmscolumns.local.LocalAurora;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the extension's test classes saw, so that a later class can check it gets the same stack and that an
 * earlier class's database is gone (test classes run one after the other).
 */
final class SharedStackWitness {

    private static final AtomicReference<LocalAurora> FIRST = new AtomicReference<>();
    private static final List<String> FINISHED_CLASS_DATABASES = new ArrayList<>();

    private SharedStackWitness() {
    }

    static synchronized void classFinished(LocalAurora stack, LocalAuroraDatabase database) {
        FIRST.compareAndSet(null, stack);
        assertThat(stack).isSameAs(FIRST.get());
        FINISHED_CLASS_DATABASES.add(database.name());
    }

    static synchronized void assertEarlierClassDatabasesDropped(LocalAurora stack) throws SQLException {
        try (Connection connection = stack.postgres().connect(); PreparedStatement statement =
                connection.prepareStatement("SELECT count(*) FROM pg_database WHERE datname = ANY (?)")) {
            statement.setArray(1, connection.createArrayOf("text", FINISHED_CLASS_DATABASES.toArray()));
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).as("databases of finished classes %s", FINISHED_CLASS_DATABASES).isZero();
            }
        }
    }
}
