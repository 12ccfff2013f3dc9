#!/usr/bin/env bash
# Starts the local AWS-API servers on 127.0.0.1 and returns once all three answer:
#   Kinesis  (kinesalite) on $KINESIS_PORT  (default 4567)
#   DynamoDB (dynalite)   on $DYNAMODB_PORT (default 4568)
#   S3       (s3rver)     on $S3_PORT       (default 4569)
# Data is in memory (Kinesis, DynamoDB) or in a throw-away directory (S3): a restart starts empty.
# Pid files and logs live in $PIPELINE_EMULATORS_DIR (default /tmp/pipeline-emulators).
# Idempotent: a server that already answers on its port is left alone. Stop them with stop.sh.
# Clients may use any dummy credentials (e.g. AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state_dir="${PIPELINE_EMULATORS_DIR:-/tmp/pipeline-emulators}"
kinesis_port="${KINESIS_PORT:-4567}"
dynamodb_port="${DYNAMODB_PORT:-4568}"
s3_port="${S3_PORT:-4569}"
timeout_s="${EMULATORS_START_TIMEOUT:-30}"

command -v node >/dev/null || { echo "start.sh: node (>= 20) is required" >&2; exit 1; }
command -v curl >/dev/null || { echo "start.sh: curl is required" >&2; exit 1; }

# Answering = any HTTP status at all (curl prints 000 when nothing listens).
answering() {
  local code
  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/" || true)"
  [[ -n "$code" && "$code" != "000" ]]
}

if answering "$kinesis_port" && answering "$dynamodb_port" && answering "$s3_port"; then
  echo "emulators already answering: kinesis :$kinesis_port, dynamodb :$dynamodb_port, s3 :$s3_port"
  exit 0
fi

if [[ ! -d "$here/node_modules" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  echo "installing emulator packages (npm ci) ..."
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

mkdir -p "$state_dir"
started=()

launch() { # name port command...
  local name="$1" port="$2"; shift 2
  if answering "$port"; then
    echo "$name: already answering on 127.0.0.1:$port"
    return
  fi
  : >"$state_dir/$name.log"
  # setsid + nohup: the server outlives this script and the shell that ran it.
  setsid nohup "$@" >>"$state_dir/$name.log" 2>&1 </dev/null &
  echo $! >"$state_dir/$name.pid"
  started+=("$name:$port")
}

answering "$s3_port" || rm -rf "$state_dir/s3-data"   # only a fresh s3rver starts from an empty folder
launch kinesis "$kinesis_port" node "$here/kinesis.js" "$kinesis_port"
launch dynamodb "$dynamodb_port" node "$here/node_modules/dynalite/cli.js" \
  --host 127.0.0.1 --port "$dynamodb_port" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0
launch s3 "$s3_port" node --openssl-legacy-provider "$here/s3.js" "$s3_port" "$state_dir/s3-data"

fail() {
  echo "start.sh: $1" >&2
  for entry in "${started[@]}"; do
    local name="${entry%%:*}"
    echo "----- $state_dir/$name.log -----" >&2
    cat "$state_dir/$name.log" >&2 || true
  done
  "$here/stop.sh" >/dev/null 2>&1 || true
  exit 1
}

deadline=$((SECONDS + timeout_s))
for entry in "${started[@]}"; do
  name="${entry%%:*}"; port="${entry##*:}"
  until answering "$port"; do
    pid="$(cat "$state_dir/$name.pid")"
    kill -0 "$pid" 2>/dev/null || fail "$name exited before answering on 127.0.0.1:$port"
    (( SECONDS < deadline )) || fail "$name did not answer on 127.0.0.1:$port within ${timeout_s}s"
    sleep 0.2
  done
  echo "$name: answering on 127.0.0.1:$port (pid $(cat "$state_dir/$name.pid"))"
done
echo "emulators ready: kinesis :$kinesis_port, dynamodb :$dynamodb_port, s3 :$s3_port (state in $state_dir)"
