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
