#!/usr/bin/env python3
"""CometMQ's performance run (issue 10): starts a release NameServer + broker, runs each
scenario with mqbench, reads the broker's CPU time and RSS from /proc, and writes the
results between the markers of docs/PERFORMANCE.md.

Usage: scripts/bench.sh [--quick] [--duration S] [--repeat N] [--big-store-gib N] [--no-write]
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "PERFORMANCE.md")
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 60000:
            return port


# ----------------------------------------------------------------------------- /proc


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss(pid):
    """VmRSS, RssAnon, RssFile in MiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024
    return out


class RssSampler:
    """Polls a process's RSS every 100 ms and keeps the peak."""

    def __init__(self, pid):
        self.pid, self.peak, self.peak_anon, self.stop = pid, 0.0, 0.0, False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                r = rss(self.pid)
                self.peak = max(self.peak, r["VmRSS"])
                self.peak_anon = max(self.peak_anon, r["RssAnon"])
            except OSError:
                return
            time.sleep(0.1)

    def done(self):
        self.stop = True
        self.t.join()
        return self.peak, self.peak_anon


# ----------------------------------------------------------------------------- processes


def remoting_call(port, code, timeout=0.5):
    """One JSON-header request; returns the response code or None."""
    header = json.dumps(
        {"code": code, "opaque": 1, "flag": 0, "language": "JAVA", "version": 0, "extFields": {}}
    ).encode()
    frame = struct.pack(">II", 4 + len(header), len(header)) + header
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(frame)
            head = s.recv(8, socket.MSG_WAITALL)
            if len(head) < 8:
                return None
            total, hlen = struct.unpack(">II", head)
            body = b""
            while len(body) < total - 4:
                chunk = s.recv(total - 4 - len(body))
                if not chunk:
                    return None
                body += chunk
            return json.loads(body[: hlen & 0xFFFFFF])["code"]
    except (OSError, ValueError):
        return None


