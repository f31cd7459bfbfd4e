#!/usr/bin/env bash
# The whole test suite: installs what the tests run (Debian's nginx and Node.js, SecantusDB in .venv),
# starts its own test database (unless MONGODB_URI points at one), runs every test, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

# Programs the tests run, from Debian when missing (CI runs as root on a fresh machine):
#   nginx   tests/api/proxy.rs runs deploy/nginx/rc-analytics.conf with it (foreground, loopback, a child of the test)
#   node    tests/api/least_privilege.rs runs deploy/mongo/create-readonly-user.js with it (through a mongosh shim)
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests: installing Debian's ${missing[*]} for the deployment tests" >&2
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
cargo test --all-targets "$@"
