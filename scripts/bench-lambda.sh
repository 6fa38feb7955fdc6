#!/usr/bin/env bash
# Benchmarks the KMS Lambda handler against the local KMS: values/s of one 1,000-value batch versus 1,000
# single-value invocations, at 0, 5 and 20 ms of KMS latency. Prints a table and a ratio line.
# Extra arguments become JVM options, e.g. scripts/bench-lambda.sh -Dbench.concurrency=32 -Dbench.latencies=5
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -Dstyle.color=never -pl aurora-local install -DskipTests
mvn -B -q -Dstyle.color=never -pl lambda-fn test-compile
classpath_file="$(mktemp)"
trap 'rm -f "$classpath_file"' EXIT
mvn -B -q -Dstyle.color=never -pl lambda-fn dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$classpath_file"

# A JVM of its own (not Maven's), sized like a 1,769 MB Lambda; the SDK logs through SLF4J without a binding.
java -Xmx1g -Dslf4j.internal.verbosity=WARN "$@" \
  -cp "lambda-fn/target/test-classes:lambda-fn/target/classes:$(cat "$classpath_file")" \
  io.kmscolumns.lambda.LambdaBenchmark
