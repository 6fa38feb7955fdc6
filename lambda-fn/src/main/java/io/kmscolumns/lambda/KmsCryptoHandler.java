package io.kmscolumns.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.core.warmup.SdkWarmUp;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The Lambda function: encrypts and decrypts column values with AWS KMS (protocol in {@code docs/lambda-protocol.md},
 * ciphertext format in {@code docs/ciphertext-format.md}).
 *
 * <p>Handler string: {@code io.kmscolumns.lambda.KmsCryptoHandler::handleRequest}, Java 17 or 21 runtime. Settings
 * come from the environment (see {@link HandlerSettings}); {@code KMS_KEY_ID} is required.
 *
 * <p><b>Container lifetime.</b> One instance serves every invocation of its container. It creates the bounded
 * worker pool once, and the {@link KmsClient} once, on the first invocation rather than at initialisation: under
 * SnapStart nothing that holds credentials, a resolved identity or an open connection is in the snapshot, so a
 * restored container never reuses expired credentials or a dead socket. Initialisation instead primes, without any
 * network or credentials, what every invocation needs: the SDK's request pipeline ({@link SdkWarmUp}, against a
 * canned in-memory response), JSON parsing, the ciphertext format and the log line. No {@code beforeCheckpoint} or
 * {@code afterRestore} hook is needed.
 *
 * <p><b>Failures</b> are thrown, so the Lambda runtime reports a function error whose type is the exception's class
 * name ({@link KmsCryptoException} subclasses) and whose message names the value's index and the KMS error, never a
 * value. A batch either succeeds as a whole or fails.
 */
public class KmsCryptoHandler implements RequestStreamHandler {

    /** Lambda's limit on a synchronous request payload, in bytes. */
    static final int MAX_REQUEST_BYTES = 6_291_456;

    /** Lambda's limit on a synchronous response payload, in bytes. */
    static final int MAX_RESPONSE_BYTES = 6_291_556;

    private static final String PRIMING_REQUEST =
        "{\"event_type\":\"enc\",\"event_texts\":[\"\",null,\"\\u00e9\"],\"context\":{\"k\":\"v\"}}";

    private final HandlerSettings settings;
    private final FunctionConfigurationException configurationError;
    private final CryptoProtocol protocol;
    private final KeyService keys;
    private final ParallelBatch batch;
    private final InvocationLog log = new InvocationLog();

    /** For the Lambda runtime: settings from {@link System#getenv()}, SDK default region and credentials chains. */
    public KmsCryptoHandler() {
        this(System.getenv(), true);
    }

    /**
     * For hosts that pass the environment explicitly (the local Lambda of {@code aurora-local}): region, endpoint
     * and credentials are taken from the map when present ({@code AWS_REGION}, {@code AWS_ENDPOINT_URL_KMS},
     * {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}).
     *
     * @param environment the function's environment variables
     */
    public KmsCryptoHandler(Map<String, String> environment) {
        this(environment, false);
    }

    private KmsCryptoHandler(Map<String, String> environment, boolean sdkDefaultProviders) {
        this(Configuration.read(environment, sdkDefaultProviders), KmsClientFactory::create);
    }

    /**
     * For tests and benchmarks that supply their own client.
     *
     * @param settings the settings
     * @param clientFactory builds the KMS client on first use
     */
    KmsCryptoHandler(HandlerSettings settings, Function<HandlerSettings, KmsClient> clientFactory) {
        this(new Configuration(settings, null), clientFactory);
    }

    private KmsCryptoHandler(Configuration configuration, Function<HandlerSettings, KmsClient> clientFactory) {
        this.settings = configuration.settings();
        this.configurationError = configuration.error();
        this.protocol = new CryptoProtocol(this.settings == null
            ? HandlerSettings.DEFAULT_MAX_VALUES : this.settings.maxValues());
        if (this.settings == null) {
            this.keys = null;
            this.batch = null;
        } else {
            this.keys = new KeyService(new OnFirstUse<>(() -> clientFactory.apply(this.settings)),
                this.settings.keyId(), this.settings.decryptWithKeyId());
            this.batch = new ParallelBatch(this.settings.concurrency());
        }
        prime();
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        long start = System.nanoTime();
        InvocationStats stats = new InvocationStats();
        CryptoRequest request = null;
        String errorType = null;
        try {
            if (configurationError != null) {
                throw new FunctionConfigurationException(configurationError.getMessage());
            }
            request = protocol.parse(readBody(input));
            List<String> results = request.operation() == Operation.ENCRYPT
                ? encrypt(request, stats) : decrypt(request, stats);

            byte[] response = protocol.response(request, results);
            if (response.length > MAX_RESPONSE_BYTES) {
                throw new PayloadTooLargeException("The response would be " + response.length + " bytes, over"
                    + " Lambda's limit of " + MAX_RESPONSE_BYTES + " bytes for " + request.values().size()
                    + " values; nothing was returned. Send fewer values per request");
            }
            output.write(response);
        } catch (KmsCryptoException e) {
            errorType = e.errorType();
            throw e;
        } catch (IOException e) {
            errorType = e.getClass().getSimpleName();
            throw e;
        } catch (RuntimeException e) {
            // A library's message could quote input: report the class only.
            FunctionInternalException internal = new FunctionInternalException("Unexpected "
                + e.getClass().getName() + " in the function; no value of this request was returned");
            errorType = internal.errorType();
            throw internal;
        } finally {
            log.write(context, new InvocationLog.Entry(
                context == null ? null : context.getAwsRequestId(),
                request == null ? null : request.operation(),
                request == null ? null : request.batch(),
                request == null ? 0 : request.values().size(),
                (System.nanoTime() - start) / 1_000_000,
                stats.kmsCalls(),
                stats.retries(),
                errorType));
        }
    }

