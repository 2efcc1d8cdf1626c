/*
 * Deterministic generators of valid rows for tests and benchmarks: a row is
 * a pure function of (seed, ncols, kind), so a test can keep a reference
 * model of millions of rows as three numbers each.
 */
#ifndef BT_ROWGEN_H
#define BT_ROWGEN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "boundterm/scrollback.h"

enum { ROWGEN_PLAIN, ROWGEN_RICH };

static inline uint64_t rowgen_next(uint64_t *s)
{
    uint64_t x = *s += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static inline sb_color rowgen_color(uint64_t *rng)
{
    uint64_t r = rowgen_next(rng);
    switch (r % 3) {
    case 0: return SB_COLOR_DEFAULT;
    case 1: return SB_COLOR_PALETTE((r >> 8) & 0xff);
    default: return SB_COLOR_RGB(r >> 8, r >> 16, r >> 24);
    }
}

/* A random codepoint that is a valid scalar value and not 0. */
static inline uint32_t rowgen_char(uint64_t *rng)
{
    uint64_t r = rowgen_next(rng);
    switch (r % 8) {
    case 0: return 0x80 + (uint32_t)(r >> 8) % 0x780;       /* 2-byte UTF-8 */
    case 1: return 0x3041 + (uint32_t)(r >> 8) % 0x50;      /* kana */
    case 2: return 0x1f300 + (uint32_t)(r >> 8) % 0x100;    /* 4-byte UTF-8 */
    default: return 0x20 + (uint32_t)(r >> 8) % 0x5f;       /* ASCII */
    }
}

/* Fills cells[0..ncols) with a valid row of the given kind, made from seed. */
static inline void rowgen_fill(uint64_t seed, uint32_t ncols, int kind, struct sb_cell *cells)
{
    uint64_t rng = seed;
    memset(cells, 0, ncols * sizeof *cells);
    uint16_t attrs = 0;
    sb_color fg = 0, bg = 0;
    for (uint32_t c = 0; c < ncols; c++) {
        struct sb_cell *x = &cells[c];
        x->width = 1;
        if (kind == ROWGEN_PLAIN) {
            uint64_t r = rowgen_next(&rng);
            x->chars[0] = (r & 7) == 0 ? ' ' : "0123456789abcdef\\ nrt"[(r >> 8) % 21];
            continue;
        }
        uint64_t r = rowgen_next(&rng);
        if (r % 7 == 0) { /* a new style run */
            attrs = (uint16_t)((r >> 8) & 0x3f);
            attrs |= (uint16_t)(((r >> 16) & 3) << SB_ATTR_UNDERLINE_SHIFT);
            attrs |= (uint16_t)(((r >> 20) % 10) << SB_ATTR_FONT_SHIFT);
            fg = rowgen_color(&rng);
            bg = rowgen_color(&rng);
        }
        x->attrs = attrs;
        x->fg = fg;
        x->bg = bg;
        if (r % 11 == 0)
            continue; /* empty cell */
        x->chars[0] = rowgen_char(&rng);
        if (r % 13 == 0) /* combining marks */
            for (int k = 1; k < 1 + (int)((r >> 32) % (SB_MAX_CHARS)); k++)
                x->chars[k] = 0x300 + (uint32_t)k;
        if (r % 5 == 0 && c + 1 < ncols) { /* wide, with its continuation */
            x->width = 2;
            struct sb_cell *y = &cells[++c];
            y->attrs = attrs;
            y->fg = fg;
            y->bg = bg;
        }
    }
}

/* True when a decoded row equals the cells it was made from, field by field. */
static inline bool rowgen_equal(const struct sb_cell *a, uint32_t ncols, uint32_t flags,
                                const struct sb_row *b)
{
    if (b->ncols != ncols || b->flags != flags)
        return false;
    for (uint32_t c = 0; c < ncols; c++) {
        const struct sb_cell *x = &a[c], *y = &b->cells[c];
        if (memcmp(x->chars, y->chars, sizeof x->chars) || x->fg != y->fg || x->bg != y->bg ||
            x->attrs != y->attrs || x->width != y->width)
            return false;
    }
    return true;
}

#endif
