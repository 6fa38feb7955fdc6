package io.kmscolumns.liquibase.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The statements of the batch loop: one keyset-paginated batch, and the count of rows still to convert.
 *
 * <p>A batch is a single statement, so under auto-commit ({@code runInTransaction="false"}) each batch commits on
 * its own and a failing batch changes nothing. It locks the next {@code limit} rows after the last key that still
 * need converting ({@code FOR UPDATE}), sends their values in one array to the batch function (one Lambda
 * invocation), writes the results back by primary key, and returns the number of rows written with the last key of
 * the batch as text. Parameters, in order: the last key's values (only after the first batch), the limit, the
 * encryption context as JSON text.
 *
 * @see <a href="https://www.postgresql.org/docs/current/functions-comparisons.html#ROW-WISE-COMPARISON">
 *     Row constructor comparison</a>
 */
public final class BatchSql {

    /** Which way a batch converts values. */
    public enum Direction {
        /** Plaintext to ciphertext. */
        ENCRYPT,
        /** Ciphertext to plaintext. */
        DECRYPT
    }

    private final ColumnRef column;
    private final List<KeyColumn> key;
    private final FunctionSet functions;
    private final Direction direction;

    /**
     * @param column    the column converted
     * @param key       the table's primary key columns, in key order
     * @param functions the function set used
     * @param direction encrypt or decrypt
     */
    public BatchSql(ColumnRef column, List<KeyColumn> key, FunctionSet functions, Direction direction) {
        this.column = column;
        this.key = List.copyOf(key);
        this.functions = functions;
        this.direction = direction;
    }

    /** True for a row value that still needs converting (a non-NULL plaintext, or a ciphertext when decrypting). */
    public static String pendingPredicate(String columnExpression, Direction direction) {
        String isCiphertext = CiphertextFormat.isCiphertext(columnExpression);
        return direction == Direction.ENCRYPT
                ? columnExpression + " IS NOT NULL AND NOT " + isCiphertext
                : isCiphertext;
    }

    /** Counts the rows still to convert: no parameters. Works on a column of any type (compared as text). */
    public String countPending() {
        return "SELECT count(*) FROM " + column.qualifiedTable() + " AS kms_row WHERE "
                + pendingPredicate("kms_row." + column.quotedColumn() + "::text", direction);
    }

    /**
     * Rows whose value exceeds {@code maxBytes} in UTF-8 (KMS encrypts at most 4,096 bytes): the total count, the
     * largest size, then up to five of them as (key values as text..., size). No parameters.
     */
    public String oversizedValues(int maxBytes) {
        String value = "kms_row." + column.quotedColumn() + "::text";
        String keys = key.stream().map(k -> "kms_row." + SqlText.identifier(k.name()) + "::text")
                .collect(Collectors.joining(", "));
        return "SELECT count(*) OVER () AS kms_count, max(octet_length(" + value + ")) OVER () AS kms_largest, "
                + keys + ", octet_length(" + value + ") AS kms_size\n"
                + "FROM " + column.qualifiedTable() + " AS kms_row\n"
                + "WHERE " + pendingPredicate(value, direction) + " AND octet_length(" + value + ") > " + maxBytes
                + "\nORDER BY " + key.stream().map(k -> "kms_row." + SqlText.identifier(k.name()))
                        .collect(Collectors.joining(", "))
                + "\nLIMIT 5";
    }

    /** The batch statement with JDBC parameters; {@code afterKey} adds the keyset lower bound. */
    public String batch(boolean afterKey) {
        return render(afterKey ? keyPlaceholders() : null, "?", "?::jsonb");
    }

    /**
     * A printable batch for {@code updateSQL}, where the primary key is not known without a database: it selects
     * rows by {@code ctid} (stable within one statement) and, run repeatedly until it returns no row, converts
     * every pending value. Under {@code update} the same batch pages by primary key instead.
     */
    public static String printableBatch(ColumnRef column, FunctionSet functions, Direction direction, int limit,
            String contextJson) {
        BatchSql byRowId = new BatchSql(column, List.of(new KeyColumn("ctid", "tid")), functions, direction);
        return byRowId.render(null, Integer.toString(limit), SqlText.jsonb(contextJson));
    }

