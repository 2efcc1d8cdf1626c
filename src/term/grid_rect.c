/*
 * The grid's rectangle operations (the VT420's DECCRA, DECERA, DECSERA, DECFRA, DECCARA and
 * DECRARA), which VTermState 0.1.4 does not know: rect.c parses them, these change the cells.
 * A rectangle is inclusive and already clipped to the screen.
 *
 * Cells the erases and fills write are drawn blanks (' '), not the empty cells ED and EL
 * leave: xterm counts them in DECRQCRA and prints them, and so does boundterm.
 */
#include <stdlib.h>
#include <string.h>

#include "grid_internal.h"

/* A wide glyph cut by column col's left edge on row gr loses its left half (which is blanked). */
static void split_left(struct grid *g, struct grow *gr, int col)
{
    if (col > 0 && col < g->cols && (gr->cells[col].ch & CH_VALUE) == CH_CONT)
        grid_blank_cells(g, &gr->cells[col - 1], 1);
}

/* Before cells left..right of a row are overwritten: no wide glyph keeps half of itself. */
static void unsplit(struct grid *g, struct grow *gr, int left, int right)
{
    split_left(g, gr, left);
    if (right + 1 < g->cols && (gr->cells[right + 1].ch & CH_VALUE) == CH_CONT)
        grid_blank_cells(g, &gr->cells[right + 1], 1);
}

void grid_rect_fill(struct grid *g, struct grid_rect r, uint32_t ch, bool protect)
{
    const struct gcell fill = {ch | (protect ? CH_PROT : 0), g->pen_fg, g->pen_bg,
                               g->pen_attrs & GCELL_ATTR_MASK};
    for (int row = r.top; row <= r.bottom; row++) {
        struct grow *gr = row_at(g, row);
        row_touch(g, gr);
        unsplit(g, gr, r.left, r.right);
        for (int col = r.left; col <= r.right; col++)
            gr->cells[col] = fill;
    }
    grid_touch(g);
}

void grid_rect_erase(struct grid *g, struct grid_rect r, bool selective)
{
    for (int row = r.top; row <= r.bottom; row++) {
        struct grow *gr = row_at(g, row);
        row_touch(g, gr);
        if (!selective)
            unsplit(g, gr, r.left, r.right);
        for (int col = r.left; col <= r.right; col++) {
            struct gcell *c = &gr->cells[col];
            if (selective && (c->ch & CH_PROT))
                continue;
            grid_blank_cells(g, c, 1);
            c->ch = ' ';
        }
    }
    grid_touch(g);
}

bool grid_rect_copy(struct grid *g, struct grid_rect src, int top, int left)
{
    int h = src.bottom - src.top + 1, w = src.right - src.left + 1;
    h = top + h > g->rows ? g->rows - top : h;
    w = left + w > g->cols ? g->cols - left : w;
    if (h <= 0 || w <= 0)
        return true;
    /* each row with the column after it, to see a wide glyph the source's right edge cuts */
    int wide = w + 1 <= g->cols - src.left ? w + 1 : w;
    struct gcell *tmp = malloc((size_t)h * (size_t)(w + 1) * sizeof *tmp);
    if (!tmp)
        return false; /* the copy is dropped whole, never half done */
    for (int i = 0; i < h; i++)
        memcpy(tmp + (size_t)i * (size_t)(w + 1), row_at(g, src.top + i)->cells + src.left,
               (size_t)wide * sizeof *tmp);
    for (int i = 0; i < h; i++) {
        const struct gcell *from = tmp + (size_t)i * (size_t)(w + 1);
        struct grow *gr = row_at(g, top + i);
        row_touch(g, gr);
        unsplit(g, gr, left, left + w - 1);
        memcpy(gr->cells + left, from, (size_t)w * sizeof *tmp);
        /* halves of wide glyphs the source's edges cut become blanks */
        if ((from[0].ch & CH_VALUE) == CH_CONT)
            grid_blank_cells(g, &gr->cells[left], 1);
        if (wide > w && (from[w].ch & CH_VALUE) == CH_CONT)
            grid_blank_cells(g, &gr->cells[left + w - 1], 1);
    }
    free(tmp);
    grid_touch(g);
    return true;
}

/* The attribute bits one DECCARA/DECRARA parameter names (0: all four), 0 for others. */
static uint32_t attr_bits(long p)
{
    switch (p) {
    case 0: return SB_ATTR_BOLD | SB_ATTR_UNDERLINE_MASK | SB_ATTR_BLINK | SB_ATTR_REVERSE;
    case 1: case 22: return SB_ATTR_BOLD;
    case 4: case 24: return SB_ATTR_UNDERLINE_MASK;
    case 5: case 25: return SB_ATTR_BLINK;
    case 7: case 27: return SB_ATTR_REVERSE;
    default: return 0;
    }
}

/* A cell's attributes after one parameter: set (1 4 5 7), cleared (0, 22 24 25 27) or toggled. */
static uint32_t apply_attr(uint32_t attrs, long p, bool toggle)
{
    if (p == 0 && toggle) { /* DECRARA 0: each of them */
        static const long each[] = {1, 4, 5, 7};
        for (size_t i = 0; i < sizeof each / sizeof *each; i++)
            attrs = apply_attr(attrs, each[i], true);
        return attrs;
    }
    uint32_t bits = attr_bits(p);
    uint32_t one = bits == SB_ATTR_UNDERLINE_MASK ? SB_UNDERLINE_SINGLE << SB_ATTR_UNDERLINE_SHIFT
                                                  : bits;
    if (toggle)
        return p > 7 ? attrs : attrs & bits ? attrs & ~bits : attrs | one;
    return p == 0 || p >= 22 ? attrs & ~bits : (attrs & ~bits) | one;
}

void grid_rect_attrs(struct grid *g, struct grid_rect r, bool stream, const long *params, int n,
                     bool toggle)
{
    for (int row = r.top; row <= r.bottom; row++) {
        int from = r.left, to = r.right;
        if (stream) { /* from (top, left) to (bottom, right) as text runs */
            from = row == r.top ? r.left : 0;
            to = row == r.bottom ? r.right : g->cols - 1;
        }
        struct grow *gr = row_at(g, row);
        row_touch(g, gr);
        for (int col = from; col <= to; col++)
            for (int i = 0; i < n; i++)
                gr->cells[col].attrs = apply_attr(gr->cells[col].attrs, params[i], toggle);
    }
    grid_touch(g);
}
