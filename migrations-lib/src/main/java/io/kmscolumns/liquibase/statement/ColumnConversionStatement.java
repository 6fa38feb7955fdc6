package io.kmscolumns.liquibase.statement;

import io.kmscolumns.liquibase.sql.BatchSql;
import io.kmscolumns.liquibase.sql.BatchSql.Direction;
import io.kmscolumns.liquibase.sql.ColumnRef;
import io.kmscolumns.liquibase.sql.ColumnSql;
import io.kmscolumns.liquibase.sql.CryptoFunctionSql;
import io.kmscolumns.liquibase.sql.EncryptionContext;
import io.kmscolumns.liquibase.sql.FunctionSet;
import io.kmscolumns.liquibase.sql.SqlText;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liquibase.database.PreparedStatementFactory;
import liquibase.exception.DatabaseException;
import liquibase.statement.AbstractSqlStatement;
import liquibase.statement.ExecutablePreparedStatement;

/**
 * Encrypts or decrypts a column in place. Runs only under the JDBC executor; {@code updateSQL} prints
 * {@link #printableSql()} instead and calls nothing.
 *
 * <p>Steps, in order: read-only pre-flight checks (including the views reading the column and the table's own
 * triggers, handled as {@link DependentViewPolicy} and {@link UserTriggerPolicy} say); a refusal to run a large
 * table inside one transaction; a probe encrypt-and-decrypt through the SQL functions (only when rows need
 * converting); for encryption, recording the original type and converting the column to text (with dependent
 * views dropped and recreated around it when so asked), then the row trigger; batches paged by primary key, one
 * Lambda invocation each, repeated in passes until no row needs converting; for decryption, each batch in its own
 * transaction that names the column in {@link CryptoFunctionSql#DECRYPTING_SETTING} so the row trigger lets its
 * plaintext through (writes of other sessions stay encrypted), then removing the trigger, a final sweep, and
 * restoring the recorded type. Every step is idempotent, so a rerun after a failure finishes the job, and a batch
 * that fails changes nothing.
 */
public final class ColumnConversionStatement extends AbstractSqlStatement implements ExecutablePreparedStatement {

    /** UTF-8 bytes KMS encrypts at most. */
    public static final int KMS_MAX_PLAINTEXT_BYTES = 4096;

    /** Passes over the table before giving up on rows that keep arriving in plaintext. */
    static final int MAX_PASSES = 5;

    private static final String PROBE_TEXT = "kms-columns probe";

    /** How the Lambda names a value of a batch request in its errors: {@code event_texts[3]} (0-based). */
    private static final Pattern REQUEST_INDEX = Pattern.compile("event_texts\\[(\\d{1,9})\\]");

    private final Direction direction;
    private final ColumnRef column;
    private final FunctionSet functions;
    private final String contextJson;
    private final int batchSize;
    private final long pauseMillis;
    private final boolean installTrigger;
    private final DependentViewPolicy viewPolicy;
    private final UserTriggerPolicy triggerPolicy;

