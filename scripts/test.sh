#!/usr/bin/env bash
# The whole test suite: installs what the tests run (Debian's nginx, prometheus, Node.js, npm and chromium, SecantusDB in .venv),
# starts its own test database (unless MONGODB_URI points at one), runs every test, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

# Programs the tests run, from Debian when missing (CI runs as root on a fresh machine):
#   nginx   tests/api/nginx_proxy.rs and tests/ui/nginx.test.mjs run deploy/nginx/rc-analytics.conf with it (foreground, loopback, a child of the test)
#   node    tests/api/least_privilege.rs runs deploy/mongo/create-readonly-user.js with it (through a mongosh shim)
#   chromium, npm   tests/ui/ drives Debian's chromium with npm's playwright-core (installed below by npm ci)
#   fonts-dejavu-core   text in the browser tests' screenshots
#   prometheus   tests/api/monitoring.rs runs its prometheus (loopback, a child of the test) on deploy/prometheus/prometheus.yml
#                scraping the service, and its promtool on the same file
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || missing+=(prometheus)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests: installing Debian's ${missing[*]} for the deployment and browser tests" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "tests: ${missing[*]} missing and this is not root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# tests/api/least_privilege.rs starts its own SecantusDB with --auth from .venv.
scripts/testdb.sh install

if [ -z "${MONGODB_URI:-}" ]; then
  port=${RCA_TEST_DB_PORT:-27018}
  if scripts/testdb.sh running "$port"; then
    echo "tests: a server already listens on 127.0.0.1:$port; using it and leaving it running" >&2
    MONGODB_URI=$(scripts/testdb.sh uri "$port")
  else
    MONGODB_URI=$(scripts/testdb.sh start "$port")
    trap 'scripts/testdb.sh stop "$port"' EXIT
  fi
  export MONGODB_URI
fi
echo "tests: using $MONGODB_URI" >&2
# --workspace: the service's tests (tests/api and its unit tests) and the demo-data generator's (seed/).
cargo test --workspace --all-targets "$@"

# The OpenAPI document against the running service (schemathesis from PyPI, into .venv): every check, positive
# data acceptance included. Skipped when arguments filter the cargo tests.
if [ $# -eq 0 ]; then
  cargo build --quiet --workspace --bin rc-analytics --bin rc-analytics-seed
  scripts/schemathesis.sh
fi

# Browser tests of the dashboard page (tests/ui/, node:test + playwright-core with Debian's chromium), against
# the binary cargo test just built and the same test database. Skipped when arguments filter the cargo tests.
if [ $# -eq 0 ]; then
  if [ ! -f tests/ui/node_modules/.package-lock.json ] || [ tests/ui/package-lock.json -nt tests/ui/node_modules/.package-lock.json ]; then
    (cd tests/ui && npm ci --no-audit --no-fund --loglevel=error)
  fi
  node --test tests/ui/
else
  echo "tests: arguments given; browser tests (node --test tests/ui/) skipped" >&2
fi
