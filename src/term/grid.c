/*
 * The screen grid behind VTermState (see grid.h for the contract).
 *
 * Layout. A screen (struct gbuf) is a slab of rows, each a small header (row flags) followed
 * by `cols` 12-byte cells, reached through an array of row pointers indexed by screen row. A
 * full-width scroll rotates those pointers and blanks the recycled rows, so no cell moves;
 * only scrolls inside left/right margins and horizontal shifts (ICH/DCH) copy cells.
 *
 * A cell (struct gcell) is:
 *   ch  the codepoint; or CH_CONT for the right half of a wide glyph (VTermScreen's
 *       (uint32_t)-1); or CH_COMB | i for a glyph with combining marks, i indexing the
 *       screen's side table of SB_MAX_CHARS-codepoint sequences; CH_PROT on top (DECSCA).
 *   fg  an sb_color in the low 26 bits and attribute bits 0-5 in the top 6;
 *   bg  an sb_color in the low 26 bits and attribute bits 6-11 in the top 6.
 * The current pen is kept pre-packed, so writing a glyph is three stores.
 *
 * Semantics mirror libvterm 0.1.4's VTermScreen, the oracle of tests/term: erased cells take
 * the whole pen, wide glyphs mark the next cell as a continuation without touching its
 * attributes, a cell is wide exactly when the next one is a continuation, reverse video is
 * applied when cells are read, rows leave the top of the primary screen whenever a scroll's
 * region starts at row 0 and spans every column, and resizing pushes and pops rows as
 * VTermScreen's resize does. Export to struct sb_cell canonicalises what VTermScreen leaves
 * loose: a continuation takes its wide cell's attributes, and a continuation with no wide
 * cell before it reads as an empty cell.
 *
 * Soft wraps, which libvterm 0.1.4 does not report, are inferred: a glyph that lands at
 * column 0 of the row below the previous glyph, with no cursor movement in between, after that
 * glyph reached the last column (or left too little room for this one), marks the previous
 * row SB_ROW_WRAPPED.
 */
#include "grid_internal.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- Small helpers ----------------------------------------------------- */

static sb_color color_from_vterm(const VTermColor *c)
{
    if (c->type & VTERM_COLOR_DEFAULT_MASK)
        return SB_COLOR_DEFAULT;
    if (VTERM_COLOR_IS_INDEXED(c))
        return SB_COLOR_PALETTE(c->indexed.idx);
    return SB_COLOR_RGB(c->rgb.red, c->rgb.green, c->rgb.blue);
}


/* Sets n cells to the erased state VTermScreen gives them: no glyph, the whole pen. */
void grid_blank_cells(const struct grid *g, struct gcell *c, int n)
{
    const struct gcell blank = {0, g->pen_fg, g->pen_bg, g->pen_attrs & GCELL_ATTR_MASK};
    for (int i = 0; i < n; i++)
        c[i] = blank;
}

/* Blanks a whole row by copying a blank row kept for the current pen: one memcpy per line. */
static void blank_row(struct grid *g, struct grow *gr)
{
    if (!g->tmpl_ok || g->tmpl[0].fg != g->pen_fg || g->tmpl[0].bg != g->pen_bg ||
        g->tmpl[0].attrs != (g->pen_attrs & GCELL_ATTR_MASK)) {
        grid_blank_cells(g, g->tmpl, g->cols);
        g->tmpl_ok = true;
    }
    memcpy(gr->cells, g->tmpl, (size_t)g->cols * sizeof *g->tmpl);
    gr->flags = 0;
    gr->note = 0;
    row_touch(g, gr);
}

/* ---- The combining side table ------------------------------------------ */

/* Drops side-table entries no cell of b references, renumbering the rest. */
static void comb_collect(struct grid *g, struct gbuf *b)
{
    uint32_t *map = calloc(b->ncomb, sizeof *map);
    if (!map)
        return;
    for (int r = 0; r < g->rows; r++)
        for (int c = 0; c < g->cols; c++) {
            uint32_t ch = b->row[r]->cells[c].ch & CH_VALUE;
            if ((ch & CH_COMB) && ch != CH_CONT && (ch & ~CH_COMB) < b->ncomb)
                map[ch & ~CH_COMB] = 1;
        }
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->ncomb; i++)
        if (map[i]) {
            memmove(b->comb[n], b->comb[i], sizeof b->comb[0]);
            map[i] = n++;
        }
    for (int r = 0; r < g->rows; r++) {
        row_touch(g, b->row[r]);
        for (int c = 0; c < g->cols; c++) {
            uint32_t *ch = &b->row[r]->cells[c].ch;
            uint32_t v = *ch & CH_VALUE;
            if ((v & CH_COMB) && v != CH_CONT && (v & ~CH_COMB) < b->ncomb)
                *ch = (*ch & CH_PROT) | CH_COMB | map[v & ~CH_COMB];
        }
    }
    b->ncomb = n;
    free(map);
}

/*
 * Makes room for one more entry: grows the table until it could hold one entry per cell, then
 * collects unreferenced entries first, so the table stays within twice the screen's cells.
 */
static bool comb_reserve(struct grid *g, struct gbuf *b)
{
    if (b->ncomb < b->capcomb)
        return true;
    uint64_t cells = (uint64_t)g->rows * (uint64_t)g->cols;
    if (b->capcomb >= cells && !g->reflowing) { /* a reflow holds cells outside the screen */
        comb_collect(g, b);
        if (b->ncomb <= b->capcomb / 2)
            return true;
    }
    uint32_t cap = b->capcomb ? b->capcomb * 2 : 16;
    if (cap >= CH_CONT)
        return false;
    void *p = realloc(b->comb, (size_t)cap * sizeof b->comb[0]);
    if (!p)
        return b->ncomb < b->capcomb;
    b->comb = p;
    b->capcomb = cap;
    return true;
}

