#!/usr/bin/env python3
"""Issue 16: docs/shell-integration.bash and .zsh send the OSC 133 marks a terminal needs.

usage: shell_integration.py SHELL    (bash or zsh; exit 77 when it is not installed)

The shell runs interactively on a pty of its own with the snippet sourced after a plain
prompt; `true`, `false`, an empty line and `(exit 3)` are typed. The marks it prints must be:
a prompt (A ... B) before each command line, C when a command starts, D with the command's
status when it ends, and no D (so no false failure) after the empty line.
"""
import os
import pty
import re
import select
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "..", "docs")


def run(shell):
    """The bytes the shell writes while the commands are typed."""
    home = tempfile.mkdtemp(prefix="bt-shell-")
    snippet = os.path.join(DOCS, "shell-integration." + shell)
    if shell == "bash":
        rc = os.path.join(home, ".bashrc")
        argv = ["bash", "--noprofile", "--rcfile", rc, "-i"]
        first = "PS1='$ '\n"
    else:
        rc = os.path.join(home, ".zshrc")
        argv = ["zsh", "-i"]
        first = "PS1='$ '\nunsetopt PROMPT_SP\n"
    with open(rc, "w") as f:
        f.write(first + ". %s\n" % snippet)
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(HOME=home, ZDOTDIR=home, TERM="xterm-256color")
        os.execvp(argv[0], argv)
    out = b""

    def drain(secs):
        nonlocal out
        end = time.monotonic() + secs
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    return

    drain(1.0)
    for line in ["true", "false", "", "(exit 3)", "exit"]:
        os.write(fd, line.encode() + b"\r")
        drain(0.6)
    os.waitpid(pid, 0)
    shutil.rmtree(home, ignore_errors=True)
    return out


def main():
    shell = sys.argv[1]
    if not shutil.which(shell):
        print("skip: %s is not installed" % shell)
        return 77
    out = run(shell)
    marks = "".join(m.decode() + " " for m in re.findall(rb"\x1b\]133;([A-D](?:;\d+)?)\x07", out))
    # first prompt; true; false; empty line (a new prompt, no D); (exit 3); exit
    want = "A B C D;0 A B C D;1 A B A B C D;3 A B C "
    if marks != want:
        print("FAIL: %s sent the marks %r, not %r" % (shell, marks, want))
        print("output: %r" % out[-600:])
        return 1
    print("%s: ok: %s" % (shell, marks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
