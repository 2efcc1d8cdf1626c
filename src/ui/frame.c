/*
 * The software frame (frame.h): quads queued per frame, band hashes, the rasteriser, and the
 * copy to the window.
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

/*
 * Quads kept for one frame. A frame with more (a huge window of dense text) is rasterised
 * whole as it goes, as after an atlas flush: correct, only not partial.
 */
#define QUADS_CAP 65536

/*
 * Bands are cut into tiles this wide: a key echoed at the prompt redraws and sends the tiles
 * around its cell and the cursor's, not the window's width.
 */
#define TILE_W 64

struct quad {
    int16_t x, y, w, h, sx, sy; /* sx < 0: solid */
    uint32_t argb;
    uint64_t ident;
};

struct frame {
    uint32_t *px;
    int w, h, band_h, nbands;
    int ntx; /* tiles across a band; tile (b, t) is index b * ntx + t of the per-tile arrays */
    uint32_t bg;
    const uint32_t *atlas; /* this frame's glyph pixels */
    int apitch;
    struct quad *q;
    int nq, cap;
    uint64_t *hash, *prev; /* per tile: this frame's, the last drawn */
    uint64_t *ghash, *gprev; /* per tile: the hash at frame_grid_done, this frame's and last */
    bool gvalid;             /* gprev is a finished frame's (frame_keep_band may use it) */
    bool grid_done;          /* this frame called frame_grid_done */
    bool *kept;              /* per tile: frame_keep_band or frame_keep_tiles took it */
    int own_band;            /* frame_own_band's: its kept tiles take none of its quads */
    bool any_kept, redo;
    bool *dirty;      /* per tile */
    bool *changed;    /* per band: some tile's hash is not the last frame's (frame_end) */
    SDL_Rect *damage; /* what the last frame changed: runs of dirty tiles, merged down */
    int *runs;        /* 2 x ntx: collect_damage's rectangles by the first tile of their run */
    int ndamage;
    SDL_Rect *copied; /* what frame_copy_to copied, clipped to its surface */
    bool invalid; /* the next frame redraws every band */
    bool whole;   /* this frame was rasterised whole (frame_flush) */
    bool open;    /* between a frame_begin that took and its frame_end */
};

struct frame *frame_create(void)
{
    struct frame *f = calloc(1, sizeof *f);
    if (f)
        f->invalid = true;
    return f;
}

static void free_bands(struct frame *f)
{
    free(f->hash);
    free(f->prev);
    free(f->ghash);
    free(f->gprev);
    free(f->kept);
    free(f->dirty);
    free(f->changed);
    free(f->damage);
    free(f->runs);
    free(f->copied);
    f->hash = f->prev = f->ghash = f->gprev = NULL;
    f->kept = NULL;
    f->gvalid = false;
    f->dirty = NULL;
    f->changed = NULL;
    f->damage = f->copied = NULL;
    f->runs = NULL;
}

void frame_destroy(struct frame *f)
{
    if (!f)
        return;
    free_bands(f);
    free(f->px);
    free(f->q);
    free(f);
}

void frame_invalidate(struct frame *f)
{
    f->invalid = true;
}

/* Makes the pixels, bands and tiles fit a new size; false when out of memory. */
static bool resize(struct frame *f, int w, int h, int band_h)
{
    free_bands(f);
    free(f->px);
    f->w = f->h = f->nbands = f->ntx = 0;
    f->px = malloc((size_t)w * (size_t)h * 4);
    int nb = (h + band_h - 1) / band_h, ntx = (w + TILE_W - 1) / TILE_W;
    size_t nt = (size_t)nb * (size_t)ntx;
    f->hash = calloc(nt, sizeof *f->hash);
    f->prev = calloc(nt, sizeof *f->prev);
    f->ghash = calloc(nt, sizeof *f->ghash);
    f->gprev = calloc(nt, sizeof *f->gprev);
    f->kept = calloc(nt, sizeof *f->kept);
    f->dirty = calloc(nt, sizeof *f->dirty);
    f->changed = calloc((size_t)nb, sizeof *f->changed);
    f->damage = calloc(nt, sizeof *f->damage);
    f->copied = calloc(nt, sizeof *f->copied);
    f->runs = calloc(2 * (size_t)ntx, sizeof *f->runs);
    if (!f->px || !f->hash || !f->prev || !f->ghash || !f->gprev || !f->kept || !f->dirty ||
        !f->changed || !f->damage || !f->copied || !f->runs)
        return false;
    f->w = w;
    f->h = h;
    f->band_h = band_h;
    f->nbands = nb;
    f->ntx = ntx;
    f->invalid = true;
    return true;
}

