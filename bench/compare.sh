#!/usr/bin/env bash
# boundterm side by side with xterm, tmux and libvterm (issue 6), and rxvt-unicode and
# alacritty when they are installed (issue 15), on this machine, in one run,
# with the same fixed input (bench/corpora.sh's od.txt) and the same 80x24 screen:
#   1. throughput: `cat od.txt` in each terminal (timed inside the terminal), RES before and
#      after, rows retained; libvterm's VTermScreen / VTermState-only via bench_vterm
#   2. flood: `od -cx /dev/urandom` for FLOOD seconds, the terminal's RES every second, then
#      Ctrl-C and RES, then ESC [3J (and tmux clear-history) and RES
# Each measurement runs RUNS times, interleaved; bench/compare_report.py prints the medians,
# the ratios and the chart (docs/flood.svg).
#
# Usage: bench/compare.sh [BUILD_DIR] [--quick] [--no-flood] [--svg FILE] [--keep DIR]
#   BUILD_DIR  a meson build of boundterm (default: build; configured release if missing)
#   --quick    a 10 s flood, 1 run, the first 40 MB of od.txt (to try the script)
#   --no-flood the throughput part only (3 runs of every terminal: about 6 minutes)
#   --svg      where the flood chart goes (default docs/flood.svg; --quick: /tmp/...)
#   --keep     copy the raw figures (TSV/CSV) there
# Installs xterm, tmux, xvfb, xdotool from Debian when missing (needs root), starts its own
# Xvfb on a free display and a private tmux server, and kills everything it started on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build quick=0 svg="" keep="" noflood=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --no-flood) noflood=1 ;;
    --svg) svg=$2; shift ;;
    --keep) keep=$2; shift ;;
    -*) echo "usage: bench/compare.sh [BUILD_DIR] [--quick] [--no-flood] [--svg FILE]" \
             "[--keep DIR]" >&2
        exit 2 ;;
    *) build=$1 ;;
    esac
    shift
done
if [ $quick = 1 ]; then runs=1 flood=10 input_mb=40; else runs=3 flood=60 input_mb=0; fi
[ -n "$svg" ] || { [ $quick = 1 ] && svg=/tmp/bt-compare-quick.svg || svg=docs/flood.svg; }

