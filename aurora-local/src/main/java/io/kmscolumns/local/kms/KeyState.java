package io.kmscolumns.local.kms;

/** The key states the local KMS models; the constant names are KMS's own {@code KeyState} values. */
enum KeyState {
    Enabled,
    Disabled,
    PendingDeletion
}
