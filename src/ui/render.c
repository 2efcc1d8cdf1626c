/*
 * The frame (render.h): the scene turned into quads, each a glyph from the atlas or a solid
 * rectangle, sent one of two ways.
 *
 * Without an SDL renderer (the window's usual case) the quads go to frame.c, which
 * rasterises them itself as axis-aligned copies from the atlas in memory, and only in the
 * bands of the window that changed since the last frame. SDL's software renderer turns each
 * quad into its own blit with colour modulation (about 10 ms for a full 80x24 screen) and
 * presents the whole window every frame.
 *
 * With an SDL renderer (a GPU one, chosen with SDL_RENDER_DRIVER, or BOUNDTERM_GEOMETRY=1)
 * quads are queued as 4 vertices + 6 indices into arrays of QUADS_MAX quads and sent in one
 * SDL_RenderGeometry per batch; a batch is sent early only when it is full or the atlas has
 * no unpinned slot left.
 *
 * Either way, backgrounds of neighbouring cells with the same colour become one quad, and
 * cells without ink (empty, space) queue no glyph, so a mostly blank screen costs little.
 */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atlas.h"
#include "frame.h"

#define QUADS_MAX 8192
#define MATCH_BG 0xd7af5fu         /* search matches */
#define MATCH_CURRENT_BG 0xff8700u /* the match Enter went to */
#define MATCH_FG 0x000000u

/* What the last frame drew a grid row from. */
struct row_memo {
    uint64_t sig;  /* row_sig (0: drawn without one) */
    bool blinks;   /* it held blinking text */
    bool cells_ok; /* its cells' signatures (csig) are the ones drawn */
};

struct render {
    SDL_Renderer *r;
    struct font *font;
    struct atlas *atlas;
    const struct font_metrics *m;
    SDL_Vertex *vert;
    int *index;
    int nquads;
    float white_u, white_v;
    int tex_w, tex_h;
    bool failed;
    bool warm_due;       /* the atlas is new: render_warm() fills it */
    struct frame *frame; /* no SDL renderer: the quads go here (see the top of the file) */
    struct term_colors colors; /* what the program set (OSC 4, 10-19), 0xRRGGBB */
    uint32_t fg, bg, cursor;   /* colors' default foreground, background, cursor */
    uint64_t look;             /* bumped when colours or the font change how cells draw */
    struct row_memo *memo;     /* per grid row: what the last frame drew it from */
    uint64_t *csig;            /* per grid cell (row-major, memo_cols a row): cell_sig */
    int memo_rows, memo_cols;
    uint64_t rows_drawn;       /* grid rows drawn (not kept from the last frame), for tests */
    uint64_t rows_part;        /* ... of them only around the cells that changed */
};

uint32_t render_color(const struct render *rd, sb_color c, bool fg)
{
    switch (SB_COLOR_KIND(c)) {
    case SB_COLOR_KIND_PALETTE:
        return rd->colors.rgb[c & 0xff];
    case SB_COLOR_KIND_RGB:
        return c & 0xffffff;
    default:
        return fg ? rd->fg : rd->bg;
    }
}

void render_set_colors(struct render *rd, const struct term_colors *c)
{
    if (memcmp(&rd->colors, c, sizeof *c) != 0)
        rd->look++;
    rd->colors = *c;
    rd->fg = c->rgb[TERM_COLOR_FG];
    rd->bg = c->rgb[TERM_COLOR_BG];
    rd->cursor = c->rgb[TERM_COLOR_CURSOR];
}

