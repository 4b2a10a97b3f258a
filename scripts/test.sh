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

# Apache RocketMQ's broker and NameServer jars for the side-by-side tests
# (broker/tests/java_side_by_side.rs). With CI=true a missing JDK or Maven fails those
# tests; elsewhere they are skipped with one loud line.
java_ok=0
if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
  tests/interop/java-broker/run.sh fetch && ROCKETMQ_VERSION=5.5.0 tests/interop/java-broker/run.sh fetch
  java_ok=1
elif [ "${CI:-}" = true ]; then
  echo "error: CI=true needs a JDK and Maven for the tests against Apache RocketMQ's broker" >&2
  exit 1
else
  echo "!!! no JDK/Maven: the tests against Apache RocketMQ's broker will be skipped" >&2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?

# The doc comments build without broken or private links.
doclog=$(mktemp)
if ! RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked >"$doclog" 2>&1; then
  tail -40 "$doclog"
  echo "error: cargo doc found broken or private doc links" | tee -a "$log"
  status=1
fi
rm -f "$doclog"

# Our client judged by the reference: its whole-system tests again, against Apache
# RocketMQ's NameServer and broker instead of ours (client/tests/cluster/mod.rs).
if [ "$java_ok" = 1 ]; then
  echo "=== the client's whole-system tests against Apache RocketMQ's servers ==="
  COMETMQ_SERVERS=java cargo test -p cometmq-client --locked --no-fail-fast \
    --test system_producer --test system_consumer --test system_orderly \
    --test system_pull_consumer --test system_transaction --test system_consume_concurrency \
    2>&1 | tee -a "$log" || status=$?
  # The side-by-side tests once more with Apache RocketMQ 5.x's broker and NameServer
  # (the cargo test run above used 4.9.7).
  echo "=== side by side with Apache RocketMQ 5.5.0's servers ==="
  ROCKETMQ_VERSION=5.5.0 cargo test -p cometmq-broker --locked --no-fail-fast \
    --test java_side_by_side --test java_replication --test java_mixed_cluster \
    2>&1 | tee -a "$log" || status=$?
fi

# The interop suites judge the mqnamesrv and mqbroker built here by Apache RocketMQ's own
# clients: tests/interop/java (Java client 4.9.8 and 5.x and mqadmin; Maven fetches the
# pinned artifacts into ~/.m2) and tests/interop/go (Go client; module pinned in go.mod).
# Each needs its toolchain: with CI=true a missing one is a failure, otherwise the suite is
# skipped with one loud line.
bins_built=
interop() { # interop SUITE "COMMANDS"
  local suite=$1 missing=
  for cmd in $2; do command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"; done
  if [ -n "$missing" ]; then
    if [ "${CI:-}" = "true" ]; then
      echo "$suite interop: 0 passed, 1 failed (CI=true but$missing not on PATH)" | tee -a "$log"
      status=1
    else
      echo "########## SKIPPED: the $suite interop suite (tests/interop/$suite) needs$missing on PATH ##########" >&2
    fi
    return
  fi
  if [ -z "$bins_built" ]; then
    if ! cargo build --locked --bins -p cometmq-broker -p cometmq-namesrv -p cometmq-tools; then
      echo "$suite interop: 0 passed, 1 failed (cargo build --bins failed)" | tee -a "$log"
      status=1
      return
    fi
    bins_built=yes
  fi
  "tests/interop/$suite/run.sh" "${CARGO_TARGET_DIR:-target}/debug" 2>&1 | tee -a "$log" || status=1
}
interop java "java mvn"
interop go "go"

# The web console in a real browser (tests/console: Playwright and Debian's Chromium, which
# run.sh installs when run as root). Needs Node.js: with CI=true a missing one is a failure.
if command -v npm >/dev/null 2>&1; then
  tests/console/run.sh 2>&1 | tee -a "$log" || status=1
elif [ "${CI:-}" = "true" ]; then
  echo "console browser: 0 passed, 1 failed (CI=true but npm not on PATH)" | tee -a "$log"
  status=1
else
  echo "########## SKIPPED: the console browser test (tests/console) needs npm on PATH ##########" >&2
fi

# One closing line for the whole run: cargo prints a summary per test binary, each interop
# suite one "<suite> interop: N passed, N failed" line.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^[a-z]+ interop: [0-9]+ passed, [0-9]+ failed/ { p += $3; f += $5 }
     /^console browser: [0-9]+ passed, [0-9]+ failed/ { p += $3; f += $5 }
     END { printf "cometmq: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
