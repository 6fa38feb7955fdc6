package io.kmscolumns.lambda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Runs one KMS call per value of a batch on the container's bounded pool of worker threads.
 *
 * <p>The pool is created once per container and shared by all invocations, so {@code concurrency} bounds the KMS
 * calls in flight from this container however many requests it serves; that keeps one function instance from
 * spending the account's shared KMS request quota on its own. Results keep request order. The first failure stops
 * calls that have not started yet; the failure of the lowest index among those that ran is thrown.
 */
final class ParallelBatch implements AutoCloseable {

    private final ThreadPoolExecutor pool;

    /**
     * @param concurrency the most calls in flight at once
     */
    ParallelBatch(int concurrency) {
        AtomicInteger threadNumber = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), task -> {
                Thread thread = new Thread(task, "kms-crypto-" + threadNumber.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        // Idle threads go away; a warm container re-creates them on demand.
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * Computes one result per index.
     *
     * @param count how many results
     * @param present which indices have a value (the others' results are null, without a call)
     * @param call the work for one index
     * @return the results in index order
     */
    List<String> map(int count, IntPredicate present, IntFunction<String> call) {
        String[] results = new String[count];
        int work = 0;
        for (int i = 0; i < count; i++) {
            work += present.test(i) ? 1 : 0;
        }
        if (work <= 1) {
            // Nothing to overlap: stay on the invocation's thread.
            for (int i = 0; i < count; i++) {
                results[i] = present.test(i) ? call.apply(i) : null;
            }
            return Arrays.asList(results);
        }

        AtomicBoolean failed = new AtomicBoolean();
        RuntimeException[] failures = new RuntimeException[count];
        List<Future<?>> futures = new ArrayList<>(work);
        for (int i = 0; i < count; i++) {
            if (!present.test(i)) {
                continue;
            }
            int index = i;
            futures.add(pool.submit(() -> {
                if (failed.get()) {
                    return;
                }
                try {
                    results[index] = call.apply(index);
                } catch (RuntimeException e) {
                    failures[index] = e;
                    failed.set(true);
                }
            }));
        }

        awaitAll(futures);
        for (RuntimeException failure : failures) {
            if (failure != null) {
                throw failure;
            }
        }
        return Arrays.asList(results);
    }

    private static void awaitAll(List<Future<?>> futures) {
        try {
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new FunctionInternalException("The invocation was interrupted while waiting for KMS; no value of"
                + " this request was returned");
        } catch (ExecutionException e) {
            // Tasks catch their own failures; anything else is a bug in the function.
            throw new FunctionInternalException("A batch worker failed unexpectedly ("
                + e.getCause().getClass().getSimpleName() + "); no value of this request was returned");
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