struct render *render_create(SDL_Renderer *r, struct font *font)
{
    struct render *rd = calloc(1, sizeof *rd);
    if (!rd)
        goto fail;
    rd->r = r;
    rd->font = font;
    struct term_colors dflt;
    term_colors_default(&dflt);
    render_set_colors(rd, &dflt);
    if (!r) {
        if (!(rd->frame = frame_create()))
            goto fail;
    } else {
        rd->vert = malloc(QUADS_MAX * 4 * sizeof *rd->vert);
        rd->index = malloc(QUADS_MAX * 6 * sizeof *rd->index);
        if (!rd->vert || !rd->index)
            goto fail;
        for (int q = 0; q < QUADS_MAX; q++) {
            static const int corner[6] = {0, 1, 2, 2, 1, 3};
            for (int k = 0; k < 6; k++)
                rd->index[q * 6 + k] = q * 4 + corner[k];
        }
    }
    if (!render_font_changed(rd))
        goto fail_quiet;
    return rd;
fail:
    fprintf(stderr, "boundterm: render: out of memory\n");
fail_quiet:
    render_destroy(rd);
    return NULL;
}

void render_destroy(struct render *rd)
{
    if (!rd)
        return;
    atlas_destroy(rd->atlas);
    frame_destroy(rd->frame);
    free(rd->memo);
    free(rd->csig);
    free(rd->vert);
    free(rd->index);
    free(rd);
}

bool render_font_changed(struct render *rd)
{
    struct atlas *a = atlas_create(rd->r, rd->font);
    if (!a)
        return false;
    atlas_destroy(rd->atlas);
    rd->atlas = a;
    rd->m = font_metrics(rd->font);
    atlas_white(a, &rd->white_u, &rd->white_v);
    rd->tex_w = rd->tex_h = atlas_size(a);
    if (rd->frame)
        frame_invalidate(rd->frame); /* the same glyph keys draw differently now */
    rd->look++;
    rd->warm_due = true;
    return true;
}

void render_warm(struct render *rd)
{
    if (!rd->warm_due)
        return;
    rd->warm_due = false;
    atlas_begin_frame(rd->atlas);
    static const uint8_t styles[] = {0, SB_ATTR_BOLD};
    for (size_t s = 0; s < sizeof styles; s++)
        for (uint32_t ch = '!'; ch <= '~'; ch++) {
            struct glyph_key key = {.chars = {ch}, .style = styles[s]};
            SDL_Rect src;
            bool colour;
            if (atlas_get(rd->atlas, &key, glyph_key_hash(&key), &src, &colour) != ATLAS_OK)
                return; /* a small atlas, or a refused upload: the glyphs come when drawn */
        }
}

int render_copy_to(struct render *rd, SDL_Surface *dst, bool all, const SDL_Rect **rects)
{
    *rects = NULL;
    return rd->frame ? frame_copy_to(rd->frame, dst, all, rects) : 0;
}

/* Sends the queued quads. */
static void flush(struct render *rd)
{
    if (rd->frame) {
        frame_flush(rd->frame);
        return;
    }
    if (rd->nquads == 0)
        return;
    if (SDL_RenderGeometry(rd->r, atlas_texture(rd->atlas), rd->vert, rd->nquads * 4,
                           rd->index, rd->nquads * 6) != 0 && !rd->failed) {
        fprintf(stderr, "boundterm: render: %s\n", SDL_GetError());
        rd->failed = true;
    }
    rd->nquads = 0;
}

/* Queues one textured quad at pixel rect (x, y, w, h) from texture rect src (or white). */
static void quad(struct render *rd, int x, int y, int w, int h, const SDL_Rect *src, uint32_t argb,
                 uint64_t ident)
{
    if (rd->frame) {
        frame_quad(rd->frame, x, y, w, h, src ? src->x : -1, src ? src->y : 0, argb, ident);
        return;
    }
    if (rd->nquads == QUADS_MAX)
        flush(rd);
    SDL_Vertex *v = &rd->vert[rd->nquads++ * 4];
    SDL_Color col = {(Uint8)(argb >> 16), (Uint8)(argb >> 8), (Uint8)argb, (Uint8)(argb >> 24)};
    float u0 = rd->white_u, v0 = rd->white_v, u1 = u0, v1 = v0;
    if (src) {
        u0 = (float)src->x / rd->tex_w;
        v0 = (float)src->y / rd->tex_h;
        u1 = (float)(src->x + src->w) / rd->tex_w;
        v1 = (float)(src->y + src->h) / rd->tex_h;
    }
    float fx = (float)x, fy = (float)y, fw = (float)w, fh = (float)h;
    v[0] = (SDL_Vertex){{fx, fy}, col, {u0, v0}};
    v[1] = (SDL_Vertex){{fx + fw, fy}, col, {u1, v0}};
    v[2] = (SDL_Vertex){{fx, fy + fh}, col, {u0, v1}};
    v[3] = (SDL_Vertex){{fx + fw, fy + fh}, col, {u1, v1}};
}

