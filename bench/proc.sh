# shellcheck shell=bash
# Helpers the bench scripts source (not run): what they read of a running process in /proc,
# and the median they print.

# CPU time of pid, all its threads, in ns (/proc/PID/task/*/schedstat: time on a CPU first).
# printf, not print: awk prints a sum past 2^31 as 2.5e+09, which shell arithmetic refuses.
cpu_ns() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# The median of the numbers on stdin (separated by spaces or newlines).
median() {
    tr ' ' '\n' | grep . | sort -g |
        awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