/* The number of tiles. */
static int ntiles(const struct frame *f)
{
    return f->nbands * f->ntx;
}

bool frame_begin(struct frame *f, int w, int h, int band_h, uint32_t bg, const uint32_t *atlas,
                 int atlas_pitch)
{
    f->atlas = atlas;
    f->apitch = atlas_pitch;
    f->nq = 0;
    f->ndamage = 0;
    f->whole = false;
    f->open = false;
    f->grid_done = f->any_kept = f->redo = false;
    f->own_band = -1;
    if (w <= 0 || h <= 0 || band_h <= 0)
        return false;
    if ((w != f->w || h != f->h || band_h != f->band_h || !f->px) && !resize(f, w, h, band_h))
        return false;
    f->open = true;
    f->bg = 0xff000000u | bg;
    uint64_t seed = frame_fold(0x6a09e667f3bcc908ull, f->bg);
    for (int i = 0; i < ntiles(f); i++)
        f->hash[i] = seed;
    memset(f->kept, 0, (size_t)ntiles(f) * sizeof *f->kept);
    return true;
}

/* True when the last frame can vouch for band b's grid quads now. */
static bool can_keep(const struct frame *f, int b)
{
    return f->open && f->gvalid && !f->invalid && !f->whole && !f->grid_done && b >= 0 &&
           b < f->nbands;
}

/* Keeps tiles [t0, t1) of band b: as if the same quads were queued again. */
static void keep_run(struct frame *f, int b, int t0, int t1)
{
    if (t0 >= t1)
        return;
    size_t at = (size_t)b * (size_t)f->ntx + (size_t)t0, n = (size_t)(t1 - t0);
    memcpy(f->hash + at, f->gprev + at, n * sizeof *f->hash);
    memset(f->kept + at, true, n * sizeof *f->kept);
    f->any_kept = true;
}

bool frame_keep_band(struct frame *f, int b)
{
    if (!can_keep(f, b))
        return false;
    keep_run(f, b, 0, f->ntx);
    return true;
}

bool frame_keep_tiles(struct frame *f, int b, int x0, int x1, int *dx0, int *dx1)
{
    x0 = x0 < 0 ? 0 : x0;
    x1 = x1 > f->w ? f->w : x1;
    if (!can_keep(f, b) || x0 >= x1)
        return false;
    int t0 = x0 / TILE_W, t1 = (x1 - 1) / TILE_W;
    keep_run(f, b, 0, t0);
    keep_run(f, b, t1 + 1, f->ntx);
    *dx0 = t0 * TILE_W;
    *dx1 = (t1 + 1) * TILE_W < f->w ? (t1 + 1) * TILE_W : f->w;
    return true;
}

void frame_own_band(struct frame *f, int b)
{
    f->own_band = b;
}

void frame_grid_done(struct frame *f)
{
    if (!f->open)
        return;
    memcpy(f->ghash, f->hash, (size_t)ntiles(f) * sizeof *f->hash);
    f->grid_done = true;
    f->own_band = -1;
}

bool frame_redo(const struct frame *f)
{
    return f->redo;
}

/*
 * Marks the bands where a tile's hash differs from the last frame's (all of them for a frame
 * drawn whole): a typed key changes one band of many, and a band compared at once is cheaper
 * than its tiles one by one.
 */
static void find_changed(struct frame *f, bool all)
{
    size_t n = (size_t)f->ntx * sizeof *f->hash;
    for (int b = 0; b < f->nbands; b++)
        f->changed[b] = all || memcmp(f->hash + (size_t)b * f->ntx,
                                      f->prev + (size_t)b * f->ntx, n) != 0;
}

/*
 * True when a kept tile cannot be finished from the last frame's pixels: what was drawn over
 * it differs, or this frame is drawn whole.
 */
static bool kept_changed(const struct frame *f, bool all)
{
    for (int b = 0; f->any_kept && b < f->nbands; b++) {
        if (!f->changed[b])
            continue;
        for (int i = b * f->ntx; i < (b + 1) * f->ntx; i++)
            if (f->kept[i] && (all || f->hash[i] != f->prev[i]))
                return true;
    }
    return false;
}

/* The first row of band b, and the row after its last (the last band may be cut short). */
static int band_top(const struct frame *f, int b)
{
    return b * f->band_h;
}

static int band_end(const struct frame *f, int b)
{
    int end = (b + 1) * f->band_h;
    return end < f->h ? end : f->h;
}

