#!/usr/bin/env python3
"""Hostile input and faults through the real boundterm binary (issue 7), headless.

usage: hostile.py BOUNDTERM CASE [SECONDS]

Cases (suite scenario unless noted; exit 77 = skipped, with the reason on stdout):
  tmpfs        the spill directory on a 1 MiB tmpfs (needs root to mount) during a 64 MiB
               od -cx flood at the smallest RAM budget: exit 0, last_error says there is no
               space, RSS sampled from outside stays <= RSS(1 s) + budget + 8 MiB
  rmdir        the spill directory removed (rm -rf) between two halves of a flood that spills:
               the terminal keeps running to exit 0, last_error says why, the budgets hold
  flip         a byte flipped in a spilled page through /proc/PID/fd/N: at exit the dump has
               that page's rows as empty lines, every other row equals od's output
  secrets      a flood carrying a marker string spills: the spill files are unlinked
               ("(deleted)" in /proc/PID/fd), mode 0600, the marker is in none of their bytes;
               some mapping of the process carries the dd (do not dump) VmFlag: the key's
  sgr          rows with a different SGR on every cell: the dump's text equals the input's
  combining    5 combining marks per cell (the most a cell keeps) round-trip; with 6, the
               sixth is left out and nothing else changes (rows one column short of the
               screen: see test_split_marks.c for marks split from a base in the last column)
  wide         rows of wide emoji and CJK round-trip
  invalid      invalid UTF-8 between valid lines: no crash, the valid lines round-trip
  maxcols      --size 65535x24 (the widest the configuration allows): rows of 65535
               characters round-trip under the smallest budget, RSS bounded
  urandom S    cat /dev/urandom raw for S seconds (10; minutes in suite slow): no crash,
               exit 0, the budgets hold, RSS bounded
  lifecycle    the child exits (its status), ignores SIGHUP (SIGTERM to boundterm still ends
               it: 143, child gone), forks a daemon that keeps the pty (boundterm ends within
               2.5 s of the main child), a missing program (127 and a clear message)
Standard library only; exit 0 on success, 1 with the reasons on stderr.
"""
import os
import random
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from btcheck import check, failures, read_lines, read_stats  # noqa: E402

MIB = 1 << 20
SKIP = 77





def vm_rss(pid):
    """VmRSS of pid in bytes, or None once it has gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024
    except (FileNotFoundError, AttributeError, ProcessLookupError):
        return None


def min_ram(bt, tmp):
    """A RAM budget that spills at once, but holds the store's parts as configured: below
    the defaults' minimum (about 7 MiB) the store scales them down and its index with the
    budget, keeping far fewer spilled pages than these disk faults need."""
    return 8 << 20


class Run:
    """boundterm running headless with --stats and --dump-scrollback in tmp."""

    def __init__(self, bt, tmp, prog, extra=(), name="run"):
        self.dump = os.path.join(tmp, name + ".dump")
        self.stats = os.path.join(tmp, name + ".stats")
        self.errf = open(os.path.join(tmp, name + ".err"), "w+")
        self.t0 = time.monotonic()
        self.p = subprocess.Popen([bt, "--headless", "--dump-scrollback", self.dump, "--stats",
                                   self.stats, *extra, "-e", *prog], cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=self.errf)
        self.samples, self.baseline = [], None

    def sample(self):
        """One RSS sample; the first one past 1 s is the baseline."""
        rss = vm_rss(self.p.pid)
        t = time.monotonic() - self.t0
        if rss is not None:
            self.samples.append((t, rss))
            if self.baseline is None and t >= 1.0:
                self.baseline = rss
        return rss

    def last_stats(self):
        s = read_stats(self.stats)
        return s[-1] if s else {}

    def wait(self, timeout, during=None):
        """Samples RSS every 100 ms (calling during() too) until exit; returns the status."""
        end = time.monotonic() + timeout
        while self.p.poll() is None and time.monotonic() < end:
            self.sample()
            if during:
                during()
            time.sleep(0.1)
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
            check(False, "boundterm still running after %d s" % timeout)
        self.errf.seek(0)
        self.err = self.errf.read()
        self.errf.close()
        return self.p.returncode

    def check_rss(self, what, budget):
        """RSS sampled from outside stays within RSS(1 s) + budget + 8 MiB."""
        if not check(self.baseline is not None, "%s: the run ended within a second" % what):
            return
        limit = self.baseline + budget + 8 * MIB
        peak = max(r for _, r in self.samples)
        over = [(round(t, 1), r // MIB) for t, r in self.samples if r > limit]
        check(not over, "%s: RSS over RSS(1 s) %d MiB + budget %d MiB + 8 MiB at %r" % (
            what, self.baseline // MIB, budget // MIB, over[:5]))
        print("%s: %d RSS samples, RSS(1 s) %.1f MiB, peak %.1f MiB, limit %.1f MiB" % (
            what, len(self.samples), self.baseline / MIB, peak / MIB, limit / MIB))

    def lines(self):
        return read_lines(self.dump) if os.path.exists(self.dump) else []


def check_budgets(what, st, ram, disk):
    check(st.get("ram_used", 1 << 62) <= ram and st.get("disk_used", 1 << 62) <= disk,
          "%s: over budget: ram_used %r of %d, disk_used %r of %d" % (
              what, st.get("ram_used"), ram, st.get("disk_used"), disk))


def spill_fds(pid, spill_dir):
    """(fd path, link target) of pid's open files in spill_dir."""
    out = []
    fd_dir = "/proc/%d/fd" % pid
    try:
        names = os.listdir(fd_dir)
    except FileNotFoundError:
        return out
    for n in names:
        try:
            target = os.readlink(os.path.join(fd_dir, n))
        except OSError:
            continue
        if target.startswith(spill_dir + "/"):
            out.append((os.path.join(fd_dir, n), target))
    return out


