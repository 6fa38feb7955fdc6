package io.kmscolumns.liquibase.sql;

import java.util.Map;

/**
 * DDL that encryptColumn and decryptColumn apply to the column itself: recording its type and converting it to
 * {@code text}, restoring the recorded type, and the row trigger.
 *
 * <p>Conversion to text and back uses each type's text input/output, under fixed {@code DateStyle},
 * {@code IntervalStyle}, {@code extra_float_digits} and {@code bytea_output} settings (local to the transaction),
 * so a value converted under one session's settings comes back identical under another's.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-altertable.html">ALTER TABLE ... SET DATA TYPE</a>
 */
public final class ColumnSql {

    private static final String STABLE_TEXT_FORMATS = """
              PERFORM set_config('DateStyle', 'ISO, YMD', true);
              PERFORM set_config('IntervalStyle', 'postgres', true);
              PERFORM set_config('extra_float_digits', '3', true);
              PERFORM set_config('bytea_output', 'hex', true);
            """;

    private ColumnSql() {
    }

    /**
     * Records the column's current type in the registry (a rerun keeps the first record) and converts the column
     * to {@code text} unless it already is.
     */
    public static String recordAndConvertToText(ColumnRef column, FunctionSet functions, String contextJson) {
        String body = """
                DECLARE
                  v_type text;
                  v_base text;
                BEGIN
                {{formats}}\
                  SELECT format_type(a.atttypid, a.atttypmod), format_type(a.atttypid, NULL) INTO v_type, v_base
                    FROM pg_catalog.pg_attribute AS a
                   WHERE a.attrelid = {{tableName}}::regclass AND a.attname = {{columnName}}
                     AND a.attnum > 0 AND NOT a.attisdropped;
                  IF v_type IS NULL THEN
                    RAISE EXCEPTION 'kms-columns: column % does not exist', {{display}};
                  END IF;
                  -- Without a length, character and bit mean length 1: restore through their unlimited forms.
                  v_base := regexp_replace(v_base, '^character(\\[\\])?$', 'bpchar\\1');
                  v_base := regexp_replace(v_base, '^bit(\\[\\])?$', 'bit varying\\1');
                  {{createRegistry}};
                  INSERT INTO {{registry}} (schema_name, table_name, column_name, original_type, original_base_type,
                                            encryption_context)
                  VALUES ({{schemaName}}, {{tableNameOnly}}, {{columnName}}, v_type, v_base, {{context}})
                  ON CONFLICT (schema_name, table_name, column_name) DO NOTHING;
                  IF v_type <> 'text' THEN
                    ALTER TABLE {{table}} ALTER COLUMN {{column}} TYPE text USING {{column}}::text;
                  END IF;
                END
                """;
        return "DO " + SqlText.dollarQuoted(Template.fill(body, values(column, functions, Map.of(
                "createRegistry", RegistrySql.createTable(functions),
                "context", SqlText.jsonb(contextJson)))));
    }

