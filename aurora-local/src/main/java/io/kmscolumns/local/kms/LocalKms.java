package io.kmscolumns.local.kms;

import com.sun.net.httpserver.HttpServer;
import io.kmscolumns.local.http.LoopbackHttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A local stand-in for AWS KMS: an HTTP server on 127.0.0.1 that speaks the KMS JSON 1.1 protocol, so the AWS SDK's
 * {@code KmsClient} works against it unchanged (with {@code endpointOverride(kms.endpoint())} and any credentials).
 *
 * <p>It implements CreateKey, DescribeKey, CreateAlias, ListAliases, Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
 * GenerateDataKeyWithoutPlaintext, EnableKey, DisableKey, ScheduleKeyDeletion and CancelKeyDeletion for symmetric
 * keys. Encryption is real AES-256-GCM with the encryption context as additional authenticated data; ciphertext
 * blobs start with the bytes {@code 01 02 02 00} like real KMS blobs. Errors carry KMS's codes, so each arrives as
 * the SDK's own exception class. {@link #faults()} injects latency, throttling and failures.
 *
 * <p>Keys live in memory unless {@link Builder#stateFile(Path)} names a file, which then holds the key material in
 * clear: this class is for local development and tests only.
 *
 * <pre>{@code
 * try (LocalKms kms = LocalKms.builder().port(0).build().start()) {
 *     String keyArn = kms.createKey("test key");
 *     KmsClient client = KmsClient.builder().endpointOverride(kms.endpoint()) ... .build();
 * }
 * }</pre>
 */
public final class LocalKms implements AutoCloseable {

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");

    private final int requestedPort;
    private final int threads;
    private final KeyRing ring;
    private final KmsFaults faults = new KmsFaults();
    private final KmsOperations operations;
    private HttpServer server;
    private ThreadPoolExecutor executor;

    private LocalKms(Builder builder) {
        this.requestedPort = builder.port;
        this.threads = builder.threads;
        StateFile stateFile = builder.stateFile == null ? null : new StateFile(builder.stateFile);
        this.ring = new KeyRing(new KmsArns(builder.region, builder.accountId), stateFile);
        this.operations = new KmsOperations(ring, faults);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the server to 127.0.0.1 and starts serving; returns this instance. */
    public synchronized LocalKms start() {
        if (server != null) {
            throw new IllegalStateException("The local KMS is already running at " + endpoint());
        }
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "local-kms-" + threadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        try {
            HttpServer httpServer = LoopbackHttpServer.create(requestedPort, 128);
            httpServer.createContext("/", new KmsHttpHandler(operations));
            httpServer.setExecutor(pool);
            httpServer.start();
            this.server = httpServer;
            this.executor = pool;
        } catch (IOException e) {
            pool.shutdownNow();
            throw new UncheckedIOException("Cannot start the local KMS on 127.0.0.1:" + requestedPort
                    + "; choose another port, or port 0 for any free one.", e);
        }
        return this;
    }

    /** The base URL, {@code http://127.0.0.1:<port>}, to pass to {@code endpointOverride}. */
    public synchronized URI endpoint() {
        if (server == null) {
            throw new IllegalStateException("The local KMS is not running; call start() first.");
        }
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public String region() {
        return ring.arns().region();
    }

    public String accountId() {
        return ring.arns().accountId();
    }

    /** Creates an enabled symmetric key and returns its ARN. */
    public String createKey(String description) {
        return ring.arns().keyArn(ring.create(description == null ? "" : description).id());
    }

    /**
     * Points {@code aliasName} ({@code alias/...}) at a key.
     *
     * @throws LocalKmsException AlreadyExistsException when the alias exists, NotFoundException for an unknown key
     */
    public void createAlias(String aliasName, String keyIdOrArn) {
        ring.createAlias(aliasName, keyIdOrArn);
    }

    /** The ARN of the key a key id, key ARN, alias name or alias ARN names. */
    public String keyArn(String keyId) {
        return ring.arns().keyArn(ring.resolve(keyId, "keyId", true).id());
    }

    /** Enables a key (any identifier: id, ARN, alias or alias ARN). */
    public void enableKey(String keyId) {
        ring.enable(keyIdOf(keyId));
    }

    /** Disables a key: cryptographic calls with it then fail with DisabledException. */
    public void disableKey(String keyId) {
        ring.disable(keyIdOf(keyId));
    }

    /**
     * Schedules a key for deletion in 30 days: cryptographic calls with it then fail with KMSInvalidStateException.
     * The local KMS never actually deletes the key.
     */
    public void scheduleKeyDeletion(String keyId) {
        ring.scheduleDeletion(keyIdOf(keyId), 30);
    }

    /** Cancels a scheduled deletion; as in KMS, the key is then disabled. */
    public void cancelKeyDeletion(String keyId) {
        ring.cancelDeletion(keyIdOf(keyId));
    }

    /** The fault settings; they can be changed while the server runs. */
    public KmsFaults faults() {
        return faults;
    }

    /**
     * Cryptographic requests received since the server was built (Encrypt, Decrypt, ReEncrypt, GenerateDataKey and
     * GenerateDataKeyWithoutPlaintext), including those answered with an error or an injected fault.
     */
    public long requestCount() {
        return operations.cryptographicRequestCount();
    }

    /** Stops the server at once; calls in flight are cut off. Keys in a state file stay there. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        server = null;
        executor = null;
    }

    private String keyIdOf(String identifier) {
        return ring.resolve(identifier, "keyId", true).id();
    }

    /** Settings of a {@link LocalKms}; every one has a default. */
    public static final class Builder {

        private int port;
        private String region = "us-east-1";
        private String accountId = "000000000000";
        private Path stateFile;
        private int threads = 64;

        private Builder() {
        }

        /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, not " + port);
            }
            this.port = port;
            return this;
        }

        /** The region in key ARNs; default {@code us-east-1}. */
        public Builder region(String region) {
            if (region == null || !REGION.matcher(region).matches()) {
                throw new IllegalArgumentException("region must look like us-east-1, not " + region);
            }
            this.region = region;
            return this;
        }

        /** The 12-digit account id in key ARNs; default {@code 000000000000}. */
        public Builder accountId(String accountId) {
            if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
                throw new IllegalArgumentException("accountId must be 12 digits, not " + accountId);
            }
            this.accountId = accountId;
            return this;
        }

        /**
         * Keeps keys and aliases in this JSON file, loaded when the server is built and rewritten atomically on every
         * change, so ciphertext survives a restart. The file holds key material in clear and is created with
         * permission 600: use it for local development and tests only. One running local KMS per file: each rewrites
         * the whole file and does not see another's changes.
         */
        public Builder stateFile(Path stateFile) {
            this.stateFile = Objects.requireNonNull(stateFile, "stateFile");
            return this;
        }

        /** Most requests served at once (default 64); each injected latency holds one of these threads. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, not " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Builds the server without starting it; loads the state file if one is set.
         *
         * @throws IllegalStateException when the state file exists but cannot be read
         */
        public LocalKms build() {
            return new LocalKms(this);
        }
    }
}
