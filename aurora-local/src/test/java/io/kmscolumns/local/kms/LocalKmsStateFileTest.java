package io.kmscolumns.local.kms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.KeyState;

/** Keys kept in a state file survive a restart of the local KMS. */
class LocalKmsStateFileTest {

    @TempDir
    Path directory;

    @Test
    void ciphertextDecryptsAfterRestartWithTheSameStateFile() {
        Path stateFile = directory.resolve("kms/state.json");
        String keyArn;
        String disabledArn;
        SdkBytes ciphertext;
        try (LocalKms kms = LocalKms.builder().stateFile(stateFile).build().start();
             KmsClient client = KmsClients.client(kms)) {
            keyArn = kms.createKey("persistent");
            disabledArn = kms.createKey("persistently disabled");
            kms.createAlias("alias/persistent", keyArn);
            kms.disableKey(disabledArn);
            ciphertext = client.encrypt(r -> r.keyId("alias/persistent").plaintext(SdkBytes.fromUtf8String("secret"))
                    .encryptionContext(Map.of("k", "v"))).ciphertextBlob();
        }

        try (LocalKms kms = LocalKms.builder().stateFile(stateFile).build().start();
             KmsClient client = KmsClients.client(kms)) {
            assertThat(client.decrypt(r -> r.ciphertextBlob(ciphertext).encryptionContext(Map.of("k", "v")))
                    .plaintext().asUtf8String()).isEqualTo("secret");
            assertThat(kms.keyArn("alias/persistent")).isEqualTo(keyArn);
            assertThat(client.describeKey(r -> r.keyId(disabledArn)).keyMetadata().keyState())
                    .isEqualTo(KeyState.DISABLED);
            assertThatThrownBy(() -> client.encrypt(r -> r.keyId(disabledArn).plaintext(SdkBytes.fromUtf8String("x"))))
                    .isInstanceOf(DisabledException.class);
        }
    }

    @Test
    void withoutAStateFileKeysDoNotSurviveARestart() {
        SdkBytes ciphertext;
        try (LocalKms kms = LocalKms.builder().build().start(); KmsClient client = KmsClients.client(kms)) {
            String keyArn = kms.createKey("ephemeral");
            ciphertext = client.encrypt(r -> r.keyId(keyArn).plaintext(SdkBytes.fromUtf8String("x"))).ciphertextBlob();
        }

        try (LocalKms kms = LocalKms.builder().build().start(); KmsClient client = KmsClients.client(kms)) {
            // A blob naming a key this KMS does not have is InvalidCiphertextException, as with real KMS.
            assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(ciphertext)))
                    .isInstanceOf(InvalidCiphertextException.class)
                    .hasMessageContaining("state file");
        }
    }

    @Test
    void stateFileIsReadableByItsOwnerOnlyAndSaysItHoldsKeyMaterial() throws Exception {
        Path stateFile = directory.resolve("state.json");
        try (LocalKms kms = LocalKms.builder().stateFile(stateFile).build()) {
            kms.createKey("k");
        }

        assertThat(Files.readString(stateFile)).contains("key material in clear", "\"keyMaterial\"");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateFile))).isEqualTo("rw-------");
        }
        try (var leftovers = Files.list(directory)) {
            assertThat(leftovers).containsExactly(stateFile);
        }
    }

    @Test
    void unreadableStateFileFailsWithAMessageThatNamesTheFileAndNotItsContent() throws Exception {
        Path stateFile = directory.resolve("state.json");
        Files.writeString(stateFile, "{\"format\": \"aurora-local-kms-state\", \"version\": 1, \"keys\": "
                + "[{\"keyId\": \"k\", \"keyMaterial\": \"c2VjcmV0LW1hdGVyaWFs\"}]}");

        assertThatThrownBy(() -> LocalKms.builder().stateFile(stateFile).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(stateFile.toString())
                .hasMessageNotContaining("c2VjcmV0LW1hdGVyaWFs");
    }
}
