#!/usr/bin/env python3
"""boundterm --stress (issue 6), driven as a user would run it. Usage: test_stress.py BOUNDTERM CASE

  run     --bytes 64M under a 16M RAM budget with --plot: exit 0, every summary field, exactly
          64 MiB processed, and an SVG that parses as XML with the expected series
  early   a program that exits before --bytes: exit 0, the summary says so, no disk series
  flags   bad stress flags: exit 2 with one line on stderr, before any program runs
  signal  SIGINT in the middle: the summary is still printed, exit 0, "stopped by signal 2"
  tty     on a terminal a progress line is rewritten in place (\\r) and cleared at the end
Each case takes a few seconds; all of them well under 30 s on two busy cores.
"""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

MIB = 1 << 20
SVG = "{http://www.w3.org/2000/svg}"
FIELDS = ["ended", "bytes processed", "rows processed", "throughput", "rows in RAM",
          "rows on disk", "rows dropped", "compression", "store RAM used", "disk used",
          "RES at 1 s", "peak RES", "final RES", "bound"]


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


def stress(bt, tmp, args, **kw):
    """Runs boundterm --stress with args; returns (status, stdout, stderr)."""
    cmd = [bt, "--stress", "--spill-dir", tmp] + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp, **kw)
    return p.returncode, p.stdout, p.stderr


def fields(out):
    """The summary's "  name: value" lines as a dict."""
    got = {}
    for line in out.splitlines():
        m = re.match(r"  ([A-Za-z0-9 ]+):\s+(.*)$", line)
        if m:
            got[m.group(1)] = m.group(2)
    return got


def svg_ids(path):
    """The ids in the SVG at path (it must parse as XML and be an <svg>)."""
    root = ET.parse(path).getroot()
    check(root.tag == SVG + "svg", "plot: root is %r" % root.tag)
    return {e.get("id") for e in root.iter() if e.get("id")}


def case_run(bt, tmp):
    plot = os.path.join(tmp, "stress.svg")
    status, out, err = stress(bt, tmp, ["--bytes", "64M", "--scrollback-ram", "16M",
                                        "--plot", plot])
    print(out, end="")
    check(status == 0, "status %d, stderr %r" % (status, err))
    got = fields(out)
    missing = [f for f in FIELDS if f not in got]
    check(not missing, "summary lacks %r" % missing)
    check(got["bytes processed"].startswith("%d " % (64 * MIB)), got["bytes processed"])
    check("--bytes 64.0 MiB reached" in got["ended"], got["ended"])
    check(re.match(r"[\d.]+ MB/s, \d+ rows/s$", got["throughput"]), got["throughput"])
    check(got["bound"].startswith("held: "), got["bound"])
    check(re.match(r"[\d.]+x ", got["compression"]), got["compression"])
    check("of the 16.0 MiB RAM budget" in got["store RAM used"], got["store RAM used"])
    rows = int(got["rows processed"].split()[0])
    check(rows > 500000, "only %d rows from 64 MiB of od -cx" % rows)
    parts = sum(int(got[k].split()[0]) for k in ("rows in RAM", "rows on disk", "rows dropped"))
    check(parts == rows, "RAM + disk + dropped = %d, processed %d" % (parts, rows))
    ids = svg_ids(plot)
    want = {"res", "budget", "bound", "store-ram", "store-disk", "axes", "legend"}
    check(want <= ids, "plot ids %r lack %r" % (ids, want - ids))
    text = open(plot).read()
    check("time (s)" in text and "(MiB)" in text, "plot: axis titles")


def case_early(bt, tmp):
    plot = os.path.join(tmp, "early.svg")
    prog = ["sh", "-c", "od -cx /dev/urandom | head -c 1000000; exit 3"]
    status, out, err = stress(bt, tmp, ["--bytes", "64M", "--scrollback-ram", "16M",
                                        "--scrollback-disk", "0", "--plot", plot, "-e"] + prog)
    print(out, end="")
    check(status == 0, "status %d, stderr %r" % (status, err))
    got = fields(out)
    check(not [f for f in FIELDS if f not in got], "summary lacks fields: %r" % out)
    check(got["ended"] == "the program exited early with status 3", got["ended"])
    n = int(got["bytes processed"].split()[0])
    check(1000000 <= n < 1100000, "bytes processed %d (the pty adds a CR per line)" % n)
    ids = svg_ids(plot)
    check({"res", "budget", "bound", "store-ram"} <= ids and "store-disk" not in ids,
          "plot ids %r" % ids)


def case_flags(bt, tmp):
    marker = os.path.join(tmp, "started")
    cases = [
        (["--bytes", "12Q"], "boundterm: --bytes: '12Q' is not a size"),
        (["--bytes=0"], "boundterm: --bytes: '0' is not a positive size"),
        (["--duration", "-1"], "boundterm: --duration: '-1' is not a positive number"),
        (["--duration=abc"], "boundterm: --duration: 'abc' is not a positive number"),
        (["--bytes", "1M", "--duration", "2"], "boundterm: --stress takes --bytes or "
         "--duration, not both"),
        (["--plot"], "boundterm: --plot needs a value"),
        (["--scrollback-ram", "1K"], "boundterm: --scrollback-ram: '1K' is below"),
        (["--frobnicate"], "boundterm: unknown option '--frobnicate'"),
    ]
    for args, want in cases:
        status, out, err = stress(bt, tmp, args + ["-e", "touch", marker])
        check(status == 2, "%s: status %d" % (args, status))
        check(err.count("\n") == 1 and err.startswith(want), "%s: stderr %r" % (args, err))
        check(not os.path.exists(marker), "%s: the program ran" % (args,))
    status, out, _ = stress(bt, tmp, ["--help"])
    check(status == 0 and "--stress" in out and "--scrollback-ram" in out, "--help: %r" % out)


def case_signal(bt, tmp):
    cmd = [bt, "--stress", "--spill-dir", tmp, "--scrollback-ram", "16M", "--duration", "30"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    print(out, end="")
    check(p.returncode == 0, "status %d, stderr %r" % (p.returncode, err))
    got = fields(out)
    check(got.get("ended", "").startswith("stopped by signal 2"), "ended: %r" % got.get("ended"))
    check(not [f for f in FIELDS if f not in got], "summary lacks fields: %r" % out)


def case_tty(bt, tmp):
    master, slave = pty.openpty()
    cmd = [bt, "--stress", "--spill-dir", tmp, "--scrollback-ram", "16M", "--duration", "1"]
    p = subprocess.Popen(cmd, stdout=slave, stderr=slave, stdin=slave, cwd=tmp)
    os.close(slave)
    data = b""
    deadline = time.time() + 20
    while time.time() < deadline:
        r, _, _ = select.select([master], [], [], 0.5)
        if not r:
            if p.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child side is closed
            break
        if not chunk:
            break
        data += chunk
    p.wait(timeout=10)
    os.close(master)
    text = data.decode("utf-8", "replace")
    check(p.returncode == 0, "status %d: %r" % (p.returncode, text[-300:]))
    check(text.count(" MB/s  RES ") >= 3, "progress lines: %r" % text[:300])
    check("\r\x1b[K" in text and "bound:" in text, "cleared progress, summary: %r" % text[-300:])


def main():
    bt, case = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="bt-stress-") as tmp:
        {"run": case_run, "early": case_early, "flags": case_flags, "signal": case_signal,
         "tty": case_tty}[case](os.path.abspath(bt), tmp)
    print("ok")


if __name__ == "__main__":
    main()