    /**
     * @param direction      encrypt or decrypt
     * @param column         the column
     * @param functions      the function set to call
     * @param contextJson    the encryption context, canonical JSON
     * @param batchSize      rows per batch (and per Lambda invocation)
     * @param pauseMillis    pause between batches
     * @param installTrigger for encryption, whether to install the row trigger
     * @param viewPolicy     what to do with views reading the column
     * @param triggerPolicy  what to do with the table's own triggers that the batches would fire
     */
    public ColumnConversionStatement(Direction direction, ColumnRef column, FunctionSet functions,
            String contextJson, int batchSize, long pauseMillis, boolean installTrigger,
            DependentViewPolicy viewPolicy, UserTriggerPolicy triggerPolicy) {
        this.direction = direction;
        this.column = column;
        this.functions = functions;
        this.contextJson = contextJson;
        this.batchSize = batchSize;
        this.pauseMillis = pauseMillis;
        this.installTrigger = installTrigger;
        this.viewPolicy = viewPolicy;
        this.triggerPolicy = triggerPolicy;
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
                + "-- views, triggers) and a probe call of the functions run first, and batches page by primary key.\n"
                + (viewPolicy == DependentViewPolicy.RECREATE ? "-- dependentViews=\"recreate\": views reading the "
                        + "column are dropped and recreated around the type change, found under update.\n" : "")
                + (triggerPolicy == UserTriggerPolicy.SKIP ? "-- userTriggers=\"skip\": each batch runs in a "
                        + "transaction after SET LOCAL session_replication_role = replica.\n" : "");
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
        if (EncryptionContext.parse(contextJson).pairs().isEmpty()) {
            ServerNotices.warn("encryptionContext of " + column.display() + " is {}: its ciphertext is bound to no "
                    + "table or column, so a value copied to another column or table decrypts there as well. "
                    + "Leave encryptionContext out to bind the default {\"table\":\"<schema>.<table>\","
                    + "\"column\":\"<column>\"}.");
        }
        ColumnFacts facts = new ColumnPreflight(connection, column, functions, direction, viewPolicy, triggerPolicy)
                .inspect();
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

        DependentViews views = new DependentViews(connection, column);
        boolean aroundViews = facts.typeChange() && !facts.views().isEmpty();
        if (direction == Direction.ENCRYPT) {
            String convert = ColumnSql.recordAndConvertToText(column, functions, contextJson);
            if (aroundViews) {
                views.changeTypeAround(facts.tableOid(), convert);
            } else {
                execute(connection, convert);
            }
            if (installTrigger) {
                execute(connection, ColumnSql.createTrigger(column, functions, contextJson));
            }
        } else if (!triggerLetsDecryptionThrough(connection)) {
            // A trigger function created by an older createEncryptFunctions would encrypt the batches' plaintext
            // again: remove the trigger first, as that version did.
            ServerNotices.warn("the trigger function " + functions.trigger() + " predates the one that lets "
                    + "decryption batches through, so " + column.triggerName() + " is removed before decrypting "
                    + "and, should a batch fail, new writes to " + column.display() + " are stored in plaintext "
                    + "until the decryption is run again. Run createEncryptFunctions again (for example in a new "
                    + "changeset) to get the current trigger function.");
            execute(connection, ColumnSql.dropTrigger(column));
        }
        if (pending > 0 && !facts.firingTriggers().isEmpty()) {
            ServerNotices.warn(String.join(", ", facts.firingTriggers()) + " will fire on each of the " + pending
                    + " rows to " + verb() + " (userTriggers=\"fire\"): whatever they do with the column's values, "
                    + "they do it with " + (direction == Direction.ENCRYPT ? "plaintext before and ciphertext after"
                            : "ciphertext before and plaintext after") + " the change.");
        }

        ConversionProgress progress = new ConversionProgress(verb() + " " + column.display(), pending);
        long remaining = convertInPasses(connection, batches, progress, pending);
        if (direction == Direction.DECRYPT) {
            // The trigger stayed until every row was decrypted, so that writes of other sessions kept being
            // encrypted meanwhile. DROP TRIGGER waits for their transactions; what they encrypted until then is
            // decrypted by one more sweep.
            execute(connection, ColumnSql.dropTrigger(column));
            remaining = convertInPasses(connection, batches, progress, count(connection, batches.countPending()));
            String restore = ColumnSql.restoreRecordedType(column, functions);
            if (aroundViews) {
                views.changeTypeAround(facts.tableOid(), restore);
            } else {
                execute(connection, restore);
            }
        }
        if (viewPolicy == DependentViewPolicy.RECREATE && !facts.views().isEmpty()) {
            List<String> refreshed = views.refreshMaterialized(facts.tableOid());
            warnAboutViews(facts, refreshed);
        }
        if (progress.total() == 0 && progress.done() == 0) {
            ServerNotices.tell(verb() + " " + column.display() + ": nothing needed " + verb() + "ing (every value "
                    + "is already " + (direction == Direction.ENCRYPT ? "ciphertext" : "plaintext") + " or NULL)");
        } else {
            ServerNotices.tell(progress.summary() + "; rows still to " + verb() + ": " + remaining);
        }
    }

    /** Runs passes until no row needs converting (at most {@link #MAX_PASSES}); returns the rows remaining. */
    private long convertInPasses(Connection connection, BatchSql batches, ConversionProgress progress, long pending)
            throws SQLException, DatabaseException {
        long remaining = pending;
        for (int pass = 1; remaining > 0 && pass <= MAX_PASSES; pass++) {
            runPass(connection, batches, progress);
            remaining = count(connection, batches.countPending());
        }
        if (remaining > 0) {
            throw new DatabaseException("kms-columns: " + rows(remaining) + " of " + column.display()
                    + " still need to " + verb() + " after " + MAX_PASSES + " passes; rows keep arriving "
                    + (direction == Direction.ENCRYPT ? "in plaintext" : "encrypted") + ". The " + rows(progress.done())
                    + " converted so far are committed batches and stay valid. " + whatNow()
                    + (direction == Direction.ENCRYPT ? " Stop the writers (or keep installTrigger=\"true\") "
                            + "first." : " Stop the writers first."));
        }
        return remaining;
    }

