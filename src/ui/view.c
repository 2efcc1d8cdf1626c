/*
 * The scrollback view (view.h). Rows, logical lines and their copies come from the line
 * space (session/lines.h); the view keeps where it is, how the line at hand is cut at
 * the window's width, and the display rows of the last layout.
 */
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct view {
    struct lines *lines;
    bool follow;
    uint64_t anchor; /* row starting the top display row's logical line */
    uint32_t sub;
    const struct lines_joined *joined; /* the line at hand, from lines_join_shown() */
    uint64_t joined_line;              /* which line that is, UINT64_MAX = none */
    uint64_t joined_gen;               /* and its lines_joined.gen */
    uint32_t *cuts;       /* display row starts in the joined line (make_cuts) */
    uint32_t ncuts, cuts_cap;
    uint64_t cuts_gen;    /* the joined gen they were made for */
    int cuts_cols;
    struct sb_row *disp; /* display rows: reflowed history and screen copies */
    uint64_t *stamps;    /* per display row, the stamp of the screen row disp holds (0: none) */
    uint64_t copied;     /* screen rows copied in all (view_rows_copied) */
    struct view_line *out;
    int rows, cols, cap_rows;
};

struct view *view_create(struct lines *lines)
{
    struct view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->lines = lines;
    v->follow = true;
    v->joined_line = UINT64_MAX;
    v->cuts_gen = UINT64_MAX;
    struct lines_span span;
    lines_span(lines, &span);
    v->rows = (int)(span.end - span.screen);
    v->cols = 80;
    return v;
}

void view_destroy(struct view *v)
{
    if (!v)
        return;
    for (int r = 0; r < v->cap_rows; r++)
        sb_row_fini(&v->disp[r]);
    free(v->disp);
    free(v->stamps);
    free(v->out);
    free(v->cuts);
    free(v);
}

/* Where history and screen are; an anchor whose rows are gone moves to the oldest left. */
static void sync(struct view *v, struct lines_span *span)
{
    lines_span(v->lines, span);
    if (!v->follow && v->anchor < span->first) {
        v->anchor = span->first;
        v->sub = 0;
    }
    if (!v->follow && v->anchor >= span->screen)
        v->follow = true;
}

uint64_t view_screen_abs(struct view *v)
{
    struct lines_span span;
    sync(v, &span);
    return span.screen;
}

/* Joins the (history) logical line starting at row line; false when unreadable. */
static bool join_line(struct view *v, uint64_t line)
{
    const struct lines_joined *j = lines_join_shown(v->lines, line);
    v->joined = j;
    v->joined_line = j ? line : UINT64_MAX;
    v->joined_gen = j ? j->gen : 0;
    return j != NULL;
}

/*
 * Cuts the joined line into display rows of width cols, once per line and width:
 * cuts[i] is the first cell of row i. A wide character never splits: when it would
 * straddle the edge it starts the next row. false when out of memory.
 */
static bool make_cuts(struct view *v, int cols)
{
    if (v->cuts_gen == v->joined_gen && v->cuts_cols == cols)
        return true;
    const struct sb_cell *cells = v->joined->cells;
    uint32_t n = 0, pos = 0, len = v->joined->ncells;
    do {
        if (n == v->cuts_cap) {
            uint32_t cap = v->cuts_cap ? v->cuts_cap * 2 : 64;
            uint32_t *grown = realloc(v->cuts, cap * sizeof *grown);
            if (!grown)
                return false;
            v->cuts = grown;
            v->cuts_cap = cap;
        }
        v->cuts[n++] = pos;
        uint32_t end = pos + (uint32_t)cols;
        if (end < len && cells[end].width == 0 && end > pos + 1)
            end--;
        pos = end;
    } while (pos < len);
    v->ncuts = n;
    v->cuts_gen = v->joined_gen;
    v->cuts_cols = cols;
    return true;
}

/* Where display row k of the joined line starts at width cols, and its length. */
static uint32_t cut_start(struct view *v, uint32_t k, int cols, uint32_t *len)
{
    if (!make_cuts(v, cols) || k >= v->ncuts) {
        *len = 0;
        return v->joined->ncells;
    }
    uint32_t end = k + 1 < v->ncuts ? v->cuts[k + 1] : v->joined->ncells;
    *len = end - v->cuts[k];
    return v->cuts[k];
}

