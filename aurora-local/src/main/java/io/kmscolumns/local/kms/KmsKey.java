package io.kmscolumns.local.kms;

import java.time.Instant;
import javax.crypto.SecretKey;

/**
 * One symmetric KMS key: its id, the AES-256 key material and its state. Immutable; a state change replaces the key
 * in the {@link KeyRing}, so the cryptographic path reads keys without locking.
 *
 * @param deletionDate when a key pending deletion would be deleted; {@code null} otherwise
 */
record KmsKey(String id, String description, SecretKey material, KeyState state, Instant creationDate,
              Instant deletionDate) {

    KmsKey withState(KeyState newState, Instant newDeletionDate) {
        return new KmsKey(id, description, material, newState, creationDate, newDeletionDate);
    }

    @Override
    public String toString() {
        // Never print the key material.
        return "KmsKey[" + id + ", " + state + "]";
    }
}
