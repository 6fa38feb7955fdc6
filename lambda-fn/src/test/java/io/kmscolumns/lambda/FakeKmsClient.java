package io.kmscolumns.lambda;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DecryptRequest;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptRequest;
import software.amazon.awssdk.services.kms.model.EncryptResponse;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * An in-memory stand-in for KMS in unit tests: a blob is the symmetric header (and one more byte) plus a serial
 * number that indexes the stored plaintext and context. It can fail every call with a given KMS error code, and it
 * records the peak number of calls in flight.
 */
final class FakeKmsClient implements KmsClient {

    private record Entry(byte[] plaintext, Map<String, String> context) {
    }

    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong serial = new AtomicLong();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private volatile String failWith;
    private volatile long delayMillis;

    FakeKmsClient failWith(String errorCode) {
        this.failWith = errorCode;
        return this;
    }

    FakeKmsClient delay(long millis) {
        this.delayMillis = millis;
        return this;
    }

    int calls() {
        return calls.get();
    }

    int peakInFlight() {
        return peakInFlight.get();
    }

    @Override
    public EncryptResponse encrypt(EncryptRequest request) {
        enter();
        try {
            long id = serial.incrementAndGet();
            entries.put(id, new Entry(request.plaintext().asByteArray(), Map.copyOf(request.encryptionContext())));
            byte[] blob = ByteBuffer.allocate(13).put(new byte[] {1, 2, 2, 0, 0x78}).putLong(id).array();
            return EncryptResponse.builder().ciphertextBlob(SdkBytes.fromByteArray(blob)).keyId(request.keyId())
                .build();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public DecryptResponse decrypt(DecryptRequest request) {
        enter();
        try {
            ByteBuffer blob = request.ciphertextBlob().asByteBuffer();
            Entry entry = blob.remaining() == 13 && blob.getInt() == 0x01020200 && blob.get() == 0x78
                ? entries.get(blob.getLong()) : null;
            if (entry == null || !entry.context().equals(request.encryptionContext())) {
                throw error("InvalidCiphertextException");
            }
            return DecryptResponse.builder().plaintext(SdkBytes.fromByteArray(entry.plaintext())).build();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void enter() {
        calls.incrementAndGet();
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failWith != null) {
            inFlight.decrementAndGet();
            throw error(failWith);
        }
    }

    private static KmsException error(String code) {
        return (KmsException) KmsException.builder()
            .statusCode(400)
            .requestId("fake-request")
            .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("fake " + code).build())
            .build();
    }

    @Override
    public String serviceName() {
        return "kms";
    }

    @Override
    public void close() {
    }
}
