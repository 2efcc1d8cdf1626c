#!/bin/sh
# A person at the keyboard: under a private Xvfb, xdotool types `echo hello`, Enter, then
# `exit`, Enter into a boundterm window running sh. The window must close by itself with
# sh's exit status, and its --dump-scrollback and --stats files must hold the session.
# Exit 77 (skip) when Xvfb or xdotool is missing or the X server does not come up.
set -u
bt=$1
command -v Xvfb >/dev/null 2>&1 && command -v xdotool >/dev/null 2>&1 || {
    echo "skip: Xvfb and xdotool are needed"; exit 77; }
tmp=$(mktemp -d /tmp/bt-session.XXXXXX)
xpid= bpid=
cleanup() {
    [ -n "$bpid" ] && kill "$bpid" 2>/dev/null
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- dump:"; cat "$tmp/dump" 2>/dev/null; exit 1; }

# A display number nobody uses.
n=90
while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xpid=$!
i=0
until [ -e "/tmp/.X11-unix/X$n" ]; do
    i=$((i + 1)); [ $i -gt 50 ] && { echo "skip: Xvfb did not start"; exit 77; }
    sleep 0.1
done
export DISPLAY=":$n"
unset WAYLAND_DISPLAY

PS1='$ ' ENV= "$bt" --dump-scrollback "$tmp/dump" --stats "$tmp/stats" -e sh &
bpid=$!
wid=$(timeout 10 xdotool search --sync --onlyvisible --name boundterm | head -n 1)
[ -n "$wid" ] || fail "no boundterm window appeared"
xdotool windowfocus --sync "$wid"
sleep 0.3
xdotool type --delay 15 'echo hello'
xdotool key Return
sleep 0.3
xdotool type --delay 15 'exit 3'
xdotool key Return

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
tail -n 1 "$tmp/stats" | grep -q '"final":true' || fail "no final stats line"
echo "ok: typed, ran, dumped, exit status 3"
