package io.kmscolumns.liquibase.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Generates the SQL of the encrypt/decrypt function set: the schema, the registry table, the four functions that
 * call the Lambda through {@code aws_lambda.invoke}, the row trigger function, and their grants.
 *
 * <p>Every function returns NULL for NULL without invoking, builds its request with {@code jsonb_build_object},
 * checks the HTTP status and the shape of the reply, and raises on anything unexpected, so encrypt never returns
 * anything but well-formed v1 ciphertext. They are {@code SECURITY DEFINER} with {@code search_path} pinned to
 * {@code pg_catalog, pg_temp}, and carry the {@code aws_lambda} timeouts in their {@code SET} clauses.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-createfunction.html#SQL-CREATEFUNCTION-SECURITY">
 *     Writing SECURITY DEFINER functions safely</a>
 */
public final class CryptoFunctionSql {

    /** Comment marking a schema this library created, so rollback drops only such a schema. */
    public static final String SCHEMA_MARKER = "created by kms-columns createEncryptFunctions";

    /**
     * Bytes of a synchronous Lambda invocation's request at most; a larger one is refused before it is sent.
     *
     * @see <a href="https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html">Lambda quotas</a>
     */
    public static final int MAX_REQUEST_BYTES = 6_291_456;

    /**
     * Transaction-local setting by which a decryptColumn batch names the column it decrypts
     * ({@code format('%I.%I.%I', schema, table, column)}), so that the row trigger lets the batch's plaintext
     * through for that session only.
     */
    public static final String DECRYPTING_SETTING = "kms_columns.decrypting";

    private final FunctionSet functions;
    private final String lambdaFunction;
    private final String region;
    private final List<String> encryptRoles;
    private final List<String> decryptRoles;
    private final int requestTimeoutMs;
    private final int connectTimeoutMs;

    /**
     * @param functions        names of the objects to create
     * @param lambdaFunction   Lambda function name or ARN
     * @param region           Lambda region, or null for the ARN's or the database's region
     * @param encryptRoles     roles granted EXECUTE on the encrypt functions
     * @param decryptRoles     roles granted EXECUTE on the decrypt functions
     * @param requestTimeoutMs {@code aws_lambda.request_timeout_ms} set on every function
     * @param connectTimeoutMs {@code aws_lambda.connect_timeout_ms} set on every function
     */
    public CryptoFunctionSql(FunctionSet functions, String lambdaFunction, String region, List<String> encryptRoles,
            List<String> decryptRoles, int requestTimeoutMs, int connectTimeoutMs) {
        this.functions = functions;
        this.lambdaFunction = lambdaFunction;
        this.region = region;
        this.encryptRoles = List.copyOf(encryptRoles);
        this.decryptRoles = List.copyOf(decryptRoles);
        this.requestTimeoutMs = requestTimeoutMs;
        this.connectTimeoutMs = connectTimeoutMs;
    }

    /** The statements that create (or replace) the whole set, in order. */
    public List<String> create() {
        List<String> sql = new ArrayList<>();
        sql.add(createSchema());
        sql.add(RegistrySql.createTable(functions));
        sql.add("REVOKE ALL ON TABLE " + functions.registry() + " FROM PUBLIC");
        sql.add(single(functions.encrypt(), "plaintext", "enc", true));
        sql.add(single(functions.decrypt(), "ciphertext", "dec", false));
        sql.add(batch(functions.encryptBatch(), "plaintexts", "enc", true));
        sql.add(batch(functions.decryptBatch(), "ciphertexts", "dec", false));
        sql.add(rowTrigger());
        for (String signature : signatures()) {
            sql.add("REVOKE ALL ON FUNCTION " + signature + " FROM PUBLIC");
        }
        List<String> allRoles = new ArrayList<>(encryptRoles);
        decryptRoles.stream().filter(role -> !allRoles.contains(role)).forEach(allRoles::add);
        if (!allRoles.isEmpty()) {
            sql.add("GRANT USAGE ON SCHEMA " + SqlText.identifier(functions.schema()) + " TO "
                    + SqlText.identifiers(allRoles));
        }
        if (!encryptRoles.isEmpty()) {
            sql.add("GRANT EXECUTE ON FUNCTION " + encryptSignature() + ", " + encryptBatchSignature() + " TO "
                    + SqlText.identifiers(encryptRoles));
        }
        if (!decryptRoles.isEmpty()) {
            sql.add("GRANT EXECUTE ON FUNCTION " + decryptSignature() + ", " + decryptBatchSignature() + " TO "
                    + SqlText.identifiers(decryptRoles));
        }
        return sql;
    }

