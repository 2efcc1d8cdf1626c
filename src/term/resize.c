/*
 * Resizing the grid (VTermState's resize callback), with the primary screen reflowed.
 *
 * The primary screen is a tail of a longer text: the history in the store, then the screen
 * rows, joined into logical lines by SB_ROW_WRAPPED. A resize cuts that tail again at the new
 * width, as foot, kitty and VTE do, so nothing on the screen is lost:
 *   - the screen's rows are joined into logical lines (the first one with its start pulled
 *     back from the store when the width changes), then cut at the new width; a wide glyph
 *     that would straddle the edge starts the next row;
 *   - the cursor stays on the same character of its line (or the same place past its end);
 *   - the cursor keeps its row on the screen when it can (a taller screen moves it down as
 *     VTermScreen does, taking rows back from the history), rows below it stay visible when
 *     they fit, and what does not fit above goes into the history (soft wraps kept);
 *   - lines pulled back from the history are cut at the new width too, and what they give
 *     beyond what the screen needs goes back, so no text is lost either way.
 * When only the height changes, rows are cut exactly where they were: the result is
 * VTermScreen's (the differential tests check it).
 *
 * The alternate screen is cut (its program redraws on SIGWINCH); while it is shown, the
 * primary screen is reflowed around the cursor it left, which seq.c restores after 1049 l.
 */
#include "grid_internal.h"

#include <stdlib.h>
#include <string.h>

#define PULL_MAX 1024 /* rows of one logical line taken back from the store, at most */


/* ---- Buffers ------------------------------------------------------------ */

/* Copies the top-left of old (g's current size) into a fresh screen of rows x cols. */
static bool buf_resized(const struct grid *g, const struct gbuf *old, struct gbuf *nb, int rows,
                        int cols)
{
    if (!grid_buf_alloc(g, nb, rows, cols, grid_row_stride(cols)))
        return false;
    int keep_rows = rows < g->rows ? rows : g->rows;
    int keep_cols = cols < g->cols ? cols : g->cols;
    for (int r = 0; r < keep_rows; r++) {
        memcpy(nb->row[r]->cells, old->row[r]->cells, (size_t)keep_cols * sizeof(struct gcell));
        nb->row[r]->flags = old->row[r]->flags;
        nb->row[r]->note = old->row[r]->note;
    }
    nb->comb = old->comb;
    nb->ncomb = old->ncomb;
    nb->capcomb = old->capcomb;
    return true;
}

/* Replaces both screens and the row buffers with ones of rows x cols; false on no memory. */
static bool realloc_all(struct grid *g, int rows, int cols)
{
    struct gbuf nb[2] = {{0}};
    struct sb_cell *sbuf = malloc((size_t)cols * sizeof *sbuf);
    struct gcell *tmpl = malloc((size_t)cols * sizeof *tmpl);
    bool ok = sbuf && tmpl && buf_resized(g, &g->buf[0], &nb[0], rows, cols);
    if (ok && g->buf[1].row)
        ok = buf_resized(g, &g->buf[1], &nb[1], rows, cols);
    if (!ok) {
        for (int i = 0; i < 2; i++) {
            free(nb[i].row);
            free(nb[i].slab);
        }
        free(sbuf);
        free(tmpl);
        return false;
    }
    for (int i = 0; i < 2; i++) {
        free(g->buf[i].row);
        free(g->buf[i].slab);
        g->buf[i] = nb[i];
    }
    g->rowp = g->buf[g->cur].row;
    free(g->sbuf);
    free(g->tmpl);
    g->sbuf = sbuf;
    g->tmpl = tmpl;
    g->tmpl_ok = false;
    g->rows = rows;
    g->cols = cols;
    g->stride = grid_row_stride(cols);
    return true;
}

/* ---- The work: logical lines and their new rows --------------------------- */

struct line {
    size_t start;  /* in reflow.cells */
    uint32_t len;
    uint32_t rows; /* rows it takes at the new width, cursor included */
    uint32_t marks; /* its rows' prompt marks, which its first row gets back */
    uint32_t note;  /* the grid's note of the command that ended on it (0: none) */
};

struct reflow {
    struct grid *g;
    int cols;                   /* the new width */
    bool trim;                  /* the width changes: rows lose their trailing empty cells */
    struct gcell *cells;        /* every line's cells, one after the other */
    size_t ncells, capcells;
    struct line *lines;
    size_t nlines, caplines;
    size_t cur_line;            /* the cursor's line (SIZE_MAX: none yet) */
    uint32_t cur_off;           /* the offset in it of the cell the cursor is on */
    bool cur_after;             /* it waits after that cell's glyph, cur_width cells wide */
    int cur_width;              /* (past a full row: VTermState's at_phantom) */
    bool failed;                /* out of memory: the resize falls back to cutting */
};

