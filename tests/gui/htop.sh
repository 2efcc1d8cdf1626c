#!/bin/sh
# Issue 12: a mouse click reaches htop. htop (through ncurses' XM string) asks for mouse
# reporting with one sequence, CSI ? 1006 ; 1000 h, of which libvterm 0.1.4 applied only the
# first parameter, so clicks never arrived. Two sleeps A and B are shown with `htop -p A,B`;
# B's row is found in a screenshot (one row under htop's selection bar, which starts on A),
# clicked, and killed with F9, Enter: B must be gone and A alive.
# Exit 77 (skip) without Xvfb, xdotool, htop or ImageMagick.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin htop xdotool htop convert xwd
fail() { echo "FAIL: $*"; exit 1; }

xvfb_start "$tmp/xvfb.log" || exit 77

sleep 600 & a=$!
sleep 600 & b=$!
pids="$a $b"
HOME=$tmp "$bt" --size 80x24 -e htop -p "$a,$b" &
bpid=$!
wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
[ -n "$wid" ] || fail "no boundterm window appeared"
xdotool windowfocus --sync "$wid"
xdotool mousemove --window "$wid" 10 10
sleep 2 # htop draws its first screen

# The selection bar is the first row whose left pixels are htop's cyan (palette 6, #00cdcd).
xwd -id "$wid" -silent | convert xwd:- "$tmp/shot.png" || fail "no screenshot"
y=$(convert "$tmp/shot.png" -crop 1x10000+4+0 txt:- | python3 -c '
import re, sys
h = int(sys.argv[1])
rows = [int(m.group(1)) for m in (re.match(r"0,(\d+): .*#00CDCD", l) for l in sys.stdin) if m]
print(rows[0] + (rows[-1] - rows[0] + 1) * 3 // 2 if rows else "")' 24)
[ -n "$y" ] || fail "no selection bar in the screenshot"
xdotool mousemove --window "$wid" 100 "$y" click 1
sleep 0.5
xdotool key F9
sleep 0.5
xdotool key Return
sleep 0.5
xdotool key q
sleep 0.5
kill -0 "$a" 2>/dev/null || fail "A died: the click never moved htop's selection"
kill -0 "$b" 2>/dev/null && fail "B is alive: htop killed nothing"
echo "ok: htop took the click on B's row (y=$y) and killed B, not A"
