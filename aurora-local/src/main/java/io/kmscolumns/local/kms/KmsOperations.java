package io.kmscolumns.local.kms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The KMS operations the local KMS implements, request JSON in, response JSON out, with KMS's member names,
 * validation rules and errors. The HTTP protocol around them lives in {@link KmsHttpHandler}.
 *
 * @see <a href="https://docs.aws.amazon.com/kms/latest/APIReference/API_Operations.html">KMS API operations</a>
 */
final class KmsOperations {

    static final String ALGORITHM = "SYMMETRIC_DEFAULT";
    static final List<String> OPERATIONS = List.of("CreateKey", "DescribeKey", "CreateAlias", "ListAliases",
            "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "EnableKey",
            "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion");

    private static final int MAX_PLAINTEXT_BYTES = 4096;
    private static final int MAX_CIPHERTEXT_BYTES = 6144;
    private static final int MAX_DATA_KEY_BYTES = 1024;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final KeyRing ring;
    private final KmsFaults faults;
    private final LongAdder cryptographicRequests = new LongAdder();

    KmsOperations(KeyRing ring, KmsFaults faults) {
        this.ring = ring;
        this.faults = faults;
    }

    long cryptographicRequestCount() {
        return cryptographicRequests.sum();
    }

    ObjectNode invoke(String operation, JsonNode request) {
        return switch (operation) {
            case "CreateKey" -> createKey(request);
            case "DescribeKey" -> keyMetadataResponse(ring.resolve(text(request, "KeyId"), "keyId", true));
            case "CreateAlias" -> createAlias(request);
            case "ListAliases" -> listAliases(request);
            case "EnableKey" -> {
                ring.enable(text(request, "KeyId"));
                yield NODES.objectNode();
            }
            case "DisableKey" -> {
                ring.disable(text(request, "KeyId"));
                yield NODES.objectNode();
            }
            case "ScheduleKeyDeletion" -> scheduleKeyDeletion(request);
            case "CancelKeyDeletion" -> keyIdResponse(ring.cancelDeletion(text(request, "KeyId")));
            case "Encrypt" -> cryptographic(() -> encrypt(request));
            case "Decrypt" -> cryptographic(() -> decrypt(request));
            case "ReEncrypt" -> cryptographic(() -> reEncrypt(request));
            case "GenerateDataKey" -> cryptographic(() -> generateDataKey(request, true));
            case "GenerateDataKeyWithoutPlaintext" -> cryptographic(() -> generateDataKey(request, false));
            default -> throw new LocalKmsException("UnknownOperationException", "The local KMS does not implement "
                    + operation + "; it implements " + String.join(", ", OPERATIONS) + ".");
        };
    }

    private ObjectNode cryptographic(Supplier<ObjectNode> operation) {
        cryptographicRequests.increment();
        faults.beforeCryptographicCall();
        return operation.get();
    }

    private ObjectNode createKey(JsonNode request) {
        requireOneOf(request, "KeyUsage", "ENCRYPT_DECRYPT");
        requireOneOf(request, "KeySpec", ALGORITHM);
        requireOneOf(request, "CustomerMasterKeySpec", ALGORITHM);
        requireOneOf(request, "Origin", "AWS_KMS");
        if (request.path("MultiRegion").asBoolean(false)) {
            throw LocalKmsException.unsupported(
                    "The local KMS has no multi-Region keys; create the key without MultiRegion.");
        }
        String description = text(request, "Description");
        if (description != null && description.length() > 8192) {
            throw LocalKmsException.validation("description", "Member must have length less than or equal to 8192");
        }
        return keyMetadataResponse(ring.create(description == null ? "" : description));
    }

    private ObjectNode createAlias(JsonNode request) {
        ring.createAlias(text(request, "AliasName"), text(request, "TargetKeyId"));
        return NODES.objectNode();
    }

    private ObjectNode listAliases(JsonNode request) {
        List<KmsAlias> aliases = ring.aliases(text(request, "KeyId"));
        int limit = request.hasNonNull("Limit") ? request.get("Limit").asInt() : 100;
        if (limit < 1 || limit > 1000) {
            throw LocalKmsException.validation("limit", "Member must have value between 1 and 1000");
        }
        int start = 0;
        String marker = text(request, "Marker");
        if (marker != null) {
            try {
                start = Integer.parseInt(marker);
            } catch (NumberFormatException e) {
                start = -1;
            }
            if (start < 0 || start > aliases.size()) {
                throw new LocalKmsException("InvalidMarkerException", "The marker is not one this local KMS returned.");
            }
        }

        ObjectNode response = NODES.objectNode();
        ArrayNode list = response.putArray("Aliases");
        int end = Math.min(aliases.size(), start + limit);
        for (KmsAlias alias : aliases.subList(start, end)) {
            list.addObject()
                    .put("AliasName", alias.name())
                    .put("AliasArn", ring.arns().aliasArn(alias.name()))
                    .put("TargetKeyId", alias.targetKeyId())
                    .put("CreationDate", epochSeconds(alias.creationDate()))
                    .put("LastUpdatedDate", epochSeconds(alias.creationDate()));
        }
        response.put("Truncated", end < aliases.size());
        if (end < aliases.size()) {
            response.put("NextMarker", Integer.toString(end));
        }
        return response;
    }

