package io.kmscolumns.local.kms;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys and aliases of the local KMS and how KMS resolves a {@code KeyId}: key id, key ARN, {@code alias/name}
 * or alias ARN.
 *
 * <p>Reads (the cryptographic path) take no lock. Changes are serialised on this object and, when a state file is
 * configured, written to it before the changing call returns.
 */
final class KeyRing {

    private static final Pattern KEY_ID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern ALIAS_NAME = Pattern.compile("alias/[a-zA-Z0-9/_-]+");
    private static final int KEY_BYTES = 32;

    private final KmsArns arns;
    private final StateFile stateFile;
    private final Map<String, KmsKey> keys = new ConcurrentHashMap<>();
    private final Map<String, KmsAlias> aliases = new ConcurrentHashMap<>();

    /**
     * @param stateFile where keys persist, or {@code null} to keep them in memory only; keys already in the file are
     *                  loaded
     */
    KeyRing(KmsArns arns, StateFile stateFile) {
        this.arns = arns;
        this.stateFile = stateFile;
        if (stateFile != null) {
            StateFile.State state = stateFile.read();
            state.keys().forEach(key -> keys.put(key.id(), key));
            state.aliases().forEach(alias -> aliases.put(alias.name(), alias));
        }
    }

    KmsArns arns() {
        return arns;
    }

    synchronized KmsKey create(String description) {
        String id = UUID.randomUUID().toString();
        SecretKeySpec material = new SecretKeySpec(CiphertextBlob.randomBytes(KEY_BYTES), "AES");
        KmsKey key = new KmsKey(id, description, material, KeyState.Enabled, now(), null);
        keys.put(id, key);
        persist();
        return key;
    }

    synchronized KmsAlias createAlias(String aliasName, String targetKeyId) {
        if (aliasName == null) {
            throw LocalKmsException.missingMember("aliasName");
        }
        if (!ALIAS_NAME.matcher(aliasName).matches() || aliasName.length() > 256) {
            throw LocalKmsException.validation("aliasName", "Member must satisfy regular expression pattern: "
                    + "^alias/[a-zA-Z0-9/_-]+$ and have length less than or equal to 256");
        }
        if (aliasName.startsWith("alias/aws/")) {
            throw new LocalKmsException("InvalidAliasNameException",
                    "Alias names beginning with alias/aws/ are reserved for AWS managed keys: " + aliasName);
        }
        KmsKey target = resolve(targetKeyId, "targetKeyId", false);
        if (target.state() == KeyState.PendingDeletion) {
            throw LocalKmsException.pendingDeletion(arns.keyArn(target.id()));
        }
        if (aliases.containsKey(aliasName)) {
            throw new LocalKmsException("AlreadyExistsException",
                    "An alias with the name " + arns.aliasArn(aliasName) + " already exists");
        }
        KmsAlias alias = new KmsAlias(aliasName, target.id(), now());
        aliases.put(aliasName, alias);
        persist();
        return alias;
    }

    /** Aliases sorted by name, optionally only those of one key. */
    List<KmsAlias> aliases(String keyIdFilter) {
        String targetId = keyIdFilter == null ? null : resolve(keyIdFilter, "keyId", false).id();
        return aliases.values().stream()
                .filter(alias -> targetId == null || alias.targetKeyId().equals(targetId))
                .sorted(Comparator.comparing(KmsAlias::name))
                .toList();
    }

    synchronized KmsKey enable(String keyId) {
        KmsKey key = resolve(keyId, "keyId", false);
        if (key.state() == KeyState.PendingDeletion) {
            throw LocalKmsException.pendingDeletion(arns.keyArn(key.id()));
        }
        return replace(key.withState(KeyState.Enabled, null));
    }

    synchronized KmsKey disable(String keyId) {
        KmsKey key = resolve(keyId, "keyId", false);
        if (key.state() == KeyState.PendingDeletion) {
            throw LocalKmsException.pendingDeletion(arns.keyArn(key.id()));
        }
        return replace(key.withState(KeyState.Disabled, null));
    }

