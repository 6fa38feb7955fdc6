package io.kmscolumns.local.kms;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canonical byte form of a KMS encryption context, bound to the ciphertext as AES-GCM additional authenticated
 * data. KMS matches contexts as sets of pairs, so the pairs are sorted by key; each key and value is written with
 * its length in front, so no two different contexts share a byte form.
 */
final class EncryptionContext {

    private EncryptionContext() {
    }

    static byte[] canonical(Map<String, String> context) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> pair : new TreeMap<>(context).entrySet()) {
            writeLengthPrefixed(out, pair.getKey());
            writeLengthPrefixed(out, pair.getValue());
        }
        return out.toByteArray();
    }

    private static void writeLengthPrefixed(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        out.writeBytes(bytes);
    }
}
