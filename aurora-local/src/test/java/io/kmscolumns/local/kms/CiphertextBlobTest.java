package io.kmscolumns.local.kms;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The blob layout and its authenticated parts, without the server. */
class CiphertextBlobTest {

    private final KmsKey key = key("11111111-1111-1111-1111-111111111111", (byte) 1);

    @Test
    void blobNamesItsKeyAndStartsWithTheKmsHeader() {
        byte[] blob = CiphertextBlob.encrypt(key, "x".getBytes(UTF_8), Map.of());

        assertThat(blob).startsWith(0x01, 0x02, 0x02, 0x00);
        assertThat(CiphertextBlob.keyId(blob)).isEqualTo(key.id());
    }

    @Test
    void blobWithAnEditedKeyIdDoesNotDecryptEvenUnderTheKeyItNowNames() {
        KmsKey sameMaterial = new KmsKey("22222222-2222-2222-2222-222222222222", "", key.material(),
                KeyState.Enabled, Instant.now(), null);
        byte[] blob = CiphertextBlob.encrypt(key, "x".getBytes(UTF_8), Map.of());
        byte[] edited = new String(blob, ISO_8859_1)
                .replace(key.id(), sameMaterial.id()).getBytes(ISO_8859_1);

        assertThat(CiphertextBlob.keyId(edited)).isEqualTo(sameMaterial.id());
        assertThatThrownBy(() -> CiphertextBlob.decrypt(sameMaterial, edited, Map.of()))
                .isInstanceOfSatisfying(LocalKmsException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("InvalidCiphertextException"));
    }

    @Test
    void contextsThatConcatenateAlikeAreStillDifferent() {
        assertThat(EncryptionContext.canonical(Map.of("ab", "c")))
                .isNotEqualTo(EncryptionContext.canonical(Map.of("a", "bc")));
    }

    @Test
    void truncatedBlobIsInvalidCiphertext() {
        byte[] blob = CiphertextBlob.encrypt(key, "x".getBytes(UTF_8), Map.of());

        assertThatThrownBy(() -> CiphertextBlob.keyId(Arrays.copyOf(blob, 20)))
                .isInstanceOf(LocalKmsException.class);
    }

    private static KmsKey key(String id, byte fill) {
        byte[] material = new byte[32];
        Arrays.fill(material, fill);
        return new KmsKey(id, "", new SecretKeySpec(material, "AES"), KeyState.Enabled, Instant.now(), null);
    }
}