class Broker:
    """mqbroker --standalone (embedded NameServer, no console) on fresh ports and the given store."""

    def __init__(self, bindir, store, flush="ASYNC_FLUSH", extra=None):
        self.port, self.ns_port = free_port(), free_port()
        self.store = store
        conf = os.path.join(store, "broker.conf")
        os.makedirs(store, exist_ok=True)
        props = {
            "brokerClusterName": "DefaultCluster",
            "brokerName": "broker-a",
            "brokerId": "0",
            "listenPort": str(self.port),
            "storePathRootDir": os.path.join(store, "store"),
            "brokerRole": "ASYNC_MASTER",
            "flushDiskType": flush,
            "autoCreateTopicEnable": "true",
        }
        props.update(extra or {})
        with open(conf, "w") as f:
            f.writelines(f"{k} = {v}\n" for k, v in props.items())
        self.cmd = [
            os.path.join(bindir, "mqbroker"),
            "-c",
            conf,
            "--standalone",
            "--namesrv-port",
            str(self.ns_port),
            # The broker alone (Java's has no console either), and no clash on port 8080.
            "--no-console",
        ]
        self.namesrv = f"127.0.0.1:{self.ns_port}"
        self.proc = None

    def start(self):
        """Starts the broker; returns seconds until it answered a request."""
        logf = open(os.path.join(self.store, "broker.log"), "a")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=logf, stderr=logf)
        deadline = t0 + 600
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mqbroker exited with {self.proc.returncode}; see {logf.name}")
            # GET_BROKER_RUNTIME_INFO (28): answered once the broker serves.
            if remoting_call(self.port, 28, timeout=0.2) == 0:
                return time.monotonic() - t0
            time.sleep(0.005)
        raise RuntimeError("mqbroker did not become ready")

    def stop(self):
        """SIGTERM (clean stop) and wait."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def pid(self):
        return self.proc.pid


def mqbench(bindir, namesrv, args):
    """Runs mqbench; returns (its JSON summary, its own CPU seconds)."""
    cmd = [os.path.join(bindir, "mqbench")] + args + ["-n", namesrv]
    log("$", "mqbench", " ".join(args))
    before = os.times()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    summary = None
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            summary = json.loads(line)
    if out.returncode != 0 or summary is None:
        raise RuntimeError(f"mqbench {' '.join(args)} failed ({out.returncode}): {out.stderr[-2000:]}")
    return summary, cpu


def measured(broker, bindir, args, repeat=1):
    """mqbench against `broker`, with the broker's CPU time over the run. With `repeat`,
    runs it that many times and keeps the run of median throughput (this VM's speed
    varies by ±15 % from one run to the next), noting every run's msg/s."""
    runs = []
    for _ in range(repeat):
        c0 = cpu_seconds(broker.pid)
        summary, client_cpu = mqbench(bindir, broker.namesrv, args)
        summary["broker_cpu_s"] = cpu_seconds(broker.pid) - c0
        summary["client_cpu_s"] = client_cpu
        runs.append(summary)
    runs.sort(key=lambda r: r["tps"])
    median = runs[len(runs) // 2]
    median["all_tps"] = [round(r["tps"]) for r in runs]
    return median


# ----------------------------------------------------------------------------- machine


def fsync_rate(directory, seconds=2.0):
    """4 KiB write + fdatasync per iteration, like a SYNC_FLUSH commit."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    buf = b"x" * 4096
    n, t0 = 0, time.monotonic()
    try:
        while time.monotonic() - t0 < seconds:
            os.write(fd, buf)
            os.fdatasync(fd)
            n += 1
    finally:
        os.close(fd)
        os.unlink(path)
    return n / (time.monotonic() - t0)


def machine(directory):
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "mem_gib": round(mem_kb / 1024 / 1024, 1),
        "fsyncs_per_s": round(fsync_rate(directory)),
        "kernel": os.uname().release,
        "load": os.getloadavg()[0],
    }


# ----------------------------------------------------------------------------- scenarios


def run(opts):
    bindir = opts.bindir
    d = opts.duration
    work = tempfile.mkdtemp(prefix="cometmq-bench-", dir=opts.workdir)
    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    try:
        res["machine"] = machine(work)
        log("machine", res["machine"])

        # ASYNC_FLUSH broker: start-up, idle RSS, sends, backlog.
        b = Broker(bindir, os.path.join(work, "async"))
        res["startup_empty_s"] = b.start()
        time.sleep(2)
        res["idle_rss"] = rss(b.pid)
        log("start-up", res["startup_empty_s"], "idle", res["idle_rss"])
        res["sync32"] = measured(b, bindir, ["producer", "-t", "Bench1K", "-w", "32", "-s", "1024", "-d", str(d)], opts.repeat)
        res["sync1"] = measured(b, bindir, ["producer", "-t", "Bench1K", "-w", "1", "-s", "1024", "-d", str(d)], opts.repeat)
        res["batch32"] = measured(
            b, bindir, ["producer", "-t", "Bench1K", "-w", "32", "-s", "1024", "-b", "32", "-d", str(d)], opts.repeat
        )
        backlog = str(opts.backlog)
        res["fill"] = measured(
            b, bindir, ["producer", "-t", "Backlog", "-w", "8", "-s", "1024", "-b", "32", "-q", backlog]
        )
        res["backlog_rss"] = rss(b.pid)
        sampler = RssSampler(b.pid)
        res["drain_push"] = measured(
            b, bindir, ["consumer", "-t", "Backlog", "-g", "bench_push", "--from", "first", "--drain"]
        )
        res["drain_rss_peak"], res["drain_rss_peak_anon"] = sampler.done()
        res["drain_pull"] = measured(
            b, bindir, ["consumer", "-t", "Backlog", "-g", "bench_pull", "--from", "first", "--drain", "--pull-loop"]
        )
        res["after_drain_rss"] = rss(b.pid)
        b.stop()
        shutil.rmtree(b.store, ignore_errors=True)

        # SYNC_FLUSH broker: group commit.
        b = Broker(bindir, os.path.join(work, "sync"), flush="SYNC_FLUSH")
        b.start()
        res["syncflush64"] = measured(b, bindir, ["producer", "-t", "Bench1K", "-w", "64", "-s", "1024", "-d", str(d)], opts.repeat)
        b.stop()
        shutil.rmtree(b.store, ignore_errors=True)

        # Start-up on a big store after a clean stop.
        if opts.big_store_gib > 0:
            b = Broker(bindir, os.path.join(work, "big"))
            b.start()
            n = int(opts.big_store_gib * 1024 * 1024 * 1024 / 1100)
            res["big_fill"] = measured(
                b, bindir, ["producer", "-t", "BigStore", "-w", "8", "-s", "1024", "-b", "32", "-q", str(n)]
            )
            b.stop()
            size = sum(
                os.path.getsize(os.path.join(dp, f))
                for dp, _, fs in os.walk(os.path.join(b.store, "store"))
                for f in fs
            )
            res["big_store_gib"] = size / 1024**3
            res["startup_big_s"] = b.start()
            res["startup_big_rss"] = rss(b.pid)
            b.stop()
            shutil.rmtree(b.store, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


# ----------------------------------------------------------------------------- report


def us_per_msg(s, key="broker_cpu_s"):
    n = s.get("sent") or s.get("received") or 0
    return s[key] * 1e6 / n if n else float("nan")


def report(res, argv):
    m = res["machine"]
    rows = []

    def row(measure, target, result, ok):
        rows.append(f"| {measure} | {target} | {result} | {'met' if ok else '**missed**'} |")

    s = res["sync32"]
    row(
        "sync sends, 32 senders, ASYNC_FLUSH",
        "≥ 50 K msg/s, p99 ≤ 5 ms",
        f"{s['tps']:,.0f} msg/s, p99 {s['p99_ms']:.2f} ms",
        s["tps"] >= 50_000 and s["p99_ms"] <= 5,
    )
    s = res["batch32"]
    row("batched sends (32 per batch), 32 senders", "≥ 300 K msg/s", f"{s['tps']:,.0f} msg/s", s["tps"] >= 300_000)
    s = res["syncflush64"]
    row(
        "SYNC_FLUSH, 64 senders (group commit)",
        "≥ 20 K msg/s",
        f"{s['tps']:,.0f} msg/s, p99 {s['p99_ms']:.2f} ms",
        s["tps"] >= 20_000,
    )
    s = res["drain_push"]
    row(
        f"push consumer, backlog of {res['fill']['sent']:,}",
        "≥ 300 K msg/s",
        f"{s['tps']:,.0f} msg/s (raw pull loop {res['drain_pull']['tps']:,.0f})",
        s["tps"] >= 300_000,
    )
    cpu = us_per_msg(res["sync32"])
    row("broker CPU per message, sync sends, 32 senders", "≤ 15 µs", f"{cpu:.1f} µs (user+sys)", cpu <= 15)
    idle = res["idle_rss"]["VmRSS"]
    row(
        "broker idle RSS",
        "< 64 MB",
        f"{idle:.1f} MiB (anon {res['idle_rss']['RssAnon']:.1f}, file-mapped {res['idle_rss']['RssFile']:.1f})",
        idle < 64,
    )
    peak_anon = res["drain_rss_peak_anon"]
    row(
        "broker RSS with a 1 M backlog",
        "bounded, not proportional to the backlog",
        f"after the fill {res['backlog_rss']['VmRSS']:.0f} MiB (anon {res['backlog_rss']['RssAnon']:.1f}); "
        f"peak while draining {res['drain_rss_peak']:.0f} MiB (anon {peak_anon:.1f})",
        peak_anon < 256,
    )
    row("start-up, empty store", "< 1 s", f"{res['startup_empty_s'] * 1000:.0f} ms", res["startup_empty_s"] < 1)
    if "startup_big_s" in res:
        row(
            f"start-up, {res['big_store_gib']:.1f} GiB store after a clean stop",
            "< 5 s",
            f"{res['startup_big_s'] * 1000:.0f} ms",
            res["startup_big_s"] < 5,
        )

    lines = [
        BEGIN,
        f"Run {res['date']} with `scripts/bench.sh {' '.join(argv)}`.",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['mem_gib']} GiB, kernel {m['kernel']}; "
        f"the disk takes {m['fsyncs_per_s']} fsyncs/s (4 KiB write + fdatasync); "
        f"load average {m['load']:.1f} at the start. Broker and mqbench share the machine, over loopback.",
        "",
        "| measure | target | result | |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
        "Every run, as mqbench reported it (CPU seconds from `/proc/<pid>/stat` for the broker, "
        "from `wait4` for mqbench). Timed producer runs are repeated; the table above and the "
        "first columns here are the run of median throughput:",
        "",
        "| run | mqbench | msg/s | p99 ms | broker CPU µs/msg | mqbench CPU µs/msg | msg/s of each repeat |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    runs = [
        ("sync, 1 sender", "sync1", "producer -t Bench1K -w 1 -s 1024"),
        ("sync, 32 senders", "sync32", "producer -t Bench1K -w 32 -s 1024"),
        ("batches of 32, 32 senders", "batch32", "producer -t Bench1K -w 32 -s 1024 -b 32"),
        ("fill the backlog", "fill", "producer -t Backlog -w 8 -s 1024 -b 32 -q N"),
        ("drain, push consumer", "drain_push", "consumer -t Backlog -g bench_push --from first --drain"),
        ("drain, raw pull loop", "drain_pull", "consumer -t Backlog -g bench_pull --from first --drain --pull-loop"),
        ("SYNC_FLUSH, 64 senders", "syncflush64", "producer -t Bench1K -w 64 -s 1024 (flushDiskType=SYNC_FLUSH)"),
    ]
    if "big_fill" in res:
        runs.append(("fill the big store", "big_fill", "producer -t BigStore -w 8 -s 1024 -b 32 -q N"))
    for name, key, cmd in runs:
        s = res[key]
        p99 = s.get("p99_ms", s.get("e2e_p99_ms"))
        p99 = f"{p99:.2f}" if isinstance(p99, (int, float)) else "—"
        repeats = ", ".join(f"{t:,}" for t in s.get("all_tps", [])) or "—"
        lines.append(
            f"| {name} | `mqbench {cmd}` | {s['tps']:,.0f} | {p99} | {us_per_msg(s):.1f} | "
            f"{us_per_msg(s, 'client_cpu_s'):.1f} | {repeats} |"
        )
    lines += ["", "Raw results: `" + json.dumps(res, sort_keys=True) + "`", END]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bindir", default=os.path.join(ROOT, "target", "release"))
    p.add_argument("--workdir", default=None, help="where the temporary stores go (default: $TMPDIR)")
    p.add_argument("--duration", type=int, default=20, help="seconds per timed producer run")
    p.add_argument("--repeat", type=int, default=3, help="timed producer runs per scenario (median kept)")
    p.add_argument("--backlog", type=int, default=1_000_000)
    p.add_argument("--big-store-gib", type=float, default=10)
    p.add_argument("--quick", action="store_true", help="5 s runs, 200 K backlog, 1 GiB big store")
    p.add_argument("--no-write", action="store_true", help="print the results, leave docs/PERFORMANCE.md")
    opts = p.parse_args()
    if opts.quick:
        opts.duration, opts.backlog, opts.big_store_gib, opts.repeat = 5, 200_000, 1, 1
    res = run(opts)
    text = report(res, sys.argv[1:])
    print(text)
    if not opts.no_write:
        doc = open(DOC).read() if os.path.exists(DOC) else f"# Performance\n\n{BEGIN}\n{END}\n"
        if BEGIN not in doc or END not in doc:
            doc += f"\n{BEGIN}\n{END}\n"
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(DOC, "w") as f:
            f.write(head + text + tail)
        log("wrote", DOC)


if __name__ == "__main__":
    main()
