#!/usr/bin/env bash
# Re-vendors the dashboard page's chart library from the npm registry: Chart.js at the pinned version, its
# self-contained UMD build (no dependencies: @kurkle/color is bundled in) and its licence, into
# ui/vendor/chart.js/. The page loads it with a plain <script src> (no import map, which a strict CSP would
# refuse as an inline script). Run after changing CHARTJS_VERSION; commit the result. Needs npm.
#
#   scripts/vendor-ui.sh            fetch, check, copy
#   scripts/vendor-ui.sh --check    fetch and compare with the copy in the repository (exit 1 if it differs)
set -euo pipefail
cd "$(dirname "$0")/.."

CHARTJS_VERSION=4.6.1
dest=ui/vendor/chart.js
check=false
[ "${1:-}" = "--check" ] && check=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "chart.js@$CHARTJS_VERSION" >/dev/null)
tar -xzf "$work/chart.js-$CHARTJS_VERSION.tgz" -C "$work"
pkg="$work/package"

# What the page relies on: the version it was tested with, a UMD build that needs nothing else, and
# nothing a strict Content-Security-Policy (no 'unsafe-eval') would refuse.
grep -q "\"version\": \"$CHARTJS_VERSION\"" "$pkg/package.json" || { echo "vendor-ui: not chart.js $CHARTJS_VERSION" >&2; exit 1; }
grep -q "Chart.js v$CHARTJS_VERSION" "$pkg/dist/chart.umd.min.js" || { echo "vendor-ui: unexpected UMD header" >&2; exit 1; }
if grep -Eq 'new Function\(|[^.a-zA-Z_]eval\(' "$pkg/dist/chart.umd.min.js"; then
  echo "vendor-ui: chart.umd.min.js uses eval/new Function; the page's CSP forbids it" >&2; exit 1
fi

if $check; then
  cmp "$pkg/dist/chart.umd.min.js" "$dest/chart.umd.min.js"
  cmp "$pkg/LICENSE.md" "$dest/LICENSE.md"
  echo "vendor-ui: $dest matches chart.js@$CHARTJS_VERSION from the npm registry"
  exit 0
fi

mkdir -p "$dest"
cp "$pkg/dist/chart.umd.min.js" "$dest/chart.umd.min.js"
cp "$pkg/LICENSE.md" "$dest/LICENSE.md"
{
  echo "chart.js $CHARTJS_VERSION (MIT), from the npm registry: package/dist/chart.umd.min.js, package/LICENSE.md"
  echo "Re-vendor with scripts/vendor-ui.sh; verify with scripts/vendor-ui.sh --check."
  (cd "$dest" && sha256sum chart.umd.min.js LICENSE.md)
} > "$dest/VERSION"
echo "vendor-ui: chart.js $CHARTJS_VERSION copied to $dest"
