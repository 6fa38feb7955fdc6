package io.kmscolumns.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * Writes the one structured log line of each invocation through the Lambda logger, for example
 * <pre>{"level":"INFO","message":"kms-crypto invocation","requestId":"8f0c...","operation":"enc","batch":true,
 * "values":500,"durationMs":41,"kmsCalls":498,"retries":3,"errorType":null}</pre>
 * It holds counts and names only: never a value, a key or a ciphertext (the error message is left out too, although
 * it holds no value, because CloudWatch already receives it with the function error).
 */
final class InvocationLog {

    private final JsonFactory json = new JsonFactory();

    /** What one invocation did. */
    record Entry(String requestId, Operation operation, Boolean batch, int values, long durationMs, int kmsCalls,
                 int retries, String errorType) {
    }

    void write(Context context, Entry entry) {
        LambdaLogger logger = context != null && context.getLogger() != null
            ? context.getLogger() : LambdaRuntime.getLogger();
        logger.log(line(entry) + "\n");
    }

    String line(Entry entry) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator line = json.createGenerator(out)) {
            line.writeStartObject();
            line.writeStringField("level", entry.errorType() == null ? "INFO" : "ERROR");
            line.writeStringField("message", "kms-crypto invocation");
            line.writeStringField("requestId", entry.requestId());
            line.writeStringField("operation", entry.operation() == null ? null : entry.operation().eventType());
            if (entry.batch() == null) {
                line.writeNullField("batch");
            } else {
                line.writeBooleanField("batch", entry.batch());
            }
            line.writeNumberField("values", entry.values());
            line.writeNumberField("durationMs", entry.durationMs());
            line.writeNumberField("kmsCalls", entry.kmsCalls());
            line.writeNumberField("retries", entry.retries());
            line.writeStringField("errorType", entry.errorType());
            line.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
