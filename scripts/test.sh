#!/usr/bin/env bash
# The whole test suite: starts its own test database (unless MONGODB_URI points at one), runs every test,
# and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MONGODB_URI:-}" ]; then
  port=${RCA_TEST_DB_PORT:-27018}
  MONGODB_URI=$(scripts/testdb.sh start "$port")
  export MONGODB_URI
  trap 'scripts/testdb.sh stop "$port"' EXIT
fi
echo "tests: using $MONGODB_URI" >&2
cargo test --all-targets "$@"
