#!/usr/bin/env python3
"""Slug packing benchmark: `lokku slug:pack` against `tar czf` on the same tree, one run.

Builds a ~200 MB tree of many small files (text-like content, so gzip has work to do), then
packs it with each tool and prints wall time, size and the ratios lokku/tar. Checks that
lokku's slug is a standard tar.gz (gzip -t, tar tzf) holding every file.
Not a test: numbers vary with the machine.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

WORDS = ("request dyno router slug release config buildpack heroku formation worker web "
         "process port timeout crash restart memory quota log line stream header body "
         "status error code platform api token app build cache compile detect").split()


def make_tree(root, total_bytes, seed=42):
    rng = random.Random(seed)
    written = 0
    files = 0
    while written < total_bytes:
        d = os.path.join(root, f"pkg{files // 500:03d}", f"mod{(files // 50) % 10}")
        os.makedirs(d, exist_ok=True)
        size = int(rng.lognormvariate(8.5, 1.0))  # median ~5 kB, a long tail
        size = max(64, min(size, 400_000))
        words = []
        n = 0
        while n < size:
            w = rng.choice(WORDS) if rng.random() < 0.85 else f"{rng.getrandbits(32):08x}"
            words.append(w)
            n += len(w) + 1
        with open(os.path.join(d, f"file{files:06d}.txt"), "w") as f:
            f.write(" ".join(words)[:size])
        written += size
        files += 1
    return files, written


def timed(cmd, cwd=None):
    start = time.monotonic()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lokku", default=os.path.join(ROOT, "build/release/bin/lokku"))
    ap.add_argument("--megabytes", type=int, default=200)
    args = ap.parse_args()
    if not os.access(args.lokku, os.X_OK):
        sys.exit(f"{args.lokku}: not built (cmake --preset release && cmake --build --preset release)")
    work = tempfile.mkdtemp(prefix="lokku-bench-slug-")
    try:
        tree = os.path.join(work, "app")
        os.makedirs(tree)
        files, size = make_tree(tree, args.megabytes * 1024 * 1024)
        subprocess.run(["sync"])
        print(f"tree: {files} files, {size / 1048576:.1f} MB")
        # Warm the page cache for both equally.
        subprocess.run(["tar", "cf", "/dev/null", "."], cwd=tree, check=True)
        tar_out = os.path.join(work, "tar.tgz")
        lokku_out = os.path.join(work, "lokku.tgz")
        t_tar = timed(["tar", "czf", tar_out, "."], cwd=tree)
        t_lokku = timed([args.lokku, "slug:pack", tree, lokku_out])
        s_tar = os.path.getsize(tar_out)
        s_lokku = os.path.getsize(lokku_out)
        subprocess.run(["gzip", "-t", lokku_out], check=True)
        listed = subprocess.run(["tar", "tzf", lokku_out], check=True, capture_output=True,
                                text=True).stdout.split("\n")
        in_slug = sum(1 for l in listed if l.endswith(".txt"))
        print(f"tar czf      time={t_tar:7.2f} s  size={s_tar / 1048576:7.2f} MB")
        print(f"lokku        time={t_lokku:7.2f} s  size={s_lokku / 1048576:7.2f} MB  "
              f"files={in_slug}/{files} (gzip -t ok)")
        print(f"lokku/tar    time {t_lokku / t_tar:.2f}x  size {s_lokku / s_tar:.3f}x  "
              f"(target: time <= 1.0x at size <= 1.0x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
