package io.kmscolumns.local.lambda;

/**
 * What one synchronous invocation produced.
 *
 * @param payload the response body: the handler's result, or the error object when {@code functionError} is set
 * @param functionError {@code Unhandled} when the function failed, else {@code null}
 * @param log the invocation's log
 */
record InvocationOutcome(byte[] payload, String functionError, FunctionLog log) {
}
