#!/bin/sh
# Keys typed at a real window (issue 15, typing latency), under a private Xvfb with xdotool:
# - a key the program does not echo costs no busy wait: the frame that waits for an echo
#   (ECHO_WAIT_NS, 8 ms) sleeps in poll, so 40 keys typed into a program that never reads take
#   well under the 320 ms of CPU a spinning loop would burn;
# - the window's thread asks for short time slices (100 us; Linux 6.12 and later), its
#   program keeps the default;
# - a key echoed on one row draws and copies that row only (--stats: rows_drawn, rows_copied),
#   the rest of the window kept from the frame before;
# - keys taken straight from the X connection (src/ui/xkeys.c) reach the program as the same
#   bytes as through SDL's translation (BOUNDTERM_X11_KEYS=0), a differential test over text,
#   shifted, editing, cursor, function and keypad keys, Ctrl, Alt and Super, Caps Lock, keysyms
#   xdotool maps on the fly (Latin-1 and a Unicode one), a compose sequence (Multi_key ' e), a
#   burst typed 2 ms apart (the order kept across both paths) and an autorepeated key, in
#   the legacy encoding and in the kitty protocol (flags 11: every key as an escape code, with
#   press, repeat and release); --stats says which path took them;
# - a letter taken directly whose release SDL reads (Shift let go first, in one read: sent by
#   xtest_burst, the second argument) is still released, and its next press is no repeat.
# Exit 77 (skip) when Xvfb or xdotool is missing or the X server does not come up.
set -u
bt=$1 burst=${2:-} # xtest_burst: key events in one write (XTEST)
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

# ---- The window's thread runs on short time slices, its program on the default ----
# slice PID: the thread's se.slice in ns, empty where the kernel does not say (no
# CONFIG_SCHED_DEBUG) or has no custom slices (before Linux 6.12).
slice() { sed -n 's/^se\.slice *: *\([0-9]*\)$/\1/p' "/proc/$1/sched" 2>/dev/null; }
child=$(pgrep -P "$bpid" | head -n 1)
main=$(slice "$bpid") prog=$(slice "$child")
kernel=$(uname -r | awk -F. '{ print $1 * 100 + $2 }')
echo "time slices: window $main ns, its program $prog ns (kernel $(uname -r))"
if [ -n "$main" ] && [ "$kernel" -ge 612 ]; then
    [ "$main" -eq 100000 ] || fail "the window's thread has a slice of $main ns, not 100000"
    [ "$prog" != 100000 ] || fail "the program inherited the window's short slice"
fi
kill "$bpid"
wait "$bpid" 2>/dev/null
bpid=

# ---- A key echoed on one row draws that row, not the window ----
"$bt" --size 80x24 --stats "$tmp/stats" -e sh -c 'seq 30; stty raw -echo; exec cat' &
bpid=$!
gui_window
sleep 1.2 # a stats line after the first frames
f0=$(stats_value frames) d0=$(stats_value rows_drawn) c0=$(stats_value rows_copied)
xdotool type --delay 40 "the quick brown fox"
sleep 1.2
f1=$(stats_value frames) d1=$(stats_value rows_drawn) c1=$(stats_value rows_copied)
frames=$((f1 - f0)) drawn=$((d1 - d0)) copied=$((c1 - c0))
echo "19 keys echoed: $frames frames, $drawn rows drawn, $copied rows copied (24 rows a frame before)"
[ "$frames" -ge 10 ] || fail "only $frames frames for 19 echoed keys"
[ "$drawn" -le $((2 * frames)) ] || fail "$drawn rows drawn in $frames frames of one changing row"
[ "$copied" -le $((2 * frames)) ] || fail "$copied rows copied in $frames frames of one changing row"
kill "$bpid"
wait "$bpid" 2>/dev/null
bpid=

