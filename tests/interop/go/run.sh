#!/usr/bin/env bash
# The Go interop suite: Apache RocketMQ's Go client (github.com/apache/rocketmq-client-go/v2,
# pinned in go.mod / go.sum) against CometMQ's mqnamesrv and mqbroker.
#
#   tests/interop/go/run.sh [BIN_DIR]
#
# BIN_DIR holds mqnamesrv and mqbroker (default: $CARGO_TARGET_DIR/debug, else target/debug).
# Go fetches the pinned module through the module proxy. Writes the scenario table into
# docs/COMPATIBILITY.md and ends with one "go interop: N passed, N failed" line; exit status
# 0 only when every scenario passed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${1:-${CARGO_TARGET_DIR:-$root/target}/debug}
bin=$(cd "$bin" && pwd)
results=$(mktemp)
trap 'rm -f "$results"' EXIT

if ! (cd "$here" && go build -mod=readonly -o "$results.bin" .); then
  echo "FAIL go build"
  echo "go interop: 0 passed, 1 failed"
  exit 1
fi
(cd "$here" && INTEROP_RESULTS="$results" "$results.bin" -bin "$bin")
status=$?
rm -f "$results.bin"
"$here/../table.sh" go "$results" tests/interop/go/run.sh
[ "$status" -eq 0 ]
