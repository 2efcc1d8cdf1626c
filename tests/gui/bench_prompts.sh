#!/bin/bash
# Issue 16's figure: jumping from prompt to prompt through spilled history without a stall.
# Under a private Xvfb, a history of N rows of od -cx text (bench/corpora.sh) with a shell's
# prompt marks (OSC 133 A/B/C/D) every EVERY rows goes into a window with a 16M RAM budget, so
# most pages are on disk; then JUMPS Ctrl+Shift+Z presses 30 ms apart walk back through it.
# Each frame's time from BOUNDTERM_FRAME_LOG is layout + draw + present plus the time the
# jump itself took since the frame before (its search of the store's marks): p50/p99/max.
# usage: bench_prompts.sh BOUNDTERM [ROWS] [EVERY] [JUMPS]
set -u
bt=$(readlink -f "$1")
rows=${2:-1000000} every=${3:-1000} jumps=${4:-300}
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin bench xdotool
corpus=$("$here/../../bench/corpora.sh")/od.txt
xvfb_start /dev/null || exit 77

head -n "$rows" "$corpus" | awk -v every="$every" '
    NR % every == 1 { printf "\033]133;D;%d\007\033]133;A\007$ \033]133;B\007cmd %d\r\n\033]133;C\007", NR % 7 == 1, NR }
    { printf "%s\r\n", $0 }' > "$tmp/history"
gui_start --scrollback-ram 16M -e sh -c "cat '$tmp/history'; sleep 300"
wait_ingested "$tmp/stats" 300
xdotool windowfocus --sync "$wid"
xdotool mousemove --window "$wid" 100 100
sleep 0.5
start=$(wc -l <"$tmp/frames")
for i in $(seq "$jumps"); do xdotool key ctrl+shift+z; sleep 0.03; done
sleep 1
last=$(tail -n 1 "$tmp/stats")
echo "$last" | sed 's/.*"rows_retained":\([0-9]*\).*"rows_disk":\([0-9]*\).*/history: \1 rows, \2 of them spilled to disk/'
echo "$jumps jumps back, the view's top at row $(echo "$last" | sed 's/.*"view_top_row":\(-*[0-9]*\).*/\1/')" \
     "(a prompt every $every rows)"
tail -n +"$((start + 1))" "$tmp/frames" | awk '{print $1 + $6, $6}' | sort -n |
    awk '{a[NR] = $1; if ($2 > j) j = $2} END {
         printf "%d frames (frame + jump): p50 %.1f ms, p99 %.1f ms, max %.1f ms; longest jump %.1f ms\n",
                NR, a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000, a[NR] / 1000, j / 1000}'
for col in 2 3; do
    tail -n +"$((start + 1))" "$tmp/frames" | awk -v c=$col '{print $c}' | sort -n |
        awk -v c=$col '{a[NR] = $1} END {printf "  of it %s: p50 %.1f ms, p99 %.1f ms\n",
            c == 2 ? "layout" : "draw", a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000}'
done
