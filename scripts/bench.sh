#!/usr/bin/env bash
# Benchmark: prints figures side by side in one run, asserts nothing. Seeds BENCH_MESSAGES demo messages over
# BENCH_DAYS days into a fresh in-memory SecantusDB, starts rc-analytics (release build unless
# BENCH_PROFILE=dev), and prints:
#   1. the rollup's build (messages/s) against a bare projected scan of rocketchat_message through the
#      driver (scripts/bench_db.py), as a ratio;
#   2. for 7, 30 and 365-day windows ending today and each message report, interleaved round by round: the
#      bare count of the report's ts range, the report's raw pipeline run directly through the driver
#      (`rc-analytics pipeline`), and the service answering it on an open connection (from the rollup:
#      these windows reach past its watermark, so they are computed for every request, never cached; the
#      guard's cache is as a client in steady use finds it); medians and ratios;
#   3. cached answers per second against /health's, under the same wrk load, in interleaved rounds;
#   4. every other report route once cold and cached; the service's peak and current resident memory.
#   BENCH_SERVER    rust (default when secantusd-rs is installed: scripts/testdb.sh install-rust) or python
#   BENCH_MESSAGES  messages to seed (default 1000000 on the Rust server, 200000 on the Python one)
#   BENCH_DAYS      days the messages cover (default 365)
#   BENCH_ROUNDS    rounds of sections 2 and 3 (default 3)
#   BENCH_DB_PORT   database port (default 27031)
#   BENCH_PROFILE   release (default) or dev
# Absolute figures depend on the machine and the stand-in database (SecantusDB, not MongoDB); read the
# ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export RCA_TESTDB_SERVER=${BENCH_SERVER:-$(scripts/testdb.sh has-rust && echo rust || echo python)}
[ "$RCA_TESTDB_SERVER" = rust ] && default_messages=1000000 || default_messages=200000
messages=${BENCH_MESSAGES:-$default_messages}
days=${BENCH_DAYS:-365}
rounds=${BENCH_ROUNDS:-3}
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

# The service and the demo-data generator (seed/), both of the same profile.
if [ "$profile" = release ]; then cargo build --release --workspace --bin rc-analytics --bin rc-analytics-seed; out=target/release
else cargo build --workspace --bin rc-analytics --bin rc-analytics-seed; out=target/debug; fi
bin=$out/rc-analytics

