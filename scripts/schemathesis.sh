#!/usr/bin/env bash
# The OpenAPI test: runs schemathesis (PyPI, pinned below, installed into the ignored .venv) against a running
# rc-analytics' /openapi.json, as the demo admin, with every check (positive_data_acceptance and
# response_schema_conformance included), and fails on any failure. Called by scripts/test.sh after cargo test;
# runs on its own too:
#   MONGODB_URI=$(scripts/testdb.sh start 27051) scripts/schemathesis.sh
# Uses the binaries at target/debug/rc-analytics and target/debug/rc-analytics-seed (the demo data; cargo build
# --workspace), a database of its own on MONGODB_URI, a free port on 127.0.0.1, and stops the service it started.
#   SCHEMATHESIS_MAX_EXAMPLES   generated cases per operation (default 25)
#   SCHEMATHESIS_PHASES         phases (default examples,fuzzing; the coverage phase's boundary cases take minutes
#                               on the in-memory test database, so it runs only on request)
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.32.5
venv=.venv
: "${MONGODB_URI:?MONGODB_URI must point at the test database (scripts/testdb.sh start)}"
if ! "$venv/bin/pip" show schemathesis 2>/dev/null | grep "^Version: $version\$" >/dev/null; then
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  echo "schemathesis: installing schemathesis==$version into .venv" >&2
  "$venv/bin/pip" install --quiet "schemathesis==$version" >&2
fi
bin=target/debug/rc-analytics
seed=target/debug/rc-analytics-seed
[ -x "$bin" ] && [ -x "$seed" ] || cargo build --quiet --workspace --bin rc-analytics --bin rc-analytics-seed

work=$(mktemp -d)
service_pid=
cleanup() {
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid"
    wait "$service_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The test database's URI with a database of this run in its path.
database="rca_schemathesis_$$"
mongo_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$MONGODB_URI" "$database")
"$seed" --json --mongo-url "$mongo_url" --seed 1 --messages 300 --force >"$work/seed.json"
read -r user_id token < <(python3 -c '
import json, sys
admin = next(c for c in json.load(open(sys.argv[1]))["credentials"] if c["role"] == "admin")
print(admin["userId"], admin["token"])' "$work/seed.json")

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MONGO_URL="$mongo_url" RCA_BIND="127.0.0.1:$port" RUST_LOG=warn "$bin" >"$work/service.log" 2>&1 &
service_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$base/health" 2>/dev/null && break
  sleep 0.1
done

status=0
PYTHONPATH=tests/schemathesis SCHEMATHESIS_HOOKS=hooks "$venv/bin/schemathesis" run "$base/openapi.json" \
  --url "$base" \
  -H "X-User-Id: $user_id" -H "X-Auth-Token: $token" \
  --checks all \
  --mode positive \
  --phases "${SCHEMATHESIS_PHASES:-examples,fuzzing}" \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
  --seed 1 \
  --generation-deterministic \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "schemathesis: failures (above); the service's log:" >&2
  tail -n 50 "$work/service.log" >&2
fi
exit "$status"