static bool grow_array(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t cap2 = *cap ? *cap * 2 : 256;
    while (cap2 < need)
        cap2 *= 2;
    void *q = realloc(*p, cap2 * size);
    if (!q)
        return false;
    *p = q;
    *cap = cap2;
    return true;
}

/* Starts a reflow with its arrays allocated, so that no pointer is NULL even with no cells. */
static void reflow_init(struct reflow *r, struct grid *g, int cols, bool trim)
{
    *r = (struct reflow){.g = g, .cols = cols, .trim = trim, .cur_line = SIZE_MAX};
    if (!grow_array((void **)&r->cells, &r->capcells, 1, sizeof *r->cells) ||
        !grow_array((void **)&r->lines, &r->caplines, 1, sizeof *r->lines))
        r->failed = true;
}

/* Appends n cells to the last line. */
static void add_cells(struct reflow *r, const struct gcell *c, uint32_t n)
{
    if (r->failed || !grow_array((void **)&r->cells, &r->capcells, r->ncells + n, sizeof *c)) {
        r->failed = true;
        return;
    }
    memcpy(r->cells + r->ncells, c, n * sizeof *c);
    r->ncells += n;
    r->lines[r->nlines - 1].len += n;
}

static void new_line(struct reflow *r)
{
    if (r->failed || !grow_array((void **)&r->lines, &r->caplines, r->nlines + 1, sizeof(struct line))) {
        r->failed = true;
        return;
    }
    r->lines[r->nlines++] = (struct line){.start = r->ncells};
}

/* True for a cell with no glyph and nothing to show: default colours, no attributes. */
static bool cell_empty(const struct gcell *c)
{
    return (c->ch & CH_VALUE) == 0 && (c->fg | c->bg | c->attrs) == 0;
}

/*
 * The cells of a row that belong to its line: all of a wrapped row but the empty cell a wide
 * glyph left when it moved to the next row; an unwrapped row without its trailing empty cells.
 */
static uint32_t row_content(const struct reflow *r, const struct gcell *c, uint32_t ncols,
                            bool wrapped, const struct gcell *next)
{
    uint32_t n = ncols;
    if (!r->trim)
        return n; /* the same width: rows are cut again exactly where they were */
    if (wrapped) {
        bool wide_next = next && ncols > 1 && (next[1].ch & CH_VALUE) == CH_CONT;
        if (wide_next && n > 0 && cell_empty(&c[n - 1]))
            n--;
        return n;
    }
    while (n > 0 && cell_empty(&c[n - 1]))
        n--;
    return n;
}

/* ---- From the store -------------------------------------------------------- */

/* Converts a stored row to cells of screen b, as vterm_screen_set_cell would write them. */
static void cells_from_row(struct grid *g, struct gbuf *b, const struct sb_row *src,
                           struct gcell *out)
{
    uint16_t rev = g->reverse ? SB_ATTR_REVERSE : 0;
    for (uint32_t col = 0; col < src->ncols; col++) {
        const struct sb_cell *s = &src->cells[col];
        if (s->width == 0) { /* VTermScreen marks it, leaving the blank under it as it was */
            grid_blank_cells(g, &out[col], 1);
            out[col].ch = CH_CONT;
            continue;
        }
        out[col].ch = grid_glyph_ch(g, b, s->chars);
        out[col].fg = s->fg;
        out[col].bg = s->bg;
        out[col].attrs = (s->attrs ^ rev) & SB_ATTR_VALID_MASK;
        const char *uri = s->link ? sb_row_link(src, s->link) : NULL;
        if (uri) /* the link back under the screen's number for it (none if the table is full) */
            out[col].attrs |= grid_link_intern(g, uri, strlen(uri)) << GCELL_LINK_SHIFT;
    }
}

/* A row taken from the store, kept until its line is complete. */
struct popped {
    struct sb_row row;
};

/* Gives a popped row back to the store (it was the newest; it is again). */
static void push_back(struct grid *g, const struct sb_row *row)
{
    struct sb_row back = *row;
    back.flags &= SB_ROW_WRAPPED | SB_ROW_MARKS;
    if (g->cb.scrollout)
        g->cb.scrollout(g->user, &back);
}

