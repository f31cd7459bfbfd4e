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
#   3. cached answers per second against /health's, under the same wrk load, in interleaved rounds; then the
#      service's CPU per request of /health, the cached answer and /metrics (with the workspace series);
#   4. every other report route once cold and cached; the service's peak and current resident memory;
#   5. the insights (docs/insights.md): members, channel health and the busiest channel's history over 30 and
#      365 days, each against the bare count of the same period's ts range, interleaved round by round; the
#      service's resident memory after them;
#   6. two floods (wrk, BENCH_FLOOD_SECS each) against a service of its own with RCA_CACHE_MAX_MB=16, its
#      rollup built: messages/origin with distinct start/end/tz (answers kept: days before the seeded ones,
#      zones on the rollup's grid), then one window with distinct 60 KB targets (an unknown parameter);
#      before and after each, the service's resident memory (VmRSS, and VmHWM: its peak) and the result
#      cache's weighed bytes (rca_report_cache_bytes). Target: growth within the setting + 48 MB;
#   7. the rollup's upkeep at each size of BENCH_UPKEEP, side by side (a fresh database per size, BENCH_MESSAGES'
#      reused; a fresh service on each, every other one stopped): the database process's CPU seconds per minute
#      (/proc/PID/stat) while the service idles (no request, BENCH_IDLE_SECS) and then with the service stopped
#      (the floor), the refreshes' mean duration and the index keys they read, the build rate against a bare
#      projected scan, the service's peak resident memory, and a 365-day messages/origin (computed: it reaches
#      past the watermark) against the bare count of its range.
#   BENCH_SERVER      rust (default when secantusd-rs is installed: scripts/testdb.sh install-rust) or python
#   BENCH_MESSAGES    messages to seed (default 1000000 on the Rust server, 200000 on the Python one); the
#                     floods read none of them (their windows are empty), so a small database serves them
#   BENCH_UPKEEP      the sizes of section 7 (default "1000000 10000000" on the Rust server, BENCH_MESSAGES on
#                     the Python one; empty: no section 7)
#   BENCH_IDLE_SECS   each idle window of section 7 (default 120: four refreshes at the default interval)
#   BENCH_UPKEEP_ONLY 1: section 7 only (after seeding)
#   BENCH_DAYS        days the messages cover (default 365)
#   BENCH_ROUNDS      rounds of sections 2 and 3 (default 3)
#   BENCH_DB_PORT     database port (default 27031; section 7's other sizes take the next ports)
#   BENCH_PROFILE     release (default) or dev
#   BENCH_FLOOD_SECS  length of each flood of section 5 (default 40)
#   BENCH_FLOOD_ENV   extra environment of section 5's service, e.g. MALLOC_ARENA_MAX=2 (default none)
#   BENCH_FLOOD_ONLY  1: section 6 only (after seeding)
#   BENCH_INSIGHTS_ONLY  1: section 5 only (after seeding)
#   BENCH_BIND        the service's address (default 127.0.0.1:3131); BENCH_FLOOD_BIND section 6's (127.0.0.1:3132)
# Absolute figures depend on the machine and the stand-in database (SecantusDB, not MongoDB); read the
# ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export RCA_TESTDB_SERVER=${BENCH_SERVER:-$(scripts/testdb.sh has-rust && echo rust || echo python)}
[ "$RCA_TESTDB_SERVER" = rust ] && default_messages=1000000 || default_messages=200000
messages=${BENCH_MESSAGES:-$default_messages}
[ "$RCA_TESTDB_SERVER" = rust ] && default_upkeep="1000000 10000000" || default_upkeep=$messages
upkeep_sizes=${BENCH_UPKEEP-$default_upkeep}
idle=${BENCH_IDLE_SECS:-120}
days=${BENCH_DAYS:-365}
rounds=${BENCH_ROUNDS:-3}
port=${BENCH_DB_PORT:-27031}
profile=${BENCH_PROFILE:-release}
bind=${BENCH_BIND:-127.0.0.1:3131}
dir=.bench
mkdir -p "$dir"

