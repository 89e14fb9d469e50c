#!/usr/bin/env python3
"""The conformance check fails when a rule marked implemented loses its last test (#27
point 4): in a copy of the tests, every file that cites one implemented rule is removed, and
`scripts/conformance --check` on that copy must exit 1 naming the rule; on the real tests it
must pass."""
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "conformance")
# The script's own reader of citations.
conformance = importlib.machinery.SourceFileLoader("conformance", SCRIPT).load_module()


def main():
    ledger = json.load(open(os.path.join(ROOT, "docs", "conformance.json")))
    ok = subprocess.run([SCRIPT, "--check"], capture_output=True, text=True)
    if ok.returncode != 0:
        sys.exit("the check fails on the real tests:\n" + ok.stderr)
    # An implemented rule (the scheduler's first: cited by few test files).
    rule = next(r for rules in ledger["specs"].values() for r in rules
                if r["status"] == "yes" and r["id"] == "SCHED-1")
    work = tempfile.mkdtemp()
    try:
        copy = os.path.join(work, "tests")
        shutil.copytree(os.path.join(ROOT, "tests"), copy)
        known = {r["id"] for rules in ledger["specs"].values() for r in rules}
        prefixes = {rid.split("-")[0] for rid in known}
        removed = 0
        for path in list(conformance.source_files(copy, (".cpp", ".hpp", ".py", ".sh"))):
            cited = {rid for rid, _ in conformance.cited_ids(conformance.read(path), known,
                                                             prefixes)}
            if rule["id"] in cited:
                os.remove(path)
                removed += 1
        if removed == 0:
            sys.exit("no test file cites %s" % rule["id"])
        lost = subprocess.run([SCRIPT, "--check", "--tests", copy], capture_output=True, text=True)
        if lost.returncode != 1 or rule["id"] not in lost.stderr:
            sys.exit("the check did not fail for %s (exit %d):\n%s%s" % (
                rule["id"], lost.returncode, lost.stdout, lost.stderr))
        print("ok: removing the %d test files citing %s fails the check:\n%s" % (
            removed, rule["id"], lost.stderr))
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
