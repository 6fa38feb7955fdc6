-- aws_commons 1.2, aurora-local emulation: the composite type and constructor that aws_lambda.invoke accepts.
-- Written to be rerunnable, so that it also serves as part of the plain script (see AwsLambdaEmulation).
\echo Use "CREATE EXTENSION aws_commons" to load this file. \quit

CREATE SCHEMA IF NOT EXISTS aws_commons;
REVOKE ALL ON SCHEMA aws_commons FROM PUBLIC;

DO $$
BEGIN
    -- CREATE TYPE has no IF NOT EXISTS.
    IF pg_catalog.to_regtype('aws_commons._lambda_function_arn_1') IS NULL THEN
        CREATE TYPE aws_commons._lambda_function_arn_1 AS (function_name text, region text);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION aws_commons.create_lambda_function_arn(function_name text, region text DEFAULT NULL)
    RETURNS aws_commons._lambda_function_arn_1
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ROW(function_name, region)::aws_commons._lambda_function_arn_1
$$;

COMMENT ON FUNCTION aws_commons.create_lambda_function_arn(text, text) IS
    'Builds the function reference aws_lambda.invoke accepts: a name, partial ARN or full ARN, and a region';
REVOKE ALL ON FUNCTION aws_commons.create_lambda_function_arn(text, text) FROM PUBLIC;
