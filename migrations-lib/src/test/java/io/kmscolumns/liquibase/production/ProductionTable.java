package io.kmscolumns.liquibase.production;

import io.kmscolumns.liquibase.sql.CiphertextFormat;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A table shaped like a production one (a few thousand e-mail addresses with NULLs, empty strings and awkward
 * values, under one of three key layouts), with a copy of its original values to check every row against.
 *
 * <p>{@link #inspect} classifies every row as still plaintext or ciphertext and reports any row lost, blanked,
 * encrypted twice or otherwise changed; {@link #originalDigest} and {@link #decryptedDigest} are
 * {@code md5(string_agg(...) ORDER BY key)} of the original column and of the column decrypted, computed in SQL.
 */
final class ProductionTable {

    /** How the primary key is laid out. */
    enum Keys {
        /** {@code id bigint}, 1..n. */
        DENSE("id bigint", "id", "i"),
        /** {@code id bigint} with wide, irregular gaps: keyset pages must not stop at an empty range. */
        SPARSE("id bigint", "id", "i * i * 37 + i % 11"),
        /** {@code (tenant text, seq integer)}: a composite key with a text part. */
        COMPOSITE("tenant text, seq integer", "tenant, seq", "'tenant-' || lpad((i % 7)::text, 2, '0'), i / 7");

        final String columns;
        final String names;
        final String values;

        Keys(String columns, String names, String values) {
            this.columns = columns;
            this.names = names;
            this.values = values;
        }
    }

    /** Batches of the decrypt function used to check the column: one Lambda invocation each. */
    private static final int DECRYPT_CHUNK = 500;

    final String name;
    final String column = "email";
    final Keys keys;
    final String context;

    private ProductionTable(String name, Keys keys) {
        this.name = name;
        this.keys = keys;
        this.context = "{\"table\":\"public." + name + "\",\"column\":\"" + column + "\"}";
    }

    /**
     * Creates {@code name} with {@code rows} rows and {@code name_original}, a copy of key and column. The column
     * is {@code varchar(100)} so the change has to widen it.
     */
    static ProductionTable create(Connection connection, String name, Keys keys, int rows) throws SQLException {
        ProductionTable table = new ProductionTable(name, keys);
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + name + ", " + name + "_original");
            statement.execute("CREATE TABLE " + name + " (" + keys.columns + ", email varchar(100), "
                    + "signed_up date NOT NULL DEFAULT DATE '2024-01-01', PRIMARY KEY (" + keys.names + "))");
            statement.execute("INSERT INTO " + name + " (" + keys.names + ", email) SELECT " + keys.values + ", "
                    + "CASE WHEN i % 97 = 0 THEN NULL"
                    + " WHEN i % 101 = 0 THEN ''"
                    + " WHEN i % 89 = 0 THEN 'o''brien.\"q\"+' || i || '@例え.jp 🔐'"
                    + " WHEN i % 83 = 0 THEN 'QUlDQUg' || i || '=='"
                    + " ELSE 'person.' || i || '@example.com' END"
                    + " FROM generate_series(1, " + rows + ") AS i");
            statement.execute("CREATE TABLE " + name + "_original AS SELECT " + keys.names + ", email FROM " + name);
            statement.execute("ANALYZE " + name);
        }
        return table;
    }

    /** The key of a row as text, e.g. {@code 42} or {@code tenant-03|17}. */
    String keyText() {
        return "concat_ws('|', " + keys.names + ")";
    }

    /** md5 of the original values in key order (NULL and empty string kept apart). */
    String originalDigest(Connection connection) throws SQLException {
        return single(connection, "SELECT md5(string_agg(quote_nullable(email), E'\\n' ORDER BY " + keys.names
                + ")) FROM " + name + "_original");
    }

    /**
     * md5 of the column in key order after decrypting every ciphertext, in chunks of {@value #DECRYPT_CHUNK}
     * values per call of {@code kms_crypto.decrypt_batch}; values that are not ciphertext are taken as they are.
     */
    String decryptedDigest(Connection connection) throws SQLException {
        String ciphertext = CiphertextFormat.isCiphertext("email");
        String sql = "WITH numbered AS (\n"
                + "  SELECT row_number() OVER (ORDER BY " + keys.names + ") AS n, email FROM " + name + "),\n"
                + "chunks AS (\n"
                + "  SELECT (n - 1) / " + DECRYPT_CHUNK + " AS chunk, min(n) AS first,\n"
                + "         array_agg(CASE WHEN " + ciphertext + " THEN email END ORDER BY n) AS ciphertexts,\n"
                + "         array_agg(CASE WHEN " + ciphertext + " THEN NULL ELSE email END ORDER BY n) AS plain\n"
                + "  FROM numbered GROUP BY 1),\n"
                + "decrypted AS (\n"
                + "  SELECT c.first + u.ord - 1 AS n, coalesce(u.decrypted, u.plain) AS value\n"
                + "  FROM chunks AS c,\n"
                + "       unnest(kms_crypto.decrypt_batch(c.ciphertexts, '" + context + "'::jsonb), c.plain)\n"
                + "         WITH ORDINALITY AS u(decrypted, plain, ord))\n"
                + "SELECT md5(string_agg(quote_nullable(value), E'\\n' ORDER BY n)) FROM decrypted";
        return single(connection, sql);
    }

    /** Rows whose value is neither NULL nor v1 ciphertext. */
    long plaintextCount(Connection connection) throws SQLException {
        return Long.parseLong(single(connection, "SELECT count(*) FROM " + name + " WHERE email IS NOT NULL AND NOT "
                + CiphertextFormat.isCiphertext("email")));
    }

    /** Reads every row, decrypts the ciphertexts and compares each row with its original value. */
    State inspect(Connection connection) throws SQLException {
        Map<String, String> originals = read(connection, name + "_original");
        Map<String, String> stored = read(connection, name);
        Map<String, String> decrypted = decrypt(connection, stored);

        List<String> problems = new ArrayList<>();
        long plaintext = 0;
        long ciphertext = 0;
        for (Map.Entry<String, String> original : originals.entrySet()) {
            String key = original.getKey();
            String expected = original.getValue();
            if (!stored.containsKey(key)) {
                problems.add("row " + key + " lost");
                continue;
            }
            String value = stored.get(key);
            if (decrypted.containsKey(key)) {
                ciphertext++;
                String plain = decrypted.get(key);
                if (plain != null && plain.matches(CiphertextFormat.V1_REGEX)) {
                    problems.add("row " + key + " encrypted twice");
                } else if (!Objects.equals(plain, expected)) {
                    problems.add("row " + key + " decrypts to something other than its original value");
                }
            } else if (value == null && expected != null) {
                problems.add("row " + key + " blanked to NULL");
            } else if (value != null && value.isEmpty() && expected != null && !expected.isEmpty()) {
                problems.add("row " + key + " blanked to ''");
            } else if (!Objects.equals(value, expected)) {
                problems.add("row " + key + " holds neither its original value nor v1 ciphertext");
            } else if (value != null) {
                plaintext++;
            }
        }
        stored.keySet().stream().filter(key -> !originals.containsKey(key))
                .forEach(key -> problems.add("row " + key + " appeared"));
        return new State(originals.size(), plaintext, ciphertext, problems);
    }

    /** Key text to stored value, in key order. */
    Map<String, String> read(Connection connection, String table) throws SQLException {
        Map<String, String> rows = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT " + keyText() + ", email FROM " + table
                     + " ORDER BY " + keys.names)) {
            while (row.next()) {
                rows.put(row.getString(1), row.getString(2));
            }
        }
        return rows;
    }

    /** Key text to decrypted value, for the rows whose value is v1 ciphertext. */
    Map<String, String> decrypt(Connection connection, Map<String, String> stored) throws SQLException {
        List<String> keysOfCiphertext = new ArrayList<>();
        List<String> ciphertexts = new ArrayList<>();
        stored.forEach((key, value) -> {
            if (value != null && value.matches(CiphertextFormat.V1_REGEX)) {
                keysOfCiphertext.add(key);
                ciphertexts.add(value);
            }
        });
        Map<String, String> decrypted = new LinkedHashMap<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT kms_crypto.decrypt_batch(?, ?::jsonb)")) {
            for (int from = 0; from < ciphertexts.size(); from += DECRYPT_CHUNK) {
                int to = Math.min(from + DECRYPT_CHUNK, ciphertexts.size());
                Array input = connection.createArrayOf("text", ciphertexts.subList(from, to).toArray());
                query.setArray(1, input);
                query.setString(2, context);
                try (ResultSet row = query.executeQuery()) {
                    row.next();
                    String[] values = (String[]) row.getArray(1).getArray();
                    for (int i = 0; i < values.length; i++) {
                        decrypted.put(keysOfCiphertext.get(from + i), values[i]);
                    }
                }
            }
        }
        return decrypted;
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }

    /**
     * What {@link #inspect} found.
     *
     * @param rows       rows in the original table
     * @param plaintext  non-NULL rows still holding their original plaintext
     * @param ciphertext rows holding ciphertext that decrypts to their original value (or a problem)
     * @param problems   rows lost, blanked, encrypted twice or changed otherwise
     */
    record State(long rows, long plaintext, long ciphertext, List<String> problems) {
    }
}