void render_rect(struct render *rd, int x, int y, int w, int h, uint32_t argb)
{
    if (w > 0 && h > 0)
        quad(rd, x, y, w, h, NULL, argb, 0);
}

void render_begin(struct render *rd, int w, int h)
{
    atlas_begin_frame(rd->atlas);
    rd->nquads = 0;
    if (rd->frame) {
        int apitch;
        const uint32_t *atlas = atlas_pixels(rd->atlas, &apitch);
        if (!frame_begin(rd->frame, w, h, rd->m->cell_h, rd->bg, atlas, apitch) && !rd->failed) {
            fprintf(stderr, "boundterm: render: no frame of %dx%d pixels\n", w, h);
            rd->failed = true;
        }
        return;
    }
    SDL_SetRenderDrawColor(rd->r, rd->bg >> 16, rd->bg >> 8 & 0xff, rd->bg & 0xff, 255);
    SDL_RenderClear(rd->r);
}

bool render_end(struct render *rd)
{
    if (rd->frame)
        frame_end(rd->frame);
    else
        flush(rd);
    bool ok = !rd->failed;
    rd->failed = false;
    return ok;
}

/* Queues the glyph of key at pixel (x, y) in colour rgb. */
static void glyph(struct render *rd, const struct glyph_key *key, int x, int y, uint32_t rgb)
{
    SDL_Rect src;
    bool colour;
    uint64_t hash = glyph_key_hash(key); /* the atlas's lookup and frame.c's identity */
    enum atlas_result res = atlas_get(rd->atlas, key, hash, &src, &colour);
    if (res == ATLAS_FULL) { /* every slot is in this batch: send it and start over */
        flush(rd);
        atlas_begin_frame(rd->atlas);
        res = atlas_get(rd->atlas, key, hash, &src, &colour);
    }
    if (res == ATLAS_OK)
        quad(rd, x, y, src.w, src.h, &src, 0xff000000u | (colour ? 0xffffffu : rgb), hash);
}

/* Decodes one UTF-8 codepoint at *s (advancing it); U+FFFD for bad bytes. */
static uint32_t utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    uint32_t c = p[0];
    int n = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
    if (n < 0) {
        (*s)++;
        return 0xfffd;
    }
    c &= n ? 0x3fu >> n : 0x7fu;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *s += i;
            return 0xfffd;
        }
        c = c << 6 | (p[i] & 0x3f);
    }
    *s += n + 1;
    return c;
}

int render_text(struct render *rd, int x, int y, const char *utf8, uint32_t rgb)
{
    int x0 = x;
    while (*utf8) {
        struct glyph_key key = {.chars = {utf8_next(&utf8)}};
        if (key.chars[0] != ' ')
            glyph(rd, &key, x, y, rgb);
        x += rd->m->cell_w;
    }
    return x - x0;
}

/* Dim (faint) text: halfway from the background to its colour, as readable on dark and light. */
static uint32_t dimmed(uint32_t fg, uint32_t bg)
{
    uint32_t out = 0;
    for (int shift = 0; shift < 24; shift += 8) {
        uint32_t f = fg >> shift & 0xff, b = bg >> shift & 0xff;
        out |= ((f + b) / 2) << shift;
    }
    return out;
}

/*
 * The colours a cell is drawn in, after bold brightening, reverse, dim, conceal, blink and
 * selection (which shows at full strength).
 */
struct ink {
    uint32_t fg, bg;
    bool text; /* draw the glyph */
};

