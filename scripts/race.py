#!/usr/bin/env python3
"""The race (issue 16): the same workloads through mqbench against Apache RocketMQ's broker
(4.9.7, from tests/interop/java-broker) and against CometMQ's, one after the other on this
machine, each with a NameServer of its own kind. Broker CPU from /proc/<pid>/stat, RSS from
/proc/<pid>/status. Writes the table between the race markers of docs/PERFORMANCE.md.

Usage: scripts/race.py [--quick] [--repeat N] [--duration S] [--no-write]
"""

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the same helpers as the performance run)

ROOT = bench.ROOT
JAVA_DIR = os.path.join(ROOT, "tests", "interop", "java-broker")
BEGIN, END = "<!-- race:begin -->", "<!-- race:end -->"
# A fair set-up for a 2-core, 24 GiB machine: Java's runbroker.sh asks for an 8 GiB heap
# and G1; 4 GiB of heap and 4 GiB of direct memory leave room for the page cache.
JAVA_HEAP = "-Xms4g -Xmx4g -Xmn2g -XX:MaxDirectMemorySize=4g"


class JavaBroker:
    """Apache RocketMQ's NameServer + broker (ASYNC_MASTER) on fresh ports and a temp store."""

    def __init__(self, store, flush="ASYNC_FLUSH"):
        self.store = store
        os.makedirs(store, exist_ok=True)
        while True:
            self.port = bench.free_port()
            if 1026 < self.port < 65534:
                break
        self.ns_port = bench.free_port()
        self.namesrv = f"127.0.0.1:{self.ns_port}"
        with open(os.path.join(store, "namesrv.properties"), "w") as f:
            f.write(f"listenPort={self.ns_port}\n")
        props = {
            "brokerClusterName": "DefaultCluster",
            "brokerName": "broker-a",
            "brokerId": "0",
            "brokerIP1": "127.0.0.1",
            "brokerIP2": "127.0.0.1",
            "listenPort": str(self.port),
            "namesrvAddr": self.namesrv,
            "storePathRootDir": os.path.join(store, "store"),
            "storePathCommitLog": os.path.join(store, "store", "commitlog"),
            "brokerRole": "ASYNC_MASTER",
            "flushDiskType": flush,
            "autoCreateTopicEnable": "true",
            "diskMaxUsedSpaceRatio": "95",
        }
        self.conf = os.path.join(store, "broker.conf")
        with open(self.conf, "w") as f:
            f.writelines(f"{k}={v}\n" for k, v in props.items())
        self.ns = self.proc = None

    def _spawn(self, role, *args):
        env = dict(os.environ, JAVA_HEAP_OPTS=JAVA_HEAP if role == "broker" else "-Xms256m -Xmx256m")
        logf = open(os.path.join(self.store, f"{role}.log"), "a")
        return subprocess.Popen(
            [os.path.join(JAVA_DIR, "run.sh"), role, os.path.join(self.store, f"{role}-home"), *args],
            stdout=logf,
            stderr=logf,
            env=env,
        )

    def start(self):
        """Starts both; returns seconds until the broker answered a request."""
        self.ns = self._spawn("namesrv", "-c", os.path.join(self.store, "namesrv.properties"))
        t0 = time.monotonic()
        self.proc = self._spawn("broker", "-c", self.conf)
        while time.monotonic() - t0 < 300:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Java broker exited; see {self.store}/broker.log")
            if bench.remoting_call(self.port, 28, timeout=0.2) == 0:
                # Registered with its NameServer once the route of TBW102 resolves.
                time.sleep(3)
                return time.monotonic() - t0
            time.sleep(0.05)
        raise RuntimeError("the Java broker did not become ready")

    def stop(self):
        for p in (self.proc, self.ns):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    @property
    def pid(self):
        return self.proc.pid


SCENARIOS = [
    ("sync, 1 sender", "sync1", ["producer", "-t", "Bench1K", "-w", "1", "-s", "1024"], True),
    ("sync, 32 senders", "sync32", ["producer", "-t", "Bench1K", "-w", "32", "-s", "1024"], True),
    ("batches of 32, 32 senders", "batch32", ["producer", "-t", "Bench1K", "-w", "32", "-s", "1024", "-b", "32"], True),
]


