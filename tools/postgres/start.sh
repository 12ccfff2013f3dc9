#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests (Hangfire's PostgreSQL storage) on 127.0.0.1:5433, with a
# database pipeline_test, and returns once it accepts connections. Uses Debian's PostgreSQL (installed if missing).
# The cluster lives in a temporary folder (PIPELINE_POSTGRES_DIR, default /tmp/pipeline-postgres); stop.sh removes it.
# Tests read the connection string from PIPELINE_POSTGRES, defaulting to the one printed at the end.
set -euo pipefail

port="${PIPELINE_POSTGRES_PORT:-5433}"
dir="${PIPELINE_POSTGRES_DIR:-/tmp/pipeline-postgres}"
database=pipeline_test

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "PostgreSQL is not installed; run as root or: apt-get install postgresql" >&2; exit 1; fi
  echo "installing PostgreSQL (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to the 'postgres' user the package created.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
  as_owner() { runuser -u postgres -- "$@"; }
  install -d -m 700 -o postgres -g postgres "$dir"
else
  as_owner() { "$@"; }
  install -d -m 700 "$dir"
fi

ready() { "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; }

if ! ready; then
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  # A test server: no durability needed, so no fsync; only the loopback address; socket in the cluster's folder.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
fi

for _ in $(seq 1 100); do ready && break; sleep 0.1; done
ready || { echo "PostgreSQL did not accept connections on 127.0.0.1:$port" >&2; cat "$dir/server.log" >&2 || true; exit 1; }

if [ "$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
fi
echo "PostgreSQL ready: Host=127.0.0.1;Port=$port;Database=$database;Username=postgres (export PIPELINE_POSTGRES to override)"
