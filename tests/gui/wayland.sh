#!/bin/bash
# The window on Wayland (weston, nested in a private Xvfb), where the loop sleeps in SDL and
# each window's waker thread wakes it: a program in a second window of the process (opened
# by --single-instance --wait) gets the answers to 40 DA1 queries, one after the other, as
# fast as in a window alone. Before every window had its waker, each answer waited for the
# first window's next wake-up (0.8 to 2.2 s for the 40). Exit 77 (skip) without Xvfb, weston
# or python3.
set -u
bt=$(readlink -f "$1")
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin wayland weston python3
fail() { echo "FAIL: $*"; tail -5 "$tmp/err" "$tmp/weston.log" 2>/dev/null; exit 1; }
xvfb_start "$tmp/xvfb.log" || exit 77

export XDG_RUNTIME_DIR=$tmp/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
weston --backend=x11-backend.so --socket=bt-wayland --width=900 --height=600 \
    >"$tmp/weston.log" 2>&1 &
pids=$!
for _ in $(seq 50); do
    [ -S "$XDG_RUNTIME_DIR/bt-wayland" ] && break
    sleep 0.1
done
[ -S "$XDG_RUNTIME_DIR/bt-wayland" ] || { echo "skip: weston did not start"; exit 77; }
export WAYLAND_DISPLAY=bt-wayland SDL_VIDEODRIVER=wayland
# No client-side decorations: SDL 2.26's libdecor frames have been seen to crash the process
# when windows come and go (closing note of 2026-12-06), which is not what this tests.
export SDL_VIDEO_WAYLAND_ALLOW_LIBDECOR=0
unset DISPLAY

cat >"$tmp/da1.py" <<'EOF'
import os, sys, time, tty
tty.setraw(0)
t0 = time.monotonic()
for _ in range(40):
    os.write(1, b"\x1b[c")
    answer = b""
    while not answer.endswith(b"c"):
        answer += os.read(0, 64)
open(sys.argv[1], "w").write("%.3f\n" % (time.monotonic() - t0))
EOF

"$bt" --single-instance -e sleep 60 2>"$tmp/err" &
bpid=$!
for _ in $(seq 50); do
    ls "$XDG_RUNTIME_DIR"/boundterm* >/dev/null 2>&1 && break
    sleep 0.1
done
sleep 0.5
timeout 30 "$bt" --single-instance --wait -e python3 "$tmp/da1.py" "$tmp/second" \
    2>>"$tmp/err" || fail "the second window's program did not finish"
kill -0 "$bpid" 2>/dev/null || fail "the first boundterm is gone"
took=$(cat "$tmp/second" 2>/dev/null)
[ -n "$took" ] || fail "no time from the second window"
python3 -c "import sys; sys.exit(0 if float('$took') < 0.4 else 1)" ||
    fail "40 DA1 answers in the second window took $took s"
echo "ok: 40 DA1 answers in a second window on Wayland in $took s"
