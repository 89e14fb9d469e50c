"""A web dyno for router tests: raw sockets, so it can also misbehave on purpose.

Binds $PORT on every interface and answers by path (the query string is ignored unless
noted). Every connection is served by its own thread; keep-alive is honoured.

  /headers        200, body = JSON of the request line, headers and client port
  /sleep?s=N      waits N seconds, then 200
  /close          reads the request, closes without a byte (H13)
  /garbage        answers bytes that are not HTTP (H17)
  /noreason       a status line without a reason phrase (H17)
  /partial        promises 100 bytes, sends 10, closes (H18)
  /stall          promises 100 bytes, sends 10, then waits (H15)
  /chunked        a chunked 200 response (?coding=C: Transfer-Encoding C before chunked)
  /download?n=N   200 with N bytes, streamed
  /upload         reads the body (Content-Length or chunked), answers its size
  /upgrade        101 Switching Protocols, then echoes bytes upper-cased;
                  ?ticks=N&every=S first sends N dots, S seconds apart
  /hop            a response carrying hop-by-hop headers
  /closeafter     200 without `Connection: close`, then closes the connection at once
Environment: REFUSE_DYNO=web.1 makes that dyno stop listening 0.5 s after binding (while
staying alive), so connects to it are refused.
"""
import json
import os
import socket
import sys
import threading
import time


def read_head(conn, buf):
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, buf
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def read_body(conn, headers, rest):
    """Returns (size, leftover)."""
    te = headers.get("transfer-encoding", "").lower()
    if "chunked" in te:
        size = 0
        buf = rest
        while True:
            while b"\r\n" not in buf:
                buf += conn.recv(65536)
            line, _, buf = buf.partition(b"\r\n")
            n = int(line.split(b";")[0], 16)
            while len(buf) < n + 2:
                data = conn.recv(1 << 20)
                if not data:
                    return size, b""
                buf += data
            size += n
            buf = buf[n + 2:]
            if n == 0:
                return size, buf
    n = int(headers.get("content-length", "0"))
    size = len(rest)
    while size < n:
        data = conn.recv(min(1 << 20, n - size))
        if not data:
            break
        size += len(data)
    return n, rest[n:] if len(rest) > n else b""


def respond(conn, status, body=b"", headers=()):
    head = "HTTP/1.1 %s\r\nContent-Length: %d\r\n" % (status, len(body))
    for k, v in headers:
        head += "%s: %s\r\n" % (k, v)
    conn.sendall(head.encode() + b"\r\n" + body)


def serve(conn, addr):
    buf = b""
    try:
        while True:
            head, rest = read_head(conn, buf)
            if head is None:
                return
            lines = head.split("\r\n")
            method, target, version = lines[0].split(" ", 2)
            headers = {}
            raw = []
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
                raw.append([k.strip(), v.strip()])
            path, _, query = target.partition("?")
            params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            size, buf = read_body(conn, headers, rest)
            if path == "/headers":
                body = json.dumps({"method": method, "target": target, "version": version,
                                   "headers": raw, "client_port": addr[1],
                                   "dyno": os.environ.get("DYNO")}).encode()
                respond(conn, "200 OK", body, [("Content-Type", "application/json")])
            elif path == "/sleep":
                time.sleep(float(params.get("s", "1")))
                respond(conn, "200 OK", b"slept\n")
            elif path == "/close":
                return
            elif path == "/garbage":
                conn.sendall(b"THIS IS NOT HTTP\r\n\r\n")
                return
            elif path == "/noreason":
                conn.sendall(b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok")
                return
            elif path == "/bigcookie":
                conn.sendall(b"HTTP/1.1 200 OK\r\nSet-Cookie: a=" + b"c" * 9000 +
                             b"\r\nContent-Length: 2\r\n\r\nok")
                return
            elif path == "/bigstatus":
                conn.sendall(b"HTTP/1.1 200 " + b"O" * 9000 + b"\r\nContent-Length: 2\r\n\r\nok")
                return
            elif path == "/partial":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                time.sleep(0.2)
                return
            elif path == "/stall":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                time.sleep(600)
                return
            elif path == "/slowbody":
                # the head and half the body now, the rest after ?s= seconds
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
                time.sleep(float(params.get("s", "1")))
                conn.sendall(b"56789")
            elif path == "/chunked":
                # ?coding=gzip: a second coding before chunked (its bytes are not really
                # gzip: the router passes codings through without reading them)
                coding = params.get("coding")
                te = b"Transfer-Encoding: %s\r\n" % coding.encode() if coding else b""
                conn.sendall(b"HTTP/1.1 200 OK\r\n" + te + b"Transfer-Encoding: chunked\r\n\r\n"
                             b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            elif path == "/download":
                n = int(params.get("n", "0"))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
                block = b"x" * (1 << 20)
                sent = 0
                while sent < n:
                    k = min(len(block), n - sent)
                    conn.sendall(block[:k])
                    sent += k
            elif path == "/upload":
                respond(conn, "200 OK", b"%d" % size)
            elif path == "/upgrade":
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n"
                             b"Connection: Upgrade\r\n\r\n")
                for _ in range(int(params.get("ticks", "0"))):
                    time.sleep(float(params.get("every", "1")))
                    conn.sendall(b".")
                while True:
                    data = conn.recv(65536)
                    if not data:
                        return
                    conn.sendall(data.upper())
            elif path == "/closeafter":
                respond(conn, "200 OK", b"bye")
                return
            elif path == "/hop":
                respond(conn, "200 OK", b"hop", [("Keep-Alive", "timeout=5"),
                                                  ("Proxy-Authorization", "x"),
                                                  ("X-App", "kept")])
            else:
                respond(conn, "404 Not Found", b"no such path\n")
            if headers.get("connection", "").lower() == "close":
                return
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def main():
    port = int(os.environ["PORT"])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(128)
    print("listening on %d" % port, flush=True)
    if os.environ.get("REFUSE_DYNO") == os.environ.get("DYNO"):
        time.sleep(0.5)
        srv.close()
        print("stopped listening", flush=True)
        time.sleep(600)
        return
    while True:
        conn, addr = srv.accept()
        threading.Thread(target=serve, args=(conn, addr), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
