package io.kmscolumns.liquibase.production;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kmscolumns.liquibase.production.ProductionTable.Keys;
import io.kmscolumns.liquibase.production.ProductionTable.State;
import io.kmscolumns.local.LocalAurora;
import io.kmscolumns.local.junit.LocalAuroraDatabase;
import io.kmscolumns.local.junit.LocalAuroraExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * encryptColumn under faults injected while it runs: the Lambda endpoint stopped, KMS failing, KMS throttling
 * every call, the key disabled, Liquibase's database session terminated. After each: the update fails, the
 * changeset is not recorded as run, every row holds either its original plaintext or ciphertext of it (nothing
 * lost, blanked, encrypted twice or half written); once the fault is gone a rerun finishes, leaves no plaintext,
 * and the decrypted column's digest equals the original column's (which also rules out double encryption).
 *
 * <p>Each table has {@value #ROWS} rows in batches of {@value #BATCH_SIZE}, so the fault lands after dozens of
 * committed batches and before dozens more.
 */
@ExtendWith(LocalAuroraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashSafetyTest {

    private static final int ROWS = 2000;
    private static final int BATCH_SIZE = 40;
    /** KMS calls after which the fault strikes: the probe's two, then about a third of the rows. */
    private static final long FAULT_AFTER_CALLS = 2 + ROWS / 3;

    private LocalAurora stack;
    private LocalAuroraDatabase database;
    private LiquibaseUpdate liquibase;

    @BeforeAll
    void createFunctions(LocalAuroraDatabase database, @TempDir Path changelogs) throws Exception {
        this.database = database;
        this.stack = database.stack();
        this.liquibase = new LiquibaseUpdate(database.jdbcUrl(), changelogs);
        liquibase.update(liquibase.functionsChangelog(stack.functionName()));
    }

    @AfterEach
    void clearFaults() {
        stack.startLambda();
        stack.kms().faults().clear();
        stack.kms().enableKey(stack.keyArn());
    }

    @Test
    void lambdaEndpointStoppedMidRunLosesNothingAndARerunFinishes() throws Exception {
        Throwable failure = survives("crash_lambda_stopped", Keys.DENSE,
                calls -> Tripwire.arm(() -> stack.kms().requestCount(), calls, stack::stopLambda),
                stack::startLambda);

        assertThat(failure).hasStackTraceContaining("kms-columns: batch");
    }

    @Test
    void kmsFailingMidRunLosesNothingAndARerunFinishes() throws Exception {
        Throwable failure = survives("crash_kms_failing", Keys.SPARSE, calls -> {
            stack.kms().faults().failAfter(calls - stack.kms().requestCount());
            return null;
        }, () -> stack.kms().faults().clear());

        assertThat(failure).hasStackTraceContaining("kms-columns: batch").hasStackTraceContaining("KMSInternal");
    }

    @Test
    void kmsThrottlingEveryCallMidRunLosesNothingAndARerunFinishes() throws Exception {
        Throwable failure = survives("crash_kms_throttled", Keys.COMPOSITE,
                calls -> Tripwire.arm(() -> stack.kms().requestCount(), calls,
                        () -> stack.kms().faults().throttleRate(1.0)),
                () -> stack.kms().faults().clear());

        assertThat(failure).hasStackTraceContaining("kms-columns: batch").hasStackTraceContaining("Throttl");
    }

    @Test
    void keyDisabledMidRunLosesNothingAndARerunFinishes() throws Exception {
        Throwable failure = survives("crash_key_disabled", Keys.DENSE,
                calls -> Tripwire.arm(() -> stack.kms().requestCount(), calls,
                        () -> stack.kms().disableKey(stack.keyArn())),
                () -> stack.kms().enableKey(stack.keyArn()));

        assertThat(failure).hasStackTraceContaining("kms-columns: batch").hasStackTraceContaining("Disabled");
    }

    @Test
    void databaseSessionTerminatedMidRunLosesNothingAndARerunFinishes() throws Exception {
        Throwable failure = survives("crash_session_killed", Keys.COMPOSITE,
                calls -> Tripwire.arm(() -> stack.kms().requestCount(), calls, this::terminateLiquibaseSession),
                this::releaseStaleLock);

        assertThat(failure).hasStackTraceContaining("terminating connection");
    }

    /**
     * Runs encryptColumn on a new table with a fault armed, checks the state it leaves, clears the fault, reruns
     * and checks the result. Returns what the failed update threw.
     */
    private Throwable survives(String tableName, Keys keys, FaultArming arm, Tripwire.Action clear)
            throws Exception {
        ProductionTable table;
        String originalDigest;
        try (Connection connection = database.connect()) {
            table = ProductionTable.create(connection, tableName, keys, ROWS);
            originalDigest = table.originalDigest(connection);
        }
        String changelog = liquibase.encryptChangelog(tableName, table.column, BATCH_SIZE);
        String changeSet = LiquibaseUpdate.changeSetId(tableName);

        Throwable failure;
        Tripwire tripwire = arm.arm(stack.kms().requestCount() + FAULT_AFTER_CALLS);
        try {
            failure = catchThrowable(() -> liquibase.update(changelog));
            if (tripwire != null) {
                assertThat(tripwire.fired()).as("the fault was injected").isTrue();
            }
        } finally {
            if (tripwire != null) {
                tripwire.close();
            }
            clear.run();
        }

        assertThat(failure).as("update under the fault").isNotNull();
        assertThat(liquibase.ran(changeSet)).as("changeset recorded as run after a failure").isFalse();
        try (Connection connection = database.connect()) {
            State interrupted = table.inspect(connection);
            assertThat(interrupted.problems()).as("rows damaged by the interrupted run").isEmpty();
            assertThat(interrupted.ciphertext()).as("rows encrypted before the fault").isPositive();
            assertThat(interrupted.plaintext()).as("rows left for the rerun").isPositive();
        }

        liquibase.update(changelog);

        assertThat(liquibase.ran(changeSet)).as("changeset recorded as run after the rerun").isTrue();
        try (Connection connection = database.connect()) {
            assertThat(table.plaintextCount(connection)).as("rows left in plaintext after the rerun").isZero();
            assertThat(table.decryptedDigest(connection)).as("digest of the decrypted column")
                    .isEqualTo(originalDigest);
        }
        return failure;
    }

    private void terminateLiquibaseSession() throws Exception {
        try (Connection connection = database.connect();
             PreparedStatement terminate = connection.prepareStatement(
                     "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             + "WHERE application_name = ? AND datname = current_database()")) {
            terminate.setString(1, LiquibaseUpdate.APPLICATION_NAME);
            terminate.executeQuery();
        }
    }

    /**
     * Liquibase releases DATABASECHANGELOGLOCK on the session that ran the update; when that session is gone the
     * lock stays held (as after a killed process) and an operator runs {@code liquibase releaseLocks}.
     */
    private void releaseStaleLock() throws Exception {
        if (liquibase.locked()) {
            liquibase.releaseLocks();
        }
    }

    /** Arms a fault to strike at a KMS request count; returns the tripwire, or null when none is needed. */
    @FunctionalInterface
    private interface FaultArming {
        Tripwire arm(long atRequestCount) throws Exception;
    }
}