scripts/testdb.sh start "$port" >/dev/null
mongo_url="mongodb://127.0.0.1:$port/rocketchat?directConnection=true"
echo "database: SecantusDB's $RCA_TESTDB_SERVER server on 127.0.0.1:$port; rc-analytics $profile build"
started=$(date +%s.%N)
"$out/rc-analytics-seed" --json --mongo-url "$mongo_url" --messages "$messages" --days "$days" --force >"$dir/seed.json"
printf 'seeded %s messages over %s days in %.1f s\n' "$messages" "$days" "$(echo "$(date +%s.%N) - $started" | bc)"
read -r uid tok < <(python3 -c '
import json, sys
admin = next(c for c in json.load(open(sys.argv[1]))["credentials"] if c["role"] == "admin")
print(admin["userId"], admin["token"])' "$dir/seed.json")

db() { .venv/bin/python scripts/bench_db.py "$@"; }
ms() { printf '%.1f' "$1"; }
ratio() { printf '%.3f' "$(echo "$1 / $2" | bc -l)"; }
median() { sort -n | sed -n "$(((rounds + 1) / 2))p"; }

# 1. The rollup's build against a bare projected scan.
read -r scan_ms scanned < <(db scan "$mongo_url")
MONGO_URL="$mongo_url" RCA_BIND="$bind" RCA_QUERY_TIMEOUT_MS=600000 RCA_CONNECT_TIMEOUT_MS=120000 RCA_AUTH_TIMEOUT_MS=120000 \
  RUST_LOG=info "$bin" >"$dir/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 60); do curl -sf "http://$bind/ready" >/dev/null 2>&1 && break; sleep 0.5; done
for _ in $(seq 1 2400); do
  grep -q 'rollup: built in' "$dir/service.log" && break
  kill -0 "$service_pid" 2>/dev/null || { echo "bench: rc-analytics exited:" >&2; tail "$dir/service.log" >&2; exit 1; }
  sleep 0.5
done
built=$(grep -o 'rollup: built in [0-9.]* s: [0-9]* messages scanned ([0-9]*/s)' "$dir/service.log" || true)
[ -n "$built" ] || { echo "bench: the rollup was not built; $dir/service.log:" >&2; tail "$dir/service.log" >&2; exit 1; }
build_rate=$(echo "$built" | sed -E 's/.*\(([0-9]+)\/s\)/\1/')
scan_rate=$(echo "$scanned * 1000 / $scan_ms" | bc)
printf '\n1. build: %s\n   bare projected scan: %s documents in %s ms (%s/s)\n   build rate / scan rate: %s\n' \
  "${built#rollup: }" "$scanned" "$(ms "$scan_ms")" "$scan_rate" "$(ratio "$build_rate" "$scan_rate")"

# 2. The message reports, interleaved: bare count, raw pipeline direct, service.
get() { curl -s -o "$dir/body" -w '%{time_total} %{http_code}\n' -H "X-User-Id: $uid" -H "X-Auth-Token: $tok" "$1"; }
today=$(date -u +%F)
routes=(messages/origin messages/messages-sent messages/top-five-popular-channels channels/list)
printf '\n2. %-44s %10s %10s %10s %12s %12s\n' "message report (medians of $rounds rounds)" "count ms" "direct ms" \
  "service ms" "direct/count" "service/count"
declare -A service_7 service_365
for window in 7 30 365; do
  start=$(date -u -d "$today - $((window - 1)) days" +%F)
  for route in "${routes[@]}"; do
    request="/api/v1/engagement-dashboard/$route?start=${start}T00:00:00.000Z&end=${today}T23:59:59.999Z"
    "$bin" pipeline "$request" >"$dir/pipeline.json"
    counts=() directs=() services=()
    for _ in $(seq 1 "$rounds"); do
      read -r t _ < <(db count "$mongo_url" "$(cat "$dir/pipeline.json")"); counts+=("$t")
      read -r t _ < <(db run "$mongo_url" "$(cat "$dir/pipeline.json")"); directs+=("$t")
      read -r t code < <(db get "$bind" "$request" "$uid" "$tok")
      [ "$code" = 200 ] || { echo "bench: HTTP $code for $request" >&2; exit 1; }
      services+=("$t")
    done
    c=$(printf '%s\n' "${counts[@]}" | median)
    d=$(printf '%s\n' "${directs[@]}" | median)
    s=$(printf '%s\n' "${services[@]}" | median)
    [ "$window" = 7 ] && service_7[$route]=$s
    [ "$window" = 365 ] && service_365[$route]=$s
    printf '   %-44s %10s %10s %10s %12s %12s\n' "$window days: $route" "$(ms "$c")" "$(ms "$d")" "$(ms "$s")" \
      "$(ratio "$d" "$c")" "$(ratio "$s" "$c")"
  done
done
for route in "${routes[@]}"; do
  printf '   service 365 days / 7 days, %s: %s\n' "$route" "$(ratio "${service_365[$route]}" "${service_7[$route]}")"
done

# 3. Cached answers against /health under the same load (a window below the watermark is cached).
past=$(date -u -d "$today - 7 days" +%F)
cached="/api/v1/engagement-dashboard/messages/origin?start=$(date -u -d "$today - 13 days" +%F)T00:00:00.000Z&end=${past}T23:59:59.999Z"
get "http://$bind$cached" >/dev/null
if command -v wrk >/dev/null; then
  # Interleaved rounds (the machine's load changes between runs): each round's ratio, then the median.
  rps() { wrk -t2 -c32 -d5s "$@" | awk '/Requests\/sec/ {print $2}'; }
  printf '\n3. wrk -t2 -c32 -d5s, %s interleaved rounds: /health req/s, a cached messages/origin req/s, ratio\n' "$rounds"
  ratios=()
  for _ in $(seq 1 "$rounds"); do
    health_rps=$(rps "http://$bind/health")
    cached_rps=$(rps -H "X-User-Id: $uid" -H "X-Auth-Token: $tok" "http://$bind$cached")
    ratios+=("$(ratio "$cached_rps" "$health_rps")")
    printf '   %12s %12s %8s\n' "$health_rps" "$cached_rps" "${ratios[-1]}"
  done
  printf '   median cached / health: %s\n' "$(printf '%s\n' "${ratios[@]}" | median)"
else
  echo "3. wrk is not installed (apt-get install wrk): cached req/s not measured"
fi

# 4. Every other report route: cold (computed) and cached; then memory.
printf '\n4. %-66s %10s %10s %8s\n' "other routes (seed's example requests)" "cold ms" "cached ms" "bytes"
python3 -c '
import json, sys
for r in dict.fromkeys(json.load(open(sys.argv[1]))["requests"]):
    if "/messages/" not in r and "/channels/list" not in r: print(r)' "$dir/seed.json" >"$dir/requests"
while read -r request; do
  read -r cold _ < <(get "http://$bind$request")
  read -r warm _ < <(get "http://$bind$request")
  printf '   %-66s %10.1f %10.2f %8s\n' "${request%%\?*}" "$(echo "$cold * 1000" | bc)" "$(echo "$warm * 1000" | bc)" \
    "$(wc -c <"$dir/body")"
done <"$dir/requests"
printf '\nresident memory of rc-analytics: peak %s, now %s\n' \
  "$(awk '/VmHWM/ {print $2, $3}' /proc/$service_pid/status)" "$(awk '/VmRSS/ {print $2, $3}' /proc/$service_pid/status)"
