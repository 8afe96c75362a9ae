#!/usr/bin/env bash
# Records Kong's own kong/tools/uri.lua verdicts over corpus.lua for each
# Kong ref, into kong-<version>.json next to this script. Needs LuaJIT
# (OpenResty's luajit2, for table.new) and lua-rex-pcre2 from Debian, which
# ../shared/kong-oracle/run.sh installs, and a bare mirror of Kong/kong
# (KONG_MIRROR, as for the oracle).
#
#   KONG_MIRROR=/work/.mirror/Kong+kong/repo kong/conformance/uri/record.sh 3.9.1 3.10.0
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${KONG_MIRROR:?set KONG_MIRROR to a bare mirror of Kong/kong}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ref in "$@"; do
  git --git-dir "$KONG_MIRROR" show "$ref:kong/tools/uri.lua" > "$tmp/uri.lua"
  version=$(git --git-dir "$KONG_MIRROR" show "$ref:kong/meta.lua" | awk '/major =|minor =|patch =/ {gsub(/[^0-9]/, "", $3); printf "%s%s", sep, $3; sep="."}')
  LUA_CPATH="/usr/lib/x86_64-linux-gnu/lua/5.1/?.so;;" luajit "$here/record.lua" "$tmp/uri.lua" "$version" > "$here/kong-$version.json"
  echo "kong/conformance/uri/kong-$version.json: $(grep -c '"in"' "$here/kong-$version.json") paths (Kong $ref)"
done
