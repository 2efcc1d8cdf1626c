# What the bench scripts read of a running process in /proc; sourced, not run.

# CPU time of pid, all its threads, in ns (/proc/PID/task/*/schedstat: time on a CPU first).
# printf, not print: awk prints a sum past 2^31 as 2.5e+09, which shell arithmetic refuses.
cpu_ns() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
