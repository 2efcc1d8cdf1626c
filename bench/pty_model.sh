#!/usr/bin/env bash
# How fast `cat od.txt` (bench/corpora.sh) gets through a pty to a model terminal, on this
# machine, in one run (issue 15, part 3): bench/pty_drain's reader spins WORK microseconds per
# 4 KiB it reads (the terminal's parsing), and a second thread WORKER microseconds per 4 KiB
# in 64 KiB pages (the store's worker). Nothing else runs: no X, no engine, no store. It shows
# what a terminal's CPU a byte does to the pty's rate on two CPUs, where the writer (cat) and
# the kernel's worker that moves its bytes to the reader need CPU too.
# The figures per configuration are the medians of RUNS interleaved runs, in MB/s of wall time.
# Usage: bench/pty_model.sh [BUILD_DIR [RUNS [WORK:WORKER ...]]]
#   default configurations: 0:0 (a reader that only discards), 44:0 (rxvt-unicode's CPU a
#   byte in the window flood, one thread), 31:24 (boundterm's loop and worker before the
#   twelfth session), 31:19 (after it), 31:0 (its loop alone)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-5}
shift $(( $# < 2 ? $# : 2 ))
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(0:0 44:0 31:24 31:19 31:0)
drain=$build/bench/pty_drain
[ -x "$drain" ] || { echo "pty_model: no $drain (meson compile -C $build)" >&2; exit 1; }
od=$(bench/corpora.sh)/od.txt
bytes=$(stat -c %s "$od")
results=$(mktemp)
trap 'rm -f "$results"' EXIT

for ((run = 1; run <= runs; run++)); do
    for c in "${configs[@]}"; do
        start=$(date +%s%N)
        "$drain" --work-us "${c%%:*}" --worker-us "${c##*:}" cat "$od" > /dev/null
        end=$(date +%s%N)
        awk -v c="$c" -v b="$bytes" -v ns=$((end - start)) 'BEGIN { printf "%s %.1f\n", c, b / ns * 1000 }' \
            | tee -a "$results" >&2
    done
done

# shellcheck source=bench/proc.sh
. bench/proc.sh # median_and_all
echo "| reader us / 4 KiB | worker us / 4 KiB | MB/s (median of $runs) | runs |"
echo "|---:|---:|---:|---|"
for c in "${configs[@]}"; do
    IFS=$'\t' read -r med all < <(awk -v c="$c" '$1 == c { print $2 }' "$results" | median_and_all)
    printf '| %s | %s | %.1f | %s |\n' "${c%%:*}" "${c##*:}" "$med" "$all"
done
