#!/usr/bin/env bash
# Runs the KMS Columns demo from a fresh Debian 12 machine that has only JDK 17 and Maven.
#
# It installs PostgreSQL 15 and PL/Python from Debian's packages when they are missing (with sudo when not root),
# builds the project, installs the aws_lambda emulation's extension files into PostgreSQL's share directory, and
# runs io.kmscolumns.examples.demo.DemoMain: it starts the local stack in-process (KMS, Lambda, a throwaway
# PostgreSQL unless AURORA_LOCAL_JDBC_URL names one), generates 10,000 people, encrypts three columns with
# `liquibase update`, shows them, rolls back with `liquibase rollback-count` and checks everything is as before.
#
# Exits non-zero when anything fails; the last line is then "DEMO FAILED: ...", else
# "DEMO OK: <n> values encrypted in <k> columns, all decrypted back equal". Every run uses a new database.
# Extra arguments go to the demo, e.g. `scripts/demo.sh --rows=50000 --format=yaml` (see `--help`).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=lib/postgres.sh
. scripts/lib/postgres.sh

require_build_tools

ensure_postgres_packages

work="$(mktemp -d "${TMPDIR:-/tmp}/kmscolumns-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Maven's output goes to a log that is shown only when the build fails.
log "building KMS Columns (mvn install -DskipTests; log in $work/build.log while it runs)"
if ! mvn -B -q install -DskipTests >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log" >&2
  log "the build failed; the end of its output is above"
  exit 1
fi

scripts/lib/install-emulation-files.sh

if ! mvn -B -q -pl examples dependency:build-classpath -Dmdep.outputFile="$work/classpath" \
    -Dmdep.includeScope=runtime >"$work/classpath.log" 2>&1; then
  cat "$work/classpath.log" >&2
  log "could not compute the demo's class path"
  exit 1
fi

log "running the demo"
cd examples
java -cp "target/classes:$(cat "$work/classpath")" io.kmscolumns.examples.demo.DemoMain "$@"