if scripts/testdb.sh running "$port"; then
  echo "bench: something already listens on 127.0.0.1:$port; set BENCH_DB_PORT to a free port" >&2
  exit 1
fi
flood_secs=${BENCH_FLOOD_SECS:-40}
service_pid=
flood_pid=
# Databases started besides BENCH_DB_PORT's (section 7).
db_ports=()
stop() {
  for pid in "$@"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  return 0
}
cleanup() {
  stop $service_pid $flood_pid
  for p in "$port" "${db_ports[@]}"; do scripts/testdb.sh stop "$p"; done
}
trap cleanup EXIT

# The service and the demo-data generator (seed/), both of the same profile.
if [ "$profile" = release ]; then cargo build --release --workspace --bin rc-analytics --bin rc-analytics-seed; out=target/release
else cargo build --workspace --bin rc-analytics --bin rc-analytics-seed; out=target/debug; fi
bin=$out/rc-analytics

url_of() { echo "mongodb://127.0.0.1:$1/rocketchat?directConnection=true"; }
declare -A seeded_secs
# Seeds $1 messages into the database at $2 (progress lines on stderr); its summary in $dir/seed.json.
seed() {
  local started
  started=$(date +%s.%N)
  "$out/rc-analytics-seed" --json --mongo-url "$2" --messages "$1" --days "$days" --force >"$dir/seed.json"
  seeded_secs[$1]=$(printf '%.0f' "$(echo "$(date +%s.%N) - $started" | bc)")
  printf 'seeded %s messages over %s days in %s s\n' "$1" "$days" "${seeded_secs[$1]}"
}