def wait_for(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


# ---- Disk faults ----------------------------------------------------------------------------

def case_tmpfs(bt, tmp):
    if os.geteuid() != 0:
        print("skip: mounting a tmpfs needs root")
        return SKIP
    mnt = os.path.join(tmp, "tiny")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", mnt],
                      capture_output=True).returncode != 0:
        print("skip: cannot mount a tmpfs here (no CAP_SYS_ADMIN in this container?)")
        return SKIP
    try:
        ram = min_ram(bt, tmp)
        r = Run(bt, tmp, ["sh", "-c", "od -cx /dev/urandom | head -c 64M; sleep 1.2"],
                ["--scrollback-ram", str(ram), "--spill-dir", mnt], "tmpfs")
        status = r.wait(300)
        st = r.last_stats()
        check(status == 0, "tmpfs: status %d, stderr %r" % (status, r.err[-500:]))
        check("space" in st.get("last_error", ""), "tmpfs: last_error %r" % st.get(
            "last_error"))
        check(st.get("bytes_in", 0) >= 64 * MIB, "tmpfs: bytes_in %r" % st.get("bytes_in"))
        check_budgets("tmpfs", st, ram, 1 << 30)
        check(st.get("disk_used", 1 << 62) <= MIB, "tmpfs: disk_used %r" % st.get("disk_used"))
        r.check_rss("tmpfs", ram)
        print("tmpfs: last_error %r, rows kept %r, dropped %r" % (
            st.get("last_error"), st.get("rows_retained"), st.get("rows_dropped")))
    finally:
        subprocess.run(["umount", "-l", mnt])


