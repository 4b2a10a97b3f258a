#!/usr/bin/env bash
# Writes an interop run's client x scenario table into docs/COMPATIBILITY.md, between
# "<!-- interop-SUITE:begin -->" and "<!-- interop-SUITE:end -->".
#
#   tests/interop/table.sh SUITE RESULTS_FILE "who wrote it"
#
# RESULTS_FILE holds "client<TAB>scenario<TAB>pass|FAIL: why" rows. Does nothing when the
# document or its markers are missing.
set -euo pipefail
suite=$1
results=$2
writer=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
doc="$root/docs/COMPATIBILITY.md"
[ -f "$doc" ] && grep -q "<!-- interop-$suite:begin -->" "$doc" || exit 0

passed=$(grep -c $'\tpass$' "$results" || true)
failed=$(grep -vc $'\tpass$' "$results" || true)
table=$(awk -F'\t' '
  { if (!($1 in seenc)) { seenc[$1] = 1; clients[++nc] = $1 }
    if (!($2 in seens)) { seens[$2] = 1; scen[++ns] = $2 }
    r = $3; if (r != "pass") { sub(/^FAIL: /, "", r); gsub(/\|/, "/", r); r = "**FAIL**: " r }
    res[$1 SUBSEP $2] = r }
  END {
    printf "| scenario |"; for (i = 1; i <= nc; i++) printf " %s |", clients[i]; printf "\n"
    printf "| --- |"; for (i = 1; i <= nc; i++) printf " --- |"; printf "\n"
    for (j = 1; j <= ns; j++) {
      printf "| %s |", scen[j]
      for (i = 1; i <= nc; i++) { k = clients[i] SUBSEP scen[j]; printf " %s |", (k in res) ? res[k] : "not run" }
      printf "\n"
    }
  }' "$results")
stamp="Written by \`$writer\` on $(date -u +%Y-%m-%d) against CometMQ $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'): $passed passed, $failed failed."
awk -v table="$table" -v stamp="$stamp" -v begin="<!-- interop-$suite:begin -->" -v end="<!-- interop-$suite:end -->" '
  $0 == begin { print; print stamp; print ""; print table; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