/* The bands [*b0, *b1] a span of rows [y, y + h) touches; false for none. */
static bool bands_of(const struct frame *f, int y, int h, int *b0, int *b1)
{
    int y0 = y < 0 ? 0 : y, y1 = y + h > f->h ? f->h : y + h;
    if (y0 >= y1)
        return false;
    *b0 = y0 / f->band_h;
    *b1 = (y1 - 1) / f->band_h;
    return true;
}

/* The columns [*x0, *x1) of the frame a span [x, x + w) covers; false for none. */
static bool cols_of(const struct frame *f, int x, int w, int *x0, int *x1)
{
    *x0 = x < 0 ? 0 : x;
    *x1 = x + w > f->w ? f->w : x + w;
    return *x0 < *x1;
}

/* Folds quad q, clipped to each tile it touches, into their hashes. */
static void hash_quad(struct frame *f, const struct quad *q)
{
    int b0, b1, x0, x1;
    if (q->w <= 0 || !bands_of(f, q->y, q->h, &b0, &b1) || !cols_of(f, q->x, q->w, &x0, &x1))
        return;
    int t0 = x0 / TILE_W, t1 = (x1 - 1) / TILE_W;
    uint64_t what_c = (uint64_t)q->argb << 32;
    for (int b = b0; b <= b1; b++) {
        int top = band_top(f, b), bot = band_end(f, b);
        int y0 = q->y > top ? q->y : top, y1 = q->y + q->h < bot ? q->y + q->h : bot;
        for (int t = t0; t <= t1; t++) {
            if (b == f->own_band && f->kept[b * f->ntx + t])
                continue; /* the last frame's quads of this band stand here */
            int left = t * TILE_W, right = left + TILE_W < f->w ? left + TILE_W : f->w;
            int cx0 = x0 > left ? x0 : left, cx1 = x1 < right ? x1 : right;
            uint64_t where = (uint64_t)(uint16_t)(cx0 - left) |
                             (uint64_t)(uint16_t)(y0 - top) << 16 |
                             (uint64_t)(uint16_t)(cx1 - cx0) << 32 |
                             (uint64_t)(uint16_t)(y1 - y0) << 48;
            uint64_t what = what_c | (q->sx < 0 ? 0xffffu
                                                : (uint64_t)(uint16_t)(q->sx + cx0 - q->x) |
                                                      (uint64_t)(uint16_t)(q->sy + y0 - q->y)
                                                          << 16);
            uint64_t *h = &f->hash[b * f->ntx + t];
            *h = frame_fold(frame_fold(frame_fold(*h, where), what), q->ident);
        }
    }
}

/* (a * b) / 255, rounded, for 8-bit channels. */
static inline uint32_t mul255(uint32_t a, uint32_t b)
{
    uint32_t t = a * b + 128;
    return (t + (t >> 8)) >> 8;
}

/* Blends colour rgb with coverage a (0-255) over *d. */
static inline void blend(uint32_t *d, uint32_t rgb, uint32_t a)
{
    if (a == 255) {
        *d = 0xff000000u | rgb;
        return;
    }
    uint32_t o = *d, na = 255 - a;
    uint32_t r = mul255(rgb >> 16 & 0xff, a) + mul255(o >> 16 & 0xff, na);
    uint32_t g = mul255(rgb >> 8 & 0xff, a) + mul255(o >> 8 & 0xff, na);
    uint32_t b = mul255(rgb & 0xff, a) + mul255(o & 0xff, na);
    *d = 0xff000000u | r << 16 | g << 8 | b;
}

/* A colour glyph's pixel s (not the atlas's white) tinted by the quad's colour rgb. */
static inline uint32_t tint(uint32_t s, uint32_t rgb)
{
    return mul255(s >> 16 & 0xff, rgb >> 16 & 0xff) << 16 |
           mul255(s >> 8 & 0xff, rgb >> 8 & 0xff) << 8 | mul255(s & 0xff, rgb & 0xff);
}

/*
 * The two quads of nearly every frame, opaque: a cell's background (a fill) and a glyph's
 * coverage in one colour (the atlas's white with alpha), without the general path's products.
 * The same pixels as it gives.
 */
static void raster_opaque(struct frame *f, const struct quad *q, int x0, int x1, int y0, int y1)
{
    uint32_t rgb = q->argb & 0xffffff, px = 0xff000000u | rgb;
    for (int y = y0; y < y1; y++) {
        uint32_t *d = f->px + (size_t)y * f->w;
        if (q->sx < 0) {
            for (int x = x0; x < x1; x++)
                d[x] = px;
            continue;
        }
        const uint32_t *src = f->atlas + (size_t)(q->sy + y - q->y) * f->apitch + q->sx - q->x;
        for (int x = x0; x < x1; x++) {
            uint32_t s = src[x], a = s >> 24;
            if (!a)
                continue;
            blend(&d[x], (s & 0xffffff) == 0xffffff ? rgb : tint(s, rgb), a);
        }
    }
}