static struct ink cell_ink(const struct render *rd, const struct sb_cell *cell, int selected,
                           bool blink_on)
{
    sb_color fgc = cell->fg;
    if ((cell->attrs & SB_ATTR_BOLD) && SB_COLOR_KIND(fgc) == SB_COLOR_KIND_PALETTE &&
        (fgc & 0xff) < 8)
        fgc += 8; /* bold as bright, as xterm's boldColors */
    struct ink k = {render_color(rd, fgc, true), render_color(rd, cell->bg, false), true};
    if (cell->attrs & SB_ATTR_REVERSE) {
        uint32_t t = k.fg;
        k.fg = k.bg;
        k.bg = t;
    }
    if (cell->attrs & SB_ATTR_DIM)
        k.fg = dimmed(k.fg, k.bg);
    if ((cell->attrs & SB_ATTR_CONCEAL) || ((cell->attrs & SB_ATTR_BLINK) && !blink_on))
        k.text = false;
    if (selected == 1) {
        k.fg = rd->colors.rgb[TERM_COLOR_SELECT_FG];
        k.bg = rd->colors.rgb[TERM_COLOR_SELECT_BG];
    } else if (selected > 1) { /* a search match: dark text on amber, the current on orange */
        k.fg = MATCH_FG;
        k.bg = selected == 3 ? MATCH_CURRENT_BG : MATCH_BG;
    }
    return k;
}

/* The background a cell is drawn on: cell_ink()'s, without working out the rest. */
static uint32_t cell_bg(const struct render *rd, const struct sb_cell *cell, int selected)
{
    if (selected || (cell->attrs & SB_ATTR_REVERSE))
        return cell_ink(rd, cell, selected, true).bg;
    return render_color(rd, cell->bg, false);
}

/* True when a cell draws more than its background: a glyph or a line. */
static bool inked(const struct sb_cell *cell)
{
    return (cell->chars[0] && (cell->chars[0] != ' ' || cell->chars[1])) ||
           (cell->attrs & (SB_ATTR_UNDERLINE_MASK | SB_ATTR_STRIKE | SB_ATTR_OVERLINE));
}

/* Queues a curly underline: a two-pixel zigzag along the underline position. */
static void curly(struct render *rd, int x, int y, int w, int t, uint32_t argb)
{
    int step = t + 1 > 2 ? t + 1 : 2;
    for (int i = 0; i < w; i += step)
        render_rect(rd, x + i, y + ((i / step) % 2 ? t : 0) - t / 2, step, t, argb);
}

/* Queues underline, strike and overline of a cell span of width w at pixel (x, y); a cell of
 * the link under the pointer is underlined. */
static void decorations(struct render *rd, const struct sb_cell *cell, int x, int y, int w,
                        uint32_t fg, bool link)
{
    const struct font_metrics *m = rd->m;
    uint32_t argb = 0xff000000u | fg;
    int kind = (cell->attrs & SB_ATTR_UNDERLINE_MASK) >> SB_ATTR_UNDERLINE_SHIFT;
    if (link && kind == SB_UNDERLINE_NONE)
        kind = SB_UNDERLINE_SINGLE;
    if (kind == SB_UNDERLINE_SINGLE)
        render_rect(rd, x, y + m->underline, w, m->thickness, argb);
    else if (kind == SB_UNDERLINE_DOUBLE) {
        int up = m->underline - 2 * m->thickness;
        render_rect(rd, x, y + (up > m->ascent ? up : m->underline), w, m->thickness, argb);
        render_rect(rd, x, y + m->cell_h - m->thickness, w, m->thickness, argb);
    } else if (kind == SB_UNDERLINE_CURLY)
        curly(rd, x, y + m->underline, w, m->thickness, argb);
    if (cell->attrs & SB_ATTR_STRIKE)
        render_rect(rd, x, y + m->ascent * 2 / 3, w, m->thickness, argb);
    if (cell->attrs & SB_ATTR_OVERLINE)
        render_rect(rd, x, y, w, m->thickness, argb);
}