/* The ch value for a glyph of several codepoints; the base alone when out of memory. */
static uint32_t comb_ch(struct grid *g, struct gbuf *b, const uint32_t *chars)
{
    uint32_t seq[SB_MAX_CHARS] = {0};
    for (int i = 0; i < SB_MAX_CHARS && chars[i]; i++)
        seq[i] = sanitize(chars[i]);
    /* libvterm re-sends a glyph each time a combining mark joins it: reuse the last entry. */
    if (b->ncomb && memcmp(b->comb[b->ncomb - 1], seq, sizeof seq) == 0)
        return CH_COMB | (b->ncomb - 1);
    if (!comb_reserve(g, b))
        return seq[0];
    memcpy(b->comb[b->ncomb], seq, sizeof seq);
    return CH_COMB | b->ncomb++;
}

uint32_t grid_glyph_ch(struct grid *g, struct gbuf *b, const uint32_t *chars)
{
    if (!chars[0])
        return 0;
    if (!chars[1])
        return sanitize(chars[0]);
    return comb_ch(g, b, chars);
}

/* The ch value for a glyph on the screen shown. */
static uint32_t glyph_ch(struct grid *g, const uint32_t *chars)
{
    return grid_glyph_ch(g, &g->buf[g->cur], chars);
}

/* ---- Screens ----------------------------------------------------------- */

void grid_buf_free(struct gbuf *b)
{
    free(b->row);
    free(b->slab);
    free(b->comb);
    memset(b, 0, sizeof *b);
}

/* Allocates rows x cols blank cells (with the current pen) in b; false when out of memory. */
bool grid_buf_alloc(const struct grid *g, struct gbuf *b, int rows, int cols, size_t stride)
{
    memset(b, 0, sizeof *b);
    b->row = malloc((size_t)rows * sizeof *b->row);
    b->slab = malloc((size_t)rows * stride);
    if (!b->row || !b->slab) {
        grid_buf_free(b);
        return false;
    }
    for (int r = 0; r < rows; r++) {
        b->row[r] = (struct grow *)(b->slab + (size_t)r * stride);
        b->row[r]->flags = 0;
        b->row[r]->note = 0;
        b->row[r]->stamp = 0; /* a new buffer: the resize or the switch that made it stamps */
        grid_blank_cells(g, b->row[r]->cells, cols);
    }
    return true;
}

/* Bytes per row for cols columns, rounded to 8 so row headers stay aligned. */
size_t grid_row_stride(int cols)
{
    size_t s = sizeof(struct grow) + (size_t)cols * sizeof(struct gcell);
    return (s + 7) & ~(size_t)7;
}

/* ---- Export to the store's cells --------------------------------------- */

/* Fills o's codepoints from a combining-table reference. */
static void export_comb(const struct gbuf *b, uint32_t ch, struct sb_cell *o)
{
    if ((ch & ~CH_COMB) < b->ncomb)
        memcpy(o->chars, b->comb[ch & ~CH_COMB], sizeof o->chars);
    else
        o->chars[0] = 0xfffd;
}

/* Writes one canonical cell field by field, straight into the output. */
static inline void export_cell(struct sb_cell *o, uint32_t ch, uint32_t fg, uint32_t bg,
                               uint16_t attrs, uint16_t link, uint8_t width)
{
    o->chars[0] = ch;
    for (int i = 1; i < SB_MAX_CHARS; i++)
        o->chars[i] = 0;
    o->fg = fg;
    o->bg = bg;
    o->attrs = attrs;
    o->link = link;
    o->width = width;
}

/* Where the row's trailing run of identical empty cells starts (cols when there is none). */
static int trailing_blanks(const struct gcell *c, int cols)
{
    const struct gcell *last = &c[cols - 1];
    if (last->ch & CH_VALUE)
        return cols;
    int start = cols - 1;
    while (start > 0 && c[start - 1].ch == last->ch && c[start - 1].fg == last->fg &&
           c[start - 1].bg == last->bg && c[start - 1].attrs == last->attrs)
        start--;
    return start;
}

/* A cell's colours and attributes in the store's form, with reverse video applied. */
struct export_pen {
    sb_color fg, bg;
    uint32_t cell_attrs; /* as the cell has them */
    uint16_t attrs;      /* as the store gets them */
    uint16_t link;       /* the row's number of the cell's link */
};

/* The row's number for the screen's link k (0 when the row cannot take it: text without). */
static uint16_t row_link(const struct grid *g, struct sb_row *out, uint32_t k)
{
    const char *uri = grid_link_uri(g, k);
    int n = uri ? sb_row_add_link(out, uri, strlen(uri)) : 0;
    return n > 0 ? (uint16_t)n : 0;
}

static inline void export_pen_set(const struct grid *g, struct export_pen *p, const struct gcell *c,
                                  uint16_t rev, struct sb_row *out)
{
    p->fg = c->fg;
    p->bg = c->bg;
    p->cell_attrs = c->attrs;
    p->attrs = (uint16_t)((c->attrs ^ rev) & SB_ATTR_VALID_MASK);
    p->link = c->attrs >> GCELL_LINK_SHIFT ? row_link(g, out, c->attrs >> GCELL_LINK_SHIFT) : 0;
}

/*
 * Converts row gr of screen b into cols canonical sb_cells (reverse video applied). This runs
 * once per scrolled line and writes ~3 KB at 80 columns: colours and attributes are converted
 * once per run of cells that share them, and a trailing run of blank cells is converted once
 * and copied.
 */
