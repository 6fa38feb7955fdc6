package io.kmscolumns.liquibase.statement;

import io.kmscolumns.liquibase.sql.BatchSql;
import io.kmscolumns.liquibase.sql.BatchSql.Direction;
import io.kmscolumns.liquibase.sql.ColumnRef;
import io.kmscolumns.liquibase.sql.ColumnSql;
import io.kmscolumns.liquibase.sql.FunctionSet;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import liquibase.database.PreparedStatementFactory;
import liquibase.exception.DatabaseException;
import liquibase.statement.AbstractSqlStatement;
import liquibase.statement.ExecutablePreparedStatement;

/**
 * Encrypts or decrypts a column in place. Runs only under the JDBC executor; {@code updateSQL} prints
 * {@link #printableSql()} instead and calls nothing.
 *
 * <p>Steps, in order: read-only pre-flight checks; a refusal to run a large table inside one transaction; a probe
 * encrypt-and-decrypt through the SQL functions (only when rows need converting); for encryption, recording the
 * original type and converting the column to text, then the row trigger; for decryption, removing the trigger
 * first; batches paged by primary key, one Lambda invocation each, repeated in passes until no row needs
 * converting; for decryption, restoring the recorded type. Every step is idempotent, so a rerun after a failure
 * finishes the job, and a batch that fails changes nothing.
 */
public final class ColumnConversionStatement extends AbstractSqlStatement implements ExecutablePreparedStatement {

    /** UTF-8 bytes KMS encrypts at most. */
    public static final int KMS_MAX_PLAINTEXT_BYTES = 4096;

    /** Passes over the table before giving up on rows that keep arriving in plaintext. */
    static final int MAX_PASSES = 5;

    private static final String PROBE_TEXT = "kms-columns probe";

    private final Direction direction;
    private final ColumnRef column;
    private final FunctionSet functions;
    private final String contextJson;
    private final int batchSize;
    private final long pauseMillis;
    private final boolean installTrigger;

    /**
     * @param direction      encrypt or decrypt
     * @param column         the column
     * @param functions      the function set to call
     * @param contextJson    the encryption context, canonical JSON
     * @param batchSize      rows per batch (and per Lambda invocation)
     * @param pauseMillis    pause between batches
     * @param installTrigger for encryption, whether to install the row trigger
     */
    public ColumnConversionStatement(Direction direction, ColumnRef column, FunctionSet functions,
            String contextJson, int batchSize, long pauseMillis, boolean installTrigger) {
        this.direction = direction;
        this.column = column;
        this.functions = functions;
        this.contextJson = contextJson;
        this.batchSize = batchSize;
        this.pauseMillis = pauseMillis;
        this.installTrigger = installTrigger;
    }

    /** Encrypt or decrypt. */
    public Direction getDirection() {
        return direction;
    }

    /** The column converted. */
    public ColumnRef getColumn() {
        return column;
    }

    /**
     * The SQL that {@code update} would run, for {@code updateSQL}/{@code rollbackSQL}: the read-only checks as a
     * comment, the DDL, and one batch to repeat until it returns no row.
     */
    public List<String> printableSql() {
        List<String> sql = new ArrayList<>();
        String verb = direction == Direction.ENCRYPT ? "encrypt" : "decrypt";
        String header = "-- kms-columns: " + verb + " " + column.display() + " through " + functions.schema()
                + ". Under update, read-only pre-flight checks (table, column, primary key, constraints, indexes,\n"
                + "-- views) and a probe " + "call of the functions run first, and batches page by primary key.\n";
        if (direction == Direction.ENCRYPT) {
            sql.add(header + ColumnSql.recordAndConvertToText(column, functions, contextJson));
            if (installTrigger) {
                sql.add(ColumnSql.createTrigger(column, functions, contextJson));
            }
        } else {
            sql.add(header + ColumnSql.dropTrigger(column));
        }
        sql.add("-- kms-columns: repeat this batch until it returns no row (one Lambda invocation per batch)\n"
                + BatchSql.printableBatch(column, functions, direction, batchSize, contextJson));
        if (direction == Direction.DECRYPT) {
            sql.add(ColumnSql.restoreRecordedType(column, functions));
        }
        return sql;
    }

    @Override
    public void execute(PreparedStatementFactory factory) throws DatabaseException {
        Connection connection = ScriptStatement.Connections.of(factory);
        try {
            run(connection);
        } catch (SQLException e) {
            throw new DatabaseException("kms-columns: " + verb() + " " + column.display() + " failed: "
                    + e.getMessage(), e);
        }
    }

    private void run(Connection connection) throws SQLException, DatabaseException {
        ColumnFacts facts = new ColumnPreflight(connection, column, functions, direction).inspect();
        refuseLargeTableInTransaction(connection, facts);
        BatchSql batches = new BatchSql(column, facts.key(), functions, direction);
        boolean convertible = direction == Direction.ENCRYPT || facts.textual();
        long pending = convertible ? count(connection, batches.countPending()) : 0;
        if (direction == Direction.ENCRYPT && pending > 0) {
            refuseOversizedValues(connection, batches, facts);
        }
        if (pending > 0) {
            probe(connection);
        }

        if (direction == Direction.ENCRYPT) {
            execute(connection, ColumnSql.recordAndConvertToText(column, functions, contextJson));
            if (installTrigger) {
                execute(connection, ColumnSql.createTrigger(column, functions, contextJson));
            }
        } else {
            execute(connection, ColumnSql.dropTrigger(column));
        }

        long remaining = pending;
        ConversionProgress progress = new ConversionProgress(verb() + " " + column.display(), pending);
        for (int pass = 1; remaining > 0 && pass <= MAX_PASSES; pass++) {
            runPass(connection, batches, progress);
            remaining = count(connection, batches.countPending());
        }
        if (remaining > 0) {
            throw new DatabaseException("kms-columns: " + remaining + " rows of " + column.display()
                    + " still need to " + verb() + " after " + MAX_PASSES + " passes; rows keep arriving "
                    + "unconverted. The " + progress.done() + " rows converted so far are committed batches and "
                    + "stay valid; the changeset is not marked as run. Stop the writers (or keep installTrigger="
                    + "\"true\") and run update again to finish.");
        }
        if (direction == Direction.DECRYPT) {
            execute(connection, ColumnSql.restoreRecordedType(column, functions));
        }
        ServerNotices.tell(progress.summary() + "; rows still to " + verb() + ": " + remaining);
    }

