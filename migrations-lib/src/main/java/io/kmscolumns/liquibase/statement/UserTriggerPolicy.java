package io.kmscolumns.liquibase.statement;

import java.util.Arrays;
import java.util.Locale;

/**
 * What {@code encryptColumn} and {@code decryptColumn} do about the table's own enabled triggers that would fire on
 * the batches' {@code UPDATE} (attribute {@code userTriggers}).
 */
public enum UserTriggerPolicy {

    /**
     * Refuse before any row changes, naming the triggers. The default: an audit trigger would copy every plaintext
     * value into its audit table, a {@code last_updated} trigger would stamp every row, and a trigger that rewrites
     * the column could damage ciphertext; only the table's owner knows which is harmless.
     */
    REFUSE,

    /** Let them fire on every converted row, with a warning naming them. */
    FIRE,

    /**
     * Run the batches with {@code session_replication_role = replica} (local to each batch's transaction), so
     * ordinary triggers do not fire. Needs a role allowed to set that parameter (superuser; {@code rds_superuser} on
     * RDS and Aurora); triggers enabled {@code ALWAYS} or {@code REPLICA} would still fire and are refused.
     */
    SKIP;

    /** The attribute's value: {@code refuse}, {@code fire} or {@code skip}. */
    public String attributeValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses an attribute value; null means the default, {@link #REFUSE}. */
    public static UserTriggerPolicy of(String value) {
        if (value == null) {
            return REFUSE;
        }
        return Arrays.stream(values()).filter(policy -> policy.attributeValue().equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("userTriggers must be refuse, fire or skip"));
    }
}
