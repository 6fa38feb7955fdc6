package io.kmscolumns.local.kms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.AlreadyExistsException;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.EncryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptionAlgorithmSpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyWithoutPlaintextResponse;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.KmsInvalidStateException;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.kms.model.ReEncryptResponse;
import software.amazon.awssdk.services.kms.model.ScheduleKeyDeletionResponse;

/** The local KMS through the AWS SDK v2 {@code KmsClient}, unchanged but for the endpoint. */
class LocalKmsTest {

    private static final Map<String, String> CONTEXT = Map.of("table", "public.patients", "column", "ssn");

    private static LocalKms kms;
    private static KmsClient client;
    private static String keyArn;

    @BeforeAll
    static void startKms() {
        kms = LocalKms.builder().port(0).region("us-east-1").accountId("000000000000").build().start();
        client = KmsClients.client(kms);
        keyArn = kms.createKey("test key");
    }

    @AfterAll
    static void stopKms() {
        client.close();
        kms.close();
    }

    @Test
    void endpointIsLoopbackHttp() {
        assertThat(kms.endpoint().toString()).matches("http://127\\.0\\.0\\.1:\\d+");
    }

    @Test
    void createKeyReturnsKeyArnOfConfiguredRegionAndAccount() {
        assertThat(keyArn).matches("arn:aws:kms:us-east-1:000000000000:key/[0-9a-f-]{36}");
    }

    @Test
    void encryptThenDecryptWithoutContextRoundTrips() {
        EncryptResponse encrypted = client.encrypt(r -> r.keyId(keyArn).plaintext(bytes("123-45-6789")));
        DecryptResponse decrypted = client.decrypt(r -> r.ciphertextBlob(encrypted.ciphertextBlob()));

        assertThat(decrypted.plaintext().asUtf8String()).isEqualTo("123-45-6789");
        assertThat(encrypted.keyId()).isEqualTo(keyArn);
        assertThat(decrypted.keyId()).isEqualTo(keyArn);
        assertThat(encrypted.encryptionAlgorithm()).isEqualTo(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT);
        assertThat(decrypted.encryptionAlgorithm()).isEqualTo(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT);
    }

    @Test
    void encryptThenDecryptWithContextRoundTripsWhateverThePairOrder() {
        SdkBytes ciphertext = encrypt(keyArn, "secret", CONTEXT);
        Map<String, String> sameContextOtherOrder = new LinkedHashMap<>();
        sameContextOtherOrder.put("column", "ssn");
        sameContextOtherOrder.put("table", "public.patients");

        DecryptResponse decrypted = client.decrypt(r -> r.ciphertextBlob(ciphertext)
                .encryptionContext(sameContextOtherOrder));

        assertThat(decrypted.plaintext().asUtf8String()).isEqualTo("secret");
    }

    @Test
    void ciphertextBlobStartsWithTheSymmetricKmsHeader() {
        byte[] blob = encrypt(keyArn, "x", Map.of()).asByteArray();

        assertThat(Arrays.copyOf(blob, 4)).containsExactly(0x01, 0x02, 0x02, 0x00);
        assertThat(Base64.getEncoder().encodeToString(blob)).startsWith("AQICAH");
    }

    @Test
    void encryptingTheSameValueTwiceGivesDifferentCiphertext() {
        assertThat(encrypt(keyArn, "same", CONTEXT)).isNotEqualTo(encrypt(keyArn, "same", CONTEXT));
    }