/* Queues a cell's glyph (both halves of a wide one). */
static void cell_glyph(struct render *rd, const struct sb_cell *cell, int x, int y, uint32_t fg)
{
    if (!cell->chars[0] || (cell->chars[0] == ' ' && !cell->chars[1]))
        return;
    struct glyph_key key = {.style = (uint8_t)(cell->attrs & (SB_ATTR_BOLD | SB_ATTR_ITALIC)),
                            .wide = cell->width == 2};
    memcpy(key.chars, cell->chars, sizeof key.chars);
    glyph(rd, &key, x, y, fg);
    if (key.wide) {
        key.half = 1;
        glyph(rd, &key, x + rd->m->cell_w, y, fg);
    }
}

/* The search marks of row r: marks[*lo, *hi). */
static void row_marks(const struct render_scene *s, int r, int *lo, int *hi)
{
    int i = 0;
    while (i < s->nmarks && s->marks[i].row < r)
        i++;
    *lo = *hi = i;
    while (*hi < s->nmarks && s->marks[*hi].row == r)
        (*hi)++;
}

/* How (r, c) is marked: 1 selected, 2 a search match, 3 the current match, 0 not at all. */
static int selected(const struct render_scene *s, int r, int c, int lo, int hi)
{
    if (s->sel_from && c >= s->sel_from[r] && c < s->sel_to[r])
        return 1;
    int mark = 0;
    for (int i = lo; i < hi; i++)
        if (c >= s->marks[i].from && c < s->marks[i].to)
            mark = s->marks[i].current ? 3 : mark ? mark : 2;
    return mark;
}

/* True when (r, c) is a cell of the link under the pointer. */
static bool hovered(const struct render_scene *s, int r, int c, const struct sb_cell *cell)
{
    return s->link_from && ((c >= s->link_from[r] && c < s->link_to[r]) ||
                            (s->link_num[r] && cell->link == s->link_num[r]));
}

/* True when the block cursor covers (r, c) and inverts it. */
static bool block_cursor_at(const struct render_scene *s, int r, int c)
{
    const struct render_cursor *cur = &s->cursor;
    return cur->visible && !cur->hollow && cur->shape == 1 && cur->row == r &&
           (cur->col == c || (cur->col == c - 1 && c > 0 && s->lines[r] &&
                              (uint32_t)c < s->lines[r]->ncols &&
                              s->lines[r]->cells[c].width == 0));
}

/* Cell c of row (NULL: an empty row), a blank one past its end. */
static const struct sb_cell *cell_at(const struct sb_row *row, int c)
{
    static const struct sb_cell blank = {.width = 1};
    return row && (uint32_t)c < row->ncols ? &row->cells[c] : &blank;
}

/* True when a cell of row r at column c draws blinking text (a phase of the blink shows). */
static bool blinks_at(const struct render_scene *s, int r, int c, const struct sb_cell *cell)
{
    return cell->width != 0 && (cell->attrs & SB_ATTR_BLINK) &&
           (inked(cell) || hovered(s, r, c, cell));
}

/*
 * Queues the cells [c0, c1) of row r: background runs first, then glyphs and lines. True when
 * one of them blinks.
 */
static bool draw_cells(struct render *rd, const struct render_scene *s, int r, int c0, int c1)
{
    const struct sb_row *row = s->lines[r];
    int cw = rd->m->cell_w, y = r * rd->m->cell_h, run_x = c0 * cw;
    uint32_t run_bg = rd->bg;
    bool blink = false;
    int lo, hi;
    row_marks(s, r, &lo, &hi);
    for (int c = c0; c <= c1; c++) {
        uint32_t bg = rd->bg;
        if (c < c1) {
            const struct sb_cell *cell = cell_at(row, c);
            bg = cell_bg(rd, cell, selected(s, r, c, lo, hi));
            if (block_cursor_at(s, r, c))
                bg = rd->cursor;
        }
        if (c == c1 || bg != run_bg) {
            if (run_bg != rd->bg)
                render_rect(rd, run_x, y, c * cw - run_x, rd->m->cell_h, 0xff000000u | run_bg);
            run_x = c * cw;
            run_bg = bg;
        }
    }
    for (int c = c0; row && c < c1 && (uint32_t)c < row->ncols; c++) {
        const struct sb_cell *cell = &row->cells[c];
        if (cell->width == 0 || (!inked(cell) && !hovered(s, r, c, cell)))
            continue; /* most cells of most screens: their background is all */
        struct ink k = cell_ink(rd, cell, selected(s, r, c, lo, hi), s->blink_on);
        blink |= blinks_at(s, r, c, cell);
        if (block_cursor_at(s, r, c))
            k.fg = k.bg == rd->cursor ? rd->bg : k.bg; /* the cell's colours, inverted */
        if (k.text)
            cell_glyph(rd, cell, c * cw, y, k.fg);
        decorations(rd, cell, c * cw, y, cw * (cell->width ? cell->width : 1), k.fg,
                    hovered(s, r, c, cell));
    }
    return blink;
}

