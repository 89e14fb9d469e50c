#!/usr/bin/env python3
"""Log drain benchmark (#22): `lokku up` with one app whose dyno prints RATE lines/s, and an
HTTP log drain received by this script on 127.0.0.1.

(a) the receiver keeps up: every line printed reaches it, none is reported lost (L10);
(b) the receiver stalls (its POSTs hang) while the dyno prints as much again: lokku's
    resident memory stays bounded, and once the receiver answers again every line is either
    delivered or counted by the L10 frames.
Prints the counts, the delivered rate and lokku's peak RSS. Not a test: numbers vary.
"""
import argparse
import http.server
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

PRINTER = r'''
import os, sys, time
rate = int(os.environ.get("RATE", "50000"))
total = int(os.environ.get("TOTAL", "500000"))
phase = os.environ.get("PHASE", "a")
out = sys.stdout
chunk = max(1, rate // 100)
start = time.monotonic()
i = 0
while i < total:
    for _ in range(min(chunk, total - i)):
        i += 1
        out.write("%s%08d abcdefghijklmnopqrstuvwxyz0123456789\n" % (phase, i))
    out.flush()
    ahead = start + i / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
time.sleep(3600)
'''

LINE = re.compile(rb"app printer\.1 - ([ab])(\d{8}) abcdefghijklmnopqrstuvwxyz0123456789\n$")
L10 = re.compile(rb"Error L10 \(output buffer overflow\): (\d+) messages dropped")


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        st = Receiver.state
        while st["stall"]:
            time.sleep(0.05)
        with st["lock"]:
            i = 0
            while i < len(body):
                sp = body.index(b" ", i)
                n = int(body[i:sp])
                msg = body[sp + 1:sp + 1 + n]
                i = sp + 1 + n
                m = LINE.search(msg)
                if m:
                    st["seen"][m.group(1)].add(int(m.group(2)))
                    st["last"] = time.monotonic()
                    st["first"] = st["first"] or st["last"]
                m = L10.search(msg)
                if m:
                    st["reported"] += int(m.group(1))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(argv, cwd, env):
    r = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("%s failed: %s%s" % (" ".join(argv), r.stdout, r.stderr))
    return r.stdout


def wait_quiet(st, key, want, timeout):
    """Waits until `want` lines of phase `key` arrived, or nothing arrived for 5 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with st["lock"]:
            got = len(st["seen"][key])
            last = st["last"] or time.monotonic()
        if got >= want or time.monotonic() - last > 5:
            return
        time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lokku", default=os.path.join(ROOT, "build", "release", "bin", "lokku"))
    ap.add_argument("--rate", type=int, default=50_000, help="lines per second")
    ap.add_argument("--lines", type=int, default=500_000, help="per phase")
    args = ap.parse_args()
    if not os.access(args.lokku, os.X_OK):
        sys.exit(f"{args.lokku}: not built (cmake --preset release && cmake --build --preset release)")

    st = {"lock": threading.Lock(), "seen": {b"a": set(), b"b": set()}, "reported": 0,
          "stall": False, "first": None, "last": None}
    Receiver.state = st
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    work = tempfile.mkdtemp(prefix="lokku-bench-drains-")
    env = dict(os.environ, LOKKU_HOME=os.path.join(work, "home"))
    app = os.path.join(work, "drained")
    os.makedirs(app)
    with open(os.path.join(app, "printer.py"), "w") as f:
        f.write(PRINTER)
    with open(os.path.join(app, "requirements.txt"), "w") as f:
        f.write("")
    router, api = free_port(), free_port()
    up = None
    try:
        with open(os.path.join(app, "Procfile"), "w") as f:
            f.write("printer: python3 -u printer.py\n")
        run([args.lokku, "deploy", "-a", "drained"], app, env)
        up = subprocess.Popen([args.lokku, "up", "-p", str(router), "--api-port", str(api)],
                              env=env, stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(work, "up.log"), "w"),
                              start_new_session=True)
        time.sleep(2)
        run([args.lokku, "drains:add", "http://127.0.0.1:%d/logs" % server.server_port,
             "-a", "drained"], app, env)
        for key, phase in ((b"a", "a"), (b"b", "b")):
            st["stall"] = phase == "b"
            run([args.lokku, "config:set", "RATE=%d" % args.rate, "TOTAL=%d" % args.lines,
                 "PHASE=%s" % phase, "-a", "drained"], app, env)
            if phase == "a":
                time.sleep(1)  # the platform reads the drain before the dyno prints
                run([args.lokku, "ps:scale", "printer=1", "-a", "drained"], app, env)
            started = time.monotonic()
            peak = 0.0
            while time.monotonic() - started < args.lines / args.rate + 3:
                peak = max(peak, rss_mb(up.pid))
                time.sleep(0.1)
            st["stall"] = False
            wait_quiet(st, key, args.lines, 120)
            peak = max(peak, rss_mb(up.pid))
            with st["lock"]:
                got = len(st["seen"][key])
                reported = st["reported"]
                span = (st["last"] or 0) - (st["first"] or 0)
            label = "keeps up" if phase == "a" else "stalled "
            print(f"{label}  printed {args.lines}  delivered {got}  L10-reported {reported}  "
                  f"unaccounted {max(0, args.lines - got - reported)}  "
                  f"lokku peak RSS {peak:.1f} MB")
            if phase == "a" and span > 0:
                print(f"          delivered rate {got / span:,.0f} lines/s "
                      f"(printed at {args.rate:,}/s)")
            with st["lock"]:
                st["first"] = st["last"] = None
    finally:
        if up:
            os.killpg(up.pid, signal.SIGINT)
            try:
                up.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(up.pid, signal.SIGKILL)
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
