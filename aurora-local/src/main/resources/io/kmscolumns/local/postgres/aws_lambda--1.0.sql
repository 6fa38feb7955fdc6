-- aws_lambda 1.0, aurora-local emulation of Aurora PostgreSQL's aws_lambda extension.
--
-- The four aws_lambda.invoke overloads have Aurora's parameter names, order, defaults and OUT columns. They are thin
-- SQL functions over one PL/Python function, aurora_local.lambda_invoke, which calls the Lambda Invoke API with
-- urllib/http.client from Python's standard library. The split exists because an error raised from PL/Python
-- always reads "plpy.Error: <message>"; Aurora's errors read "lambda invocation failed" and "invoke API failed", so
-- the Python side returns the error and aurora_local.raise_error (PL/pgSQL) raises it with the exact text.
-- The overloads cannot be PL/pgSQL themselves: their IN and OUT parameters are both named payload, which PL/pgSQL
-- rejects and SQL functions allow.
--
-- Settings read at each call (current_setting(name, true), so that unset means the default):
--   aws_lambda.endpoint_override     URL or host[:port] of the Lambda endpoint (default: the regional endpoint)
--   aws_lambda.connect_timeout_ms    1..900000, default 1000
--   aws_lambda.request_timeout_ms    1..900000, default 3000
--   aurora_local.region              the database's region, standing in for the cluster's (default us-east-1)
--   aurora_local.account_id          the account of names and partial ARNs (default 000000000000)
--
-- The overloads are SECURITY DEFINER so that, as on Aurora, USAGE on aws_lambda and EXECUTE on invoke are the only
-- grants a caller needs (aurora_local stays closed); they still read the caller's settings.
--
-- Where Aurora's behaviour is not documented, the emulation does this:
--   * Event (202) and DryRun (204) return payload NULL, executed_version NULL, log_result NULL.
--   * The DETAIL of "lambda invocation failed" names the ARN as invoked, with ":qualifier" when one was given, and
--     its details are the function's error object exactly as Lambda returned it (JSON text).
--   * Lambda API errors raise "invoke API failed" with DETAIL "AWS Lambda client returned '<ErrorType>: <Message>'."
--     (e.g. ResourceNotFoundException: Function not found: <arn>); a timeout gives "... returned 'Request timed out
--     after <n> ms'." with a HINT naming aws_lambda.request_timeout_ms. Both Aurora errors have SQLSTATE XX000.
--   * An unreachable endpoint keeps Aurora's DETAIL ("... returned 'Unable to connect to endpoint'.") and adds a HINT
--     naming the URL tried and aws_lambda.endpoint_override. A 200 answer whose body is not JSON raises "invoke API
--     failed" with a DETAIL naming the endpoint (the body is not shown: it may hold data).
--   * Bad arguments (malformed name or ARN, region or qualifier conflicts, invocation_type or log_type not in the
--     case-sensitive lists, out-of-range timeout settings) are rejected before any call, with SQLSTATE 22023.
--   * connect_timeout_ms bounds the TCP (and TLS) connection; request_timeout_ms bounds each wait for the response.
--   * Requests are not signed: the local endpoint accepts them as they are. Without endpoint_override the regional
--     endpoint is called and AWS refuses the unsigned request ("invoke API failed").
--   * endpoint_override is an ordinary placeholder setting, so a session can SET it (Aurora needs a restart).
--
-- Written to be rerunnable, so that it also serves as part of the plain script (see AwsLambdaEmulation).
\echo Use "CREATE EXTENSION aws_lambda CASCADE" to load this file. \quit

CREATE SCHEMA IF NOT EXISTS aws_lambda;
REVOKE ALL ON SCHEMA aws_lambda FROM PUBLIC;
CREATE SCHEMA IF NOT EXISTS aurora_local;
REVOKE ALL ON SCHEMA aurora_local FROM PUBLIC;
COMMENT ON SCHEMA aurora_local IS 'Internals of the aurora-local aws_lambda emulation; not part of Aurora';

CREATE OR REPLACE FUNCTION aurora_local.raise_error(message text, detail text, hint text, sqlstate text)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
BEGIN
    IF hint IS NULL THEN
        RAISE EXCEPTION USING MESSAGE = message, DETAIL = detail, ERRCODE = sqlstate;
    END IF;
    RAISE EXCEPTION USING MESSAGE = message, DETAIL = detail, HINT = hint, ERRCODE = sqlstate;
