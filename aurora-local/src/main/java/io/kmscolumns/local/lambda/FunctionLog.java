package io.kmscolumns.local.lambda;

import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The log of one invocation, as Lambda would write it to CloudWatch: a {@code START} line, what the handler logged
 * through {@link com.amazonaws.services.lambda.runtime.Context#getLogger()}, then {@code END} and {@code REPORT}.
 * It is returned as the {@code Tail} of the invocation, and each line the handler logs is also forwarded to the
 * logger {@value #LOGGER_NAME} at INFO, prefixed with the function name and the request id, so that the launcher
 * shows it on standard error as CloudWatch would (the runtime's own lines go there at DEBUG).
 *
 * <p>Only the logger reaches this log: {@code System.out} is shared by the whole JVM and is left alone.
 */
final class FunctionLog implements LambdaLogger {

    /** The logger the handler's lines are forwarded to. */
    static final String LOGGER_NAME = "io.kmscolumns.local.lambda.function";

    /** Lambda returns at most the last 4 KB of the log in {@code X-Amz-Log-Result}. */
    static final int TAIL_BYTES = 4096;

    private static final System.Logger LOG = System.getLogger(LOGGER_NAME);

    private final String functionName;
    private final String requestId;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    FunctionLog(String functionName, String requestId) {
        this.functionName = functionName;
        this.requestId = requestId;
    }

    @Override
    public void log(String message) {
        log(message == null ? new byte[0] : message.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void log(byte[] message) {
        append(message);
        forward(System.Logger.Level.INFO, message);
    }

    /** Appends a line written by the runtime rather than the handler. */
    void runtimeLine(String line) {
        byte[] message = line.getBytes(StandardCharsets.UTF_8);
        append(message);
        forward(System.Logger.Level.DEBUG, message);
    }

    private synchronized void append(byte[] message) {
        bytes.writeBytes(message);
        if (message.length == 0 || message[message.length - 1] != '\n') {
            bytes.write('\n');
        }
    }

    private void forward(System.Logger.Level level, byte[] message) {
        if (!LOG.isLoggable(level)) {
            return;
        }
        String prefix = functionName + " " + requestId + ": ";
        new String(message, StandardCharsets.UTF_8).stripTrailing().lines()
                .forEach(line -> LOG.log(level, prefix + line));
    }

    /** The last {@value #TAIL_BYTES} bytes of the log, base64-encoded, as Lambda's {@code X-Amz-Log-Result}. */
    synchronized String tailBase64() {
        byte[] all = bytes.toByteArray();
        byte[] tail = all.length <= TAIL_BYTES ? all : Arrays.copyOfRange(all, all.length - TAIL_BYTES, all.length);
        return Base64.getEncoder().encodeToString(tail);
    }
}
