/*
 * frame.c, the partial frames, against a reference: the same quads drawn on a fresh frame.
 *
 * A frame drawn after other frames (so only the bands whose quads changed are redrawn and
 * copied out) must show exactly what a fresh frame of the same quads shows, whatever
 * changed: random scenes of solid and atlas quads, overlapping, translucent, off the edges,
 * with a few quads changed between frames; every pixel as the plain arithmetic of coverage,
 * alpha and tint gives it; a new background; a flush in the middle of a
 * frame (the atlas reuses slots); more quads than frame.c keeps; a new size. The copy out
 * must convert to a surface of another pixel format, and copy only what changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "frame.h"

static int failures;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);          \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)

#define W 97
#define H 61
#define BAND 8
#define APITCH 64

static uint32_t atlas[APITCH * APITCH];

struct q {
    int x, y, w, h, sx, sy;
    uint32_t argb;
    uint64_t ident;
};

static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static struct q random_quad(void)
{
    struct q q = {(int)rnd(W + 20) - 10, (int)rnd(H + 20) - 10, 1 + (int)rnd(30),
                  1 + (int)rnd(20), -1, 0, 0, 0};
    static const uint32_t alpha[] = {0xff000000u, 0x40000000u, 0xd0000000u};
    q.argb = alpha[rnd(3)] | (rnd(0x1000000));
    if (rnd(2)) { /* a copy from the atlas: its size within it */
        q.w = q.w > 32 ? 32 : q.w;
        q.h = q.h > 32 ? 32 : q.h;
        q.sx = (int)rnd(APITCH - 32);
        q.sy = (int)rnd(APITCH - 32);
        q.ident = 1 + (uint64_t)q.sx * APITCH + (uint64_t)q.sy;
    }
    return q;
}

static void draw(struct frame *f, const struct q *qs, int n, uint32_t bg, int flush_at)
{
    CHECK(frame_begin(f, W, H, BAND, bg, atlas, APITCH));
    for (int i = 0; i < n; i++) {
        if (i == flush_at)
            frame_flush(f);
        frame_quad(f, qs[i].x, qs[i].y, qs[i].w, qs[i].h, qs[i].sx, qs[i].sy, qs[i].argb,
                   qs[i].ident);
    }
    frame_end(f);
}

/* True when f shows what a fresh frame of the same quads shows. */
static bool same_as_fresh(const struct frame *f, const struct q *qs, int n, uint32_t bg)
{
    struct frame *ref = frame_create();
    draw(ref, qs, n, bg, -1);
    int w, h, rw, rh;
    const uint32_t *a = frame_pixels(f, &w, &h), *b = frame_pixels(ref, &rw, &rh);
    bool same = w == rw && h == rh && !memcmp(a, b, (size_t)w * h * 4);
    frame_destroy(ref);
    return same;
}

/* Rows of pixels the last frame changed; *area (if not NULL): the pixels it copied. */
static int damaged(struct frame *f, int *area)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    const SDL_Rect *r;
    int n = frame_copy_to(f, s, false, &r), rows = 0, px = 0;
    for (int i = 0; i < n; i++) {
        rows += r[i].h;
        px += r[i].w * r[i].h;
    }
    SDL_FreeSurface(s);
    if (area)
        *area = px;
    return rows;
}

static int damaged_rows(struct frame *f)
{
    return damaged(f, NULL);
}

static void test_random_scenes(void)
{
    enum { N = 300 };
    static struct q qs[N];
    for (int i = 0; i < N; i++)
        qs[i] = random_quad();
    struct frame *f = frame_create();
    uint32_t bg = 0x181818;
    draw(f, qs, N, bg, -1);
    CHECK(same_as_fresh(f, qs, N, bg));
    CHECK(damaged_rows(f) == H); /* the first frame is all new */
    draw(f, qs, N, bg, -1);
    CHECK(damaged_rows(f) == 0);
    for (int round = 0; round < 200; round++) {
        int changes = (int)rnd(4);
        for (int c = 0; c < changes; c++)
            qs[rnd(N)] = random_quad();
        if (round % 50 == 49)
            bg ^= 0x102030; /* a new default background redraws everything */
        int flush_at = round % 37 == 5 ? (int)rnd(N) : -1;
        draw(f, qs, N, bg, flush_at);
        CHECK(same_as_fresh(f, qs, N, bg));
        if (flush_at >= 0 || round % 50 == 49)
            CHECK(damaged_rows(f) == H);
    }
    frame_destroy(f);
}

