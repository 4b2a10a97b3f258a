#!/usr/bin/env bash
# The Java interop suite: Apache RocketMQ's Java client and tools (4.9.8 and the newest 5.x,
# pinned in pom.xml) against CometMQ's mqnamesrv and mqbroker.
#
#   tests/interop/java/run.sh [BIN_DIR]
#   INTEROP_ONLY=scenario-a,scenario-b tests/interop/java/run.sh [BIN_DIR]
#
# BIN_DIR holds mqnamesrv and mqbroker (default: $CARGO_TARGET_DIR/debug, else target/debug).
# Builds the scenario program once per client version (Maven fetches its pinned
# dependencies into ~/.m2), runs the scenario matrix with each, writes the client x scenario
# table into docs/COMPATIBILITY.md and ends with one "java interop: N passed, N failed" line.
# Exit status 0 only when every scenario of every client passed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${1:-${CARGO_TARGET_DIR:-$root/target}/debug}
bin=$(cd "$bin" && pwd)
versions=("4.9.8:" "5.5.0:-Prmq5")
results=$(mktemp)
home=$(mktemp -d)
trap 'rm -f "$results"' EXIT

build_failed=0
for entry in "${versions[@]}"; do
  version=${entry%%:*}
  profile=${entry#*:}
  echo "java interop: building the scenario program with rocketmq-client $version"
  if ! (cd "$here" && mvn -B -q $profile package >"$home/mvn-$version.log" 2>&1); then
    cat "$home/mvn-$version.log" >&2
    echo "FAIL java-$version build (mvn package)"
    printf 'java-%s\tbuild\tFAIL: mvn package\n' "$version" >>"$results"
    build_failed=$((build_failed + 1))
    continue
  fi
  cp="$here/target/$version/classes:$here/target/$version/lib/*"
  # Small JVMs; user.home isolates the clients' own log files.
  # One user.home per client version: a broadcasting consumer's offsets live in
  # ~/.rocketmq_offsets, keyed by client id and group.
  # mqadmin's consumeMessage keeps offsets in its working directory: run from the temp home.
  mkdir -p "$home/$version"
  cd "$home/$version" || exit 1
  java -Xmx256m -XX:+UseSerialGC -Xss512k -Duser.home="$home/$version" \
    -Dcometmq.bin="$bin" -Dinterop.results="$results" -Dinterop.only="${INTEROP_ONLY:-}" \
    -Dinterop.javaBroker="$root/tests/interop/java-broker/run.sh" \
    -cp "$cp" org.cometmq.interop.Interop 2>"$home/java-$version.err"
  cd "$here" || exit 1
  echo "java interop: rocketmq-client $version done (client warnings: $(grep -c WARN "$home/java-$version.err") lines)"
done

passed=$(grep -c $'\tpass$' "$results")
failed=$(grep -vc $'\tpass$' "$results")

# The client x scenario table in docs/COMPATIBILITY.md (only from a run of every scenario).
if [ -z "${INTEROP_ONLY:-}" ]; then
  "$here/../table.sh" java "$results" tests/interop/java/run.sh
fi

if [ "$failed" -eq 0 ] && [ "$build_failed" -eq 0 ]; then
  rm -rf "$home"
else
  echo "java interop: the clients' logs are kept in $home/<version>/logs"
fi
echo "java interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$build_failed" -eq 0 ]
