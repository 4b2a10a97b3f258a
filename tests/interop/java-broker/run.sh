#!/usr/bin/env bash
# Starts Apache RocketMQ's NameServer or broker (the jars `mvn dependency:copy-dependencies`
# puts in target/lib-VERSION) in the foreground, sized for a 2-core test machine.
#
#   run.sh namesrv HOME [-c namesrv.properties]     (listenPort in the file; default 9876)
#   run.sh broker  HOME -c broker.conf
#   run.sh fetch                                    (only fetch the jars)
#   run.sh benchmark CLASS [args]                   (rocketmq-example 5.5.0's benchmark tools,
#                                                    e.g. org.apache.rocketmq.example.benchmark.Producer)
#
# ROCKETMQ_VERSION picks the release (default 4.9.7, the newest 4.x that resolves here;
# 5.5.0 for the 5.x side-by-side runs).
# HOME isolates a run: logs, the default store and the kvConfig go under it (user.home).
# JAVA_HEAP_OPTS replaces the small default heap flags (the benchmark gives it more).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${ROCKETMQ_VERSION:-4.9.7}"
lib="$here/target/lib-$version"
if [ ! -d "$lib" ]; then
  (cd "$here" && mvn -q -B dependency:copy-dependencies -Drocketmq.version="$version" \
    -DoutputDirectory="target/lib-$version.part") && mv "$here/target/lib-$version.part" "$lib"
fi
role="$1"
[ "$role" = fetch ] && exit 0
if [ "$role" = benchmark ]; then
  # The tools' own release: rocketmq-example resolves here only at 5.5.0.
  example="$here/target/example-5.5.0"
  if [ ! -d "$example" ]; then
    (cd "$here" && mvn -q -B -Pexample dependency:copy-dependencies -Drocketmq.version=5.5.0 \
      -DoutputDirectory="target/example-5.5.0.part") && mv "$example.part" "$example"
  fi
  shift
  exec java -Xms1g -Xmx1g -XX:+UseG1GC -Duser.home="${TMPDIR:-/tmp}" -cp "$example/*" "$@"
fi
home="$2"; shift 2
mkdir -p "$home"
case "$role" in
  namesrv) main=org.apache.rocketmq.namesrv.NamesrvStartup; heap=(-Xms128m -Xmx256m) ;;
  broker)  main=org.apache.rocketmq.broker.BrokerStartup
           heap=(-Xms512m -Xmx512m -XX:MaxDirectMemorySize=512m) ;;
  *) echo "usage: run.sh namesrv|broker HOME [args]" >&2; exit 2 ;;
esac
if [ -n "${JAVA_HEAP_OPTS:-}" ]; then read -r -a heap <<< "$JAVA_HEAP_OPTS"; fi
exec java "${heap[@]}" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
  --add-opens java.base/java.nio=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-exports java.base/sun.nio.ch=ALL-UNNAMED \
  -Drocketmq.home.dir="$here" -Duser.home="$home" \
  -cp "$lib/*" "$main" "$@"