    /**
     * The rollback: refuses while the registry still lists encrypted columns (their data would become
     * undecryptable from SQL), then drops the functions, the registry and the schema if this library created it
     * and it is empty.
     */
    public static String drop(FunctionSet functions) {
        String schema = SqlText.literal(functions.schema());
        String body = """
                DECLARE
                  v_remaining text;
                BEGIN
                  IF to_regclass({{registryName}}) IS NOT NULL THEN
                    SELECT string_agg(format('%I.%I.%I', schema_name, table_name, column_name), ', ')
                      INTO v_remaining FROM {{registry}};
                    IF v_remaining IS NOT NULL THEN
                      RAISE EXCEPTION 'kms-columns: cannot drop the functions in schema %: columns % are still \
                encrypted with them. Decrypt those columns first (decryptColumn or rollback of encryptColumn); \
                nothing was dropped.', {{schema}}, v_remaining;
                    END IF;
                  END IF;
                  DROP FUNCTION IF EXISTS {{trigger}}();
                  DROP FUNCTION IF EXISTS {{encryptBatch}}(text[], jsonb);
                  DROP FUNCTION IF EXISTS {{decryptBatch}}(text[], jsonb);
                  DROP FUNCTION IF EXISTS {{encrypt}}(text, jsonb);
                  DROP FUNCTION IF EXISTS {{decrypt}}(text, jsonb);
                  DROP TABLE IF EXISTS {{registry}};
                  IF obj_description(to_regnamespace({{schema}}), 'pg_namespace') = {{marker}}
                     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace = to_regnamespace({{schema}}))
                     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE pronamespace = to_regnamespace({{schema}}))
                  THEN
                    DROP SCHEMA {{schemaIdentifier}};
                  END IF;
                END
                """;
        return "DO " + SqlText.dollarQuoted(Template.fill(body, Map.of(
                "registryName", SqlText.literal(functions.registry()),
                "schema", schema,
                "schemaIdentifier", SqlText.identifier(functions.schema()),
                "trigger", functions.trigger(),
                "encryptBatch", functions.encryptBatch(),
                "decryptBatch", functions.decryptBatch(),
                "encrypt", functions.encrypt(),
                "decrypt", functions.decrypt(),
                "registry", functions.registry(),
                "marker", SqlText.literal(SCHEMA_MARKER))));
    }

    private String createSchema() {
        String body = """
                BEGIN
                  IF to_regnamespace({{schema}}) IS NULL THEN
                    CREATE SCHEMA {{schemaIdentifier}};
                    COMMENT ON SCHEMA {{schemaIdentifier}} IS {{marker}};
                  END IF;
                END
                """;
        return "DO " + SqlText.dollarQuoted(Template.fill(body, Map.of(
                "schema", SqlText.literal(functions.schema()),
                "schemaIdentifier", SqlText.identifier(functions.schema()),
                "marker", SqlText.literal(SCHEMA_MARKER))));
    }

    private String single(String name, String parameter, String eventType, boolean encrypt) {
        String resultCheck = encrypt
                ? """
                  IF NOT {{isCiphertext}} THEN
                    RAISE EXCEPTION 'kms-columns: Lambda % returned a "result" that is not kms:v1 ciphertext; \
                nothing was stored', {{lambda}} USING ERRCODE = 'external_routine_exception';
                  END IF;
                """
                : "";
        String body = """
                DECLARE
                  v_request jsonb;
                  v_reply jsonb;
                  v_status integer;
                  v_result text;
                BEGIN
                  IF {{parameter}} IS NULL THEN
                    RETURN NULL;
                  END IF;
                {{contextCheck}}\
                {{invoke}}\
                  IF jsonb_typeof(v_reply -> 'result') IS DISTINCT FROM 'string' THEN
                    RAISE EXCEPTION 'kms-columns: Lambda % returned a payload that is not a JSON object with a \
                string "result"', {{lambda}} USING ERRCODE = 'external_routine_exception';
                  END IF;
                  v_result := v_reply ->> 'result';
                {{resultCheck}}\
                  RETURN v_result;
                END
                """;
        String request = "jsonb_build_object('event_type', " + SqlText.literal(eventType) + ", 'event_text', "
                + parameter + ", 'context', context)";
        return header(name, parameter + " text", "text") + SqlText.dollarQuoted(Template.fill(body, Map.of(
                "parameter", parameter,
                "contextCheck", contextCheck(),
                "invoke", invoke(request),
                "resultCheck", Template.fill(resultCheck, Map.of(
                        "isCiphertext", CiphertextFormat.isCiphertext("v_result"),
                        "lambda", SqlText.literal(lambdaFunction))),
                "lambda", SqlText.literal(lambdaFunction))));
    }

