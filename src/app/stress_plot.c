/*
 * The SVG chart of a --stress run (stress.c's --plot): RES, the store's RAM and disk use over
 * time, the RAM budget and the bound, with axes, ticks and a legend. Plain SVG 1.1, no
 * script, every label XML-escaped.
 */
#include "stress_plot.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define MIB (1024.0 * 1024.0)

#define SVG_W 900
#define SVG_H 480
#define SVG_LEFT 72
#define SVG_RIGHT 84
#define SVG_TOP 48
#define SVG_BOTTOM 56

struct plot {
    FILE *f;
    double tmax, ymax, dmax; /* axis ends: seconds, MiB (left), MiB of disk (right; 0 = none) */
};

/* A tick step of 1, 2 or 5 times a power of ten that cuts [0, max] into about 5-10 parts. */
static double nice_step(double max)
{
    double raw = max / 6, p = pow(10, floor(log10(raw)));
    return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

/* The axis end: max rounded up to a whole tick step (and never 0). */
static double axis_end(double max)
{
    max = max > 0 ? max : 1;
    double step = nice_step(max);
    return ceil(max / step - 0.01) * step; /* 40.003 s ends at 40, not 50 */
}

/* Chart coordinates of time t and a left-axis value v (MiB). */
static double px(const struct plot *p, double t)
{
    return SVG_LEFT + t / p->tmax * (SVG_W - SVG_LEFT - SVG_RIGHT);
}

/* Chart y of value v on an axis that ends at max. */
static double py(double v, double max)
{
    return SVG_H - SVG_BOTTOM - v / max * (SVG_H - SVG_TOP - SVG_BOTTOM);
}

/* Writes text with XML's special characters escaped. */
static void xml_text(FILE *f, const char *text)
{
    for (; *text; text++) {
        switch (*text) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*text, f);
        }
    }
}

/* The grid, the ticks and their labels, and the axis titles. */
static void svg_axes(const struct plot *p)
{
    double xs = nice_step(p->tmax), ys = nice_step(p->ymax);
    double bottom = SVG_H - SVG_BOTTOM, right = SVG_W - SVG_RIGHT;
    fprintf(p->f, "<g id=\"axes\" stroke=\"#ddd\" font-size=\"12\" fill=\"#333\">\n");
    for (double t = 0; t <= p->tmax + xs / 2; t += xs)
        fprintf(p->f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" "
                "y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\">%g</text>\n", px(p, t),
                SVG_TOP, px(p, t), bottom, px(p, t), bottom + 16, t);
    for (double v = 0; v <= p->ymax + ys / 2; v += ys)
        fprintf(p->f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><text x=\"%d\" "
                "y=\"%.1f\" text-anchor=\"end\" stroke=\"none\">%g</text>\n", SVG_LEFT,
                py(v, p->ymax), right, py(v, p->ymax), SVG_LEFT - 6, py(v, p->ymax) + 4, v);
    if (p->dmax > 0)
        for (double v = 0, ds = nice_step(p->dmax); v <= p->dmax + ds / 2; v += ds)
            fprintf(p->f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#3182bd\" stroke=\"none\">%g"
                    "</text>\n", right + 6, py(v, p->dmax) + 4, v);
    fprintf(p->f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\">time (s)"
            "</text>\n<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\" "
            "stroke=\"none\">RES and store RAM (MiB)</text>\n", (SVG_LEFT + right) / 2,
            SVG_H - 14, (SVG_TOP + bottom) / 2);
    if (p->dmax > 0)
        fprintf(p->f, "<text transform=\"translate(%d %.1f) rotate(90)\" text-anchor=\"middle\" "
                "fill=\"#3182bd\" stroke=\"none\">store disk used (MiB)</text>\n", SVG_W - 16,
                (SVG_TOP + bottom) / 2);
    fprintf(p->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
            "stroke=\"#888\"/>\n</g>\n", SVG_LEFT, SVG_TOP, SVG_W - SVG_LEFT - SVG_RIGHT,
            SVG_H - SVG_TOP - SVG_BOTTOM);
}

/* The value of a sample's field at byte offset off, in MiB. */
static double field_mib(const struct sample *smp, size_t off)
{
    return (double)*(const uint64_t *)((const char *)smp + off) / MIB;
}

/* One series: a filled area down to 0 (area) or a line, on the axis that ends at max. */
static void svg_series(const struct stress_chart *c, const struct plot *p, const char *id,
                       size_t off, double max, bool area, const char *style)
{
    const struct sample *sm = c->samples;
    size_t n = c->nsamples;
    fprintf(p->f, "<path id=\"%s\" %s d=\"", id, style);
    if (area)
        fprintf(p->f, "M%.1f %.1f ", px(p, sm[0].t), py(0, max));
    for (size_t i = 0; i < n; i++)
        fprintf(p->f, "%c%.1f %.1f ", i == 0 && !area ? 'M' : 'L', px(p, sm[i].t),
                py(field_mib(&sm[i], off), max));
    if (area)
        fprintf(p->f, "L%.1f %.1f Z", px(p, sm[n - 1].t), py(0, max));
    fprintf(p->f, "\"/>\n");
}