# ---- The direct path and SDL's give the program the same bytes ----
# typed MODE OUT KEYS_ENV: a window whose program writes what it reads to OUT (in the kitty
# protocol when MODE is kitty), the keys typed at it; prints the stats' "keys" and count.
typed() {
    pre=
    [ "$1" = kitty ] && pre="printf '\033[>11u';"
    rm -f "$tmp/stats"
    env "$3" "$bt" --size 80x24 --stats "$tmp/stats" \
        -e sh -c "$pre stty raw -echo; exec cat >$2" &
    bpid=$!
    gui_window
    xdotool key --delay 30 a shift+a 1 shift+1 minus space Return BackSpace Tab shift+Tab Escape \
        Up Down Left Right Home End Prior Next Insert Delete F1 F5 F12 ctrl+a ctrl+e alt+x \
        ctrl+Return shift+Return ctrl+Left alt+Up KP_1 KP_Enter ctrl+space eacute \
        ctrl+1 ctrl+2 ctrl+slash ctrl+bracketleft alt+shift+b super+a shift+F3 \
        Caps_Lock a 1 Caps_Lock a EuroSign
    xdotool key --delay 30 Multi_key apostrophe e
    # a burst: Shift's events (SDL's) between, 2 ms apart (faster than any frame); events
    # within the same millisecond are autorepeat to X clients (SDL as well) or not depending on
    # how the reads split them, so no key twice in a row and no two shifted characters in a
    # row (Shift released and pressed again)
    xdotool type --delay 2 'Helo, World! ~a(x)b_'
    xdotool keydown b
    sleep 0.9 # Xvfb repeats it (after 660 ms, 25 a second)
    xdotool keyup b
    sleep 0.3
    kill "$bpid"
    wait "$bpid" 2>/dev/null
    bpid=
    tail -n 1 "$tmp/stats" | grep -o '"keys":"[a-z0-9]*","keys_direct":[0-9]*'
}
for mode in legacy kitty; do
    direct=$(typed $mode "$tmp/$mode.direct" BOUNDTERM_X11_KEYS=1)
    sdl=$(typed $mode "$tmp/$mode.sdl" BOUNDTERM_X11_KEYS=0)
    echo "$mode: direct $direct ($(wc -c <"$tmp/$mode.direct") bytes), sdl $sdl"
    case $direct in *'"keys":"x11","keys_direct":'[1-9]*) ;; *) fail "$mode: no key was taken directly: $direct" ;; esac
    case $sdl in *'"keys":"sdl","keys_direct":0') ;; *) fail "$mode: BOUNDTERM_X11_KEYS=0 took keys: $sdl" ;; esac
    # one line an escape; how often the held key repeats depends on the moment, so its repeats
    # (b's in the legacy encoding, identical lines in the kitty protocol) count as one
    for path in direct sdl; do
        tr '\033' '\n' <"$tmp/$mode.$path" | tr -s b | uniq >"$tmp/$mode.$path.lines"
    done
    cmp -s "$tmp/$mode.direct.lines" "$tmp/$mode.sdl.lines" ||
        fail "$mode: the program read other bytes: $(diff "$tmp/$mode.direct.lines" \
                                                          "$tmp/$mode.sdl.lines" | head -20)"
    grep -q bbb "$tmp/legacy.direct" 2>/dev/null || [ $mode = kitty ] ||
        fail "the held key did not repeat: $(od -c "$tmp/$mode.direct")"
done
grep -q "$(printf '\033\[98;1:2u')" "$tmp/kitty.direct" || fail "kitty: no repeat event for the held key"

# ---- A key pressed directly and released through SDL is released ----
# Shift held, then the letter pressed, Shift let go and the letter let go in one read: the
# press is taken directly, Shift's release is SDL's, so SDL reads the letter's release too,
# and would drop it (it never saw the press).
if [ -n "$burst" ]; then
    "$bt" --size 80x24 --stats "$tmp/stats" \
        -e sh -c "printf '\033[>11u'; stty raw -echo; exec cat >$tmp/burst" &
    bpid=$!
    gui_window
    for i in 1 2 3 4 5 6 7 8 9 10; do
        "$burst" +Shift_L && sleep 0.05 && "$burst" +w -Shift_L -w || fail "xtest_burst failed"
        sleep 0.05
    done
    sleep 1.2 # a stats line after the keys
    kill "$bpid"
    wait "$bpid" 2>/dev/null
    bpid=
    tr '\033' '\n' <"$tmp/burst" | grep '^\[119' | sort | uniq -c | tr -s ' ' >"$tmp/w"
    direct=$(stats_value keys_direct)
    echo "Shift+w, Shift let go first, 10 times: $(tr '\n' ',' <"$tmp/w") keys_direct $direct"
    [ "$(grep -c . "$tmp/w")" = 2 ] && grep -qx ' 10 \[119;2u' "$tmp/w" &&
        grep -qx ' 10 \[119;1:3u' "$tmp/w" ||
        fail "Shift+w: not 10 presses and 10 releases (lost releases make presses repeats)"
    [ "${direct:-0}" -gt 0 ] || fail "no key was taken directly"
fi

echo "PASS"
