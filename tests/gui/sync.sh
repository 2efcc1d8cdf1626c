#!/bin/sh
# Synchronized output (DECSET/DECRST 2026, issue 14): under a private Xvfb the window runs
# sync_child.py, which begins an update, writes half of it, waits 100 ms and ends it; then
# begins one it never ends. BOUNDTERM_FRAME_LOG gives each frame's start on the same clock
# (CLOCK_MONOTONIC) as the child's marks:
#   - no frame starts while the first update runs (the cursor is steady: nothing else would
#     draw), and one follows its end within 100 ms;
#   - the endless update holds frames back for 150 ms only: none in the 130 ms after its
#     begin, one within 350 ms.
# Exit 77 (skip) when Xvfb or xdotool is missing or the X server does not come up.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin sync xdotool
fail() { echo "FAIL: $*"; echo "--- marks:"; cat "$tmp/marks"; exit 1; }

xvfb_start "$tmp/xvfb.log" || exit 77

BOUNDTERM_FRAME_LOG=$tmp/frames "$bt" -e python3 "$here/sync_child.py" "$tmp/marks" &
bpid=$!
wait "$bpid"
bpid=
mark() { sed -n "s/^$1 //p" "$tmp/marks"; }
# frames FROM TO: how many frames started in [FROM, TO) (microseconds)
frames() { awk -v a="$1" -v b="$2" '$4 >= a && $4 < b' "$tmp/frames" | wc -l; }
b1=$(mark begin1) e1=$(mark end1) b2=$(mark begin2) e2=$(mark end2)
[ -n "$b1" ] && [ -n "$e1" ] && [ -n "$b2" ] && [ -n "$e2" ] || fail "the child did not finish"
[ "$(frames 0 "$b1")" -gt 0 ] || fail "no frame drew the text before the update"
n=$(frames "$b1" "$e1")
[ "$n" -eq 0 ] || fail "$n frame(s) drawn in the middle of a synchronized update"
[ "$(frames "$e1" $((e1 + 100000)))" -gt 0 ] || fail "no frame within 100 ms of the update's end"
n=$(frames "$b2" $((b2 + 130000)))
[ "$n" -eq 0 ] || fail "$n frame(s) within 130 ms of an update's begin"
[ "$(frames $((b2 + 130000)) $((b2 + 350000)))" -gt 0 ] ||
    fail "an update that never ends held the frames back for more than 350 ms"
echo "ok: no frame inside an update; an endless update held frames back for 150 ms"
