/*
 * The memory overlay (overlay.h): a translucent box of text lines over the top
 * right corner of the grid, then the sparkline: one bar per second of RES,
 * scaled so the highest of RES and the budget fills the box, the budget a
 * horizontal line across it.
 */
#include "overlay.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define LINES_MAX 8
#define SPARK_H_CELLS 3

const char *overlay_bytes(uint64_t bytes, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return buf;
}

void overlay_sample(struct overlay *o, uint64_t res, const struct sb_stats *stats)
{
    int i = (o->head + o->nres) % OVERLAY_SAMPLES;
    if (o->nres == OVERLAY_SAMPLES)
        o->head = (o->head + 1) % OVERLAY_SAMPLES;
    else
        o->nres++;
    o->res[i] = res;
    o->res_now = res;
    o->stats = *stats;
}

/* The text lines of the overlay; their count. */
static int overlay_lines(const struct overlay *o, char lines[LINES_MAX][96])
{
    const struct sb_stats *st = &o->stats;
    char a[32], b[32];
    int n = 0;
    snprintf(lines[n++], 96, "RES %s", overlay_bytes(o->res_now, a, sizeof a));
    snprintf(lines[n++], 96, "scrollback RAM %s of %s (%.0f%%)",
             overlay_bytes(st->ram_used, a, sizeof a), overlay_bytes(st->ram_budget, b, sizeof b),
             st->ram_budget ? 100.0 * (double)st->ram_used / (double)st->ram_budget : 0.0);
    double ratio = st->compressed_bytes ? (double)st->raw_bytes_stored /
                                              (double)st->compressed_bytes : 0.0;
    snprintf(lines[n++], 96, "compression %.1fx", ratio);
    snprintf(lines[n++], 96, "disk %s of %s", overlay_bytes(st->disk_used, a, sizeof a),
             overlay_bytes(st->disk_budget, b, sizeof b));
    snprintf(lines[n++], 96, "rows %" PRIu64 " kept, %" PRIu64 " dropped", st->rows_retained,
             st->rows_dropped);
    if (st->last_error[0])
        snprintf(lines[n++], 96, "error: %.80s", st->last_error);
    if (o->command[0])
        snprintf(lines[n++], 96, "%s", o->command);
    if (o->pool[0] && n < LINES_MAX - 1)
        snprintf(lines[n++], 96, "%s", o->pool);
    snprintf(lines[n++], 96, "RES, last 60 s (line: RAM budget)");
    return n;
}

/* Queues the sparkline in the box (x, y, w, h). */
static void sparkline(const struct overlay *o, struct render *rd, int x, int y, int w, int h)
{
    uint64_t top = o->stats.ram_budget;
    for (int i = 0; i < o->nres; i++)
        top = o->res[(o->head + i) % OVERLAY_SAMPLES] > top ? o->res[(o->head + i) %
                                                                     OVERLAY_SAMPLES] : top;
    top = top + top / 8 + 1; /* headroom so the highest bar does not touch the frame */
    render_rect(rd, x, y, w, h, 0xff202020u);
    int bw = w / OVERLAY_SAMPLES > 0 ? w / OVERLAY_SAMPLES : 1;
    int x0 = x + w - o->nres * bw;
    for (int i = 0; i < o->nres; i++) {
        uint64_t v = o->res[(o->head + i) % OVERLAY_SAMPLES];
        int bh = (int)((double)h * (double)v / (double)top);
        render_rect(rd, x0 + i * bw, y + h - bh, bw > 1 ? bw - 1 : 1, bh, 0xff5fafd7u);
    }
    int by = y + h - (int)((double)h * (double)o->stats.ram_budget / (double)top);
    render_rect(rd, x, by, w, 1, 0xffff5f5fu);
}

void overlay_draw(const struct overlay *o, struct render *rd, const struct font_metrics *m,
                  int win_w, int win_h)
{
    if (!o->shown)
        return;
    char lines[LINES_MAX][96];
    int n = overlay_lines(o, lines), widest = 0;
    for (int i = 0; i < n; i++)
        widest = (int)strlen(lines[i]) > widest ? (int)strlen(lines[i]) : widest;
    int pad = m->cell_w, w = widest * m->cell_w + 2 * pad;
    int h = (n + SPARK_H_CELLS) * m->cell_h + 3 * pad / 2;
    int x = win_w - w - pad - 8, y = pad;
    x = x < 0 ? 0 : x;
    (void)win_h;
    render_rect(rd, x, y, w, h, 0xe0101018u);
    render_rect(rd, x, y, w, 1, 0xff5f87afu);
    for (int i = 0; i < n; i++)
        render_text(rd, x + pad, y + pad / 2 + i * m->cell_h, lines[i],
                    i == 0 ? 0xffffffu : 0xc0c0c0u);
    sparkline(o, rd, x + pad, y + pad + n * m->cell_h, w - 2 * pad, SPARK_H_CELLS * m->cell_h);
}
