package io.kmscolumns.local.kms;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Faults the local KMS injects into its cryptographic operations (Encrypt, Decrypt, ReEncrypt, GenerateDataKey and
 * GenerateDataKeyWithoutPlaintext), for tests and benchmarks of code that calls KMS. Key management calls are never
 * affected.
 *
 * <p>Settings can be changed while the server runs and from any thread; each takes effect from the next call. For
 * every cryptographic call, in this order: the call waits for the {@linkplain #latency latency}; then fails if
 * {@linkplain #failAfter the failure budget} is used up; then is throttled if the {@linkplain #throttleRate
 * throttle rate} says so.
 *
 * <p>Throttling is deterministic, not random: with rate {@code r}, the {@code n}-th call since the rate was set is
 * throttled when {@code floor(n*r)} grows, so exactly {@code floor(n*r)} of the first {@code n} calls are throttled,
 * spread evenly (rate 0.25 throttles every fourth call). Tests can then count on the outcome.
 */
public final class KmsFaults {

    private volatile Duration latency = Duration.ZERO;
    private volatile Throttling throttling = new Throttling(0);
    private volatile Failure failure;
    private final AtomicLong injectedErrors = new AtomicLong();

    KmsFaults() {
    }

    /** Every cryptographic call waits this long before it is answered; {@link Duration#ZERO} for none. */
    public KmsFaults latency(Duration latency) {
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must be zero or positive, not " + latency);
        }
        this.latency = latency;
        return this;
    }

    /**
     * Answers this fraction of cryptographic calls with {@code ThrottlingException} (HTTP 400, as KMS does when the
     * request quota is exceeded). 0 turns throttling off, 1 throttles every call. Restarts the count of calls.
     */
    public KmsFaults throttleRate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("throttle rate must be between 0 and 1, not " + rate);
        }
        this.throttling = new Throttling(rate);
        return this;
    }

    /** Lets the next {@code calls} cryptographic calls succeed, then fails every later one (KMSInternalException). */
    public KmsFaults failAfter(long calls) {
        return failAfter(calls, "KMSInternalException");
    }

    /**
     * Lets the next {@code calls} cryptographic calls succeed, then answers every later one with the KMS error
     * {@code errorCode} (for example {@code DependencyTimeoutException} or {@code KeyUnavailableException}), with
     * the HTTP status the KMS service model gives that code.
     */
    public KmsFaults failAfter(long calls, String errorCode) {
        if (calls < 0) {
            throw new IllegalArgumentException("failAfter needs a number of calls >= 0, not " + calls);
        }
        if (errorCode == null || errorCode.isBlank()) {
            throw new IllegalArgumentException("failAfter needs a KMS error code such as KMSInternalException");
        }
        this.failure = new Failure(new AtomicLong(calls), errorCode);
        return this;
    }

    /** Removes every fault: no latency, no throttling, no failures. */
    public KmsFaults clear() {
        latency = Duration.ZERO;
        throttling = new Throttling(0);
        failure = null;
        return this;
    }

    /** How many calls were answered with an injected error (throttled or failed) since the server started. */
    public long injectedErrorCount() {
        return injectedErrors.get();
    }

    /** Applies the current faults to one cryptographic call; throws the injected error, if any. */
    void beforeCryptographicCall() {
        Duration wait = latency;
        if (!wait.isZero()) {
            try {
                Thread.sleep(wait.toMillis(), wait.toNanosPart() % 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw LocalKmsException.internal("The local KMS is shutting down.");
            }
        }

        Failure currentFailure = failure;
        if (currentFailure != null && currentFailure.remaining().getAndDecrement() <= 0) {
            injectedErrors.incrementAndGet();
            throw new LocalKmsException(currentFailure.errorCode(),
                    "Injected fault: the local KMS was told to fail every cryptographic call from now on.");
        }

        if (throttling.throttlesNextCall()) {
            injectedErrors.incrementAndGet();
            throw new LocalKmsException("ThrottlingException", "Rate exceeded");
        }
    }

    private record Throttling(double rate, AtomicLong calls) {

        Throttling(double rate) {
            this(rate, new AtomicLong());
        }

        boolean throttlesNextCall() {
            if (rate == 0) {
                return false;
            }
            long n = calls.incrementAndGet();
            return Math.floor(n * rate) > Math.floor((n - 1) * rate);
        }
    }

    private record Failure(AtomicLong remaining, String errorCode) {
    }
}
