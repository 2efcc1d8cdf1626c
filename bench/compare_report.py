#!/usr/bin/env python3
"""The report of bench/compare.sh: medians over runs, ratios, and the flood chart (SVG).

Usage: compare_report.py DIR --svg FILE --flood SECONDS --runs N --input FILE --window-note TEXT
DIR holds what compare.sh measured: vterm.txt (bench_vterm's output), thr.tsv
(kind run seconds bytes rss0_kib rss1_kib rows disk_bytes [cpu_ms]), flood.tsv (kind run rss0
after_ctrl_c after_clear method...) and flood-KIND-RUN.csv (second,kib). Prints Markdown on
stdout.
"""
import argparse
import collections
import glob
import os
import re
import statistics
from xml.sax.saxutils import escape

MIB = 1024.0
NAMES = {"bt-headless": "boundterm headless", "bt-window": "boundterm window (Xvfb)",
         "xterm": "xterm -sl 1000000 (Xvfb)", "tmux": "tmux, history-limit 1000000 (detached)",
         "urxvt": "rxvt-unicode -sl 65535 (Xvfb)",
         "alacritty": "alacritty, history 100000 (Xvfb, software GL)"}
SHORT = {"bt-headless": "boundterm headless", "bt-window": "boundterm window",
         "xterm": "xterm -sl 1000000", "tmux": "tmux history-limit 1000000",
         "urxvt": "rxvt-unicode -sl 65535", "alacritty": "alacritty history 100000"}
COLOURS = {"bt-headless": "#2ca02c", "bt-window": "#17becf", "xterm": "#d62728",
           "tmux": "#ff7f0e", "urxvt": "#9467bd", "alacritty": "#8c564b"}


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def vterm_figures(d):
    """bench_vterm's median CPU MB/s per engine."""
    out = {}
    path = os.path.join(d, "vterm.txt")
    if os.path.exists(path):
        for line in open(path):
            m = re.match(r"\s+(state|screen|term|term\+sb|term\+store)\s+([\d.]+) MB/s cpu", line)
            if m:
                out[m.group(1)] = float(m.group(2))
    return out


def throughput(d):
    """Per kind: median MB/s, RES before/after (MiB), rows, bytes per retained row."""
    by = collections.defaultdict(list)
    for row in read_rows(os.path.join(d, "thr.tsv")):
        kind, run, secs, nbytes, rss0, rss1, rows, disk = row[:8]
        cpu = int(row[8]) / 1000.0 if len(row) > 8 else float("nan")  # older runs: none
        by[kind].append((float(nbytes) / float(secs) / 1e6, int(rss0), int(rss1), int(rows),
                         int(disk) / MIB / 1024, cpu))
    res = {}
    for kind, xs in by.items():
        per_row = [(r1 - r0) * 1024.0 / rows for _, r0, r1, rows, _, _ in xs if rows > 0]
        res[kind] = {"mbs": median([x[0] for x in xs]), "rss0": median([x[1] for x in xs]) / MIB,
                     "rss1": median([x[2] for x in xs]) / MIB,
                     "rows": median([x[3] for x in xs]), "per_row": median(per_row),
                     "disk": median([x[4] for x in xs]), "cpu": median([x[5] for x in xs]),
                     "runs": len(xs), "all_mbs": [x[0] for x in xs]}
    return res


def flood(d):
    """Per kind: the median RES curve (MiB per second), peak, after Ctrl-C, after clear."""
    curves = collections.defaultdict(list)
    for path in glob.glob(os.path.join(d, "flood-*-*.csv")):
        kind = re.match(r"flood-(.+)-(\d+)\.csv$", os.path.basename(path)).group(1)
        pts = {}
        for line in open(path):
            s, kib = line.strip().split(",")
            pts[int(s)] = int(kib) / MIB
        curves[kind].append(pts)
    res = {}
    rows = collections.defaultdict(list)
    for r in read_rows(os.path.join(d, "flood.tsv")):
        rows[r[0]].append((int(r[2]) / MIB, int(r[3]) / MIB, int(r[4]) / MIB, " ".join(r[5:])))
    for kind, runs in curves.items():
        secs = sorted(set().union(*runs))
        curve = [(s, median([r[s] for r in runs if s in r])) for s in secs]
        xs = rows.get(kind, [])
        res[kind] = {"curve": curve, "peak": median([max(r.values()) for r in runs]),
                     "start": median([x[0] for x in xs]), "ctrl_c": median([x[1] for x in xs]),
                     "clear": median([x[2] for x in xs]), "method": xs[0][3] if xs else "",
                     "runs": len(runs)}
    return res