# ---- what it needs -----------------------------------------------------------------------
need=()
command -v xterm >/dev/null || need+=(xterm)
command -v tmux >/dev/null || need+=(tmux)
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
if [ ${#need[@]} -gt 0 ]; then
    apt-get install -y "${need[@]}" >/dev/null
fi
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" src/boundterm >/dev/null
bt=$(realpath "$build/src/boundterm")
corpora=$(bench/corpora.sh)

tmp=$(mktemp -d /tmp/bt-compare.XXXXXX)
pids=() xvfb_pid="" tmux_sock="bt-compare-$$"
# Kills every process this script started (terminals, their children, Xvfb, the tmux server).
cleanup() {
    set +e
    tmux -L "$tmux_sock" kill-server 2>/dev/null
    for p in "${pids[@]}"; do kill_tree "$p"; done
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Kills pid and its descendants (children first found through /proc, so no name matching).
kill_tree() {
    local p=$1 c
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do kill_tree "$c"; done
    kill "$p" 2>/dev/null || true
}

if [ "$input_mb" -gt 0 ]; then
    input=$tmp/od-head.txt
    head -c "${input_mb}000000" "$corpora/od.txt" > "$input"
else
    input=$corpora/od.txt
fi
input_bytes=$(stat -c %s "$input")
input_lines=$(wc -l < "$input")

# ---- X ---------------------------------------------------------------------------------------
n=91
while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
Xvfb ":$n" -screen 0 1280x1024x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X$n" ] || { echo "compare: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$n"
unset WAYLAND_DISPLAY

# ---- helpers ---------------------------------------------------------------------------------
# shellcheck source=bench/proc.sh
. bench/proc.sh # cpu_ns

# VmRSS of pid in KiB (0 when it is gone).
rss_kib() { awk '/^VmRSS:/ {print $2; f=1} END {if (!f) print 0}' /proc/"$1"/status 2>/dev/null \
    || echo 0; }

# Waits up to $2 seconds (default 30) for file $1; false when it never came.
wait_file() {
    local i
    for i in $(seq $(( ${2:-30} * 20 ))); do [ -e "$1" ] && return 0; sleep 0.05; done
    return 1
}

# The inner script every terminal runs. $1 = directory for the markers, $2 = "cat FILE" or
# "flood". INT is caught (not ignored) so a Ctrl-C kills od but not the script.
write_inner() {
    cat > "$tmp/inner.sh" <<'EOF'
#!/bin/sh
d=$1
trap 'true' INT
echo $$ > "$d/sh"
touch "$d/ready"
sleep 1
date +%s.%N > "$d/t0"
if [ "$2" = flood ]; then od -cx /dev/urandom; else cat "$3"; fi
date +%s.%N > "$d/t1"
while [ ! -e "$d/clear" ]; do sleep 0.1; done
printf '\033[3J'
touch "$d/cleared"
exec sleep 100000
EOF
}

# Starts terminal $1 running the inner script with args $2...; sets term_pid (what we measure).
start_term() {
    local kind=$1; shift
    local d=$1
    case $kind in
    bt-headless)
        "$bt" --headless --spill-dir "$d" --stats "$d/stats" -e sh "$tmp/inner.sh" "$@" \
            >/dev/null 2>"$d/err" &
        term_pid=$! ;;
    bt-window)
        "$bt" --spill-dir "$d" --stats "$d/stats" -e sh "$tmp/inner.sh" "$@" \
            >/dev/null 2>"$d/err" &
        term_pid=$! ;;
    xterm)
        xterm -sl 1000000 -geometry 80x24 -e sh "$tmp/inner.sh" "$@" >/dev/null 2>"$d/err" &
        term_pid=$! ;;
    urxvt) # its scrollback is at most 65535 lines
        urxvt -sl 65535 -geometry 80x24 -e sh "$tmp/inner.sh" "$@" >/dev/null 2>"$d/err" &
        term_pid=$! ;;
    alacritty) # no GPU under Xvfb: Mesa's software renderer; history is at most 100000
        LIBGL_ALWAYS_SOFTWARE=1 alacritty -o scrolling.history=100000 \
            -o window.dimensions.columns=80 -o window.dimensions.lines=24 \
            -e sh "$tmp/inner.sh" "$@" >/dev/null 2>"$d/err" &
        term_pid=$! ;;
    tmux)
        printf 'set -g history-limit 1000000\n' > "$tmp/tmux.conf"
        tmux -L "$tmux_sock" -f "$tmp/tmux.conf" new-session -d -x 80 -y 24 \
            "sh $tmp/inner.sh $*"
        term_pid=$(tmux -L "$tmux_sock" display -p '#{pid}') ;;
    esac
    [ "$kind" = tmux ] || pids+=("$term_pid")
}

# Stops the terminal started last.
stop_term() {
    if [ "$1" = tmux ]; then
        tmux -L "$tmux_sock" kill-server 2>/dev/null || true
    else
        kill_tree "$term_pid"
        wait "$term_pid" 2>/dev/null || true
    fi
    sleep 0.5
}

# Rows terminal $1 keeps in its scrollback now (marker dir $2).
rows_retained() {
    case $1 in
    bt-*) sleep 1.2; tail -n 1 "$2/stats" | sed -n 's/.*"rows_retained":\([0-9]*\).*/\1/p' ;;
    tmux) tmux -L "$tmux_sock" display -p '#{history_size}' ;;
    # The X terminals cannot be asked: everything that scrolled off, up to their limit.
    xterm) local r=$((input_lines + 1 - 24)); [ $r -gt 1000000 ] && r=1000000; echo $r ;;
    urxvt) local r=$((input_lines + 1 - 24)); [ $r -gt 65535 ] && r=65535; echo $r ;;
    alacritty) local r=$((input_lines + 1 - 24)); [ $r -gt 100000 ] && r=100000; echo $r ;;
    esac
}

