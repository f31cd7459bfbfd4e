#!/usr/bin/env bash
# The test/demo database: SecantusDB (a MongoDB-wire server, secantusdb==0.7.0b3 from PyPI) in an ignored
# virtual environment at .venv, in memory, on 127.0.0.1 only.
#   scripts/testdb.sh install          install SecantusDB into .venv (idempotent)
#   scripts/testdb.sh start [PORT]     start it on PORT (default 27018) unless it already answers; prints the URI
#   scripts/testdb.sh running [PORT]   exit 0 when something already listens on PORT (callers then use it
#                                      and must not stop it)
#   scripts/testdb.sh stop [PORT]      stop the SecantusDB this script started on PORT (and nothing else)
#   scripts/testdb.sh uri [PORT]       print the connection URI
#   scripts/testdb.sh install-rust     install SecantusDB's Rust server (crate secantus-mdb, GPL-2.0, a test tool
#                                      only, never shipped) into .tools: several minutes, needs Debian's cmake
#   scripts/testdb.sh has-rust         exit 0 when that server is installed
# RCA_TESTDB_SERVER=rust starts the Rust server instead (10-17x faster for large benchmarks), its data in
# .testdb/rust-PORT, removed when stopped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
state="$root/.testdb"
cmd=${1:-}
port=${2:-27018}
uri="mongodb://127.0.0.1:$port/?directConnection=true"
rust_server=secantusd-rs
command -v "$rust_server" >/dev/null || rust_server="$root/.tools/bin/secantusd-rs"

answers() {
  python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(0.5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1]))); sys.exit(0)
except OSError:
    sys.exit(1)
PY
}

install() {
  # grep reads all of pip's output: with pipefail, `grep -q` would close the pipe early, fail pip, and reinstall every time.
  if [ -x "$venv/bin/secantusd-py" ] && "$venv/bin/pip" show secantusdb 2>/dev/null | grep '^Version: 0.7.0b3$' >/dev/null; then
    return 0
  fi
  echo "testdb: installing secantusdb==0.7.0b3 into .venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'secantusdb==0.7.0b3' >&2
}

case "$cmd" in
  install) install ;;
  install-rust)
    command -v cmake >/dev/null || apt-get install -y cmake >&2
    cargo install --ignore-rust-version --root "$root/.tools" secantus-mdb --version 0.5.3-beta.196 >&2
    ;;
  has-rust) [ -x "$(command -v "$rust_server")" ] ;;
  start)
    install
    mkdir -p "$state"
    if answers; then
      echo "testdb: something already listens on 127.0.0.1:$port; using it" >&2
    else
      if [ "${RCA_TESTDB_SERVER:-python}" = rust ]; then
        rm -rf "$state/rust-$port"
        nohup "$rust_server" --host 127.0.0.1 --port "$port" --storage-path "$state/rust-$port" \
          --log-level WARNING >"$state/$port.log" 2>&1 &
      else
        nohup "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path :memory: \
          --log-level WARNING >"$state/$port.log" 2>&1 &
      fi
      echo $! >"$state/$port.pid"
      for _ in $(seq 1 120); do
        answers && break
        if ! kill -0 "$(cat "$state/$port.pid")" 2>/dev/null; then
          echo "testdb: SecantusDB exited; its log:" >&2; cat "$state/$port.log" >&2; exit 1
        fi
        sleep 0.25
      done
      answers || { echo "testdb: SecantusDB did not answer on port $port within 30 s" >&2; exit 1; }
      echo "testdb: SecantusDB started on 127.0.0.1:$port (pid $(cat "$state/$port.pid"))" >&2
    fi
    echo "$uri"
    ;;
  running) answers ;;
  stop)
    if [ -f "$state/$port.pid" ]; then
      pid=$(cat "$state/$port.pid")
      # Only a SecantusDB: the pid file may be stale and its number reused by another process.
      if grep -q secantusd "/proc/$pid/cmdline" 2>/dev/null && kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
        echo "testdb: stopped SecantusDB on port $port" >&2
      fi
      rm -f "$state/$port.pid"
    fi
    rm -rf "$state/rust-$port"
    ;;
  uri) echo "$uri" ;;
  *) echo "usage: $0 install|start|running|stop|uri [PORT]" >&2; exit 2 ;;
esac
