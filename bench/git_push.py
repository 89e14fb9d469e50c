#!/usr/bin/env python3
"""git push benchmark: `git push heroku main` against `lokku deploy` of the same tree, one run.

Runs `lokku up` in a home of its own, then for the bundled Node.js example (guestbook: npm
packages, Postgres and Redis from app.json, a release phase) times, in the same rounds:
  - git, cold:    a new app, the first `git push heroku main`, until the first 200 through the
                  router;
  - git, warm:    a new commit pushed to the same app (build cache kept), until the push has
                  returned and the router answers 200;
  - deploy, cold / warm: the same with `lokku deploy` of a copy of the tree, to a second app.
Prints each time, the medians and the ratios git/deploy (what the git endpoint costs over the
build itself: the pack, git http-backend, the hook, TLS). Not a test: numbers vary with the
machine and the npm registry.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXAMPLE = os.path.join(ROOT, "examples/apps/guestbook")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_200(port, app, deadline_s=300):
    """Seconds until the router answers 200 for the app (polling every 20 ms)."""
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": f"{app}.localhost"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 200:
                    return time.monotonic() - start
        except Exception:
            pass
        time.sleep(0.02)
    raise SystemExit(f"{app}: no 200 within {deadline_s} s")


def run(cmd, cwd, env, quiet=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-4000:])
        raise SystemExit(f"{' '.join(cmd)}: exit {r.returncode}")
    return r.stdout


def commit(cwd, env, message):
    run(["git", "add", "-A"], cwd, env)
    run(["git", "commit", "-qm", message], cwd, env)


def touch(cwd, n):
    with open(os.path.join(cwd, "BENCH_VERSION"), "w") as f:
        f.write(f"{n}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lokku", default=os.path.join(ROOT, "build/release/bin/lokku"))
    ap.add_argument("--rounds", type=int, default=2, help="cold+warm rounds of each (default 2)")
    args = ap.parse_args()
    if not os.access(args.lokku, os.X_OK):
        sys.exit(f"{args.lokku}: not built (cmake --preset release && cmake --build --preset release)")

    work = tempfile.mkdtemp(prefix="lokku-bench-git-")
    home = os.path.join(work, "home")
    router, api = free_port(), free_port()
    env = dict(os.environ)
    env.update({
        "LOKKU_HOME": home, "HOME": work, "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    })
    env.pop("LOKKU_APP", None)
    up = subprocess.Popen([args.lokku, "up", "-p", str(router), "--api-port", str(api)], env=env,
                          stdout=open(os.path.join(work, "up.log"), "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(home, "platform.json")):
            if time.monotonic() > deadline or up.poll() is not None:
                raise SystemExit("lokku up did not start; see " + os.path.join(work, "up.log"))
            time.sleep(0.05)
        # Trust lokku's CA for this run whatever the machine says (GIT_SSL_CAINFO wins over
        # the repository's http.sslCAInfo).
        env["GIT_SSL_CAINFO"] = os.path.join(home, "tls/ca.crt")
        times = {k: [] for k in ("git cold", "git warm", "deploy cold", "deploy warm")}
        for n in range(args.rounds):
            # git: a repository with the example, the remote lokku git:remote writes.
            g_app, d_app = f"pushed-{n}", f"deployed-{n}"
            g_dir, d_dir = os.path.join(work, g_app), os.path.join(work, d_app)
            shutil.copytree(EXAMPLE, g_dir, ignore=shutil.ignore_patterns("node_modules"))
            shutil.copytree(EXAMPLE, d_dir, ignore=shutil.ignore_patterns("node_modules"))
            run(["git", "init", "-q", "-b", "main"], g_dir, env)
            commit(g_dir, env, "first")
            run([args.lokku, "apps:create", g_app], g_dir, env)
            run([args.lokku, "git:remote", "-a", g_app], g_dir, env)

            for kind, app, cwd, act in (
                ("git", g_app, g_dir, lambda cwd: run(["git", "push", "-q", "heroku", "main"], cwd, env)),
                ("deploy", d_app, d_dir, lambda cwd: run([args.lokku, "deploy", "-a", d_app], cwd, env)),
            ):
                start = time.monotonic()
                act(cwd)
                times[f"{kind} cold"].append(time.monotonic() - start + first_200(router, app))
                touch(cwd, n)
                if kind == "git":
                    commit(cwd, env, "warm")
                start = time.monotonic()
                act(cwd)
                times[f"{kind} warm"].append(time.monotonic() - start + first_200(router, app))
                print(f"round {n + 1}: {kind:6} cold {times[kind + ' cold'][-1]:6.2f} s   "
                      f"warm {times[kind + ' warm'][-1]:6.2f} s", flush=True)

        print()
        med = {k: statistics.median(v) for k, v in times.items()}
        for k in times:
            print(f"{k:12} median {med[k]:6.2f} s   ({' '.join(f'{t:.2f}' for t in times[k])})")
        print()
        print(f"git/deploy   cold {med['git cold'] / med['deploy cold']:.2f}x   "
              f"warm {med['git warm'] / med['deploy warm']:.2f}x")
    finally:
        up.terminate()
        try:
            up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            up.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