/*
 * Takes the newest logical line back from the store, as rows oldest first in *out (n rows):
 * rows are popped newest first, and a row starts its line when the row popped after it is
 * not soft-wrapped (that row goes back). only_wrapped: take nothing unless the newest stored
 * row is wrapped (it continues onto the screen). At most PULL_MAX rows.
 */
static size_t pop_line(struct grid *g, struct popped *out, bool only_wrapped, int cols)
{
    if (!g->cb.popline)
        return 0;
    size_t n = 0;
    while (n < PULL_MAX) {
        struct sb_row *row = &out[n].row;
        row->ncols = 0;
        row->flags = 0;
        if (!g->cb.popline(g->user, row))
            break;
        bool joins = n == 0 ? !only_wrapped || (row->flags & SB_ROW_WRAPPED)
                            : (row->flags & SB_ROW_WRAPPED) != 0;
        if (!joins) {
            push_back(g, row);
            break;
        }
        /* a row already as wide as the screen is cut again where it is: no need to find
         * where its line starts (and VTermScreen, taking back rows one by one, agrees) */
        if (n++ == 0 && !only_wrapped && row->ncols == (uint32_t)cols && g->cols == cols)
            break;
    }
    for (size_t i = 0; i < n / 2; i++) { /* oldest first */
        struct sb_row t = out[i].row;
        out[i].row = out[n - 1 - i].row;
        out[n - 1 - i].row = t;
    }
    return n;
}

/* The last line gets a row's marks and note. */
static void line_marks(struct reflow *r, uint32_t flags, uint32_t note)
{
    if (r->failed)
        return;
    r->lines[r->nlines - 1].marks |= flags & SB_ROW_MARKS;
    if (note)
        r->lines[r->nlines - 1].note = note;
}

/* Appends the line of rows rows[0..n) (oldest first) to the work as one logical line. */
static void add_popped_line(struct reflow *r, struct popped *rows, size_t n)
{
    uint32_t widest = 2; /* rows in the history keep the width they had */
    for (size_t i = 0; i < n; i++)
        widest = rows[i].row.ncols > widest ? rows[i].row.ncols : widest;
    struct gcell *tmp = malloc(widest * sizeof *tmp);
    if (!tmp) {
        r->failed = true;
        return;
    }
    new_line(r);
    for (size_t i = 0; i < n && !r->failed; i++) {
        const struct sb_row *row = &rows[i].row;
        line_marks(r, row->flags, row->has_command ? grid_note_add(r->g, &row->command) : 0);
        cells_from_row(r->g, &r->g->buf[0], row, tmp);
        if (i + 1 < n) {
            struct gcell next[2] = {{0}};
            cells_from_row(r->g, &r->g->buf[0], &(struct sb_row){rows[i + 1].row.cells,
                           rows[i + 1].row.ncols < 2 ? rows[i + 1].row.ncols : 2, 0, 0}, next);
            add_cells(r, tmp, row_content(r, tmp, row->ncols, true, next));
        } else {
            add_cells(r, tmp, row_content(r, tmp, row->ncols,
                                          (row->flags & SB_ROW_WRAPPED) != 0, NULL));
        }
    }
    free(tmp);
}

/* ---- Cutting lines at the new width ----------------------------------------- */

/*
 * The first cell of each row of line l at width cols; calls fn for each row (and returns the
 * count). A wide glyph that would straddle the edge starts the next row.
 */
static uint32_t cut_line(const struct reflow *r, const struct line *l, uint32_t *starts,
                         uint32_t max)
{
    uint32_t n = 0, pos = 0;
    const struct gcell *c = r->cells + l->start;
    uint32_t cols = (uint32_t)r->cols;
    do {
        if (starts && n < max)
            starts[n] = pos;
        n++;
        uint32_t end = pos + cols;
        if (r->trim && end < l->len && (c[end].ch & CH_VALUE) == CH_CONT && end > pos + 1)
            end--; /* the same width cuts where the rows were, stray continuations and all */
        pos = end;
    } while (pos < l->len);
    return n;
}