/* Rasterises what of quad q lies in rows [cy0, cy1) and columns [cx0, cx1). */
static void raster(struct frame *f, const struct quad *q, int cy0, int cy1, int cx0, int cx1)
{
    const uint32_t *atlas = f->atlas;
    int apitch = f->apitch;
    int x0 = q->x > cx0 ? q->x : cx0, x1 = q->x + q->w < cx1 ? q->x + q->w : cx1;
    int y0 = q->y > cy0 ? q->y : cy0, y1 = q->y + q->h < cy1 ? q->y + q->h : cy1;
    if (q->argb >> 24 == 0xff) {
        raster_opaque(f, q, x0, x1, y0, y1);
        return;
    }
    bool solid = q->sx < 0;
    uint32_t ca = q->argb >> 24, rgb = q->argb & 0xffffff;
    for (int y = y0; y < y1; y++) {
        uint32_t *d = f->px + (size_t)y * f->w;
        const uint32_t *src = solid ? NULL
                                    : atlas + (size_t)(q->sy + y - q->y) * apitch + q->sx - q->x;
        for (int x = x0; x < x1; x++) {
            uint32_t s = solid ? 0xffffffffu : src[x];
            uint32_t a = mul255(s >> 24, ca);
            if (!a)
                continue;
            blend(&d[x], (s & 0xffffff) == 0xffffff ? rgb : tint(s, rgb), a);
        }
    }
}

/* Fills the rows [y0, y1), columns [x0, x1) with the background. */
static void clear_rect(struct frame *f, int y0, int y1, int x0, int x1)
{
    for (int y = y0; y < y1; y++) {
        uint32_t *d = f->px + (size_t)y * f->w;
        for (int x = x0; x < x1; x++)
            d[x] = f->bg;
    }
}

void frame_flush(struct frame *f)
{
    if (!f->open)
        return;
    if (!f->whole)
        clear_rect(f, 0, f->h, 0, f->w);
    f->whole = true;
    for (int i = 0; i < f->nq; i++)
        raster(f, &f->q[i], 0, f->h, 0, f->w);
    f->nq = 0;
}

void frame_quad(struct frame *f, int x, int y, int w, int h, int sx, int sy, uint32_t argb,
                uint64_t ident)
{
    if (!f->open || w <= 0 || h <= 0)
        return;
    if (f->nq == f->cap) {
        int cap = f->cap ? f->cap * 2 : 1024;
        struct quad *q = cap <= QUADS_CAP ? realloc(f->q, (size_t)cap * sizeof *q) : NULL;
        if (q) {
            f->q = q;
            f->cap = cap;
        } else if (f->cap) {
            frame_flush(f); /* out of room (or memory): this frame is drawn whole */
        } else {
            return;
        }
    }
    struct quad qd = {(int16_t)x, (int16_t)y, (int16_t)w, (int16_t)h,
                      (int16_t)(sx < 0 ? -1 : sx), (int16_t)sy, argb, ident};
    hash_quad(f, &qd);
    f->q[f->nq++] = qd;
}

/* The columns [*x0, *x1) of tile t. */
static void tile_cols(const struct frame *f, int t, int *x0, int *x1)
{
    *x0 = t * TILE_W;
    *x1 = *x0 + TILE_W < f->w ? *x0 + TILE_W : f->w;
}

/*
 * Collects each band's runs of dirty tiles as rectangles, a run over the same columns as one
 * in the band above joining its rectangle (a whole frame is one rectangle).
 */
static void collect_damage(struct frame *f)
{
    f->ndamage = 0;
    int *up = f->runs, *cur = f->runs + f->ntx; /* by first tile: the rectangle of its run */
    for (int t = 0; t < f->ntx; t++)
        up[t] = -1;
    for (int b = 0; b < f->nbands; b++) {
        if (!f->changed[b]) { /* no dirty tile: no rectangle goes on below it */
            memset(up, 0xff, (size_t)f->ntx * sizeof *up); /* -1 each */
            continue;
        }
        for (int t = 0; t < f->ntx; t++)
            cur[t] = -1;
        for (int t = 0; t < f->ntx; t++) {
            if (!f->dirty[b * f->ntx + t])
                continue;
            int e = t;
            while (e + 1 < f->ntx && f->dirty[b * f->ntx + e + 1])
                e++;
            int x0, x1, unused;
            tile_cols(f, t, &x0, &unused);
            tile_cols(f, e, &unused, &x1);
            SDL_Rect *r = up[t] >= 0 ? &f->damage[up[t]] : NULL;
            if (r && r->w == x1 - x0) {
                r->h += band_end(f, b) - band_top(f, b);
                cur[t] = up[t];
            } else {
                cur[t] = f->ndamage;
                f->damage[f->ndamage++] = (SDL_Rect){x0, band_top(f, b), x1 - x0,
                                                     band_end(f, b) - band_top(f, b)};
            }
            t = e;
        }
        int *swap = up;
        up = cur;
        cur = swap;
    }
}

