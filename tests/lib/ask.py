#!/usr/bin/env python3
"""Runs inside a terminal: sends queries and records the terminal's answers.

usage: ask.py [--wait S] OUT QUERY...

Each QUERY is written with Python escapes (\\x1b, \\a, \\\\) to the controlling terminal in raw
mode; what the terminal answers within a moment (until 0.3 s pass with no byte, at most S
seconds, default 1, after the query) is written to OUT as one JSON list of strings, in the order of the queries,
"" for no answer. The scenarios compare it with what xterm documents."""
import json
import os
import select
import sys
import termios
import time
import tty


def answer(fd, query, limit):
    os.write(fd, query.encode("latin-1"))
    got, start, last = b"", time.monotonic(), None
    while True:
        now = time.monotonic()
        wait = 0.3 if last else limit - (now - start)
        if last and now - last >= 0.3 or now - start >= limit:
            break
        r, _, _ = select.select([fd], [], [], max(0.0, min(wait, 0.3)))
        if r:
            got += os.read(fd, 4096)
            last = time.monotonic()
        elif last:
            break
    return got.decode("latin-1")


def main():
    args, limit = sys.argv[1:], 1.0
    if args[:1] == ["--wait"]:
        limit, args = float(args[1]), args[2:]
    out, queries = args[0], args[1:]
    fd = os.open("/dev/tty", os.O_RDWR)
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        answers = [answer(fd, q.encode("latin-1").decode("unicode_escape"), limit) for q in queries]
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    with open(out, "w") as f:
        json.dump(answers, f)


if __name__ == "__main__":
    main()
