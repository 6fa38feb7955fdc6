package io.kmscolumns.liquibase.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Installing the {@code aws_lambda} extension (with {@code aws_commons}) idempotently, granting its use, and the
 * rollback that removes only what the install created.
 *
 * <p>An extension this library creates is marked with a comment; rollback drops only marked extensions. Where the
 * extension is not available but aurora-local's emulation is already installed as a plain script (schema
 * {@code aws_lambda} with a function {@code invoke}), the install accepts it with a notice.
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/PostgreSQL-Lambda.html">
 *     Invoking a Lambda function from Aurora PostgreSQL</a>
 */
public final class AwsLambdaSql {

    /** Comment placed on the extensions this library created. */
    public static final String MARKER = "installed by kms-columns installAwsLambda";

    private static final String EMULATION_PRESENT = """
            EXISTS (SELECT 1 FROM pg_catalog.pg_proc AS p
                      JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
                     WHERE n.nspname = 'aws_lambda' AND p.proname = 'invoke')""";

    private AwsLambdaSql() {
    }

    /** The install, then one grant statement per role list. */
    public static List<String> install(List<String> grantTo) {
        String body = """
                DECLARE
                  v_had_commons boolean;
                BEGIN
                  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'aws_lambda') THEN
                    RAISE NOTICE 'kms-columns: extension aws_lambda is already installed; nothing to do';
                  ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'aws_lambda') THEN
                    v_had_commons := EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'aws_commons');
                    CREATE EXTENSION IF NOT EXISTS aws_lambda CASCADE;
                    COMMENT ON EXTENSION aws_lambda IS {{marker}};
                    IF NOT v_had_commons THEN
                      COMMENT ON EXTENSION aws_commons IS {{marker}};
                    END IF;
                    RAISE NOTICE 'kms-columns: installed extension aws_lambda';
                  ELSIF {{emulation}} THEN
                    RAISE NOTICE 'kms-columns: extension aws_lambda is not available on this server, but the \
                aws_lambda emulation is installed as a plain script (aurora-local); using it';
                  ELSE
                    RAISE EXCEPTION 'kms-columns: the aws_lambda extension is not available on this server'
                      USING DETAIL = 'installAwsLambda needs Aurora PostgreSQL 11.9 or later, or RDS for PostgreSQL '
                          || '12.6 or later; locally, install the emulation of aurora-local first. '
                          || 'Nothing was changed.';
                  END IF;
                END
                """;
        List<String> sql = new ArrayList<>();
        sql.add("DO " + SqlText.dollarQuoted(Template.fill(body, Map.of(
                "marker", SqlText.literal(MARKER),
                "emulation", EMULATION_PRESENT))));
        if (!grantTo.isEmpty()) {
            String roles = SqlText.identifiers(grantTo);
            sql.add("GRANT USAGE ON SCHEMA aws_lambda, aws_commons TO " + roles);
            sql.add("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA aws_lambda, aws_commons TO " + roles);
        }
        return sql;
    }

    /** Revokes the grants, then drops the extensions only where this library created them. */
    public static String uninstall(List<String> grantTo) {
        String revoke = "";
        if (!grantTo.isEmpty()) {
            String roles = SqlText.identifiers(grantTo);
            revoke = Template.fill("""
                      IF to_regnamespace('aws_lambda') IS NOT NULL AND to_regnamespace('aws_commons') IS NOT NULL THEN
                        REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA aws_lambda, aws_commons FROM {{roles}};
                        REVOKE USAGE ON SCHEMA aws_lambda, aws_commons FROM {{roles}};
                      END IF;
                    """, Map.of("roles", roles));
        }
        String body = """
                BEGIN
                {{revoke}}\
                  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension AS e WHERE e.extname = 'aws_lambda'
                              AND obj_description(e.oid, 'pg_extension') = {{marker}}) THEN
                    DROP EXTENSION aws_lambda;
                  END IF;
                  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension AS e WHERE e.extname = 'aws_commons'
                              AND obj_description(e.oid, 'pg_extension') = {{marker}}) THEN
                    DROP EXTENSION aws_commons;
                  END IF;
                END
                """;
        return "DO " + SqlText.dollarQuoted(Template.fill(body, Map.of(
                "revoke", revoke,
                "marker", SqlText.literal(MARKER))));
    }
}
