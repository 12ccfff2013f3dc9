#!/usr/bin/env bash
# Stops the servers that start.sh started (by the pids it recorded); data is discarded.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state_dir="${PIPELINE_EMULATORS_DIR:-/tmp/pipeline-emulators}"

for name in kinesis dynamodb s3; do
  pid_file="$state_dir/$name.pid"
  [[ -f "$pid_file" ]] || continue
  pid="$(cat "$pid_file")"
  # Only signal the process if it is still ours (a pid can be reused after the server exited).
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q "$here" "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    echo "$name: stopped (pid $pid)"
  fi
  rm -f "$pid_file"
done
rm -rf "$state_dir/s3-data"
