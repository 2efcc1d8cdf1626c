# Sourced by the window's scenarios and benchmarks: xvfb_start LOG starts a private Xvfb,
# sets xpid (for the caller's cleanup) and DISPLAY, and returns 1 when the server does not
# come up within 5 s (the caller skips with 77). Xvfb picks the display itself (-displayfd),
# so scenarios that meson starts at the same moment never race for one number.
xvfb_start() {
    local out i=0
    out=$(mktemp /tmp/bt-xvfb.XXXXXX)
    Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$out" >"$1" 2>&1 &
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
# stats_value NAME: NAME's value in the last --stats line written to $tmp/stats (not "stat":
# that would hide stat(1) from the scripts that source this).
stats_value() { tail -n 1 "$tmp/stats" 2>/dev/null | sed -n "s/.*\"$1\":\([a-z0-9]*\).*/\1/p"; }
stat_is() { [ "$(stats_value "$1")" = "$2" ]; }
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