/* Where cell off of line l lands at the new width: its row within the line and column. */
static void locate_cell(const struct reflow *r, const struct line *l, uint32_t off,
                        uint32_t *row, uint32_t *col)
{
    uint32_t n = cut_line(r, l, NULL, 0), cols = (uint32_t)r->cols;
    uint32_t *starts = malloc(n * sizeof *starts);
    uint32_t last = (n - 1) * cols;
    if (starts) {
        cut_line(r, l, starts, n);
        last = starts[n - 1];
        for (uint32_t i = 0; i + 1 < n; i++)
            if (off < starts[i + 1]) {
                *row = i;
                *col = off - starts[i];
                free(starts);
                return;
            }
        free(starts);
    }
    /* on the last row, or past the line's end: further rows as the cursor needs them */
    *row = n - 1 + (off - last) / cols;
    *col = (off - last) % cols;
}

/*
 * Where the cursor lands: on its cell, or just after the glyph it waited behind. A resize that
 * moves the cursor ends VTermState's waiting, so after a glyph that ends a row the cursor
 * starts the next one: the next character then lands where it would have, and nothing is
 * overwritten.
 */
static void locate(const struct reflow *r, const struct line *l, uint32_t *row, uint32_t *col)
{
    locate_cell(r, l, r->cur_off, row, col);
    if (!r->cur_after)
        return;
    *col += (uint32_t)r->cur_width;
    if (*col >= (uint32_t)r->cols) {
        (*row)++;
        *col = 0;
    }
}

/* Rows line l takes at the new width (the cursor's line reaches down to the cursor). */
static uint32_t line_rows(const struct reflow *r, size_t i)
{
    const struct line *l = &r->lines[i];
    uint32_t n = cut_line(r, l, NULL, 0);
    if (i == r->cur_line) {
        uint32_t row, col;
        locate(r, l, &row, &col);
        n = row + 1 > n ? row + 1 : n;
    }
    return n;
}

/* ---- Reading the old primary screen ---------------------------------------- */

/* The primary screen's cursor: VTermState's, or the one it left when the alternate came. */
static VTermPos primary_cursor(const struct grid *g)
{
    if (g->cur == 1)
        return g->pcur;
    VTermPos pos;
    vterm_state_get_cursorpos(g->state, &pos);
    pos.row += g->bias.row;
    pos.col += g->bias.col;
    return pos;
}

/*
 * True when VTermState holds its cursor past the last glyph of a full row (its at_phantom,
 * with the cursor left on that glyph's first column): the next glyph would wrap. The grid saw
 * that glyph reach the last column and no move since.
 */
static bool at_phantom(const struct grid *g, VTermPos cur)
{
    return g->cur == 0 && g->autowrap && g->wrap_row == cur.row && g->wrap_col == cur.col &&
           g->wrap_col + g->last_width >= g->cols;
}

/* The last row holding a glyph, or the cursor's row if that is lower; -1 for neither. */
static int last_used_row(const struct grid *g, int cursor_row)
{
    const struct gbuf *b = &g->buf[0];
    for (int row = g->rows - 1; row >= 0; row--) {
        if (row == cursor_row)
            return row;
        for (int c = 0; c < g->cols; c++)
            if (b->row[row]->cells[c].ch & CH_VALUE)
                return row;
    }
    return -1;
}

/* Joins the old primary screen's rows [0, used) into lines; the cursor goes with its line. */
static void read_screen(struct reflow *r, int used, VTermPos cur, bool phantom)
{
    const struct grid *g = r->g;
    const struct gbuf *b = &g->buf[0];
    bool joined = r->nlines > 0; /* a line from the history continues onto row 0 */
    for (int row = 0; row < used && !r->failed; row++) {
        const struct grow *gr = b->row[row];
        bool wrapped = (gr->flags & SB_ROW_WRAPPED) && row + 1 < used;
        if (!joined)
            new_line(r);
        if (r->failed)
            return;
        uint32_t before = r->lines[r->nlines - 1].len;
        line_marks(r, gr->flags, gr->note);
        const struct gcell *next = row + 1 < g->rows ? b->row[row + 1]->cells : NULL;
        add_cells(r, gr->cells, row_content(r, gr->cells, (uint32_t)g->cols, wrapped, next));
        if (r->trim && !r->failed && (gr->cells[0].ch & CH_VALUE) == CH_CONT)
            r->cells[r->lines[r->nlines - 1].start + before].ch &= CH_PROT; /* a stray half */
        if (row == cur.row) {
            r->cur_line = r->nlines - 1;
            r->cur_off = before + (uint32_t)cur.col;
            r->cur_after = phantom && r->trim; /* the same width keeps VTermState's place */
            r->cur_width = g->last_width;
        }
        joined = wrapped;
    }
}

/* ---- Writing the new screen -------------------------------------------------- */

