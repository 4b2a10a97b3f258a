#!/usr/bin/env bash
# Runs every CometMQ test. Installs what the tests need (the ali-ons interop client) first,
# so a fresh machine with the Rust toolchain and Node.js needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f tests/package.json ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "warning: npm not found; interop tests with ali-ons will be skipped" >&2
  fi
fi

cargo test --workspace --locked "$@"
