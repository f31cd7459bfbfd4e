#!/usr/bin/env bash
# The demo on a fresh machine: starts its own database (SecantusDB, in memory), builds rc-analytics and the
# demo-data generator (rc-analytics-seed), seeds demo data, starts the service on 127.0.0.1:3100, shows real
# numbers and the URL of the dashboard page signed in as the demo admin, and keeps running until Ctrl-C, which
# stops the service and the database.
#   DEMO_MESSAGES   messages to generate (default 200000)
#   DEMO_SEED       seed of the generator (default 1)
#   DEMO_DAYS       days of data, today included (default 91: the page's "Last 90 days" and the retention
#                   grid's 12 weeks all have data)
#   DEMO_DB_PORT    port of the demo database (default 27019)
#   DEMO_BIND       address of the service (default 127.0.0.1:3100)
# Logs and the seed's output (.demo/seed.json: credentials and example requests) go to .demo/ (ignored by git).
# Needs python3 (reads the seed's JSON) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${DEMO_MESSAGES:-200000}
seed=${DEMO_SEED:-1}
days=${DEMO_DAYS:-91}
port=${DEMO_DB_PORT:-27019}
bind=${DEMO_BIND:-127.0.0.1:3100}
dir=.demo
mkdir -p "$dir"
# Where a browser or curl reaches the service (a wildcard bind is reached on loopback).
base="http://${bind/0.0.0.0/127.0.0.1}"

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

# Measured on a 2-CPU machine (Rust 1.95): the first `cargo build` of the binary took 7 min 19 s with the
# crates already downloaded (add their download on a fresh machine); after a source change 8 s; unchanged 0.5 s.
echo "demo: building rc-analytics (cargo build: 7 to 10 min the first time on a 2-CPU machine, seconds after;" >&2
echo "demo: cargo shows its progress below)" >&2
started=$(date +%s)
cargo build --workspace --bin rc-analytics --bin rc-analytics-seed
echo "demo: built in $(($(date +%s) - started)) s" >&2
bin=target/debug/rc-analytics
seed_bin=target/debug/rc-analytics-seed

echo "demo: seeding $messages messages over $days days (seed $seed)" >&2
started=$(date +%s)
# The demo database is the demo's own, so --force is fine.
"$seed_bin" --json --mongo-url "$mongo_url" --seed "$seed" --messages "$messages" --days "$days" --force >"$dir/seed.json"
echo "demo: seeded in $(($(date +%s) - started)) s" >&2

# Reads the seed's one JSON object: `summary` (what was written, the users), `admin` (the admin's id and
# token, one per line), `requests` (one example request per line), `page-week` (the days of the engagement
# requests), `page BASE` (the page's URL, signed in).
seed_json() {
  python3 - "$dir/seed.json" "$@" <<'PY'
import json, sys, urllib.parse
seed = json.load(open(sys.argv[1]))
what = sys.argv[2]
admin = next(c for c in seed["credentials"] if c["role"] == "admin")
if what == "summary":
    print(f"Demo data: database '{seed['database']}' ({seed['edition']}), {seed['from']} to {seed['until']}, "
          f"{sum(seed['written'].values())} documents.")
    print("Users (X-User-Id / X-Auth-Token):")
    for c in seed["credentials"]:
        print(f"  {c['role']:<17} {c['username']:<14} {c['userId']} {c['token']}")
elif what == "admin":
    print(admin["userId"])
    print(admin["token"])
elif what == "requests":
    for r in seed["requests"]:
        print(r)
elif what == "page-week":
    # The engagement requests' days: the first request's start and end dates.
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(seed["requests"][0]).query)
    print(f"{q['start'][0][:10]} to {q['end'][0][:10]}")
elif what == "page":
    # The page moves these to sessionStorage and removes the fragment (which browsers never send).
    q = lambda v: urllib.parse.quote(v, safe="")
    print(f"{sys.argv[3]}/rc-analytics/#userId={q(admin['userId'])}&token={q(admin['token'])}")
