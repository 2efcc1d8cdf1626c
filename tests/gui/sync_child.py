#!/usr/bin/env python3
"""The program in tests/gui/sync.sh's window: synchronized updates (DECSET 2026), timed.

usage: sync_child.py LOG     writes "name monotonic_us" lines to LOG for the harness.
"""
import os
import sys
import time


def mark(log, name):
    log.write("%s %d\n" % (name, time.monotonic_ns() // 1000))
    log.flush()


def out(text):
    os.write(1, text.encode())


def main():
    with open(sys.argv[1], "w") as log:
        out("\x1b[2 qbefore\r\n")  # a steady cursor: no blinking frames
        time.sleep(0.5)
        # an update that ends: nothing may be drawn between its begin and its end
        mark(log, "begin1")
        out("\x1b[?2026hhalf of an update")
        time.sleep(0.1)
        out(", the rest\r\n")
        mark(log, "end1")
        out("\x1b[?2026l")
        time.sleep(0.5)
        # an update that never ends: the window draws anyway, 150 ms after it began
        mark(log, "begin2")
        out("\x1b[?2026hnever ended\r\n")
        time.sleep(0.6)
        mark(log, "end2")
        out("\x1b[?2026l")
        time.sleep(0.3)


if __name__ == "__main__":
    main()
