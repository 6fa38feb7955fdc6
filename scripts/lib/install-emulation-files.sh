#!/usr/bin/env bash
# Installs the aws_lambda / aws_commons emulation's extension files (control files and versioned scripts) into
# the local PostgreSQL's share directory, so that `CREATE EXTENSION aws_lambda CASCADE` works as on Aurora.
# Needs aurora-local built (`mvn -pl aurora-local -am install -DskipTests`); writes as root (sudo when needed).
# Safe to rerun: stale copies from an older build are overwritten.
set -euo pipefail

cd "$(dirname "$0")/../.."
# shellcheck source=postgres.sh
. scripts/lib/postgres.sh

bindir="$(pg_bindir)" || { log "PostgreSQL ${PG_MAJOR} not installed: run ensure_postgres_packages first"; exit 1; }
sharedir="$("$bindir/pg_config" --sharedir)"

classpath_file="aurora-local/target/runtime-classpath.txt"
mvn_log="$(mktemp)"
if ! mvn -B -q -Dstyle.color=never -pl aurora-local dependency:build-classpath \
    -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime >"$mvn_log" 2>&1; then
  cat "$mvn_log" >&2
  rm -f "$mvn_log"
  exit 1
fi
rm -f "$mvn_log"
classpath="aurora-local/target/classes:$(cat "$classpath_file")"

as_root "$(command -v java)" -cp "$classpath" io.kmscolumns.local.postgres.AwsLambdaEmulation \
  --install-files "$sharedir" >/dev/null
log "aws_lambda emulation files installed into ${sharedir}/extension"