/* The rasteriser's arithmetic written out plainly: (a * b) / 255 rounded, and the blend. */
static uint32_t ref_mul(uint32_t a, uint32_t b)
{
    uint32_t t = a * b + 128;
    return (t + (t >> 8)) >> 8;
}

static void ref_blend(uint32_t *d, uint32_t rgb, uint32_t a)
{
    uint32_t o = *d, na = 255 - a, out = 0xff000000u;
    for (int shift = 16; shift >= 0; shift -= 8)
        out |= (ref_mul(rgb >> shift & 0xff, a) + ref_mul(o >> shift & 0xff, na)) << shift;
    *d = a == 255 ? 0xff000000u | rgb : out;
}

/* Quad q drawn over px (W x H) the plain way: coverage times the quad's alpha, tinted. */
static void ref_quad(uint32_t *px, const struct q *q)
{
    for (int y = q->y < 0 ? 0 : q->y; y < q->y + q->h && y < H; y++)
        for (int x = q->x < 0 ? 0 : q->x; x < q->x + q->w && x < W; x++) {
            uint32_t s = q->sx < 0 ? 0xffffffffu
                                   : atlas[(q->sy + y - q->y) * APITCH + q->sx + x - q->x];
            uint32_t a = ref_mul(s >> 24, q->argb >> 24), rgb = q->argb & 0xffffff;
            if (!a)
                continue;
            if ((s & 0xffffff) != 0xffffff)
                rgb = ref_mul(s >> 16 & 0xff, rgb >> 16) << 16 |
                      ref_mul(s >> 8 & 0xff, rgb >> 8 & 0xff) << 8 | ref_mul(s & 0xff, rgb & 0xff);
            ref_blend(&px[y * W + x], rgb, a);
        }
}

/*
 * Every pixel as the plain arithmetic gives it, for opaque quads (fills and glyphs: the fast
 * path) and translucent ones over them, solid and from the atlas, white and coloured.
 */
static void test_pixels_exact(void)
{
    enum { N = 400 };
    static struct q qs[N];
    static uint32_t want[W * H];
    uint32_t bg = 0x202428;
    for (int i = 0; i < W * H; i++)
        want[i] = 0xff000000u | bg;
    for (int i = 0; i < N; i++) {
        qs[i] = random_quad();
        if (i % 4)
            qs[i].argb |= 0xff000000u; /* mostly opaque, as text is */
        ref_quad(want, &qs[i]);
    }
    struct frame *f = frame_create();
    draw(f, qs, N, bg, -1);
    int w, h;
    const uint32_t *got = frame_pixels(f, &w, &h);
    int wrong = 0;
    for (int i = 0; i < W * H; i++)
        wrong += got[i] != want[i];
    CHECK(w == W && h == H && wrong == 0);
    if (wrong)
        fprintf(stderr, "test_pixels_exact: %d of %d pixels differ\n", wrong, W * H);
    frame_destroy(f);
}