# Sends Ctrl-C to terminal $1 the way its user would; returns the method used.
send_ctrl_c() {
    local kind=$1 d=$2 wid od
    case $kind in
    tmux) tmux -L "$tmux_sock" send-keys C-c; echo "tmux send-keys C-c"; return ;;
    xterm|bt-window|urxvt|alacritty)
        wid=$(xdotool search --pid "$term_pid" 2>/dev/null | tail -n 1)
        if [ -n "$wid" ]; then
            xdotool windowfocus --sync "$wid" 2>/dev/null || true
            xdotool key --clearmodifiers ctrl+c
            wait_file "$d/t1" 5 && { echo "xdotool key ctrl+c"; return; }
        fi ;;
    esac
    # The headless session has no keyboard (and a window that did not take the key):
    # SIGINT to od, the inner script's child.
    local sh; sh=$(cat "$d/sh")
    for od in $(cat /proc/"$sh"/task/*/children 2>/dev/null); do
        [ "$(cat /proc/"$od"/comm 2>/dev/null)" = od ] && kill -INT "$od"
    done
    echo "kill -INT od"
}

# ---- 1. throughput and RES per retained row ---------------------------------------------------
# One line per run: kind run seconds bytes rss0_kib rss1_kib rows disk_bytes cpu_ms
# (cpu_ms: the terminal's CPU, all threads, from before the cat to its end; Xvfb not counted)
thr() {
    local kind=$1 run=$2 d=$tmp/thr-$1-$2
    mkdir -p "$d"
    start_term "$kind" "$d" cat "$input"
    if ! wait_file "$d/ready" 20; then
        echo "compare: $kind did not start" >&2
        stop_term "$kind"
        return
    fi
    sleep 0.5
    local rss0 cpu0 cpu1; rss0=$(rss_kib "$term_pid") cpu0=$(cpu_ns "$term_pid")
    wait_file "$d/t1" 1200 || { echo "compare: $kind: cat did not finish" >&2; }
    cpu1=$(cpu_ns "$term_pid")
    sleep 2 # let the terminal take the last bytes and compress/settle
    local rss1 rows secs
    rss1=$(rss_kib "$term_pid")
    rows=$(rows_retained "$kind" "$d")
    secs=$(echo "$(cat "$d/t1") - $(cat "$d/t0")" | bc)
    local disk=0 # the store's spill files: boundterm keeps rows on disk too
    [ -e "$d/stats" ] && disk=$(tail -n 1 "$d/stats" | sed -n 's/.*"disk_used":\([0-9]*\).*/\1/p')
    local cpu_ms=$(((cpu1 - cpu0) / 1000000))
    echo "$kind $run $secs $input_bytes $rss0 $rss1 ${rows:-0} ${disk:-0} $cpu_ms" \
        >> "$tmp/thr.tsv"
    printf '  %-12s run %d: %6.2f s  %6.1f MB/s  CPU %s ms  RES %s -> %s KiB  rows %s\n' \
        "$kind" "$run" "$secs" "$(echo "$input_bytes / $secs / 1000000" | bc -l)" \
        "$cpu_ms" "$rss0" "$rss1" "$rows" >&2
    stop_term "$kind"
}

