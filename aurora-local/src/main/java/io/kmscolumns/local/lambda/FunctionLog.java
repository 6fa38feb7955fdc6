package io.kmscolumns.local.lambda;

import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The log of one invocation, as Lambda would write it to CloudWatch: a {@code START} line, what the handler logged
 * through {@link com.amazonaws.services.lambda.runtime.Context#getLogger()}, then {@code END} and {@code REPORT}.
 *
 * <p>Only the logger reaches this log: {@code System.out} is shared by the whole JVM and is left alone.
 */
final class FunctionLog implements LambdaLogger {

    /** Lambda returns at most the last 4 KB of the log in {@code X-Amz-Log-Result}. */
    static final int TAIL_BYTES = 4096;

    private static final System.Logger LOG = System.getLogger(FunctionLog.class.getName());

    private final String functionName;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    FunctionLog(String functionName) {
        this.functionName = functionName;
    }

    @Override
    public void log(String message) {
        log(message == null ? new byte[0] : message.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void log(byte[] message) {
        bytes.writeBytes(message);
        if (message.length == 0 || message[message.length - 1] != '\n') {
            bytes.write('\n');
        }
        LOG.log(System.Logger.Level.DEBUG, () -> functionName + ": "
                + new String(message, StandardCharsets.UTF_8).stripTrailing());
    }

    /** Appends a line written by the runtime rather than the handler. */
    void runtimeLine(String line) {
        log(line);
    }

    /** The last {@value #TAIL_BYTES} bytes of the log, base64-encoded, as Lambda's {@code X-Amz-Log-Result}. */
    synchronized String tailBase64() {
        byte[] all = bytes.toByteArray();
        byte[] tail = all.length <= TAIL_BYTES ? all : Arrays.copyOfRange(all, all.length - TAIL_BYTES, all.length);
        return Base64.getEncoder().encodeToString(tail);
    }
}
