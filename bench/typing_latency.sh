#!/usr/bin/env bash
# Typing latency (issue 15, part 3): keystroke to changed pixels, boundterm beside the X
# terminals installed here (xterm, rxvt-unicode, alacritty), in one run on one private Xvfb.
# In each terminal `stty raw -echo; exec cat` echoes what it reads; bench/typing_latency
# sends KEYS keys with XTEST (60 ms apart: an idle terminal) and polls the window's top rows
# until they change. RUNS rounds, the terminals interleaved in each; medians of the rounds,
# each terminal's CPU a key (all its threads, /proc/PID/task/*/schedstat), and the quantiles
# of all its keys of all rounds pooled (a p95 of 100 keys is their sixth slowest, and moves
# with each round's few unlucky keys; pooled, RUNS x KEYS keys say more about the tail).
#
# The benchmark polls the top rows across the window's whole width, so a wider window costs
# more to poll (each XGetImage copies more), which adds to the latency measured. xterm and
# rxvt-unicode therefore draw with the misc-fixed font of 9x18 cells, the size of boundterm's
# default cell: every window is 720 or so pixels wide and each poll copies the same bytes.
# (xterm's default font has 6x13 cells: a 484-pixel window, 2/3 of the bytes a poll.)
# alacritty keeps its own font. --native-fonts measures with each terminal's default font.
#
# Usage: bench/typing_latency.sh [BUILD_DIR] [--keys N] [--runs N] [--also BOUNDTERM] [--only LIST]
#                                [--native-fonts] [--bt-args ARGS]
#   BUILD_DIR  a meson build with bench/typing_latency (needs libx11-dev, libxtst-dev) and
#              boundterm (default: build-rel, configured release if missing)
#   --also     another boundterm binary (an older build, say), measured in the same rounds
#              as "boundterm2"
#   --only     the terminals to measure, of boundterm, boundterm2, xterm, urxvt, alacritty
#              ("boundterm xterm": more rounds in the same time)
#   --native-fonts xterm and rxvt-unicode with their default fonts (smaller windows)
#   --bt-args  more arguments for boundterm (and --also's): "--font-size 10" gives cells of
#              6x13, a window of xterm's own size, to go with --native-fonts
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-rel keys=100 runs=3 also= only= native= bt_args=
while [ $# -gt 0 ]; do
    case $1 in
    --keys) keys=$2; shift ;;
    --runs) runs=$2; shift ;;
    --also) also=$(readlink -f "$2"); shift ;;
    --only) only=$2; shift ;;
    --native-fonts) native=1 ;;
    --bt-args) bt_args=$2; shift ;;
    -*) echo "usage: bench/typing_latency.sh [BUILD_DIR] [--keys N] [--runs N] [--also BOUNDTERM]" \
             "[--only LIST] [--native-fonts] [--bt-args ARGS]" >&2
        exit 2 ;;
    *) build=$1 ;;
    esac
    shift
done
[ -d "$build" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" src/boundterm bench/typing_latency >/dev/null
tool=$build/bench/typing_latency
bt=$(readlink -f "$build/src/boundterm")
tmp=$(mktemp -d)
xpid= tpid=
cleanup() {
    [ -n "$tpid" ] && kill "$tpid" 2>/dev/null
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
. tests/gui/xvfb.sh
xvfb_start /dev/null || exit 77
echo_prog="stty raw -echo; exec cat"
terms="boundterm"
[ -n "$also" ] && terms="$terms boundterm2"
command -v xterm >/dev/null && terms="$terms xterm"
command -v urxvt >/dev/null && terms="$terms urxvt"
command -v alacritty >/dev/null && terms="$terms alacritty"
if [ -n "$only" ]; then
    wanted=
    for t in $only; do
        case " $terms " in
        *" $t "*) wanted="$wanted $t" ;;
        *) echo "typing_latency.sh: $t is not installed or not known" >&2; exit 2 ;;
        esac
    done
    terms=$wanted
