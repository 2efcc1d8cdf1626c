#!/bin/sh
# Issue 8 in the window, as a person would do it: under a private Xvfb, xdotool types
# `seq 1 500 | sed s/^/row/` into a boundterm running sh, opens the search bar (Ctrl+Shift+F),
# types "row4" and checks through the --stats lines that all 111 matches were found and the
# nearest one (row499, the newest) is current; Enter twice goes two matches older (row497);
# Escape closes the bar and the view follows the screen again. Then Ctrl+Shift+S saves the
# history: the file (mode 0600, in $HOME) must hold row1..row500 in order.
# Exit 77 (skip) when Xvfb or xdotool is missing or the X server does not come up.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin search xdotool
fail() { echo "FAIL: $*"; echo "--- last stats:"; tail -n 1 "$tmp/stats"; exit 1; }
xvfb_start "$tmp/xvfb.log" || exit 77

# Waits (up to 8 s) for a --stats line that has every one of the given members.
stats_has() {
    i=0
    while [ $i -lt 40 ]; do
        line=$(tail -n 1 "$tmp/stats" 2>/dev/null)
        ok=1
        for want in "$@"; do
            case "$line" in *"$want"*) ;; *) ok=0 ;; esac
        done
        [ $ok = 1 ] && return 0
        i=$((i + 1)); sleep 0.2
    done
    return 1
}

HOME="$tmp" PS1='$ ' ENV= "$bt" --stats "$tmp/stats" -e sh &
bpid=$!
wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
[ -n "$wid" ] || fail "no boundterm window appeared"
xdotool windowfocus --sync "$wid"
sleep 0.3
xdotool type --delay 15 'seq 1 500 | sed s/^/row/'
xdotool key Return
sleep 0.5
xdotool key ctrl+shift+f
sleep 0.2
xdotool type --delay 30 'row4'
stats_has '"search_state":"done"' '"search_matches":111,' '"search_current":111,' ||
    fail "typing row4: expected 111 matches with the newest (row499) current"
xdotool key Return
xdotool key Return
stats_has '"search_current":109,' '"view_following":true' ||
    fail "Enter twice: expected the third newest match (row497), on the screen"
for i in $(seq 30); do xdotool key Return; done
stats_has '"search_current":79,' '"view_following":false' ||
    fail "Enter 30 more times: expected match 79 (row467), scrolled back into history"
xdotool key Escape
stats_has '"search_state":"closed"' '"view_following":true' ||
    fail "Escape: the bar should close and the view follow the screen again"
xdotool key ctrl+shift+s
stats_has '"saves":1' || fail "Ctrl+Shift+S: no save completed"
saved=$(ls "$tmp"/boundterm-*.txt 2>/dev/null | head -n 1)
[ -n "$saved" ] || fail "no saved file in \$HOME"
[ "$(stat -c %a "$saved")" = 600 ] || fail "the saved file's mode is $(stat -c %a "$saved")"
grep -x 'row[0-9]*' "$saved" >"$tmp/rows"
seq 1 500 | sed s/^/row/ | cmp -s - "$tmp/rows" || fail "the saved file does not hold row1..row500"
grep -q 'seq 1 500' "$saved" || fail "the typed command is not in the saved file"
ls "$tmp"/.boundterm-* >/dev/null 2>&1 && fail "a temporary file was left behind"
xdotool type --delay 15 'exit'
xdotool key Return
echo "ok: 111 matches, Enter and Escape, history saved to a 0600 file"