def case_rmdir(bt, tmp):
    spill = os.path.join(tmp, "spill")
    os.mkdir(spill)
    ram = min_ram(bt, tmp)
    gate = os.path.join(tmp, "gate")
    # Half the flood spills; the child waits while the directory is removed, then the other
    # half must open new segments (a small disk budget makes them small) where there is none.
    cmd = ("od -cx /dev/urandom | head -c 40M; i=0; while [ ! -e %s ] && [ $i -lt 600 ]; do "
           "sleep 0.1; i=$((i+1)); done; od -cx /dev/urandom | head -c 64M" % gate)
    r = Run(bt, tmp, ["sh", "-c", cmd], ["--scrollback-ram", str(ram), "--scrollback-disk",
                                         "4M", "--spill-dir", spill], "rmdir")
    removed = []

    def during():
        if not removed and r.last_stats().get("bytes_in", 0) >= 40 * MIB:
            check(spill_fds(r.p.pid, spill), "rmdir: no spill file open before the removal")
            subprocess.run(["rm", "-rf", spill], check=True)
            removed.append(time.monotonic() - r.t0)
            open(gate, "w").close()
    status = r.wait(300, during)
    st = r.last_stats()
    check(removed, "rmdir: the directory was never removed")
    check(status == 0, "rmdir: status %d, stderr %r" % (status, r.err[-500:]))
    check(st.get("bytes_in", 0) >= 104 * MIB, "rmdir: bytes_in %r" % st.get("bytes_in"))
    err = st.get("last_error", "")
    check(spill in err or "No such file" in err, "rmdir: last_error %r" % err)
    check_budgets("rmdir", st, ram, 4 * MIB)
    r.check_rss("rmdir", ram)
    print("rmdir: removed at %.1f s; last_error %r" % (removed[0] if removed else -1, err))


def od_file(tmp, mib, seed=20261126):
    """od -cx of mib MiB of seeded random bytes; returns its path and its lines."""
    data = os.path.join(tmp, "random.bin")
    with open(data, "wb") as f:
        f.write(random.Random(seed).randbytes(int(mib * MIB)))
    path = os.path.join(tmp, "random.od")
    with open(path, "wb") as f:
        subprocess.run(["od", "-cx", data], stdout=f, check=True)
    os.unlink(data)
    return path, [w.rstrip(" ") for w in read_lines(path)]


def case_flip(bt, tmp):
    path, want = od_file(tmp, 3)
    spill = os.path.join(tmp, "spill")
    os.mkdir(spill)
    ram = min_ram(bt, tmp)
    gate = os.path.join(tmp, "gate")
    # The child holds the terminal open until the byte is flipped (or 60 s pass).
    prog = ["sh", "-c", 'cat "$1"; i=0; while [ ! -e "$2" ] && [ $i -lt 600 ]; do '
            'sleep 0.1; i=$((i+1)); done', "sh", path, gate]
    r = Run(bt, tmp, prog, ["--scrollback-ram", str(ram), "--spill-dir", spill], "flip")
    flipped = []

    def during():
        if flipped or r.last_stats().get("bytes_in", 0) < os.path.getsize(path):
            return
        fds = spill_fds(r.p.pid, spill)
        if not fds:
            return
        fd = os.open(fds[0][0], os.O_RDWR)  # the same open file, through /proc
        size = os.fstat(fd).st_size
        if size > 20000:
            off = size // 3
            b = os.pread(fd, 1, off)
            os.pwrite(fd, bytes([b[0] ^ 0x10]), off)
            flipped.append((fds[0][1], off, size))
        os.close(fd)
        if flipped:
            open(gate, "w").close()
    status = r.wait(300, during)
    check(flipped, "flip: no spill file to flip a byte in")
    check(status == 0, "flip: status %d, stderr %r" % (status, r.err[-500:]))
    st = r.last_stats()
    check(st.get("rows_dropped", 1) == 0, "flip: rows dropped %r" % st.get("rows_dropped"))
    got = r.lines()
    m = re.search(r"(\d+) scrollback rows could not be read back", r.err)
    lost = int(m.group(1)) if m else 0
    check(0 < lost < 20000, "flip: %d rows lost (stderr %r)" % (lost, r.err[-300:]))
    check(len(got) == len(want), "flip: %d lines vs %d" % (len(got), len(want)))
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w and g != ""]
    empty = [i for i, (g, w) in enumerate(zip(got, want)) if g != w and g == ""]
    check(not bad, "flip: lines that are neither od's nor empty: %r" % bad[:5])
    check(len(empty) == lost, "flip: %d empty lines for %d lost rows" % (len(empty), lost))
    # the last stats line comes after the dump, so it knows what the dump found
    check(st.get("rows_lost") == lost, "flip: final stats rows_lost %r, the dump lost %d" % (
        st.get("rows_lost"), lost))
    check(st.get("final") and st.get("last_error"), "flip: final stats last_error %r" % (
        st.get("last_error"),))
    if empty:
        check(empty[-1] - empty[0] + 1 == len(empty), "flip: the lost rows are not one run")
    print("flip: byte %r; %d rows lost as one run of empty lines, %d lines intact" % (
        flipped[:1], lost, len(got) - len(empty)))


