#!/usr/bin/env python3
"""What watching an app costs the router (#22): wrk against the same static backend (nginx as
the web dyno) through three proxies, in one run:

  observed  `lokku up` with metrics on and two log drains (an HTTPS-style HTTP drain and a
            syslog TCP drain), so every request is measured and its router line is sent to
            both drains;
  plain     `lokku up --no-metrics` with no drains;
  nginx     nginx as a reverse proxy with an access log (buffered), as bench/router.py.

Each round measures the three once, in an order reversed from one round to the next; the
ratios are taken round by round, then their median (the host's speed drifts). The target is
observed/plain throughput ≥ 0.97. The drains' receivers are cheap on purpose (nginx that
discards each POST, logging its Logplex-Msg-Count; a socket this script reads and discards),
and the run ends by counting what reached them against the router lines written, and what
lokku reported lost (L10). Not a test: the numbers are this machine's.
"""
import argparse
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
from statistics import median, quantiles

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from router import (BACKEND_CONF, NGINX_PROXY_CONF, free_port, process_tree,  # noqa: E402
                    tear_down, wait_port, wrk)

RECEIVER_CONF = """
worker_processes 1;
pid {dir}/receiver.pid;
error_log stderr error;
events {{ worker_connections 1024; }}
http {{
  client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
  uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
  client_body_buffer_size 256k;
  log_format drained '$http_logplex_msg_count';
  server {{
    listen 127.0.0.1:{port};
    location / {{ access_log {dir}/drained.log drained; return 200; }}
  }}
}}
"""

L10 = re.compile(rb"Error L10 \(output buffer overflow\): (\d+) messages dropped")


