#!/usr/bin/env bash
# Prints the top-level module dependencies of src/ (`a -> b` when a file of module a names `crate::b`),
# then checks that no chain of imports comes back to where it started. Used to keep the layering of src/lib.rs honest.
set -euo pipefail
cd "$(dirname "$0")/.."
edges=$(for f in $(find src -name '*.rs' ! -name main.rs ! -name lib.rs); do
  m=$(echo "${f#src/}" | cut -d/ -f1 | sed 's/\.rs$//')
  { grep -oE 'crate::[a-z_]+' "$f" || true; } | sed 's/crate:://' | sort -u | sed "s/^/$m /"
done | awk '$1 != $2 {print $1" -> "$2}' | sort -u)
echo "$edges"
# tsort (coreutils) orders the modules and names any loop, of two modules or more.
if ! echo "$edges" | awk '{print $1, $3}' | tsort >/dev/null 2>/tmp/module-deps.$$; then
  cat /tmp/module-deps.$$; rm -f /tmp/module-deps.$$; exit 1
fi
rm -f /tmp/module-deps.$$
echo "no import cycle between modules"