/* A horizontal line across the chart at v MiB. */
static void svg_hline(const struct plot *p, const char *id, double v, const char *style)
{
    fprintf(p->f, "<line id=\"%s\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" %s/>\n", id,
            SVG_LEFT, py(v, p->ymax), SVG_W - SVG_RIGHT, py(v, p->ymax), style);
}

/* The legend: one swatch and label per series, top left inside the chart. */
static void svg_legend(const struct plot *p)
{
    static const char *const items[][2] = {
        {"fill=\"#111\"", "boundterm RES"},
        {"fill=\"#d62728\"", "RAM budget of the scrollback"},
        {"fill=\"#9467bd\"", "bound: RES at 1 s + RAM budget + 8 MiB"},
        {"fill=\"#fdae6b\"", "scrollback in RAM (store)"},
        {"fill=\"#9ecae1\"", "scrollback on disk (store, right axis)"},
    };
    size_t n = p->dmax > 0 ? 5 : 4;
    fprintf(p->f, "<g id=\"legend\" font-size=\"12\"><rect x=\"%d\" y=\"%d\" width=\"270\" "
            "height=\"%zu\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n",
            SVG_LEFT + 10, SVG_TOP + 8, 8 + 17 * n);
    for (size_t i = 0; i < n; i++)
        fprintf(p->f, "<rect x=\"%d\" y=\"%zu\" width=\"14\" height=\"10\" %s/><text x=\"%d\" "
                "y=\"%zu\">%s</text>\n", SVG_LEFT + 18, SVG_TOP + 16 + 17 * i, items[i][0],
                SVG_LEFT + 38, SVG_TOP + 25 + 17 * i, items[i][1]);
    fprintf(p->f, "</g>\n");
}

/* The axis ends for the samples: the left one fits RES, the budget and the bound. */
static void plot_scale(const struct stress_chart *c, struct plot *p)
{
    double ymax = fmax((double)c->bound, (double)c->peak), dmax = 0;
    for (size_t i = 0; i < c->nsamples; i++) {
        ymax = fmax(ymax, (double)c->samples[i].ram_used);
        dmax = fmax(dmax, (double)c->samples[i].disk_used);
    }
    p->tmax = axis_end(c->seconds);
    p->ymax = axis_end(ymax * 1.05 / MIB);
    p->dmax = dmax > 0 ? axis_end(dmax / MIB) : 0;
}

/* The chart's title line: the program, the budget and the verdict. */
static void svg_title(const struct stress_chart *c, const struct plot *p)
{
    fprintf(p->f, "<text x=\"%d\" y=\"26\" font-size=\"15\" font-weight=\"bold\">"
            "boundterm --stress:", SVG_LEFT);
    for (const char *const *a = c->argv; *a; a++) {
        fputc(' ', p->f);
        xml_text(p->f, *a);
    }
    fprintf(p->f, ", RAM budget %.0f MiB, %.1f MB in %.1f s: bound %s</text>\n",
            (double)c->ram_budget / MIB, (double)c->bytes_in / 1e6, c->seconds,
            c->held ? "held" : "NOT held");
}

bool stress_plot_write(const struct stress_chart *c, const char *path)
{
    struct plot p = {.f = fopen(path, "we")};
    if (!p.f) {
        fprintf(stderr, "boundterm: --plot: cannot create '%s': %s\n", path, strerror(errno));
        return false;
    }
    plot_scale(c, &p);
    fprintf(p.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/"
            "2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu "
            "Sans, sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            SVG_W, SVG_H, SVG_W, SVG_H);
    svg_title(c, &p);
    svg_axes(&p);
    if (p.dmax > 0)
        svg_series(c, &p, "store-disk", offsetof(struct sample, disk_used), p.dmax, true,
                   "fill=\"#9ecae1\" fill-opacity=\"0.6\" stroke=\"#3182bd\"");
    svg_series(c, &p, "store-ram", offsetof(struct sample, ram_used), p.ymax, true,
               "fill=\"#fdae6b\" fill-opacity=\"0.8\" stroke=\"#e6550d\"");
    svg_hline(&p, "budget", (double)c->ram_budget / MIB,
              "stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"8 4\"");
    svg_hline(&p, "bound", (double)c->bound / MIB,
              "stroke=\"#9467bd\" stroke-width=\"2\" stroke-dasharray=\"3 3\"");
    svg_series(c, &p, "res", offsetof(struct sample, rss), p.ymax, false,
               "fill=\"none\" stroke=\"#111\" stroke-width=\"2\"");
    svg_legend(&p);
    fprintf(p.f, "</svg>\n");
    if (fclose(p.f) != 0) {
        fprintf(stderr, "boundterm: --plot: cannot write '%s'\n", path);
        return false;
    }
    return true;
}
