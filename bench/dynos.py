#!/usr/bin/env python3
"""Dyno manager benchmark: lokku against foreman and node-foreman, same Procfile, one run.

(a) resident memory of the manager with 10 dynos running;
(b) time from start until every web dyno (3) answers HTTP;
(c) a dyno printing 1,000,000 lines: wall time until the manager has written all of them,
    with a count proving none was lost or split.
Prints one table and the ratios lokku/peer. Not a test: numbers vary with the machine.
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
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

WEB_APP = r'''
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
port = int(os.environ["PORT"])
print("listening on port %d" % port, flush=True)
http.server.HTTPServer(("0.0.0.0", port), H).serve_forever()
'''

PRINTER = r'''
import sys, time
n = int(sys.argv[1])
out = sys.stdout
for i in range(1, n + 1):
    out.write("L%07d abcdefghijklmnopqrstuvwxyz0123456789\n" % i)
out.flush()
time.sleep(600)
'''


def rss_kb(pid, field="Rss:"):
    """Rss (every resident page, shared libraries in full) or Pss (shared pages divided
    among the processes that map them) of one process, in kB."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children_rss_kb(pid, field="Rss:"):
    """Rss or Pss of the direct children of pid (lokku-init processes)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            if ppid == pid:
                with open("/proc/%s/comm" % entry) as f:
                    if f.read().strip() == "lokku-init":
                        total += rss_kb(int(entry), field)
        except (OSError, ValueError):
            pass
    return total


class Tool:
    def __init__(self, name, argv_fn, env=None):
        self.name, self.argv_fn, self.env = name, argv_fn, env

    def start(self, app, formation, port, stdout):
        env = dict(os.environ)
        env.pop("PORT", None)
        env.update(self.env or {})
        return subprocess.Popen(self.argv_fn(formation, port), cwd=app, stdout=stdout,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def tools(lokku):
    nf = os.path.join(HERE, "node_modules", ".bin", "nf")
    return [
        Tool("lokku", lambda f, p: [lokku, "start", "-m", f, "-p", str(p), "--color", "never"]),
        Tool("foreman", lambda f, p: ["foreman", "start", "-m", f, "-p", str(p)]),
        Tool("node-foreman", lambda f, p: [nf, "start", "-p", str(p), f.replace(",", " ").replace("=", "=")]),
    ]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_memory(tool, app):
    with open(os.devnull, "wb") as null:
        proc = tool.start(app, "sleeper=10", free_port(), null)
        time.sleep(3)
        manager = rss_kb(proc.pid)
        pss = rss_kb(proc.pid, "Pss:")
        inits = children_rss_kb(proc.pid) if tool.name == "lokku" else 0
        inits_pss = children_rss_kb(proc.pid, "Pss:") if tool.name == "lokku" else 0
        stop(proc)
    return manager, pss, inits, inits_pss


def bench_boot(tool, app):
    port = free_port()
    out_path = tempfile.mktemp()
    with open(out_path, "wb") as out:
        t0 = time.monotonic()
        proc = tool.start(app, "web=3", port, out)
        ports, deadline, answered = set(), t0 + 30, set()
        while time.monotonic() < deadline and (len(ports) < 3 or answered != ports):
            with open(out_path, "rb") as f:
                for m in re.finditer(rb"listening on port (\d+)", f.read()):
                    ports.add(int(m.group(1)))
            for p in ports - answered:
                try:
                    with socket.create_connection(("127.0.0.1", p), timeout=1) as s:
                        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                        if s.recv(64).startswith(b"HTTP/1."):
                            answered.add(p)
                except OSError:
                    pass
            time.sleep(0.005)
        elapsed = time.monotonic() - t0 if len(answered) == 3 else float("nan")
        stop(proc)
    os.unlink(out_path)
    return elapsed


def bench_logs(tool, app, n):
    counter = subprocess.Popen([sys.executable, os.path.join(HERE, "count_lines.py"), str(n)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    t0 = time.monotonic()
    proc = tool.start(app, "printer=1", free_port(), counter.stdin)
    counter.stdin.close()
    try:
        out = counter.stdout.read()
        counter.wait(timeout=300)
    except subprocess.TimeoutExpired:
        counter.kill()
        out = b"timeout"
    wall = time.monotonic() - t0
    stop(proc)
    fields = dict(kv.split("=") for kv in out.decode().split() if "=" in kv)
    fields["wall"] = "%.3f" % wall
    return fields


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lokku", default=os.path.join(ROOT, "build", "release", "bin", "lokku"))
    ap.add_argument("--lines", type=int, default=1_000_000)
    args = ap.parse_args()

    app = tempfile.mkdtemp(prefix="lokku-bench-")
    with open(os.path.join(app, "web.py"), "w") as f:
        f.write(WEB_APP)
    with open(os.path.join(app, "printer.py"), "w") as f:
        f.write(PRINTER)
    with open(os.path.join(app, "Procfile"), "w") as f:
        f.write("web: python3 -u web.py\n")
        f.write("sleeper: sleep 600\n")
        f.write("printer: python3 -u printer.py %d\n" % args.lines)

    results = {}
    for tool in tools(args.lokku):
        mem, pss, inits, inits_pss = bench_memory(tool, app)
        boot = bench_boot(tool, app)
        fields = bench_logs(tool, app, args.lines)
        results[tool.name] = dict(mem=mem, pss=pss, inits=inits, boot=boot, fields=fields)
        print("%-13s rss=%6d kB pss=%6d kB%s  boot(3 web)=%.3f s  %s" % (
            tool.name, mem, pss,
            (" (10 lokku-init: +%d kB rss, +%d kB pss)" % (inits, inits_pss)) if inits else "", boot,
            " ".join("%s=%s" % kv for kv in fields.items())), flush=True)

    base = results["lokku"]
    print()
    print("ratios lokku/peer (memory: lower is better; log time: lower is better):")
    for peer in ("foreman", "node-foreman"):
        r = results[peer]
        def ratio(a, b):
            return a / b if b and b == b and a == a else float("nan")
        lt = float(base["fields"].get("wall", "nan"))
        pt = float(r["fields"].get("wall", "nan"))
        print("  vs %-13s rss %.3fx (with inits %.3fx)  pss %.3fx  boot %.2fx  1M-line wall time "
              "%.3fx (throughput %.1fx)" % (
                  peer, ratio(base["mem"], r["mem"]), ratio(base["mem"] + base["inits"], r["mem"]),
                  ratio(base["pss"], r["pss"]),
                  ratio(base["boot"], r["boot"]), ratio(lt, pt), ratio(pt, lt)))
    shutil.rmtree(app, ignore_errors=True)


if __name__ == "__main__":
    main()