static void export_row(const struct grid *g, const struct gbuf *b, const struct grow *gr,
                       struct sb_row *row)
{
    uint16_t rev = g->reverse ? SB_ATTR_REVERSE : 0;
    const struct gcell *c = gr->cells;
    struct sb_cell *out = row->cells;
    int cols = g->cols, end = trailing_blanks(c, cols);
    if (end == cols - 1)
        end = cols; /* one blank: not worth the copying */
    sb_row_clear_links(row);
    struct export_pen p;
    export_pen_set(g, &p, &c[0], rev, row);
    for (int col = 0; col < end; col++) {
        if (c[col].fg != p.fg || c[col].bg != p.bg || c[col].attrs != p.cell_attrs)
            export_pen_set(g, &p, &c[col], rev, row);
        uint32_t ch = c[col].ch & CH_VALUE;
        bool wide = ch != CH_CONT && col + 1 < cols && (c[col + 1].ch & CH_VALUE) == CH_CONT;
        export_cell(&out[col], ch <= 0x10ffff ? ch : 0, p.fg, p.bg, p.attrs, p.link,
                    wide ? 2 : 1);
        if (ch > 0x10ffff && ch != CH_CONT)
            export_comb(b, ch, &out[col]);
        if (wide) /* the continuation: no codepoints, the wide cell's attributes */
            export_cell(&out[++col], 0, p.fg, p.bg, p.attrs, p.link, 0);
    }
    if (end == cols)
        return;
    export_pen_set(g, &p, &c[end], rev, row);
    export_cell(&out[end], 0, p.fg, p.bg, p.attrs, p.link, 1);
    for (int have = 1; end + have < cols; have *= 2) {
        int n = cols - end - have < have ? cols - end - have : have;
        memcpy(&out[end + have], &out[end], (size_t)n * sizeof *out);
    }
}

#ifdef __SSE2__
_Static_assert(sizeof(struct gcell) == 16, "a cell is one 16-byte vector: ch, fg, bg, attrs");

/*
 * export_ascii's 16 cells a turn: the cells ORed lane by lane into *any (ch, fg, bg and
 * attrs apart), their ch (low 7 bits: the row is ASCII or thrown away) packed into 16 bytes.
 * The compiler's own vector code for the loop shuffled each field out apart, 9 instructions
 * a cell against 3 here.
 */
static void export_16(const struct gcell *c, char *out, __m128i *any)
{
    __m128i ch[4], low7 = _mm_set1_epi32(0x7f);
    for (int q = 0; q < 4; q++) {
        const __m128i *p = (const __m128i *)(const void *)(c + 4 * q);
        __m128i a = _mm_loadu_si128(p), b = _mm_loadu_si128(p + 1);
        __m128i d = _mm_loadu_si128(p + 2), e = _mm_loadu_si128(p + 3);
        *any = _mm_or_si128(*any, _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(d, e)));
        __m128i ab = _mm_unpacklo_epi32(a, b), de = _mm_unpacklo_epi32(d, e); /* ch, ch, fg, fg */
        ch[q] = _mm_and_si128(_mm_unpacklo_epi64(ab, de), low7);
    }
    __m128i lo = _mm_packs_epi32(ch[0], ch[1]), hi = _mm_packs_epi32(ch[2], ch[3]);
    _mm_storeu_si128((__m128i *)(void *)out, _mm_packus_epi16(lo, hi));
}
#endif

/*
 * The common row, ASCII in default colours, in one pass with no branch on a cell: writes the
 * n cells' bytes to out and returns the length without the trailing empty cells, or -1 when
 * a cell is of another kind. It is the row's cost on the input thread during a flood, where
 * the cell-by-cell loop below took about a sixth of the thread.
 */
static long export_ascii(const struct gcell *restrict c, int n, char *restrict out)
{
    uint32_t styled = 0, high = 0;
    int col = 0;
#ifdef __SSE2__
    __m128i any = _mm_setzero_si128();
    for (; col + 16 <= n; col += 16)
        export_16(c + col, out + col, &any);
    uint32_t lanes[4];
    _mm_storeu_si128((__m128i *)(void *)lanes, any);
    high = lanes[0] & CH_VALUE;
    styled = lanes[1] | lanes[2] | lanes[3];
#endif
    for (; col < n; col++) {
        uint32_t ch = c[col].ch & CH_VALUE;
        styled |= c[col].fg | c[col].bg | c[col].attrs;
        high |= ch;
        out[col] = (char)ch;
    }
    if (styled != 0 || high >= 0x80)
        return -1;
    long end = n; /* an empty cell is a 0 byte now */
    while (end > 0 && out[end - 1] == 0)
        end--;
    return end;
}

/*
 * Writes row gr as a plain row's UTF-8 into out (room: 4 bytes a column) when every cell is
 * plain: one codepoint, width 1, default colours and attributes, no reverse video. Returns
 * the length, or -1 when the row needs the cell form. Trailing empty cells are left out.
 */
static long export_plain(const struct grid *g, const struct grow *gr, char *out)
{
    const struct gcell *c = gr->cells;
    long ascii = export_ascii(c, g->cols, out);
    if (ascii >= 0)
        return ascii;
    int end = g->cols;
    while (end > 0 && (c[end - 1].ch & CH_VALUE) == 0 &&
           (c[end - 1].fg | c[end - 1].bg | c[end - 1].attrs) == 0)
        end--;
    char *p = out;
    for (int col = 0; col < end; col++) {
        uint32_t ch = c[col].ch & CH_VALUE;
        if (c[col].fg | c[col].bg | c[col].attrs)
            return -1;
        if (ch < 0x80) {
            *p++ = (char)ch;
            continue;
        }
        /* Combining indexes and continuations (wide glyphs) sit above U+10FFFF. */
        if (ch > 0x10ffff || (col + 1 < g->cols && (c[col + 1].ch & CH_VALUE) == CH_CONT))
            return -1;
        p += utf8_encode(sanitize(ch), p);
    }
    return p - out;
}

