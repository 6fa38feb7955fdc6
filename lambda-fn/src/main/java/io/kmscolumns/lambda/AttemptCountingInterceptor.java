package io.kmscolumns.lambda;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Counts the HTTP attempts the SDK makes for each KMS call, so that retries show in the invocation's log line. The
 * invocation's {@link InvocationStats} travels with each request as an execution attribute.
 */
final class AttemptCountingInterceptor implements ExecutionInterceptor {

    /** Where a request carries the stats of the invocation it belongs to. */
    static final ExecutionAttribute<InvocationStats> STATS = new ExecutionAttribute<>("KmsColumnsInvocationStats");

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        // Called once per attempt, retries included.
        InvocationStats stats = attributes.getAttribute(STATS);
        if (stats != null) {
            stats.attemptSent();
        }
    }
}