JAVA_TOOL = "org.apache.rocketmq.example.benchmark.Producer"
JAVA_TOOL_WARMUP_REPORTS = 2


def java_tool(broker, threads, seconds):
    """Apache RocketMQ's own benchmark Producer (rocketmq-example 5.5.0, sync sends of 1 KiB
    from `threads` threads) against `broker` for 10 s of warm-up plus `seconds`; returns
    the mean of its 5 s "Send TPS" reports after the warm-up, and the broker's CPU time."""
    cmd = [os.path.join(JAVA_DIR, "run.sh"), "benchmark", JAVA_TOOL, "-n", broker.namesrv,
           "-t", "Bench1K", "-w", str(threads), "-s", "1024", "-ri", "5000"]
    bench.log("$", "java benchmark Producer", "-w", threads)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    tps, c0 = [], None
    deadline = time.monotonic() + 10 + seconds + 60
    for line in proc.stdout:
        if "Send TPS:" not in line:
            continue
        value = int(line.split("Send TPS:")[1].split("|")[0])
        if c0 is None and len(tps) + 1 == JAVA_TOOL_WARMUP_REPORTS:
            c0 = bench.cpu_seconds(broker.pid)
            tps.append(value)
            continue
        tps.append(value)
        if len(tps) - JAVA_TOOL_WARMUP_REPORTS >= max(1, seconds // 5) or time.monotonic() > deadline:
            break
    cpu = bench.cpu_seconds(broker.pid) - (c0 or 0)
    proc.terminate()
    proc.wait()
    timed = tps[JAVA_TOOL_WARMUP_REPORTS:]
    if not timed:
        raise RuntimeError("the Java benchmark Producer reported nothing")
    mean = sum(timed) / len(timed)
    return {"tps": mean, "sent": mean * 5 * len(timed), "broker_cpu_s": cpu, "all_tps": timed}


def race_one(kind, make, opts, work):
    """Every scenario against one broker kind; returns {key: mqbench summary}."""
    bindir, d, res = opts.bindir, str(opts.duration), {}
    b = make(os.path.join(work, f"{kind}-async"), "ASYNC_FLUSH")
    res["startup_s"] = b.start()
    time.sleep(2)
    res["idle_rss"] = bench.rss(b.pid)
    # Warm-up, not measured: the JVM compiles its hot paths in the first seconds.
    bench.mqbench(bindir, b.namesrv, ["producer", "-t", "Bench1K", "-w", "32", "-s", "1024", "-d", "10"])
    for _, key, args, timed in SCENARIOS:
        res[key] = bench.measured(b, bindir, args + ["-d", d], opts.repeat if timed else 1)
        bench.log(kind, key, round(res[key]["tps"]))
    res["javatool32"] = java_tool(b, 32, opts.duration)
    bench.log(kind, "javatool32", round(res["javatool32"]["tps"]))
    res["fill"] = bench.measured(
        b, bindir, ["producer", "-t", "Backlog", "-w", "8", "-s", "1024", "-b", "32", "-q", str(opts.backlog)]
    )
    sampler = bench.RssSampler(b.pid)
    res["drain_push"] = bench.measured(
        b, bindir, ["consumer", "-t", "Backlog", "-g", "race_push", "--from", "first", "--drain"]
    )
    res["drain_rss_peak"], _ = sampler.done()
    bench.log(kind, "drain", round(res["drain_push"]["tps"]))
    b.stop()
    shutil.rmtree(b.store, ignore_errors=True)
    b = make(os.path.join(work, f"{kind}-sync"), "SYNC_FLUSH")
    b.start()
    res["syncflush64"] = bench.measured(
        b, bindir, ["producer", "-t", "Bench1K", "-w", "64", "-s", "1024", "-d", d], opts.repeat
    )
    bench.log(kind, "syncflush64", round(res["syncflush64"]["tps"]))
    b.stop()
    shutil.rmtree(b.store, ignore_errors=True)
    return res


def report(res, argv):
    m, java, comet = res["machine"], res["java"], res["cometmq"]
    rows = []
    for name, key in [
        ("sync, 1 sender", "sync1"),
        ("sync, 32 senders", "sync32"),
        ("batches of 32, 32 senders", "batch32"),
        ("sync, 32 threads of Java's own benchmark Producer (rocketmq-example 5.5.0)", "javatool32"),
        ("SYNC_FLUSH, 64 senders", "syncflush64"),
        (f"fill a backlog of {java['fill']['sent']:,} (batches of 32, 8 senders)", "fill"),
        ("drain it, push consumer", "drain_push"),
    ]:
        j, c = java[key], comet[key]
        p99 = lambda s: s.get("p99_ms", s.get("e2e_p99_ms"))  # noqa: E731
        fmt = lambda v: f"{v:.2f}" if isinstance(v, (int, float)) else "—"  # noqa: E731
        rows.append(
            f"| {name} | {j['tps']:,.0f} | {c['tps']:,.0f} | **{c['tps'] / j['tps']:.2f}×** | "
            f"{fmt(p99(j))} / {fmt(p99(c))} | {bench.us_per_msg(j):.1f} / {bench.us_per_msg(c):.1f} |"
        )
    rss = lambda r: f"{r['VmRSS']:.0f} MiB"  # noqa: E731
    return "\n".join(
        [
            BEGIN,
            f"Run {res['date']} with `scripts/race.py {' '.join(argv)}`: Apache RocketMQ {res['java_version']} "
            f"(JDK 17, `{JAVA_HEAP} -XX:+UseG1GC`, its own NameServer) against CometMQ (release build, "
            "its own NameServer), one after the other, the same `mqbench` workloads, 1 KiB bodies, "
            f"after a 10 s unmeasured warm-up of each broker, median of {res['repeat']} timed runs.",
            "",
            f"Machine: {m['cores']} cores ({m['cpu']}), {m['mem_gib']} GiB; the disk takes "
            f"{m['fsyncs_per_s']} fsyncs/s; load average {m['load']:.1f} at the start.",
            "",
            "| workload | Java msg/s | CometMQ msg/s | CometMQ / Java | p99 ms Java / CometMQ | broker CPU µs/msg Java / CometMQ |",
            "| --- | --- | --- | --- | --- | --- |",
            *rows,
            f"| broker RSS idle | {rss(java['idle_rss'])} | {rss(comet['idle_rss'])} | | | |",
            f"| broker RSS peak while draining | {java['drain_rss_peak']:.0f} MiB | {comet['drain_rss_peak']:.0f} MiB | | | |",
            f"| start-up, empty store | {java['startup_s']:.1f} s | {comet['startup_s'] * 1000:.0f} ms | | | |",
            END,
        ]
    )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bindir", default=os.path.join(ROOT, "target", "release"))
    p.add_argument("--workdir", default=None)
    p.add_argument("--duration", type=int, default=20)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--backlog", type=int, default=1_000_000)
    p.add_argument("--quick", action="store_true", help="5 s runs, 200 K backlog, 1 repeat")
    p.add_argument("--no-write", action="store_true")
    opts = p.parse_args()
    if opts.quick:
        opts.duration, opts.backlog, opts.repeat = 5, 200_000, 1
    subprocess.run([os.path.join(JAVA_DIR, "run.sh"), "fetch"], check=True)
    work = tempfile.mkdtemp(prefix="cometmq-race-", dir=opts.workdir)
    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "repeat": opts.repeat}
    res["java_version"] = os.environ.get("ROCKETMQ_VERSION", "4.9.7")
    try:
        res["machine"] = bench.machine(work)
        res["java"] = race_one("java", lambda s, f: JavaBroker(s, f), opts, work)
        res["cometmq"] = race_one("cometmq", lambda s, f: bench.Broker(opts.bindir, s, flush=f), opts, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report(res, sys.argv[1:])
    print(text)
    if not opts.no_write:
        doc = open(bench.DOC).read()
        if BEGIN not in doc:
            doc += f"\n## Side by side with Apache RocketMQ\n\n{BEGIN}\n{END}\n"
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(bench.DOC, "w") as f:
            f.write(head + text + tail)
        bench.log("wrote", bench.DOC)


if __name__ == "__main__":
    main()
