#!/usr/bin/env python3
"""What a broker's things cost in memory (docs/RESOURCES.md): an idle connection, a held
(long-polling) pull, a topic, a queue with messages. Starts a release broker
(mqbroker --standalone) on a fresh store and reads its RSS from /proc before and after
creating many of each. Prints a Markdown table.

Usage: scripts/resources.py [--bin DIR] [--n N]
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
from bench import Broker, log, rss  # noqa: E402


def frame(code, opaque, fields, body=b""):
    header = json.dumps(
        {"code": code, "opaque": opaque, "flag": 0, "language": "JAVA", "version": 0, "extFields": fields}
    ).encode()
    return struct.pack(">II", 4 + len(header) + len(body), len(header)) + header + body


def read_answer(s):
    head = s.recv(8, socket.MSG_WAITALL)
    total, hlen = struct.unpack(">II", head)
    rest = s.recv(total - 4, socket.MSG_WAITALL)
    return json.loads(rest[: hlen & 0xFFFFFF])


def call(s, code, fields, body=b""):
    s.sendall(frame(code, 1, fields, body))
    answer = read_answer(s)
    if answer["code"] != 0:
        raise RuntimeError(f"request {code} failed: {answer}")
    return answer


def create_topic(s, topic, queues):
    call(
        s,
        17,
        {
            "topic": topic,
            "defaultTopic": "TBW102",
            "readQueueNums": str(queues),
            "writeQueueNums": str(queues),
            "perm": "6",
            "topicFilterType": "SINGLE_TAG",
            "topicSysFlag": "0",
            "order": "false",
        },
    )


def send(s, topic, queue_id, body):
    call(
        s,
        10,
        {
            "producerGroup": "resources",
            "topic": topic,
            "defaultTopic": "TBW102",
            "defaultTopicQueueNums": "4",
            "queueId": str(queue_id),
            "sysFlag": "0",
            "bornTimestamp": str(int(time.time() * 1000)),
            "flag": "0",
            "properties": "",
            "reconsumeTimes": "0",
            "unitMode": "false",
        },
        body,
    )


def settle(pid, secs=2.0):
    time.sleep(secs)
    return rss(pid)


def per(before, after, n):
    """KiB per item: total and anonymous."""
    return (
        (after["VmRSS"] - before["VmRSS"]) * 1024 / n,
        (after["RssAnon"] - before["RssAnon"]) * 1024 / n,
    )


def main():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "target"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(target, "release"))
    ap.add_argument("--n", type=int, default=1000)
    opts = ap.parse_args()
    n = opts.n
    store = tempfile.mkdtemp(prefix="resources-")
    broker = Broker(opts.bin, store, extra={"diskMaxUsedSpaceRatio": "95"})
    broker.start()
    rows = []
    try:
        admin = socket.create_connection(("127.0.0.1", broker.port))
        base = settle(broker.pid)

        # Idle connections (each sends one heartbeat-free request so it is fully set up).
        conns = []
        for _ in range(n):
            c = socket.create_connection(("127.0.0.1", broker.port))
            call(c, 28, {})  # GET_BROKER_RUNTIME_INFO
            conns.append(c)
        after = settle(broker.pid)
        rows.append(("idle connection", n, per(base, after, n)))
        for c in conns:
            c.close()
        base = settle(broker.pid)

        # Held pulls: long polling on an empty queue, all on one connection.
        create_topic(admin, "Empty", 1)
        hold = socket.create_connection(("127.0.0.1", broker.port))
        frames = b"".join(
            frame(
                11,
                i + 1,
                {
                    "consumerGroup": "holders",
                    "topic": "Empty",
                    "queueId": "0",
                    "queueOffset": "0",
                    "maxMsgNums": "32",
                    "sysFlag": str(2 | 4),  # SUSPEND | SUBSCRIPTION
                    "commitOffset": "0",
                    "suspendTimeoutMillis": "60000",
                    "subscription": "*",
                    "subVersion": "0",
                    "expressionType": "TAG",
                },
            )
            for i in range(n)
        )
        base = settle(broker.pid)
        hold.sendall(frames)
        after = settle(broker.pid)
        rows.append(("held (long-polling) pull", n, per(base, after, n)))
        hold.close()
        base = settle(broker.pid)

        # Topics of 4 queues, no message.
        for i in range(n):
            create_topic(admin, f"Topic{i}", 4)
        after = settle(broker.pid)
        rows.append(("topic (4 queues, no message)", n, per(base, after, n)))
        base = after

        # Queues that hold a message: one 100-byte message in each queue of the topics above.
        for i in range(n):
            for q in range(4):
                send(admin, f"Topic{i}", q, b"x" * 100)
        after = settle(broker.pid, 4.0)
        rows.append(("queue with messages (1 x 100 B each)", 4 * n, per(base, after, 4 * n)))
        admin.close()
    finally:
        broker.stop()
        shutil.rmtree(store, ignore_errors=True)

    print(f"binaries: {os.path.abspath(opts.bin)}")
    print()
    print("| item | count | RSS per item | anonymous per item |")
    print("| --- | --- | --- | --- |")
    for what, count, (total, anon) in rows:
        print(f"| {what} | {count} | {total:.1f} KiB | {anon:.1f} KiB |")


if __name__ == "__main__":
    main()
