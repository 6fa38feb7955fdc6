package io.kmscolumns.examples.demo;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decrypts every value of an encrypted column through the SQL function {@code <schema>.decrypt_batch} and compares
 * each with the value the column held before encryption.
 *
 * <p>The encryption context is the one {@code encryptColumn} binds by default,
 * {@code {"table": "<schema>.<table>", "column": "<column>"}}: KMS refuses to decrypt with any other.
 * Mismatches are reported by key only, never by value.
 */
public final class DecryptionCheck {

    /** The v1 ciphertext text format, as the SQL functions recognise it. */
    public static final String CIPHERTEXT_PATTERN = "^kms:v1:AQICAH[A-Za-z0-9+/]*={0,2}$";

    private static final int CHUNK = 500;

    private final String functionsSchema;

    /** A check that calls the decrypt functions in {@code functionsSchema} (normally {@code kms_crypto}). */
    public DecryptionCheck(String functionsSchema) {
        this.functionsSchema = functionsSchema;
    }

    /**
     * The outcome for one column.
     *
     * @param column      the column
     * @param rows        rows read
     * @param encrypted   values stored in the v1 ciphertext format
     * @param nulls       {@code NULL} values (kept as {@code NULL}, never sent to KMS)
     * @param mismatchKeys keys of rows whose decrypted value differs from the original, or whose stored value is
     *                    neither {@code NULL} nor ciphertext (at most the first 20)
     * @param mismatches  how many rows mismatched in all
     */
    public record Result(String column, long rows, long encrypted, long nulls, List<Long> mismatchKeys,
                         long mismatches) {

        /** True when every value is ciphertext or {@code NULL} and decrypts back to the original. */
        public boolean allEqual() {
            return mismatches == 0 && encrypted + nulls == rows;
        }
    }

    /**
     * Decrypts {@code column} of {@code schema.table} row by row (in chunks of 500 values per Lambda call) and
     * compares it with {@code originals} (key to original value as text).
     */
    public Result verify(Connection connection, String schema, String table, String keyColumn, String column,
                         Map<Long, String> originals) throws SQLException {
        String key = SqlIdentifiers.quote(keyColumn);
        String sql = "SELECT array_agg(k ORDER BY k), array_agg(v ORDER BY k),"
                + " " + SqlIdentifiers.quote(functionsSchema) + ".decrypt_batch(array_agg(v ORDER BY k),"
                + " jsonb_build_object('table', ?::text, 'column', ?::text))"
                + " FROM (SELECT " + key + "::bigint AS k, " + SqlIdentifiers.quote(column) + "::text AS v"
                + " FROM " + SqlIdentifiers.qualified(schema, table)
                + " WHERE " + key + " > ? ORDER BY " + key + " LIMIT " + CHUNK + ") chunk";

        long rows = 0;
        long encrypted = 0;
        long nulls = 0;
        long mismatches = 0;
        List<Long> mismatchKeys = new ArrayList<>();
        long after = Long.MIN_VALUE;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            while (true) {
                statement.setString(1, schema + "." + table);
                statement.setString(2, column);
                statement.setLong(3, after);
                try (ResultSet result = statement.executeQuery()) {
                    result.next();
                    Long[] keys = longs(result.getArray(1));
                    if (keys.length == 0) {
                        break;
                    }
                    String[] stored = strings(result.getArray(2));
                    String[] decrypted = strings(result.getArray(3));
                    for (int i = 0; i < keys.length; i++) {
                        rows++;
                        boolean ok;
                        if (stored[i] == null) {
                            nulls++;
                            ok = originals.get(keys[i]) == null && decrypted[i] == null;
                        } else {
                            boolean isCiphertext = stored[i].matches(CIPHERTEXT_PATTERN);
                            if (isCiphertext) {
                                encrypted++;
                            }
                            ok = isCiphertext && Objects.equals(originals.get(keys[i]), decrypted[i]);
                        }
                        if (!ok) {
                            mismatches++;
                            if (mismatchKeys.size() < 20) {
                                mismatchKeys.add(keys[i]);
                            }
                        }
                    }
                    after = keys[keys.length - 1];
                }
            }
        }
        if (rows != originals.size()) {
            mismatches += Math.abs(originals.size() - rows);
        }
        return new Result(column, rows, encrypted, nulls, List.copyOf(mismatchKeys), mismatches);
    }

    private static Long[] longs(Array array) throws SQLException {
        return array == null ? new Long[0] : (Long[]) array.getArray();
    }

    private static String[] strings(Array array) throws SQLException {
        return array == null ? new String[0] : (String[]) array.getArray();
    }
}
