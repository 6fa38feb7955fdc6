package io.kmscolumns.liquibase.production;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmscolumns.liquibase.production.ProductionTable.Keys;
import io.kmscolumns.liquibase.sql.CiphertextFormat;
import io.kmscolumns.local.junit.LocalAuroraDatabase;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application keeps inserting and updating rows while encryptColumn runs: at the end every row holds
 * ciphertext of the last value written to it (rows written before the trigger exists are found by the batches;
 * rows written after it are encrypted by it), and NULLs written stay NULL.
 */
@ExtendWith(LocalAuroraExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentWritesTest {

    private static final int ROWS = 3000;
    private static final int BATCH_SIZE = 25;

    @TempDir
    Path changelogs;

    @Test
    void rowsWrittenDuringTheRunEndUpEncryptedWithTheirLastValue(LocalAuroraDatabase database) throws Exception {
        LiquibaseUpdate liquibase = new LiquibaseUpdate(database.jdbcUrl(), changelogs);
        liquibase.update(liquibase.functionsChangelog(database.stack().functionName()));
        ProductionTable table;
        try (Connection connection = database.connect()) {
            table = ProductionTable.create(connection, "busy_customers", Keys.DENSE, ROWS);
        }
        String changelog = liquibase.encryptChangelog(table.name, table.column, BATCH_SIZE);

        Writer writer = new Writer(database, table.name);
        try (Connection connection = database.connect()) {
            writer.expected.putAll(table.read(connection, table.name));
        }
        Thread thread = new Thread(writer, "application-writer");
        thread.start();
        long writesBefore;
        try {
            writer.awaitWrites(20);
            writesBefore = writer.writes.get();
            liquibase.update(changelog);
        } finally {
            writer.stop.set(true);
            thread.join(30_000);
        }
        long writesDuring = writer.writes.get() - writesBefore;

        assertThat(writer.failure.get()).as("the writer's last error").isNull();
        assertThat(writesDuring).as("writes made while encryptColumn ran").isGreaterThan(50);
        try (Connection connection = database.connect()) {
            Map<String, String> stored = table.read(connection, table.name);
            assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(writer.expected.keySet());
            List<String> notEncrypted = new ArrayList<>();
            stored.forEach((key, value) -> {
                if (value != null && !value.matches(CiphertextFormat.V1_REGEX)) {
                    notEncrypted.add(key);
                }
            });
            assertThat(notEncrypted).as("rows left in plaintext").isEmpty();

            Map<String, String> decrypted = table.decrypt(connection, stored);
            List<String> wrong = new ArrayList<>();
            writer.expected.forEach((key, value) -> {
                String actual = stored.get(key) == null ? null : decrypted.get(key);
                if (!Objects.equals(actual, value)) {
                    wrong.add(key);
                }
            });
            assertThat(wrong).as("rows whose decrypted value is not the last value written").isEmpty();
        }
    }

    /**
     * The application: one statement per transaction, inserting new rows, changing the e-mail of existing ones
     * (sometimes to NULL), and changing only another column; records each row's last committed e-mail. The map is
     * filled before the thread starts and read after it has been joined.
     */
    private static final class Writer implements Runnable {
        final Map<String, String> expected = new HashMap<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong writes = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final LocalAuroraDatabase database;
        private final String table;
        private final Random random = new Random(42);

        Writer(LocalAuroraDatabase database, String table) {
            this.database = database;
            this.table = table;
        }

        void awaitWrites(long count) throws InterruptedException {
            while (writes.get() < count && failure.get() == null) {
                Thread.sleep(5);
            }
        }

        @Override
        public void run() {
            long nextId = ROWS + 1;
            try (Connection connection = database.connect();
                 PreparedStatement insert = connection.prepareStatement(
                         "INSERT INTO " + table + " (id, email) VALUES (?, ?)");
                 PreparedStatement update = connection.prepareStatement(
                         "UPDATE " + table + " SET email = ? WHERE id = ?");
                 PreparedStatement touch = connection.prepareStatement(
                         "UPDATE " + table + " SET signed_up = signed_up + 1 WHERE id = ?")) {
                while (!stop.get()) {
                    int choice = random.nextInt(10);
                    if (choice < 3) {
                        long id = nextId++;
                        String email = "new." + id + "@example.org";
                        insert.setLong(1, id);
                        insert.setString(2, email);
                        insert.executeUpdate();
                        expected.put(Long.toString(id), email);
                    } else if (choice < 8) {
                        long id = 1 + random.nextInt((int) (nextId - 1));
                        String email = choice == 7 ? null : "changed." + writes.get() + "." + id + "@example.net";
                        update.setString(1, email);
                        update.setLong(2, id);
                        update.executeUpdate();
                        expected.put(Long.toString(id), email);
                    } else {
                        touch.setLong(1, 1 + random.nextInt((int) (nextId - 1)));
                        touch.executeUpdate();
                    }
                    writes.incrementAndGet();
                }
            } catch (SQLException | RuntimeException e) {
                failure.set(e);
            }
        }
    }
}