/* The row's flags and marks, and the note of the command that ended on it. */
static void export_flags(const struct grid *g, const struct grow *gr, struct sb_row *row)
{
    const struct sb_command *cmd = grid_note(g, gr->note);
    row->flags = gr->flags & (SB_ROW_WRAPPED | SB_ROW_MARKS);
    row->has_command = cmd && (gr->flags & SB_ROW_MARK_END);
    if (row->has_command)
        row->command = *cmd;
}

/* The rows naming note `number` read differently now that it is gone. */
static void touch_noted(struct grid *g, uint32_t number)
{
    for (int s = 0; s < 2; s++)
        for (int r = 0; g->buf[s].row && r < g->rows; r++)
            if (g->buf[s].row[r]->note == number)
                row_touch(g, g->buf[s].row[r]);
}

uint32_t grid_note_add(struct grid *g, const struct sb_command *cmd)
{
    if (++g->last_note == 0)
        g->last_note = 1;
    struct grid_note *n = &g->notes[g->last_note % GRID_NOTES];
    uint32_t evicted = n->number;
    n->number = g->last_note;
    n->cmd = *cmd;
    if (evicted && !g->reflowing) /* a reflow stamps every row when it ends */
        touch_noted(g, evicted);
    return g->last_note;
}

const struct sb_command *grid_note(const struct grid *g, uint32_t number)
{
    const struct grid_note *n = &g->notes[number % GRID_NOTES];
    return number && n->number == number ? &n->cmd : NULL;
}

void grid_mark(struct grid *g, uint32_t marks, const struct sb_command *cmd)
{
    if (g->cur != 0) /* the alternate screen's rows never reach the history */
        return;
    VTermPos pos;
    vterm_state_get_cursorpos(g->state, &pos);
    if (pos.row < 0 || pos.row >= g->rows)
        return;
    struct grow *gr = row_at(g, pos.row);
    gr->flags |= marks & SB_ROW_MARKS;
    if (cmd && (marks & SB_ROW_MARK_END))
        gr->note = grid_note_add(g, cmd);
    row_touch(g, gr); /* and the generation */
}

uint32_t grid_row_marks(const struct grid *g, int row)
{
    return row >= 0 && row < g->rows ? row_at(g, row)->flags & SB_ROW_MARKS : 0;
}

/* Hands row gr (leaving the top of the primary screen) to the scrollout callbacks. */
void grid_push_row(struct grid *g, const struct grow *gr)
{
    if (g->cb.scrollout_plain && !g->reverse && !grid_note(g, gr->note)) {
        char *text = (char *)g->sbuf; /* 36 bytes a column; plain text needs at most 4 */
        long len = export_plain(g, gr, text);
        if (len >= 0) {
            g->cb.scrollout_plain(g->user, text, (size_t)len, (uint32_t)g->cols,
                                  gr->flags & (SB_ROW_WRAPPED | SB_ROW_MARKS));
            return;
        }
    }
    if (!g->cb.scrollout)
        return;
    struct sb_row *row = &g->srow; /* the links are its own; the cells are sbuf */
    row->cells = g->sbuf;
    row->cap = row->ncols = (uint32_t)g->cols;
    export_row(g, &g->buf[0], gr, row);
    export_flags(g, gr, row);
    g->cb.scrollout(g->user, row);
}

/* ---- Erasing and scrolling --------------------------------------------- */

/* Clips rect to the grid; false when nothing is left. */
static bool clip(const struct grid *g, VTermRect *r)
{
    if (r->start_row < 0)
        r->start_row = 0;
    if (r->start_col < 0)
        r->start_col = 0;
    if (r->end_row > g->rows)
        r->end_row = g->rows;
    if (r->end_col > g->cols)
        r->end_col = g->cols;
    return r->start_row < r->end_row && r->start_col < r->end_col;
}

/*
 * Erases rect with the pen; a selective erase (DECSED/DECSEL) keeps protected cells. A plain
 * erase that reaches the last column ends any soft wrap of those rows.
 */
static void erase_rect(struct grid *g, VTermRect rect, bool selective)
{
    if (!clip(g, &rect))
        return;
    bool to_end = rect.end_col == g->cols && !selective;
    for (int r = rect.start_row; r < rect.end_row; r++) {
        struct grow *gr = row_at(g, r);
        struct gcell *c = gr->cells + rect.start_col;
        int n = rect.end_col - rect.start_col;
        row_touch(g, gr);
        if (!selective) {
            grid_blank_cells(g, c, n);
        } else {
            for (int i = 0; i < n; i++)
                if (!(c[i].ch & CH_PROT))
                    grid_blank_cells(g, &c[i], 1);
        }
        if (to_end && rect.start_col == 0 && !selective) { /* the row is gone: its marks too */
            gr->flags = 0;
            gr->note = 0;
        } else if (to_end) {
            gr->flags &= ~(uint32_t)SB_ROW_WRAPPED;
        }
    }
    if (to_end && g->wrap_row >= rect.start_row && g->wrap_row < rect.end_row)
        g->wrap_row = -1; /* the rows' row_touch bumped the generation */
}