    private void refuseLargeTableInTransaction(Connection connection, ColumnFacts facts)
            throws SQLException, DatabaseException {
        long limit = KmsColumnsConfiguration.TRANSACTIONAL_ROW_LIMIT.getCurrentValue();
        if (!connection.getAutoCommit() && facts.estimatedRows() > limit) {
            throw new DatabaseException("kms-columns: table " + column.schema() + "." + column.table()
                    + " has about " + facts.estimatedRows() + " rows, more than " + limit + " (setting "
                    + KmsColumnsConfiguration.TRANSACTIONAL_ROW_LIMIT.getKey() + "); converting it inside one "
                    + "transaction would lock every row until the end. Set runInTransaction=\"false\" on the "
                    + "changeset so each batch commits; no row was changed.");
        }
    }

    private void refuseOversizedValues(Connection connection, BatchSql batches, ColumnFacts facts)
            throws SQLException, DatabaseException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(batches.oversizedValues(KMS_MAX_PLAINTEXT_BYTES))) {
            if (!rows.next()) {
                return;
            }
            long count = rows.getLong("kms_count");
            long largest = rows.getLong("kms_largest");
            List<String> examples = new ArrayList<>();
            do {
                List<String> key = new ArrayList<>();
                for (int i = 0; i < facts.key().size(); i++) {
                    key.add(facts.key().get(i).name() + "=" + rows.getString(3 + i));
                }
                examples.add("(" + String.join(", ", key) + ": " + rows.getLong("kms_size") + " bytes)");
            } while (rows.next());
            throw new DatabaseException("kms-columns: " + count + " values of " + column.display() + " exceed the "
                    + KMS_MAX_PLAINTEXT_BYTES + " UTF-8 bytes KMS can encrypt (largest " + largest + " bytes), e.g. "
                    + String.join(", ", examples) + ". No row was changed; shorten those values or keep the column "
                    + "unencrypted.");
        }
    }

    private void probe(Connection connection) throws DatabaseException {
        String sql = "SELECT " + functions.decrypt() + "(" + functions.encrypt() + "(?, ?::jsonb), ?::jsonb)";
        try (PreparedStatement probe = connection.prepareStatement(sql)) {
            probe.setString(1, PROBE_TEXT);
            probe.setString(2, contextJson);
            probe.setString(3, contextJson);
            try (ResultSet row = probe.executeQuery()) {
                row.next();
                if (!PROBE_TEXT.equals(row.getString(1))) {
                    throw new DatabaseException("kms-columns: the probe through " + functions.encrypt() + " and "
                            + functions.decrypt() + " did not return its input; no row was changed.");
                }
            }
        } catch (SQLException e) {
            throw new DatabaseException("kms-columns: the probe encrypt-and-decrypt through " + functions.encrypt()
                    + " failed, so no row was changed: " + e.getMessage() + " Check that the Lambda function is "
                    + "reachable from the database, that the KMS key is enabled and usable by the Lambda's role, and "
                    + "that aws_lambda.request_timeout_ms (requestTimeoutMs) is long enough; then run update again.",
                    e);
        }
    }

    private void runPass(Connection connection, BatchSql batches, ConversionProgress progress)
            throws SQLException, DatabaseException {
        String first = batches.batch(false);
        String next = batches.batch(true);
        String[] lastKey = null;
        while (true) {
            try (PreparedStatement batch = connection.prepareStatement(lastKey == null ? first : next)) {
                int parameter = 1;
                if (lastKey != null) {
                    for (String value : lastKey) {
                        batch.setString(parameter++, value);
                    }
                }
                batch.setInt(parameter++, batchSize);
                batch.setString(parameter, contextJson);
                try (ResultSet row = batch.executeQuery()) {
                    if (!row.next()) {
                        return;
                    }
                    long written = row.getLong(1);
                    lastKey = new String[batches.keySize()];
                    for (int i = 0; i < lastKey.length; i++) {
                        lastKey[i] = row.getString(2 + i);
                    }
                    progress.batchDone(written);
                }
            } catch (SQLException e) {
                throw new DatabaseException("kms-columns: batch " + (progress.batches() + 1) + " of " + verb() + " "
                        + column.display() + " failed" + (lastKey == null ? "" : " (rows after key "
                        + String.join(", ", lastKey) + ")") + ": " + e.getMessage() + " The batch changed nothing; the "
                        + progress.done() + " rows of earlier batches are converted and stay valid (committed when "
                        + "runInTransaction=\"false\"). The changeset is not marked as run; run update again to "
                        + "resume.",
                        e);
            }
            pause();
        }
    }

    private void pause() throws DatabaseException {
        if (pauseMillis <= 0) {
            return;
        }
        try {
            Thread.sleep(pauseMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatabaseException("kms-columns: interrupted between batches of " + column.display(), e);
        }
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
            ServerNotices.forward(statement);
        }
    }

    private String verb() {
        return direction == Direction.ENCRYPT ? "encrypt" : "decrypt";
    }

    @Override
    public String toString() {
        return verb() + " " + column.display();
    }
}
