#!/usr/bin/env bash
# Benchmarks encryptColumn end to end: 100,000 and 1,000,000 rows of datafaker e-mail addresses, against a plain
# UPDATE of the same rows and a per-row encrypt() on a 10,000-row sample, with the local KMS at 0 and 5 ms per
# call. Liquibase (its CLI entry point) and the Lambda host run as separate JVMs so their peak memory is measured.
#
# Installs PostgreSQL 15 with PL/Python like scripts/test.sh when missing, runs a throwaway cluster, and stops
# everything it started. Prints a table and, as its last line, `ratio_vs_update=<x> speedup_vs_per_row=<y>`.
# Extra arguments go to the benchmark, e.g. `scripts/bench.sh --rows 100000 --latencies-ms 5`
# (`scripts/bench.sh --help` lists them). BENCH_SKIP_BUILD=1 reuses the last build (classes and classpath).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=lib/postgres.sh
. scripts/lib/postgres.sh

require_build_tools

ensure_postgres_packages

if [ "${BENCH_SKIP_BUILD:-}" = 1 ] && [ -f benchmarks/target/runtime-classpath.txt ]; then
  log "BENCH_SKIP_BUILD=1: using the last build's classes and classpath"
else
  log "building the benchmark and what it needs"
  mvn -B -q -pl benchmarks -am install -DskipTests
  scripts/lib/install-emulation-files.sh
  mvn -B -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt \
    -Dmdep.includeScope=runtime >/dev/null
fi
classpath="benchmarks/target/classes:$(cat benchmarks/target/runtime-classpath.txt)"

trap stop_throwaway_postgres EXIT INT TERM
start_throwaway_postgres

log "running the benchmark (about 14 minutes on 2 busy cores)"
java -Xmx512m -cp "$classpath" io.kmscolumns.benchmarks.BenchmarkMain --jdbc-url "$PG_JDBC_URL" \
  --work-dir benchmarks/target/bench "$@"
