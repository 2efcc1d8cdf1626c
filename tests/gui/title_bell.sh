#!/bin/sh
# The window title and the bell, as a window manager sees them (issue 12). Under a private Xvfb
# a boundterm window runs sh reading commands from a FIFO, so the test can make the program set
# titles and ring the bell while the keyboard focus is on the root window:
# - the title is "boundterm" until the program sets one; OSC 2 sets it exactly, UTF-8 kept;
#   an empty OSC 2 gives "boundterm" back; control characters (C0, C1) in it never reach the window;
# - a bell while unfocused sets the urgency hint (WM_HINTS), focusing the window clears it, and
#   --stats counts the bells and the frames drawn with the flash; with bell = none the count
#   goes up, no hint is set and nothing flashes;
# - title_shows_res = true appends " - RES x MiB" to the program's title;
# - the window's class is "boundterm" even when the executable has another name, and the
#   variables that tell SDL so never reach the program.
# Exit 77 (skip) when Xvfb, xdotool, xprop or xwininfo is missing or the X server does not come up.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin title xdotool xprop xwininfo
fail() {
    echo "FAIL: $*"
    [ -n "${wid:-}" ] && echo "title: '$(name)'; stats: $(tail -n 1 "$tmp/stats" 2>/dev/null)"
    exit 1
}

xvfb_start "$tmp/xvfb.log" || exit 77

# start CONFIG_TEXT: a window whose sh runs each line written to fd 4; sets bpid and wid.
start() {
    printf '%s\n' "$1" >"$tmp/conf"
    rm -f "$tmp/cmds" "$tmp/stats"
    mkfifo "$tmp/cmds"
    "${exe:-$bt}" --config "$tmp/conf" --stats "$tmp/stats" -e sh -c \
        'exec 3<"$1"; while read -r l <&3; do eval "$l"; done' sh "$tmp/cmds" &
    bpid=$!
    exec 4<>"$tmp/cmds" # read-write: never blocks, even when boundterm did not start
    wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
    [ -n "$wid" ] || fail "no boundterm window appeared"
}
stop() {
    exec 4>&-
    wait "$bpid"
    bpid=
}
run() { printf '%s\n' "$1" >&4; }
name() { xprop -id "$wid" -notype _NET_WM_NAME | sed -n 's/^_NET_WM_NAME = "\(.*\)"$/\1/p'; }
urgent() { xprop -id "$wid" WM_HINTS | grep -q 'urgency hint bit is set'; }
name_is() { [ "$(name)" = "$1" ]; }
name_matches() { name | grep -Eqx "$1"; }
not_urgent() { ! urgent; }
root=$(xwininfo -root | sed -n 's/.*Window id: \(0x[0-9a-f]*\).*/\1/p')
away() { xdotool windowfocus "$root"; wait_for "the window kept the focus" stat_is focused false; }
over() { xdotool windowfocus "$wid"; wait_for "no focus" stat_is focused true; }

start 'bell = flash'
wait_for "initial title" name_is boundterm
run "printf '\\033]2;vim — notes ✓\\007'"
wait_for "OSC 2 title" name_is 'vim — notes ✓'
run "printf '\\033]0;a\\001b\\tc\\302\\233d\\007'"
wait_for "title with controls" name_is abcd
run "printf '\\033]2;\\007'"
wait_for "empty title" name_is boundterm

away
run "printf '\\007'"
wait_for "an unfocused bell set no urgency hint" urgent
wait_for "the bell is not counted" stat_is bells 1
over
wait_for "focus did not clear the urgency hint" not_urgent
run "printf '\\007\\007'"
wait_for "the focused bells are not counted" stat_is bells 3
urgent && fail "a bell in the focused window set the urgency hint"
[ "$(stats_value flash_frames)" -gt 0 ] || fail "bell = flash drew no frame with the flash"
run 'exit 0'
stop

cp "$bt" "$tmp/renamed-term" && exe=$tmp/renamed-term
start 'bell = none
title_shows_res = true'
run "env >$tmp/env"
away
run "printf '\\033]2;top\\007\\007'"
wait_for "title with RES" name_matches 'top - RES [0-9.]+ [KMG]iB'
wait_for "bell = none: the bell is not counted" stat_is bells 1
urgent && fail "bell = none set the urgency hint"
[ "$(stats_value flash_frames)" = 0 ] || fail "bell = none flashed the window"
grep -q '^HOME=' "$tmp/env" || fail "the program's environment was not written"
grep -q '^SDL_VIDEO' "$tmp/env" && fail "SDL's class variables reached the program"
run 'exit 0'
stop
echo "ok: titles, bell urgency and counts, title_shows_res, the window's class"