    private String batch(String name, String parameter, String eventType, boolean encrypt) {
        String elementCheck = encrypt
                ? "jsonb_typeof(v_item) IS DISTINCT FROM 'string' OR NOT "
                        + CiphertextFormat.isCiphertext("(v_item #>> '{}')")
                : "jsonb_typeof(v_item) IS DISTINCT FROM 'string'";
        String expected = encrypt ? "kms:v1 ciphertext" : "a string";
        String body = """
                DECLARE
                  v_inputs text[];
                  v_count integer;
                  v_request jsonb;
                  v_reply jsonb;
                  v_status integer;
                  v_results jsonb;
                  v_item jsonb;
                  v_output text[] := '{}';
                BEGIN
                  IF {{parameter}} IS NULL THEN
                    RETURN NULL;
                  END IF;
                  IF array_ndims({{parameter}}) > 1 THEN
                    RAISE EXCEPTION 'kms-columns: {{parameter}} must be a one-dimensional array'
                      USING ERRCODE = 'invalid_parameter_value';
                  END IF;
                  v_inputs := ARRAY(SELECT u.v FROM unnest({{parameter}}) WITH ORDINALITY AS u(v, n) ORDER BY u.n);
                  v_count := cardinality(v_inputs);
                  IF NOT EXISTS (SELECT 1 FROM unnest(v_inputs) AS u(v) WHERE u.v IS NOT NULL) THEN
                    RETURN v_inputs;
                  END IF;
                {{contextCheck}}\
                {{invoke}}\
                  v_results := v_reply -> 'results';
                  IF jsonb_typeof(v_results) IS DISTINCT FROM 'array' THEN
                    RAISE EXCEPTION 'kms-columns: Lambda % returned a payload that is not a JSON object with a \
                "results" array', {{lambda}} USING ERRCODE = 'external_routine_exception';
                  END IF;
                  IF jsonb_array_length(v_results) <> v_count THEN
                    RAISE EXCEPTION 'kms-columns: Lambda % returned % results for % inputs; nothing was stored',
                      {{lambda}}, jsonb_array_length(v_results), v_count USING ERRCODE = 'external_routine_exception';
                  END IF;
                  FOR i IN 1 .. v_count LOOP
                    v_item := v_results -> (i - 1);
                    IF v_inputs[i] IS NULL THEN
                      IF jsonb_typeof(v_item) IS DISTINCT FROM 'null' THEN
                        RAISE EXCEPTION 'kms-columns: Lambda % returned a value at position % where the input was \
                NULL; nothing was stored', {{lambda}}, i USING ERRCODE = 'external_routine_exception';
                      END IF;
                      v_output[i] := NULL;
                    ELSIF {{elementCheck}} THEN
                      RAISE EXCEPTION 'kms-columns: Lambda % returned a result at position % that is not {{expected}}; \
                nothing was stored', {{lambda}}, i USING ERRCODE = 'external_routine_exception';
                    ELSE
                      v_output[i] := v_item #>> '{}';
                    END IF;
                  END LOOP;
                  RETURN v_output;
                END
                """;
        String request = "jsonb_build_object('event_type', " + SqlText.literal(eventType) + ", 'event_texts', "
                + "to_jsonb(v_inputs), 'context', context)";
        return header(name, parameter + " text[]", "text[]") + SqlText.dollarQuoted(Template.fill(body, Map.of(
                "parameter", parameter,
                "contextCheck", contextCheck(),
                "invoke", invoke(request),
                "elementCheck", elementCheck,
                "expected", expected,
                "lambda", SqlText.literal(lambdaFunction))));
    }

    private String rowTrigger() {
        String body = """
                DECLARE
                  v_column text := TG_ARGV[0];
                  v_context jsonb := TG_ARGV[1]::jsonb;
                  v_plaintext text;
                  v_decrypting text := current_setting({{decryptingSetting}}, true);
                BEGIN
                  -- A decryptColumn batch of this session writes plaintext back: it names the column it decrypts
                  -- (schema.table.column of the table or, for a partition, of an ancestor) for its own
                  -- transaction only, and those writes pass. Every other write is encrypted.
                  IF v_decrypting IS NOT NULL AND v_decrypting <> '' AND EXISTS (
                       SELECT 1
                         FROM (SELECT TG_RELID AS relid
                               UNION ALL SELECT a.relid FROM pg_catalog.pg_partition_ancestors(TG_RELID) AS a) AS t
                         JOIN pg_catalog.pg_class AS c ON c.oid = t.relid
                         JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
                        WHERE format('%I.%I.%I', n.nspname, c.relname, v_column) = v_decrypting) THEN
                    RETURN NEW;
                  END IF;
                  v_plaintext := to_jsonb(NEW) ->> v_column;
                  IF v_plaintext IS NULL OR {{isCiphertext}} THEN
                    RETURN NEW;
                  END IF;
                  RETURN jsonb_populate_record(NEW, jsonb_build_object(v_column, {{encrypt}}(v_plaintext, v_context)));
                END
                """;
        return "CREATE OR REPLACE FUNCTION " + functions.trigger() + "()\n"
                + " RETURNS trigger\n LANGUAGE plpgsql\n SECURITY DEFINER\n SET search_path = pg_catalog, pg_temp\n"
                + "AS " + SqlText.dollarQuoted(Template.fill(body, Map.of(
                        "isCiphertext", CiphertextFormat.isCiphertext("v_plaintext"),
                        "decryptingSetting", SqlText.literal(DECRYPTING_SETTING),
                        "encrypt", functions.encrypt())));
    }

