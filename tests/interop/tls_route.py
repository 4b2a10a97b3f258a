#!/usr/bin/env python3
"""An outside TLS client: Python's ssl module sends one RocketMQ remoting frame
(GET_ROUTEINFO_BY_TOPIC) to a NameServer and prints the answer's header as JSON.

usage: tls_route.py HOST:PORT TOPIC CA_PEM [CLIENT_CERT CLIENT_KEY]
"""
import json
import socket
import ssl
import struct
import sys

GET_ROUTEINFO_BY_TOPIC = 105


def frame(code, opaque, ext):
    header = json.dumps({"code": code, "language": "PYTHON", "version": 0,
                         "opaque": opaque, "flag": 0, "extFields": ext}).encode()
    # length word: 4 (header length word) + header; header length word: JSON (0) << 24.
    return struct.pack(">ii", 4 + len(header), len(header)) + header


def read_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(out), n))
        out += chunk
    return out


def main():
    addr, topic, ca = sys.argv[1], sys.argv[2], sys.argv[3]
    host, port = addr.rsplit(":", 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(cafile=ca)
    if len(sys.argv) > 5:
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with ctx.wrap_socket(raw) as sock:
            sock.sendall(frame(GET_ROUTEINFO_BY_TOPIC, 7, {"topic": topic}))
            length, = struct.unpack(">i", read_exact(sock, 4))
            body = read_exact(sock, length)
            header_len = struct.unpack(">i", body[:4])[0] & 0xFFFFFF
            header = json.loads(body[4:4 + header_len])
            print(json.dumps({"tls": sock.version(), "code": header.get("code"),
                              "opaque": header.get("opaque"),
                              "remark": header.get("remark")}))


if __name__ == "__main__":
    main()
