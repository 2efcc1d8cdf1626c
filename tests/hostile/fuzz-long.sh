#!/usr/bin/env bash
# The longer fuzzing suite, outside CI: every libFuzzer target for MINUTES each (default 10)
# under ASan+UBSan, one after another, each from a copy of its corpus in tests/fuzz/corpus/.
# A crash stops that target; its input lands in tests/fuzz/corpus/<target>/ (to be replayed
# by the fuzz-regress suite once fixed) and the script exits 1.
#   tests/hostile/fuzz-long.sh [MINUTES] [BUILD_DIR] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
minutes=${1:-10}
dir=${2:-build-fuzz}
shift $(($# < 2 ? $# : 2))
[ -f "$dir/build.ninja" ] || CC=clang meson setup "$dir" -Dfuzzers=true \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
ninja -C "$dir" >/dev/null || exit 1
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$dir"/tests/fuzz/fuzz_*; do
        [ -f "$f" ] && [ -x "$f" ] && targets+=("${f##*/fuzz_}")
    done
fi
work=$(mktemp -d /tmp/bt-fuzz-long.XXXXXX)
trap 'rm -rf "$work"' EXIT
rc=0
for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "$work/crash-$t"
    cp tests/fuzz/corpus/"$t"/* "$work/$t/" 2>/dev/null
    echo "fuzz-long: $t for $minutes min" >&2
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$dir/tests/fuzz/fuzz_$t" -max_total_time=$((minutes * 60)) -timeout=60 \
        -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/crash-$t/" \
        "$work/$t" 2>"$work/$t.log"
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$work/$t.log" >&2
    for c in "$work/crash-$t"/*; do
        [ -e "$c" ] || continue
        cp "$c" tests/fuzz/corpus/"$t"/
        echo "fuzz-long: $t: crash input kept as tests/fuzz/corpus/$t/${c##*/}" >&2
        grep -m1 -A12 "ERROR\|runtime error\|fuzz_term:" "$work/$t.log" >&2
        rc=1
    done
done
exit $rc
