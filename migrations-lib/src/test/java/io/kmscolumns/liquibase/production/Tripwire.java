package io.kmscolumns.liquibase.production;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Runs an action once, from a background thread, as soon as a progress counter (for example the local KMS's
 * request count) reaches a threshold: a fault injected in the middle of a run rather than before it.
 */
final class Tripwire implements AutoCloseable {

    /** An action that may throw. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    private final Thread watcher;
    private final CountDownLatch fired = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;

    private Tripwire(LongSupplier progress, long threshold, Action action) {
        watcher = new Thread(() -> {
            while (!closed) {
                if (progress.getAsLong() >= threshold) {
                    try {
                        action.run();
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                    fired.countDown();
                    return;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "tripwire");
        watcher.setDaemon(true);
    }

    /** Starts watching {@code progress}; {@code action} runs once when it reaches {@code threshold}. */
    static Tripwire arm(LongSupplier progress, long threshold, Action action) {
        Tripwire tripwire = new Tripwire(progress, threshold, action);
        tripwire.watcher.start();
        return tripwire;
    }

    /** Whether the action ran (waits briefly for one in progress); rethrows what it threw. */
    boolean fired() throws Exception {
        boolean ran = fired.await(5, TimeUnit.SECONDS);
        Throwable thrown = failure.get();
        if (thrown instanceof Exception e) {
            throw e;
        }
        if (thrown != null) {
            throw new IllegalStateException(thrown);
        }
        return ran;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        watcher.join(5_000);
    }
}
