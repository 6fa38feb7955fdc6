#!/usr/bin/env bash
# Runs the local stack: a local KMS, a local Lambda endpoint serving lambda-fn's kms-crypto handler, and a
# PostgreSQL database with the aws_lambda emulation. Prints JDBC_URL=, PSQL_URL=, LAMBDA_FUNCTION_ARN=,
# LAMBDA_ENDPOINT=, KMS_ENDPOINT=, KMS_KEY_ARN= and READY on standard output (everything else goes to standard
# error), then runs until Ctrl-C / SIGTERM. The script ends by exec-ing java, so its process id is the launcher's:
# a signal sent to it reaches java, which stops everything it started.
#
#   scripts/local-aurora.sh                        # throwaway PostgreSQL (installed from Debian's packages if missing)
#   scripts/local-aurora.sh --jdbc-url 'jdbc:postgresql://127.0.0.1:5432/app?user=postgres'
#   scripts/local-aurora.sh --help                 # every option
#
# Builds aurora-local and lambda-fn first when their jars are missing or older than their sources.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

# shellcheck source=lib/postgres.sh
. scripts/lib/postgres.sh

# Runs Maven quietly, keeping standard output for the launcher's lines; its log is shown only when it fails.
maven() {
  local output
  output="$(mktemp)"
  if ! mvn -B -q "$@" >"$output" 2>&1; then
    cat "$output" >&2
    rm -f "$output"
    return 1
  fi
  rm -f "$output"
}

require_build_tools

# The module's plain jar, if built: <module>-<version>.jar, the one whose version comes from the parent pom, not
# a classified jar such as lambda-fn's shaded <module>-<version>-aws.jar or a sources/javadoc/tests jar.
module_jar() {
  local jar="$1/target/$1-$(project_version).jar"
  [ -f "$jar" ] && printf '%s\n' "$jar"
  return 0
}

# The version in the parent pom (the first <version> after the parent's own <artifactId>), without running Maven.
project_version() {
  sed -n '/<artifactId>kms-columns-parent<\/artifactId>/,/<\/version>/s:.*<version>\(.*\)</version>.*:\1:p' \
    pom.xml | head -n 1
}

stale() {
  local jar
  jar="$(module_jar "$1")"
  [ -z "$jar" ] || [ -n "$(find "$1/src/main" "$1/pom.xml" pom.xml -newer "$jar" -print -quit 2>/dev/null)" ]
}

if stale aurora-local || stale lambda-fn; then
  log "building aurora-local and lambda-fn"
  maven -pl aurora-local,lambda-fn -am install -DskipTests
fi

# Runtime dependencies of both modules, cached until a pom changes.
dependencies_file=target/local-aurora.classpath
if [ ! -s "$dependencies_file" ] \
   || [ -n "$(find pom.xml aurora-local/pom.xml lambda-fn/pom.xml -newer "$dependencies_file" -print -quit)" ]; then
  log "resolving the runtime classpath"
  maven -pl aurora-local,lambda-fn dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile=target/runtime.classpath
  mkdir -p target
  printf '%s:%s' "$(cat aurora-local/target/runtime.classpath)" "$(cat lambda-fn/target/runtime.classpath)" \
    >"$dependencies_file"
fi
classpath="$(module_jar aurora-local):$(module_jar lambda-fn):$(cat "$dependencies_file")"

# A throwaway database is wanted unless one is given on the command line or in AURORA_LOCAL_JDBC_URL.
throwaway=1
[ -n "${AURORA_LOCAL_JDBC_URL:-}" ] && throwaway=0
for arg in "$@"; do
  case "$arg" in
    --jdbc-url|--jdbc-url=*|-h|--help|-V|--version) throwaway=0 ;;
  esac
done
if [ "$throwaway" -eq 1 ]; then
  ensure_postgres_packages
fi

exec java -Djava.util.logging.SimpleFormatter.format='[%1$tT] %4$s %3$s: %5$s%6$s%n' \
  -cp "$classpath" io.kmscolumns.local.LocalAuroraMain "$@"
