package io.kmscolumns.benchmarks;

import java.io.IOException;
import java.io.Reader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Random;
import net.datafaker.Faker;
import org.postgresql.PGConnection;

/**
 * Realistic benchmark rows: e-mail addresses and full names from datafaker with a fixed seed. Generating a
 * million fakes would take longer than the benchmark, so a pool of {@value #POOL_SIZE} of each is generated once and
 * each row combines a pooled value with its id (which also keeps the e-mails unique). Rows are streamed into the
 * table with {@code COPY}, never held in memory.
 */
final class PeopleData {

    /** Generated values of each kind. */
    static final int POOL_SIZE = 50_000;

    private final String[] emails = new String[POOL_SIZE];
    private final String[] names = new String[POOL_SIZE];

    PeopleData(long seed) {
        Faker faker = new Faker(Locale.US, new Random(seed));
        for (int i = 0; i < POOL_SIZE; i++) {
            emails[i] = faker.internet().emailAddress();
            names[i] = faker.name().fullName();
        }
    }

    /** The e-mail address of row {@code id}: a pooled address with the id added to its local part. */
    String email(long id) {
        String pooled = emails[(int) (id % POOL_SIZE)];
        int at = pooled.indexOf('@');
        return pooled.substring(0, at) + "." + id + pooled.substring(at);
    }

    /** The full name of row {@code id}. */
    String name(long id) {
        return names[(int) ((id * 7919) % POOL_SIZE)];
    }

    /** Creates (or recreates) {@code table} with ids 1..rows, loaded with COPY; returns the seconds it took. */
    double load(Connection connection, String table, long rows) throws SQLException, IOException {
        long started = System.nanoTime();
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + table);
            statement.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, email varchar(320) NOT NULL, "
                    + "full_name text NOT NULL)");
        }
        connection.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY " + table + " (id, email, full_name) FROM STDIN", new RowReader(rows));
        try (Statement statement = connection.createStatement()) {
            statement.execute("VACUUM ANALYZE " + table);
        }
        return (System.nanoTime() - started) / 1e9;
    }

    /** COPY text format, produced row by row. */
    private final class RowReader extends Reader {
        private final long rows;
        private long next = 1;
        private String pending = "";
        private int offset;

        RowReader(long rows) {
            this.rows = rows;
        }

        @Override
        public int read(char[] buffer, int start, int length) {
            int written = 0;
            while (written < length) {
                if (offset == pending.length()) {
                    if (next > rows) {
                        break;
                    }
                    pending = next + "\t" + escape(email(next)) + "\t" + escape(name(next)) + "\n";
                    offset = 0;
                    next++;
                }
                int count = Math.min(length - written, pending.length() - offset);
                pending.getChars(offset, offset + count, buffer, start + written);
                offset += count;
                written += count;
            }
            return written == 0 ? -1 : written;
        }

        @Override
        public void close() {
        }
    }

    /** Escapes a value for COPY's text format. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }
}