    @Test
    void decryptWithDifferentContextIsInvalidCiphertext() {
        SdkBytes ciphertext = encrypt(keyArn, "secret", CONTEXT);

        assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(ciphertext)
                .encryptionContext(Map.of("table", "public.patients", "column", "name"))))
                .isInstanceOf(InvalidCiphertextException.class)
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(ciphertext)))
                .isInstanceOf(InvalidCiphertextException.class);
    }

    @Test
    void decryptOfAlteredCiphertextIsInvalidCiphertext() {
        byte[] blob = encrypt(keyArn, "secret", Map.of()).asByteArray();
        blob[blob.length - 1] ^= 1;

        assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(SdkBytes.fromByteArray(blob))))
                .isInstanceOf(InvalidCiphertextException.class);
        assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(bytes("not a kms blob at all, just text"))))
                .isInstanceOf(InvalidCiphertextException.class);
    }

    @Test
    void blobNamingAnUnknownOrMalformedKeyIdIsInvalidCiphertextNotNotFound() {
        byte[] blob = encrypt(keyArn, "secret", Map.of()).asByteArray();
        // The local blob holds the key id (36 ASCII characters) from offset 6: see CiphertextBlob.
        byte[] malformed = blob.clone();
        malformed[10] = 'z';
        byte[] unknown = blob.clone();
        unknown[10] = (byte) (unknown[10] == '0' ? '1' : '0');

        for (byte[] corrupted : List.of(malformed, unknown)) {
            assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(SdkBytes.fromByteArray(corrupted))))
                    .isInstanceOfSatisfying(InvalidCiphertextException.class,
                            e -> assertThat(e.statusCode()).isEqualTo(400));
            assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(SdkBytes.fromByteArray(corrupted))
                    .keyId(keyArn)))
                    .isInstanceOf(InvalidCiphertextException.class);
        }
    }

    @Test
    void decryptWithAKeyIdNamingNoKeyIsNotFound() {
        SdkBytes ciphertext = encrypt(keyArn, "secret", Map.of());

        assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(ciphertext)
                .keyId("00000000-0000-0000-0000-000000000000")))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void encryptWithDisabledKeyIsDisabledExceptionAndEnablingRestoresIt() {
        String disabled = kms.createKey("to disable");
        SdkBytes ciphertext = encrypt(disabled, "secret", Map.of());
        kms.disableKey(disabled);

        assertThatThrownBy(() -> encrypt(disabled, "secret", Map.of()))
                .isInstanceOf(DisabledException.class)
                .hasMessageContaining(disabled)
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(ciphertext)))
                .isInstanceOf(DisabledException.class);

        kms.enableKey(disabled);
        assertThat(client.decrypt(r -> r.ciphertextBlob(ciphertext)).plaintext().asUtf8String()).isEqualTo("secret");
    }

    @Test
    void disableAndEnableThroughTheApiChangeKeyState() {
        String key = client.createKey(r -> r.description("managed through the SDK")).keyMetadata().arn();

        client.disableKey(r -> r.keyId(key));
        assertThat(describe(key).keyState()).isEqualTo(KeyState.DISABLED);
        assertThat(describe(key).enabled()).isFalse();

        client.enableKey(r -> r.keyId(key));
        assertThat(describe(key).keyState()).isEqualTo(KeyState.ENABLED);
    }

    @Test
    void keyPendingDeletionIsInvalidStateForEncryptAndDecrypt() {
        String doomed = kms.createKey("to delete");
        SdkBytes ciphertext = encrypt(doomed, "secret", Map.of());

        ScheduleKeyDeletionResponse scheduled = client.scheduleKeyDeletion(r -> r.keyId(doomed).pendingWindowInDays(7));

        assertThat(scheduled.keyState()).isEqualTo(KeyState.PENDING_DELETION);
        assertThat(scheduled.keyId()).isEqualTo(doomed);
        assertThat(describe(doomed).deletionDate()).isNotNull();
        assertThatThrownBy(() -> encrypt(doomed, "secret", Map.of()))
                .isInstanceOf(KmsInvalidStateException.class)
                .hasMessageContaining("pending deletion");
        assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(ciphertext)))
                .isInstanceOf(KmsInvalidStateException.class);
        assertThatThrownBy(() -> client.enableKey(r -> r.keyId(doomed)))
                .isInstanceOf(KmsInvalidStateException.class);
    }

    @Test
    void cancelledDeletionLeavesTheKeyDisabled() {
        String key = kms.createKey("reprieved");
        kms.scheduleKeyDeletion(key);

        client.cancelKeyDeletion(r -> r.keyId(key));

        assertThat(describe(key).keyState()).isEqualTo(KeyState.DISABLED);
    }

    @Test
    void emptyPlaintextIsValidationException() {
        assertThatThrownBy(() -> client.encrypt(r -> r.keyId(keyArn).plaintext(SdkBytes.fromByteArray(new byte[0]))))
                .isInstanceOfSatisfying(KmsException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                    assertThat(e.statusCode()).isEqualTo(400);
                })
                .hasMessageContaining("Member must have length greater than or equal to 1");
    }

    @Test
    void plaintextOf4097BytesIsValidationExceptionAnd4096BytesIsAccepted() {
        byte[] limit = new byte[4096];
        Arrays.fill(limit, (byte) 'a');
        byte[] tooLarge = Arrays.copyOf(limit, 4097);

        assertThatThrownBy(() -> client.encrypt(r -> r.keyId(keyArn).plaintext(SdkBytes.fromByteArray(tooLarge))))
                .isInstanceOfSatisfying(KmsException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"))
                .hasMessageContaining("Member must have length less than or equal to 4096")
                .hasMessageNotContaining("aaaa");

        SdkBytes ciphertext = client.encrypt(r -> r.keyId(keyArn).plaintext(SdkBytes.fromByteArray(limit)))
                .ciphertextBlob();
        assertThat(ciphertext.asByteArray().length).isLessThanOrEqualTo(6144);
        assertThat(client.decrypt(r -> r.ciphertextBlob(ciphertext)).plaintext().asByteArray()).isEqualTo(limit);
    }

    @Test
    void unknownKeyIsNotFoundException() {
        String unknown = "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000";

        assertThatThrownBy(() -> encrypt(unknown, "x", Map.of()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.statusCode()).isEqualTo(404))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> encrypt("00000000-0000-0000-0000-000000000000", "x", Map.of()))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> encrypt("alias/no-such-alias", "x", Map.of()))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("alias/no-such-alias is not found");
        assertThatThrownBy(() -> encrypt(keyArn.replace("us-east-1", "eu-west-1"), "x", Map.of()))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void keyIdKeyArnAliasAndAliasArnAllNameTheSameKey() {
        String key = kms.createKey("aliased");
        String keyId = key.substring(key.lastIndexOf('/') + 1);
        client.createAlias(r -> r.aliasName("alias/patients").targetKeyId(keyId));
        String aliasArn = "arn:aws:kms:us-east-1:000000000000:alias/patients";

        for (String identifier : List.of(keyId, key, "alias/patients", aliasArn)) {
            EncryptResponse encrypted = client.encrypt(r -> r.keyId(identifier).plaintext(bytes("v")));
            assertThat(encrypted.keyId()).as(identifier).isEqualTo(key);
            assertThat(describe(identifier).arn()).as(identifier).isEqualTo(key);
            assertThat(describe(identifier).keyId()).as(identifier).isEqualTo(keyId);
        }
        assertThat(kms.keyArn("alias/patients")).isEqualTo(key);
    }

    @Test
    void javaApiReportsUnknownKeysAsNotFound() {
        assertThatThrownBy(() -> kms.keyArn("alias/never-created"))
                .isInstanceOfSatisfying(LocalKmsException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("NotFoundException"));
        assertThatThrownBy(() -> kms.disableKey("00000000-0000-0000-0000-000000000000"))
                .isInstanceOf(LocalKmsException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void listAliasesShowsAliasesWithTheirTargetAndCanFilterByKey() {
        String key = kms.createKey("listed");
        kms.createAlias("alias/listed-one", key);
        kms.createAlias("alias/listed-two", key);

        var all = client.listAliases(r -> { }).aliases();
        var ofKey = client.listAliases(r -> r.keyId(key)).aliases();

        assertThat(all).extracting(a -> a.aliasName()).contains("alias/listed-one", "alias/listed-two");
        assertThat(ofKey).extracting(a -> a.aliasName()).containsExactly("alias/listed-one", "alias/listed-two");
        assertThat(ofKey.get(0).aliasArn()).isEqualTo("arn:aws:kms:us-east-1:000000000000:alias/listed-one");
        assertThat(ofKey.get(0).targetKeyId()).isEqualTo(key.substring(key.lastIndexOf('/') + 1));
    }

    @Test
    void listAliasesPaginatesWithLimitAndMarker() {
        String key = kms.createKey("paginated");
        for (int i = 0; i < 5; i++) {
            kms.createAlias("alias/page-" + i, key);
        }

        var names = client.listAliasesPaginator(r -> r.keyId(key).limit(2)).aliases().stream()
                .map(a -> a.aliasName()).toList();

        assertThat(names).containsExactly("alias/page-0", "alias/page-1", "alias/page-2", "alias/page-3",
                "alias/page-4");
    }

    @Test
    void duplicateAliasIsAlreadyExistsException() {
        kms.createAlias("alias/duplicate", keyArn);

        assertThatThrownBy(() -> client.createAlias(r -> r.aliasName("alias/duplicate").targetKeyId(keyArn)))
                .isInstanceOf(AlreadyExistsException.class)
                .hasMessageContaining("alias/duplicate already exists");
    }

    @Test
    void decryptWithAnotherKeyIdIsIncorrectKeyException() {
        String other = kms.createKey("other");
        SdkBytes ciphertext = encrypt(keyArn, "secret", Map.of());

        assertThatThrownBy(() -> client.decrypt(r -> r.ciphertextBlob(ciphertext).keyId(other)))
                .isInstanceOf(IncorrectKeyException.class)
                .hasMessageNotContaining("secret");
        assertThat(client.decrypt(r -> r.ciphertextBlob(ciphertext).keyId(keyArn)).plaintext().asUtf8String())
                .isEqualTo("secret");
    }

    @Test
    void reEncryptMovesCiphertextToAnotherKeyAndContext() {
        String destination = kms.createKey("destination");
        SdkBytes ciphertext = encrypt(keyArn, "secret", CONTEXT);

        ReEncryptResponse reEncrypted = client.reEncrypt(r -> r.ciphertextBlob(ciphertext)
                .sourceEncryptionContext(CONTEXT)
                .destinationKeyId(destination)
                .destinationEncryptionContext(Map.of("purpose", "archive")));

        assertThat(reEncrypted.sourceKeyId()).isEqualTo(keyArn);
        assertThat(reEncrypted.keyId()).isEqualTo(destination);
        DecryptResponse decrypted = client.decrypt(r -> r.ciphertextBlob(reEncrypted.ciphertextBlob())
                .encryptionContext(Map.of("purpose", "archive")));
        assertThat(decrypted.keyId()).isEqualTo(destination);
        assertThat(decrypted.plaintext().asUtf8String()).isEqualTo("secret");
    }

    @Test
    void reEncryptWithWrongSourceContextIsInvalidCiphertext() {
        SdkBytes ciphertext = encrypt(keyArn, "secret", CONTEXT);

        assertThatThrownBy(() -> client.reEncrypt(r -> r.ciphertextBlob(ciphertext).destinationKeyId(keyArn)))
                .isInstanceOf(InvalidCiphertextException.class);
    }

    @Test
    void generateDataKeyReturnsAKeyAndItsCiphertextThatDecryptsToIt() {
        GenerateDataKeyResponse dataKey = client.generateDataKey(r -> r.keyId(keyArn)
                .keySpec(DataKeySpec.AES_256).encryptionContext(CONTEXT));

        assertThat(dataKey.plaintext().asByteArray()).hasSize(32);
        assertThat(dataKey.keyId()).isEqualTo(keyArn);
        byte[] decrypted = client.decrypt(r -> r.ciphertextBlob(dataKey.ciphertextBlob()).encryptionContext(CONTEXT))
                .plaintext().asByteArray();
        assertThat(decrypted).isEqualTo(dataKey.plaintext().asByteArray());
    }

    @Test
    void generateDataKeyWithoutPlaintextReturnsOnlyTheEncryptedKey() {
        kms.createAlias("alias/data-keys", keyArn);

        GenerateDataKeyWithoutPlaintextResponse dataKey = client.generateDataKeyWithoutPlaintext(r -> r
                .keyId("alias/data-keys").numberOfBytes(64));

        assertThat(dataKey.keyId()).isEqualTo(keyArn);
        byte[] decrypted = client.decrypt(r -> r.ciphertextBlob(dataKey.ciphertextBlob())).plaintext().asByteArray();
        assertThat(decrypted).hasSize(64);
    }

    @Test
    void generateDataKeyNeedsExactlyOneOfKeySpecAndNumberOfBytes() {
        assertThatThrownBy(() -> client.generateDataKey(r -> r.keyId(keyArn)))
                .isInstanceOfSatisfying(KmsException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"));
        assertThatThrownBy(() -> client.generateDataKey(r -> r.keyId(keyArn).keySpec(DataKeySpec.AES_128)
                .numberOfBytes(16)))
                .isInstanceOfSatisfying(KmsException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"));
    }

    @Test
    void describeKeyReportsSymmetricEncryptionKeyMetadata() {
        KeyMetadata metadata = describe(keyArn);

        assertThat(metadata.arn()).isEqualTo(keyArn);
        assertThat(metadata.awsAccountId()).isEqualTo("000000000000");
        assertThat(metadata.keyStateAsString()).isEqualTo("Enabled");
        assertThat(metadata.keySpecAsString()).isEqualTo("SYMMETRIC_DEFAULT");
        assertThat(metadata.keyUsageAsString()).isEqualTo("ENCRYPT_DECRYPT");
        assertThat(metadata.encryptionAlgorithms()).containsExactly(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT);
        assertThat(metadata.creationDate()).isNotNull();
        assertThat(metadata.description()).isEqualTo("test key");
    }

    @Test
    void requestCountCountsCryptographicCallsOnly() {
        long before = kms.requestCount();

        SdkBytes ciphertext = encrypt(keyArn, "x", Map.of());
        client.decrypt(r -> r.ciphertextBlob(ciphertext));
        describe(keyArn);

        assertThat(kms.requestCount() - before).isEqualTo(2);
    }

    @Test
    void manyConcurrentEncryptAndDecryptCallsAllRoundTrip() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(32);
        try {
            List<Callable<Boolean>> calls = new ArrayList<>();
            for (int i = 0; i < 640; i++) {
                String value = "value-" + i;
                Map<String, String> context = Map.of("row", Integer.toString(i));
                calls.add(() -> {
                    SdkBytes ciphertext = encrypt(keyArn, value, context);
                    return client.decrypt(r -> r.ciphertextBlob(ciphertext).encryptionContext(context))
                            .plaintext().asUtf8String().equals(value);
                });
            }
            List<Boolean> results = new ArrayList<>();
            for (Future<Boolean> result : callers.invokeAll(calls)) {
                results.add(result.get());
            }
            assertThat(results).hasSize(640).containsOnly(true);
        } finally {
            callers.shutdownNow();
        }
    }

    private static SdkBytes encrypt(String keyId, String plaintext, Map<String, String> context) {
        return client.encrypt(r -> r.keyId(keyId).plaintext(bytes(plaintext)).encryptionContext(context))
                .ciphertextBlob();
    }

    private static KeyMetadata describe(String keyId) {
        return client.describeKey(r -> r.keyId(keyId)).keyMetadata();
    }

    private static SdkBytes bytes(String text) {
        return SdkBytes.fromString(text, UTF_8);
    }
}