/* Display rows of the joined line at width cols (at least 1). */
static uint32_t display_rows(struct view *v, int cols)
{
    return make_cuts(v, cols) ? v->ncuts : 1;
}

/* One display row up; false at the top of history. */
static bool step_up(struct view *v, const struct lines_span *span)
{
    if (v->follow) {
        if (span->screen == span->first)
            return false;
        v->follow = false;
        v->anchor = span->screen; /* just past the newest row: the step below lands on it */
        v->sub = 0;
    }
    if (v->sub > 0) {
        v->sub--;
        return true;
    }
    if (v->anchor <= span->first)
        return false;
    v->anchor = lines_start(v->lines, v->anchor - 1);
    if (!join_line(v, v->anchor))
        return false;
    v->sub = display_rows(v, v->cols) - 1;
    return true;
}

/* One display row down; back to following past the newest history row. */
static void step_down(struct view *v, const struct lines_span *span)
{
    if (v->follow)
        return;
    bool joined = join_line(v, v->anchor);
    if (joined && v->sub + 1 < display_rows(v, v->cols)) {
        v->sub++;
        return;
    }
    v->anchor += joined ? v->joined->rows : 1;
    v->sub = 0;
    if (v->anchor >= span->screen)
        view_follow(v);
}

void view_scroll(struct view *v, int n)
{
    struct lines_span span;
    sync(v, &span);
    for (; n > 0 && step_up(v, &span); n--)
        ;
    for (; n < 0 && !v->follow; n++)
        step_down(v, &span);
}

void view_top(struct view *v)
{
    struct lines_span span;
    sync(v, &span);
    if (span.screen == span.first)
        return;
    v->follow = false;
    v->anchor = span.first;
    v->sub = 0;
}

void view_jump(struct view *v, double fraction)
{
    struct lines_span span;
    sync(v, &span);
    if (span.screen == span.first)
        return;
    fraction = fraction < 0 ? 0 : fraction;
    uint64_t n = span.first + (uint64_t)(fraction * (double)(span.screen - span.first));
    if (n >= span.screen) {
        view_follow(v);
        return;
    }
    v->follow = false;
    v->anchor = lines_start(v->lines, n);
    v->sub = 0;
}

void view_follow(struct view *v)
{
    if (!v->follow)
        lines_release(v->lines);
    v->follow = true;
}

bool view_following(const struct view *v)
{
    return v->follow;
}

/* Makes room for rows display rows. */
static bool ensure_rows(struct view *v, int rows)
{
    if (rows <= v->cap_rows)
        return true;
    struct sb_row *disp = realloc(v->disp, (size_t)rows * sizeof *disp);
    if (!disp)
        return false;
    v->disp = disp;
    for (int r = v->cap_rows; r < rows; r++)
        sb_row_init(&disp[r]);
    struct view_line *out = realloc(v->out, (size_t)rows * sizeof *out);
    if (!out)
        return false;
    v->out = out;
    uint64_t *stamps = realloc(v->stamps, (size_t)rows * sizeof *stamps);
    if (!stamps)
        return false;
    v->stamps = stamps;
    for (int r = v->cap_rows; r < rows; r++)
        stamps[r] = 0;
    v->cap_rows = rows;
    return true;
}

/* Copies display row k of the joined line into out. */
static bool cut_into(struct view *v, uint32_t k, struct sb_row *out)
{
    uint32_t len, pos = cut_start(v, k, v->cols, &len);
    if (sb_row_reserve(out, len ? len : 1) != 0)
        return false;
    memcpy(out->cells, v->joined->cells + pos, len * sizeof *out->cells);
    out->ncols = len;
    out->flags = 0;
    sb_row_clear_links(out);
    const struct sb_row *links = v->joined->links;
    const char *uri = links->links;
    for (uint32_t i = 0; i < links->nlinks; i++, uri += strlen(uri) + 1)
        if (sb_row_add_link(out, uri, strlen(uri)) < 0)
            return false; /* the same URIs, so the same numbers: only memory can fail */
    return true;
}

