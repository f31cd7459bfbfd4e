#!/usr/bin/env bash
# The whole test suite: installs what the tests run (Debian's nginx for the proxy test, SecantusDB in .venv),
# starts its own test database (unless MONGODB_URI points at one), runs every test, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

# tests/api/proxy.rs runs deploy/nginx/rc-analytics.conf with a real nginx (in the foreground, on loopback,
# as a child of the test). CI runs as root on a fresh machine: install it from Debian when it is missing.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "tests: installing Debian's nginx for the proxy test" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "tests: nginx is missing and this is not root: install it (apt-get install nginx)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends nginx >&2
fi

# tests/api/least_privilege.rs starts its own SecantusDB with --auth from .venv.
scripts/testdb.sh install

if [ -z "${MONGODB_URI:-}" ]; then
  port=${RCA_TEST_DB_PORT:-27018}
  MONGODB_URI=$(scripts/testdb.sh start "$port")
  export MONGODB_URI
  trap 'scripts/testdb.sh stop "$port"' EXIT
fi
echo "tests: using $MONGODB_URI" >&2
cargo test --all-targets "$@"