class SyslogReceiver:
    """Reads a syslog TCP drain's octet-counted frames; counts router lines and L10 reports."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.router = 0
        self.reported = 0
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self.read, args=(conn,), daemon=True).start()

    def read(self, conn):
        # Counted, not parsed frame by frame, into one buffer: a drain's receiver is another
        # machine in real life; here it shares the cores with lokku, so it must cost little.
        marker = b" router - "
        buf = bytearray(1 << 20)
        tail = b""
        while True:
            n = conn.recv_into(buf)
            if not n:
                return
            self.router += buf.count(marker, 0, n)
            # A marker cut in two by recv_into: the tail is shorter than the marker, so one
            # found across the boundary was counted by neither chunk.
            head = bytes(buf[:len(marker) - 1])
            self.router += (tail + head).count(marker)
            if buf.find(b"L10", 0, n) >= 0 or b"L10" in tail + head:
                for m in L10.finditer(tail + bytes(buf[:n])):
                    self.reported += int(m.group(1))
            tail = bytes(buf[max(0, n - (len(marker) - 1)):n])


def run(argv, cwd, env):
    r = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("%s failed: %s%s" % (" ".join(argv), r.stdout, r.stderr))
    return r.stdout


def start_platform(binary, work, name, extra, drains):
    """`lokku up` in a home of its own with one app, `bench`, whose web dyno is the static
    backend; returns the process, the router's port, the backend's port and the home."""
    home = os.path.join(work, name)
    app = os.path.join(home, "app")
    os.makedirs(os.path.join(home, "tmp"))
    os.makedirs(app)
    env = dict(os.environ, LOKKU_HOME=os.path.join(home, "lokku"))
    with open(os.path.join(app, "backend.conf.in"), "w") as f:
        f.write(BACKEND_CONF.format(dir=home))
    with open(os.path.join(app, "requirements.txt"), "w") as f:
        f.write("")
    with open(os.path.join(app, "Procfile"), "w") as f:
        f.write("web: sed \"s/PORT_PLACEHOLDER/$PORT/\" backend.conf.in > backend.conf && "
                "echo \"backend on $PORT\" && exec %s -p %s -c \"$HOME/backend.conf\" "
                "-g 'daemon off;'\n" % (shutil.which("nginx"), home))
    run([binary, "deploy", "-a", "bench"], app, env)
    for url in drains:
        run([binary, "drains:add", url, "-a", "bench"], app, env)
    router_port, api_port = free_port(), free_port()
    log = open(os.path.join(home, "up.log"), "w+")
    up = subprocess.Popen([binary, "up", "-p", str(router_port), "--api-port", str(api_port),
                           "--color", "never"] + extra,
                          env=env, stdout=subprocess.DEVNULL, stderr=log,
                          start_new_session=True)
    logfile = os.path.join(home, "lokku", "apps", "bench", "log")
    backend = None
    deadline = time.time() + 60
    while time.time() < deadline and backend is None:
        try:
            with open(logfile, "rb") as f:
                m = re.search(rb"backend on (\d+)", f.read())
                backend = int(m.group(1)) if m else None
        except OSError:
            pass
        time.sleep(0.2)
    if backend is None or not wait_port(backend) or not wait_port(router_port):
        os.killpg(up.pid, signal.SIGINT)
        sys.exit("%s: the web dyno did not come up; see %s" % (name, log.name))
    return up, router_port, backend, home


def count_router_lines(home):
    n = 0
    for path in (os.path.join(home, "lokku", "apps", "bench", "log"),
                 os.path.join(home, "lokku", "apps", "bench", "log.1")):
        try:
            with open(path, "rb") as f:
                n += sum(1 for line in f if b" heroku[router]: " in line)
        except OSError:
            pass
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lokku", default=os.path.join(ROOT, "build", "release", "bin", "lokku"))
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--seconds", type=int, default=2, help="of each measurement")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--drains", type=int, choices=(0, 1, 2), default=2,
                    help="drains of the observed platform (to see what each part costs)")
    ap.add_argument("--observed-no-metrics", action="store_true",
                    help="the observed platform without metrics (its drains only)")
    args = ap.parse_args()
    if not os.access(args.lokku, os.X_OK):
        sys.exit(f"{args.lokku}: not built (cmake --preset release && cmake --build --preset release)")

    work = tempfile.mkdtemp(prefix="lokku-router-observed-")
    os.makedirs(os.path.join(work, "tmp"))
    procs, platforms = [], []
    try:
        receiver_port = free_port()
        with open(os.path.join(work, "receiver.conf"), "w") as f:
            f.write(RECEIVER_CONF.format(dir=work, port=receiver_port))
        procs.append(subprocess.Popen(["nginx", "-p", work, "-c",
                                       os.path.join(work, "receiver.conf"), "-g", "daemon off;"],
                                      start_new_session=True))
        syslog = SyslogReceiver()
        if not wait_port(receiver_port):
            sys.exit("the drain receiver (nginx) did not start")

        observed = start_platform(args.lokku, work, "observed",
                                  ["--no-metrics"] if args.observed_no_metrics else [],
                                  ["http://127.0.0.1:%d/logs" % receiver_port,
                                   "syslog://127.0.0.1:%d" % syslog.port][:args.drains])
        platforms.append(observed)
        plain = start_platform(args.lokku, work, "plain", ["--no-metrics"], [])
        platforms.append(plain)

        nginx_port = free_port()
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_PROXY_CONF.format(
                dir=work, name="nginx", port=nginx_port, backend=plain[2],
                access_log="access_log %s combined buffer=64k flush=1s;" %
                os.path.join(work, "access.log")))
        procs.append(subprocess.Popen(["nginx", "-p", work, "-c", conf, "-g", "daemon off;"],
                                      start_new_session=True))
        if not wait_port(nginx_port):
            sys.exit("nginx did not start")

        proxies = [("observed", observed[1], [observed[0].pid]),
                   ("plain", plain[1], [plain[0].pid]),
                   ("nginx", nginx_port, [procs[-1].pid])]
        results = {name: [] for name, _, _ in proxies}
        host = "bench.localhost"  # lokku routes by Host; nginx ignores it
        for _, port, _ in proxies:
            wrk(port, args.connections, 2, host=host)  # warm-up
        # Each proxy's cost is every process of it (nginx's workers, lokku-init under lokku).
        proxies = [(name, port, [t for p in pids for t in process_tree(p)])
                   for name, port, pids in proxies]
        for r in range(args.rounds):
            print("round %d" % (r + 1), flush=True)
            for name, port, pids in proxies if r % 2 == 0 else proxies[::-1]:
                results[name].append(wrk(port, args.connections, args.seconds, pids, host))
                rps, p50, p99, errors, cpu = results[name][-1]
                print("  %-9s %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms   non-2xx %d   "
                      "CPU %5.2f us/req" % (name, rps, p50, p99, errors, cpu), flush=True)

        print()
        for name, _, _ in proxies:
            runs = results[name]
            print("%-9s median %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms   CPU %5.2f us/req" %
                  (name, median([x[0] for x in runs]), median([x[1] for x in runs]),
                   median([x[2] for x in runs]), median([x[4] for x in runs])))
        print()
        for a, b in (("observed", "plain"), ("observed", "nginx"), ("plain", "nginx")):
            tput = [x[0] / y[0] for x, y in zip(results[a], results[b])]
            cpu = [x[4] / y[4] for x, y in zip(results[a], results[b])]
            q1, _, q3 = quantiles(tput, n=4)
            print("%s/%-6s throughput %.3fx (middle half of the rounds %.3f-%.3f)   "
                  "CPU per request %.2fx" % (a, b, median(tput), q1, q3, median(cpu)))

        # What reached the drains: every router line the observed platform wrote, or L10.
        written = count_router_lines(observed[3])
        deadline = time.time() + 60
        http_router = 0
        while time.time() < deadline:
            time.sleep(2)
            with open(os.path.join(work, "drained.log")) as f:
                total = sum(int(x) for x in f.read().split() if x.isdigit())
            # The HTTP receiver counts messages (router lines, plus the few app/heroku lines
            # and L10 frames); the syslog receiver tells them apart.
            http_router = total
            if syslog.router >= written and http_router >= written:
                break
        print("drains: %d router lines written; the syslog drain received %d (+%d reported "
              "lost by L10); the HTTP drain received %d messages" %
              (written, syslog.router, syslog.reported, http_router))
    finally:
        tear_down(procs, [up for up, _, _, _ in platforms], work)

if __name__ == "__main__":
    main()