/* Queues the cursor shapes the row loop does not draw: hollow, underline, bar. */
static void draw_cursor(struct render *rd, const struct render_scene *s)
{
    const struct render_cursor *cur = &s->cursor;
    const struct font_metrics *m = rd->m;
    if (!cur->visible || cur->row < 0 || cur->row >= s->rows || cur->col < 0 ||
        cur->col >= s->cols)
        return;
    int x = cur->col * m->cell_w, y = cur->row * m->cell_h, w = m->cell_w, t = m->thickness;
    const struct sb_row *row = s->lines[cur->row];
    if (row && (uint32_t)cur->col < row->ncols && row->cells[cur->col].width == 2)
        w *= 2;
    uint32_t argb = 0xff000000u | rd->cursor;
    int bar = t * 2 > 2 ? t * 2 : 2;
    if (cur->hollow) {
        render_rect(rd, x, y, w, t, argb);
        render_rect(rd, x, y + m->cell_h - t, w, t, argb);
        render_rect(rd, x, y, t, m->cell_h, argb);
        render_rect(rd, x + w - t, y, t, m->cell_h, argb);
    } else if (cur->shape == 2) {
        render_rect(rd, x, y + m->cell_h - bar, w, bar, argb);
    } else if (cur->shape == 3) {
        render_rect(rd, x, y, bar, m->cell_h, argb);
    }
}

/* Queues the position indicator: a thumb on the right edge, and the offset as text. */
static void draw_indicator(struct render *rd, const struct render_scene *s)
{
    const struct font_metrics *m = rd->m;
    int h = s->rows * m->cell_h, x = s->cols * m->cell_w - 6;
    double all = (double)s->total + s->rows;
    int thumb = (int)(h * (s->rows / all)), top = (int)(h * (s->above / all));
    thumb = thumb < 8 ? 8 : thumb;
    render_rect(rd, x, 0, 6, h, 0x60000000u);
    render_rect(rd, x + 1, top > h - thumb ? h - thumb : top, 4, thumb, 0xc0a0a0a0u);
    for (int i = 0; i < s->nticks; i++) /* failed commands: a red tick each */
        render_rect(rd, x, (int)(s->ticks[i] * (h - 2)), 6, 2, 0xffff5f5fu);
    char label[64];
    snprintf(label, sizeof label, " %llu/%llu ", (unsigned long long)(s->above + 1),
             (unsigned long long)s->total);
    int w = (int)strlen(label) * m->cell_w, lx = x - w - 2;
    render_rect(rd, lx, 0, w, m->cell_h, 0xd0303030u);
    render_text(rd, lx, 0, label, 0xffd75f);
}

/* The cursor's column and look, folded into the signature of what it lies on. */
static uint64_t cursor_key(const struct render_cursor *c)
{
    return (uint64_t)(uint32_t)c->col << 32 | (uint64_t)c->shape << 8 |
           (uint64_t)c->visible << 1 | c->hollow;
}

/*
 * Everything row r is drawn from, folded: its content (the stamp), the width, the colours
 * and font, its selected, linked and matched cells, the cursor on it, the blink phase when it
 * blinks. 0 when the row has no stamp (always drawn).
 */
