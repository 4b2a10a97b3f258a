#!/usr/bin/env bash
# CometMQ's performance run (issue 10): builds the release binaries, then runs every
# scenario of docs/PERFORMANCE.md with mqbench against a fresh broker and rewrites the
# results there. Flags go to scripts/bench.py (--quick, --duration S, --big-store-gib N,
# --backlog N, --repeat N, --no-write). Needs python3. About 10 minutes (--quick: 2).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p cometmq-broker --bin mqbroker -p cometmq-tools --bin mqbench
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
exec python3 scripts/bench.py --bindir "$target_dir/release" "$@"
