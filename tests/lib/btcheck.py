"""What the scenario scripts share: expectations that record a failure and go on, and
reading boundterm's dump and --stats files (standard library only)."""
import json
import os
import sys

failures = []


def check(cond, what):
    """Records a failed expectation and goes on."""
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def read_lines(path):
    """A dump's lines (UTF-8, bad bytes replaced), without the newlines."""
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace").split("\n")[:-1]


def read_stats(path):
    """The stats file's complete lines as dicts ([] when absent). A last line boundterm is
    still writing (no newline yet) is left out; a complete line that is not JSON fails."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return []
    out = []
    for n, line in enumerate(text.split("\n")[:-1], 1):
        try:
            out.append(json.loads(line))
        except ValueError:
            check(False, "stats line %d is not JSON: %r" % (n, line[:200]))
    return out
