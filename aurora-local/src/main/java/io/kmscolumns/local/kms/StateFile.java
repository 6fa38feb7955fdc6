package io.kmscolumns.local.kms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JSON file the local KMS keeps its keys and aliases in, so that ciphertext survives a restart.
 *
 * <p><strong>The file holds key material in clear.</strong> Anyone who can read it can decrypt everything encrypted
 * under its keys. It exists for local development and tests only; it is created readable by its owner only
 * ({@code 600}) on file systems with POSIX permissions. Every change rewrites the whole file through a temporary
 * file and an atomic rename, so a crash leaves either the old or the new state, never half of one.
 */
final class StateFile {

    private static final String FORMAT = "aurora-local-kms-state";
    private static final int VERSION = 1;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path path;

    StateFile(Path path) {
        this.path = path.toAbsolutePath();
    }

    Path path() {
        return path;
    }

    /** The keys and aliases in the file; empty when the file does not exist yet. */
    State read() {
        if (!Files.exists(path)) {
            return new State(List.of(), List.of());
        }
        try {
            JsonNode root = JSON.readTree(path.toFile());
            boolean ours = root != null && FORMAT.equals(root.path("format").asText());
            if (!ours || root.path("version").asInt() != VERSION) {
                throw unreadable("it is not a version " + VERSION + " " + FORMAT + " file");
            }
            List<KmsKey> keys = new ArrayList<>();
            for (JsonNode key : root.path("keys")) {
                byte[] material = Base64.getDecoder().decode(text(key, "keyMaterial"));
                keys.add(new KmsKey(text(key, "keyId"), key.path("description").asText(""),
                        new SecretKeySpec(material, "AES"), KeyState.valueOf(text(key, "keyState")),
                        Instant.parse(text(key, "creationDate")),
                        key.hasNonNull("deletionDate") ? Instant.parse(text(key, "deletionDate")) : null));
            }
            List<KmsAlias> aliases = new ArrayList<>();
            for (JsonNode alias : root.path("aliases")) {
                aliases.add(new KmsAlias(text(alias, "aliasName"), text(alias, "targetKeyId"),
                        Instant.parse(text(alias, "creationDate"))));
            }
            return new State(keys, aliases);
        } catch (IllegalStateException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Only the exception's type: parser messages may quote the file, and the file holds key material.
            throw unreadable(e.getClass().getSimpleName());
        }
    }

    /** Replaces the file's content with {@code state}, atomically where the file system allows. */
    void write(State state) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("warning", "This file holds AWS KMS emulator key material in clear. Local development and tests "
                + "only: never use it for real data.");
        ArrayNode keys = root.putArray("keys");
        state.keys().stream().sorted(Comparator.comparing(KmsKey::creationDate).thenComparing(KmsKey::id))
                .forEach(key -> {
                    ObjectNode node = keys.addObject();
                    node.put("keyId", key.id());
                    node.put("description", key.description());
                    node.put("keyMaterial", Base64.getEncoder().encodeToString(key.material().getEncoded()));
                    node.put("keyState", key.state().name());
                    node.put("creationDate", key.creationDate().toString());
                    node.put("deletionDate", key.deletionDate() == null ? null : key.deletionDate().toString());
                });
        ArrayNode aliases = root.putArray("aliases");
        state.aliases().stream().sorted(Comparator.comparing(KmsAlias::name)).forEach(alias -> {
            ObjectNode node = aliases.addObject();
            node.put("aliasName", alias.name());
            node.put("targetKeyId", alias.targetKeyId());
            node.put("creationDate", alias.creationDate().toString());
        });

        try {
            Files.createDirectories(path.getParent());
            Path temporary = Files.createTempFile(path.getParent(), path.getFileName().toString(), ".tmp",
                    ownerOnly());
            try {
                Files.write(temporary, JSON.writeValueAsBytes(root));
                move(temporary);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the local KMS state file " + path
                    + "; the key change is in memory only. Check that the directory is writable.", e);
        }
    }

    private void move(Path temporary) throws IOException {
        try {
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static FileAttribute<?>[] ownerOnly() {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)};
        }
        return new FileAttribute<?>[0];
    }

    private String text(JsonNode node, String field) {
        if (!node.hasNonNull(field)) {
            throw unreadable("an entry has no " + field);
        }
        return node.get(field).asText();
    }

    private IllegalStateException unreadable(String reason) {
        return new IllegalStateException("Cannot load the local KMS state file " + path + " (" + reason + "). "
                + "Restore it from a backup, or delete it to start with no keys; ciphertext made under its keys "
                + "then cannot be decrypted any more.");
    }

    /** A snapshot of the key ring. */
    record State(List<KmsKey> keys, List<KmsAlias> aliases) {
    }
}
