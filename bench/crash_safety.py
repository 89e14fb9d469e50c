#!/usr/bin/env python3
"""Crash safety (issue #25 point 4): kill -9 at random moments.

Runs `lokku up` with one app (the pyweb fixture, a Redis add-on holding a key), then, ROUNDS
times, starts one of the things that write lokku's store (a deploy, a config:set, a ps:scale, a
rollback, an addons:create or addons:destroy, a git push) and kills it with SIGKILL after a
random delay, or kills `lokku up` itself in the middle of one. After each round it starts
again what was killed and checks what a user relies on:

  - the store loads: `lokku apps` and `lokku releases --json` answer;
  - release numbers run 1..N, none lost or repeated;
  - no half-written slug is used: every release's slug is there and matches its checksum;
  - the formation converges: every dyno up on the current release (`lokku wait`; a build or
    release phase the kill interrupted is a failed one, as on Heroku, not a fault);
  - add-on data is intact: the Redis key written at the start reads back.

  bench/crash_safety.py [--rounds 100] [--seed N] [--lokku build/asan/bin/lokku]

Prints each round and `N/N rounds consistent`; exit status 1 when a round was not. The test
suite runs `--rounds 4` (ctest CrashSafety.Short); the 100 rounds are this script's.
"""
import argparse
import glob
import hashlib
import json
import os
import random
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
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "apps", "pyweb")
APP = "web"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Platform:
    def __init__(self, lokku, work, env, router, api):
        self.lokku, self.work, self.env = lokku, work, env
        self.router, self.api = router, api
        self.proc = None
        self.log = open(os.path.join(work, "up.log"), "a")

    def start(self):
        info = os.path.join(self.env["LOKKU_HOME"], "platform.json")
        self.proc = subprocess.Popen(
            [self.lokku, "up", "-p", str(self.router), "--api-port", str(self.api),
             "--time-scale", "10"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("lokku up exited; see " + self.log.name)
            try:
                with open(info) as f:
                    if json.load(f).get("pid") == self.proc.pid:
                        return
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise SystemExit("lokku up did not start within 60 s; see " + self.log.name)

    def kill9(self):
        # lokku up, as a power cut would take it: its dynos and add-on servers die with it
        # (each dyno's init has PR_SET_PDEATHSIG).
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def run(cmd, cwd, env, timeout=300):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def must(cmd, cwd, env, timeout=300):
    r = run(cmd, cwd, env, timeout)
    if r.returncode != 0:
        raise SystemExit("%s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                    r.stderr))
    return r.stdout


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "SHA256:" + h.hexdigest()


def converged(lokku, app_dir, env, limit=120):
    """Empty when every dyno of the formation is up on the current release. A build or a
    release phase the kill interrupted is a failed one, as on Heroku (the app goes on with its
    release before); `lokku wait` says so, and that is no fault of the formation's."""
    deadline = time.monotonic() + limit
    while True:
        r = run([lokku, "wait", "-a", APP, "--timeout", "2s", "--json"], app_dir, env, 60)
        if r.returncode == 0:
            return ""
        try:
            state = json.loads(r.stdout)
        except ValueError:
            state = {}
        pending = state.get("pending", {}).get(APP, {})
        failed = {k: v for k, v in state.get("failed", {}).get(APP, {}).items()
                  if k not in ("release", "build")}
        if state.get("platform") == "running" and not pending and not failed:
            return ""
        if time.monotonic() > deadline:
            return "pending %s, failed %s" % (pending, failed)
        time.sleep(0.5)


def check(lokku, home, app_dir, env):
    """What is wrong after a round (empty: consistent)."""
    problems = []
    r = run([lokku, "apps"], app_dir, env, 60)
    if r.returncode != 0:
        return ["lokku apps: " + r.stderr.strip()]
    r = run([lokku, "releases", "-a", APP, "--json", "-n", "100000"], app_dir, env, 60)
    if r.returncode != 0:
        return ["lokku releases: " + r.stderr.strip()]
    releases = json.loads(r.stdout)
    versions = sorted(x["version"] for x in releases)
    if versions != list(range(1, len(versions) + 1)):
        problems.append("release numbers are not 1..%d: %s" % (len(versions), versions))
    for x in releases:
        slug = (x.get("slug") or {}).get("id")
        if not slug or x.get("status") != "succeeded":
            continue
        tgz = os.path.join(home, "apps", APP, "slugs", slug + ".tgz")
        meta = os.path.join(home, "apps", APP, "slugs", slug + ".yaml")
        if not os.path.exists(tgz) or not os.path.exists(meta):
            problems.append("v%d: slug %s is missing" % (x["version"], slug))
            continue
        m = re.search(r"checksum: (SHA256:[0-9a-f]{64})", open(meta).read())
        if not m or m.group(1) != sha256(tgz):
            problems.append("v%d: slug %s does not match its checksum" % (x["version"], slug))
    why = converged(lokku, app_dir, env)
    if why:
        problems.append("the formation did not converge: " + why)
    # Through the add-on itself (a rollback to before its attachment takes REDIS_URL out of
    # the release's config vars, as on Heroku; the data stays).
    r = run([lokku, "redis:cli", "-a", APP, "--", "GET", "crash-safety"], app_dir, env, 120)
    if r.stdout.strip() != "kept":
        problems.append("the Redis key did not read back: %r %s" % (r.stdout, r.stderr.strip()))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--seed", type=int, default=None, help="for the random moments")
    ap.add_argument("--lokku", default=os.path.join(ROOT, "build", "asan", "bin", "lokku"))
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    if not os.access(args.lokku, os.X_OK):
        sys.exit("%s: not built (cmake --preset asan && cmake --build --preset asan)" % args.lokku)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="lokku-crash-safety-")
    home = os.path.join(work, "home")
    app_dir = os.path.join(work, APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOKKU_")}
    env.update({
        "LOKKU_HOME": home, "HOME": work, "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "crash", "GIT_AUTHOR_EMAIL": "crash@example.com",
        "GIT_COMMITTER_NAME": "crash", "GIT_COMMITTER_EMAIL": "crash@example.com",
    })
    platform = Platform(args.lokku, work, env, free_port(), free_port())
    print("crash-safety: %d rounds, seed %d, work folder %s" % (args.rounds, seed, work),
          flush=True)
    failures = 0
    try:
        shutil.copytree(FIXTURE, app_dir)
        must(["git", "init", "-q", "-b", "main"], app_dir, env)
        must(["git", "add", "-A"], app_dir, env)
        must(["git", "commit", "-qm", "first"], app_dir, env)
        platform.start()
        env["GIT_SSL_CAINFO"] = os.path.join(home, "tls", "ca.crt")
        must([args.lokku, "deploy", "-a", APP], app_dir, env)
        must([args.lokku, "git:remote", "-a", APP], app_dir, env)
        must([args.lokku, "addons:create", "heroku-redis", "-a", APP], app_dir, env)
        must([args.lokku, "run", "-a", APP, "--",
              'redis-cli -u "$REDIS_URL" --no-auth-warning SET crash-safety kept'], app_dir, env)

        def change(n):
            with open(os.path.join(app_dir, "round.txt"), "w") as f:
                f.write("round %d\n" % n)

        # What each round may start, and up to how long it may run before the kill.
        def deploy(n):
            change(n)
            return [args.lokku, "deploy", "-a", APP], 4.0

        def push(n):
            change(n)
            must(["git", "add", "-A"], app_dir, env)
            must(["git", "commit", "-qm", "round %d" % n], app_dir, env)
            return ["git", "push", "-q", "heroku", "main"], 5.0

        def extra(n):
            has = os.path.exists(os.path.join(home, "apps", APP, "app.yaml")) and \
                "attachment: EXTRA" in open(os.path.join(home, "apps", APP, "app.yaml")).read()
            if has:
                return [args.lokku, "addons:destroy", "EXTRA", "-a", APP, "--confirm", APP], 3.0
            return [args.lokku, "addons:create", "heroku-redis", "--as", "EXTRA", "-a", APP], 3.0

        steps = {
            "deploy": deploy,
            "config:set": lambda n: ([args.lokku, "config:set", "ROUND=%d" % n, "-a", APP], 1.0),
            "ps:scale": lambda n: ([args.lokku, "ps:scale", "worker=%d" % (n % 2), "-a", APP],
                                   0.5),
            "rollback": lambda n: ([args.lokku, "rollback", "-a", APP], 1.0),
            "addons": extra,
            "git push": push,
        }
        for n in range(1, args.rounds + 1):
            what = rng.choice(sorted(steps))
            cmd, longest = steps[what](n)
            kill_platform = rng.random() < 0.25
            delay = rng.uniform(0, longest)
            proc = subprocess.Popen(cmd, cwd=app_dir, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(delay)
            ended = proc.poll() is not None
            if kill_platform:
                platform.kill9()
                victim = "lokku up"
            else:
                proc.send_signal(signal.SIGKILL)
                victim = what
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if kill_platform:
                platform.start()
            problems = check(args.lokku, home, app_dir, env)
            failures += bool(problems)
            print("round %3d: %-10s killed %-10s after %.2f s%s: %s" % (
                n, what, victim, delay, " (it had ended)" if ended and not kill_platform else "",
                "consistent" if not problems else "NOT consistent\n    " +
                "\n    ".join(problems)), flush=True)
    finally:
        platform.stop()
        if not args.keep and not failures:
            shutil.rmtree(work, ignore_errors=True)
    print("%d/%d rounds consistent (seed %d)" % (args.rounds - failures, args.rounds, seed))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
