package io.kmscolumns.lambda;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts the KMS work of one invocation, for its log line. Safe to update from the batch's worker threads. */
public final class InvocationStats {

    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger attempts = new AtomicInteger();

    void callStarted() {
        calls.incrementAndGet();
    }

    void attemptSent() {
        attempts.incrementAndGet();
    }

    /**
     * @return KMS operations requested (one per non-null value that reached KMS)
     */
    public int kmsCalls() {
        return calls.get();
    }

    /**
     * @return HTTP attempts beyond the first of each operation, that is retries made by the SDK's retry strategy
     */
    public int retries() {
        return Math.max(0, attempts.get() - calls.get());
    }
}