/* Reverses the row pointers p[0..n). */
static void reverse_rows(struct grow **p, int n)
{
    for (int i = 0, j = n - 1; i < j; i++, j--) {
        struct grow *t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
}

/* Rotates p[0..n) left by k (k may be negative: right). */
static void rotate_rows(struct grow **p, int n, int k)
{
    if (k == 1) {
        struct grow *t = p[0];
        memmove(p, p + 1, (size_t)(n - 1) * sizeof *p);
        p[n - 1] = t;
        return;
    }
    if (k < 0)
        k += n;
    reverse_rows(p, k);
    reverse_rows(p + k, n - k);
    reverse_rows(p, n);
}

/*
 * Scrolls full-width rows [top, bottom) up by n (down when n < 0), 0 < |n| < height, by
 * rotating row pointers. Rows leaving the top of the primary screen go to scrollout first.
 */
static void scroll_rows(struct grid *g, int top, int bottom, int n)
{
    struct gbuf *b = &g->buf[g->cur];
    int height = bottom - top;
    int k = n > 0 ? n : -n;
    if (n > 0 && top == 0 && g->cur == 0)
        for (int i = 0; i < n; i++)
            grid_push_row(g, b->row[i]);
    rotate_rows(b->row + top, height, n);
    int first = n > 0 ? bottom - k : top;
    for (int r = first; r < first + k; r++)
        blank_row(g, b->row[r]);
    if (g->wrap_row >= top && g->wrap_row < bottom) {
        g->wrap_row -= n;
        if (g->wrap_row < top || g->wrap_row >= bottom)
            g->wrap_row = -1;
    } /* blank_row bumped the generation */
}

/* Copies the cells of src onto dest (same size), in an order safe for overlap. */
static void copy_rect(struct grid *g, VTermRect dest, VTermRect src)
{
    int ncols = src.end_col - src.start_col;
    int down = src.start_row - dest.start_row;
    int first = down < 0 ? dest.end_row - 1 : dest.start_row;
    int stop = down < 0 ? dest.start_row - 1 : dest.end_row;
    int step = down < 0 ? -1 : 1;
    for (int r = first; r != stop; r += step) {
        memmove(row_at(g, r)->cells + dest.start_col, row_at(g, r + down)->cells + src.start_col,
                (size_t)ncols * sizeof(struct gcell));
        row_touch(g, row_at(g, r));
    }
}

/* Scrolls a rect that is not full-width rows (margins, ICH/DCH) as vterm_scroll_rect does. */
static void shift_cells(struct grid *g, VTermRect rect, int down, int right)
{
    VTermRect src = rect, dest = rect;
    if (right >= 0) {
        dest.end_col -= right;
        src.start_col += right;
    } else {
        dest.start_col -= right;
        src.end_col += right;
    }
    if (down >= 0) {
        dest.end_row -= down;
        src.start_row += down;
    } else {
        dest.start_row -= down;
        src.end_row += down;
    }
    copy_rect(g, dest, src);
    if (down > 0)
        rect.start_row = rect.end_row - down;
    else if (down < 0)
        rect.end_row = rect.start_row - down;
    if (right > 0)
        rect.start_col = rect.end_col - right;
    else if (right < 0)
        rect.end_col = rect.start_col - right;
    erase_rect(g, rect, false);
}

/* ---- VTermState callbacks ---------------------------------------------- */

/*
 * At column 0: marks the previous glyph's row soft-wrapped when this glyph continues it (the
 * row below, and the previous glyph reached the last column or left too little room).
 */
static void note_wrap(struct grid *g, VTermPos pos, int width)
{
    int end = g->wrap_col + g->last_width;
    if (pos.row == g->wrap_row + 1 && (end >= g->cols || end + width > g->cols)) {
        row_at(g, g->wrap_row)->flags |= SB_ROW_WRAPPED;
        row_touch(g, row_at(g, g->wrap_row));
    }
}

/* The rare glyphs: combining marks, wide, protected, or not a plain codepoint. */
static void __attribute__((noinline)) put_other(struct grid *g, const VTermGlyphInfo *info,
                                                VTermPos pos)
{
    struct gcell *row = row_at(g, pos.row)->cells;
    struct gcell *c = &row[pos.col];
    row_touch(g, row_at(g, pos.row));
    c->ch = glyph_ch(g, info->chars) | (info->protected_cell ? CH_PROT : 0);
    if (info->chars[0]) { /* VTermScreen leaves the pen of a glyph with no codepoint alone */
        c->fg = g->pen_fg;
        c->bg = g->pen_bg;
        c->attrs = g->pen_attrs;
    }
    for (int i = 1; i < info->width && pos.col + i < g->cols; i++)
        row[pos.col + i].ch = CH_CONT | (row[pos.col + i].ch & CH_PROT);
}

/* Writes one glyph; a plain narrow codepoint is three stores, the rest goes to put_other(). */
static int cb_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
    struct grid *g = user;
    int width = info->width;
    if ((unsigned)pos.row >= (unsigned)g->rows || (unsigned)pos.col >= (unsigned)g->cols) {
        g->last_width = width;
        g->wrap_row = -1;
        return 0;
    }
    if (pos.col == 0 && g->wrap_row >= 0)
        note_wrap(g, pos, width);
    g->wrap_row = pos.row;
    g->wrap_col = pos.col;
    g->last_width = width;
    uint32_t c0 = info->chars[0];
    if (c0 - 1 < 0xd7ffu && !info->chars[1] && width == 1 && !info->protected_cell) {
        struct grow *gr = row_at(g, pos.row);
        struct gcell *c = &gr->cells[pos.col];
        row_touch(g, gr);
        c->ch = c0;
        c->fg = g->pen_fg;
        c->bg = g->pen_bg;
        c->attrs = g->pen_attrs;
    } else {
        put_other(g, info, pos); /* row_touch bumps the generation */
    }
    return 1;
}

