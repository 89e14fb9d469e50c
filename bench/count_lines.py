#!/usr/bin/env python3
"""Reads a manager's output, counts the printer dyno's lines and checks each is whole and in
order. Prints `seconds=<time from first to last line> lines=N lost=N split=N` and exits once
N lines were seen (or at EOF)."""
import re
import sys
import time

want = int(sys.argv[1])
pattern = re.compile(rb"L(\d{7}) abcdefghijklmnopqrstuvwxyz0123456789$")
seen = bad = 0
expected = 1
first = None
out_of_order = 0
for line in sys.stdin.buffer:
    line = line.rstrip(b"\n")
    if b"L" not in line or b"abcdefghij" not in line:
        if b"printer" in line and b"L" in line and b"Starting process" not in line:
            bad += 1
        continue
    m = pattern.search(line)
    if not m:
        bad += 1
        continue
    if first is None:
        first = time.monotonic()
    n = int(m.group(1))
    if n != expected:
        out_of_order += 1
    expected = n + 1
    seen += 1
    if seen >= want:
        break
end = time.monotonic()
print("seconds=%.3f lines=%d lost=%d split=%d out_of_order=%d" % (
    (end - first) if first else float("nan"), seen, want - seen, bad, out_of_order))
