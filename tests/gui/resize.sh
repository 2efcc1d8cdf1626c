#!/bin/sh
# Issue 12: a resize never destroys text. Under a private Xvfb, bash prints 12 lines of 150
# characters; the window is made narrower and then given its size back, once at the prompt and
# once while less holds the alternate screen. Every line must then be whole in
# --dump-scrollback (rows joined: the history keeps the width rows had when they left the
# screen), and the screen must read as it did before the resizes.
# Exit 77 (skip) without Xvfb or xdotool.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin resize xdotool
fail() { echo "FAIL: $*"; echo "--- dump:"; cat "$tmp/dump" 2>/dev/null; exit 1; }
typeln() { xdotool type --delay 15 "$1"; xdotool key Return; sleep 0.4; }

xvfb_start "$tmp/xvfb.log" || exit 77

cat > "$tmp/lines.sh" <<'AWK'
awk 'BEGIN { for (i = 1; i <= 12; i++) { s = sprintf("L%02d:", i)
    while (length(s) < 150) s = s sprintf("%c", 97 + (length(s) * 7 + i) % 26); print s } }'
AWK
sh "$tmp/lines.sh" > "$tmp/expected"

PS1='$ ' HOME=$tmp "$bt" --dump-scrollback "$tmp/dump" -e bash --norc --noprofile &
bpid=$!
wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
[ -n "$wid" ] || fail "no boundterm window appeared"
xdotool windowfocus --sync "$wid"
xdotool mousemove --window "$wid" 100 100
sleep 0.3
eval "$(xdotool getwindowgeometry --shell "$wid")" # WIDTH, HEIGHT
typeln "sh $tmp/lines.sh"
xdotool windowsize --sync "$wid" 300 200
sleep 0.4
xdotool windowsize --sync "$wid" "$WIDTH" "$HEIGHT"
sleep 0.4
typeln "less $tmp/lines.sh"
xdotool windowsize --sync "$wid" 250 150
sleep 0.4
xdotool windowsize --sync "$wid" "$WIDTH" "$HEIGHT"
sleep 0.4
xdotool key q
sleep 0.4
typeln 'exit'
i=0
while kill -0 "$bpid" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the window did not close after exit"
    sleep 0.1
done
wait "$bpid"
bpid=
# Rows of the dump joined, each expected line must be there whole.
tr -d '\n' < "$tmp/dump" > "$tmp/joined"
n=0
while IFS= read -r line; do
    grep -qF -- "$line" "$tmp/joined" || fail "line ${line%%:*} lost part of its text"
    n=$((n + 1))
done < "$tmp/expected"
[ $n -eq 12 ] || fail "expected 12 lines, read $n"
echo "ok: 12 lines of 150 characters survived two narrow-and-restore resizes, one under less"
