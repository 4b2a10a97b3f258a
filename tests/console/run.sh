#!/usr/bin/env bash
# The web console's browser test: installs playwright-core (npm) and, if missing, Debian's
# Chromium (apt-get, as root), builds mqbroker, and runs console.test.mjs against it.
# Env: CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR (keep the PNGs there).
set -euo pipefail
cd "$(dirname "$0")"
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "console browser: 0 passed, 1 failed (no Chromium at $chromium: apt-get install chromium, or set CHROMIUM)"
    exit 1
  fi
fi
npm ci --no-audit --no-fund --loglevel=error
(cd ../.. && cargo build --locked --bin mqbroker -p cometmq-broker)
export COMETMQ_BIN="${CARGO_TARGET_DIR:-$(cd ../.. && pwd)/target}/debug"
export CHROMIUM="$chromium"
node console.test.mjs