def nice_step(top):
    raw = top / 6
    p = 10 ** int(f"{raw:e}".split("e")[1])
    for m in (1, 2, 5, 10):
        if raw <= m * p:
            return m * p
    return 10 * p


def chart(fl, flood_s, path):
    """One SVG: RES per second for each terminal, then after Ctrl-C and after clearing."""
    W, H, L, R, T, B = 900, 500, 76, 210, 50, 56
    t_ctrl, t_clear = flood_s + 3, flood_s + 6
    tmax = t_clear + 1
    ymax = max([v for k in fl for _, v in fl[k]["curve"]] + [fl[k]["ctrl_c"] for k in fl] + [1])
    ystep = nice_step(ymax * 1.05)
    ymax = ystep * (int(ymax * 1.05 / ystep) + 1)
    xstep = nice_step(tmax)

    def px(t):
        return L + t / tmax * (W - L - R)

    def py(v):
        return H - B - v / ymax * (H - T - B)

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" font-family="DejaVu Sans, sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{L}" y="28" font-size="15" font-weight="bold">RES of the terminal during '
           f'{flood_s} s of od -cx /dev/urandom, then Ctrl-C, then clear (80x24)</text>',
           '<g id="axes" stroke="#ddd">']
    t = 0
    while t <= tmax:
        out.append(f'<line x1="{px(t):.1f}" y1="{T}" x2="{px(t):.1f}" y2="{H - B}"/>'
                   f'<text x="{px(t):.1f}" y="{H - B + 16}" text-anchor="middle" stroke="none" '
                   f'fill="#333">{t:g}</text>')
        t += xstep
    v = 0
    while v <= ymax + 1e-9:
        out.append(f'<line x1="{L}" y1="{py(v):.1f}" x2="{W - R}" y2="{py(v):.1f}"/>'
                   f'<text x="{L - 6}" y="{py(v) + 4:.1f}" text-anchor="end" stroke="none" '
                   f'fill="#333">{v:g}</text>')
        v += ystep
    for x, label, dx, anchor in ((flood_s, "Ctrl-C", -3, "end"), (t_clear - 1.5, "clear", 3,
                                                                      "start")):
        out.append(f'<line x1="{px(x):.1f}" y1="{T}" x2="{px(x):.1f}" y2="{H - B}" '
                   f'stroke="#888" stroke-dasharray="4 3"/><text x="{px(x) + dx:.1f}" '
                   f'y="{T + 12}" stroke="none" fill="#555" text-anchor="{anchor}">{label}</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" '
               f'stroke="#888"/></g>')
    out.append(f'<text x="{(L + W - R) / 2:.0f}" y="{H - 14}" text-anchor="middle">time (s)</text>')
    out.append(f'<text transform="translate(20 {(T + H - B) / 2:.0f}) rotate(-90)" '
               f'text-anchor="middle">RES of the terminal process (MiB)</text>')
    kinds = [k for k in NAMES if k in fl]
    for i, kind in reversed(list(enumerate(kinds))):  # boundterm's lines drawn last, on top
        f, c = fl[kind], COLOURS[kind]
        pts = " ".join(f"{px(s):.1f},{py(v):.1f}" for s, v in f["curve"])
        tail = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in (
            (flood_s, f["curve"][-1][1]), (t_ctrl, f["ctrl_c"]), (t_clear, f["clear"])))
        out.append(f'<polyline id="{kind}" points="{pts}" fill="none" stroke="{c}" '
                   f'stroke-width="2.5"/>')
        out.append(f'<polyline id="{kind}-after" points="{tail}" fill="none" stroke="{c}" '
                   f'stroke-width="2" stroke-dasharray="5 3"/>')
        for x, y in ((t_ctrl, f["ctrl_c"]), (t_clear, f["clear"])):
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="{c}"/>')
        ly = T + 10 + 44 * i
        out.append(f'<g id="legend-{kind}"><rect x="{W - R + 12}" y="{ly}" width="16" height="4" '
                   f'fill="{c}"/><text x="{W - R + 34}" y="{ly + 6}">{escape(SHORT[kind])}'
                   f'</text><text x="{W - R + 34}" y="{ly + 22}" fill="#555">peak {f["peak"]:.0f}'
                   f' MiB, clear {f["clear"]:.0f}</text></g>')
    out.append("</svg>")
    with open(path, "w") as fh:
        fh.write("\n".join(out) + "\n")


