#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the integration tests and prints its URL on stdout
# (everything else goes to stderr):
#   AGIQA_TEST_POSTGRES_URL="$(bash infra/postgres/ci-server.sh)"
#   bash infra/postgres/ci-server.sh stop
# Uses the local server binaries (PATH, else the newest /usr/lib/postgresql/<version>/bin, as the
# Debian `postgresql` package installs them), a fresh cluster in a temp folder, a free port on
# 127.0.0.1, trust authentication and fsync off: for tests only, never for data you keep.
# initdb refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="$root/.agiqa/ci-postgres.env"

find_bin() {
  local dir
  if dir="$(dirname "$(command -v pg_ctl 2>/dev/null)" 2>/dev/null)" && [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
    echo "$dir"; return
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return; fi
  done
  echo "no initdb/pg_ctl found (install the postgresql package)" >&2
  exit 1
}

as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [[ "${1:-start}" == stop ]]; then
  [[ -f "$state" ]] || { echo "no CI PostgreSQL server recorded in $state" >&2; exit 0; }
  # shellcheck disable=SC1090
  source "$state"
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2 || true
  rm -rf "$PG_DIR" "$state"
  exit 0
fi

bin="$(find_bin)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/agiqa-ci-pg.XXXXXX")"
if [[ "$(id -u)" == 0 ]]; then
  id postgres >/dev/null 2>&1 || { echo "running as root and there is no postgres user for initdb" >&2; exit 1; }
  chown postgres: "$dir"
fi
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"

as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >&2
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c TimeZone=UTC -c max_connections=200" \
  start >&2

mkdir -p "$(dirname "$state")"
printf 'PG_BIN=%q\nPG_DIR=%q\nPG_PORT=%q\n' "$bin" "$dir" "$port" > "$state"
echo "$("$bin/postgres" --version) on 127.0.0.1:$port (data $dir; stop: bash infra/postgres/ci-server.sh stop)" >&2
echo "postgres://postgres@127.0.0.1:$port/postgres"
