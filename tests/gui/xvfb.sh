# Sourced by the window's scenarios and benchmarks.
#
# gui_begin NAME [TOOL...]: how each of them starts. Skips (exit 77) unless Xvfb and every
# TOOL are installed, makes $tmp (/tmp/bt-NAME.XXXXXX) and sets the trap that, on exit,
# closes fd 4, kills the boundterm in $bpid (and waits for it), every pid in $pids and the
# Xvfb in $xpid, and removes $tmp. The caller starts Xvfb when it is ready (xvfb_start).
gui_begin() {
    local name=$1 t
    shift
    for t in Xvfb "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "skip: $t is needed"; exit 77; }
    done
    tmp=$(mktemp -d "/tmp/bt-$name.XXXXXX")
    xpid= bpid= pids=
    trap gui_cleanup EXIT
}
gui_cleanup() {
    local p
    exec 4>&- 2>/dev/null
    [ -n "$bpid" ] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
    for p in $pids; do kill "$p" 2>/dev/null; done
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null
    rm -rf "$tmp"
}

# gui_window: waits for a boundterm window (sets wid), focuses it and puts the pointer on it
# (with no window manager, the keyboard follows the pointer); fails (the caller's fail) when
# none appears within 10 s.
gui_window() {
    wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
    [ -n "$wid" ] || fail "no boundterm window appeared"
    xdotool windowfocus --sync "$wid"
    xdotool mousemove --window "$wid" 200 150
    sleep 0.5
}

# gui_start ARGS...: starts "$bt" ARGS... with its frame log in $tmp/frames and its --stats
# in $tmp/stats (what the benchmarks read); sets bpid, and wid to its window.
gui_start() {
    BOUNDTERM_FRAME_LOG="$tmp/frames" "$bt" --stats "$tmp/stats" "$@" &
    bpid=$!
    wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
}

# xvfb_start LOG [ARGS...] starts a private Xvfb (with ARGS: -extension MIT-SHM, say), sets
# xpid (for the cleanup) and DISPLAY, and returns
# 1 when the server does not come up within 5 s (the caller skips with 77). Xvfb picks the
# display itself (-displayfd), so scenarios that meson starts at the same moment never race
# for one number.
xvfb_start() {
    local out i=0 log=$1
    shift
    out=$(mktemp /tmp/bt-xvfb.XXXXXX)
    Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp "$@" 3>"$out" >"$log" 2>&1 &
    xpid=$!
    until [ -s "$out" ]; do
        i=$((i + 1))
        if [ $i -gt 50 ]; then
            rm -f "$out"
            echo "skip: Xvfb did not start"
            return 1
        fi
        sleep 0.1
    done
    export DISPLAY=":$(head -n 1 "$out")"
    rm -f "$out"
    unset WAYLAND_DISPLAY
}

# Helpers the scenarios share (they define fail and $tmp before calling them):
# stats_value NAME: NAME's value (a number or a word, quoted or not) in the last --stats line
# written to $tmp/stats (not "stat": that would hide stat(1) from the scripts that source this).
stats_value() {
    tail -n 1 "$tmp/stats" 2>/dev/null | sed -n "s/.*\"$1\":\"\{0,1\}\([a-z0-9]*\).*/\1/p"
}
stat_is() { [ "$(stats_value "$1")" = "$2" ]; }
# shot NAME: the window $wid as $tmp/NAME.png (xwd and ImageMagick's convert).
shot() { xwd -silent -id "$wid" | convert xwd:- "$tmp/$1.png"; }
# wait_ingested STATS [SECONDS]: waits (up to SECONDS, 120 by default) until the bytes_in of
# the --stats file STATS stop growing from one second to the next: the program's output is in.
wait_ingested() {
    local prev= now i
    for i in $(seq "${2:-120}"); do
        sleep 1
        now=$(tail -n 1 "$1" 2>/dev/null | sed 's/.*"bytes_in":\([0-9]*\).*/\1/')
        [ -n "$now" ] && [ "$now" = "$prev" ] && return 0
        prev=$now
    done
}
# wait_for WHAT COMMAND...: retries COMMAND for up to 5 s, then fails with WHAT.
wait_for() {
    local what=$1 i=0
    shift
    until "$@"; do
        i=$((i + 1)); [ $i -gt 50 ] && fail "$what"
        sleep 0.1
    done
}
