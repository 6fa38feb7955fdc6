package io.kmscolumns.liquibase.statement;

import java.util.Arrays;
import java.util.Locale;

/**
 * What {@code encryptColumn} and {@code decryptColumn} do with views and materialized views that read the column
 * (attribute {@code dependentViews}).
 */
public enum DependentViewPolicy {

    /**
     * Refuse before any row changes, listing the views. The default: a view over an encrypted column silently
     * starts showing ciphertext to its readers, which its owner has to decide about.
     */
    REFUSE,

    /**
     * Capture the views (transitively: views on views, materialized views), drop them, change the column's type
     * and recreate them unchanged, all in one transaction; refresh materialized views once the rows are
     * converted. Their readers see ciphertext after encryption.
     */
    RECREATE;

    /** The attribute's value: {@code refuse} or {@code recreate}. */
    public String attributeValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses an attribute value; null means the default, {@link #REFUSE}. */
    public static DependentViewPolicy of(String value) {
        if (value == null) {
            return REFUSE;
        }
        return Arrays.stream(values()).filter(policy -> policy.attributeValue().equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("dependentViews must be refuse or recreate"));
    }
}