int grid_put_ascii(struct grid *g, const char *text, int n)
{
    VTermPos pos;
    vterm_state_get_cursorpos(g->state, &pos);
    /* the glyph before, placed by VTermState, moved the cursor one column on this row */
    if (g->wrap_row != pos.row || g->wrap_col + 1 != pos.col || g->last_width != 1 ||
        (unsigned)pos.row >= (unsigned)g->rows || pos.col < 1)
        return 0;
    int width = vterm_state_get_lineinfo(g->state, pos.row)->doublewidth ? g->cols / 2 : g->cols;
    int k = width - 1 - pos.col < n ? width - 1 - pos.col : n;
    if (k <= 0)
        return 0;
    struct gcell *c = &row_at(g, pos.row)->cells[pos.col];
    row_touch(g, row_at(g, pos.row));
    uint32_t prot = c[-1].ch & CH_PROT, fg = g->pen_fg, bg = g->pen_bg, attrs = g->pen_attrs;
    for (int i = 0; i < k; i++) {
        c[i].ch = (uint32_t)(unsigned char)text[i] | prot;
        c[i].fg = fg;
        c[i].bg = bg;
        c[i].attrs = attrs;
    }
    g->wrap_col = pos.col + k - 1;
    return k;
}

/* A cursor move ends any pending soft wrap, except the end-of-text report at the glyph. */
static int cb_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
    struct grid *g = user;
    if (g->wrap_row >= 0 &&
        !(pos.row == g->wrap_row &&
          (pos.col == g->wrap_col || pos.col == g->wrap_col + g->last_width)))
        g->wrap_row = -1;
    g->gen++;
    return 1;
}

static int cb_scrollrect(VTermRect rect, int down, int right, void *user)
{
    struct grid *g = user;
    if (!clip(g, &rect))
        return 1;
    int height = rect.end_row - rect.start_row, width = rect.end_col - rect.start_col;
    if (abs(down) >= height || abs(right) >= width) {
        /*
         * vterm_scroll_rect erases an area scrolled by its whole height, and VTermScreen saves
         * nothing of it. A one-row screen scrolls by its whole height on every line feed:
         * there the row leaves the top of the primary screen for the history, as on any
         * other screen (VTermScreen keeps nothing of a one-row screen).
         */
        if (g->rows == 1 && down > 0 && right == 0 && width == g->cols && g->cur == 0)
            grid_push_row(g, row_at(g, 0));
        erase_rect(g, rect, false);
    } else if (right == 0 && rect.start_col == 0 && rect.end_col == g->cols) {
        scroll_rows(g, rect.start_row, rect.end_row, down);
    } else if (down || right) {
        shift_cells(g, rect, down, right);
    }
    return 1;
}

static int cb_erase(VTermRect rect, int selective, void *user)
{
    struct grid *g = user;
    if (g->skip_erase) {
        g->skip_erase = false;
        return 1;
    }
    erase_rect(user, rect, selective != 0);
    return 1;
}

static int cb_initpen(void *user)
{
    return 1;
}

/* Sets or clears attribute bits under mask to value. */
static void set_attr(struct grid *g, uint32_t mask, unsigned value)
{
    g->pen_attrs = (g->pen_attrs & ~mask) | (value & mask);
}

#define PEN_EXTRA (SB_ATTR_DIM | SB_ATTR_OVERLINE | SB_ATTR_CONCEAL)

void grid_set_pen_extra(struct grid *g, uint32_t attr, bool on)
{
    attr &= PEN_EXTRA;
    set_attr(g, attr, on ? attr : 0);
}

uint32_t grid_last_glyph(const struct grid *g)
{
    if (g->wrap_row < 0 || g->wrap_row >= g->rows || g->wrap_col < 0 || g->wrap_col >= g->cols)
        return 0;
    const struct gbuf *b = &g->buf[g->cur];
    uint32_t ch = b->row[g->wrap_row]->cells[g->wrap_col].ch & CH_VALUE;
    if (ch == CH_CONT)
        return 0;
    if (ch & CH_COMB)
        return (ch & ~CH_COMB) < b->ncomb ? b->comb[ch & ~CH_COMB][0] : 0;
    return ch <= 0x10ffff ? ch : 0;
}

void grid_pen(const struct grid *g, sb_color *fg, sb_color *bg, uint32_t *attrs)
{
    *fg = g->pen_fg;
    *bg = g->pen_bg;
    *attrs = g->pen_attrs & GCELL_ATTR_MASK;
}

void grid_save_pen_extra(struct grid *g)
{
    g->saved_extra = g->pen_attrs & PEN_EXTRA;
}

void grid_restore_pen_extra(struct grid *g)
{
    set_attr(g, PEN_EXTRA, g->saved_extra);
}

static int cb_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
    struct grid *g = user;
    switch (attr) {
    case VTERM_ATTR_BOLD:
        set_attr(g, SB_ATTR_BOLD, val->boolean ? SB_ATTR_BOLD : 0);
        break;
    case VTERM_ATTR_UNDERLINE:
        set_attr(g, SB_ATTR_UNDERLINE_MASK, (unsigned)val->number << SB_ATTR_UNDERLINE_SHIFT);
        break;
    case VTERM_ATTR_ITALIC:
        set_attr(g, SB_ATTR_ITALIC, val->boolean ? SB_ATTR_ITALIC : 0);
        break;
    case VTERM_ATTR_BLINK:
        set_attr(g, SB_ATTR_BLINK, val->boolean ? SB_ATTR_BLINK : 0);
        break;
    case VTERM_ATTR_REVERSE:
        set_attr(g, SB_ATTR_REVERSE, val->boolean ? SB_ATTR_REVERSE : 0);
        break;
    case VTERM_ATTR_STRIKE:
        set_attr(g, SB_ATTR_STRIKE, val->boolean ? SB_ATTR_STRIKE : 0);
        break;
    case VTERM_ATTR_FONT:
        set_attr(g, SB_ATTR_FONT_MASK, (unsigned)val->number << SB_ATTR_FONT_SHIFT);
        break;
    case VTERM_ATTR_FOREGROUND:
        g->pen_fg = color_from_vterm(&val->color);
        break;
    case VTERM_ATTR_BACKGROUND:
        g->pen_bg = color_from_vterm(&val->color);
        break;
    default:
        return 0;
    }
    return 1;
}