    /**
     * Restores the type recorded in the registry (refusing, with the column left as text, when a value no longer
     * fits it) and removes the registry record. Does nothing when no record exists.
     */
    public static String restoreRecordedType(ColumnRef column, FunctionSet functions) {
        String body = """
                DECLARE
                  v_type text;
                  v_base text;
                  v_current text;
                  v_state text;
                  v_key text;
                  v_order text;
                  v_key_count integer;
                  v_row record;
                  v_bad integer := 0;
                  v_keys text[] := '{}';
                BEGIN
                {{formats}}\
                  IF to_regclass({{registryName}}) IS NULL THEN
                    RETURN;
                  END IF;
                  SELECT r.original_type, r.original_base_type INTO v_type, v_base
                    FROM {{registry}} AS r
                   WHERE r.schema_name = {{schemaName}} AND r.table_name = {{tableNameOnly}}
                     AND r.column_name = {{columnName}};
                  IF v_type IS NULL THEN
                    RETURN;
                  END IF;
                  SELECT format_type(a.atttypid, a.atttypmod) INTO v_current
                    FROM pg_catalog.pg_attribute AS a
                   WHERE a.attrelid = {{tableName}}::regclass AND a.attname = {{columnName}}
                     AND a.attnum > 0 AND NOT a.attisdropped;
                  IF v_current = 'text' AND v_type <> 'text' THEN
                    BEGIN
                      EXECUTE format({{alterTemplate}}, v_type, v_base);
                    EXCEPTION WHEN OTHERS THEN
                      -- PostgreSQL's message quotes the offending value (invalid input syntax for type date: "..."):
                      -- it is caught here, so it reaches neither the client nor the server log, and replaced by
                      -- the keys of the rows whose value does not fit, found by a per-row check that runs only now.
                      v_state := SQLSTATE;
                      SELECT string_agg(format('%L || ''='' || coalesce(kms_row.%I::text, ''NULL'')', a.attname,
                                               a.attname), ' || '', '' || ' ORDER BY k.n),
                             string_agg(format('kms_row.%I', a.attname), ', ' ORDER BY k.n), count(*)
                        INTO v_key, v_order, v_key_count
                        FROM pg_catalog.pg_index AS i
                        CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                        JOIN pg_catalog.pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                       WHERE i.indrelid = {{tableName}}::regclass AND i.indisprimary;
                      IF v_key IS NULL THEN
                        v_key := '''ctid='' || kms_row.ctid::text';
                        v_order := 'kms_row.ctid';
                      ELSIF v_key_count > 1 THEN
                        v_key := '''('' || ' || v_key || ' || '')''';
                      END IF;
                      DROP TABLE IF EXISTS pg_temp.kms_columns_restore_check;
                      EXECUTE format('CREATE TEMPORARY TABLE kms_columns_restore_check (v %s) ON COMMIT DROP', v_type);
                      FOR v_row IN EXECUTE format('SELECT %s AS k, kms_row.%I::text AS v FROM %s AS kms_row '
                                                  'WHERE kms_row.%I IS NOT NULL ORDER BY %s',
                                                  v_key, {{columnName}}, {{tableName}}, {{columnName}}, v_order) LOOP
                        BEGIN
                          -- The same conversion as the type change: to the base type, then assigned to the type.
                          EXECUTE format('INSERT INTO pg_temp.kms_columns_restore_check VALUES (CAST($1 AS %s))',
                                         v_base) USING v_row.v;
                        EXCEPTION WHEN OTHERS THEN
                          v_bad := v_bad + 1;
                          EXIT WHEN v_bad > 10;
                          v_keys := array_append(v_keys, v_row.k);
                        END;
                      END LOOP;
                      IF v_bad = 0 THEN
                        RAISE EXCEPTION 'kms-columns: cannot restore column % to its original type % (SQLSTATE %); '
                          'every value fits the type, so something else blocks the change (a constraint, default, '
                          'index or dependent object)', {{display}}, v_type, v_state
                          USING ERRCODE = v_state,
                                HINT = 'The column stays text and holds the decrypted plaintext; its registry record '
                                  || 'is kept. Remove the obstacle, then run the decryption again (rollback again, '
                                  || 'or update for a decryptColumn changeset): it only restores the type.';
                      END IF;
                      RAISE EXCEPTION 'kms-columns: cannot restore column % to its original type % (SQLSTATE %): the '
                        'values of % % do not fit it (they are not shown). The column stays text and holds the '
                        'decrypted plaintext; its registry record is kept.', {{display}}, v_type, v_state,
                        CASE WHEN v_bad > 10 THEN 'more than 10 rows, e.g. the rows with keys'
                             WHEN v_bad = 1 THEN 'the row with key' ELSE 'the rows with keys' END,
                        array_to_string(v_keys, ', ')
                        USING ERRCODE = v_state,
                              HINT = 'Correct or clear those values (they are plaintext now), then run the '
                                || 'decryption again (rollback again, or update for a decryptColumn changeset): it '
                                || 'only restores the type.';
                    END;
                  END IF;
                  DELETE FROM {{registry}} AS r
                   WHERE r.schema_name = {{schemaName}} AND r.table_name = {{tableNameOnly}}
                     AND r.column_name = {{columnName}};
                END
                """;
        // The cast to the base type (no length or precision) followed by assignment to the full type makes a value
        // that no longer fits raise instead of being silently truncated, as an explicit cast to varchar(n) would.
        String alter = "ALTER TABLE " + column.qualifiedTable() + " ALTER COLUMN " + column.quotedColumn()
                + " TYPE %s USING " + column.quotedColumn() + "::%s";
        return "DO " + SqlText.dollarQuoted(Template.fill(body, values(column, functions, Map.of(
                "registryName", SqlText.literal(functions.registry()),
                "alterTemplate", SqlText.literal(alter)))));
    }

    /** Replaces the row trigger that encrypts values written after the change. */
    public static String createTrigger(ColumnRef column, FunctionSet functions, String contextJson) {
        return "DROP TRIGGER IF EXISTS " + SqlText.identifier(column.triggerName()) + " ON "
                + column.qualifiedTable() + ";\n"
                + "CREATE TRIGGER " + SqlText.identifier(column.triggerName())
                + " BEFORE INSERT OR UPDATE OF " + column.quotedColumn() + " ON " + column.qualifiedTable()
                + " FOR EACH ROW EXECUTE FUNCTION " + functions.trigger() + "("
                + SqlText.literal(column.column()) + ", " + SqlText.literal(contextJson) + ")";
    }

    /** Removes the row trigger, if present. */
    public static String dropTrigger(ColumnRef column) {
        return "DROP TRIGGER IF EXISTS " + SqlText.identifier(column.triggerName()) + " ON "
                + column.qualifiedTable();
    }

    private static Map<String, String> values(ColumnRef column, FunctionSet functions, Map<String, String> extra) {
        java.util.HashMap<String, String> values = new java.util.HashMap<>(extra);
        values.put("formats", STABLE_TEXT_FORMATS);
        values.put("tableName", SqlText.literal(column.qualifiedTable()));
        values.put("schemaName", SqlText.literal(column.schema()));
        values.put("tableNameOnly", SqlText.literal(column.table()));
        values.put("columnName", SqlText.literal(column.column()));
        values.put("display", SqlText.literal(column.display()));
        values.put("registry", functions.registry());
        values.put("table", column.qualifiedTable());
        values.put("column", column.quotedColumn());
        return values;
    }
}
