#!/usr/bin/env bash
# Small RAM budgets (issue 15, part 1): boundterm --stress floods od -cx /dev/urandom through
# the store at each budget and reports the bound the issue sets, peak RES <= RES at 1 s +
# budget + 8 MiB, with what the store scaled down to fit (stats: scaled) and what it kept.
#
# Usage: bench/small_budgets.sh [BUILD_DIR] [--bytes SIZE] [--runs N]
#   BUILD_DIR  a meson build of boundterm (default: build-rel, configured release if missing)
#   --bytes    output per run (default 300M, as the issue; 30M to try the script)
#   --runs     runs per budget, interleaved; medians printed (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-rel bytes=300M runs=1
while [ $# -gt 0 ]; do
    case $1 in
    --bytes) bytes=$2; shift ;;
    --runs) runs=$2; shift ;;
    -*) echo "usage: bench/small_budgets.sh [BUILD_DIR] [--bytes SIZE] [--runs N]" >&2; exit 2 ;;
    *) build=$1 ;;
    esac
    shift
done
[ -d "$build" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" src/boundterm >/dev/null
bt=$build/src/boundterm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
budgets="1M 2M 4M 8M"
for run in $(seq 1 "$runs"); do
    for b in $budgets; do
        "$bt" --stress --scrollback-ram "$b" --bytes "$bytes" --spill-dir "$tmp" \
            --stats "$tmp/$b.$run.json" >"$tmp/$b.$run.out" 2>&1 || true
    done
done
python3 - "$tmp" "$runs" $budgets <<'PY'
import json, re, statistics, sys
tmp, runs, budgets = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
MIB = 1 << 20
print("%-6s %9s %9s %9s %6s %11s %11s %10s  %s" % ("budget", "RES@1s", "peak RES", "bound",
      "held", "retained", "dropped", "MB/s", "scaled"))
for b in budgets:
    rows = []
    for r in range(1, runs + 1):
        out = open("%s/%s.%d.out" % (tmp, b, r)).read()
        last = json.loads(open("%s/%s.%d.json" % (tmp, b, r)).read().splitlines()[-1])
        num = lambda pat: float(re.search(pat, out).group(1))
        rows.append({"base": num(r"RES at 1 s:\s+([\d.]+) MiB"), "peak": num(r"peak RES:\s+([\d.]+) MiB"),
                     "mbs": num(r"throughput:\s+([\d.]+) MB/s"), "held": "held:" in out,
                     "kept": last["rows_retained"], "dropped": last["rows_dropped"],
                     "scaled": last.get("scaled", ""), "budget": last["ram_budget"] / MIB})
    med = lambda k: statistics.median(x[k] for x in rows)
    print("%-6s %8.1fM %8.1fM %8.1fM %6s %11d %11d %10.1f  %s" % (
        b, med("base"), med("peak"), med("base") + rows[0]["budget"] + 8, 
        "yes" if all(x["held"] for x in rows) else "NO", med("kept"), med("dropped"), med("mbs"),
        rows[0]["scaled"] or "-"))
PY
