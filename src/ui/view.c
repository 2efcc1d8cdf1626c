/*
 * The scrollback view (view.h).
 *
 * Rows read from the store are kept in a direct-mapped cache indexed by
 * absolute row, filled a block of CACHE_BLOCK rows at a time with one
 * sb_store_visit_rows() call (a spilled page is read and decrypted once per
 * block, not once per row). The cache is freed when the view follows the
 * screen again, so the window costs no RAM for history nobody looks at.
 *
 * A logical line joins at most MAX_JOIN rows; a longer run of wrapped rows is
 * shown in pieces, which keeps reflow bounded for programs that never print a
 * newline.
 */
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_BLOCK 64
#define MAX_JOIN 256

struct cache_ent {
    uint64_t abs;
    bool valid;
    struct sb_row row;
};

struct view {
    struct sb_store *store;
    struct term *term;
    bool follow;
    uint64_t anchor; /* absolute row starting the top display row's logical line */
    uint32_t sub;
    uint64_t seen_end; /* dropped + retained at the last sync: a fall means pop or clear */
    uint64_t seen_dropped;
    struct cache_ent *cache;
    size_t ncache; /* a power of two */
    struct sb_cell *joined; /* the logical line being reflowed */
    uint32_t njoined, joined_cap;
    struct sb_row jlinks; /* the URIs joined's cells name (its cells are unused) */
    uint64_t joined_line; /* which line joined holds, UINT64_MAX = none */
    uint64_t joined_gen;  /* bumped whenever joined changes */
    uint32_t *cuts;       /* display row starts in joined (make_cuts) */
    uint32_t ncuts, cuts_cap;
    uint64_t cuts_gen;    /* the joined_gen they were made for */
    int cuts_cols;
    uint32_t joined_rows;
    struct sb_row *disp; /* display rows: reflowed history and screen copies */
    struct sb_row scratch; /* a screen row read for view_logical() */
    struct view_line *lines;
    int rows, cols, cap_rows;
};

struct view *view_create(struct sb_store *store, struct term *term)
{
    struct view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->store = store;
    v->term = term;
    v->follow = true;
    v->joined_line = UINT64_MAX;
    v->cuts_gen = UINT64_MAX;
    sb_row_init(&v->scratch);
    term_size(term, &v->rows, &v->cols);
    return v;
}

/* Frees the cached rows and the cache itself. */
static void cache_free(struct view *v)
{
    for (size_t i = 0; i < v->ncache; i++)
        sb_row_fini(&v->cache[i].row);
    free(v->cache);
    v->cache = NULL;
    v->ncache = 0;
    v->joined_line = UINT64_MAX;
}

void view_destroy(struct view *v)
{
    if (!v)
        return;
    cache_free(v);
    for (int r = 0; r < v->cap_rows; r++)
        sb_row_fini(&v->disp[r]);
    free(v->disp);
    free(v->lines);
    free(v->joined);
    sb_row_fini(&v->jlinks);
    free(v->cuts);
    sb_row_fini(&v->scratch);
    free(v);
}

void view_invalidate(struct view *v)
{
    cache_free(v);
    v->follow = true;
}

/* Notices pops and clears (the absolute numbering of new rows would repeat) and drops. */
static void sync(struct view *v, uint64_t *dropped, uint64_t *end)
{
    *dropped = sb_store_rows_dropped(v->store);
    *end = *dropped + sb_store_rows(v->store);
    if (*end < v->seen_end || *dropped < v->seen_dropped)
        view_invalidate(v);
    v->seen_end = *end;
    v->seen_dropped = *dropped;
    if (!v->follow && v->anchor < *dropped) {
        v->anchor = *dropped; /* its rows were dropped: the oldest left is the new top */
        v->sub = 0;
    }
    if (!v->follow && v->anchor >= *end)
        v->follow = true;
}

uint64_t view_screen_abs(struct view *v)
{
    uint64_t d, e;
    sync(v, &d, &e);
    return e;
}

/* Copies a visited row into its cache slot. */
static int cache_fill(void *user, uint64_t index, const struct sb_row *row)
{
    struct view *v = user;
    uint64_t abs = v->seen_dropped + index;
    struct cache_ent *e = &v->cache[abs & (v->ncache - 1)];
    e->valid = false;
    if (sb_row_copy(&e->row, row) != 0)
        return 0; /* left out: read again on demand */
    e->abs = abs;
    e->valid = true;
    return 0;
}