    /**
     * Puts a key in {@code PendingDeletion}. The local KMS never deletes key material, so a key stays in this state
     * (and its ciphertext undecryptable) until {@link #cancelDeletion} or the state file is removed.
     */
    synchronized KmsKey scheduleDeletion(String keyId, int pendingWindowInDays) {
        KmsKey key = resolve(keyId, "keyId", false);
        if (key.state() == KeyState.PendingDeletion) {
            throw LocalKmsException.pendingDeletion(arns.keyArn(key.id()));
        }
        Instant deletionDate = now().plus(Duration.ofDays(pendingWindowInDays));
        return replace(key.withState(KeyState.PendingDeletion, deletionDate));
    }

    /** Like KMS, a key whose deletion is cancelled comes back disabled. */
    synchronized KmsKey cancelDeletion(String keyId) {
        KmsKey key = resolve(keyId, "keyId", false);
        if (key.state() != KeyState.PendingDeletion) {
            throw LocalKmsException.invalidState(arns.keyArn(key.id()) + " is not pending deletion.");
        }
        return replace(key.withState(KeyState.Disabled, null));
    }

    /**
     * The key a {@code KeyId} names, as KMS resolves it.
     *
     * @param member        request member the identifier came from, for validation messages
     * @param aliasesAllowed whether {@code alias/name} and alias ARNs are accepted (cryptographic operations and
     *                      DescribeKey accept them; key management operations do not)
     */
    KmsKey resolve(String identifier, String member, boolean aliasesAllowed) {
        if (identifier == null) {
            throw LocalKmsException.missingMember(member);
        }
        if (identifier.isEmpty() || identifier.length() > 2048) {
            throw LocalKmsException.validation(member, "Member must have length between 1 and 2048");
        }
        String reference = identifier.startsWith("arn:") ? arns.resource(identifier) : identifier;
        if (reference.startsWith("key/") && identifier.startsWith("arn:")) {
            reference = reference.substring("key/".length());
        } else if (reference.startsWith("alias/")) {
            if (!aliasesAllowed) {
                throw LocalKmsException.notFound("Invalid keyId " + identifier
                        + ": this operation takes a key id or key ARN, not an alias.");
            }
            KmsAlias alias = aliases.get(reference);
            if (alias == null) {
                throw LocalKmsException.notFound("Alias " + arns.aliasArn(reference) + " is not found.");
            }
            reference = alias.targetKeyId();
        }
        KmsKey key = keys.get(reference);
        if (key != null) {
            return key;
        }
        if (KEY_ID.matcher(reference).matches()) {
            throw LocalKmsException.notFound("Key '" + arns.keyArn(reference) + "' does not exist");
        }
        throw LocalKmsException.notFound("Invalid keyId " + identifier);
    }

    /**
     * The key a ciphertext blob names, for Decrypt and ReEncrypt, which need no {@code KeyId}.
     *
     * <p>A blob that names no key of this KMS, or a key id that is not one at all, is {@code
     * InvalidCiphertextException}, as real KMS answers for a blob it cannot attribute to a key of the account:
     * {@code NotFoundException} is for a {@code KeyId} parameter naming no key, and would send operators to their
     * key configuration when the value itself is corrupted.
     */
    KmsKey keyOfBlob(String keyId) {
        KmsKey key = KEY_ID.matcher(keyId).matches() ? keys.get(keyId) : null;
        if (key == null) {
            // Besides a corrupted value, most often ciphertext from an earlier run of the local KMS that did not
            // keep its keys in a state file.
            throw LocalKmsException.invalidCiphertext("It names no key of this local KMS; ciphertext outlives a "
                    + "restart of the local KMS only when it runs with the same state file.");
        }
        return key;
    }

    /** Throws the error KMS gives when a key in this state is asked to encrypt or decrypt. */
    void requireUsable(KmsKey key) {
        if (key.state() == KeyState.Disabled) {
            throw LocalKmsException.disabled(arns.keyArn(key.id()));
        }
        if (key.state() == KeyState.PendingDeletion) {
            throw LocalKmsException.pendingDeletion(arns.keyArn(key.id()));
        }
    }

    private KmsKey replace(KmsKey key) {
        keys.put(key.id(), key);
        persist();
        return key;
    }

    private void persist() {
        if (stateFile != null) {
            stateFile.write(new StateFile.State(List.copyOf(keys.values()), List.copyOf(aliases.values())));
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