# ---- Secrets on disk ------------------------------------------------------------------------

MARKER = "SECRET-MARKER-1234"


def case_secrets(bt, tmp):
    spill = os.path.join(tmp, "spill")
    os.mkdir(spill)
    ram = min_ram(bt, tmp)
    gate = os.path.join(tmp, "gate")
    cmd = ("od -cx /dev/urandom | sed 's/^/%s /' | head -c 64M; i=0; "
           "while [ ! -e %s ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done" % (MARKER, gate))
    r = Run(bt, tmp, ["sh", "-c", cmd], ["--scrollback-ram", str(ram), "--spill-dir", spill],
            "secrets")
    seen = {}
    next_look = [0.0]

    def during():
        if r.last_stats().get("bytes_in", 0) < 64 * MIB:
            if time.monotonic() >= next_look[0]:  # while it spills, and once at the end
                inspect(r.p.pid, spill, seen)
                next_look[0] = time.monotonic() + 1.0
            return
        if not os.path.exists(gate):
            inspect(r.p.pid, spill, seen, final=True)
            open(gate, "w").close()
    status = r.wait(300, during)
    check(status == 0, "secrets: status %d" % status)
    check(seen.get("files"), "secrets: no spill file seen")
    check(seen.get("final"), "secrets: never inspected the process at the end")
    print("secrets: %d spill files, %d bytes read, marker not found, key mapping flags %r" % (
        len(seen.get("files", {})), seen.get("bytes", 0), seen.get("ddflags")))


def inspect(pid, spill, seen, final=False):
    """Checks pid's spill files and its dd mapping; notes what it saw in seen."""
    files = seen.setdefault("files", {})
    for fdpath, target in spill_fds(pid, spill):
        check(target.endswith(" (deleted)") and "/#" in target,
              "secrets: spill file not unlinked: %r" % target)
        try:
            mode = stat.S_IMODE(os.stat(fdpath).st_mode)
            with open(fdpath, "rb") as f:
                data = f.read()
        except OSError:
            continue  # closed as we looked
        check(mode == 0o600, "secrets: %r has mode %o" % (target, mode))
        for needle in (MARKER.encode(), b"MARKER-1234", MARKER.encode("utf-16-le")):
            check(needle not in data, "secrets: %r found in %r" % (needle, target))
        files[target] = len(data)
        seen["bytes"] = seen.get("bytes", 0) + len(data)
    if final:
        seen["final"] = True
        seen["ddflags"] = dd_mappings(pid)
        check(seen["ddflags"], "secrets: no mapping has the dd VmFlag (the key could be dumped)")


def dd_mappings(pid):
    """The VmFlags lines of pid's mappings marked dd (excluded from core dumps)."""
    out, head = [], None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                head = line.split()[1]
            elif line.startswith("VmFlags:") and " dd" in line:
                out.append("%s %s" % (head, line.split(":", 1)[1].strip()))
    return out


# ---- Pathological content -------------------------------------------------------------------

def round_trip(bt, tmp, name, text, size="200x24", ram=None, disk=None, timeout=300):
    """Cats text (str) through boundterm; returns (run, dump lines, stats)."""
    path = os.path.join(tmp, name + ".txt")
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
    extra = ["--size", size, "--scrollback-ram", str(ram or min_ram(bt, tmp))]
    if disk is not None:
        extra += ["--scrollback-disk", disk]
    r = Run(bt, tmp, ["cat", path], extra, name)
    status = r.wait(timeout)
    st = r.last_stats()
    check(status == 0, "%s: status %d, stderr %r" % (name, status, r.err[-300:]))
    check(st.get("rows_lost", 0) == 0, "%s: rows lost %r" % (name, st.get("rows_lost")))
    return r, r.lines(), st