    private List<String> encrypt(CryptoRequest request, InvocationStats stats) {
        // Check every value before the first KMS call, so a bad value at the end costs no KMS work.
        List<String> values = request.values();
        byte[][] plaintexts = new byte[values.size()][];
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) != null) {
                plaintexts[i] = CiphertextFormat.plaintextBytes(values.get(i), request.where(i));
            }
        }
        return batch.map(values.size(), i -> plaintexts[i] != null, i -> CiphertextFormat.format(
            keys.encrypt(plaintexts[i], request.context(), request.where(i), stats)));
    }

    private List<String> decrypt(CryptoRequest request, InvocationStats stats) {
        List<String> values = request.values();
        byte[][] blobs = new byte[values.size()][];
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) != null) {
                blobs[i] = CiphertextFormat.parse(values.get(i), request.where(i));
            }
        }
        return batch.map(values.size(), i -> blobs[i] != null, i -> CiphertextFormat.text(
            keys.decrypt(blobs[i], request.context(), request.where(i), stats), request.where(i)));
    }

    private static byte[] readBody(InputStream input) throws IOException {
        byte[] body = input.readNBytes(MAX_REQUEST_BYTES + 1);
        if (body.length > MAX_REQUEST_BYTES) {
            throw new PayloadTooLargeException("The request is larger than Lambda's limit of " + MAX_REQUEST_BYTES
                + " bytes; nothing was processed. Send fewer values per request");
        }
        return body;
    }

    /** Loads and initialises what every invocation uses, without touching the network or credentials. */
    private void prime() {
        try {
            // The SDK's own priming: runs a KMS client's request pipeline once against a canned in-memory HTTP
            // response with anonymous credentials (once per JVM). It moves most of the first call's class loading
            // and initialisation into the init phase (or the SnapStart snapshot) and opens no connection.
            SdkWarmUp.warmUp(KmsClient.class);
        } catch (RuntimeException | LinkageError e) {
            // Priming only saves time; the first invocation does the same work if it fails.
        }
        CryptoRequest request = protocol.parse(PRIMING_REQUEST.getBytes(StandardCharsets.UTF_8));
        byte[] plaintext = CiphertextFormat.plaintextBytes(request.values().get(2), request.where(2));
        String text = CiphertextFormat.text(plaintext, request.where(2));
        String ciphertext = CiphertextFormat.format(new byte[] {1, 2, 2, 0});
        CiphertextFormat.parse(ciphertext, request.where(0));
        protocol.response(request, Arrays.asList(ciphertext, null, text));
        log.line(new InvocationLog.Entry("priming", request.operation(), true, 3, 0, 0, 0, null));
    }

    /** Valid settings, or the configuration error every invocation reports (so that callers see it in SQL). */
    private record Configuration(HandlerSettings settings, FunctionConfigurationException error) {

        static Configuration read(Map<String, String> environment, boolean sdkDefaultProviders) {
            try {
                HandlerSettings settings = HandlerSettings.fromEnvironment(environment);
                return new Configuration(sdkDefaultProviders ? settings.withSdkDefaultProviders() : settings, null);
            } catch (FunctionConfigurationException e) {
                return new Configuration(null, e);
            }
        }
    }

    /** A value created by the first thread that needs it, then shared. */
    private static final class OnFirstUse<T> implements Supplier<T> {

        private final Supplier<T> factory;
        private volatile T value;

        OnFirstUse(Supplier<T> factory) {
            this.factory = factory;
        }

        @Override
        public T get() {
            T current = value;
            if (current == null) {
                synchronized (this) {
                    current = value;
                    if (current == null) {
                        current = factory.get();
                        value = current;
                    }
                }
            }
            return current;
        }
    }
}
