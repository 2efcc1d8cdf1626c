#!/usr/bin/env bash
# od -cx through a pty, side by side, on this machine, in one run (issue 3):
#   od     `od -cx -N K /dev/urandom > /dev/null`: how fast od itself produces (-N K input
#          bytes make about MB megabytes of output; -N rather than | head, because a shell
#          started with SIGPIPE ignored would leave od running after head left)
#   pty    the same into a pty whose master a trivial reader drains and discards
#          (bench/pty_drain.c, 1 MiB reads): the kernel's pty ceiling, with n_tty's output
#          processing (ONLCR) on od's side. On a tty od writes one line per write(), so
#          this is far below od's own rate
#   bt     the same through `boundterm --headless -e sh -c '...'` (default store, 80x24)
#   pty|   `od ... | cat` into the drained pty: cat writes 128 KiB blocks, as a pipeline, a
#          pager or a build tool with buffered output would, so the pty is no longer
#          throttled by one write per line
#   bt|    the same `od ... | cat` through boundterm
#   bt<    `cat FILE` through boundterm, FILE holding the same amount of od -cx output made
#          beforehand: the producer costs next to nothing, so this is how fast boundterm
#          takes od's text through a pty, against how fast od makes it (bt< / od)
# Each runs RUNS times interleaved; prints every run and the medians in MB/s of wall time
# (od's output bytes before the pty's ONLCR adds a CR per line, over the command's wall time).
# Usage: bench/pty.sh [BUILD_DIR [MB [RUNS]]]   (default: build, 100 MB, 5 runs)
# With BT_OTHER=/path/to/another/boundterm, that binary runs too (bt2), e.g. a build of main
# before a change, interleaved with the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build} mb=${2:-100} runs=${3:-5}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" src/boundterm bench/pty_drain >/dev/null
bt=$(realpath "$build/src/boundterm")
drain=$(realpath "$build/bench/pty_drain")
k=$((mb * 1000000 / 9))
n=$(od -v -cx -N "$k" /dev/zero | wc -c) # the output's size: the same for any input
gen="od -cx -N $k /dev/urandom"
tmp=$(mktemp -d /tmp/bt-pty.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
# Prints MB/s for N bytes in the seconds between $1 and $2.
rate() { echo "$n / ($2 - $1) / 1000000" | bc -l; }

one() {
    local kind=$1 t0 t1
    t0=$(now)
    case $kind in
    od) sh -c "$gen" > /dev/null ;;
    pty) "$drain" sh -c "$gen" > /dev/null ;;
    bt) "$bt" --headless --spill-dir "$tmp" -e sh -c "$gen" > /dev/null ;;
    bt2) "$BT_OTHER" --headless --spill-dir "$tmp" -e sh -c "$gen" > /dev/null ;;
    'pty|') "$drain" sh -c "$gen | cat" > /dev/null ;;
    'bt|') "$bt" --headless --spill-dir "$tmp" -e sh -c "$gen | cat" > /dev/null ;;
    'bt<') "$bt" --headless --spill-dir "$tmp" -e cat "$tmp/od.out" > /dev/null ;;
    esac
    t1=$(now)
    rate "$t0" "$t1"
}

$gen > "$tmp/od.out"
kinds=(od pty bt 'pty|' 'bt|' 'bt<')
[ -n "${BT_OTHER:-}" ] && kinds+=(bt2)
echo "# bench/pty.sh: $(uname -m), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
     "$(date -u '+%Y-%m-%d %H:%M UTC'), $mb MB per run, $runs runs interleaved"
declare -A all
for r in $(seq "$runs"); do
    for k in "${kinds[@]}"; do
        v=$(one "$k")
        all[$k]="${all[$k]:-} $v"
    done
done
# shellcheck source=bench/proc.sh
. bench/proc.sh # median
declare -A med
for k in "${kinds[@]}"; do
    med[$k]=$(echo "${all[$k]}" | median)
    printf '  %-4s %6.1f MB/s median   runs:' "$k" "${med[$k]}"
    for v in ${all[$k]}; do printf ' %.1f' "$v"; done
    echo
done
printf '  pty / od %.2fx   bt / pty %.2fx   bt / od %.2fx\n' \
    "$(echo "${med[pty]} / ${med[od]}" | bc -l)" "$(echo "${med[bt]} / ${med[pty]}" | bc -l)" \
    "$(echo "${med[bt]} / ${med[od]}" | bc -l)"
printf '  with | cat: pty| / od %.2fx   bt| / pty| %.2fx   bt| / od %.2fx\n' \
    "$(echo "${med[pty|]} / ${med[od]}" | bc -l)" "$(echo "${med[bt|]} / ${med[pty|]}" | bc -l)" \
    "$(echo "${med[bt|]} / ${med[od]}" | bc -l)"
printf '  od text from a file: bt< / od %.2fx\n' "$(echo "${med[bt<]} / ${med[od]}" | bc -l)"