def compare(got, want, dropped, what):
    """The dump against the expected lines, less the first `dropped`."""
    want = want[dropped:]
    if got == want:
        return True
    n = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
    check(False, "%s: %d lines vs %d expected; first difference at line %d:\n  got  %r\n  want "
          "%r" % (what, len(got), len(want), n + 1, got[n][:200] if n < len(got) else None,
                  want[n][:200] if n < len(want) else None))
    return False


def case_sgr(bt, tmp):
    rng = random.Random(7)
    r256 = lambda: rng.randrange(256)
    sgrs = ["38;5;%d" % i for i in range(256)] + ["48;5;%d" % i for i in range(256)]
    sgrs += ["48;2;%d;%d;%d" % (r256(), r256(), r256()) for _ in range(2000)]
    sgrs += ["38;2;%d;%d;%d;1" % (r256(), r256(), r256()) for _ in range(2000)]
    sgrs += ["1", "3", "4", "4:3", "7", "9", "22;23;24", "0", "5", "8", "21", "53", "11"]
    sgrs = ["\x1b[%sm" % x for x in sgrs]
    printable = [chr(c) for c in range(0x21, 0x7f)]
    lines, want = [], []
    for i in range(12000):
        chars = rng.choices(printable, k=199)
        lines.append("".join(a + b for a, b in zip(rng.choices(sgrs, k=199), chars)) +
                     "\x1b[0m")
        want.append("".join(chars))
    r, got, st = round_trip(bt, tmp, "sgr", "\r\n".join(lines) + "\r\n", disk="1G")
    compare(got, want, st.get("rows_dropped", 0), "sgr")
    check(st.get("pages_disk", 0) > 0, "sgr: nothing spilled: %r" % st)
    print("sgr: %d rows of 199 cells, %d dropped, %d pages on disk" % (
        len(want), st.get("rows_dropped", 0), st.get("pages_disk", 0)))


MARKS = [chr(c) for c in range(0x300, 0x36f)]