    private ObjectNode scheduleKeyDeletion(JsonNode request) {
        int days = request.hasNonNull("PendingWindowInDays") ? request.get("PendingWindowInDays").asInt() : 30;
        if (days < 7 || days > 30) {
            throw LocalKmsException.validation("pendingWindowInDays", "Member must have value between 7 and 30");
        }
        KmsKey key = ring.scheduleDeletion(text(request, "KeyId"), days);
        return keyIdResponse(key)
                .put("DeletionDate", epochSeconds(key.deletionDate()))
                .put("KeyState", key.state().name())
                .put("PendingWindowInDays", days);
    }

    private ObjectNode encrypt(JsonNode request) {
        byte[] plaintext = blob(request, "Plaintext");
        requirePlaintextLength(plaintext.length, "plaintext");
        Map<String, String> context = context(request, "EncryptionContext");
        requireAlgorithm(request, "EncryptionAlgorithm");
        KmsKey key = usableKey(text(request, "KeyId"));

        return keyIdResponse(key)
                .put("CiphertextBlob", base64(CiphertextBlob.encrypt(key, plaintext, context)))
                .put("EncryptionAlgorithm", ALGORITHM);
    }

    private ObjectNode decrypt(JsonNode request) {
        byte[] ciphertext = ciphertextBlob(request);
        Map<String, String> context = context(request, "EncryptionContext");
        requireAlgorithm(request, "EncryptionAlgorithm");
        KmsKey key = keyOfCiphertext(ciphertext, text(request, "KeyId"), "keyId");

        return keyIdResponse(key)
                .put("Plaintext", base64(CiphertextBlob.decrypt(key, ciphertext, context)))
                .put("EncryptionAlgorithm", ALGORITHM);
    }

    private ObjectNode reEncrypt(JsonNode request) {
        byte[] ciphertext = ciphertextBlob(request);
        Map<String, String> sourceContext = context(request, "SourceEncryptionContext");
        Map<String, String> destinationContext = context(request, "DestinationEncryptionContext");
        requireAlgorithm(request, "SourceEncryptionAlgorithm");
        requireAlgorithm(request, "DestinationEncryptionAlgorithm");
        String destinationKeyId = text(request, "DestinationKeyId");
        if (destinationKeyId == null) {
            throw LocalKmsException.missingMember("destinationKeyId");
        }
        KmsKey source = keyOfCiphertext(ciphertext, text(request, "SourceKeyId"), "sourceKeyId");
        KmsKey destination = usableKey(destinationKeyId);

        byte[] plaintext = CiphertextBlob.decrypt(source, ciphertext, sourceContext);
        return NODES.objectNode()
                .put("CiphertextBlob", base64(CiphertextBlob.encrypt(destination, plaintext, destinationContext)))
                .put("SourceKeyId", ring.arns().keyArn(source.id()))
                .put("KeyId", ring.arns().keyArn(destination.id()))
                .put("SourceEncryptionAlgorithm", ALGORITHM)
                .put("DestinationEncryptionAlgorithm", ALGORITHM);
    }

    private ObjectNode generateDataKey(JsonNode request, boolean includePlaintext) {
        int length = dataKeyLength(request);
        Map<String, String> context = context(request, "EncryptionContext");
        KmsKey key = usableKey(text(request, "KeyId"));

        byte[] dataKey = CiphertextBlob.randomBytes(length);
        ObjectNode response = keyIdResponse(key)
                .put("CiphertextBlob", base64(CiphertextBlob.encrypt(key, dataKey, context)));
        if (includePlaintext) {
            response.put("Plaintext", base64(dataKey));
        }
        return response;
    }

    private int dataKeyLength(JsonNode request) {
        String keySpec = text(request, "KeySpec");
        boolean hasNumberOfBytes = request.hasNonNull("NumberOfBytes");
        if ((keySpec == null) == !hasNumberOfBytes) {
            throw LocalKmsException.validation("Please specify either number of bytes or key spec.");
        }
        if (hasNumberOfBytes) {
            int numberOfBytes = request.get("NumberOfBytes").asInt();
            if (numberOfBytes < 1 || numberOfBytes > MAX_DATA_KEY_BYTES) {
                throw LocalKmsException.validation("numberOfBytes", "Member must have value between 1 and 1024");
            }
            return numberOfBytes;
        }
        return switch (keySpec) {
            case "AES_256" -> 32;
            case "AES_128" -> 16;
            default -> throw LocalKmsException.validation("keySpec",
                    "Member must satisfy enum value set: [AES_256, AES_128]");
        };
    }