void frame_end(struct frame *f)
{
    if (!f->open)
        return;
    f->open = false;
    bool all = f->invalid || f->whole;
    find_changed(f, all);
    if (kept_changed(f, all)) { /* nothing drawn: the caller draws again, every band its own */
        f->redo = true;
        f->invalid = true;
        f->gvalid = false;
        f->nq = 0;
        return;
    }
    for (int b = 0; b < f->nbands; b++) {
        bool *dirty = f->dirty + (size_t)b * f->ntx;
        if (!f->changed[b]) { /* every tile's hash is the last frame's already */
            memset(dirty, 0, (size_t)f->ntx * sizeof *dirty);
            continue;
        }
        for (int t = 0, i = b * f->ntx; t < f->ntx; t++, i++) {
            dirty[t] = all || f->hash[i] != f->prev[i];
            f->prev[i] = f->hash[i];
            if (dirty[t] && !f->whole) {
                int x0, x1;
                tile_cols(f, t, &x0, &x1);
                clear_rect(f, band_top(f, b), band_end(f, b), x0, x1);
            }
        }
    }
    f->invalid = false;
    for (int i = 0; i < f->nq; i++) {
        const struct quad *q = &f->q[i];
        int b0, b1, x0, x1;
        if (!bands_of(f, q->y, q->h, &b0, &b1) || !cols_of(f, q->x, q->w, &x0, &x1))
            continue;
        for (int b = b0; b <= b1; b++)
            for (int t = x0 / TILE_W; t <= (x1 - 1) / TILE_W; t++) {
                if (!f->dirty[b * f->ntx + t])
                    continue;
                int cx0, cx1;
                tile_cols(f, t, &cx0, &cx1);
                raster(f, q, band_top(f, b), band_end(f, b), cx0, cx1);
            }
    }
    f->nq = 0;
    collect_damage(f);
    if (f->grid_done) /* the next frame may keep bands whose grid quads are these */
        memcpy(f->gprev, f->ghash, (size_t)ntiles(f) * sizeof *f->ghash);
    f->gvalid = f->grid_done;
}

const uint32_t *frame_pixels(const struct frame *f, int *w, int *h)
{
    *w = f->w;
    *h = f->h;
    return f->px;
}

/* Copies rectangle r (inside both) of the frame to dst's pixels. */
static void copy_rect(const struct frame *f, SDL_Surface *dst, const SDL_Rect *r)
{
    const uint32_t *src = f->px + (size_t)r->y * f->w + r->x;
    uint8_t *d = (uint8_t *)dst->pixels + (size_t)r->y * dst->pitch +
                 (size_t)r->x * dst->format->BytesPerPixel;
    uint32_t fmt = dst->format->format;
    if (fmt != SDL_PIXELFORMAT_ARGB8888 && fmt != SDL_PIXELFORMAT_RGB888) {
        SDL_ConvertPixels(r->w, r->h, SDL_PIXELFORMAT_ARGB8888, src, f->w * 4, fmt, d,
                          dst->pitch);
        return;
    }
    for (int y = 0; y < r->h; y++)
        memcpy(d + (size_t)y * dst->pitch, src + (size_t)y * f->w, (size_t)r->w * 4);
}

int frame_copy_to(struct frame *f, SDL_Surface *dst, bool all, const SDL_Rect **rects)
{
    *rects = f->copied;
    SDL_Rect whole = {0, 0, f->w, f->h}, bounds = {0, 0, dst->w, dst->h};
    const SDL_Rect *from = all ? &whole : f->damage;
    int nfrom = all ? 1 : f->ndamage;
    if (!f->px || nfrom == 0 || (SDL_MUSTLOCK(dst) && SDL_LockSurface(dst) != 0))
        return 0;
    int n = 0;
    for (int i = 0; i < nfrom; i++)
        if (SDL_IntersectRect(&from[i], &bounds, &f->copied[n]))
            copy_rect(f, dst, &f->copied[n++]);
    if (SDL_MUSTLOCK(dst))
        SDL_UnlockSurface(dst);
    return n;
}
