#!/usr/bin/env bash
# Makes the fixed benchmark corpora in ${BENCH_DIR:-/tmp/boundterm-bench} (once):
#   random16.bin  16 MiB of seeded pseudo-random bytes (the same on every machine)
#   od.txt        od -cx of it: about 2.1 million 72-column rows, 145 MB
#   logs.txt      a log-like corpus: ls -laR /usr plus find / -xdev -ls, cut at 150 MB
#   logs-issue.txt  issue 15's recipe for its density goal: ls -laR /usr, dpkg -L of every
#                 package, find / -ls, cut at 64 MiB
# The log corpora are made from this machine's files: they differ between machines and drift
# as packages come and go (the figures in docs/BENCHMARKS.md say which rows they had).
# Prints the directory.
set -euo pipefail
dir=${BENCH_DIR:-/tmp/boundterm-bench}
mkdir -p "$dir"
if [ ! -s "$dir/random16.bin" ]; then
    python3 -c 'import random, sys; random.seed(20261126); sys.stdout.buffer.write(random.randbytes(16 << 20))' \
        > "$dir/random16.bin"
fi
[ -s "$dir/od.txt" ] || od -cx "$dir/random16.bin" > "$dir/od.txt"
if [ ! -s "$dir/logs.txt" ]; then
    { ls -laR /usr; find / -xdev -ls; } 2>/dev/null | head -c 150000000 > "$dir/logs.txt" || true
fi
if [ ! -s "$dir/logs-issue.txt" ]; then
    # shellcheck disable=SC2046 # one argument per package
    { ls -laR /usr; dpkg -L $(dpkg-query -W -f '${Package}\n'); find / -ls; } 2>/dev/null |
        head -c 64M > "$dir/logs-issue.txt" || true
fi
echo "$dir"