    private String header(String name, String input, String returns) {
        return "CREATE OR REPLACE FUNCTION " + name + "(" + input + ", context jsonb DEFAULT '{}'::jsonb)\n"
                + " RETURNS " + returns + "\n"
                + " LANGUAGE plpgsql\n"
                + " VOLATILE\n"
                + " SECURITY DEFINER\n"
                + " SET search_path = pg_catalog, pg_temp\n"
                + " SET aws_lambda.request_timeout_ms = " + SqlText.literal(Integer.toString(requestTimeoutMs)) + "\n"
                + " SET aws_lambda.connect_timeout_ms = " + SqlText.literal(Integer.toString(connectTimeoutMs)) + "\n"
                + "AS ";
    }

    private static String contextCheck() {
        return """
                  context := COALESCE(context, '{}'::jsonb);
                  IF jsonb_typeof(context) IS DISTINCT FROM 'object'
                     OR EXISTS (SELECT 1 FROM jsonb_each(context) AS e WHERE jsonb_typeof(e.value) <> 'string') THEN
                    RAISE EXCEPTION 'kms-columns: context must be a JSON object with string values only'
                      USING ERRCODE = 'invalid_parameter_value';
                  END IF;
                """;
    }

    /** The Lambda call and the checks every function shares: HTTP status, error object, JSON object payload. */
    private String invoke(String request) {
        String fragment = """
                  v_request := {{request}};
                  IF octet_length(v_request::text) > {{maxRequestBytes}} THEN
                    RAISE EXCEPTION 'kms-columns: the request to Lambda % is % bytes, over the {{maxRequestBytes}} \
                bytes a synchronous invocation accepts; nothing was sent', {{lambda}}, octet_length(v_request::text)
                      USING ERRCODE = 'program_limit_exceeded',
                            HINT = 'Send fewer values per call (encryptColumn: lower batchSize). Quotes, \
                backslashes and control characters take up to 6 bytes each once escaped in JSON.';
                  END IF;
                  SELECT r.status_code, r.payload::jsonb INTO v_status, v_reply
                    FROM aws_lambda.invoke({{lambda}}::text, v_request, {{region}}::text) AS r;
                  IF v_status IS DISTINCT FROM 200 THEN
                    RAISE EXCEPTION 'kms-columns: Lambda % answered HTTP status %, expected 200', {{lambda}}, v_status
                      USING ERRCODE = 'external_routine_exception';
                  END IF;
                  IF jsonb_typeof(v_reply) = 'object' AND (v_reply -> 'errorType') IS NOT NULL THEN
                    RAISE EXCEPTION 'kms-columns: Lambda % failed with % : %', {{lambda}}, v_reply ->> 'errorType',
                      left(v_reply ->> 'errorMessage', 500) USING ERRCODE = 'external_routine_exception';
                  END IF;
                  IF jsonb_typeof(v_reply) IS DISTINCT FROM 'object' THEN
                    RAISE EXCEPTION 'kms-columns: Lambda % returned a payload that is not a JSON object', {{lambda}}
                      USING ERRCODE = 'external_routine_exception';
                  END IF;
                """;
        return Template.fill(fragment, Map.of(
                "maxRequestBytes", Integer.toString(MAX_REQUEST_BYTES),
                "lambda", SqlText.literal(lambdaFunction),
                "request", request,
                "region", SqlText.literal(region)));
    }

    private List<String> signatures() {
        return List.of(encryptSignature(), decryptSignature(), encryptBatchSignature(), decryptBatchSignature(),
                functions.trigger() + "()");
    }

    private String encryptSignature() {
        return functions.encrypt() + "(text, jsonb)";
    }

    private String decryptSignature() {
        return functions.decrypt() + "(text, jsonb)";
    }

    private String encryptBatchSignature() {
        return functions.encryptBatch() + "(text[], jsonb)";
    }

    private String decryptBatchSignature() {
        return functions.decryptBatch() + "(text[], jsonb)";
    }
}