    /** The key named by a KeyId member of Encrypt or GenerateDataKey, which must be able to encrypt. */
    private KmsKey usableKey(String keyId) {
        KmsKey key = ring.resolve(keyId, "keyId", true);
        ring.requireUsable(key);
        return key;
    }

    /**
     * The key that encrypted a ciphertext. The blob names its key; a KeyId in the request must name the same key
     * (by id, ARN or alias), else KMS answers IncorrectKeyException.
     */
    private KmsKey keyOfCiphertext(byte[] ciphertext, String requestedKeyId, String member) {
        KmsKey key = ring.keyOfBlob(CiphertextBlob.keyId(ciphertext));
        if (requestedKeyId != null && !ring.resolve(requestedKeyId, member, true).id().equals(key.id())) {
            throw LocalKmsException.incorrectKey();
        }
        ring.requireUsable(key);
        return key;
    }

    private ObjectNode keyMetadataResponse(KmsKey key) {
        ObjectNode response = NODES.objectNode();
        ObjectNode metadata = response.putObject("KeyMetadata")
                .put("AWSAccountId", ring.arns().accountId())
                .put("KeyId", key.id())
                .put("Arn", ring.arns().keyArn(key.id()))
                .put("CreationDate", epochSeconds(key.creationDate()))
                .put("Enabled", key.state() == KeyState.Enabled)
                .put("Description", key.description())
                .put("KeyUsage", "ENCRYPT_DECRYPT")
                .put("KeyState", key.state().name())
                .put("Origin", "AWS_KMS")
                .put("KeyManager", "CUSTOMER")
                .put("CustomerMasterKeySpec", ALGORITHM)
                .put("KeySpec", ALGORITHM)
                .put("MultiRegion", false);
        if (key.deletionDate() != null) {
            metadata.put("DeletionDate", epochSeconds(key.deletionDate()));
        }
        metadata.putArray("EncryptionAlgorithms").add(ALGORITHM);
        return response;
    }

    private ObjectNode keyIdResponse(KmsKey key) {
        return NODES.objectNode().put("KeyId", ring.arns().keyArn(key.id()));
    }

    private static void requirePlaintextLength(int length, String member) {
        if (length < 1) {
            throw LocalKmsException.validation(member, "Member must have length greater than or equal to 1");
        }
        if (length > MAX_PLAINTEXT_BYTES) {
            throw LocalKmsException.validation(member,
                    "Member must have length less than or equal to " + MAX_PLAINTEXT_BYTES);
        }
    }

    private static byte[] ciphertextBlob(JsonNode request) {
        byte[] ciphertext = blob(request, "CiphertextBlob");
        if (ciphertext.length < 1 || ciphertext.length > MAX_CIPHERTEXT_BYTES) {
            throw LocalKmsException.validation("ciphertextBlob", "Member must have length between 1 and "
                    + MAX_CIPHERTEXT_BYTES);
        }
        return ciphertext;
    }

    private static void requireAlgorithm(JsonNode request, String member) {
        String algorithm = text(request, member);
        if (algorithm != null && !ALGORITHM.equals(algorithm)) {
            throw new LocalKmsException("InvalidKeyUsageException", "The local KMS has symmetric keys only; "
                    + member + " must be " + ALGORITHM + ", not " + algorithm + ".");
        }
    }

    private static void requireOneOf(JsonNode request, String member, String supported) {
        String value = text(request, member);
        if (value != null && !value.equals(supported)) {
            throw LocalKmsException.unsupported(
                    "The local KMS supports " + member + " " + supported + " only, not " + value + ".");
        }
    }

    /** A string member, or {@code null} when absent. */
    private static String text(JsonNode request, String member) {
        JsonNode value = request.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw LocalKmsException.serialization("Member " + member + " must be a string.");
        }
        return value.textValue();
    }

    /** A required blob member: base64 in JSON. */
    private static byte[] blob(JsonNode request, String member) {
        String encoded = text(request, member);
        if (encoded == null) {
            throw LocalKmsException.missingMember(Character.toLowerCase(member.charAt(0)) + member.substring(1));
        }
        try {
            return Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw LocalKmsException.serialization("Member " + member + " is not valid base64.");
        }
    }

    private static Map<String, String> context(JsonNode request, String member) {
        JsonNode value = request.get(member);
        if (value == null || value.isNull()) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw LocalKmsException.serialization("Member " + member + " must be an object of string values.");
        }
        Map<String, String> context = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> pair : value.properties()) {
            if (!pair.getValue().isTextual()) {
                throw LocalKmsException.serialization("Member " + member
                        + " must be an object of string values; the value of " + pair.getKey() + " is not a string.");
            }
            context.put(pair.getKey(), pair.getValue().textValue());
        }
        return context;
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** AWS JSON 1.1 sends timestamps as seconds since the epoch. */
    private static double epochSeconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }
}
