#!/bin/sh
# Keys typed at a real window (issue 15, typing latency), under a private Xvfb with xdotool:
# - a key the program does not echo costs no busy wait: the frame that waits for an echo
#   (ECHO_WAIT_NS, 8 ms) sleeps in poll, so 40 keys typed into a program that never reads take
#   well under the 320 ms of CPU a spinning loop would burn.
# Exit 77 (skip) when Xvfb or xdotool is missing or the X server does not come up.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin keys xdotool
fail() {
    echo "FAIL: $*"
    exit 1
}
xvfb_start "$tmp/xvfb.log" || exit 77

# cpu_ms PID: the process's user + system CPU so far, in ms.
cpu_ms() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' \
        "/proc/$1/stat"
}

# ---- No busy wait for an echo that never comes ----
"$bt" --size 80x24 -e sh -c 'stty raw -echo; exec sleep 60' &
bpid=$!
gui_window
before=$(cpu_ms "$bpid")
xdotool type --delay 50 "abcdefghijklmnopqrstuvwxyzabcdefghijklmn"
sleep 0.1
spent=$(($(cpu_ms "$bpid") - before))
echo "40 keys without an echo: ${spent} ms of CPU (a loop spinning for the echo: >= 320)"
[ "$spent" -lt 160 ] || fail "the window spun while it waited for an echo: ${spent} ms for 40 keys"
kill "$bpid"
wait "$bpid" 2>/dev/null
bpid=

echo "PASS"
