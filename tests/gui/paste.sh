#!/bin/sh
# Issue 12: a paste never runs a command by itself. Under a private Xvfb, a clipboard holding
# `echo SAFE ESC[201~ echo PWNED > MARKER LF` (text that ends a bracketed paste early and
# then presses Enter) is pasted into bash with Ctrl+Shift+V, then from the primary selection
# with a middle click: the marker must not appear, and the text must sit on bash's prompt.
# Then sh (dash, no bracketed paste) with paste_confirm_multiline = true: a two-line paste
# waits for Enter; any other key cancels it.
# Exit 77 (skip) without Xvfb, xdotool or xclip.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin paste xdotool xclip
fail() { echo "FAIL: $*"; echo "--- dump:"; cat "$tmp/dump" 2>/dev/null; exit 1; }
typeln() { xdotool type --delay 15 "$1"; xdotool key Return; sleep 0.3; }
wait_exit() {
    i=0
    while kill -0 "$bpid" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && fail "the window did not close after exit"
        sleep 0.1
    done
    wait "$bpid"
    bpid=
}
# window: the boundterm window (waits for it), focused with the pointer over it

xvfb_start "$tmp/xvfb.log" || exit 77

marker=$tmp/marker
attack() { printf 'echo SAFE\033[201~echo PWNED > %s\n' "$marker"; }

PS1='$ ' HOME=$tmp "$bt" --dump-scrollback "$tmp/dump" -e bash --norc --noprofile &
bpid=$!
gui_window
attack | xclip -selection clipboard 2>/dev/null
xdotool key ctrl+shift+v
sleep 0.8
[ -e "$marker" ] && fail "Ctrl+Shift+V: the pasted text ran a command"
xdotool key ctrl+c
sleep 0.3
attack | xclip -selection primary 2>/dev/null
xdotool click 2
sleep 0.8
[ -e "$marker" ] && fail "middle click: the pasted text ran a command"
xdotool key ctrl+c
sleep 0.3
typeln 'exit'
wait_exit
n=$(grep -c "^\$ echo SAFE\[201~echo PWNED > $marker" "$tmp/dump")
[ "$n" -eq 2 ] || fail "the pasted text is not on the prompt twice (found $n)"
echo "ok: the bracket-ending paste stayed on bash's prompt, twice, and ran nothing"

# Without bracketed paste, a multi-line paste waits for confirmation.
printf 'paste_confirm_multiline = true\n' > "$tmp/bt.conf"
PS1='$ ' ENV= "$bt" --config "$tmp/bt.conf" --dump-scrollback "$tmp/dump2" -e sh &
bpid=$!
gui_window
printf 'touch %s/one\ntouch %s/two\n' "$tmp" "$tmp" | xclip -selection clipboard 2>/dev/null
xdotool key ctrl+shift+v
sleep 0.5
xdotool key Escape
sleep 0.5
[ -e "$tmp/one" ] && fail "a cancelled multi-line paste ran"
xdotool key ctrl+shift+v
sleep 0.5
[ -e "$tmp/one" ] && fail "a multi-line paste ran before it was confirmed"
xdotool key Return
sleep 0.8
[ -e "$tmp/one" ] && [ -e "$tmp/two" ] || fail "a confirmed multi-line paste did not run"
typeln 'exit'
wait_exit
echo "ok: a multi-line paste without bracketed paste waited for Enter, and Escape cancelled it"