scripts/testdb.sh start "$port" >/dev/null
mongo_url=$(url_of "$port")
echo "database: SecantusDB's $RCA_TESTDB_SERVER server on 127.0.0.1:$port; rc-analytics $profile build"
seed "$messages" "$mongo_url"
read -r uid tok < <(python3 -c '
import json, sys
admin = next(c for c in json.load(open(sys.argv[1]))["credentials"] if c["role"] == "admin")
print(admin["userId"], admin["token"])' "$dir/seed.json")

db() { .venv/bin/python scripts/bench_db.py "$@"; }
ms() { printf '%.1f' "$1"; }
ratio() { printf '%.3f' "$(echo "$1 / $2" | bc -l)"; }
median() { sort -n | sed -n "$(((rounds + 1) / 2))p"; }
# Seconds the service took for the admin's request $1 (a path); the run stops on any status but 200.
served() {
  local t code
  read -r t code < <(db get "$bind" "$1" "$uid" "$tok")
  [ "$code" = 200 ] || { echo "bench: HTTP $code for $1" >&2; exit 1; }
  echo "$t"
}
get() { curl -s -o "$dir/body" -w '%{time_total} %{http_code}\n' -H "X-User-Id: $uid" -H "X-Auth-Token: $tok" "$1"; }

# Starts the service on BIND (logging to LOG, with extra environment ENV...) and waits until its rollup is
# built; sets $started_pid.
start_service() {
  local bind=$1 log=$2
  shift 2
  env MONGO_URL="$mongo_url" RCA_BIND="$bind" RCA_QUERY_TIMEOUT_MS=600000 RCA_CONNECT_TIMEOUT_MS=120000 \
    RCA_AUTH_TIMEOUT_MS=120000 RUST_LOG=info "$@" "$bin" >"$log" 2>&1 &
  started_pid=$!
  for _ in $(seq 1 60); do curl -sf "http://$bind/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  for _ in $(seq 1 2400); do
    grep -q 'rollup: built in' "$log" && return 0
    kill -0 "$started_pid" 2>/dev/null || { echo "bench: rc-analytics exited:" >&2; tail "$log" >&2; exit 1; }
    sleep 0.5
  done
  echo "bench: the rollup was not built; $log:" >&2
  tail "$log" >&2
  exit 1
}

if [ "${BENCH_UPKEEP_ONLY:-}" != 1 ]; then
if [ "${BENCH_FLOOD_ONLY:-}" != 1 ] && [ "${BENCH_INSIGHTS_ONLY:-}" != 1 ]; then
# 1. The rollup's build against a bare projected scan.
read -r scan_ms scanned < <(db scan "$mongo_url")
start_service "$bind" "$dir/service.log"
service_pid=$started_pid
built=$(grep -o 'rollup: built in [0-9.]* s: [0-9]* messages scanned ([0-9]*/s)' "$dir/service.log")
build_rate=$(echo "$built" | sed -E 's/.*\(([0-9]+)\/s\)/\1/')
scan_rate=$(echo "$scanned * 1000 / $scan_ms" | bc)
printf '\n1. build: %s\n   bare projected scan: %s documents in %s ms (%s/s)\n   build rate / scan rate: %s\n' \
  "${built#rollup: }" "$scanned" "$(ms "$scan_ms")" "$scan_rate" "$(ratio "$build_rate" "$scan_rate")"

# 2. The message reports, interleaved: bare count, raw pipeline direct, service.
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
      services+=("$(served "$request")")
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
  # The service's user and system time over a wrk run, per request: robust to the machine's other load.
  cpu_us() {
    local before after n
    before=$(awk '{print $14 + $15}' "/proc/$service_pid/stat")
    n=$(wrk -t1 -c8 -d5s "$@" | awk '/requests in/ {print $1}')
    after=$(awk '{print $14 + $15}' "/proc/$service_pid/stat")
    echo $(((after - before) * 1000000 / $(getconf CLK_TCK) / n))
  }
  curl -s "http://$bind/metrics" >"$dir/metrics"
  printf '   CPU per request (wrk -t1 -c8 -d5s): /health %s us, cached messages/origin %s us, /metrics %s us\n' \
    "$(cpu_us "http://$bind/health")" "$(cpu_us -H "X-User-Id: $uid" -H "X-Auth-Token: $tok" "http://$bind$cached")" \
    "$(cpu_us "http://$bind/metrics")"
  printf '   /metrics: %s bytes, %s of them the workspace series (text rendered by their background round)\n' \
    "$(wc -c <"$dir/metrics")" "$(awk '/^# HELP rca_workspace_/ {w = 1} w' "$dir/metrics" | wc -c)"
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
fi

# 5. The insights, interleaved: the bare count of the period's ts range, then the service (computed for every
# request: never cached).
if [ "${BENCH_FLOOD_ONLY:-}" != 1 ]; then
[ -n "$service_pid" ] || { start_service "$bind" "$dir/service.log"; service_pid=$started_pid; }
today=$(date -u +%F)
insights=/rc-analytics/api/v1/insights
printf '\n5. %-44s %10s %10s %12s\n' "insights (medians of $rounds rounds)" "count ms" "service ms" "service/count"
for window in 30 365; do
  first=$(date -u -d "$today - $((window - 1)) days" +%F)
  period="start=${first}T00:00:00.000Z&end=${today}T23:59:59.999Z"
  get "http://$bind$insights/channels?$period&sort=messages&order=desc&count=1" >/dev/null
  room=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["channels"][0]["_id"])' "$dir/body")
  range=$(python3 -c 'import json, sys
print(json.dumps({"collection": "rocketchat_message", "pipeline": [{"$match": {"ts": {
    "$gte": {"$date": sys.argv[1] + "T00:00:00Z"}, "$lt": {"$date": sys.argv[2] + "T00:00:00Z"}}}}]}))' \
    "$first" "$(date -u -d "$today + 1 day" +%F)")
  for request in "members?$period" "channels?$period" "channels/history?roomId=$room&$period"; do
    counts=() services=()
    for _ in $(seq 1 "$rounds"); do
      read -r t _ < <(db count "$mongo_url" "$range"); counts+=("$t")
      services+=("$(served "$insights/$request")")
    done
    c=$(printf '%s\n' "${counts[@]}" | median)
    s=$(printf '%s\n' "${services[@]}" | median)
    printf '   %-44s %10s %10s %12s\n' "$window days: ${request%%\?*}" "$(ms "$c")" "$(ms "$s")" "$(ratio "$s" "$c")"
  done
done
printf 'resident memory of rc-analytics after the insights: peak %s, now %s\n' \
  "$(awk '/VmHWM/ {print $2, $3}' /proc/$service_pid/status)" "$(awk '/VmRSS/ {print $2, $3}' /proc/$service_pid/status)"
grep -E 'rollup: built|logins:' "$dir/service.log" | sed 's/^/   /'
fi
[ "${BENCH_INSIGHTS_ONLY:-}" = 1 ] && exit 0

# 6. Floods against a service whose result cache may hold 16 MiB.
if ! command -v wrk >/dev/null; then
  echo "6. wrk is not installed (apt-get install wrk): floods not run"
else
flood_bind=${BENCH_FLOOD_BIND:-127.0.0.1:3132}
# shellcheck disable=SC2086 # BENCH_FLOOD_ENV is a list of NAME=VALUE words
start_service "$flood_bind" "$dir/flood.log" RCA_CACHE_MAX_MB=16 ${BENCH_FLOOD_ENV:-}
flood_pid=$started_pid
origin=/api/v1/engagement-dashboard/messages/origin
# Each wrk thread numbers its requests from its own offset; a request's number picks its window's first
# day (one of 3,000 from 2016-01-01), length (1 to 60 days) and zone: about 2 million distinct keys.
cat >"$dir/keys.lua" <<LUA
local threads, n = 0, 0
local zones = {"UTC", "%2B01:00", "%2B02:00", "%2B03:00", "%2B05:30", "%2B05:45", "%2B09:00", "-03:00", "-05:00", "-09:30", "Asia/Kathmandu", "America/Sao_Paulo"}
function setup(thread) thread:set("offset", threads * 1000003); threads = threads + 1 end
function init(args) wrk.headers["X-User-Id"] = args[1]; wrk.headers["X-Auth-Token"] = args[2] end
function request()
  n = n + 1
  local k = offset + n
  local first = 1451606400 + (k % 3000) * 86400
  local last = first + (math.floor(k / 3000) % 60) * 86400
  local zone = zones[1 + math.floor(k / 180000) % #zones]
  return wrk.format("GET", string.format("$origin?start=%s&end=%s&tz=%s",
    os.date("!%Y-%m-%dT00:00:00.000Z", first), os.date("!%Y-%m-%dT23:59:59.999Z", last), zone))
end
LUA
# One window (kept), each target distinct: a 60 KB parameter that the answer does not depend on.
cat >"$dir/targets.lua" <<LUA
local threads, n = 0, 0
local pad = string.rep("y", 60000)
function setup(thread) thread:set("offset", threads * 1000003); threads = threads + 1 end
function init(args) wrk.headers["X-User-Id"] = args[1]; wrk.headers["X-Auth-Token"] = args[2] end
function request()
  n = n + 1
  return wrk.format("GET", "$origin?start=2019-01-01T00:00:00.000Z&end=2019-01-31T23:59:59.999Z&x=" .. (offset + n) .. "_" .. pad)
end
LUA
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$flood_pid/status"; }
cache_bytes() { curl -s "http://$flood_bind/metrics" | awk '$1 == "rca_report_cache_bytes" {print $2}'; }
mib() { printf '%.1f' "$(echo "$1 / 1024" | bc -l)"; }
printf '\n6. floods of %s s (wrk -t2 -c16) against RCA_CACHE_MAX_MB=16%s: resident memory in MiB\n' "$flood_secs" \
  "${BENCH_FLOOD_ENV:+ with $BENCH_FLOOD_ENV}"
printf '   %-28s %10s %10s %10s %10s %10s %12s %10s\n' flood requests non-2xx "RSS before" "RSS after" "peak" \
  "growth" "cache MiB"
for flood in "keys:distinct start/end/tz" "targets:distinct 60 KB targets"; do
  before=$(kib VmRSS)
  wrk -t2 -c16 -d"${flood_secs}s" -s "$dir/${flood%%:*}.lua" "http://$flood_bind" -- "$uid" "$tok" >"$dir/wrk.txt"
  requests=$(awk '/requests in/ {print $1}' "$dir/wrk.txt")
  failed=$(awk '/Non-2xx/ {print $NF}' "$dir/wrk.txt")
  after=$(kib VmRSS)
  printf '   %-28s %10s %10s %10s %10s %10s %12s %10s\n' "${flood#*:}" "$requests" "${failed:-0}" "$(mib "$before")" \
    "$(mib "$after")" "$(mib "$(kib VmHWM)")" "$(mib "$((after - before))")" "$(mib "$(($(cache_bytes) / 1024))")"
done
printf '   target: growth within 16 + 48 = 64 MiB\n'
fi
fi

# 7. The rollup's upkeep at each size, side by side, every other service stopped.
[ -n "$upkeep_sizes" ] || exit 0
stop $service_pid $flood_pid
service_pid= flood_pid=
today=$(date -u +%F)
ticks=$(getconf CLK_TCK)
# CPU seconds (user + system) that process $1 has used.
cpu() { awk -v hz="$ticks" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }
# The value of the series $1 (name and labels) in /metrics.
metric() { curl -s "http://$bind/metrics" | awk -v s="$1" '$1 == s {print $2}'; }
per_min() { printf '%.3f' "$(echo "($2 - $1) * 60 / $idle" | bc -l)"; }
declare -A f
next_port=$((port + 1))
for size in $upkeep_sizes; do
  if [ "$size" = "$messages" ]; then
    url=$mongo_url db_port=$port
  else
    db_port=$next_port next_port=$((next_port + 1))
    if scripts/testdb.sh running "$db_port"; then
      echo "bench: something already listens on 127.0.0.1:$db_port" >&2
      exit 1
    fi
    db_ports+=("$db_port")
    scripts/testdb.sh start "$db_port" >/dev/null
    url=$(url_of "$db_port")
    echo
    seed "$size" "$url"
  fi
  f[$size,seeded]=${seeded_secs[$size]}
  db_pid=$(cat ".testdb/$db_port.pid")
  read -r scan_ms scanned < <(db scan "$url")
  start_service "$bind" "$dir/upkeep.log" MONGO_URL="$url"
  service_pid=$started_pid
  built=$(grep -o 'rollup: built in [0-9.]* s: [0-9]* messages scanned ([0-9]*/s)' "$dir/upkeep.log")
  f[$size,build]=$(echo "$built" | sed -E 's/.*\(([0-9]+)\/s\)/\1/')
  f[$size,scan]=$(echo "$scanned * 1000 / $scan_ms" | bc)
  f[$size,entries]=$(grep -o '[0-9]* room-slot entries' "$dir/upkeep.log" | cut -d' ' -f1)
  # A 365-day messages/origin ending today, against the bare count of its ts range.
  start=$(date -u -d "$today - 364 days" +%F)
  request="/api/v1/engagement-dashboard/messages/origin?start=${start}T00:00:00.000Z&end=${today}T23:59:59.999Z"
  "$bin" pipeline "$request" >"$dir/pipeline.json"
  read -r f[$size,count] _ < <(db count "$url" "$(cat "$dir/pipeline.json")")
  f[$size,origin]=$(served "$request")
  # Idle: no request for $idle seconds (a few refreshes), then the same with the service stopped.
  sleep 5
  db_a=$(cpu "$db_pid") svc_a=$(cpu "$service_pid")
  sum_a=$(metric rca_rollup_refresh_duration_seconds_sum) n_a=$(metric rca_rollup_refresh_duration_seconds_count)
  recent_a=$(metric 'rca_rollup_index_keys_read_total{check="recent"}')
  verify_a=$(metric 'rca_rollup_index_keys_read_total{check="verify"}')
  sleep "$idle"
  db_b=$(cpu "$db_pid") svc_b=$(cpu "$service_pid")
  sum_b=$(metric rca_rollup_refresh_duration_seconds_sum) n_b=$(metric rca_rollup_refresh_duration_seconds_count)
  refreshes=$((n_b - n_a))
  f[$size,idle]=$(per_min "$db_a" "$db_b")
  f[$size,service_cpu]=$(per_min "$svc_a" "$svc_b")
  f[$size,refreshes]=$refreshes
  if [ "$refreshes" -gt 0 ]; then
    f[$size,refresh]=$(printf '%.3f' "$(echo "($sum_b - $sum_a) / $refreshes" | bc -l)")
    f[$size,recent]=$(( ($(metric 'rca_rollup_index_keys_read_total{check="recent"}') - recent_a) / refreshes ))
    f[$size,verify]=$(( ($(metric 'rca_rollup_index_keys_read_total{check="verify"}') - verify_a) / refreshes ))
  fi
  f[$size,period]=$(metric rca_rollup_verify_period_seconds)
  f[$size,rss]=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$service_pid/status")
  stop "$service_pid"
  service_pid=
  floor_a=$(cpu "$db_pid")
  sleep "$idle"
  f[$size,floor]=$(per_min "$floor_a" "$(cpu "$db_pid")")
  f[$size,above]=$(printf '%.2f' "$(echo "(${f[$size,idle]} - ${f[$size,floor]}) * 100 / 60" | bc -l)")
  [ "$db_port" = "$port" ] || scripts/testdb.sh stop "$db_port"
done

sizes=($upkeep_sizes)
row() {
  local label=$1 key=$2
  printf '   %-58s' "$label"
  for size in "${sizes[@]}"; do printf ' %14s' "${f[$size,$key]:--}"; done
  echo
}
printf '\n7. %-58s' "rollup upkeep (idle windows of $idle s)"
for size in "${sizes[@]}"; do printf ' %14s' "$size"; done
echo
row "seeded in (s)" seeded
row "database CPU s/min, service idle" idle
row "database CPU s/min, service stopped (floor)" floor
row "idle above the floor, % of one core" above
row "service CPU s/min, idle" service_cpu
row "refreshes in the window" refreshes
row "refresh duration, mean (s)" refresh
row "index keys per refresh: recent hours" recent
row "index keys per refresh: rotation slice" verify
row "rotation's stated pass (s)" period
row "build rate (documents/s)" build
row "bare projected scan (documents/s)" scan
for size in "${sizes[@]}"; do f[$size,build_ratio]=$(ratio "${f[$size,build]}" "${f[$size,scan]}"); done
row "build / scan" build_ratio
row "room-slot entries" entries
row "peak resident memory (MB)" rss
row "365-day messages/origin, service (ms)" origin
row "365-day bare \$count of its range (ms)" count
for size in "${sizes[@]}"; do f[$size,origin_ratio]=$(ratio "${f[$size,origin]}" "${f[$size,count]}"); done
row "service / bare count" origin_ratio
if [ "${#sizes[@]}" -gt 1 ]; then
  first=${sizes[0]} last=${sizes[-1]}
  printf '   idle database CPU at %s / at %s: %s\n' "$last" "$first" "$(ratio "${f[$last,idle]}" "${f[$first,idle]}")"
fi