def case_combining(bt, tmp):
    rng = random.Random(8)
    for nmarks, kept in ((5, 5), (6, 5)):
        lines, want = [], []
        for i in range(3000):
            bases = rng.choices("abcdefghijklmnopqrstuvwxyz", k=100)
            marks = rng.choices(MARKS, k=100 * nmarks)
            cells = [bases[c] + "".join(marks[c * nmarks:(c + 1) * nmarks]) for c in range(100)]
            lines.append("".join(cells))
            want.append("".join(x[:1 + kept] for x in cells))
        name = "combining%d" % nmarks
        # 100 columns for 100 cells: reads split marks from a base in the last column too
        r, got, st = round_trip(bt, tmp, name, "\r\n".join(lines) + "\r\n", size="100x24",
                                disk="1G")
        compare(got, want, st.get("rows_dropped", 0), name)
        print("%s: %d rows of 100 cells with %d marks each, %d dropped, %d pages on disk" % (
            name, len(want), nmarks, st.get("rows_dropped", 0), st.get("pages_disk", 0)))


    # One long line of a + U+0301 + U+0302 (issue 12: marks in column 80 were lost on about
    # one row in a thousand, where a read ended after the a): every row whole.
    cell, cells = "a\u0301\u0302", 400000
    r, got, st = round_trip(bt, tmp, "combining_line", cell * cells + "\r\n", size="80x24",
                            disk="1G")
    want = [cell * 80] * (cells // 80)
    compare(got, want, st.get("rows_dropped", 0), "combining_line")
    print("combining_line: %d rows of 80 cells with 2 marks each" % len(want))


def case_wide(bt, tmp):
    rng = random.Random(9)
    wide = [chr(c) for c in range(0x1F600, 0x1F640)] + [chr(c) for c in range(0x4E00, 0x4F00)]
    lines = []
    for i in range(30000):
        n = rng.randrange(1, 41)
        lines.append("".join(rng.choice(wide) for _ in range(n)) + ("x" if n < 40 else ""))
    r, got, st = round_trip(bt, tmp, "wide", "\r\n".join(lines) + "\r\n", size="80x24",
                            disk="1G")
    compare(got, lines, st.get("rows_dropped", 0), "wide")
    print("wide: %d rows, %d dropped, %d pages on disk" % (
        len(lines), st.get("rows_dropped", 0), st.get("pages_disk", 0)))


def case_invalid(bt, tmp):
    rng = random.Random(10)
    bad = [b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xe2\x82\x28", b"\xf0\x28\x8c\xbc",
           b"\xf8\xa1\xa1\xa1\xa1", b"\xfc\xa1\xa1\xa1\xa1\xa1", b"\xed\xa0\x80", b"\xff",
           b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe0\x80\xaf"]
    out, want = [], []
    for i in range(20000):
        valid = "line %d ok ünï 宽" % i
        out.append(valid.encode())
        want.append(valid)
        out.append(b"".join(rng.choice(bad) for _ in range(rng.randrange(1, 30))))
    path = os.path.join(tmp, "invalid.bin")
    with open(path, "wb") as f:
        f.write(b"\r\n".join(out) + b"\r\n")
    ram = min_ram(bt, tmp)
    r = Run(bt, tmp, ["cat", path], ["--scrollback-ram", str(ram)], "invalid")
    status = r.wait(300)
    st = r.last_stats()
    check(status == 0, "invalid: status %d" % status)
    got = [g for g in r.lines() if g.startswith("line ")]
    first = len(want) - len(got)
    check(got == want[first:], "invalid: the valid lines differ (first %r vs %r)" % (
        got[:1], want[first:first + 1]))
    check_budgets("invalid", st, ram, 1 << 30)
    print("invalid: %d valid lines checked after invalid ones" % len(got))


def case_marks(bt, tmp):
    """Issue 16: a program that floods prompt marks (OSC 133), well formed or not, every row
    marked and ended with a status: no /proc scan per mark, no hang, the rows all kept."""
    rng = random.Random(12)
    forms = [b"\x1b]133;C\x07", b"\x1b]133;D;1\x07", b"\x1b]133;D;99999999999999\x07",
             b"\x1b]133;A;aid=1;x\x07", b"\x1b]133;B\x1b\\", b"\x1b]133;D;-1\x07",
             b"\x1b]133;Z\x07", b"\x1b]133;\x07", b"\x1b]133\x07", b"\x1b]133;D;\xff\x07"]
    out = [b"".join(rng.choice(forms) for _ in range(rng.randrange(1, 8))) + b"row %d" % i
           for i in range(200000)]
    path = os.path.join(tmp, "marks.bin")
    with open(path, "wb") as f:
        f.write(b"\r\n".join(out) + b"\r\n")
    t0 = time.monotonic()
    r = Run(bt, tmp, ["cat", path], [], "marks")
    status = r.wait(120)
    secs = time.monotonic() - t0
    st = r.last_stats()
    check(status == 0, "marks: status %d, stderr %r" % (status, r.err[-300:]))
    got = [g for g in r.lines() if g.startswith("row ")]
    check(len(got) == len(out), "marks: %d rows of %d" % (len(got), len(out)))
    check(secs < 40, "marks: %.1f s for %d marked rows" % (secs, len(out)))
    check(st.get("last_command") is None or st["last_command"].get("exit") in (None, 1, 0),
          "marks: last_command %r" % st.get("last_command"))
    print("marks: %d rows each with up to 7 marks, %.1f s" % (len(got), secs))


def case_maxcols(bt, tmp):
    rng = random.Random(11)
    cols = 65535
    lines = ["".join(chr(rng.randrange(0x21, 0x7f)) for _ in range(cols)) for _ in range(150)]
    ram = min_ram(bt, tmp)
    path = os.path.join(tmp, "wide.txt")
    with open(path, "w") as f:
        f.write("\r\n".join(lines) + "\r\n")
    r = Run(bt, tmp, ["sh", "-c", 'cat "$1"; sleep 1.5', "sh", path],
            ["--size", "%dx24" % cols, "--scrollback-ram", str(ram)], "maxcols")
    status = r.wait(300)
    st = r.last_stats()
    check(status == 0, "maxcols: status %d, stderr %r" % (status, r.err[-300:]))
    compare(r.lines(), lines, st.get("rows_dropped", 0), "maxcols")
    check_budgets("maxcols", st, ram, 1 << 30)
    r.check_rss("maxcols", ram)
    print("maxcols: %d rows of %d columns, %d dropped, %d pages on disk" % (
        len(lines), cols, st.get("rows_dropped", 0), st.get("pages_disk", 0)))


def case_urandom(bt, tmp, secs="10"):
    ram = min_ram(bt, tmp)
    spill = os.path.join(tmp, "spill")
    os.mkdir(spill)
    cmd = "timeout %s cat /dev/urandom; exit 0" % secs
    r = Run(bt, tmp, ["sh", "-c", cmd], ["--scrollback-ram", str(ram), "--scrollback-disk",
                                         "32M", "--spill-dir", spill], "urandom")
    status = r.wait(int(float(secs)) + 120)
    st = r.last_stats()
    check(status == 0, "urandom: status %d, stderr %r" % (status, r.err[-300:]))
    check_budgets("urandom", st, ram, 32 * MIB)
    check(st.get("rows_lost", 0) == 0, "urandom: rows lost %r" % st.get("rows_lost"))
    r.check_rss("urandom", ram)
    print("urandom %s s: %.0f MiB in, %d rows kept, %d dropped" % (
        secs, st.get("bytes_in", 0) / MIB, st.get("rows_retained", 0),
        st.get("rows_dropped", 0)))


# ---- Child lifecycle ------------------------------------------------------------------------

def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def read_pid(path, timeout=20):
    wait_for(lambda: os.path.exists(path) and open(path).read().strip(), timeout)
    try:
        return int(open(path).read())
    except (OSError, ValueError):
        return None


def case_lifecycle(bt, tmp):
    # The child exits: its status.
    r = Run(bt, tmp, ["sh", "-c", "echo bye; exit 7"], name="exit")
    check(r.wait(60) == 7, "exit: status %r" % r.p.returncode)
    check(r.lines() == ["bye"], "exit: dump %r" % r.lines())
    # The child ignores SIGHUP: SIGTERM to boundterm still ends it, and the child with it.
    pidf = os.path.join(tmp, "hup.pid")
    r = Run(bt, tmp, ["sh", "-c", "trap '' HUP; echo $$ > %s; echo ready; while :; do sleep 1; "
                      "done" % pidf], name="hup")
    child = read_pid(pidf)
    time.sleep(0.3)
    r.p.send_signal(signal.SIGTERM)
    t = time.monotonic()
    status = r.wait(30)
    secs = time.monotonic() - t
    check(status == 128 + signal.SIGTERM, "sighup ignored: status %r" % status)
    check(secs < 5, "sighup ignored: took %.1f s to end" % secs)
    check(child is not None and wait_for(lambda: not alive(child), 5),
          "sighup ignored: the child %r survived" % child)
    check(r.lines() == ["ready"], "sighup ignored: dump %r" % r.lines())
    if child and alive(child):
        os.kill(child, signal.SIGKILL)
    # A daemon keeps the pty open: boundterm ends soon after the main child, with its status.
    for how in ("background", "setsid"):
        pidf = os.path.join(tmp, how + ".pid")
        spawn = "sleep 100 &" if how == "background" else "setsid sleep 100 &"
        r = Run(bt, tmp, ["sh", "-c", "%s echo $! > %s; sleep 0.5; echo main done; exit 3" % (
            spawn, pidf)], name=how)
        daemon = read_pid(pidf)
        wait_for(lambda: r.p.poll() is not None or "main" in open("/proc/%d/cmdline" % r.p.pid
                                                                  ).read(), 1)
        t_main = time.monotonic()
        status = r.wait(30)
        check(status == 3, "daemon (%s): status %r" % (how, status))
        # the main child exits ~0.5 s after start; boundterm must follow within ~1-2 s
        took = time.monotonic() - r.t0
        check(took < 4.0, "daemon (%s): boundterm took %.1f s in all" % (how, took))
        check("main done" in r.lines(), "daemon (%s): dump %r" % (how, r.lines()))
        if daemon and alive(daemon):
            os.kill(daemon, signal.SIGKILL)
        print("daemon (%s): boundterm ended %.1f s after start" % (how, took))
        del t_main
    # A program that does not exist: 127 and a message that names it.
    r = Run(bt, tmp, ["boundterm-no-such-program"], name="missing")
    status = r.wait(30)
    text = "\n".join(r.lines()) + r.err
    check(status == 127, "missing: status %r" % status)
    check("cannot run 'boundterm-no-such-program'" in text and "No such file" in text,
          "missing: message %r" % text)
    # A file that is not executable: 126 or 127, with the reason.
    noexec = os.path.join(tmp, "noexec")
    open(noexec, "w").close()
    r = Run(bt, tmp, [noexec], name="noexec")
    status = r.wait(30)
    text = "\n".join(r.lines()) + r.err
    check(status in (126, 127) and "Permission denied" in text,
          "not executable: status %r, %r" % (status, text))


def first_mapping(pid):
    """The start address of pid's first mapping (read by a process that may)."""
    with open("/proc/%d/maps" % pid) as f:
        return int(f.readline().split("-")[0], 16)


def read_mem(pid, addr):
    """Reads a few bytes at addr through /proc/PID/mem; the error, or None."""
    try:
        with open("/proc/%d/mem" % pid, "rb") as f:
            f.seek(addr)
            f.read(16)
        return None
    except OSError as e:
        return e


def case_dumpable(bt, tmp):
    """The process holding the spill key is not dumpable: another process of the same user
    cannot read its memory through /proc/PID/mem (as root, both run as nobody: root may read
    any process's memory)."""
    user = os.getuid()
    if user == 0:
        user = 65534
        os.chmod(tmp, 0o777)
    spill = os.path.join(tmp, "spill")
    os.mkdir(spill)
    os.chmod(spill, 0o777)
    drop = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"]
    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp)
    p = subprocess.Popen(drop + [bt, "--headless", "--spill-dir", spill, "-e", "sleep", "30"],
                         cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        child = children_pids(p.pid)
        probe = drop + [sys.executable, os.path.abspath(__file__), bt, "readmem"]
        out = subprocess.run(probe + [str(p.pid), str(first_mapping(p.pid))],
                             capture_output=True, text=True, timeout=30)
        check(out.stdout.startswith("denied"),
              "dumpable: a process of the same user read boundterm's memory (%r %r)" % (
                  out.stdout[-80:], out.stderr[-200:]))
        if child: # the program it runs is an ordinary one again
            out = subprocess.run(probe + [str(child[0]), str(first_mapping(child[0]))],
                                 capture_output=True, text=True, timeout=30)
            check(out.stdout.startswith("read"),
                  "dumpable: the child is not readable by its own user (%r)" % out.stdout[-80:])
    finally:
        p.kill()
        p.wait()
    print("dumpable: /proc/%d/mem as another process of uid %d: %s" % (p.pid, user,
                                                                       out.stdout.strip()))


def case_readmem(bt, tmp, pid, addr):
    """Run by case_dumpable as another user: prints whether pid's memory could be read."""
    err = read_mem(int(pid), int(addr))
    print("denied (%s)" % err if err else "read")


def children_pids(pid):
    """The pids whose parent is pid."""
    out = []
    for d in os.listdir("/proc"):
        try:
            if d.isdigit() and open("/proc/%s/stat" % d).read().split(")")[1].split()[1] == \
                    str(pid):
                out.append(int(d))
        except OSError:
            pass
    return out


def main():
    bt, case, args = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
    fn = {"tmpfs": case_tmpfs, "rmdir": case_rmdir, "flip": case_flip,
          "secrets": case_secrets, "sgr": case_sgr, "combining": case_combining,
          "wide": case_wide, "invalid": case_invalid, "maxcols": case_maxcols,
          "marks": case_marks,
          "urandom": case_urandom, "lifecycle": case_lifecycle,
          "dumpable": case_dumpable, "readmem": case_readmem}[case]
    with tempfile.TemporaryDirectory(prefix="bt-hostile-") as tmp:
        rc = fn(bt, tmp, *args)
    if rc == SKIP:
        return SKIP
    print("%s %s: %s" % (case, " ".join(args), "FAILED (%d)" % len(failures) if failures
                         else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
