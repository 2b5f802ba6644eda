#!/usr/bin/env bash
# `make conformance`: start the platform on a free loopback port with a throw-away SQLite database,
# then run every external conformance suite of ../shared/conformance against it. Each suite has a
# script in scripts/conformance/ that provisions what it needs (issuer keys, client credentials) and
# calls the shared runner; its final line is the runner's "<suite>: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
suites_dir=${CONFORMANCE_SUITES:-$root/../shared/conformance}
[ -x "$suites_dir/run-suite.sh" ] || { echo "no conformance suites at $suites_dir"; exit 2; }
export TVETBRIDGE_VAR_DIR=$(mktemp -d /tmp/tvetbridge-conformance.XXXXXX)
export TVETBRIDGE_AXES_ENABLED=0 TVETBRIDGE_DEBUG=0
tvb="$root/.venv/bin/tvetbridge"
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export CONFORMANCE_BASE="http://127.0.0.1:$port" CONFORMANCE_SUITES="$suites_dir" CONFORMANCE_WORK=$TVETBRIDGE_VAR_DIR
export TVETBRIDGE_ALLOWED_HOSTS="127.0.0.1,localhost"

server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$TVETBRIDGE_VAR_DIR"; }
trap cleanup EXIT

"$tvb" migrate --verbosity 0
"$tvb" load_reference --verbosity 0 >/dev/null
# Each suite's provisioning runs before the server starts, on the same database.
for prep in scripts/conformance/*.prepare.sh; do [ -e "$prep" ] && bash "$prep"; done
"$tvb" runserver "127.0.0.1:$port" --noreload --verbosity 0 >"$TVETBRIDGE_VAR_DIR/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "$CONFORMANCE_BASE/" 2>/dev/null && break
  sleep 0.5
done
curl -fsS -o /dev/null "$CONFORMANCE_BASE/" || { echo "server did not start"; cat "$TVETBRIDGE_VAR_DIR/server.log"; exit 1; }

status=0
summary=()
for suite in scripts/conformance/*.run.sh; do
  [ -e "$suite" ] || continue
  out=$(mktemp)
  bash "$suite" 2>&1 | tee "$out" || status=1
  while IFS= read -r line; do summary+=("$line"); done < <(grep -E '^[a-z0-9.-]+: [0-9]+ passed, [0-9]+ failed$' "$out")
  rm -f "$out"
done
echo
echo "== conformance summary"
printf '%s\n' "${summary[@]}"
exit $status
