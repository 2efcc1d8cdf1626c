# Sourced by the window's scenarios and benchmarks: xvfb_start LOG starts a private Xvfb on
# a display number nobody uses, sets xpid (for the caller's cleanup) and DISPLAY, and
# returns 1 when the server does not come up within 5 s (the caller skips with 77).
xvfb_start() {
    local n=90 i=0
    while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
    Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp >"$1" 2>&1 &
    xpid=$!
    until [ -e "/tmp/.X11-unix/X$n" ]; do
        i=$((i + 1)); [ $i -gt 50 ] && { echo "skip: Xvfb did not start"; return 1; }
        sleep 0.1
    done
    export DISPLAY=":$n"
    unset WAYLAND_DISPLAY
}