/*
 * Switches between the primary and the alternate screen, allocating the latter on first use.
 * The primary screen's cursor is kept, for a resize that reflows it meanwhile (resize.c).
 */
static int set_altscreen(struct grid *g, bool on)
{
    struct gbuf *alt = &g->buf[1];
    bool keep = g->keep_alternate && alt->row; /* a new one is blanked by that erase */
    g->keep_alternate = false;
    if (on && !alt->row && !grid_buf_alloc(g, alt, g->rows, g->cols, g->stride))
        return 0; /* VTermState then stays on the primary screen */
    g->skip_erase = on && keep && g->cur == 0; /* the erase VTermState sends next */
    if (on && g->cur == 0) {
        vterm_state_get_cursorpos(g->state, &g->pcur);
        g->pcur_moved = false;
    }
    g->cur = on ? 1 : 0;
    g->rowp = g->buf[g->cur].row;
    g->wrap_row = -1;
    grid_touch_rows(g); /* the alternate screen's rows may never have been written */
    return 1;
}

static int cb_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    struct grid *g = user;
    switch (prop) {
    case VTERM_PROP_ALTSCREEN:
        return set_altscreen(g, val->boolean != 0);
    case VTERM_PROP_REVERSE:
        g->reverse = val->boolean != 0;
        grid_touch_rows(g); /* read_row applies it */
        break;
    case VTERM_PROP_CURSORVISIBLE:
        g->cursor_visible = val->boolean != 0;
        g->gen++;
        break;
    case VTERM_PROP_CURSORBLINK:
        g->cursor_blink = val->boolean != 0;
        g->gen++;
        break;
    case VTERM_PROP_CURSORSHAPE:
        g->cursor_shape = val->number;
        g->gen++;
        break;
    default:
        break;
    }
    return 1;
}

static int cb_bell(void *user)
{
    struct grid *g = user;
    if (g->cb.bell)
        g->cb.bell(g->user);
    return 1;
}

/*
 * A DECDWL line shows half the columns: VTermScreen erases the right half. A one-column screen
 * has no half to show: refused, as libvterm would put the cursor in column -1 of such a line.
 */
static int cb_setlineinfo(int row, const VTermLineInfo *newinfo, const VTermLineInfo *oldinfo,
                          void *user)
{
    struct grid *g = user;
    if (newinfo->doublewidth && g->cols < 2)
        return 0;
    bool changed = newinfo->doublewidth != oldinfo->doublewidth ||
                   newinfo->doubleheight != oldinfo->doubleheight;
    if (changed && newinfo->doublewidth) {
        VTermRect rect = {row, row + 1, g->cols / 2, g->cols};
        erase_rect(g, rect, false);
    }
    if (changed && row >= 0 && row < g->rows)
        row_touch(g, row_at(g, row));
    return 1;
}

static const VTermStateCallbacks state_callbacks = {
    .putglyph = cb_putglyph,
    .movecursor = cb_movecursor,
    .scrollrect = cb_scrollrect,
    .moverect = NULL, /* only used when scrollrect declines, which it never does */
    .erase = cb_erase,
    .initpen = cb_initpen,
    .setpenattr = cb_setpenattr,
    .settermprop = cb_settermprop,
    .bell = cb_bell,
    .resize = grid_cb_resize,
    .setlineinfo = cb_setlineinfo,
};

/* ---- Public API -------------------------------------------------------- */

const VTermStateCallbacks *grid_state_callbacks(void)
{
    return &state_callbacks;
}

struct grid *grid_create(VTermState *state, int rows, int cols, const struct term_callbacks *cb,
                         void *user)
{
    if (rows < 1 || cols < 1)
        return NULL;
    struct grid *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->state = state;
    if (cb)
        g->cb = *cb;
    g->user = user;
    g->rows = rows;
    g->cols = cols;
    g->stride = grid_row_stride(cols);
    g->cursor_visible = true;
    g->cursor_shape = VTERM_PROP_CURSORSHAPE_BLOCK;
    g->wrap_row = -1;
    g->autowrap = true;
    sb_row_init(&g->pop);
    g->sbuf = malloc((size_t)cols * sizeof *g->sbuf);
    g->tmpl = malloc((size_t)cols * sizeof *g->tmpl);
    if (!g->sbuf || !g->tmpl || !grid_buf_alloc(g, &g->buf[0], rows, cols, g->stride)) {
        grid_destroy(g);
        return NULL;
    }
    g->rowp = g->buf[0].row;
    grid_touch_rows(g);
    return g;
}

void grid_destroy(struct grid *g)
{
    if (!g)
        return;
    grid_buf_free(&g->buf[0]);
    grid_buf_free(&g->buf[1]);
    free(g->sbuf);
    free(g->srow.links);
    grid_links_free(&g->links);
    free(g->tmpl);
    sb_row_fini(&g->pop);
    free(g);
}