/* History row abs (retained), from the cache or the store; NULL when out of memory. */
static const struct sb_row *hist_row(struct view *v, uint64_t abs)
{
    size_t want = 256;
    while (want < (size_t)v->rows * 8)
        want *= 2;
    if (v->ncache < want) {
        cache_free(v);
        v->cache = calloc(want, sizeof *v->cache);
        if (!v->cache)
            return NULL;
        v->ncache = want;
    }
    struct cache_ent *e = &v->cache[abs & (v->ncache - 1)];
    if (e->valid && e->abs == abs)
        return &e->row;
    uint64_t first = abs - abs % CACHE_BLOCK;
    if (first < v->seen_dropped)
        first = v->seen_dropped;
    sb_store_visit_rows(v->store, first - v->seen_dropped, CACHE_BLOCK, cache_fill, v);
    if (e->valid && e->abs == abs)
        return &e->row;
    return NULL;
}

/* Cells of a row without its trailing empty cells (erased, default colours). */
static uint32_t trimmed(const struct sb_row *row)
{
    uint32_t n = row->ncols;
    while (n > 0 && !row->cells[n - 1].chars[0] && row->cells[n - 1].width && /* not a wide */
           !row->cells[n - 1].attrs && row->cells[n - 1].bg == SB_COLOR_DEFAULT) /* char's half */
        n--;
    return n;
}

/* Appends row's first n cells to the joined line. */
static bool join_append(struct view *v, const struct sb_row *row, uint32_t n)
{
    if (v->njoined + n > v->joined_cap) {
        uint32_t cap = (v->njoined + n) * 2;
        struct sb_cell *grown = realloc(v->joined, cap * sizeof *grown);
        if (!grown)
            return false;
        v->joined = grown;
        v->joined_cap = cap;
    }
    struct sb_cell *to = v->joined + v->njoined;
    memcpy(to, row->cells, n * sizeof *row->cells);
    v->njoined += n;
    /* the row's link numbers become the joined line's */
    uint16_t renum[SB_MAX_ROW_LINKS + 1] = {0};
    for (uint32_t i = 0; i < n && row->nlinks; i++) {
        uint16_t k = to[i].link;
        if (k && !renum[k]) {
            const char *uri = sb_row_link(row, k);
            int j = uri ? sb_row_add_link(&v->jlinks, uri, strlen(uri)) : 0;
            renum[k] = j > 0 ? (uint16_t)j : UINT16_MAX; /* the line is full: no link */
        }
        to[i].link = k && renum[k] != UINT16_MAX ? renum[k] : 0;
    }
    return true;
}

/* Joins the logical line starting at history row abs into v->joined; false when unreadable. */
static bool join_line(struct view *v, uint64_t abs, uint64_t end)
{
    if (v->joined_line == abs)
        return true;
    v->njoined = 0;
    v->joined_rows = 0;
    v->joined_line = UINT64_MAX;
    sb_row_clear_links(&v->jlinks);
    v->joined_gen++;
    for (uint64_t a = abs; a < end && v->joined_rows < MAX_JOIN; a++) {
        const struct sb_row *row = hist_row(v, a);
        if (!row)
            return false;
        bool more = (row->flags & SB_ROW_WRAPPED) && a + 1 < end;
        if (!join_append(v, row, more ? row->ncols : trimmed(row)))
            return false;
        v->joined_rows++;
        if (!more)
            break;
    }
    v->joined_line = abs;
    return true;
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
    uint32_t n = 0, pos = 0;
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
        if (end < v->njoined && v->joined[end].width == 0 && end > pos + 1)
            end--;
        pos = end;
    } while (pos < v->njoined);
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
        return v->njoined;
    }
    uint32_t end = k + 1 < v->ncuts ? v->cuts[k + 1] : v->njoined;
    *len = end - v->cuts[k];
    return v->cuts[k];
}

/* Display rows of the joined line at width cols (at least 1). */
static uint32_t display_rows(struct view *v, int cols)
{
    return make_cuts(v, cols) ? v->ncuts : 1;
}

/* The first row of the logical line holding history row abs (at most MAX_JOIN back). */
static uint64_t line_start(struct view *v, uint64_t abs, uint64_t dropped)
{
    uint64_t a = abs;
    while (a > dropped && abs - a < MAX_JOIN - 1) {
        const struct sb_row *prev = hist_row(v, a - 1);
        if (!prev || !(prev->flags & SB_ROW_WRAPPED))
            break;
        a--;
    }
    return a;
}

