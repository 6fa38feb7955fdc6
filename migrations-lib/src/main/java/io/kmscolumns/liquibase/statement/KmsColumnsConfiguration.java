package io.kmscolumns.liquibase.statement;

import liquibase.configuration.AutoloadedConfigurations;
import liquibase.configuration.ConfigurationDefinition;

/**
 * Settings of the extension, read like every Liquibase setting from system properties
 * ({@code -Dliquibase.kmsColumns.transactionalRowLimit=...}), {@code LIQUIBASE_KMS_COLUMNS_*} environment variables
 * or Scope values.
 */
public final class KmsColumnsConfiguration implements AutoloadedConfigurations {

    /**
     * Tables estimated above this many rows must be encrypted or decrypted with {@code runInTransaction="false"}, so
     * that each batch commits and locks are held per batch only.
     */
    public static final ConfigurationDefinition<Long> TRANSACTIONAL_ROW_LIMIT;

    static {
        ConfigurationDefinition.Builder builder = new ConfigurationDefinition.Builder("liquibase.kmsColumns");
        TRANSACTIONAL_ROW_LIMIT = builder.define("transactionalRowLimit", Long.class)
                .setDescription("Estimated table rows above which encryptColumn and decryptColumn demand "
                        + "runInTransaction=\"false\" on their changeset")
                .setDefaultValue(10_000L)
                .build();
    }
}
