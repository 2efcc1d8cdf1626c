#!/usr/bin/env python3
"""Scenarios for the configuration (issue 5) that drive the real boundterm binary with $HOME and
$XDG_CONFIG_HOME pointed at a private directory.

usage: config_scenarios.py BOUNDTERM CASE
  print    --print-config: exit 0, one "key = value  # from ..." line per key, origins right
  errors   each bad file line and bad flag: exit 2, exactly one line naming the file and line
           (or the flag), the key and what was expected; the child never starts
  reload   SIGUSR1 while `od -cx /dev/urandom | head -c 200M` floods: smaller budgets from the
           rewritten file show up in --stats (ram_budget, disk_budget, and ram_used under the new
           budget); a bad file then keeps the budgets and is reported on stderr
Standard library only; exit 0 on success, 1 with the reasons on stderr.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from btcheck import check, failures, read_stats  # noqa: E402

MIB = 1 << 20
CONF = "~/.config/boundterm/boundterm.conf"
NOT_A_SIZE = "is not a size (expected bytes with an optional K, M or G suffix)"



def environ(home):
    """The environment of a run: a private $HOME, no display, no XDG_CONFIG_HOME."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("XDG_CONFIG_HOME", "DISPLAY", "WAYLAND_DISPLAY")}
    env["HOME"] = home
    return env


def write_conf(home, text, path=None):
    """Writes the config file (the usual one unless path is given)."""
    path = path or os.path.join(home, ".config", "boundterm", "boundterm.conf")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".new", "w") as f:
        f.write(text)
    os.rename(path + ".new", path)  # atomic, as an editor would save it