/*
 * Cuts line i into rows and hands each to fn (row index within the whole layout, cells,
 * count, wrapped). Rows past the line's end (for the cursor) are empty.
 */
struct emit {
    struct grid *g;
    struct grow *tmp; /* one row at the new width, for the history */
    long first;       /* the layout row that is screen row 0 */
    long next;        /* the layout row being written */
};

/* One row of the new layout: into the history (above the screen), the screen, or nowhere. */
static void emit_row(struct emit *e, const struct gcell *c, uint32_t n, bool wrapped,
                     uint32_t marks, uint32_t note)
{
    struct grid *g = e->g;
    long at = e->next++ - e->first;
    struct grow *gr = at < 0 ? e->tmp : at < g->rows ? g->buf[0].row[at] : NULL;
    if (!gr)
        return; /* below the screen: only rows without content reach here */
    memcpy(gr->cells, c, n * sizeof *c);
    grid_blank_cells(g, gr->cells + n, g->cols - (int)n); /* as VTermScreen fills new cells */
    gr->flags = (wrapped ? SB_ROW_WRAPPED : 0) | marks;
    gr->note = note;
    if (at < 0)
        grid_push_row(g, gr);
}

/* Writes every line's rows, in order. */
static void emit_lines(struct reflow *r, struct emit *e)
{
    for (size_t i = 0; i < r->nlines; i++) {
        const struct line *l = &r->lines[i];
        uint32_t n = line_rows(r, i), cut = cut_line(r, l, NULL, 0);
        uint32_t *starts = malloc(cut * sizeof *starts);
        if (!starts)
            return;
        cut_line(r, l, starts, cut);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t from = k < cut ? starts[k] : l->len;
            uint32_t to = k + 1 < cut ? starts[k + 1] : l->len;
            emit_row(e, r->cells + l->start + from, to - from, k + 1 < n, k ? 0 : l->marks,
                     k ? 0 : l->note);
        }
        free(starts);
    }
}

/* ---- The plan ------------------------------------------------------------------ */

/* Rows of the whole layout, and the layout row of the cursor. */
static long layout_rows(const struct reflow *r, long *cursor_row)
{
    long n = 0;
    for (size_t i = 0; i < r->nlines; i++) {
        if (i == r->cur_line) {
            uint32_t row, col;
            locate(r, &r->lines[i], &row, &col);
            *cursor_row = n + row;
        }
        n += line_rows(r, i);
    }
    return n;
}

/* Puts line rows[0..n) from the store in front of the lines in hand. */
static void prepend_popped(struct reflow *r, struct popped *rows, size_t n)
{
    struct reflow one;
    reflow_init(&one, r->g, r->cols, r->trim);
    add_popped_line(&one, rows, n);
    if (one.failed || !grow_array((void **)&r->cells, &r->capcells, r->ncells + one.ncells,
                                  sizeof *r->cells) ||
        !grow_array((void **)&r->lines, &r->caplines, r->nlines + 1, sizeof *r->lines)) {
        r->failed = true;
    } else {
        memmove(r->cells + one.ncells, r->cells, r->ncells * sizeof *r->cells);
        memcpy(r->cells, one.cells, one.ncells * sizeof *r->cells);
        memmove(r->lines + 1, r->lines, r->nlines * sizeof *r->lines);
        r->lines[0] = (struct line){.start = 0, .len = one.lines[0].len,
                                    .marks = one.lines[0].marks, .note = one.lines[0].note};
        for (size_t i = 1; i <= r->nlines; i++)
            r->lines[i].start += one.ncells;
        r->ncells += one.ncells;
        r->nlines++;
        if (r->cur_line != SIZE_MAX)
            r->cur_line++;
    }
    free(one.cells);
    free(one.lines);
}

/* Frees what pop_line filled. */
static void free_popped(struct popped *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_row_fini(&rows[i].row);
}

/*
 * Takes lines back from the store until `need` more rows stand above the cursor, or the store
 * is empty. Returns the rows gained.
 */
static long pull_history(struct reflow *r, long need, struct popped *rows)
{
    long gained = 0;
    while (gained < need && !r->failed) {
        size_t n = pop_line(r->g, rows, false, r->cols);
        if (!n)
            break;
        prepend_popped(r, rows, n);
        free_popped(rows, n);
        gained += line_rows(r, 0);
    }
    return gained;
}

