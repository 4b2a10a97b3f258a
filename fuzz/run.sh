#!/usr/bin/env bash
# Runs fuzz targets one after another with the campaign's limits (issue 14) and prints one
# line per target: executions, seconds, and the outcome.
#
#   fuzz/run.sh                    every target, 1,000,000 executions each
#   RUNS=100000 fuzz/run.sh frame  chosen targets, fewer executions
#   FUZZ_ARGS=-len_control=0 fuzz/run.sh   extra libFuzzer flags (here: inputs up to
#                                  -max_len, 4096, from the start instead of growing slowly)
#
# Needs nightly and cargo-fuzz. Logs go to $LOGS (default /tmp/cometmq-fuzz-logs).
set -u
cd "$(dirname "$0")"
RUNS=${RUNS:-1000000}
LOGS=${LOGS:-/tmp/cometmq-fuzz-logs}
mkdir -p "$LOGS"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build -s none >/dev/null 2>&1 || { echo "build failed"; exit 1; }
for t in "${targets[@]}"; do
  dir="$LOGS/$t"
  rm -rf "$dir" && mkdir -p "$dir"
  start=$(date +%s.%N)
  # -jobs=1 -workers=1: one process at a time (its output goes to $dir/fuzz-0.log).
  (cd "$dir" && cargo +nightly fuzz run --fuzz-dir "$OLDPWD" -s none "$t" -- \
      -runs="$RUNS" -rss_limit_mb=1024 -timeout=1 -jobs=1 -workers=1 \
      -print_final_stats=1 -artifact_prefix="$dir/" ${FUZZ_ARGS:-} >"$dir/run.log" 2>&1)
  rc=$?
  end=$(date +%s.%N)
  log="$dir/fuzz-0.log"
  [ -f "$log" ] || log="$dir/run.log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  fuzz_secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*')
  found=$(ls "$dir" | grep -E '^(crash|timeout|oom|slow-unit|leak)-' | tr '\n' ' ')
  printf '%s\texecs=%s\tfuzz_secs=%s\twall_secs=%.0f\trc=%s\t%s\n' "$t" "${execs:-?}" \
    "${fuzz_secs:-?}" "$(echo "$end - $start" | bc)" "$rc" "${found:-none}"
done