PY
}
mapfile -t admin < <(seed_json admin)
mapfile -t requests < <(seed_json requests)
[ "${#admin[@]}" = 2 ] && [ "${#requests[@]}" -gt 0 ] || { echo "demo: $dir/seed.json lacks the admin or the requests" >&2; exit 1; }
admin_id=${admin[0]}
admin_token=${admin[1]}

# SecantusDB's Python server is far slower than MongoDB (a 7-day messages/origin over 1,000,000 messages
# takes about 35 s there) and does not answer the driver's heartbeats while it runs a query, so the demo
# allows queries 120 s and heartbeats 60 s, and lets the guard's look-ups (which queue behind a running
# query there) wait 60 s, unless RCA_QUERY_TIMEOUT_MS / RCA_CONNECT_TIMEOUT_MS / RCA_AUTH_TIMEOUT_MS say otherwise.
MONGO_URL="$mongo_url" RCA_BIND="$bind" RCA_QUERY_TIMEOUT_MS="${RCA_QUERY_TIMEOUT_MS:-120000}" \
  RCA_CONNECT_TIMEOUT_MS="${RCA_CONNECT_TIMEOUT_MS:-60000}" RCA_AUTH_TIMEOUT_MS="${RCA_AUTH_TIMEOUT_MS:-60000}" \
  "$bin" >"$dir/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 60); do
  curl -sf "$base/ready" >/dev/null 2>&1 && break
  if ! kill -0 "$service_pid" 2>/dev/null; then
    echo "demo: rc-analytics exited; its log ($dir/service.log):" >&2
    cat "$dir/service.log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -sf "$base/ready" >/dev/null || { echo "demo: rc-analytics is not ready after 30 s" >&2; exit 1; }
echo "demo: rc-analytics is ready on $base (log: $dir/service.log)" >&2

# Until the rollup is built and the logins are read, the message reports and the insights are computed raw
# (seconds each on the stand-in database, for a debug build); wait for them, as an admin would before opening
# the page.
if [ "${RCA_ROLLUP:-on}" != off ]; then
  echo "demo: reading the messages and logins into memory (the rollup; its progress: $dir/service.log)" >&2
  started=$(date +%s)
  for _ in $(seq 1 600); do
    grep -q 'logins: .* read' "$dir/service.log" && break
    kill -0 "$service_pid" 2>/dev/null || { echo "demo: rc-analytics exited:" >&2; tail "$dir/service.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "demo: in memory after $(($(date +%s) - started)) s" >&2
fi

curl_line() {
  printf "curl -s -H 'X-User-Id: %s' -H 'X-Auth-Token: %s' '%s%s'" "$admin_id" "$admin_token" "$base" "$1"
}

echo
seed_json summary
echo
echo "Reports as the admin, over the days the page shows for \"Last 7 days\" ($(seed_json page-week)): 8 calendar"
echo "days, as Rocket.Chat's client asks (active users: the last 30 days, as the page's card; the omnichannel"
echo "reports: the 7 days of Rocket.Chat's documented example). The first request per report computes it: on the"
echo "stand-in database (SecantusDB, far slower than MongoDB) that can take seconds; repeats are cached."
echo "\$ $(curl_line "${requests[0]}")"
took=$(curl -s -o "$dir/first.json" -w '%{time_total}' -H "X-User-Id: $admin_id" -H "X-Auth-Token: $admin_token" \
  "$base${requests[0]}")
cat "$dir/first.json"
echo
LC_ALL=C printf '(answered in %.1f s)\n' "$took"
echo
echo "The other reports:"
for request in "${requests[@]:1}"; do
  echo "  $(curl_line "$request")"
done
echo
echo "Operations (not proxied in a deployment): $base/metrics, $base/openapi.json"
echo
echo "Dashboard page, signed in as the demo admin (open it in a browser on this machine):"
echo "  $(seed_json page "$base")"
echo
echo "demo: running; press Ctrl-C to stop the service and the database" >&2
wait "$service_pid"