# ---- 2. the flood --------------------------------------------------------------------------------
# flood.tsv: kind run rss0 after_ctrl_c after_clear method; flood-KIND-RUN.csv: second,kib
flood_one() {
    local kind=$1 run=$2 d=$tmp/flood-$1-$2 csv=$tmp/flood-$1-$2.csv
    mkdir -p "$d"
    start_term "$kind" "$d" flood
    if ! wait_file "$d/ready" 20; then
        echo "compare: $kind did not start" >&2
        stop_term "$kind"
        return
    fi
    sleep 0.5
    local rss0 s method
    rss0=$(rss_kib "$term_pid")
    wait_file "$d/t0" 5 || true
    echo "0,$rss0" > "$csv"
    for s in $(seq "$flood"); do
        sleep 1
        echo "$s,$(rss_kib "$term_pid")" >> "$csv"
    done
    method=$(send_ctrl_c "$kind" "$d")
    wait_file "$d/t1" 10 || echo "compare: $kind: od did not stop" >&2
    sleep 2
    local int_kib; int_kib=$(rss_kib "$term_pid")
    touch "$d/clear"
    wait_file "$d/cleared" 10 || echo "compare: $kind: the clear did not run" >&2
    [ "$kind" = tmux ] && tmux -L "$tmux_sock" clear-history
    sleep 2
    local clr_kib; clr_kib=$(rss_kib "$term_pid")
    echo "$kind $run $rss0 $int_kib $clr_kib $method" >> "$tmp/flood.tsv"
    printf '  %-12s run %d: RES %s -> peak %s -> Ctrl-C %s -> clear %s KiB (%s)\n' "$kind" "$run" \
        "$rss0" "$(cut -d, -f2 "$csv" | sort -n | tail -n 1)" "$int_kib" "$clr_kib" "$method" >&2
    stop_term "$kind"
}

# ---- run ----------------------------------------------------------------------------------------
kinds=(bt-headless)
write_inner
mkdir -p "$tmp/probe"
if timeout 20 "$bt" --stats "$tmp/probe/stats" -e true >/dev/null 2>"$tmp/probe/err"; then
    kinds+=(bt-window)
    window_note="boundterm's window under Xvfb"
else
    window_note="no boundterm window: \`boundterm -e true\` with DISPLAY set failed: \
$(head -c 200 "$tmp/probe/err" | tr '\n' ' ')"
fi
kinds+=(xterm tmux)
command -v urxvt >/dev/null && kinds+=(urxvt)
command -v alacritty >/dev/null && kinds+=(alacritty)
echo "# bench/compare.sh: $(uname -m), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), \
runs $runs, flood $flood s, input $input_bytes bytes / $input_lines lines" >&2
echo "# terminals: ${kinds[*]} ($window_note)" >&2

vt=$build/bench/bench_vterm
ninja -C "$build" bench/bench_vterm >/dev/null 2>&1 || true
if [ ! -x "$vt" ]; then # a build that cannot make it (an older tree): built here, on its libraries
    vt=$tmp/bench_vterm
    cc -O2 -D_GNU_SOURCE -Isrc/term -Iinclude -Isrc bench/bench_vterm.c \
        "$build/src/term/libbt-term.a" "$build/src/scrollback/libbt-scrollback.a" \
        "$build/src/util/libbt-util.a" \
        $(pkg-config --libs vterm libzstd liblz4 liblzma libsodium) -lutil -lpthread -lm -o "$vt"
fi
echo "## bench_vterm" >&2
"$vt" "$input" 0 "$runs" | tee "$tmp/vterm.txt" >&2

echo "## throughput: cat of $input in each terminal" >&2
for run in $(seq "$runs"); do
    for k in "${kinds[@]}"; do thr "$k" "$run"; done
done
if [ $noflood = 0 ]; then
    echo "## flood: od -cx /dev/urandom for $flood s" >&2
    for run in $(seq "$runs"); do
        for k in "${kinds[@]}"; do flood_one "$k" "$run"; done
    done
fi

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    cp "$tmp"/*.tsv "$tmp/vterm.txt" "$keep"/
    [ $noflood = 1 ] || cp "$tmp"/*.csv "$keep"/
fi
python3 bench/compare_report.py "$tmp" --svg "$svg" --flood "$flood" --runs "$runs" \
    --input "$input" --window-note "$window_note"