static uint64_t row_sig(const struct render *rd, const struct render_scene *s, int r)
{
    if (!s->stamps[r] || !s->lines[r])
        return 0;
    uint64_t h = frame_fold(0x243f6a8885a308d3ull, s->stamps[r]);
    h = frame_fold(frame_fold(h, (uint64_t)s->cols), rd->look);
    if (s->sel_from)
        h = frame_fold(h, (uint64_t)(uint32_t)s->sel_from[r] << 32 | (uint32_t)s->sel_to[r]);
    if (s->link_from) {
        h = frame_fold(h, (uint64_t)(uint32_t)s->link_from[r] << 32 | (uint32_t)s->link_to[r]);
        h = frame_fold(h, s->link_num[r]);
    }
    int lo, hi;
    row_marks(s, r, &lo, &hi);
    for (int i = lo; i < hi; i++)
        h = frame_fold(h, (uint64_t)(uint32_t)s->marks[i].from << 32 |
                              (uint32_t)s->marks[i].to << 1 | s->marks[i].current);
    if (s->cursor.row == r)
        h = frame_fold(h, cursor_key(&s->cursor));
    if (rd->memo[r].blinks)
        h = frame_fold(h, s->blink_on);
    return h | 1; /* never 0 */
}

/*
 * Makes room for what a rows x cols grid is drawn from (a new size: nothing remembered);
 * false (nothing kept this frame) when out of memory.
 */
static bool memo_fit(struct render *rd, int rows, int cols)
{
    if (rows == rd->memo_rows && cols == rd->memo_cols)
        return true;
    free(rd->memo);
    free(rd->csig);
    rd->memo = calloc((size_t)rows, sizeof *rd->memo);
    rd->csig = calloc((size_t)rows * (size_t)cols, sizeof *rd->csig);
    bool ok = rd->memo && rd->csig;
    rd->memo_rows = ok ? rows : 0;
    rd->memo_cols = ok ? cols : 0;
    return ok;
}

/*
 * Everything cell (r, c) is drawn from, folded (never 0): its content, the colours and font,
 * whether it is selected, matched or under the pointer's link, the cursor on it or on the
 * cell before (a wide cursor), and the blink phase when it blinks.
 */
static uint64_t cell_sig(const struct render *rd, const struct render_scene *s, int r, int c,
                         int lo, int hi)
{
    const struct sb_cell *cell = cell_at(s->lines[r], c);
    uint64_t h = rd->look;
    for (int i = 0; i < SB_MAX_CHARS; i += 2)
        h = frame_fold(h, (uint64_t)cell->chars[i] << 32 |
                              (i + 1 < SB_MAX_CHARS ? cell->chars[i + 1] : 0));
    h = frame_fold(h, (uint64_t)cell->fg << 32 | cell->bg);
    h = frame_fold(h, (uint64_t)cell->attrs << 32 | (uint64_t)cell->link << 16 | cell->width);
    h = frame_fold(h, (uint64_t)selected(s, r, c, lo, hi) << 8 |
                          (uint64_t)hovered(s, r, c, cell) << 1 | block_cursor_at(s, r, c));
    const struct render_cursor *cur = &s->cursor;
    if (cur->row == r && (cur->col == c || cur->col == c - 1))
        h = frame_fold(h, cursor_key(cur));
    if (cell->attrs & SB_ATTR_BLINK)
        h = frame_fold(h, s->blink_on);
    return h | 1;
}

/*
 * Row r's cells' signatures, stored: the cells [*c0, *c1) whose signature changed since the
 * last frame that stored them (*c0 >= *c1: none), and whether the row blinks. False when
 * there was nothing to compare with.
 */
