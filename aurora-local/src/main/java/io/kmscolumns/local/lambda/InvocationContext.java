package io.kmscolumns.local.lambda;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The {@link Context} of one invocation, with the names and values Lambda's Java runtime would give. */
final class InvocationContext implements Context {

    private final String requestId;
    private final FunctionArn invokedArn;
    private final String logStreamName;
    private final int memorySizeMb;
    private final long deadlineNanos;
    private final ClientContext clientContext;
    private final FunctionLog log;

    InvocationContext(String requestId, FunctionArn invokedArn, String logStreamName, int memorySizeMb,
                      long deadlineNanos, ClientContext clientContext, FunctionLog log) {
        this.requestId = requestId;
        this.invokedArn = invokedArn;
        this.logStreamName = logStreamName;
        this.memorySizeMb = memorySizeMb;
        this.deadlineNanos = deadlineNanos;
        this.clientContext = clientContext;
        this.log = log;
    }

    /** A log stream name in Lambda's form: {@code yyyy/MM/dd/[$LATEST]<32 hex digits>}. */
    static String newLogStreamName(String environmentId) {
        return LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy/MM/dd"))
                + "/[" + FunctionArn.LATEST + "]" + environmentId;
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + invokedArn.functionName();
    }

    @Override
    public String getLogStreamName() {
        return logStreamName;
    }

    @Override
    public String getFunctionName() {
        return invokedArn.functionName();
    }

    @Override
    public String getFunctionVersion() {
        return FunctionArn.LATEST;
    }

    @Override
    public String getInvokedFunctionArn() {
        return invokedArn.qualifiedArn();
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return clientContext;
    }

    @Override
    public int getRemainingTimeInMillis() {
        long remaining = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, remaining));
    }

    @Override
    public int getMemoryLimitInMB() {
        return memorySizeMb;
    }

    @Override
    public LambdaLogger getLogger() {
        return log;
    }
}
