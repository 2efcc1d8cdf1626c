#!/usr/bin/env bash
# Makes the fixed benchmark corpora in ${BENCH_DIR:-/tmp/boundterm-bench} (once):
#   random16.bin  16 MiB of seeded pseudo-random bytes (the same on every machine)
#   od.txt        od -cx of it: about 2.1 million 72-column rows, 145 MB
#   logs.txt      a log-like corpus: ls -laR /usr plus find / -xdev -ls, cut at 150 MB
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
echo "$dir"