/* One quad moved within a band: the tiles of that band it was and is in, only. */
static void test_one_band(void)
{
    struct q qs[2] = {{0, 0, W, H, -1, 0, 0xff204060u, 0}, {10, 14, 5, 5, 3, 4, 0xffffffffu, 9}};
    struct frame *f = frame_create();
    draw(f, qs, 2, 0, -1);
    (void)damaged_rows(f);
    qs[1].x = 11;
    draw(f, qs, 2, 0, -1);
    int area;
    CHECK(damaged(f, &area) == 2 * BAND); /* rows 14..18 are in bands 1 and 2 */
    CHECK(area == 2 * BAND * 64);         /* and only their first tile of 64 columns */
    CHECK(same_as_fresh(f, qs, 2, 0));
    qs[1].x = 62; /* across the tiles' edge: both tiles of both bands, one rectangle each */
    draw(f, qs, 2, 0, -1);
    CHECK(damaged(f, &area) == 2 * BAND && area == 2 * BAND * W);
    CHECK(same_as_fresh(f, qs, 2, 0));
    qs[1].ident = 10; /* the same slot now holding another glyph */
    draw(f, qs, 2, 0, -1);
    CHECK(damaged_rows(f) == 2 * BAND);
    frame_destroy(f);
}

/* More quads than frame.c keeps: drawn whole as they come, still right. */
static void test_many_quads(void)
{
    enum { N = 70000 };
    struct q *qs = malloc(N * sizeof *qs);
    for (int i = 0; i < N; i++) {
        qs[i] = random_quad();
        qs[i].w = 1 + qs[i].w % 4;
        qs[i].h = 1 + qs[i].h % 4;
    }
    struct frame *f = frame_create();
    draw(f, qs, N, 0x112233, -1);
    CHECK(same_as_fresh(f, qs, N, 0x112233));
    CHECK(damaged_rows(f) == H);
    frame_destroy(f);
    free(qs);
}

/* The copy out: another pixel format converted, and a surface smaller than the frame. */
static void test_copy_formats(void)
{
    struct q qs[1] = {{5, 5, 30, 20, -1, 0, 0xffff0000u, 0}};
    struct frame *f = frame_create();
    draw(f, qs, 1, 0x0000ff, -1);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, W - 10, H - 10, 16,
                                                    SDL_PIXELFORMAT_RGB565);
    const SDL_Rect *r;
    int n = frame_copy_to(f, s, true, &r);
    CHECK(n == 1 && r[0].w == W - 10 && r[0].h == H - 10);
    uint16_t red = ((uint16_t *)((uint8_t *)s->pixels + 10 * s->pitch))[10];
    uint16_t blue = ((uint16_t *)s->pixels)[0];
    CHECK(red == 0xf800 && blue == 0x001f);
    SDL_FreeSurface(s);
    frame_destroy(f);
}

/* A new size redraws all; a size of nothing is refused. */
static void test_sizes(void)
{
    struct q qs[1] = {{5, 5, 30, 20, -1, 0, 0xffff0000u, 0}};
    struct frame *f = frame_create();
    draw(f, qs, 1, 0, -1);
    (void)damaged_rows(f);
    CHECK(frame_begin(f, W / 2, H / 2, BAND, 0, atlas, APITCH));
    frame_quad(f, 5, 5, 30, 20, -1, 0, 0xffff0000u, 0);
    frame_end(f);
    int w, h;
    frame_pixels(f, &w, &h);
    CHECK(w == W / 2 && h == H / 2);
    CHECK(!frame_begin(f, 0, H, BAND, 0, atlas, APITCH));
    frame_quad(f, 0, 0, 1, 1, -1, 0, 0xffffffffu, 0); /* harmless after a refused begin */
    frame_end(f);
    frame_invalidate(f);
    frame_destroy(f);
    frame_destroy(NULL);
}

/*
 * A band kept but for the tiles around a change (frame_keep_tiles): the band's own quads
 * queued over its kept tiles (frame_own_band) count for nothing, the change's tiles only are
 * redrawn and copied, and the frame is what a fresh frame of every quad shows; a quad of
 * anyone else's over a kept tile, before or after frame_grid_done, makes the frame redo.
 */
enum { CELLS = 10, CELL_W = 10, PART_BAND = 2 };

static void cell_quads(struct q *qs, uint64_t changed)
{
    for (int c = 0; c < CELLS; c++)
        qs[c] = (struct q){c * CELL_W, PART_BAND * BAND, CELL_W, BAND, c, 2,
                           0xff000000u | (uint32_t)(0x30507 * (c + 1)),
                           1 + (uint64_t)c + (c == 7 ? changed : 0)};
}