/* Fills display rows from the anchor through history; the count filled. */
static int layout_history(struct view *v, uint64_t screen)
{
    uint64_t line = v->anchor;
    uint32_t sub = v->sub;
    int r = 0;
    while (r < v->rows && line < screen) {
        if (!join_line(v, line))
            break;
        uint32_t n = display_rows(v, v->cols);
        for (; sub < n && r < v->rows; sub++, r++) {
            if (!cut_into(v, sub, &v->disp[r]))
                return r;
            uint32_t len;
            uint32_t off = cut_start(v, sub, v->cols, &len);
            v->stamps[r] = 0;
            v->out[r] = (struct view_line){&v->disp[r], line, sub, off, false, 0};
        }
        line += v->joined->rows;
        sub = 0;
    }
    return r;
}

/* Lays out display rows [r, v->rows) as the screen's rows from its top (absolute row n). */
static void layout_screen(struct view *v, int r, uint64_t n)
{
    uint64_t stamps[v->rows > r ? v->rows - r : 1];
    lines_row_stamps(v->lines, n, v->rows - r, stamps);
    for (int i = 0; r < v->rows; n++, r++, i++) {
        /* a copy of the same screen row with the same stamp is the row as it is: kept */
        if (!stamps[i] || stamps[i] != v->stamps[r]) {
            bool ok = lines_copy_row(v->lines, n, &v->disp[r]);
            if (!ok)
                v->disp[r].ncols = 0;
            v->stamps[r] = ok ? stamps[i] : 0;
            v->copied++;
        }
        v->out[r] = (struct view_line){&v->disp[r], n, 0, 0, true, v->stamps[r]};
    }
}

bool view_layout(struct view *v, int rows, int cols)
{
    struct lines_span span;
    if (!ensure_rows(v, rows))
        goto fail;
    v->rows = rows;
    v->cols = cols;
    sync(v, &span);
    layout_screen(v, v->follow ? 0 : layout_history(v, span.screen), span.screen);
    return true;
fail:
    fprintf(stderr, "boundterm: view: out of memory for %d rows\n", rows);
    return false;
}

const struct view_line *view_lines(const struct view *v)
{
    return v->out;
}

uint64_t view_rows_copied(const struct view *v)
{
    return v->copied;
}

void view_position(struct view *v, uint64_t *above, uint64_t *total)
{
    struct lines_span span;
    sync(v, &span);
    *total = span.screen - span.first;
    *above = v->follow ? *total : v->anchor - span.first;
}

void view_get_pos(const struct view *v, struct view_pos *out)
{
    *out = (struct view_pos){v->follow, v->anchor, v->sub};
}

void view_set_pos(struct view *v, const struct view_pos *pos)
{
    struct lines_span span;
    if (pos->follow) {
        view_follow(v);
        return;
    }
    v->follow = false;
    v->anchor = pos->anchor;
    v->sub = pos->sub;
    sync(v, &span); /* moves an anchor that was dropped, follows past the end */
}

/* The display row of the joined line holding cell (the last one past its end). */
static uint32_t sub_of(struct view *v, uint32_t cell, int cols)
{
    if (!make_cuts(v, cols))
        return 0;
    uint32_t k = 0;
    while (k + 1 < v->ncuts && v->cuts[k + 1] <= cell)
        k++;
    return k;
}

/* True when display row (line, sub) is among the view's first rows - 1 display rows. */
static bool shown(struct view *v, uint64_t line, uint32_t sub, int rows, int cols)
{
    if (!view_layout(v, rows, cols))
        return false;
    for (int r = 0; r < rows - 1; r++)
        if (v->out[r].line == line && (v->out[r].screen || v->out[r].sub == sub))
            return true;
    return false;
}

void view_reveal(struct view *v, uint64_t line, uint32_t cell, int rows, int cols)
{
    struct lines_span span;
    sync(v, &span);
    if (line < span.first || rows < 1 || cols < 1)
        return;
    if (line >= span.screen) { /* a screen row: shown when following, unless under the bar */
        if (!shown(v, line, 0, rows, cols))
            view_follow(v);
        return;
    }
    v->cols = cols;
    if (!join_line(v, line))
        return;
    uint32_t sub = sub_of(v, cell, cols);
    if (shown(v, line, sub, rows, cols))
        return;
    v->follow = false;
    v->anchor = line;
    v->sub = sub;
    view_scroll(v, rows / 3);
}
