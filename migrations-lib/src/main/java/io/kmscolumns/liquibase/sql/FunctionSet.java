package io.kmscolumns.liquibase.sql;

/**
 * Names of the SQL objects one {@code createEncryptFunctions} creates in its schema: the single-value functions,
 * their {@code _batch} variants, the row trigger function and the registry of encrypted columns.
 *
 * @param schema      the schema holding the functions
 * @param encryptName the single-value encrypt function
 * @param decryptName the single-value decrypt function
 */
public record FunctionSet(String schema, String encryptName, String decryptName) {

    /** Suffix of the batch variants. */
    public static final String BATCH_SUFFIX = "_batch";
    /** Suffix of the row trigger function, appended to the encrypt function's name. */
    public static final String TRIGGER_SUFFIX = "_trigger";
    /** Table recording each encrypted column's original type and context. */
    public static final String REGISTRY_TABLE = "encrypted_columns";

    /** Quoted, qualified name of the single-value encrypt function. */
    public String encrypt() {
        return SqlText.qualified(schema, encryptName);
    }

    /** Quoted, qualified name of the single-value decrypt function. */
    public String decrypt() {
        return SqlText.qualified(schema, decryptName);
    }

    /** Quoted, qualified name of the batch encrypt function. */
    public String encryptBatch() {
        return SqlText.qualified(schema, encryptName + BATCH_SUFFIX);
    }

    /** Quoted, qualified name of the batch decrypt function. */
    public String decryptBatch() {
        return SqlText.qualified(schema, decryptName + BATCH_SUFFIX);
    }

    /** Quoted, qualified name of the row trigger function. */
    public String trigger() {
        return SqlText.qualified(schema, encryptName + TRIGGER_SUFFIX);
    }

    /** Quoted, qualified name of the registry table. */
    public String registry() {
        return SqlText.qualified(schema, REGISTRY_TABLE);
    }
}