/* One display row up; false at the top of history. */
static bool step_up(struct view *v, uint64_t dropped, uint64_t end)
{
    if (v->follow) {
        if (end == dropped)
            return false;
        v->follow = false;
        v->anchor = end; /* just past the newest row: the step below lands on it */
        v->sub = 0;
    }
    if (v->sub > 0) {
        v->sub--;
        return true;
    }
    if (v->anchor <= dropped)
        return false;
    v->anchor = line_start(v, v->anchor - 1, dropped);
    if (!join_line(v, v->anchor, end))
        return false;
    v->sub = display_rows(v, v->cols) - 1;
    return true;
}

/* One display row down; back to following past the newest history row. */
static void step_down(struct view *v, uint64_t end)
{
    if (v->follow)
        return;
    if (join_line(v, v->anchor, end) && v->sub + 1 < display_rows(v, v->cols)) {
        v->sub++;
        return;
    }
    v->anchor += v->joined_line == v->anchor && v->joined_rows ? v->joined_rows : 1;
    v->sub = 0;
    if (v->anchor >= end)
        view_follow(v);
}

void view_scroll(struct view *v, int n)
{
    uint64_t dropped, end;
    sync(v, &dropped, &end);
    for (; n > 0 && step_up(v, dropped, end); n--)
        ;
    for (; n < 0 && !v->follow; n++)
        step_down(v, end);
}

void view_top(struct view *v)
{
    uint64_t dropped, end;
    sync(v, &dropped, &end);
    if (end == dropped)
        return;
    v->follow = false;
    v->anchor = dropped;
    v->sub = 0;
}

void view_jump(struct view *v, double fraction)
{
    uint64_t dropped, end;
    sync(v, &dropped, &end);
    if (end == dropped)
        return;
    fraction = fraction < 0 ? 0 : fraction;
    uint64_t abs = dropped + (uint64_t)(fraction * (double)(end - dropped));
    if (abs >= end) {
        view_follow(v);
        return;
    }
    v->follow = false;
    v->anchor = line_start(v, abs, dropped);
    v->sub = 0;
}

void view_follow(struct view *v)
{
    if (!v->follow)
        cache_free(v);
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
    struct view_line *lines = realloc(v->lines, (size_t)rows * sizeof *lines);
    if (!lines)
        return false;
    v->lines = lines;
    v->cap_rows = rows;
    return true;
}

/* Copies display row k of the joined line into out. */
static bool cut_into(struct view *v, uint32_t k, struct sb_row *out)
{
    uint32_t len, pos = cut_start(v, k, v->cols, &len);
    if (sb_row_reserve(out, len ? len : 1) != 0)
        return false;
    memcpy(out->cells, v->joined + pos, len * sizeof *out->cells);
    out->ncols = len;
    out->flags = 0;
    sb_row_clear_links(out);
    const char *uri = v->jlinks.links;
    for (uint32_t i = 0; i < v->jlinks.nlinks; i++, uri += strlen(uri) + 1)
        if (sb_row_add_link(out, uri, strlen(uri)) < 0)
            return false; /* the same URIs, so the same numbers: only memory can fail */
    return true;
}

/* Fills display rows from the anchor through history; the count filled. */
static int layout_history(struct view *v, uint64_t end)
{
    uint64_t line = v->anchor;
    uint32_t sub = v->sub;
    int r = 0;
    while (r < v->rows && line < end) {
        if (!join_line(v, line, end))
            break;
        uint32_t n = display_rows(v, v->cols);
        for (; sub < n && r < v->rows; sub++, r++) {
            if (!cut_into(v, sub, &v->disp[r]))
                return r;
            uint32_t len;
            uint32_t off = cut_start(v, sub, v->cols, &len);
            v->lines[r] = (struct view_line){&v->disp[r], line, sub, off, false};
        }
        line += v->joined_rows;
        sub = 0;
    }
    return r;
}

