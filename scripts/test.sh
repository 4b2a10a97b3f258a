#!/usr/bin/env bash
# Runs every CometMQ test. Installs what the tests need (the ali-ons interop client, the Java
# suite's Maven dependencies, the Go suite's module) itself, so a fresh machine with the Rust
# toolchain, Node.js, a JDK, Maven and Go needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f tests/package.json ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "warning: npm not found; interop tests with ali-ons will be skipped" >&2
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?

# The Java interop suite (tests/interop/java): Apache RocketMQ's own Java client, 4.9.8 and
# 5.x, against the mqnamesrv and mqbroker just built. Maven fetches its pinned dependencies
# into ~/.m2. With CI=true a missing JDK or Maven is a failure; otherwise the suite is
# skipped with one loud line.
if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then
  target_dir=${CARGO_TARGET_DIR:-target}
  if cargo build --locked --bins -p cometmq-broker -p cometmq-namesrv 2>&1 | tail -n 1; then
    tests/interop/java/run.sh "$target_dir/debug" 2>&1 | tee -a "$log" || status=1
  else
    echo "java interop: 0 passed, 1 failed (cargo build --bins failed)" | tee -a "$log"
    status=1
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "java interop: 0 passed, 1 failed (CI=true but java or mvn is not on PATH)" | tee -a "$log"
  status=1
else
  echo "########## SKIPPED: the Java interop suite (tests/interop/java) needs java and mvn on PATH ##########" >&2
fi

# The Go interop suite (tests/interop/go): Apache RocketMQ's Go client, module pinned in
# go.mod. Same rules: CI=true makes a missing Go toolchain a failure.
if command -v go >/dev/null 2>&1; then
  tests/interop/go/run.sh "${CARGO_TARGET_DIR:-target}/debug" 2>&1 | tee -a "$log" || status=1
elif [ "${CI:-}" = "true" ]; then
  echo "go interop: 0 passed, 1 failed (CI=true but go is not on PATH)" | tee -a "$log"
  status=1
else
  echo "########## SKIPPED: the Go interop suite (tests/interop/go) needs go on PATH ##########" >&2
fi

# One closing line for the whole run: cargo prints a summary per test binary, each interop
# suite one "<suite> interop: N passed, N failed" line.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^[a-z]+ interop: [0-9]+ passed, [0-9]+ failed/ { p += $3; f += $5 }
     END { printf "cometmq: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
