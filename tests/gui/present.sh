#!/bin/sh
# Frames to the X server through a shared image of the window's own, with no round trip each
# (src/ui/xshm.c), under a private Xvfb with xdotool:
# - 19 keys echoed by cat: few frames wait for the server (each key's event says it is done
#   with the last); through SDL's window surface (BOUNDTERM_XSHM=0) every frame waits;
# - the window's pixels are the same through both, and under a second Xvfb without MIT-SHM
#   (as a remote display is), where the window falls back to SDL's surface by itself;
# - an idle window draws nothing and wakes once a second: its blinking cursor stays on after
#   cursor_blink_timeout.
# Exit 77 (skip) when Xvfb, xdotool or ImageMagick is missing or the X server does not come up.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin present xdotool xwd convert compare
fail() {
    echo "FAIL: $*"
    exit 1
}
xvfb_start "$tmp/xvfb.log" || exit 77

# The same keys into the same program with SDL's window surface (BOUNDTERM_XSHM=0), which
# waits for the server after every frame: the window's pixels are the same, and the shared
# image waited for the server before only a few of its frames (each key's event says the
# server is done with the last frame).
echo "cursor_blink = false" >"$tmp/still.conf" # the same cursor in both shots
for path in xshm surface; do
    rm -f "$tmp/stats"
    env BOUNDTERM_XSHM=$([ $path = xshm ] && echo 1 || echo 0) "$bt" --size 80x24 \
        --config "$tmp/still.conf" --stats "$tmp/stats" \
        -e sh -c 'seq 30; stty raw -echo; exec cat' &
    bpid=$!
    gui_window
    sleep 1.2
    f0=$(stats_value frames) w0=$(stats_value present_waits)
    xdotool type --delay 40 "the quick brown fox"
    sleep 1.2
    f1=$(stats_value frames) w1=$(stats_value present_waits)
    got=$(stats_value present)
    echo "$path: $((f1 - f0)) frames, $((w1 - w0)) waited for the server (present: $got)"
    [ "$got" = "$path" ] || fail "BOUNDTERM_XSHM chose $got, not $path"
    if [ $path = xshm ]; then
        [ $((w1 - w0)) -le $(((f1 - f0) / 4)) ] ||
            fail "$((w1 - w0)) of $((f1 - f0)) frames waited for the server"
    fi
    shot "$path"
    kill "$bpid"
    wait "$bpid" 2>/dev/null
    bpid=
done
differ=$(compare -metric AE "$tmp/xshm.png" "$tmp/surface.png" null: 2>&1)
[ "$differ" = 0 ] || fail "the shared image and SDL's surface differ in $differ pixels"

# An idle window draws nothing: the blinking cursor stays on cursor_blink_timeout after the
# last key (1 s here), as the still cursor above, and the loop sleeps until its
# once-a-second tick and its --stats line (no wake-up every 250 ms: keys come straight from
# X, so there is no input method to look for).
printf 'cursor_blink = true\ncursor_blink_timeout = 1\n' >"$tmp/idle.conf"
rm -f "$tmp/stats"
"$bt" --size 80x24 --config "$tmp/idle.conf" --stats "$tmp/stats" \
    -e sh -c 'seq 30; stty raw -echo; exec cat' &
bpid=$!
gui_window
sleep 1.2
xdotool type --delay 40 "the quick brown fox"
f0=$(stats_value frames)
sleep 2.5 # the cursor blinks for a second (two frames), then stays on
f1=$(stats_value frames)
switches() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$bpid/status"; }
s0=$(switches)
sleep 3
f2=$(stats_value frames) s1=$(switches)
echo "idle: $((f1 - f0)) frames while the cursor blinked, then $((f2 - f1)) frames and" \
     "$((s1 - s0)) wake-ups in 3 s"
[ $((f1 - f0)) -ge 2 ] || fail "the cursor did not blink after the keys: $((f1 - f0)) frames"
[ "$f2" = "$f1" ] || fail "an idle window drew $((f2 - f1)) frames in 3 s"
[ $((s1 - s0)) -le 9 ] || fail "an idle window woke $((s1 - s0)) times in 3 s"
shot idle
differ=$(compare -metric AE "$tmp/xshm.png" "$tmp/idle.png" null: 2>&1)
[ "$differ" = 0 ] ||
    fail "the cursor that stopped blinking differs from a still one: $differ pixels"
kill "$bpid"
wait "$bpid" 2>/dev/null
bpid=
# A server without MIT-SHM (as a remote display is): SDL's surface, the same pixels.
first_xpid=$xpid first_display=$DISPLAY
xvfb_start "$tmp/xvfb-noshm.log" -extension MIT-SHM || fail "no second Xvfb"
rm -f "$tmp/stats"
"$bt" --size 80x24 --config "$tmp/still.conf" --stats "$tmp/stats" \
    -e sh -c 'seq 30; stty raw -echo; exec cat' &
bpid=$!
gui_window
xdotool type --delay 40 "the quick brown fox"
sleep 1.2
got=$(stats_value present)
echo "without MIT-SHM: present: $got"
[ "$got" = surface ] || fail "without MIT-SHM the window presents through $got"
shot noshm
kill "$bpid"
wait "$bpid" 2>/dev/null
bpid=
kill "$xpid"
xpid=$first_xpid DISPLAY=$first_display
differ=$(compare -metric AE "$tmp/xshm.png" "$tmp/noshm.png" null: 2>&1)
[ "$differ" = 0 ] || fail "without MIT-SHM the window differs in $differ pixels"
echo "ok: frames through the shared image, the same pixels as SDL's surface and without MIT-SHM"
