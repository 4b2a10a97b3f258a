#!/usr/bin/env python3
"""Broker memory with peers that pipeline pulls and never read (issue 14 F4).

Starts a release broker (mqbroker --standalone) on a fresh store, fills a backlog with
mqbench, then for each count of stuck readers: opens that many connections that each send
PULLS pipelined PULL_MESSAGE requests over the backlog and never read, waits for the broker
to settle, reads its RSS from /proc, runs a normal mqbench producer beside them (its send
latency), closes the stuck connections and reads the RSS again. Prints a Markdown table.

Usage: scripts/stuck_readers.py [--bin DIR] [--backlog N] [--pulls N] [--counts 16,100]
(DIR defaults to target/release; CARGO_TARGET_DIR is honoured.)
"""

import argparse
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Broker, log, mqbench, rss  # noqa: E402

QUEUES = 4


def pull_frame(opaque, topic, queue_id, offset):
    fields = {
        "consumerGroup": "stuck_group",
        "topic": topic,
        "queueId": str(queue_id),
        "queueOffset": str(offset),
        "maxMsgNums": "32",
        "sysFlag": "4",  # FLAG_SUBSCRIPTION: the request carries its subscription
        "commitOffset": "0",
        "suspendTimeoutMillis": "0",
        "subscription": "*",
        "subVersion": "0",
        "expressionType": "TAG",
    }
    header = json.dumps(
        {"code": 11, "opaque": opaque, "flag": 0, "language": "JAVA", "version": 0, "extFields": fields}
    ).encode()
    return struct.pack(">II", 4 + len(header), len(header)) + header


def stuck_reader(port, topic, pulls, per_queue, start):
    """A connection that sends `pulls` pulls (spread over queues and offsets) and never
    reads. Returns the socket, kept open by the caller."""
    s = socket.create_connection(("127.0.0.1", port))
    frames = b"".join(
        pull_frame(i + 1, topic, (start + i) % QUEUES, ((start + i) * 32) % max(per_queue, 1))
        for i in range(pulls)
    )
    s.settimeout(2.0)
    try:
        s.sendall(frames)
    except socket.timeout:
        pass  # the broker stopped reading this peer: that is the point
    return s


def main():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "target"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(target, "release"))
    ap.add_argument("--backlog", type=int, default=400_000, help="1 KiB messages in the backlog")
    ap.add_argument("--pulls", type=int, default=2000, help="pipelined pulls per stuck reader")
    ap.add_argument("--counts", default="16,100")
    ap.add_argument("--settle", type=float, default=8.0, help="seconds before reading RSS")
    ap.add_argument("--bench-seconds", type=int, default=10)
    opts = ap.parse_args()
    counts = [int(c) for c in opts.counts.split(",")]

    store = tempfile.mkdtemp(prefix="stuck-readers-")
    broker = Broker(opts.bin, store, extra={
        "diskMaxUsedSpaceRatio": "95",
        "defaultTopicQueueNums": str(QUEUES),
        "mappedFileSizeCommitLog": str(64 * 1024 * 1024),
    })
    broker.start()
    rows = []
    try:
        mqbench(opts.bin, broker.namesrv, ["producer", "-t", "Backlog", "-w", "32", "-s", "1024", "-q", str(opts.backlog)])
        per_queue = opts.backlog // QUEUES
        # Restart, so that the backlog's pages are mapped only where pulls touch them.
        broker.stop()
        broker.start()
        time.sleep(2)

        def normal_latency():
            s, _ = mqbench(
                opts.bin,
                broker.namesrv,
                ["producer", "-t", "Normal", "-w", "4", "-s", "1024", "--rate", "5000", "-d", str(opts.bench_seconds)],
            )
            return s

        base = normal_latency()
        r0 = rss(broker.pid)
        rows.append(("0", r0, None, base))
        for n in counts:
            socks = [stuck_reader(broker.port, "Backlog", opts.pulls, per_queue, i * 7919) for i in range(n)]
            time.sleep(opts.settle)
            held = rss(broker.pid)
            beside = normal_latency()
            for s in socks:
                s.close()
            time.sleep(3)
            after = rss(broker.pid)
            rows.append((str(n), held, after, beside))
            log(n, "stuck:", held, "after close:", after, "beside:", beside)
    finally:
        broker.stop()
        shutil.rmtree(store, ignore_errors=True)

    print(f"binaries: {os.path.abspath(opts.bin)}; backlog {opts.backlog} x 1 KiB; {opts.pulls} pipelined pulls per stuck reader")
    print()
    print("| stuck readers | broker RSS (anonymous) with them | RSS (anonymous) after they close | normal producer msg/s | p99 ms | max ms | failures |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n, held, after, s in rows:
        a = f"{after['VmRSS']:.0f} MiB ({after['RssAnon']:.0f})" if after else "–"
        print(
            f"| {n} | {held['VmRSS']:.0f} MiB ({held['RssAnon']:.0f}) | {a} | "
            f"{s.get('tps', s.get('msgs_per_sec', 0)):.0f} | {s.get('p99_ms', 0)} | {s.get('max_ms', 0)} | {s.get('failures', s.get('failed', 0))} |"
        )
    print()
    print("raw summaries:", json.dumps([r[3] for r in rows]))


if __name__ == "__main__":
    main()