    /** True when the column has no trigger, or its trigger function lets this session's decryption through. */
    private boolean triggerLetsDecryptionThrough(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("""
                SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger AS t
                                    WHERE t.tgrelid = to_regclass(?) AND t.tgname = ?)
                       OR coalesce((SELECT position(? IN p.prosrc) > 0 FROM pg_catalog.pg_proc AS p
                                     WHERE p.oid = to_regprocedure(?)), false)""")) {
            query.setString(1, column.qualifiedTable());
            query.setString(2, column.triggerName());
            query.setString(3, CryptoFunctionSql.DECRYPTING_SETTING);
            query.setString(4, functions.trigger() + "()");
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getBoolean(1);
            }
        }
    }

    /** What the data's state means for the next step, direction-aware. */
    private String whatNow() {
        if (direction == Direction.ENCRYPT) {
            return "The other rows are still plaintext" + (installTrigger ? " (the trigger " + column.triggerName()
                    + " encrypts new writes)" : "") + ". The changeset is not marked as run; run update again to "
                    + "resume.";
        }
        return "The other rows are still ciphertext, the column is still text and its trigger "
                + column.triggerName() + " (if installed) still encrypts writes of other sessions. Run the same "
                + "command again to resume: rollback again for the rollback of an encryptColumn changeset (it "
                + "stays recorded as run until its rollback succeeds), update again for a decryptColumn changeset "
                + "(not marked as run).";
    }

    private static String rows(long count) {
        return count + (count == 1 ? " row" : " rows");
    }

    private void warnAboutViews(ColumnFacts facts, List<String> refreshed) {
        if (direction == Direction.DECRYPT) {
            if (!refreshed.isEmpty()) {
                ServerNotices.tell("refreshed " + String.join(", ", refreshed) + ", which now hold plaintext again");
            }
            return;
        }
        for (ColumnFacts.DependentView view : facts.views()) {
            String through = view.depth() == 1 ? "reads " + column.display() : "reads " + column.display()
                    + " through other views";
            ServerNotices.warn(view.describe() + " " + through + ": its readers now see ciphertext"
                    + (refreshed.contains(view.describe()) ? " (refreshed after the conversion)" : "") + ". To show "
                    + "plaintext to roles allowed to decrypt, redefine it to read the column through "
                    + functions.decrypt() + "(" + column.quotedColumn() + ", " + SqlText.jsonb(contextJson) + ").");
        }
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
                    + " failed, so no row was changed: " + e.getMessage() + " Check that the Lambda function "
                    + "exists under the name or ARN given to createEncryptFunctions (lambdaFunction, region) and is "
                    + "reachable from the database, that the KMS key is enabled and usable by the Lambda's role, and "
                    + "that aws_lambda.request_timeout_ms (requestTimeoutMs) is long enough; then run update again.",
                    e);
        }
    }

    private void runPass(Connection connection, BatchSql batches, ConversionProgress progress)
            throws SQLException, DatabaseException {
        String[] lastKey = null;
        while (true) {
            String[] batchLastKey;
            try {
                batchLastKey = runBatch(connection, batches, lastKey, progress);
            } catch (SQLException e) {
                String earlier = progress.done() == 0
                        ? "no earlier batch had " + verb() + "ed any row"
                        : "the " + rows(progress.done()) + " of earlier batches " + (progress.done() == 1 ? "is "
                                : "are ") + verb() + "ed and stay valid (committed when runInTransaction=\"false\")";
                List<String[]> keys = new ArrayList<>();
                String range = keyRange(connection, batches, lastKey, keys);
                throw new DatabaseException("kms-columns: batch " + (progress.batches() + 1) + " of " + verb() + " "
                        + column.display() + " failed (" + range + "): " + failingRow(batches, keys, e.getMessage())
                        + e.getMessage() + " The batch changed nothing; " + earlier + ". " + whatNow(), e);
            }
            if (batchLastKey == null) {
                return;
            }
            lastKey = batchLastKey;
            pause();
        }
    }

    /**
     * Runs one batch; returns its last key, or null when no row was left. With {@code userTriggers="skip"} the
     * batch runs in its own transaction (or savepoint, inside the changeset's) after
     * {@code SET LOCAL session_replication_role = replica}; otherwise as one statement. Inside the changeset's
     * transaction a savepoint is kept, so that after a failure the batch's key range can still be read.
     */
    private String[] runBatch(Connection connection, BatchSql batches, String[] lastKey, ConversionProgress progress)
            throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        boolean skip = triggerPolicy == UserTriggerPolicy.SKIP;
        boolean decrypt = direction == Direction.DECRYPT;
        boolean ownTransaction = (skip || decrypt) && autoCommit;
        if (ownTransaction) {
            connection.setAutoCommit(false);
        }
        Savepoint savepoint = autoCommit ? null : connection.setSavepoint();
        try {
            String previousRole = skip ? setLocal(connection, "session_replication_role", "replica") : null;
            String previousDecrypting = decrypt ? setLocal(connection, CryptoFunctionSql.DECRYPTING_SETTING,
                    decryptingName(connection)) : null;
            String[] batchLastKey = executeBatch(connection, batches, lastKey, progress);
            if (decrypt) {
                setLocal(connection, CryptoFunctionSql.DECRYPTING_SETTING, previousDecrypting);
            }
            if (skip) {
                setLocal(connection, "session_replication_role", previousRole);
            }
            if (ownTransaction) {
                connection.commit();
            }
            if (savepoint != null) {
                connection.releaseSavepoint(savepoint);
            }
            return batchLastKey;
        } catch (SQLException e) {
            if (savepoint != null) {
                connection.rollback(savepoint);
            } else if (ownTransaction) {
                connection.rollback();
            }
            throw e;
        } finally {
            if (ownTransaction) {
                connection.setAutoCommit(true);
            }
        }
    }

    /** Sets a parameter until the end of the transaction (null resets it); returns the previous value. */
    private static String setLocal(Connection connection, String name, String value) throws SQLException {
        try (PreparedStatement set = connection.prepareStatement("SELECT current_setting(?, true), "
                + "set_config(?, ?, true)")) {
            set.setString(1, name);
            set.setString(2, name);
            set.setString(3, value);
            try (ResultSet row = set.executeQuery()) {
                row.next();
                return row.getString(1);
            }
        }
    }

    /** The column as the row trigger names it: {@code format('%I.%I.%I', schema, table, column)}. */
    private String decryptingName(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT format('%I.%I.%I', ?, ?, ?)")) {
            query.setString(1, column.schema());
            query.setString(2, column.table());
            query.setString(3, column.column());
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getString(1);
            }
        }
    }

    private String[] executeBatch(Connection connection, BatchSql batches, String[] lastKey,
            ConversionProgress progress) throws SQLException {
        try (PreparedStatement batch = connection.prepareStatement(batches.batch(lastKey != null))) {
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
                    return null;
                }
                long written = row.getLong(1);
                String[] batchLastKey = new String[batches.keySize()];
                for (int i = 0; i < batchLastKey.length; i++) {
                    batchLastKey[i] = row.getString(2 + i);
                }
                progress.batchDone(written);
                return batchLastKey;
            }
        }
    }

    /**
     * The first and last key of the rows the failed batch covered, read again (read-only) after the failure; falls
     * back to the key the batch started after when they cannot be read.
     */
    private String keyRange(Connection connection, BatchSql batches, String[] lastKey, List<String[]> keys) {
        String after = lastKey == null ? "the batch started at the first key" : "the batch started after key "
                + key(batches.keyNames(), lastKey);
        try (PreparedStatement query = connection.prepareStatement(batches.batchKeys(lastKey != null))) {
            int parameter = 1;
            if (lastKey != null) {
                for (String value : lastKey) {
                    query.setString(parameter++, value);
                }
            }
            query.setInt(parameter, batchSize);
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    String[] each = new String[batches.keySize()];
                    for (int i = 0; i < each.length; i++) {
                        each[i] = row.getString(1 + i);
                    }
                    keys.add(each);
                }
            }
            if (keys.isEmpty()) {
                return after;
            }
            return "rows with keys from " + key(batches.keyNames(), keys.get(0)) + " to "
                    + key(batches.keyNames(), keys.get(keys.size() - 1));
        } catch (SQLException e) {
            return after;
        }
    }

    /**
     * When the Lambda's error names a value of the request ({@code event_texts[2]}, 0-based, in the batch's key
     * order), the row it belongs to, as a sentence; else empty.
     */
    private static String failingRow(BatchSql batches, List<String[]> keys, String error) {
        Matcher index = error == null ? null : REQUEST_INDEX.matcher(error);
        if (index == null || !index.find()) {
            return "";
        }
        int position = Integer.parseInt(index.group(1));
        return position < keys.size() ? index.group() + " is the row with key " + key(batches.keyNames(),
                keys.get(position)) + ". " : "";
    }

    private static String key(List<String> names, String[] values) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            parts.add(names.get(i) + "=" + values[i]);
        }
        return parts.size() == 1 ? parts.get(0) : "(" + String.join(", ", parts) + ")";
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
