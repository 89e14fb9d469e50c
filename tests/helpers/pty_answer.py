#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts, as a user at a terminal would.

    pty_answer.py [--expect REGEX --send KEYS]... -- COMMAND [ARG...]

Each --expect waits (10 s at most) for its pattern in what the command has printed since the
previous answer, then types its --send keys (Python escapes: '\\r' is Enter, ' ' Space). What
the command printed goes to stdout; the exit status is the command's, or 124 when a pattern
never came.
"""
import argparse
import os
import pty
import re
import select
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--expect", action="append", default=[])
    parser.add_argument("--send", action="append", default=[])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    answers = list(zip(args.expect, [s.encode().decode("unicode_escape") for s in args.send]))

    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)

    seen = b""
    unread = b""
    deadline = time.monotonic() + 10
    while True:
        if answers and re.search(answers[0][0].encode(), unread):
            time.sleep(0.2)  # the prompt draws itself before it reads
            os.write(fd, answers[0][1].encode())
            answers.pop(0)
            unread = b""
            deadline = time.monotonic() + 10
        if answers and time.monotonic() > deadline:
            sys.stdout.write(seen.decode(errors="replace"))
            sys.stdout.write(f"\npty_answer: never saw {answers[0][0]!r}\n")
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return 124
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the command ended: its side of the terminal closed
            chunk = b""
        if not chunk:
            break
        seen += chunk
        unread += chunk
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors="replace"))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
