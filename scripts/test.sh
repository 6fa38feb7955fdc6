#!/usr/bin/env bash
# Runs every test of the project from a fresh Debian 12 machine that has only JDK 17 and Maven.
#
# It installs PostgreSQL 15 and PL/Python from Debian's packages when they are missing (with sudo when not
# root), installs the aws_lambda emulation's extension files into PostgreSQL's share directory, starts a
# throwaway PostgreSQL cluster for the tests, runs `mvn verify` over every module (the example tests publish
# migrations-lib to the local Maven repository themselves, for the nested example projects), lints the
# CloudFormation templates, and stops everything it started, whatever the outcome.
#
# Extra arguments go to Maven and narrow the run, e.g. `scripts/test.sh -pl migrations-lib -am`; the template
# lint then runs only when the examples module is part of it.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=lib/postgres.sh
. scripts/lib/postgres.sh

require_build_tools

ensure_postgres_packages

trap stop_throwaway_postgres EXIT INT TERM

log "building the aurora-local emulation"
mvn -B -q -Dstyle.color=never -pl aurora-local -am install -DskipTests
scripts/lib/install-emulation-files.sh

start_throwaway_postgres
export AURORA_LOCAL_JDBC_URL="$PG_JDBC_URL"

if [ "$#" -eq 0 ]; then
  log "running every module's tests"
else
  log "running the tests of: mvn verify $*"
fi
mvn -B -Dstyle.color=never verify "$@"

if [ "$#" -eq 0 ] || [[ " $* " == *examples* ]]; then
  log "linting the CloudFormation templates"
  # AWS's linter is a Python package (PyPI only); where it is missing the JUnit template checks still ran.
  DEPLOY_LINT_ALLOW_MISSING=1 deploy/lint.sh
fi
log "tests passed"
