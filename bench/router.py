#!/usr/bin/env python3
"""Router benchmark: wrk against one fast static backend (nginx, run as lokku's web dyno),
directly, through lokku's router, through nginx as a reverse proxy with upstream keep-alive,
and through haproxy, all in one run. Prints requests/s and p50/p99 latency for each, the
ratios lokku/nginx and lokku/haproxy, and lokku's RSS while it holds 1 000 open client
connections. Not a test: the numbers are this machine's.

lokku's router writes a line per request (heroku[router], to lokku's output, buffered); the
nginx it is measured against writes its access log per request the same way (to a file,
buffered). `nginx-nolog` is the same nginx with no access log, shown for reference.

The host may be shared, and its speed drifts from one second to the next, so the targets are
measured in many short rounds. Each round measures every proxy once, lokku next to nginx and
to haproxy, in an order that is reversed from one round to the next (so that neither is
always first); the ratios are taken round by round, then their median. The dyno on its own
is measured after the rounds (see main()).

Throughput on a saturated 2-core host moves with everything else the host runs; the CPU time
each proxy spends per request does not, much. So each measurement also reads the proxy's
CPU time (every thread of every process of it, from /proc/<pid>/task/<tid>/schedstat: user
and system, in ns) before and after, and the run prints the median µs per request.
"""
import argparse
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from statistics import median, quantiles

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

BACKEND_CONF = """
worker_processes 1;
pid {dir}/backend.pid;
error_log stderr error;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
  uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
  keepalive_requests 1000000;
  server {{
    listen PORT_PLACEHOLDER;
    location / {{ return 200 "hello from the backend\\n"; }}
  }}
}}
"""

NGINX_PROXY_CONF = """
worker_processes auto;
pid {dir}/{name}.pid;
error_log stderr error;
events {{ worker_connections 4096; }}
http {{
  {access_log}
  client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
  uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
  keepalive_requests 1000000;
  upstream backend {{ server 127.0.0.1:{backend}; keepalive 128; keepalive_requests 1000000; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}
}}
"""

