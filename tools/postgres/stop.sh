#!/usr/bin/env bash
# Stops the throwaway PostgreSQL server started by start.sh and removes its cluster folder.
set -euo pipefail
dir="${PIPELINE_POSTGRES_DIR:-/tmp/pipeline-postgres}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  else
    "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
fi
rm -rf "$dir"
echo "PostgreSQL stopped"
