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
}