HAPROXY_CONF = """
global
  maxconn 8192
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:{port}
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:{backend}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def cpu_ns(pids):
    """CPU time (user and system) of every thread of `pids` so far, in ns."""
    total = 0
    for pid in pids:
        for task in glob.glob("/proc/%d/task/*/schedstat" % pid):
            try:
                with open(task) as f:
                    total += int(f.read().split()[0])
            except (OSError, IndexError, ValueError):
                pass  # a thread that ended meanwhile
    return total


def wrk(port, connections, seconds, pids=(), host=None, scheme="http", headers=()):
    """wrk's requests/s, p50 and p99 (ms), non-2xx count, and the CPU µs per request of the
    processes `pids` over the measurement (0 without pids). `host`: the Host header;
    `headers`: more of them; `scheme`: https for TLS (bench/router_tls.py)."""
    before = cpu_ns(pids)
    out = subprocess.run(["wrk", "-t2", "-c%d" % connections, "-d%ds" % seconds, "--latency"] +
                         (["-H", "Host: " + host] if host else []) +
                         [a for h in headers for a in ("-H", h)] +
                         ["%s://127.0.0.1:%d/" % (scheme, port)], capture_output=True,
                         text=True).stdout
    used = cpu_ns(pids) - before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))

    def pct(name):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % name, out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000.0 if unit == "us" else v * 1000.0 if unit == "s" else v
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return (rps, pct("50"), pct("99"), int(errors.group(1)) if errors else 0,
            used / 1000.0 / requests if requests else 0.0)


def process_tree(pid):
    """`pid` and its children (nginx's workers under its master; lokku-init under lokku)."""
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [pid] + [int(k) for k in kids.split()]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tear_down(peers, lokkus, work):
    """Stops the peers (SIGTERM) and the lokku processes (SIGINT: their dynos stop gracefully;
    SIGKILL after a minute), then removes `work` unless KEEP is set."""
    for p in peers:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        p.wait()
    for p in lokkus:
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    if os.environ.get("KEEP"):
        print("kept", work)
    else:
        shutil.rmtree(work, ignore_errors=True)


def start_lokku(binary, work, name):
    """Starts `lokku start` on an app of its own whose web dyno is the static backend; returns
    the process, the router's port and the backend's port."""
    home = os.path.join(work, name)
    app = os.path.join(home, "app")
    os.makedirs(os.path.join(home, "tmp"))
    os.makedirs(app)
    with open(os.path.join(app, "backend.conf.in"), "w") as f:
        f.write(BACKEND_CONF.format(dir=home))
    with open(os.path.join(app, "Procfile"), "w") as f:
        f.write("web: sed \"s/PORT_PLACEHOLDER/$PORT/\" backend.conf.in > backend.conf && "
                "echo \"backend on $PORT\" && exec %s -p %s -c \"$HOME/backend.conf\" "
                "-g 'daemon off;'\n" % (shutil.which("nginx"), home))
    router_port = free_port()
    log = open(os.path.join(home, "lokku.log"), "w+")
    lokku = subprocess.Popen([binary, "start", "-p", str(router_port), "--color", "never"],
                             cwd=app, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    backend = None
    deadline = time.time() + 20
    while time.time() < deadline and backend is None:
        log.seek(0)
        m = re.search(r"backend on (\d+)", log.read())
        backend = int(m.group(1)) if m else None
        time.sleep(0.1)
    if backend is None or not wait_port(backend) or not wait_port(router_port):
        os.killpg(lokku.pid, signal.SIGINT)
        raise SystemExit("lokku's web dyno did not come up; see %s" % log.name)
    return lokku, router_port, backend


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lokku", default=os.path.join(ROOT, "build", "release", "bin", "lokku"))
    ap.add_argument("--compare", metavar="LOKKU",
                    help="another lokku binary (an earlier build, say), measured in the same "
                         "rounds as `lokku-b`: a change's effect apart from the host's drift")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--seconds", type=int, default=2, help="of each measurement")
    ap.add_argument("--rounds", type=int, default=16)
    ap.add_argument("--tls", action="store_true",
                    help="the TLS rounds instead: HTTPS, HTTP/2 and handshakes through lokku up's "
                         "TLS port, nginx and haproxy (bench/router_tls.py)")
    args = ap.parse_args()
    if args.tls:
        import router_tls
        router_tls.run(args)
        return

    work = tempfile.mkdtemp(prefix="lokku-router-bench-")
    os.makedirs(os.path.join(work, "tmp"))
    lokkus = []  # (name, process, router port)
    procs = []
    try:
        lokku, router_port, backend = start_lokku(args.lokku, work, "lokku")
        lokkus.append(("lokku", lokku, router_port))
        if args.compare:
            lokkus.append(("lokku-b",) + start_lokku(args.compare, work, "lokku-b")[:2])
        time.sleep(0.5)  # web.1 must be `up` for the router

        nginx_port, nolog_port, haproxy_port = free_port(), free_port(), free_port()
        for name, port, access_log in (
                ("nginx", nginx_port,
                 "access_log %s combined buffer=64k flush=1s;" % os.path.join(work, "access.log")),
                ("nginx-nolog", nolog_port, "access_log off;")):
            conf = os.path.join(work, name + ".conf")
            with open(conf, "w") as f:
                f.write(NGINX_PROXY_CONF.format(dir=work, name=name, port=port, backend=backend,
                                                access_log=access_log))
            procs.append(subprocess.Popen(["nginx", "-p", work, "-c", conf, "-g", "daemon off;"],
                                          start_new_session=True))
        with open(os.path.join(work, "haproxy.cfg"), "w") as f:
            f.write(HAPROXY_CONF.format(port=haproxy_port, backend=backend))
        procs.append(subprocess.Popen(["haproxy", "-f", os.path.join(work, "haproxy.cfg")],
                                      start_new_session=True))
        for p in (nginx_port, nolog_port, haproxy_port):
            if not wait_port(p):
                raise SystemExit("a peer did not start")

        # lokku sits between haproxy and nginx, whichever way a round goes. Each proxy with
        # the processes whose CPU time is its cost.
        nginx_proc, nolog_proc, haproxy_proc = procs
        proxies = ([("haproxy", haproxy_port, [haproxy_proc.pid])] +
                   [(name, port, [p.pid]) for name, p, port in lokkus] +
                   [("nginx", nginx_port, [nginx_proc.pid]),
                    ("nginx-nolog", nolog_port, [nolog_proc.pid])])
        results = {name: [] for name in ["direct"] + [name for name, _, _ in proxies]}

        def measure(name, port, pids=()):
            results[name].append(wrk(port, args.connections, args.seconds, pids))
            rps, p50, p99, errors, cpu = results[name][-1]
            print("  %-11s %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms   non-2xx %d%s" %
                  (name, rps, p50, p99, errors, "   CPU %5.2f us/req" % cpu if pids else ""),
                  flush=True)

        for _, port, _ in proxies:
            wrk(port, args.connections, 2)  # warm-up: every proxy's dyno connections opened
        # nginx's workers (and haproxy's, if it forks) exist by now.
        proxies = [(name, port, [t for p in pids for t in process_tree(p)])
                   for name, port, pids in proxies]
        for r in range(args.rounds):
            print("round %d" % (r + 1), flush=True)
            for name, port, pids in proxies if r % 2 == 0 else proxies[::-1]:
                measure(name, port, pids)
        # The dyno on its own goes last: wrk straight at it runs it twice as hard as any proxy
        # does, and the proxy measured next pays for that (lokku 76k-88k req/s right after it,
        # 88k-92k after as long a pause; nginx 82k-87k against 87k-95k), unevenly from one
        # round to the next.
        print("the dyno directly", flush=True)
        for _ in range(max(2, args.rounds // 4)):
            measure("direct", backend)

        held = []
        for _ in range(1000):
            s = socket.create_connection(("127.0.0.1", router_port))
            held.append(s)
        time.sleep(1)
        held_rss = rss_kb(lokku.pid)
        for s in held:
            s.close()

        print()
        for name, _, pids in [("direct", backend, [])] + proxies:
            runs = results[name]
            print("%-11s median %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms%s" %
                  (name, median([x[0] for x in runs]), median([x[1] for x in runs]),
                   median([x[2] for x in runs]),
                   "   CPU %5.2f us/req" % median([x[4] for x in runs]) if pids else ""))
        print()
        pairs = [(name, peer) for name, _, _ in lokkus
                 for peer in ("nginx", "haproxy", "nginx-nolog")]
        if args.compare:
            pairs.append(("lokku", "lokku-b"))
        for name, peer in pairs:
            tput = [a[0] / b[0] for a, b in zip(results[name], results[peer])]
            tail = [a[2] / b[2] for a, b in zip(results[name], results[peer])]
            cpu = [a[4] / b[4] for a, b in zip(results[name], results[peer])]
            q1, _, q3 = quantiles(tput, n=4)
            print("%s/%-11s throughput %.2fx (middle half of the rounds %.2f-%.2f)   p99 %.2fx"
                  "   CPU per request %.2fx   (rounds' throughput: %s)" %
                  (name, peer, median(tput), q1, q3, median(tail), median(cpu),
                   " ".join("%.2f" % t for t in tput)))
        print("lokku RSS holding 1000 open connections: %.1f MB" % (held_rss / 1024.0))
    finally:
        tear_down(procs, [p for _, p, _ in lokkus], work)


if __name__ == "__main__":
    main()
