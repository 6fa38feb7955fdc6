# shellcheck shell=bash
# PostgreSQL helpers shared by the project's scripts: install the server and PL/Python from Debian's
# packages when missing, and run a throwaway cluster on a free loopback port.
#
# Source this file; it defines functions only. The throwaway cluster runs as the invoking user, or as
# `postgres` (override with AURORA_LOCAL_PG_USER) when invoked as root, because initdb refuses to run
# as root.

PG_MAJOR="${PG_MAJOR:-15}"

log() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    log "need root to run: $* (no sudo found); install it by hand or run as root"
    return 1
  fi
}

# The build needs a JDK and Maven; everything else the scripts install themselves.
require_build_tools() {
  command -v java >/dev/null || { log "java not found: install a JDK 17"; return 1; }
  command -v mvn >/dev/null || { log "mvn not found: install Maven 3.8+"; return 1; }
}

pg_bindir() {
  local dir="/usr/lib/postgresql/${PG_MAJOR}/bin"
  [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  return 1
}

pg_has_plpython() {
  [ -f "/usr/lib/postgresql/${PG_MAJOR}/lib/plpython3.so" ]
}

# Installs postgresql-$PG_MAJOR and postgresql-plpython3-$PG_MAJOR from Debian's packages when either is
# missing. Debian's package starts a "main" cluster on port 5432 where systemd runs; we never use it.
ensure_postgres_packages() {
  if pg_bindir >/dev/null && pg_has_plpython; then
    return 0
  fi
  log "installing postgresql-${PG_MAJOR} and postgresql-plpython3-${PG_MAJOR} from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "postgresql-${PG_MAJOR}" "postgresql-plpython3-${PG_MAJOR}" >/dev/null
  pg_bindir >/dev/null && pg_has_plpython || { log "PostgreSQL ${PG_MAJOR} with PL/Python is still missing"; return 1; }
}

pg_run_user() {
  if [ "$(id -u)" -eq 0 ]; then
    echo "${AURORA_LOCAL_PG_USER:-postgres}"
  else
    id -un
  fi
}

as_pg_user() {
  local user
  user="$(pg_run_user)"
  if [ "$(id -un)" = "$user" ]; then
    "$@"
  else
    runuser -u "$user" -- "$@"
  fi
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# start_throwaway_postgres: initdb + start on a free port. Sets PG_DATA_ROOT, PG_PORT, PG_JDBC_URL, PG_PSQL_URL.
# Trust authentication, loopback only: the cluster holds test data and is removed by stop_throwaway_postgres.
start_throwaway_postgres() {
  local bindir user
  bindir="$(pg_bindir)" || { log "PostgreSQL ${PG_MAJOR} binaries not found"; return 1; }
  user="$(pg_run_user)"
  PG_DATA_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/kmscolumns-pg.XXXXXX")"
  chmod 700 "$PG_DATA_ROOT"
  [ "$(id -un)" = "$user" ] || chown "$user" "$PG_DATA_ROOT"
  PG_PORT="$(free_port)" || { log "no free port found"; return 1; }

  as_pg_user "$bindir/initdb" -D "$PG_DATA_ROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$PG_DATA_ROOT/initdb.log" 2>&1 || { cat "$PG_DATA_ROOT/initdb.log" >&2; return 1; }
  as_pg_user "$bindir/pg_ctl" -D "$PG_DATA_ROOT/data" -w -t 60 -l "$PG_DATA_ROOT/server.log" \
    -o "-p ${PG_PORT} -k ${PG_DATA_ROOT} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB" \
    start >/dev/null || { cat "$PG_DATA_ROOT/server.log" >&2; return 1; }

  PG_JDBC_URL="jdbc:postgresql://127.0.0.1:${PG_PORT}/postgres?user=postgres"
  PG_PSQL_URL="postgresql://postgres@127.0.0.1:${PG_PORT}/postgres"
  export PG_DATA_ROOT PG_PORT PG_JDBC_URL PG_PSQL_URL
  log "PostgreSQL ${PG_MAJOR} running on 127.0.0.1:${PG_PORT} as ${user} (data in ${PG_DATA_ROOT})"
}

stop_throwaway_postgres() {
  [ -n "${PG_DATA_ROOT:-}" ] && [ -d "$PG_DATA_ROOT/data" ] || return 0
  as_pg_user "$(pg_bindir)/pg_ctl" -D "$PG_DATA_ROOT/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DATA_ROOT"
  PG_DATA_ROOT=""
}
