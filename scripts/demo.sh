#!/usr/bin/env bash
# The demo on a fresh machine: starts its own database (SecantusDB, in memory), builds rc-analytics,
# seeds demo data, starts the service on 127.0.0.1:3100, shows real numbers, and keeps running until
# Ctrl-C, which stops the service and the database.
#   DEMO_MESSAGES   messages to generate (default 200000)
#   DEMO_SEED       seed of the generator (default 1)
#   DEMO_DB_PORT    port of the demo database (default 27019)
#   DEMO_BIND       address of the service (default 127.0.0.1:3100)
# Logs and the seed output go to .demo/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${DEMO_MESSAGES:-200000}
seed=${DEMO_SEED:-1}
port=${DEMO_DB_PORT:-27019}
bind=${DEMO_BIND:-127.0.0.1:3100}
dir=.demo
mkdir -p "$dir"

service_pid=
database_started=
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
    echo "demo: stopped rc-analytics" >&2
  fi
  if [ -n "$database_started" ]; then
    scripts/testdb.sh stop "$port"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if scripts/testdb.sh running "$port"; then
  echo "demo: something already listens on 127.0.0.1:$port; set DEMO_DB_PORT to a free port" >&2
  exit 1
fi
echo "demo: starting the demo database on 127.0.0.1:$port" >&2
scripts/testdb.sh start "$port" >/dev/null
database_started=1
mongo_url="mongodb://127.0.0.1:$port/rocketchat?directConnection=true"

echo "demo: building rc-analytics (cargo build)" >&2
cargo build --bin rc-analytics
bin=target/debug/rc-analytics

echo "demo: seeding $messages messages (seed $seed)" >&2
started=$(date +%s)
# The demo database is the demo's own, so --force is fine.
"$bin" seed --mongo-url "$mongo_url" --seed "$seed" --messages "$messages" --force >"$dir/seed.txt"
echo "demo: seeded in $(($(date +%s) - started)) s" >&2
cat "$dir/seed.txt"

# SecantusDB's Python server is far slower than MongoDB (a 7-day messages/origin over 1,000,000 messages
# takes about 35 s there) and does not answer the driver's heartbeats while it runs a query, so the demo
# allows queries 120 s and heartbeats 60 s, unless RCA_QUERY_TIMEOUT_MS / RCA_CONNECT_TIMEOUT_MS say otherwise.
MONGO_URL="$mongo_url" RCA_BIND="$bind" RCA_QUERY_TIMEOUT_MS="${RCA_QUERY_TIMEOUT_MS:-120000}" \
  RCA_CONNECT_TIMEOUT_MS="${RCA_CONNECT_TIMEOUT_MS:-60000}" "$bin" >"$dir/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 60); do
  curl -sf "http://$bind/ready" >/dev/null 2>&1 && break
  if ! kill -0 "$service_pid" 2>/dev/null; then
    echo "demo: rc-analytics exited; its log ($dir/service.log):" >&2
    cat "$dir/service.log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -sf "http://$bind/ready" >/dev/null || { echo "demo: rc-analytics is not ready after 30 s" >&2; exit 1; }
echo "demo: rc-analytics is ready on http://$bind (log: $dir/service.log)" >&2

base="http://127.0.0.1:3100"
mapfile -t lines < <(grep '^curl ' "$dir/seed.txt" | sed "s#$base#http://$bind#")
echo
echo "\$ ${lines[0]}"
bash -c "${lines[0]}"
echo
echo
echo "Try (admin credentials; more users above):"
printf '  %s\n' "${lines[@]}"
echo
echo "Operations (not proxied in a deployment):"
echo "\$ curl -s http://$bind/metrics | grep '^rca_http_requests_total'"
curl -s "http://$bind/metrics" | grep '^rca_http_requests_total' || true
echo "\$ curl -s http://$bind/openapi.json | head -c 300"
curl -s "http://$bind/openapi.json" | head -c 300
echo
echo
echo "demo: running; press Ctrl-C to stop the service and the database" >&2
wait "$service_pid"
