#!/usr/bin/env bash
# The scrollback store's benchmark: bench_store on the od -cx corpus and the log corpus,
# side by side in one run. Usage: bench/store.sh [BUILD_DIR] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release
ninja -C "$build" bench/bench_store
dir=$(bench/corpora.sh)
echo "# bench/store.sh on $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d)"
for corpus in od logs; do
    echo
    echo "## $corpus"
    "$build/bench/bench_store" "$dir/$corpus.txt" "$@"
done
