#!/usr/bin/env bash
# Benchmark: prints figures, asserts nothing. Seeds BENCH_MESSAGES demo messages into a fresh in-memory
# SecantusDB, runs rc-analytics (release build unless BENCH_PROFILE=dev), and prints for every report route
# the cold latency (first request: computed), the warm latency (median of BENCH_WARM cached requests) and
# the answer's size; for the message reports, beside it, the database's cheapest equivalent (the bare
# indexed count of the same ts window) and the ratio cold / bare count; then /health's latency, the
# rollup's build time and the service's peak resident memory.
#   BENCH_MESSAGES  messages to seed (default 200000)
#   BENCH_WARM      cached requests per route (default 20)
#   BENCH_DB_PORT   database port (default 27031)
#   BENCH_PROFILE   release (default) or dev
# SecantusDB's Python server is the stand-in database here: absolute figures are far slower than MongoDB's;
# compare runs with each other.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${BENCH_MESSAGES:-200000}
warm=${BENCH_WARM:-20}
port=${BENCH_DB_PORT:-27031}
profile=${BENCH_PROFILE:-release}
bind=127.0.0.1:3131
dir=.bench
mkdir -p "$dir"

if scripts/testdb.sh running "$port"; then
  echo "bench: something already listens on 127.0.0.1:$port; set BENCH_DB_PORT to a free port" >&2
  exit 1
fi
service_pid=
cleanup() {
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  scripts/testdb.sh stop "$port"
}
trap cleanup EXIT

if [ "$profile" = release ]; then cargo build --release --bin rc-analytics; bin=target/release/rc-analytics
else cargo build --bin rc-analytics; bin=target/debug/rc-analytics; fi

scripts/testdb.sh start "$port" >/dev/null
mongo_url="mongodb://127.0.0.1:$port/rocketchat?directConnection=true"
started=$(date +%s.%N)
"$bin" seed --json --mongo-url "$mongo_url" --messages "$messages" --force >"$dir/seed.json"
printf 'seeded %s messages in %.1f s\n' "$messages" "$(echo "$(date +%s.%N) - $started" | bc)"
# The seed's JSON: the admin's id and token, then every example request (one per report route).
mapfile -t seeded < <(python3 - "$dir/seed.json" <<'PY'
import json, sys
seed = json.load(open(sys.argv[1]))
admin = next(c for c in seed["credentials"] if c["role"] == "admin")
print(admin["userId"])
print(admin["token"])
for r in dict.fromkeys(seed["requests"]):  # each once
    print(r)
PY
)
[ "${#seeded[@]}" -gt 2 ] || { echo "bench: $dir/seed.json lacks the admin or the requests" >&2; exit 1; }
uid=${seeded[0]}
tok=${seeded[1]}

MONGO_URL="$mongo_url" RCA_BIND="$bind" RCA_QUERY_TIMEOUT_MS=300000 RCA_CONNECT_TIMEOUT_MS=120000 \
  RCA_AUTH_TIMEOUT_MS=120000 RUST_LOG=warn "$bin" >"$dir/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 60); do curl -sf "http://$bind/ready" >/dev/null 2>&1 && break; sleep 0.5; done
# The message reports answer from the rollup once it is built: wait for it (rca_rollup_state 2), so that
# the cold figures below are the rollup's and not the raw path competing with the build's scan.
started=$(date +%s.%N)
for _ in $(seq 1 600); do
  curl -s "http://$bind/metrics" | grep -q '^rca_rollup_state 2' && break
  sleep 0.5
done
printf 'rollup built in %.1f s (%s)\n' "$(echo "$(date +%s.%N) - $started" | bc)" \
  "$(curl -s "http://$bind/metrics" | grep -E '^rca_rollup_(state|messages) ' | tr '\n' ' ')"

# The database's cheapest equivalent of a message report: the bare indexed count of the same ts window.
bare_count_ms() {
  .venv/bin/python - "$mongo_url" "$1" <<'PY'
import sys, time, urllib.parse, datetime
from pymongo import MongoClient
url, request = sys.argv[1], sys.argv[2]
q = urllib.parse.parse_qs(urllib.parse.urlparse(request).query)
iso = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
messages = MongoClient(url)["rocketchat"]["rocketchat_message"]
t = time.perf_counter()
messages.count_documents({"ts": {"$gte": iso(q["start"][0]), "$lt": iso(q["end"][0])}})
print(f"{(time.perf_counter() - t) * 1000:.1f}")
PY
}

printf '\n%-70s %10s %10s %8s %12s %8s\n' "route (last 7 days of data)" "cold ms" "warm ms" "bytes" "bare count" "ratio"
get() { curl -s -o "$dir/body" -w '%{time_total} %{http_code}\n' -H "X-User-Id: $uid" -H "X-Auth-Token: $tok" "$1"; }
for request in "${seeded[@]:2}"; do
  url="http://$bind$request"
  read -r cold code < <(get "$url")
  times=()
  for _ in $(seq 1 "$warm"); do read -r t _ < <(get "$url"); times+=("$t"); done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((warm + 1) / 2))p")
  route=${request%%\?*}
  cold_ms=$(echo "$cold * 1000" | bc)
  bare=- ratio=-
  case "$route" in
    */messages/*|*/channels/list)
      bare=$(bare_count_ms "$request")
      ratio=$(printf '%.2f' "$(echo "$cold_ms / $bare" | bc -l)") ;;
  esac
  printf '%-70s %10.1f %10.2f %8s %12s %8s%s\n' "$route" "$cold_ms" "$(echo "$median * 1000" | bc)" \
    "$(wc -c <"$dir/body")" "$bare" "$ratio" "$([ "$code" = 200 ] || echo " (HTTP $code)")"
done
health=()
for _ in $(seq 1 "$warm"); do health+=("$(curl -s -o /dev/null -w '%{time_total}' "http://$bind/health")"); done
printf '/health median: %.2f ms (compare the warm figures above with it)\n' \
  "$(echo "$(printf '%s\n' "${health[@]}" | sort -n | sed -n "$(((warm + 1) / 2))p") * 1000" | bc)"
printf '\npeak resident memory of rc-analytics: %s\n' "$(grep VmHWM /proc/$service_pid/status | awk '{print $2, $3}')"
