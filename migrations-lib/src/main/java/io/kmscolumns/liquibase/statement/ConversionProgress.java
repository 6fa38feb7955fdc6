package io.kmscolumns.liquibase.statement;

import java.time.Duration;
import liquibase.Scope;

/**
 * Progress of a column conversion (rows done of total, rate), sent to the Liquibase UI at most every few seconds
 * and to the Liquibase logger after every batch. Never includes values.
 */
final class ConversionProgress {

    private static final long UI_INTERVAL_NANOS = Duration.ofSeconds(5).toNanos();

    private final String what;
    private final long total;
    private final long started = System.nanoTime();
    private long lastShown = started;
    private long done;
    private int batches;

    ConversionProgress(String what, long total) {
        this.what = what;
        this.total = total;
    }

    void batchDone(long rows) {
        done += rows;
        batches++;
        String line = summary();
        Scope.getCurrentScope().getLog(ConversionProgress.class).fine(line);
        long now = System.nanoTime();
        if (now - lastShown >= UI_INTERVAL_NANOS) {
            lastShown = now;
            Scope.getCurrentScope().getUI().sendMessage("kms-columns: " + line);
        }
    }

    long total() {
        return total;
    }

    long done() {
        return done;
    }

    int batches() {
        return batches;
    }

    String summary() {
        double seconds = Math.max((System.nanoTime() - started) / 1e9, 0.001);
        long percent = total == 0 ? 100 : Math.min(100, done * 100 / total);
        return String.format("%s: %d of %d rows (%d%%) in %d batches, %.0f rows/s", what, done, total, percent,
                batches, done / seconds);
    }
}
