#!/bin/bash
# The window's two figures from issue 4, measured under a private Xvfb:
#  1. ingest: `boundterm -e cat od.txt` in the window vs --headless on the same fixed corpus
#     (bench/corpora.sh), ROUNDS alternating runs; best wall time and mean CPU time of each.
#  2. scrolling spilled history: a 60 MB od flood under --scrollback-ram 12M (most pages on
#     disk), then 400 Shift+PageUp presses 20 ms apart (about 9,000 rows, several cold
#     blocks), Shift+Home (a jump to the oldest row) and 50 Shift+PageDown; frame times from
#     BOUNDTERM_FRAME_LOG (microseconds per frame: layout, draw, present), p50/p99/max.
# usage: bench_window.sh BOUNDTERM [ROUNDS]     (meson test --benchmark runs it)
set -u
bt=$(readlink -f "$1")
rounds=${2:-3}
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin bench xdotool
corpus=$("$here/../../bench/corpora.sh")/od.txt
xvfb_start /dev/null || exit 77

# One timed run: prints "wall cpu".
timed() { /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -n 1 | awk '{print $1, $2 + $3}'; }

echo "ingest of $(du -m "$corpus" | cut -f1) MB od -cx text, $rounds rounds:"
for i in $(seq "$rounds"); do
    echo "headless $(timed "$bt" --headless -e cat "$corpus")" >>"$tmp/ingest"
    echo "window $(timed "$bt" -e cat "$corpus")" >>"$tmp/ingest"
done
awk '{if (!($1 in w) || $2 < w[$1]) w[$1] = $2; c[$1] += $3; k[$1]++}
     END {printf "  headless: best %.2f s wall, %.2f s CPU\n", w["headless"], c["headless"] / k["headless"];
          printf "  window:   best %.2f s wall, %.2f s CPU\n", w["window"], c["window"] / k["window"];
          printf "  window/headless ingest rate: %.0f%% by wall time, %.0f%% by CPU time\n",
                 100 * w["headless"] / w["window"],
                 100 * (c["headless"] / k["headless"]) / (c["window"] / k["window"])}' "$tmp/ingest"

echo "scrolling spilled history:"
gui_start --scrollback-ram 12M -e sh -c "head -c 60000000 '$corpus'; sleep 120"
wait_ingested "$tmp/stats" 120
xdotool windowfocus --sync "$wid"
start=$(wc -l <"$tmp/frames")
for i in $(seq 400); do xdotool key shift+Prior; sleep 0.02; done
xdotool key shift+Home
for i in $(seq 50); do xdotool key shift+Next; sleep 0.02; done
sleep 0.5
tail -n 1 "$tmp/stats" | sed 's/.*"rows_retained":\([0-9]*\).*"pages_ram":\([0-9]*\).*"pages_disk":\([0-9]*\).*/  history: \1 rows, \2 pages in RAM, \3 on disk/'
tail -n +"$((start + 1))" "$tmp/frames" | awk '{print $1}' | sort -n |
    awk '{a[NR] = $1} END {printf "  %d frames: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                           NR, a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000, a[NR] / 1000}'
