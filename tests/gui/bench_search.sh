#!/bin/bash
# Issue 8's frame-time figure: the window's frames while the search bar scans a big history.
# Under a private Xvfb, boundterm --scrollback-ram 16M (most pages spill to disk) takes ROWS
# rows of `od -cx` text (the fixed corpus of bench/corpora.sh, repeated), then Ctrl+Shift+F
# and a query ("ffff": rare in od -cx text, about one row in 20,000). While the
# search runs, each frame's time (layout + draw + present) and the gap between frames come
# from BOUNDTERM_FRAME_LOG; the search's own time from the --stats lines: search_ms is the
# time from the last key typed to the end of the scan as the window saw it, to the ms.
# The store's worker may still be compressing cold pages (xz) when the flood is in; with
# SETTLE=1 in the environment the search waits until boundterm's CPU time stops growing, so
# it does not share the cores with that. QUERY (default ffff) is what is typed: "ff" gives
# about 450,000 matches, to time frames over a long match list.
# usage: [SETTLE=1] [QUERY=ffff] [RAM=16M] bench_search.sh BOUNDTERM [ROWS]   (default 10000000)
set -u
bt=$(readlink -f "$1")
rows=${2:-10000000}
query=${QUERY:-ffff}
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin bench-search xdotool
corpus=$("$here/../../bench/corpora.sh")/od.txt
xvfb_start /dev/null || exit 77

per=$(wc -l <"$corpus")
reps=$(( (rows + per - 1) / per ))
feed="i=0; while [ \$i -lt $reps ]; do cat '$corpus'; i=\$((i + 1)); done | head -n $rows; sleep 3600"
gui_start --scrollback-ram "${RAM:-16M}" --scrollback-disk 4G -e sh -c "$feed"
t0=$(date +%s)
wait_ingested "$tmp/stats" 3600
echo "ingest: $(( $(date +%s) - t0 )) s"
tail -n 1 "$tmp/stats" | sed 's/.*"rows_retained":\([0-9]*\).*"rows_dropped":\([0-9]*\).*"rows_ram":\([0-9]*\).*"rows_disk":\([0-9]*\).*/  history: \1 rows retained (\3 in RAM, \4 on disk), \2 dropped/'
# utime + stime of boundterm, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$bpid/stat"; }
if [ "${SETTLE:-0}" = 1 ]; then # until it uses under 5% of a core for a whole second
    t1=$(date +%s) c=$(cpu)
    for i in $(seq 300); do
        sleep 1
        n=$(cpu)
        [ $((n - c)) -lt $(( $(getconf CLK_TCK) / 20 )) ] && break
        c=$n
    done
    echo "  settled: $(( $(date +%s) - t1 )) s after the flood"
fi
xdotool windowfocus --sync "$wid"
sleep 0.5
start=$(wc -l <"$tmp/frames")
s0=$(date +%s.%N)
xdotool key ctrl+shift+f
xdotool type --delay 20 "$query"
until tail -n 1 "$tmp/stats" | grep '"search_state":"done"' | grep -vq '"search_ms":-'; do
    sleep 0.2
done
s1=$(date +%s.%N)
end=$(wc -l <"$tmp/frames")
xdotool key Return   # the next older match: a jump into spilled history
sleep 0.5
tail -n 1 "$tmp/stats" | sed 's/.*"search_matches":\([0-9]*\).*/  search: \1 matches/'
ms=$(tail -n 1 "$tmp/stats" | sed -n 's/.*"search_ms":\([0-9]*\).*/\1/p')
[ -n "$ms" ] && echo "  search time (last key to done): $(echo "scale=2; $ms / 1000" | bc) s"
echo "  search time (typing to done, about 1 s of it typing, stats once a second): $(echo "$s1 - $s0" | bc) s"
sed -n "$((start + 1)),${end}p" "$tmp/frames" >"$tmp/during"
awk '{print $1}' "$tmp/during" | sort -n |
    awk '{a[NR] = $1} END {printf "  %d frames during the search: draw p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                           NR, a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000, a[NR] / 1000}'
awk 'NF >= 5 {print $5}' "$tmp/during" | sort -n |
    awk 'NR {a[NR] = $1} END {if (NR) printf "  of which the search bar (marks, label): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                              a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000, a[NR] / 1000}'
awk '{print $2}' "$tmp/during" | sort -n |
    awk '{a[NR] = $1} END {printf "  layout (view rows from the store): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                           a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000, a[NR] / 1000}'
awk 'NR > 1 {print $4 - prev} {prev = $4}' "$tmp/during" | sort -n |
    awk '{a[NR] = $1} END {printf "  gap between frames: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                           a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000, a[NR] / 1000}'