def run(bt, args, home, **kw):
    """Runs boundterm; returns (exit status, stdout, stderr)."""
    p = subprocess.run([bt] + args, capture_output=True, timeout=60, cwd=home, env=environ(home),
                       **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def case_print(bt, home):
    write_conf(home, "# mine\nscrollback_ram = 32M\n[font]\nsize = 20\n[keys]\ncopy = Alt+C\n")
    status, out, err = run(bt, ["--print-config", "--font-size", "12", "--codec=lz4"], home)
    check(status == 0 and err == "", "print: status %d, stderr %r" % (status, err))
    lines = out.split("\n")
    check(lines[-1] == "" and lines[0].startswith("# boundterm ") and CONF in lines[0],
          "print: first line %r" % lines[0])
    body = lines[1:-1]
    pattern = re.compile(r"^[a-z0-9_]+ = .*  # from (default|--[a-z-]+|%s:\d+)$" % re.escape(CONF))
    for line in body:
        check(pattern.match(line), "print: malformed line %r" % line)
    # 47 + paste, bell, title, osc52, url, the search bar's two toggles, the prompt keys (4),
    # command_stats and pipe_history, key_new_window, single_instance, cursor_blink_timeout
    check(len(body) == 65, "print: %d keys" % len(body))
    for want in ["scrollback_ram = 32M  # from %s:2" % CONF,
                 "font_size = 12  # from --font-size",
                 "codec = lz4  # from --codec",
                 "codec_level = 1  # from default",
                 "key_copy = Alt+C  # from %s:6" % CONF,
                 "key_search_case = none  # from default",  # Alt+C went to key_copy
                 "key_search_regex = Alt+R  # from default",
                 "key_paste = Ctrl+Shift+V  # from default",
                 "scrollback_disk = 1G  # from default",
                 "size = 80x24  # from default",
                 "palette1 = #cd0000  # from default",
                 "osc52_max = 1M  # from default",
                 "osc52_read = deny  # from default",
                 "url_launcher = xdg-open  # from default"]:
        check(want in body, "print: no line %r" % want)
    # A small budget: the store scales its parts down, and the print says which.
    status, out, err = run(bt, ["--print-config", "--scrollback-ram", "1M"], home)
    check(status == 0 and err == "", "print 1M: status %d, stderr %r" % (status, err))
    for want in ["scrollback_ram = 1M  # from --scrollback-ram",
                 "page_size = 4K  # from default, scaled down for scrollback_ram (was 64K)",
                 "cold_codec = none  # from default, scaled down for scrollback_ram (was xz)",
                 "codec = zstd  # from default"]:
        check(want in out.split("\n"), "print 1M: no line %r in %r" % (want, out))
    # $XDG_CONFIG_HOME wins over ~/.config; --config over both.
    xdg = os.path.join(home, "xdg")
    write_conf(home, "scrollback_ram = 48M\n", os.path.join(xdg, "boundterm", "boundterm.conf"))
    env = environ(home)
    env["XDG_CONFIG_HOME"] = xdg
    p = subprocess.run([bt, "--print-config"], capture_output=True, env=env, timeout=60)
    check(b"scrollback_ram = 48M  # from ~/xdg/boundterm/boundterm.conf:1\n" in p.stdout,
          "print: XDG_CONFIG_HOME not read: %r" % p.stdout[:300])
    write_conf(home, "scrollback_ram = 96M\n", os.path.join(home, "other.conf"))
    status, out, _ = run(bt, ["--config", os.path.join(home, "other.conf"), "--print-config"],
                         home)
    check("scrollback_ram = 96M  # from ~/other.conf:1\n" in out, "print: --config: %r" % out)
    # The output is a config file that reads back.
    write_conf(home, out, os.path.join(home, "again.conf"))
    status, again, err = run(bt, ["--config", os.path.join(home, "again.conf"), "--print-config"],
                             home)
    strip = lambda s: [l.split("  # from")[0] for l in s.split("\n")[1:]]
    check(status == 0 and strip(again) == strip(out), "print: no round trip: %r" % err)


def error_cases(home):
    """(config file text or None, extra flags, the one line expected on stderr)."""
    ro = os.path.join(home, "readonly")
    os.makedirs(ro, exist_ok=True)
    os.chmod(ro, 0o500)
    cases = [
        ("scrollback_ram = 12Q\n",
         [], "boundterm: %s:1: scrollback_ram: '12Q' %s" % (CONF, NOT_A_SIZE)),
        ("# budgets\n\nscrollback_disk = -1G\n",
         [], "boundterm: %s:3: scrollback_disk: '-1G' %s" % (CONF, NOT_A_SIZE)),
        ("[scrollback]\nram = 64MB\n", [], "boundterm: %s:2: ram: '64MB' is ambiguous (sizes are "
         "powers of 1024: write e.g. 64M or 64MiB)" % CONF),
        ("scrollback_ram = 1K\n", [], re.compile(r"boundterm: %s:1: scrollback_ram: '1K' is below "
         r"the minimum RAM budget of \d+K \(\d+ bytes\)$" % re.escape(CONF))),
        ("scrollback_ram = 300K\npage_size = 4M\n", [], re.compile(
            r"boundterm: %s:1: scrollback_ram: '300K' is below the minimum RAM budget of \d+K"
            % re.escape(CONF))),
        ("scrolback_ram = 1G\n", [], "boundterm: %s:1: unknown key 'scrolback_ram' (did you "
         "mean 'scrollback_ram'?)" % CONF),
        ("foreground = red\n", [], "boundterm: %s:1: foreground: 'red' is not a colour "
         "(expected #rrggbb)" % CONF),
        ("[colors]\npalette = #000000, #12345\n", [], "boundterm: %s:2: palette: '#000000, "
         "#12345' is not a palette (expected up to 16 #rrggbb colours separated by commas)"
         % CONF),
        ("font = /nonexistent/font.ttf\n", [], "boundterm: %s:1: font: '/nonexistent/font.ttf' "
         "is not a readable font file (No such file or directory)" % CONF),
        ("spill_dir = /nonexistent\n", [], "boundterm: %s:1: spill_dir: '/nonexistent' is not a "
         "writable directory (No such file or directory)" % CONF),
        ("cursor_blink = maybe\n", [], "boundterm: %s:1: cursor_blink: 'maybe' is not a boolean "
         "(expected true or false)" % CONF),
        ("cursor_shape = beam\n", [], "boundterm: %s:1: cursor_shape: 'beam' is not a cursor "
         "shape (expected block, underline or bar)" % CONF),
        ("key_copy = Ctrl+Shift+Foo\n", [], "boundterm: %s:1: key_copy: 'Ctrl+Shift+Foo' is not "
         "a key binding (unknown key name; expected e.g. Ctrl+Shift+C, Shift+PageUp, Ctrl+= or "
         "none)" % CONF),
        ("codec = xz\ncodec_level = 12\n", [], "boundterm: %s:2: codec_level: '12' is not a "
         "level of xz (expected 0 to 9)" % CONF),
        (None, ["--font", "/nonexistent.ttf"], "boundterm: --font: '/nonexistent.ttf' is not a "
         "readable font file (No such file or directory)"),
        (None, ["--codec", "brotli"], "boundterm: --codec: 'brotli' is not a codec (expected "
         "zstd, lz4, xz or none)"),
        (None, ["--page-size=3K"], "boundterm: --page-size: '3K' is not a page size (expected 4K "
         "to 16M)"),
        (None, ["--font-size", "100"], "boundterm: --font-size: '100' is not a font size "
         "(expected a whole number of pixels from 6 to 72)"),
        (None, ["--config", "/nonexistent.conf"], "boundterm: --config: '/nonexistent.conf' "
         "cannot be read (No such file or directory)"),
    ]
    if os.geteuid() != 0:  # root may write anywhere
        cases.append(("spill_dir = %s\n" % ro, [], "boundterm: %s:1: spill_dir: '%s' is not a "
                      "writable directory (Permission denied)" % (CONF, ro)))
    return cases


def case_errors(bt, home):
    marker = os.path.join(home, "started")
    conf = os.path.join(home, ".config", "boundterm", "boundterm.conf")
    for text, flags, want in error_cases(home):
        if os.path.exists(conf):
            os.unlink(conf)
        if text is not None:
            write_conf(home, text)
        status, _, err = run(bt, ["--headless", *flags, "-e", "touch", marker], home)
        lines = err.split("\n")
        what = "%r %r" % (text, flags)
        check(status == 2, "%s: status %d" % (what, status))
        check(len(lines) == 2 and lines[1] == "", "%s: not one line: %r" % (what, err))
        got = lines[0]
        ok = want.match(got) if isinstance(want, re.Pattern) else got == want
        check(ok, "%s:\n  got  %r\n  want %r" % (what, got, want))
        check(not os.path.exists(marker), "%s: the child ran" % what)
    # A missing usual file is fine.
    if os.path.exists(conf):
        os.unlink(conf)
    status, _, err = run(bt, ["--headless", "-e", "true"], home)
    check(status == 0 and err == "", "no config file: %d %r" % (status, err))



def wait_stats(path, cond, timeout, after=0):
    """Waits for a stats line past index `after` for which cond holds; (index, line) or None."""
    end = time.time() + timeout
    while time.time() < end:
        lines = read_stats(path)
        for i in range(after, len(lines)):
            if cond(lines[i]):
                return i, lines[i]
        time.sleep(0.1)
    return None


def case_reload(bt, home):
    stats = os.path.join(home, "stats.jsonl")
    write_conf(home, "[scrollback]\nram = 32M\ndisk = 256M\n")
    cmd = [bt, "--headless", "--stats", stats, "-e", "sh", "-c",
           "od -cx /dev/urandom | head -c 200M"]
    p = subprocess.Popen(cmd, cwd=home, env=environ(home), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        reload_steps(p, home, stats)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            _, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
    err = err.decode("utf-8", "replace")
    check("boundterm: %s:2: ram: '12Q' %s" % (CONF, NOT_A_SIZE) in err,
          "reload: the bad file was not reported: %r" % err)
    check(p.returncode in (0, 128 + signal.SIGTERM), "reload: status %d" % p.returncode)


def reload_steps(p, home, stats):
    """The body of case_reload while boundterm runs."""
    full = wait_stats(stats, lambda s: s["ram_used"] > 20 * MIB, 60)
    if not check(full, "reload: ram_used never passed 20M: %r" % read_stats(stats)[-1:]):
        return
    check(full[1]["ram_budget"] == 32 * MIB and full[1]["disk_budget"] == 256 * MIB,
          "reload: initial budgets %r" % full[1])
    write_conf(home, "[scrollback]\nram = 12M\ndisk = 24M\n")
    p.send_signal(signal.SIGUSR1)
    new = wait_stats(stats, lambda s: s["ram_budget"] == 12 * MIB, 10, full[0] + 1)
    if not check(new, "reload: no stats line with the new ram_budget: %r"
                 % read_stats(stats)[-1:]):
        return
    i, line = new
    check(line["disk_budget"] == 24 * MIB, "reload: disk_budget %r" % line["disk_budget"])
    check(line["ram_used"] <= 12 * MIB < full[1]["ram_used"],
          "reload: ram_used %d, before %d" % (line["ram_used"], full[1]["ram_used"]))
    check(line["disk_used"] <= 24 * MIB, "reload: disk_used %d" % line["disk_used"])
    print("reload: before  ram %d/%d disk %d/%d; after SIGUSR1 ram %d/%d disk %d/%d"
          % (full[1]["ram_used"], full[1]["ram_budget"], full[1]["disk_used"],
             full[1]["disk_budget"], line["ram_used"], line["ram_budget"], line["disk_used"],
             line["disk_budget"]))
    # A bad file: the budgets stay, the error is reported.
    write_conf(home, "[scrollback]\nram = 12Q\n")
    p.send_signal(signal.SIGUSR1)
    later = wait_stats(stats, lambda s: True, 5, i + 2)
    check(later and later[1]["ram_budget"] == 12 * MIB and later[1]["disk_budget"] == 24 * MIB,
          "reload: a bad file changed the budgets: %r" % (later,))
    check(later and later[1]["ram_used"] <= 12 * MIB, "reload: over budget later: %r" % (later,))
    check(later and later[1].get("config_error", "").startswith(
        "boundterm: %s:2: ram: '12Q' is not a size" % CONF),
        "reload: no config_error in the stats: %r" % (later,))
    check(line.get("config_error") == "", "reload: config_error after a good reload: %r" % line)
    check(p.poll() is None, "reload: boundterm ended early (%r)" % p.poll())


def main():
    bt, case = os.path.abspath(sys.argv[1]), sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="bt-config-") as home:
        try:
            {"print": case_print, "errors": case_errors, "reload": case_reload}[case](bt, home)
        finally:
            ro = os.path.join(home, "readonly")
            if os.path.isdir(ro):
                os.chmod(ro, 0o700)
    if failures:
        print("%d failed" % len(failures), file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