END
$$;
REVOKE ALL ON FUNCTION aurora_local.raise_error(text, text, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION aurora_local.lambda_invoke(
    function_name text, region text, payload text, invocation_type text, log_type text, context text,
    qualifier text,
    OUT status_code int, OUT response text, OUT executed_version text, OUT log_result text,
    OUT error_message text, OUT error_detail text, OUT error_hint text, OUT error_code text)
    LANGUAGE plpython3u
AS $python$
import base64
import http.client
import json
import re
import urllib.parse

if 'settings' not in SD:
    name = r'([a-zA-Z0-9_-]{1,64})'
    with_qualifier = r'(?::(\$LATEST|[a-zA-Z0-9_-]{1,128}))?'
    SD['full_arn'] = re.compile(r'arn:(aws[a-zA-Z-]*):lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:'
                                + name + with_qualifier)
    SD['partial_arn'] = re.compile(r'(\d{12}):function:' + name + with_qualifier)
    SD['bare_name'] = re.compile(name + with_qualifier)
    SD['region'] = re.compile(r'[a-z]{2}(?:-gov)?-[a-z]+-\d')
    SD['qualifier'] = re.compile(r'\$LATEST|[a-zA-Z0-9_-]{1,128}')
    SD['account_id'] = re.compile(r'\d{12}')
    SD['millis'] = re.compile(r'[0-9]{1,7}')
    SD['settings'] = plpy.prepare(
        "SELECT pg_catalog.current_setting('aws_lambda.endpoint_override', true) AS endpoint,"
        " pg_catalog.current_setting('aws_lambda.connect_timeout_ms', true) AS connect_timeout_ms,"
        " pg_catalog.current_setting('aws_lambda.request_timeout_ms', true) AS request_timeout_ms,"
        " pg_catalog.current_setting('aurora_local.region', true) AS region,"
        " pg_catalog.current_setting('aurora_local.account_id', true) AS account_id")

def failure(message, detail, hint=None, code='22023'):
    return {'status_code': None, 'response': None, 'executed_version': None, 'log_result': None,
            'error_message': message, 'error_detail': detail, 'error_hint': hint, 'error_code': code}

def api_failure(client_message, hint=None):
    return failure('invoke API failed', "AWS Lambda client returned '%s'." % client_message, hint, 'XX000')

def not_json(constant):
    raise ValueError('%s is not JSON' % constant)

def shown(value):
    return 'NULL' if value is None else '"%s"' % value

if function_name is None:
    return failure('function_name must not be NULL', 'aws_lambda.invoke needs the function to call.',
                   'Pass a function name, a partial ARN or a full ARN.', '22004')
if invocation_type not in ('RequestResponse', 'Event', 'DryRun'):
    return failure('invalid invocation_type %s' % shown(invocation_type),
                   'invocation_type is case-sensitive and must be RequestResponse, Event or DryRun.')
if log_type not in ('None', 'Tail'):
    return failure('invalid log_type %s' % shown(log_type), 'log_type is case-sensitive and must be None or Tail.')
settings = plpy.execute(SD['settings'])[0]

# Resolve the function reference as the Lambda API does: a full ARN carries everything; a partial ARN carries the
# account; a bare name takes both account and region from the database.
match = SD['full_arn'].fullmatch(function_name)
if match:
    partition, arn_region, account_id, name, name_qualifier = match.groups()
else:
    partition, arn_region = 'aws', None
    match = SD['partial_arn'].fullmatch(function_name)
    if match:
        account_id, name, name_qualifier = match.groups()
    else:
        match = SD['bare_name'].fullmatch(function_name)
        if not match:
            return failure('invalid Lambda function name or ARN "%s"' % function_name,
                           'Expected a function name (my-function), a partial ARN (123456789012:function:my-function)'
                           ' or a full ARN (arn:aws:lambda:us-east-1:123456789012:function:my-function), each'
                           ' optionally followed by :<version or alias>.')
        name, name_qualifier = match.groups()
        account_id = settings['account_id'] or '000000000000'
        if not SD['account_id'].fullmatch(account_id):
            return failure('invalid value for parameter "aurora_local.account_id": "%s"' % account_id,
                           'The account id of function names must be exactly 12 digits.')

if region and arn_region and region != arn_region:
    return failure('region "%s" conflicts with the region of function ARN "%s"' % (region, function_name),
                   'A full ARN names its region; pass region NULL or the same region.')
# Note: PL/Python arguments are globals of the function body; assigning to one would make it an unbound local.
resolved_region = arn_region or region or settings['region'] or 'us-east-1'
if not SD['region'].fullmatch(resolved_region):
    return failure('invalid region "%s"' % resolved_region, 'A region name looks like us-east-1.')

resolved_qualifier = name_qualifier
if qualifier is not None:
    if not SD['qualifier'].fullmatch(qualifier):
        return failure('invalid qualifier "%s"' % qualifier,
                       'A qualifier is $LATEST, a version number or an alias name (letters, digits, - and _).')
    if name_qualifier is not None and name_qualifier != qualifier:
        return failure('qualifier "%s" conflicts with the qualifier in function name "%s"'
                       % (qualifier, function_name), 'Pass the qualifier in only one place, or the same in both.')
    resolved_qualifier = qualifier
arn = 'arn:%s:lambda:%s:%s:function:%s' % (partition, resolved_region, account_id, name)
invoked_arn = arn + ':' + resolved_qualifier if resolved_qualifier else arn

timeouts = []
for setting, value, default in (('aws_lambda.connect_timeout_ms', settings['connect_timeout_ms'], 1000),
                                ('aws_lambda.request_timeout_ms', settings['request_timeout_ms'], 3000)):
    if value is None or value == '':
        timeouts.append(default)
        continue
    # Only ASCII digits: str.isdigit() also accepts characters such as '²' that int() rejects.
    millis = int(value) if SD['millis'].fullmatch(value) else 0
    if not 1 <= millis <= 900000:
        return failure('invalid value for parameter "%s": "%s"' % (setting, value),
                       'The value must be a whole number of milliseconds from 1 to 900000.',
                       'Change the setting with SET, ALTER ROLE or ALTER DATABASE.')
    timeouts.append(millis)
connect_timeout_ms, request_timeout_ms = timeouts

endpoint = settings['endpoint'] or 'https://lambda.%s.amazonaws.com' % resolved_region
url = urllib.parse.urlsplit(endpoint if '://' in endpoint else 'https://' + endpoint)
try:
    port = url.port
except ValueError:
    port, url = None, None
if url is None or url.scheme not in ('http', 'https') or not url.hostname:
    return failure('invalid value for parameter "aws_lambda.endpoint_override": "%s"' % endpoint,
                   'Expected an http or https URL such as http://127.0.0.1:9001, or a host name.')
path = '%s/2015-03-31/functions/%s/invocations' % (url.path.rstrip('/'), urllib.parse.quote(arn, safe=''))
if resolved_qualifier:
    path += '?Qualifier=' + urllib.parse.quote(resolved_qualifier, safe='')
headers = {'Content-Type': 'application/json', 'X-Amz-Invocation-Type': invocation_type,
           'X-Amz-Log-Type': log_type}
if context is not None:
    headers['X-Amz-Client-Context'] = base64.b64encode(context.encode('utf-8')).decode('ascii')

# http.client rather than urllib.request: it separates the connect timeout from the response timeout.
connection_class = http.client.HTTPSConnection if url.scheme == 'https' else http.client.HTTPConnection
connection = connection_class(url.hostname, port, timeout=connect_timeout_ms / 1000.0)
try:
    try:
        connection.connect()
    except (OSError, http.client.HTTPException):
        return api_failure('Unable to connect to endpoint',
                           'Nothing accepted a connection at %s, the Lambda endpoint named by'
                           ' aws_lambda.endpoint_override (unset: the regional endpoint). Start the local stack, or'
                           ' point the setting at a running endpoint.' % endpoint)
    connection.sock.settimeout(request_timeout_ms / 1000.0)
    try:
        connection.request('POST', path, b'' if payload is None else payload.encode('utf-8'), headers)
        response = connection.getresponse()
        body = response.read()
    except TimeoutError:
        return api_failure('Request timed out after %d ms' % request_timeout_ms,
                           'The function did not answer within aws_lambda.request_timeout_ms; raise the setting'
                           ' (at most 900000) or make the function answer sooner.')
    except (OSError, http.client.HTTPException) as error:
        return api_failure('Request failed: %s' % error)
finally:
    connection.close()

text = body.decode('utf-8', 'replace') if body else None
if response.status >= 300:
    error_type = (response.getheader('x-amzn-ErrorType') or '').split(':')[0] or 'HTTP %d' % response.status
    try:
        message = json.loads(text)
        message = message.get('Message') or message.get('message')
    except (TypeError, ValueError, AttributeError):
        message = None
    return api_failure('%s: %s' % (error_type, message or text or 'no message'))
function_error = response.getheader('X-Amz-Function-Error')
if function_error:
    return failure('lambda invocation failed',
                   '"%s" returned error "%s", details: "%s".' % (invoked_arn, function_error, text or ''),
                   None, 'XX000')
if response.status == 200 and text is not None:
    try:
        # PostgreSQL's json rejects NaN and Infinity, which Python's parser accepts.
        json.loads(text, parse_constant=not_json)
    except ValueError:
        return failure('invoke API failed',
                       'The Lambda endpoint %s answered status 200 with a response that is not JSON.' % endpoint,
                       'Check that aws_lambda.endpoint_override names a Lambda endpoint.', 'XX000')
return {'status_code': response.status, 'response': text if response.status == 200 else None,
        'executed_version': response.getheader('X-Amz-Executed-Version'),
        'log_result': response.getheader('X-Amz-Log-Result'),
        'error_message': None, 'error_detail': None, 'error_hint': None, 'error_code': None}
$python$;
REVOKE ALL ON FUNCTION aurora_local.lambda_invoke(text, text, text, text, text, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION aws_lambda.invoke(
    IN function_name text,
    IN payload json,
    IN region text DEFAULT NULL,
    IN invocation_type text DEFAULT 'RequestResponse',
    IN log_type text DEFAULT 'None',
    IN context json DEFAULT NULL,
    IN qualifier varchar(128) DEFAULT NULL,
    OUT status_code int,
    OUT payload json,
    OUT executed_version text,
    OUT log_result text)
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.status_code, r.response::json, r.executed_version, r.log_result
    FROM aurora_local.lambda_invoke(function_name, region, payload::text, invocation_type, log_type,
                                    context::text, qualifier) AS r
    WHERE r.error_message IS NULL
       OR aurora_local.raise_error(r.error_message, r.error_detail, r.error_hint, r.error_code)
$$;

CREATE OR REPLACE FUNCTION aws_lambda.invoke(
    IN function_name text,
    IN payload jsonb,
    IN region text DEFAULT NULL,
    IN invocation_type text DEFAULT 'RequestResponse',
    IN log_type text DEFAULT 'None',
    IN context jsonb DEFAULT NULL,
    IN qualifier varchar(128) DEFAULT NULL,
    OUT status_code int,
    OUT payload jsonb,
    OUT executed_version text,
    OUT log_result text)
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.status_code, r.response::jsonb, r.executed_version, r.log_result
    FROM aurora_local.lambda_invoke(function_name, region, payload::text, invocation_type, log_type,
                                    context::text, qualifier) AS r
    WHERE r.error_message IS NULL
       OR aurora_local.raise_error(r.error_message, r.error_detail, r.error_hint, r.error_code)
$$;

CREATE OR REPLACE FUNCTION aws_lambda.invoke(
    IN function_name aws_commons._lambda_function_arn_1,
    IN payload json,
    IN invocation_type text DEFAULT 'RequestResponse',
    IN log_type text DEFAULT 'None',
    IN context json DEFAULT NULL,
    IN qualifier varchar(128) DEFAULT NULL,
    OUT status_code int,
    OUT payload json,
    OUT executed_version text,
    OUT log_result text)
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.status_code, r.response::json, r.executed_version, r.log_result
    FROM aurora_local.lambda_invoke((function_name).function_name, (function_name).region, payload::text,
                                    invocation_type, log_type, context::text, qualifier) AS r
    WHERE r.error_message IS NULL
       OR aurora_local.raise_error(r.error_message, r.error_detail, r.error_hint, r.error_code)
$$;

CREATE OR REPLACE FUNCTION aws_lambda.invoke(
    IN function_name aws_commons._lambda_function_arn_1,
    IN payload jsonb,
    IN invocation_type text DEFAULT 'RequestResponse',
    IN log_type text DEFAULT 'None',
    IN context jsonb DEFAULT NULL,
    IN qualifier varchar(128) DEFAULT NULL,
    OUT status_code int,
    OUT payload jsonb,
    OUT executed_version text,
    OUT log_result text)
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.status_code, r.response::jsonb, r.executed_version, r.log_result
    FROM aurora_local.lambda_invoke((function_name).function_name, (function_name).region, payload::text,
                                    invocation_type, log_type, context::text, qualifier) AS r
    WHERE r.error_message IS NULL
       OR aurora_local.raise_error(r.error_message, r.error_detail, r.error_hint, r.error_code)
$$;

REVOKE ALL ON FUNCTION aws_lambda.invoke(text, json, text, text, text, json, varchar) FROM PUBLIC;
REVOKE ALL ON FUNCTION aws_lambda.invoke(text, jsonb, text, text, text, jsonb, varchar) FROM PUBLIC;
REVOKE ALL ON FUNCTION aws_lambda.invoke(aws_commons._lambda_function_arn_1, json, text, text, json, varchar)
    FROM PUBLIC;
REVOKE ALL ON FUNCTION aws_lambda.invoke(aws_commons._lambda_function_arn_1, jsonb, text, text, jsonb, varchar)
    FROM PUBLIC;