    /**
     * The keys, as text, of the rows a batch would select: the same rows as {@link #batch(boolean)} in the same
     * order, read-only and without locks. Used to name the key range of a batch that failed. Parameters as for
     * {@link #batch(boolean)}, without the context.
     */
    public String batchKeys(boolean afterKey) {
        List<String> keyRefs = key.stream().map(k -> "kms_row." + SqlText.identifier(k.name())).toList();
        String keyOrder = String.join(", ", keyRefs);
        return "SELECT " + String.join(", ", keyRefs.stream().map(k -> k + "::text").toList()) + "\n"
                + "FROM " + column.qualifiedTable() + " AS kms_row\n"
                + "WHERE " + pendingPredicate("kms_row." + column.quotedColumn(), direction) + "\n"
                + (afterKey ? "  AND (" + keyOrder + ") > (" + keyPlaceholders() + ")\n" : "")
                + "ORDER BY " + keyOrder + "\n"
                + "LIMIT ?";
    }

    /** Names of the key columns, in key order. */
    public List<String> keyNames() {
        return key.stream().map(KeyColumn::name).toList();
    }

    /** Number of key columns (the first parameters of {@link #batch(boolean) batch(true)}). */
    public int keySize() {
        return key.size();
    }

    private String render(String lowerBound, String limit, String context) {
        String columnRef = "kms_row." + column.quotedColumn();
        List<String> keyRefs = key.stream().map(k -> "kms_row." + SqlText.identifier(k.name())).toList();
        List<String> selectedKeys = new ArrayList<>();
        List<String> batchKeyAliases = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            selectedKeys.add(keyRefs.get(i) + " AS kms_key_" + (i + 1));
            batchKeyAliases.add("kms_batch.kms_key_" + (i + 1));
        }
        String keyOrder = String.join(", ", keyRefs);
        String function = direction == Direction.ENCRYPT ? functions.encryptBatch() : functions.decryptBatch();

        StringBuilder sql = new StringBuilder();
        sql.append("WITH kms_batch AS MATERIALIZED (\n")
                .append("  SELECT ").append(String.join(", ", selectedKeys)).append(", ")
                .append(columnRef).append(" AS kms_value\n")
                .append("  FROM ").append(column.qualifiedTable()).append(" AS kms_row\n")
                .append("  WHERE ").append(pendingPredicate(columnRef, direction)).append('\n');
        if (lowerBound != null) {
            sql.append("    AND (").append(keyOrder).append(") > (").append(lowerBound).append(")\n");
        }
        sql.append("  ORDER BY ").append(keyOrder).append('\n')
                .append("  LIMIT ").append(limit).append('\n')
                .append("  FOR UPDATE OF kms_row\n")
                .append("), kms_numbered AS (\n")
                .append("  SELECT kms_batch.*, row_number() OVER (ORDER BY ")
                .append(String.join(", ", batchKeyAliases)).append(") AS kms_ordinal\n")
                .append("  FROM kms_batch\n")
                .append("), kms_converted AS (\n")
                .append("  SELECT kms_out.kms_result, kms_out.kms_ordinal\n")
                .append("  FROM unnest(").append(function).append("(\n")
                .append("         ARRAY(SELECT kms_numbered.kms_value FROM kms_numbered")
                .append(" ORDER BY kms_numbered.kms_ordinal),\n")
                .append("         ").append(context).append(")) WITH ORDINALITY AS kms_out(kms_result, kms_ordinal)\n")
                .append("), kms_updated AS (\n")
                .append("  UPDATE ").append(column.qualifiedTable()).append(" AS kms_row\n")
                .append("  SET ").append(column.quotedColumn()).append(" = kms_converted.kms_result\n")
                .append("  FROM kms_numbered JOIN kms_converted\n")
                .append("    ON kms_converted.kms_ordinal = kms_numbered.kms_ordinal\n")
                .append("  WHERE ").append(keyJoin()).append('\n')
                .append("  RETURNING 1\n")
                .append(")\n")
                .append("SELECT (SELECT count(*) FROM kms_updated) AS kms_written, ")
                .append(lastKeyColumns()).append('\n')
                .append("FROM kms_numbered ORDER BY kms_numbered.kms_ordinal DESC LIMIT 1");
        return sql.toString();
    }

    private String keyPlaceholders() {
        return key.stream().map(k -> "CAST(? AS " + k.type() + ")").collect(Collectors.joining(", "));
    }

    private String keyJoin() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            parts.add("kms_row." + SqlText.identifier(key.get(i).name()) + " = kms_numbered.kms_key_" + (i + 1));
        }
        return String.join(" AND ", parts);
    }

    private String lastKeyColumns() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            parts.add("kms_numbered.kms_key_" + (i + 1) + "::text");
        }
        return String.join(", ", parts);
    }
}