fi
cell_font=-misc-fixed-medium-r-normal--18-120-100-100-c-90-iso10646-1 # 9x18, as boundterm's
font=()
if [ -z "$native" ]; then
    if ! command -v xlsfonts >/dev/null; then
        echo "typing_latency.sh: no xlsfonts (x11-utils) to find $cell_font: default fonts" >&2
    elif xlsfonts -fn "$cell_font" >/dev/null 2>&1; then
        font=(-fn "$cell_font")
    else
        echo "typing_latency.sh: no $cell_font here (xfonts-base): default fonts" >&2
    fi
fi
start() { # NAME: starts the terminal at 80x24 with the echo program; sets tpid
    # shellcheck disable=SC2086 # --bt-args is split into its words on purpose
    case $1 in
    boundterm) "$bt" --config /dev/null --size 80x24 $bt_args -e sh -c "$echo_prog" & ;;
    boundterm2) "$also" --config /dev/null --size 80x24 $bt_args -e sh -c "$echo_prog" & ;;
    xterm) xterm "${font[@]}" -geometry 80x24 -e sh -c "$echo_prog" & ;;
    urxvt) urxvt "${font[@]}" -geometry 80x24 -e sh -c "$echo_prog" & ;;
    alacritty) LIBGL_ALWAYS_SOFTWARE=1 alacritty -o window.dimensions.columns=80 \
                   -o window.dimensions.lines=24 -e sh -c "$echo_prog" 2>/dev/null & ;;
    esac
    tpid=$!
}
# shellcheck source=bench/proc.sh
. bench/proc.sh # cpu_ns
for run in $(seq 1 "$runs"); do
    for t in $terms; do
        start "$t"
        wid=$(timeout 20 xdotool search --sync --onlyvisible --pid "$tpid" 2>/dev/null | head -n 1 ||
              true)
        [ -z "$wid" ] && wid=$(timeout 10 xdotool search --sync --onlyvisible --class "$t" |
                               head -n 1)
        sleep 1.5 # drawn, and the program in raw mode
        eval "$(xdotool getwindowgeometry --shell "$wid")"
        xdotool mousemove $((X + WIDTH / 2)) $((Y + HEIGHT / 2)) # focus follows the pointer
        sleep 0.3
        c0=$(cpu_ns "$tpid")
        "$tool" "$wid" "$keys" 48 "$tmp/keys-$t" | sed "s/^/$t $run: ${WIDTH}x$HEIGHT window, /" |
            tee -a "$tmp/all"
        echo "$t $run: cpu $(( ($(cpu_ns "$tpid") - c0) / keys / 1000 )) us a key" | tee -a "$tmp/all"
        kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null || true
        tpid=
    done
done
python3 - "$tmp/all" $terms <<'PY'
import os, re, statistics, sys
lines = open(sys.argv[1]).read().splitlines()
tmp = os.path.dirname(sys.argv[1])
print("\n%-10s %12s %12s %12s  (medians of the runs')" % ("terminal", "median", "p95", "CPU a key"))
for t in sys.argv[2:]:
    med, p95, cpu = [], [], []
    for l in lines:
        m = re.match(r"%s \d+: \d+x\d+ window, keys \d+, lost \d+, median ([\d.]+) ms, "
                     r"p95 ([\d.]+) ms" % t, l)
        if m:
            med.append(float(m.group(1))); p95.append(float(m.group(2)))
        m = re.match(r"%s \d+: cpu (\d+) us a key" % t, l)
        if m:
            cpu.append(int(m.group(1)))
    if med:
        print("%-10s %9.2f ms %9.2f ms %9d us" % (t, statistics.median(med), statistics.median(p95),
                                                 statistics.median(cpu) if cpu else -1))
print("\n%-10s %7s %9s %9s %9s %9s  (all keys of all runs)" % ("terminal", "keys", "p50", "p90",
                                                               "p95", "p99"))
for t in sys.argv[2:]:
    path = os.path.join(tmp, "keys-" + t)
    if not os.path.exists(path):
        continue
    v = sorted(float(x) for x in open(path) if x.strip())
    if v:
        q = lambda p: v[min(len(v) - 1, int(len(v) * p))]
        print("%-10s %7d %6.2f ms %6.2f ms %6.2f ms %6.2f ms" % (t, len(v), q(.5), q(.9), q(.95),
                                                              q(.99)))
PY
