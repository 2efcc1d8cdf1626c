#!/bin/sh
# A person at the keyboard: under a private Xvfb, xdotool types into a boundterm window
# running sh: `seq 1 100` then Ctrl+Shift+K (the rows that had scrolled off must be gone),
# `echo hello`, `stty size` before and after the window is resized (the child must see the
# new size), then `exit 3`. The window must close by itself with sh's exit status, and its
# --dump-scrollback and --stats files must hold the session. Then a second window is closed
# as a window manager would (WM_CLOSE: tests/gui/wm_close.c): its program must get SIGHUP.
# Exit 77 (skip) when Xvfb or xdotool is missing or the X server does not come up.
set -u
bt=$1
wm_close=${2:-}
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin session xdotool
fail() { echo "FAIL: $*"; echo "--- dump:"; cat "$tmp/dump" 2>/dev/null; exit 1; }
typeln() { xdotool type --delay 15 "$1"; xdotool key Return; sleep 0.3; }

xvfb_start "$tmp/xvfb.log" || exit 77

PS1='$ ' ENV= "$bt" --dump-scrollback "$tmp/dump" --stats "$tmp/stats" -e sh &
bpid=$!
wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
[ -n "$wid" ] || fail "no boundterm window appeared"
xdotool windowfocus --sync "$wid"
sleep 0.3
typeln 'seq 1 100'
xdotool key ctrl+shift+k
sleep 0.3
typeln 'echo hello'
typeln "stty size >>$tmp/sizes"
xdotool windowsize --sync "$wid" 500 300
sleep 0.3
typeln "stty size >>$tmp/sizes"
typeln 'exit 3'

i=0
while kill -0 "$bpid" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the window did not close after exit"
    sleep 0.1
done
wait "$bpid"
rc=$?
bpid=
[ "$rc" -eq 3 ] || fail "exit status $rc, expected sh's 3"
grep -q 'echo hello$' "$tmp/dump" || fail "the typed command is not in the dump"
grep -qx 'hello' "$tmp/dump" || fail "the command's output is not in the dump"
grep -q 'exit 3$' "$tmp/dump" || fail "the exit command is not in the dump"
grep -qx '5' "$tmp/dump" && fail "seq's first rows are still in the dump after Ctrl+Shift+K"
grep -qx '100' "$tmp/dump" || fail "seq's last row was lost with the scrollback"
first=$(sed -n 1p "$tmp/sizes") second=$(sed -n 2p "$tmp/sizes")
[ "$first" = "24 80" ] || fail "stty size said '$first' at the start, not 24 80"
[ -n "$second" ] && [ "$second" != "$first" ] || fail "the child did not see the resize"
tail -n 1 "$tmp/stats" | grep -q '"final":true' || fail "no final stats line"
echo "ok: typed, cleared, resized to $second, dumped, exit status 3"

# A program that cannot run (here a $SHELL that is not there): its reason on stderr, and the
# window stays until a key.
SHELL=/nonexistent/boundterm-no-such-program HOME=$tmp "$bt" 2>"$tmp/err" &
bpid=$!
wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
[ -n "$wid" ] || fail "no window for a program that cannot run"
sleep 1
kill -0 "$bpid" 2>/dev/null || fail "the window closed before a key was pressed"
xdotool windowfocus --sync "$wid"
xdotool mousemove --window "$wid" 50 50 key x
i=0
while kill -0 "$bpid" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 50 ] && fail "a key did not close the window"
    sleep 0.1
done
wait "$bpid"
rc=$?
bpid=
[ "$rc" -eq 127 ] || fail "a program that cannot run: status $rc, expected 127"
grep -q "boundterm: cannot run '/nonexistent/boundterm-no-such-program': No such file" \
    "$tmp/err" || fail "no reason on stderr: $(cat "$tmp/err")"
echo "ok: a program that cannot run: its reason on stderr and in the window until a key, 127"
[ -n "$wm_close" ] || exit 0

# Closing the window hangs up the program: its HUP trap exits 5, and that is our status.
"$bt" -e sh -c 'trap "exit 5" HUP; echo ready; while :; do sleep 0.1; done' &
bpid=$!
wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
[ -n "$wid" ] || fail "no second window appeared"
sleep 0.5
"$wm_close" "$wid" || fail "could not ask the window to close"
i=0
while kill -0 "$bpid" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 50 ] && fail "the window did not close when asked"
    sleep 0.1
done
wait "$bpid"
rc=$?
bpid=
[ "$rc" -eq 5 ] || fail "closing the window: exit status $rc, expected the HUP trap's 5"
echo "ok: closing the window hung up the program (exit status 5)"
