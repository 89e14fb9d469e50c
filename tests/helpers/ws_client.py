#!/usr/bin/env python3
"""A WebSocket client over TLS for the router's tests (RFC 6455, the standard library only):
ws_client.py CA_FILE HOST PORT PATH MESSAGE... — the handshake (checking Sec-WebSocket-Accept),
then each MESSAGE as a masked text frame; prints each answer on a line of its own."""
import base64
import hashlib
import os
import socket
import ssl
import sys


def main():
    ca, host, port, path, messages = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], \
        sys.argv[5:]
    ctx = ssl.create_default_context(cafile=ca)
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                           server_hostname=host)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            sys.exit("closed during the handshake: %r" % head)
        head += chunk
    lines = head.decode().split("\r\n")
    if not lines[0].startswith("HTTP/1.1 101"):
        sys.exit("not switched: %s" % lines[0])
    expected = base64.b64encode(hashlib.sha1(
        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    if "Sec-WebSocket-Accept: " + expected not in lines:
        sys.exit("bad Sec-WebSocket-Accept: %r" % lines)
    for m in messages:
        data = m.encode()
        mask = os.urandom(4)
        sock.sendall(bytes([0x81, 0x80 | len(data)]) + mask +
                     bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        frame = sock.recv(2)
        size = frame[1] & 0x7F
        payload = b""
        while len(payload) < size:
            payload += sock.recv(size - len(payload))
        print(payload.decode(), flush=True)
    sock.sendall(bytes([0x88, 0x80]) + os.urandom(4))


if __name__ == "__main__":
    main()
