# shellcheck shell=bash
# Helpers the bench scripts source (not run): what they read of a running process in /proc,
# and the medians they print.

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

# The numbers on stdin as a table's two cells: their median, a tab, then all of them in order
# joined by ", " (nothing when there are none).
median_and_all() {
    local all
    all=$(tr ' ' '\n' | grep . | sort -g || true)
    [ -n "$all" ] || return 0
    printf '%s\t%s\n' "$(echo "$all" | median)" "$(echo "$all" | paste -sd, | sed 's/,/, /g')"
}
