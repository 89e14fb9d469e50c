#!/usr/bin/env python3
"""The router benchmark's TLS rounds (bench/router.py --tls; issue #23): one fast static
backend (nginx, run as the web dyno of an app under `lokku up`), reached over TLS through
lokku's TLS port, through nginx (`ssl` and `http2` on) and through haproxy (`ssl`, ALPN h2),
all with the same certificate and key (ACM's, issued by lokku's CA for the app's custom
domain) and all logging a line per request, in one run:

  https   HTTP/1.1 over TLS: wrk, 64 keep-alive connections, Host the custom domain;
  h2      HTTP/2: h2load, 16 connections of 10 streams each, SNI the custom domain (lokku
          offers h2 there only, as Router 2.0);
  hs      handshakes per second: wrk with `Connection: close`, a new TLS connection per
          request (16 connections).

Each round measures every proxy once per kind, in an order reversed from one round to the
next; the ratios are taken round by round, then their median, with the middle half of the
rounds' ratios beside it (this host's speed drifts run to run). p99 comes from wrk's
--latency and from h2load's per-request log. Not a test: the numbers are this machine's.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from statistics import median, quantiles

import router  # bench/router.py: the shared helpers and the backend's nginx configuration

DOMAIN = "www.example.test"

NGINX_TLS_CONF = """
worker_processes auto;
pid {dir}/nginx-tls.pid;
error_log stderr error;
events {{ worker_connections 4096; }}
http {{
  access_log {dir}/nginx-access.log combined buffer=64k flush=1s;
  client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
  uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
  keepalive_requests 1000000;
  http2_max_requests 1000000;
  upstream backend {{ server 127.0.0.1:{backend}; keepalive 128; keepalive_requests 1000000; }}
  server {{
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {{
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}
}}
"""

HAPROXY_TLS_CONF = """
global
  maxconn 8192
  log stdout format raw local0
defaults
  mode http
  log global
  option httplog
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:{port} ssl crt {pem} alpn h2,http/1.1
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:{backend}
"""


def sh(args, env, cwd=None):
    r = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("%s failed:\n%s%s" % (" ".join(args), r.stdout, r.stderr))
    return r.stdout


def start_platform(binary, work):
    """An app `bench` whose web dyno is the static backend, its custom domain certified by
    ACM, under `lokku up`. Returns the process, the TLS port, the backend's port, and the
    certificate and key files."""
    home = os.path.join(work, "home")
    app = os.path.join(work, "app")
    os.makedirs(os.path.join(work, "dyno-tmp"))
    os.makedirs(app)
    env = dict(os.environ, LOKKU_HOME=home, LOKKU_APP="bench")
    with open(os.path.join(app, "index.html"), "w") as f:
        f.write("a static app (the static buildpack detects it); Procfile runs nginx\n")
    with open(os.path.join(app, "backend.conf.in"), "w") as f:
        f.write(router.BACKEND_CONF.format(dir=os.path.join(work, "dyno-tmp")))
    with open(os.path.join(app, "Procfile"), "w") as f:
        f.write("web: sed \"s/PORT_PLACEHOLDER/$PORT/\" backend.conf.in > /tmp/lokku-bench-"
                "backend-$PORT.conf && echo \"backend on $PORT\" && exec %s -p %s -c "
                "/tmp/lokku-bench-backend-$PORT.conf -g 'daemon off;'\n" %
                (shutil.which("nginx"), os.path.join(work, "dyno-tmp")))
    os.makedirs(os.path.join(work, "dyno-tmp", "tmp"))
    sh([binary, "apps:create", "bench"], env)
    sh([binary, "domains:add", DOMAIN], env)
    sh([binary, "certs:auto:enable"], env)
    sh([binary, "deploy", "-d", app], env)
    port, tls = router.free_port(), router.free_port()
    log = open(os.path.join(work, "lokku.log"), "w+")
    proc = subprocess.Popen([binary, "up", "--port", str(port), "--tls-port", str(tls),
                             "--api-port", "0",
                             "--color", "never"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    backend = None
    deadline = time.time() + 30
    while time.time() < deadline:
        log.seek(0)
        text = log.read()
        m = re.search(r"backend on (\d+)", text)
        if m and "ACM issued" in text and "State changed from starting to up" in text:
            backend = int(m.group(1))
            break
        time.sleep(0.1)
    if backend is None or not router.wait_port(tls):
        os.killpg(proc.pid, signal.SIGINT)
        raise SystemExit("lokku up did not come up; see %s" % log.name)
    cert = os.path.join(home, "tls", "acm-bench.crt")
    key = os.path.join(home, "tls", "acm-bench.key")
    return proc, tls, backend, cert, key


def https(port, seconds, pids, close=False):
    """wrk over TLS (router.wrk): requests/s, p50, p99 (ms), non-2xx, CPU µs per request;
    `close`: a new connection, so a handshake, per request."""
    return router.wrk(port, 16 if close else 64, seconds, pids, host=DOMAIN, scheme="https",
                      headers=["Connection: close"] if close else [])


def h2load(port, seconds, pids, work):
    """h2load over TLS with ALPN h2: requests/s, p50, p99 (ms), failures, CPU µs/request."""
    log = os.path.join(work, "h2load.log")
    before = router.cpu_ns(pids)
    out = subprocess.run(["h2load", "-t2", "-c16", "-m10", "-D", str(seconds),
                          "--connect-to=127.0.0.1:%d" % port, "--log-file=" + log,
                          "https://%s:%d/" % (DOMAIN, port)], capture_output=True,
                         text=True).stdout
    used = router.cpu_ns(pids) - before
    m = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    if not m or not done or "h2" not in out:
        raise SystemExit("h2load did not speak HTTP/2 to port %d:\n%s" % (port, out))
    times = []
    with open(log) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                times.append(int(parts[2]) / 1000.0)  # µs → ms
    times.sort()
    p50 = times[len(times) // 2] if times else 0.0
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else 0.0
    requests = int(done.group(1))
    return (float(m.group(1)), p50, p99, requests - int(done.group(2)),
            used / 1000.0 / requests if requests else 0.0)


def run(args):
    work = tempfile.mkdtemp(prefix="lokku-router-tls-bench-")
    os.makedirs(os.path.join(work, "tmp"))
    procs = []
    lokku = None
    try:
        lokku, tls, backend, cert, key = start_platform(args.lokku, work)
        nginx_port, haproxy_port = router.free_port(), router.free_port()
        conf = os.path.join(work, "nginx-tls.conf")
        with open(conf, "w") as f:
            f.write(NGINX_TLS_CONF.format(dir=work, port=nginx_port, backend=backend, cert=cert,
                                          key=key))
        procs.append(subprocess.Popen(["nginx", "-p", work, "-c", conf, "-g", "daemon off;"],
                                      start_new_session=True))
        pem = os.path.join(work, "haproxy.pem")
        with open(pem, "w") as out, open(cert) as c, open(key) as k:
            out.write(c.read() + k.read())
        os.chmod(pem, 0o600)
        with open(os.path.join(work, "haproxy.cfg"), "w") as f:
            f.write(HAPROXY_TLS_CONF.format(port=haproxy_port, backend=backend, pem=pem))
        procs.append(subprocess.Popen(["haproxy", "-f", os.path.join(work, "haproxy.cfg")],
                                      stdout=subprocess.DEVNULL, start_new_session=True))
        for p in (nginx_port, haproxy_port):
            if not router.wait_port(p):
                raise SystemExit("a peer did not start")
        nginx_proc, haproxy_proc = procs
        proxies = [("haproxy", haproxy_port, router.process_tree(haproxy_proc.pid)),
                   ("lokku", tls, [lokku.pid]),
                   ("nginx", nginx_port, router.process_tree(nginx_proc.pid))]
        kinds = [("https", lambda port, pids: https(port, args.seconds, pids)),
                 ("h2", lambda port, pids: h2load(port, args.seconds, pids, work)),
                 ("hs", lambda port, pids: https(port, args.seconds, pids, close=True))]
        for _, port, pids in proxies:  # warm-up
            https(port, 1, pids)
            h2load(port, 1, pids, work)
        results = {(k, n): [] for k, _ in kinds for n, _, _ in proxies}
        for r in range(args.rounds):
            print("round %d" % (r + 1), flush=True)
            for kind, measure in kinds:
                for name, port, pids in proxies if r % 2 == 0 else proxies[::-1]:
                    results[(kind, name)].append(measure(port, pids))
                    rps, p50, p99, errors, cpu = results[(kind, name)][-1]
                    print("  %-5s %-8s %9.0f %s   p50 %7.3f ms   p99 %7.3f ms   failed %d   "
                          "CPU %5.1f us/req" % (kind, name, rps,
                                                "conn/s" if kind == "hs" else "req/s ",
                                                p50, p99, errors, cpu), flush=True)
        print()
        for kind, _ in kinds:
            for name, _, _ in proxies:
                runs = results[(kind, name)]
                print("%-5s %-8s median %9.0f %s   p99 %7.3f ms (rounds %.3f-%.3f)   CPU %5.1f "
                      "us/req" % (kind, name, median([x[0] for x in runs]),
                                  "conn/s" if kind == "hs" else "req/s ",
                                  median([x[2] for x in runs]), min(x[2] for x in runs),
                                  max(x[2] for x in runs), median([x[4] for x in runs])))
        print()
        for kind, _ in kinds:
            for peer in ("nginx", "haproxy"):
                mine, theirs = results[(kind, "lokku")], results[(kind, peer)]
                tput = [a[0] / b[0] for a, b in zip(mine, theirs)]
                tail = [a[2] / b[2] for a, b in zip(mine, theirs) if b[2] > 0]
                q1, _, q3 = quantiles(tput, n=4) if len(tput) > 1 else (tput[0],) * 3
                print("%-5s lokku/%-8s %s %.2fx (middle half of the rounds %.2f-%.2f)   p99 "
                      "%.2fx (rounds %.2f-%.2f)" %
                      (kind, peer, "handshakes/s" if kind == "hs" else "throughput", median(tput),
                       q1, q3, median(tail) if tail else 0, min(tail) if tail else 0,
                       max(tail) if tail else 0))
    finally:
        router.tear_down(procs, [lokku] if lokku else [], work)