static bool changed_cells(struct render *rd, const struct render_scene *s, int r, int *c0,
                          int *c1, bool *blink)
{
    uint64_t *sig = rd->csig + (size_t)r * (size_t)rd->memo_cols;
    const struct sb_row *row = s->lines[r];
    int lo, hi;
    row_marks(s, r, &lo, &hi);
    *c0 = s->cols;
    *c1 = 0;
    *blink = false;
    for (int c = 0; c < s->cols; c++) {
        uint64_t v = cell_sig(rd, s, r, c, lo, hi);
        if (v != sig[c]) {
            *c0 = c < *c0 ? c : *c0;
            *c1 = c + 1;
            sig[c] = v;
        }
        *blink |= blinks_at(s, r, c, cell_at(row, c));
    }
    bool had = rd->memo[r].cells_ok;
    rd->memo[r].cells_ok = true;
    return had;
}

/*
 * Keeps what of row r's band lies away from its changed cells [*c0, *c1) and a cell more on
 * each side (a curly underline reaches a few pixels into the next cell), and gives in *c0,
 * *c1 the cells to draw: every cell over the tiles not kept, and the one before (its
 * underline). No cell changed: the band is kept whole. False: the row is to be drawn whole.
 */
static bool keep_part(struct render *rd, const struct render_scene *s, int r, int *c0, int *c1)
{
    if (*c0 >= *c1)
        return frame_keep_band(rd->frame, r);
    int cw = rd->m->cell_w, dx0, dx1;
    if (!frame_keep_tiles(rd->frame, r, (*c0 - 1) * cw, (*c1 + 1) * cw, &dx0, &dx1))
        return false;
    int a = dx0 / cw - 1, z = (dx1 + cw - 1) / cw;
    a = a < 0 ? 0 : a;
    const struct sb_row *row = s->lines[r];
    while (a > 0 && row && (uint32_t)a < row->ncols && row->cells[a].width == 0)
        a--; /* the right half of a wide cell is drawn with its left */
    *c0 = a;
    *c1 = z < s->cols ? z : s->cols;
    return true;
}

/* Row b's quads from now on are its own, over the tiles frame_keep_tiles kept (frame.h). */
static void own_band(struct render *rd, int b)
{
    if (rd->frame)
        frame_own_band(rd->frame, b);
}

bool render_grid(struct render *rd, const struct render_scene *s)
{
    bool blink = false, cursor_kept = false;
    /* with its own frame, a row drawn from what the last frame's was is kept there, and a row
     * that changed is drawn only around its cells that did */
    bool keeping = rd->frame && s->stamps && !s->indicator && memo_fit(rd, s->rows, s->cols);
    for (int r = 0; r < s->rows; r++) {
        uint64_t sig = keeping ? row_sig(rd, s, r) : 0;
        if (sig && sig == rd->memo[r].sig && frame_keep_band(rd->frame, r)) {
            blink |= rd->memo[r].blinks;
            cursor_kept |= s->cursor.row == r;
            continue;
        }
        bool b = false;
        int c0, c1;
        if (sig && changed_cells(rd, s, r, &c0, &c1, &b) && keep_part(rd, s, r, &c0, &c1)) {
            own_band(rd, r);
            draw_cells(rd, s, r, c0, c1);
            own_band(rd, -1);
            rd->rows_part++;
        } else {
            b = draw_cells(rd, s, r, 0, s->cols);
        }
        blink |= b;
        rd->rows_drawn++;
        if (r < rd->memo_rows)
            rd->memo[r] = (struct row_memo){.sig = sig, .blinks = b,
                                            .cells_ok = sig && rd->memo[r].cells_ok};
    }
    if (!cursor_kept) { /* on a row drawn in part, over its kept tiles: as kept */
        own_band(rd, s->cursor.row);
        draw_cursor(rd, s);
        own_band(rd, -1);
    }
    if (s->indicator)
        draw_indicator(rd, s);
    if (rd->frame)
        frame_grid_done(rd->frame);
    return blink;
}

bool render_redo(const struct render *rd)
{
    return rd->frame && frame_redo(rd->frame);
}

uint64_t render_glyphs_made(const struct render *rd)
{
    return atlas_made(rd->atlas);
}

uint64_t render_rows_drawn(const struct render *rd)
{
    return rd->rows_drawn;
}

uint64_t render_rows_partial(const struct render *rd)
{
    return rd->rows_part;
}
