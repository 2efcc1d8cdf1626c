#!/bin/bash
# Issue 17's figure: the same floods in 8 windows, as 8 boundterm processes with a 64M RAM
# budget each, and as one process (--single-instance) whose 8 windows share one 64M budget.
# Under a private Xvfb each window cats MB megabytes of od -cx text (bench/corpora.sh) and
# stays open; when the windows' RSS stops moving (or after 180 s) the total RES of all
# boundterm processes is read. Prints both totals and their ratio, side by side in one run.
# usage: bench/windows.sh BOUNDTERM [WINDOWS] [MB]
set -u
bt=$(readlink -f "$1")
n=${2:-8} mb=${3:-60}
here=$(dirname "$(readlink -f "$0")")
command -v Xvfb >/dev/null && command -v xdotool >/dev/null || { echo "skip: no Xvfb/xdotool"; exit 77; }
corpus=$("$here/corpora.sh")/od.txt
tmp=$(mktemp -d /tmp/bt-windows.XXXXXX)
xpid=
cleanup() {
    pkill -f "bt-windows-flood" 2>/dev/null
    [ -n "$xpid" ] && kill "$xpid"
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/../tests/gui/xvfb.sh"
xvfb_start /dev/null || exit 77
export XDG_RUNTIME_DIR=$tmp/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
head -c "${mb}000000" "$corpus" > "$tmp/flood"
flood=(sh -c "cat '$tmp/flood'; exec sleep 900 # bt-windows-flood")

total_rss() { ps -C boundterm -o rss= | awk '{s += $1} END {print s + 0}'; }
lines=$(wc -l < "$tmp/flood")
# Rows the windows hold, from the --stats files matching the patterns (a shared process lists
# every window in its one file).
rows_in() {
    python3 - "$@" <<'PY'
import glob, json, sys
total = 0
for path in [p for pattern in sys.argv[1:] for p in glob.glob(pattern)]:
    try:
        last = json.loads(open(path).read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        continue
    total += sum(s["rows"] for s in last.get("sessions", [])) or last.get("rows_retained", 0)
print(total)
PY
}
# Waits until every window holds its flood (all but its screen), 300 s at most; RES in KiB then.
settle() {
    local want=$((n * (lines - 30))) i
    for i in $(seq 300); do
        sleep 1
        have=$(rows_in "$@")
        [ -n "${BT_DEBUG:-}" ] && echo "  rows $have of $want" >&2
        [ "$have" -ge "$want" ] && break
    done
    sleep 2 # the last pages compressed
    total_rss
}

for i in $(seq "$n"); do
    "$bt" --scrollback-ram 64M --stats "$tmp/s$i" -e "${flood[@]}" 2>/dev/null &
done
t0=$(date +%s); separate=$(settle "$tmp/s*"); echo "  (settled in $(( $(date +%s) - t0 )) s)"
echo "$n processes, 64M each:  total RES $((separate / 1024)) MiB ($(ps -C boundterm --no-headers | wc -l) processes, $(rows_in "$tmp/s*") rows held)"
pkill -x boundterm; sleep 1

"$bt" --single-instance --scrollback-ram 64M --stats "$tmp/shared" -e "${flood[@]}" 2>/dev/null &
sleep 1
for i in $(seq $((n - 1))); do
    "$bt" --single-instance -e "${flood[@]}" 2>/dev/null
done
t0=$(date +%s); shared=$(settle "$tmp/shared"); echo "  (settled in $(( $(date +%s) - t0 )) s)"
wins=$(xdotool search --onlyvisible --class boundterm | wc -l)
echo "1 process, $wins windows, 64M shared: total RES $((shared / 1024)) MiB ($(ps -C boundterm --no-headers | wc -l) process, $(rows_in "$tmp/shared") rows held)"
awk -v a="$separate" -v b="$shared" 'BEGIN {printf "separate / shared: %.1fx\n", a / b}'
pkill -x boundterm
