#!/usr/bin/env bash
# The window's rate once its history has filled the disk budget: a long flood is the mission's
# stress case, and from then on every page that comes in sends the oldest one out (to disk,
# and the oldest on disk away). Each binary runs `cat od.txt` (bench/corpora.sh) in a loop in
# an 80x24 window under a private Xvfb, default budgets (64 MiB RAM, 1 GiB disk), for SECONDS;
# its --stats say how many bytes it read each second. The script prints each run's MB/s per
# 10 s and, per binary, the median of the 10 s spans after rows were first dropped (the disk
# budget full), over ROUNDS interleaved rounds.
# Usage: bench/at_budget.sh SECONDS BIN...   (ROUNDS=2 by default; 80 s fills 1 GiB here)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/at_budget.sh SECONDS BIN..." >&2; exit 2; }
secs=$1
shift
rounds=${ROUNDS:-2}
od=$(bench/corpora.sh)/od.txt
tmp=$(mktemp -d /tmp/bt-at-budget.XXXXXX)
xpid='' bpid=''
cleanup() {
    [ -n "$bpid" ] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=tests/gui/xvfb.sh
. tests/gui/xvfb.sh
xvfb_start "$tmp/xvfb.log" || exit 1

# spans STATS LABEL: "LABEL T MBS FULL" per 10 s (FULL: rows had been dropped by then)
spans() {
    python3 - "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
prev = None
for r in rows:
    if round(r['elapsed_s']) % 10 or r['elapsed_s'] < 5:
        continue
    if prev:
        mbs = (r['bytes_in'] - prev['bytes_in']) / (r['elapsed_s'] - prev['elapsed_s']) / 1e6
        print(sys.argv[2], round(r['elapsed_s']), f"{mbs:.1f}", int(prev['rows_dropped'] > 0),
              r['pages_disk'])
    prev = r
PY
}

for ((round = 1; round <= rounds; round++)); do
    for bin in "$@"; do
        "$bin" --config /dev/null --stats "$tmp/stats" \
            -e sh -c "while :; do cat '$od'; done" >/dev/null 2>&1 &
        bpid=$!
        sleep "$secs"
        kill "$bpid" 2>/dev/null || true
        wait "$bpid" 2>/dev/null || true
        bpid=''
        spans "$tmp/stats" "$bin" | tee -a "$tmp/all" |
            awk -v r="$round" '{ printf "round %d %s t=%ss %s MB/s%s, %s pages on disk\n", r, $1, $2, $3, $4 ? " (budget full)" : "", $5 }'
        rm -f "$tmp/stats"
    done
done

# shellcheck source=bench/proc.sh
. bench/proc.sh # median_and_all
echo "| binary | MB/s with the disk budget full (median) | 10 s spans |"
echo "|---|---:|---|"
for bin in "$@"; do
    med='' all=''
    IFS=$'\t' read -r med all < <(awk -v b="$bin" '$1 == b && $4 == 1 { print $3 }' "$tmp/all" |
                                   median_and_all) || true
    printf '| %s | %s | %s |\n' "$bin" "${med:-(budget not reached in ${secs} s)}" "$all"
done
