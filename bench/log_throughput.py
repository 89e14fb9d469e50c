#!/usr/bin/env python3
"""App log stream throughput: `lokku start` with DYNOS printer dynos, each printing LINES
lines as fast as it can; the time from the first line to the last one lokku writes, and the
count of lines lost, split or out of order (per dyno). With --compare, another lokku binary
(an earlier build) is measured in the same run, the two alternating round by round, and the
median ratio of lines/s is printed: a change's effect apart from the host's drift.
Not a test: the numbers are this machine's.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from statistics import median

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

PRINTER = r'''
import os, sys, time
n = int(sys.argv[1])
dyno = os.environ["DYNO"]
out = sys.stdout
for i in range(n):
    out.write("%s L%07d abcdefghijklmnopqrstuvwxyz0123456789\n" % (dyno, i))
out.flush()
time.sleep(600)
'''

LINE = re.compile(rb"app\[(printer\.\d+)\]: (printer\.\d+) L(\d{7}) abcdefghijklmnopqrstuvwxyz0123456789$")


def measure(lokku, app, dynos, lines):
    """Runs one round; returns (seconds from first to last line, lost, bad)."""
    proc = subprocess.Popen([lokku, "start", "-m", "printer=%d" % dynos, "--color", "never"],
                            cwd=app, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    want = dynos * lines
    nxt, seen, bad = {}, 0, 0
    first = last = None
    deadline = time.monotonic() + 300
    for raw in proc.stdout:
        raw = raw.rstrip(b"\n")
        if b" L" not in raw or b"printer." not in raw or b"Starting process" in raw:
            continue
        m = LINE.search(raw)
        now = time.monotonic()
        if not m or m.group(1) != m.group(2):
            bad += 1
            continue
        first = first or now
        last = now
        d, i = m.group(1), int(m.group(3))
        if nxt.get(d, 0) != i:
            bad += 1
        nxt[d] = i + 1
        seen += 1
        if seen >= want or now > deadline:
            break
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return (last - first if first else float("nan")), want - seen, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lokku", default=os.path.join(ROOT, "build", "release", "bin", "lokku"))
    ap.add_argument("--compare", metavar="LOKKU", help="an earlier lokku, measured alongside")
    ap.add_argument("--dynos", type=int, default=8)
    ap.add_argument("--lines", type=int, default=100_000, help="per dyno")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    app = tempfile.mkdtemp(prefix="lokku-log-bench-")
    with open(os.path.join(app, "printer.py"), "w") as f:
        f.write(PRINTER)
    with open(os.path.join(app, "Procfile"), "w") as f:
        f.write("printer: python3 -u printer.py %d\n" % args.lines)
    binaries = [("lokku", args.lokku)] + ([("lokku-b", args.compare)] if args.compare else [])
    rates = {name: [] for name, _ in binaries}
    total = args.dynos * args.lines
    for r in range(args.rounds):
        order = binaries if r % 2 == 0 else list(reversed(binaries))
        for name, binary in order:
            secs, lost, bad = measure(binary, app, args.dynos, args.lines)
            rates[name].append(total / secs if secs == secs and secs > 0 else float("nan"))
            print("round %d %-8s %8.0f lines/s  (%d lines in %.3f s, lost=%d bad=%d)" % (
                r + 1, name, rates[name][-1], total, secs, lost, bad), flush=True)
    print()
    for name, _ in binaries:
        print("%-8s median %8.0f lines/s over %d rounds" % (name, median(rates[name]), args.rounds))
    if args.compare:
        ratios = [a / b for a, b in zip(rates["lokku"], rates["lokku-b"]) if b == b and b > 0]
        print("lokku/lokku-b lines/s, median of per-round ratios: %.3f" % median(ratios))
    shutil.rmtree(app, ignore_errors=True)


if __name__ == "__main__":
    main()
