#!/usr/bin/env bash
# Prints the top-level module dependencies of each crate of the workspace (src/: the service; seed/src/: the
# demo-data generator): `a -> b` when a file of module a names `crate::b`, or, in a's top-level file (a.rs,
# a/mod.rs), `super::b` or `super::{…, b, …}`. Then checks, per crate, that no chain of imports comes back to where
# it started. Used to keep the layering of src/lib.rs honest.
set -euo pipefail
cd "$(dirname "$0")/.."
loops=$(mktemp)
trap 'rm -f "$loops"' EXIT
status=0
for root in src seed/src; do
  # The crate's top-level modules: its files and folders beside lib.rs and main.rs.
  modules=$(find "$root" -mindepth 1 -maxdepth 1 \( -name '*.rs' -o -type d \) ! -name lib.rs ! -name main.rs \
    -printf '%f\n' | sed 's/\.rs$//' | sort -u)
  edges=$(for f in $(find "$root" -name '*.rs' ! -path "$root/lib.rs" ! -path "$root/main.rs"); do
    relative=${f#"$root"/}
    m=$(echo "$relative" | cut -d/ -f1 | sed 's/\.rs$//')
    # One line per file, so that a `use` list wrapped over several lines is read whole.
    text=$(tr '\n' ' ' <"$f")
    {
      { grep -oE 'crate::[a-z_]+' <<<"$text" || true; } | sed 's/crate:://'
      if [ "$relative" = "$m.rs" ] || [ "$relative" = "$m/mod.rs" ]; then
        { grep -oE 'super::([a-z_]+|\{[^}]*\})' <<<"$text" || true; } \
          | sed 's/super:://; s/[{}]//g' | tr ',' '\n' | sed 's/^ *//; s/::.*//; s/ .*//'
      fi
    } | { grep -xF "$modules" || true; } | sort -u | sed "s/^/$m /"
  done | awk '$1 != $2 {print $1" -> "$2}' | sort -u)
  echo "$root:"
  echo "$edges" | sed 's/^/  /'
  # tsort (coreutils) orders the modules and names any loop, of two modules or more.
  if [ -n "$edges" ] && ! echo "$edges" | awk '{print $1, $3}' | tsort >/dev/null 2>"$loops"; then
    echo "$root: import cycle:"
    cat "$loops"
    status=1
  fi
done
[ "$status" = 0 ] && echo "no import cycle between modules"
exit "$status"
