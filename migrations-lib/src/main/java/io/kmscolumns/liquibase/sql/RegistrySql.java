package io.kmscolumns.liquibase.sql;

/**
 * The registry table ({@code <functions schema>.encrypted_columns}): one row per encrypted column with its original
 * type, so that decryption restores it exactly, and the encryption context bound to its values.
 */
public final class RegistrySql {

    private RegistrySql() {
    }

    /** Creates the registry if it does not exist. */
    public static String createTable(FunctionSet functions) {
        return "CREATE TABLE IF NOT EXISTS " + functions.registry() + " (\n"
                + "  schema_name name NOT NULL,\n"
                + "  table_name name NOT NULL,\n"
                + "  column_name name NOT NULL,\n"
                + "  original_type text NOT NULL,\n"
                + "  original_base_type text NOT NULL,\n"
                + "  encryption_context jsonb NOT NULL,\n"
                + "  encrypted_at timestamptz NOT NULL DEFAULT now(),\n"
                + "  PRIMARY KEY (schema_name, table_name, column_name)\n"
                + ")";
    }

    /**
     * The recorded original type of a column: parameters schema, table, column. Run only when the registry exists
     * ({@code to_regclass}).
     */
    public static String originalType(FunctionSet functions) {
        return "SELECT r.original_type FROM " + functions.registry() + " AS r\n"
                + " WHERE r.schema_name = ? AND r.table_name = ? AND r.column_name = ?";
    }
}
