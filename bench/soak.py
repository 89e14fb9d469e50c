#!/usr/bin/env python3
"""Soak (issue #25 point 5): an app under load for a long time while it changes.

Runs `lokku up` with one app (the pyweb fixture, two web dynos' worth of load) and wrk against
its router on 127.0.0.1 for MINUTES, while every EVERY it does the next of: scale web to 2, a
restart, a deploy (a new commit's code), a rollback, scale web back to 1 (then round again).
Meanwhile it samples lokku up's resident memory and open descriptors, and the app's log file.
At the end it prints:

  - requests: wrk's count and rate; errors by kind: wrk's socket errors (connect, read, write,
    timeout), non-2xx answers, and the router's H-codes from the app's log;
  - lokku up's RSS and descriptors at the start (after the first EVERY, warmed up), the end and
    their peak;
  - the app's log: its largest size on disk, with its rotated copy, against the limit.

Requests lost: none is allowed. Heroku loses requests in a restart only where the app does:
one in flight when its dyno is killed after the 30 s SIGTERM grace (H13/H18 logged), or held
over 75 s for a dyno that does not boot (H20); lokku stops a dyno only once it is out of the
router's table, sends a request whose kept-alive connection a stopping dyno closed once more
(no body), and holds requests while the new dynos boot, as Heroku's router does. This app
answers at once and boots in well under a second: any error is a fault.

  bench/soak.py [--minutes 30] [--every 60] [--connections 8] [--lokku build/release/bin/lokku]

Exit status 1 when a request was lost, RSS grew by more than a quarter (and 16 MB) from the
warmed-up start, descriptors by more than 16, or the log outgrew its rotation. The test suite
runs `--minutes 1 --every 10 --no-rss-check` on its ASan build (ctest Soak.Short); the 30
minutes are this script's.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "apps", "pyweb")
APP = "web"
LOG_LIMIT = 4 << 20  # LOKKU_LOG_MAX_BYTES: rotated every few minutes under this load

sys.path.insert(0, HERE)
from router import free_port, rss_kb  # noqa: E402


def run(cmd, cwd, env, timeout=300):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise SystemExit("%s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                    r.stderr))
    return r.stdout


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def log_bytes(home):
    total = 0
    for name in ("log", "log.1"):
        try:
            total += os.path.getsize(os.path.join(home, "apps", APP, name))
        except OSError:
            pass
    return total


def restart(home, api):
    """`heroku ps:restart`: DELETE /apps/{app}/dynos on the Platform API."""
    with open(os.path.join(home, "api-token")) as f:
        token = f.read().strip()
    req = urllib.request.Request(
        "http://127.0.0.1:%d/apps/%s/dynos" % (api, APP), method="DELETE",
        headers={"Authorization": "Bearer " + token,
                 "Accept": "application/vnd.heroku+json; version=3"})
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()


def wait_converged(lokku, cwd, env):
    run([lokku, "wait", "-a", APP, "--timeout", "120s"], cwd, env, 180)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--every", type=float, default=60, help="seconds between changes")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--lokku", default=os.path.join(ROOT, "build", "release", "bin", "lokku"))
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--no-rss-check", action="store_true",
                    help="report RSS but do not judge it (an ASan build's quarantine of freed "
                         "memory grows it by design; a minute shows no trend anyway)")
    args = ap.parse_args()
    args.lokku = os.path.abspath(args.lokku)
    if not os.access(args.lokku, os.X_OK):
        sys.exit("%s: not built (cmake --preset release && cmake --build --preset release)"
                 % args.lokku)
    if not shutil.which("wrk"):
        sys.exit("wrk: not installed (bench/install)")
    work = tempfile.mkdtemp(prefix="lokku-soak-")
    home = os.path.join(work, "home")
    app_dir = os.path.join(work, APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOKKU_")}
    env.update({"LOKKU_HOME": home, "HOME": work, "LOKKU_LOG_MAX_BYTES": str(LOG_LIMIT),
                "GIT_AUTHOR_NAME": "soak", "GIT_AUTHOR_EMAIL": "soak@example.com",
                "GIT_COMMITTER_NAME": "soak", "GIT_COMMITTER_EMAIL": "soak@example.com"})
    router, api = free_port(), free_port()
    duration = int(args.minutes * 60)
    print("soak: %s min, a change every %ss, %d connections, lokku %s, work folder %s"
          % (args.minutes, args.every, args.connections, args.lokku, work), flush=True)
    up = None
    up_log = open(os.path.join(work, "up.log"), "w")
    failed = []
    try:
        shutil.copytree(FIXTURE, app_dir)
        run([args.lokku, "deploy"], app_dir, env)
        up = subprocess.Popen([args.lokku, "up", "-p", str(router), "--api-port", str(api)], env=env,
                              stdout=up_log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_converged(args.lokku, app_dir, env)

        wrk = subprocess.Popen(
            ["wrk", "-t", "1", "-c", str(args.connections), "-d", "%ds" % duration,
             "--timeout", "40s", "-H", "Host: %s.localhost" % APP,
             "http://127.0.0.1:%d/" % router],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        samples = []  # (seconds, rss kB, fds, log bytes)
        stop = threading.Event()

        def sample():
            t0 = time.monotonic()
            while not stop.wait(2):
                samples.append((time.monotonic() - t0, rss_kb(up.pid), fds(up.pid),
                                log_bytes(home)))
        sampler = threading.Thread(target=sample)
        sampler.start()

        version = 0
        changes = [
            ("ps:scale web=2", lambda: run([args.lokku, "ps:scale", "web=2", "-a", APP],
                                           app_dir, env)),
            ("restart", lambda: restart(home, api)),
            ("deploy", None),
            ("rollback", lambda: run([args.lokku, "rollback", "-a", APP], app_dir, env)),
            ("ps:scale web=1", lambda: run([args.lokku, "ps:scale", "web=1", "-a", APP],
                                           app_dir, env)),
        ]
        started = time.monotonic()
        n = 0
        while time.monotonic() - started + args.every < duration:
            time.sleep(max(0, started + (n + 1) * args.every - time.monotonic()))
            name, act = changes[n % len(changes)]
            t = time.monotonic()
            if act is None:
                version += 1
                with open(os.path.join(app_dir, "soak_version.txt"), "w") as f:
                    f.write("%d\n" % version)
                run([args.lokku, "deploy"], app_dir, env)
            else:
                act()
            wait_converged(args.lokku, app_dir, env)
            print("  %5.0fs  %-15s done in %.1fs" % (t - started, name, time.monotonic() - t),
                  flush=True)
            n += 1
        out, _ = wrk.communicate(timeout=duration + 120)
        stop.set()
        sampler.join()

        requests = int(re.search(r"(\d+) requests in", out).group(1))
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        errors = {}
        m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        if m:
            for kind, v in zip(("connect", "read", "write", "timeout"), m.groups()):
                if int(v):
                    errors["socket " + kind] = int(v)
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if m:
            errors["non-2xx/3xx"] = int(m.group(1))
        up_log.flush()
        with open(up_log.name, errors="replace") as f:
            for code in re.findall(r"heroku\[router\]: (?:sock=\w+ )?at=error code=(H\d+)",
                                   f.read()):
                errors[code] = errors.get(code, 0) + 1
        print("requests: %d (%.0f/s), %d changes" % (requests, rate, n))
        print("errors by kind: %s" % (", ".join("%s %d" % kv for kv in sorted(errors.items()))
                                      or "none"))
        warm = [s for s in samples if s[0] >= args.every] or samples
        first, last = warm[0], samples[-1]
        peak_rss = max(s[1] for s in samples)
        peak_fds = max(s[2] for s in samples)
        peak_log = max(s[3] for s in samples)
        print("lokku up RSS: %.1f MB at start, %.1f MB at the end, %.1f MB peak"
              % (first[1] / 1024, last[1] / 1024, peak_rss / 1024))
        print("lokku up descriptors: %d at start, %d at the end, %d peak"
              % (first[2], last[2], peak_fds))
        print("app log: %.1f MB at most on disk (log and log.1; rotated at %.1f MB)"
              % (peak_log / 1e6, LOG_LIMIT / 1e6))
        if errors:
            failed.append("requests lost")
        if not args.no_rss_check and last[1] > first[1] * 1.25 + 16 * 1024:
            failed.append("RSS grew")
        if last[2] > first[2] + 16:
            failed.append("descriptors grew")
        if peak_log > 2 * LOG_LIMIT + (1 << 20):
            failed.append("the log outgrew its rotation")
    finally:
        if up and up.poll() is None:
            up.send_signal(signal.SIGINT)
            try:
                up.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(up.pid, signal.SIGKILL)
        if not args.keep and not failed:
            shutil.rmtree(work, ignore_errors=True)
    if failed:
        print("soak: FAILED: %s (work folder %s)" % (", ".join(failed), work))
        return 1
    print("soak: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