bool view_layout(struct view *v, int rows, int cols)
{
    uint64_t dropped, end;
    if (!ensure_rows(v, rows))
        goto fail;
    if (cols != v->cols)
        v->joined_line = UINT64_MAX;
    v->rows = rows;
    v->cols = cols;
    sync(v, &dropped, &end);
    int r = v->follow ? 0 : layout_history(v, end);
    for (int s = 0; r < rows; s++, r++) {
        if (term_read_row(v->term, s, &v->disp[r]) != 0)
            v->disp[r].ncols = 0;
        v->lines[r] = (struct view_line){&v->disp[r], end + (uint64_t)s, 0, 0, true};
    }
    return true;
fail:
    fprintf(stderr, "boundterm: view: out of memory for %d rows\n", rows);
    return false;
}

const struct view_line *view_lines(const struct view *v)
{
    return v->lines;
}

void view_position(struct view *v, uint64_t *above, uint64_t *total)
{
    uint64_t dropped, end;
    sync(v, &dropped, &end);
    *total = end - dropped;
    *above = v->follow ? *total : v->anchor - dropped;
}

const struct sb_cell *view_logical(struct view *v, uint64_t line, uint32_t *ncells,
                                   uint64_t *next, bool *wrapped)
{
    uint64_t dropped, end;
    sync(v, &dropped, &end);
    *wrapped = false;
    if (line < dropped)
        return NULL;
    if (line < end) {
        if (!join_line(v, line, end))
            return NULL;
        *ncells = v->njoined;
        *next = line + v->joined_rows;
        return v->joined;
    }
    struct sb_row *screen = &v->scratch;
    int rows, cols;
    term_size(v->term, &rows, &cols);
    if (line - end >= (uint64_t)rows || term_read_row(v->term, (int)(line - end), screen) != 0)
        return NULL;
    v->njoined = 0;
    v->joined_line = UINT64_MAX;
    v->joined_gen++;
    *wrapped = (screen->flags & SB_ROW_WRAPPED) != 0;
    if (!join_append(v, screen, *wrapped ? screen->ncols : trimmed(screen)))
        return NULL;
    *ncells = v->njoined;
    *next = line + 1;
    return v->joined;
}

void view_get_pos(const struct view *v, struct view_pos *out)
{
    *out = (struct view_pos){v->follow, v->anchor, v->sub};
}

void view_set_pos(struct view *v, const struct view_pos *pos)
{
    uint64_t dropped, end;
    if (pos->follow) {
        view_follow(v);
        return;
    }
    v->follow = false;
    v->anchor = pos->anchor;
    v->sub = pos->sub;
    sync(v, &dropped, &end); /* moves an anchor that was dropped, follows past the end */
}

const struct sb_row *view_row(struct view *v, uint64_t abs)
{
    uint64_t dropped, end;
    sync(v, &dropped, &end);
    if (abs < dropped)
        return NULL;
    if (abs < end)
        return hist_row(v, abs);
    int rows, cols;
    term_size(v->term, &rows, &cols);
    if (abs - end >= (uint64_t)rows || term_read_row(v->term, (int)(abs - end), &v->scratch) != 0)
        return NULL;
    return &v->scratch;
}

bool view_locate(struct view *v, uint64_t abs, uint32_t col, uint64_t *line, uint32_t *cell)
{
    uint64_t dropped, end;
    sync(v, &dropped, &end);
    if (abs < dropped)
        return false;
    if (abs >= end) {
        *line = abs;
        *cell = col;
        return true;
    }
    *line = line_start(v, abs, dropped);
    uint64_t off = col;
    for (uint64_t a = *line; a < abs; a++) { /* wrapped rows are joined whole */
        const struct sb_row *row = hist_row(v, a);
        if (!row)
            return false;
        off += row->ncols;
    }
    *cell = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
    return true;
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
        if (v->lines[r].line == line && (v->lines[r].screen || v->lines[r].sub == sub))
            return true;
    return false;
}

void view_reveal(struct view *v, uint64_t line, uint32_t cell, int rows, int cols)
{
    uint64_t dropped, end;
    sync(v, &dropped, &end);
    if (line < dropped || rows < 1 || cols < 1)
        return;
    if (line >= end) { /* a screen row: shown when following, unless under the bar */
        if (!shown(v, line, 0, rows, cols))
            view_follow(v);
        return;
    }
    v->cols = cols;
    if (!join_line(v, line, end))
        return;
    uint32_t sub = sub_of(v, cell, cols);
    if (shown(v, line, sub, rows, cols))
        return;
    v->follow = false;
    v->anchor = line;
    v->sub = sub;
    view_scroll(v, rows / 3);
}
