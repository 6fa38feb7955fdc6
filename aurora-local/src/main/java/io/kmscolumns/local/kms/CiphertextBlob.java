package io.kmscolumns.local.kms;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The local KMS's ciphertext blob: AES-256-GCM under the key's material, with the encryption context as additional
 * authenticated data.
 *
 * <p>Layout:
 * <pre>
 *   01 02 02 00   header of symmetric KMS blobs (base64 of a blob starts with "AQICAH", as with real KMS)
 *   78            constant, as in real blobs; keeps the sixth base64 character an "H"
 *   n             length of the key id, then the key id (ASCII)
 *   0c            IV length, then the 12-byte IV
 *   ...           AES-GCM ciphertext followed by the 16-byte tag
 * </pre>
 * Everything before the ciphertext is authenticated together with the context, so a blob whose key id was edited
 * fails like any other tampered blob. Real KMS's layout is undocumented; only the header matches it.
 */
final class CiphertextBlob {

    private static final byte[] HEADER = {0x01, 0x02, 0x02, 0x00, 0x78};
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    /** One generator per thread: a shared SecureRandom would serialise concurrent Encrypt calls. */
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(CiphertextBlob::newRandom);

    private CiphertextBlob() {
    }

    static byte[] encrypt(KmsKey key, byte[] plaintext, Map<String, String> context) {
        byte[] keyId = key.id().getBytes(StandardCharsets.US_ASCII);
        byte[] iv = randomBytes(IV_BYTES);
        ByteBuffer prefix = ByteBuffer.allocate(HEADER.length + 1 + keyId.length + 1 + IV_BYTES)
                .put(HEADER).put((byte) keyId.length).put(keyId).put((byte) IV_BYTES).put(iv);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key.material(), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(prefix.array());
            cipher.updateAAD(EncryptionContext.canonical(context));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(prefix.capacity() + sealed.length).put(prefix.array()).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw LocalKmsException.internal("AES-GCM encryption failed in the local KMS: "
                    + e.getClass().getSimpleName());
        }
    }

    /** The id of the key a blob names; {@code InvalidCiphertextException} when the blob is not one of ours. */
    static String keyId(byte[] blob) {
        return parse(blob).keyId;
    }

    static byte[] decrypt(KmsKey key, byte[] blob, Map<String, String> context) {
        Parsed parsed = parse(blob);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key.material(), new GCMParameterSpec(TAG_BITS, parsed.iv));
            cipher.updateAAD(blob, 0, parsed.sealedOffset);
            cipher.updateAAD(EncryptionContext.canonical(context));
            return cipher.doFinal(blob, parsed.sealedOffset, blob.length - parsed.sealedOffset);
        } catch (AEADBadTagException e) {
            throw LocalKmsException.invalidCiphertext();
        } catch (GeneralSecurityException e) {
            throw LocalKmsException.internal("AES-GCM decryption failed in the local KMS: "
                    + e.getClass().getSimpleName());
        }
    }

    static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.get().nextBytes(bytes);
        return bytes;
    }

    private static Parsed parse(byte[] blob) {
        int minimum = HEADER.length + 1 + 1 + 1 + IV_BYTES + TAG_BITS / 8;
        if (blob.length < minimum || !Arrays.equals(blob, 0, HEADER.length, HEADER, 0, HEADER.length)) {
            throw LocalKmsException.invalidCiphertext();
        }
        int keyIdLength = Byte.toUnsignedInt(blob[HEADER.length]);
        int ivLengthAt = HEADER.length + 1 + keyIdLength;
        boolean fits = keyIdLength > 0 && ivLengthAt + 1 + IV_BYTES + TAG_BITS / 8 <= blob.length;
        if (!fits || blob[ivLengthAt] != IV_BYTES) {
            throw LocalKmsException.invalidCiphertext();
        }
        String keyId = new String(blob, HEADER.length + 1, keyIdLength, StandardCharsets.US_ASCII);
        byte[] iv = Arrays.copyOfRange(blob, ivLengthAt + 1, ivLengthAt + 1 + IV_BYTES);
        return new Parsed(keyId, iv, ivLengthAt + 1 + IV_BYTES);
    }

    private static SecureRandom newRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    private record Parsed(String keyId, byte[] iv, int sealedOffset) {
    }
}
