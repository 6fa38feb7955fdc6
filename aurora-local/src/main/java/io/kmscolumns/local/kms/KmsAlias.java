package io.kmscolumns.local.kms;

import java.time.Instant;

/** An alias ({@code alias/name}) pointing at a key id. */
record KmsAlias(String name, String targetKeyId, Instant creationDate) {
}