bool grid_join_marks(struct grid *g, const uint32_t *marks, int n)
{
    VTermPos pos;
    vterm_state_get_cursorpos(g->state, &pos);
    if (g->wrap_row < 0 || pos.row != g->wrap_row || pos.col != g->wrap_col ||
        (unsigned)pos.row >= (unsigned)g->rows || (unsigned)pos.col >= (unsigned)g->cols)
        return false; /* the cursor went on past the glyph: libvterm joins the marks itself */
    struct gbuf *b = &g->buf[g->cur];
    struct gcell *c = &row_at(g, pos.row)->cells[pos.col];
    uint32_t ch = c->ch & CH_VALUE, chars[SB_MAX_CHARS + 1] = {0};
    if (!ch || ch == CH_CONT)
        return false;
    int k = 1;
    if ((ch & CH_COMB) && (ch & ~CH_COMB) < b->ncomb) {
        memcpy(chars, b->comb[ch & ~CH_COMB], sizeof b->comb[0]);
        while (k < SB_MAX_CHARS && chars[k])
            k++;
    } else {
        chars[0] = ch;
    }
    for (int i = 0; i < n && k < SB_MAX_CHARS; i++) /* VTermScreen keeps six, as the store */
        chars[k++] = sanitize(marks[i]);
    c->ch = (c->ch & CH_PROT) | grid_glyph_ch(g, b, chars);
    row_touch(g, row_at(g, pos.row));
    return true;
}

void grid_cursor_moved(struct grid *g)
{
    g->wrap_row = -1;
}

void grid_set_autowrap(struct grid *g, bool on)
{
    g->autowrap = on;
}

bool grid_primary_cursor_moved(struct grid *g, int *row, int *col)
{
    if (!g->pcur_moved || g->cur != 0)
        return false;
    g->pcur_moved = false;
    *row = g->pcur.row;
    *col = g->pcur.col;
    return true;
}

void grid_size(const struct grid *g, int *rows, int *cols)
{
    if (rows)
        *rows = g->rows;
    if (cols)
        *cols = g->cols;
}

int grid_read_row(const struct grid *g, int row, struct sb_row *out)
{
    if (row < 0 || row >= g->rows)
        return SB_ERR_RANGE;
    int err = sb_row_reserve(out, (uint32_t)g->cols);
    if (err)
        return err;
    const struct grow *gr = row_at(g, row);
    export_row(g, &g->buf[g->cur], gr, out);
    out->ncols = (uint32_t)g->cols;
    export_flags(g, gr, out);
    return 0;
}

void grid_cursor_props(const struct grid *g, bool *visible, bool *blink, int *shape)
{
    *visible = g->cursor_visible;
    *blink = g->cursor_blink;
    *shape = g->cursor_shape;
}

void grid_keep_alternate(struct grid *g)
{
    g->keep_alternate = true;
}

bool grid_altscreen(const struct grid *g)
{
    return g->cur == 1;
}

bool grid_reverse(const struct grid *g)
{
    return g->reverse;
}

uint64_t grid_generation(const struct grid *g)
{
    return g->gen;
}

void grid_touch(struct grid *g)
{
    g->gen++;
}

uint64_t grid_row_stamp(const struct grid *g, int row)
{
    return row >= 0 && row < g->rows ? row_at(g, row)->stamp : 0;
}

void grid_touch_rows(struct grid *g)
{
    for (int s = 0; s < 2; s++)
        for (int r = 0; g->buf[s].row && r < g->rows; r++)
            row_touch(g, g->buf[s].row[r]);
}

/* The byte xterm sums for one cell: the character's low byte plus attribute weights. */
static int checksum_cell(const struct gbuf *b, const struct gcell *c)
{
    uint32_t ch = c->ch & CH_VALUE;
    int v;
    if (ch == CH_CONT)
        v = 0xff; /* xterm stores HIDDEN_CHAR (0xffff) right of a wide glyph */
    else if (ch == 0 || (c->attrs & SB_ATTR_CONCEAL))
        v = ' '; /* xterm sums an invisible glyph as a blank */
    else if ((ch & CH_COMB) && (ch & ~CH_COMB) < b->ncomb)
        v = (int)(b->comb[ch & ~CH_COMB][0] & 0xff);
    else
        v = (int)(ch & 0xff);
    uint32_t a = c->attrs;
    if (a & SB_ATTR_UNDERLINE_MASK)
        v += 0x10;
    if (a & SB_ATTR_REVERSE)
        v += 0x20;
    if (a & SB_ATTR_BLINK)
        v += 0x40;
    if (a & SB_ATTR_BOLD)
        v += 0x80;
    return v;
}

int grid_checksum(const struct grid *g, int top, int left, int bottom, int right)
{
    const struct gbuf *b = &g->buf[g->cur];
    int sum = 0;
    bool first = true;
    for (int r = top; r <= bottom && r < g->rows; r++)
        for (int col = left; col <= right && col < g->cols; col++) {
            const struct gcell *c = &row_at(g, r)->cells[col];
            /* xterm's default skips cells nothing was drawn in (spaces written count) unless
             * they are bold, underlined, blinking or reversed, except the rectangle's first */
            int v = checksum_cell(b, c);
            if (first || (c->ch & CH_VALUE) != 0 || v != ' ')
                sum += v;
            first = false;
        }
    return sum;
}

void grid_bias_next_resize(struct grid *g, int drow, int dcol)
{
    g->bias.row += drow;
    g->bias.col += dcol;
}

size_t grid_sizeof(const struct grid *g)
{
    size_t n = sizeof *g + (size_t)g->cols * sizeof *g->sbuf;
    n += (size_t)g->cols * sizeof *g->tmpl;
    n += (size_t)g->pop.cap * sizeof(struct sb_cell);
    n += grid_links_sizeof(&g->links) + g->srow.links_cap;
    for (int i = 0; i < 2; i++) {
        const struct gbuf *b = &g->buf[i];
        if (b->row)
            n += (size_t)g->rows * (sizeof *b->row + g->stride);
        n += (size_t)b->capcomb * sizeof b->comb[0];
    }
    return n;
}