/* The whole reflow of the primary screen at rows x cols; false (nothing changed) on no memory. */
static bool reflow_primary(struct grid *g, int rows, int cols, VTermPos *cursor_out)
{
    struct reflow r;
    reflow_init(&r, g, cols, cols != g->cols);
    VTermPos cur = primary_cursor(g);
    bool phantom = at_phantom(g, cur);
    struct popped *rows_in = calloc(PULL_MAX, sizeof *rows_in);
    struct grow *out = malloc(grid_row_stride(cols));
    bool ok = rows_in && out && !r.failed;
    for (size_t i = 0; ok && i < PULL_MAX; i++)
        sb_row_init(&rows_in[i].row);
    if (ok && cols != g->cols) { /* the start of the first line, from the history */
        size_t n = pop_line(g, rows_in, true, cols);
        if (n) {
            prepend_popped(&r, rows_in, n);
            free_popped(rows_in, n);
        }
    }
    int used = last_used_row(g, cur.row) + 1;
    /* same width: the blank rows below come along as they are (colours and all, as in
     * VTermScreen); they are not content, so they never push content off the screen */
    if (ok)
        read_screen(&r, r.trim ? used : g->rows, cur, phantom);
    long cursor_row = 0, total = layout_rows(&r, &cursor_row);
    long blank_tail = r.trim ? 0 : g->rows - used;
    /*
     * The cursor's row on the new screen: no higher than before, lower by what a taller screen
     * adds (rows come back from the history for that, as in VTermScreen), and low enough to
     * keep every row above it on the screen when they fit; then high enough for the rows below.
     */
    long want = cur.row + (rows > g->rows ? rows - g->rows : 0);
    long below = total - blank_tail - 1 - cursor_row;
    long fit = cursor_row < rows - 1 - below ? cursor_row : rows - 1 - below;
    long target = want > fit ? want : fit;
    target = target > rows - 1 ? rows - 1 : target;
    target = target > rows - 1 - below ? rows - 1 - below : target;
    target = target < 0 ? 0 : target;
    if (ok && !r.failed && cursor_row < target) {
        long gained = pull_history(&r, target - cursor_row, rows_in);
        cursor_row += gained;
        total += gained;
        target = cursor_row < target ? cursor_row : target;
    }
    ok = ok && !r.failed;
    if (ok) {
        uint32_t row, col = 0;
        if (r.cur_line != SIZE_MAX)
            locate(&r, &r.lines[r.cur_line], &row, &col);
        cursor_out->row = (int)target;
        cursor_out->col = (int)col;
        /* the new screen needs the new size before rows are written into it */
        if (!realloc_all(g, rows, cols)) {
            ok = false;
        } else {
            for (int i = 0; i < g->rows; i++)
                grid_blank_cells(g, g->buf[0].row[i]->cells, g->cols);
            struct emit e = {.g = g, .tmp = out, .first = cursor_row - target};
            emit_lines(&r, &e);
        }
    }
    if (rows_in)
        for (size_t i = 0; i < PULL_MAX; i++)
            sb_row_fini(&rows_in[i].row);
    free(rows_in);
    free(out);
    free(r.cells);
    free(r.lines);
    return ok;
}

int grid_cb_resize(int rows, int cols, VTermPos *delta, void *user)
{
    struct grid *g = user;
    if (rows < 1 || cols < 1)
        return 0;
    VTermPos vt, to, bias = g->bias;
    vterm_state_get_cursorpos(g->state, &vt);
    VTermPos pcur = primary_cursor(g);
    bool phantom = at_phantom(g, pcur), new_width = cols != g->cols;
    g->reflowing = true;
    bool reflowed = reflow_primary(g, rows, cols, &to);
    g->reflowing = false;
    if (!reflowed) {
        if (!realloc_all(g, rows, cols))
            return 0; /* keep the old screen: every callback clips to it */
        to = pcur;
    }
    g->bias = (VTermPos){0, 0};
    if (g->cur == 1) { /* the alternate screen is cut; its cursor only clamped */
        g->pcur = to;
        g->pcur_moved = true;
        delta->row += bias.row;
        delta->col += bias.col;
    } else {
        /* VTermState itself moves a cursor waiting past a full row one column right when it
         * is left of the new last column; a new width placed it after its glyph already */
        bool steps = phantom && vt.col < cols - 1 && new_width;
        delta->row = to.row - vt.row;
        delta->col = to.col - vt.col - (steps ? 1 : 0);
        g->wrap_row = -1;
    }
    grid_touch_rows(g);
    return 1;
}