def fmt(x, spec=".1f"):
    return "n/a" if x != x else format(x, spec)


def report(args):
    thr, fl, vt = throughput(args.dir), flood(args.dir), vterm_figures(args.dir)
    base = thr.get("bt-headless", {})
    print(f"Input: `{args.input}`, {os.path.getsize(args.input):,} bytes; medians of "
          f"{args.runs} run(s); {args.window_note}.\n")
    print("### Throughput and RES per retained row (cat of the input, 80x24)\n")
    print("| terminal | MB/s (median) | runs (MB/s) | x boundterm headless's MB/s | "
          "CPU s (all threads) | RES before (MiB) | RES after (MiB) | rows retained | "
          "store on disk (MiB) | bytes of RES per retained row | "
          "x boundterm headless's bytes/row |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind in (k for k in NAMES if k in thr):
        t = thr[kind]
        runs = ", ".join(f"{x:.1f}" for x in t["all_mbs"])
        print(f"| {NAMES[kind]} | {fmt(t['mbs'])} | {runs} | "
              f"{fmt(t['mbs'] / base.get('mbs', float('nan')), '.2f')}x | {fmt(t['cpu'], '.2f')} | "
              f"{fmt(t['rss0'])} | "
              f"{fmt(t['rss1'])} | {t['rows']:,.0f} | "
              f"{fmt(t['disk']) if kind.startswith('bt-') else '-'} | "
              f"{fmt(t['per_row'], ',.0f')} | "
              f"{fmt(t['per_row'] / base.get('per_row', float('nan')), ',.1f')}x |")
    for name, key in (("libvterm VTermState only (no screen, in memory)", "state"),
                      ("libvterm VTermScreen, no-op sb_pushline (in memory)", "screen"),
                      ("boundterm engine + row conversion, no store (in memory)", "term+sb"),
                      ("boundterm engine + store (in memory)", "term+store")):
        if key in vt:
            ratio = vt[key] / base.get("mbs", float("nan"))
            print(f"| {name} | {vt[key]:.1f} (CPU) | | {ratio:.2f}x | | | | | | | |")
    if not fl:  # --no-flood
        return
    print("\n### Flood: od -cx /dev/urandom for %d s, then Ctrl-C, then clear\n" % args.flood)
    print("| terminal | RES at start (MiB) | peak RES (MiB) | after Ctrl-C (MiB) | "
          "after clear (MiB) | ... x boundterm headless's peak | how Ctrl-C was sent |")
    print("|---|---:|---:|---:|---:|---:|---|")
    bpeak = fl.get("bt-headless", {}).get("peak", float("nan"))
    for kind in (k for k in NAMES if k in fl):
        f = fl[kind]
        print(f"| {NAMES[kind]} | {fmt(f['start'])} | {fmt(f['peak'])} | {fmt(f['ctrl_c'])} | "
              f"{fmt(f['clear'])} | {fmt(f['peak'] / bpeak, '.1f')}x | {f['method']} |")
    chart(fl, args.flood, args.svg)
    print(f"\nChart: `{args.svg}`")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--svg", required=True)
    ap.add_argument("--flood", type=int, required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--window-note", default="")
    report(ap.parse_args())


if __name__ == "__main__":
    main()