/* Draws the cells' band kept but for cells [c0, c1) (all, when keeping is refused); then
 * extra (if any) as another band's quad, or over the grid. */
static bool draw_part(struct frame *f, const struct q *qs, int c0, int c1, const struct q *extra,
                      bool extra_over)
{
    CHECK(frame_begin(f, W, H, BAND, 0, atlas, APITCH));
    int dx0 = 0, dx1 = W;
    bool part = frame_keep_tiles(f, PART_BAND, c0 * CELL_W, c1 * CELL_W, &dx0, &dx1);
    frame_own_band(f, PART_BAND);
    for (int c = 0; c < CELLS; c++)
        if (qs[c].x + qs[c].w > dx0 && qs[c].x < dx1)
            frame_quad(f, qs[c].x, qs[c].y, qs[c].w, qs[c].h, qs[c].sx, qs[c].sy, qs[c].argb,
                       qs[c].ident);
    frame_own_band(f, -1);
    if (extra && !extra_over)
        frame_quad(f, extra->x, extra->y, extra->w, extra->h, extra->sx, extra->sy, extra->argb,
                   extra->ident);
    frame_grid_done(f);
    if (extra && extra_over)
        frame_quad(f, extra->x, extra->y, extra->w, extra->h, extra->sx, extra->sy, extra->argb,
                   extra->ident);
    frame_end(f);
    return part;
}

static void test_keep_tiles(void)
{
    struct q qs[CELLS];
    cell_quads(qs, 0);
    struct frame *f = frame_create();
    CHECK(!draw_part(f, qs, 7, 8, NULL, false)); /* the first frame vouches for nothing */
    (void)damaged_rows(f);
    cell_quads(qs, 100); /* cell 7 (columns 70-79, the second tile) changes */
    CHECK(draw_part(f, qs, 7, 8, NULL, false));
    CHECK(!frame_redo(f));
    int area;
    CHECK(damaged(f, &area) == BAND && area == BAND * (W - 64));
    CHECK(same_as_fresh(f, qs, CELLS, 0));
    cell_quads(qs, 200); /* again, with cell 5 (straddling both tiles) among those queued */
    CHECK(draw_part(f, qs, 7, 8, NULL, false));
    CHECK(!frame_redo(f) && same_as_fresh(f, qs, CELLS, 0));
    struct q other = {2, PART_BAND * BAND + 2, 4, 4, -1, 0, 0xffffffffu, 0}; /* in tile 0 */
    CHECK(draw_part(f, qs, 7, 8, &other, false));
    CHECK(frame_redo(f)); /* not the band's own: the kept tile changed */
    CHECK(!draw_part(f, qs, 7, 8, NULL, false)); /* after a redo nothing is vouched for */
    CHECK(same_as_fresh(f, qs, CELLS, 0));
    (void)draw_part(f, qs, 7, 8, NULL, false);
    CHECK(draw_part(f, qs, 7, 8, &other, true));
    CHECK(frame_redo(f)); /* drawn over the kept tile after the grid */
    int dx0, dx1;
    CHECK(frame_begin(f, W, H, BAND, 0, atlas, APITCH));
    CHECK(!frame_keep_tiles(f, PART_BAND, W, W + 5, &dx0, &dx1)); /* nothing of the frame */
    CHECK(!frame_keep_tiles(f, H, 0, 5, &dx0, &dx1));            /* no such band */
    frame_end(f);
    frame_destroy(f);
}

int main(void)
{
    for (int i = 0; i < APITCH * APITCH; i++) /* glyph-like coverage, white and coloured */
        atlas[i] = (uint32_t)((i * 37) % 256) << 24 | (i % 3 ? 0xffffffu : (uint32_t)i * 2654435761u >> 8);
    test_random_scenes();
    test_pixels_exact();
    test_one_band();
    test_keep_tiles();
    test_many_quads();
    test_copy_formats();
    test_sizes();
    printf("test_frame: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
