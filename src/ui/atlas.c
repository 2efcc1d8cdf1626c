/*
 * The glyph atlas (atlas.h). A 1024x1024 texture (4 MiB: RAM matters here) of
 * cell_w x cell_h slots, or the same pixels in plain memory for render.c's own
 * software rasteriser. Lookup is a chained hash table over the slots; each
 * slot records the frame it was last drawn in, and a clock hand looking for the
 * oldest stamp picks the slot to reuse, skipping slots of the current frame.
 */
#include "atlas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATLAS_PX 1024
#define CLOCK_SCAN 64 /* slots the clock hand looks at before taking the oldest seen */

struct slot {
    struct glyph_key key;
    uint64_t hash;  /* glyph_key_hash(&key) */
    int32_t next;   /* hash chain, -1 at the end */
    uint32_t stamp; /* frame last drawn in; 0 = free */
    bool colour;
    bool used;
};

struct atlas {
    SDL_Texture *tex;
    uint32_t *pixels; /* instead of tex: ATLAS_PX x ATLAS_PX */
    struct font *font;
    int cell_w, cell_h, per_row, nslots;
    struct slot *slots;
    int32_t *bucket;
    uint32_t nbucket; /* a power of two */
    uint32_t frame;
    int hand;
    uint32_t *scratch; /* two cells of pixels */
    uint64_t made;     /* glyphs rasterised */
};

uint64_t glyph_key_hash(const struct glyph_key *k)
{
    const unsigned char *p = (const unsigned char *)k->chars;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < sizeof k->chars; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    h = (h ^ k->style) * 0x100000001b3ull;
    h = (h ^ k->wide) * 0x100000001b3ull;
    return (h ^ k->half) * 0x100000001b3ull;
}

/* The hash chain of a key's hash. */
static int32_t *chain(struct atlas *a, uint64_t hash)
{
    return &a->bucket[hash & (a->nbucket - 1)];
}

static bool key_eq(const struct glyph_key *a, const struct glyph_key *b)
{
    return a->style == b->style && a->wide == b->wide && a->half == b->half &&
           !memcmp(a->chars, b->chars, sizeof a->chars);
}

/* The pixel rectangle of slot i. */
static SDL_Rect slot_rect(const struct atlas *a, int i)
{
    return (SDL_Rect){(i % a->per_row) * a->cell_w, (i / a->per_row) * a->cell_h, a->cell_w,
                      a->cell_h};
}

/* Copies pixels (pitch in pixels) into rect r of the texture or the pixel array. */
static bool upload(struct atlas *a, const SDL_Rect *r, const uint32_t *src, int pitch)
{
    if (a->tex)
        return SDL_UpdateTexture(a->tex, r, src, pitch * 4) == 0;
    for (int y = 0; y < r->h; y++)
        memcpy(a->pixels + (size_t)(r->y + y) * ATLAS_PX + r->x, src + (size_t)y * pitch,
               (size_t)r->w * 4);
    return true;
}

/* Fills slot 0 with white and marks it pinned forever. */
static bool make_white(struct atlas *a)
{
    int n = a->cell_w * a->cell_h;
    for (int i = 0; i < n; i++)
        a->scratch[i] = 0xffffffffu;
    SDL_Rect r = slot_rect(a, 0);
    a->slots[0].used = true;
    a->slots[0].stamp = UINT32_MAX;
    return upload(a, &r, a->scratch, a->cell_w);
}

struct atlas *atlas_create(SDL_Renderer *r, struct font *font)
{
    const struct font_metrics *m = font_metrics(font);
    struct atlas *a = calloc(1, sizeof *a);
    if (!a)
        goto fail;
    a->font = font;
    a->cell_w = m->cell_w;
    a->cell_h = m->cell_h;
    a->per_row = ATLAS_PX / a->cell_w;
    a->nslots = a->per_row * (ATLAS_PX / a->cell_h);
    for (a->nbucket = 64; a->nbucket < (uint32_t)a->nslots * 2; a->nbucket *= 2)
        ;
    a->slots = calloc((size_t)a->nslots, sizeof *a->slots);
    a->bucket = malloc(a->nbucket * sizeof *a->bucket);
    a->scratch = malloc((size_t)a->cell_w * 2 * (size_t)a->cell_h * 4);
    if (a->nslots < 4 || !a->slots || !a->bucket || !a->scratch)
        goto fail;
    memset(a->bucket, 0xff, a->nbucket * sizeof *a->bucket);
    if (r) {
        a->tex = SDL_CreateTexture(r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC,
                                   ATLAS_PX, ATLAS_PX);
        if (!a->tex || SDL_SetTextureBlendMode(a->tex, SDL_BLENDMODE_BLEND) != 0)
            goto fail;
    } else if (!(a->pixels = calloc((size_t)ATLAS_PX * ATLAS_PX, 4))) {
        goto fail;
    }
    if (!make_white(a))
        goto fail;
    a->frame = 1;
    return a;
fail:
    fprintf(stderr, "boundterm: glyph atlas: %s\n", a && a->nslots >= 4 ? SDL_GetError()
                                                                        : "out of memory");
    atlas_destroy(a);
    return NULL;
}

void atlas_destroy(struct atlas *a)
{
    if (!a)
        return;
    if (a->tex)
        SDL_DestroyTexture(a->tex);
    free(a->pixels);
    free(a->slots);
    free(a->bucket);
    free(a->scratch);
    free(a);
}

SDL_Texture *atlas_texture(const struct atlas *a)
{
    return a->tex;
}

const uint32_t *atlas_pixels(const struct atlas *a, int *pitch)
{
    *pitch = ATLAS_PX;
    return a->pixels;
}

uint64_t atlas_made(const struct atlas *a)
{
    return a->made;
}

int atlas_size(const struct atlas *a)
{
    return ATLAS_PX;
}

void atlas_begin_frame(struct atlas *a)
{
    a->frame++;
}

void atlas_white(const struct atlas *a, float *u, float *v)
{
    *u = (a->cell_w / 2.0f) / ATLAS_PX;
    *v = (a->cell_h / 2.0f) / ATLAS_PX;
}

/* The slot holding key (of hash), or -1. */
static int find(struct atlas *a, const struct glyph_key *key, uint64_t hash)
{
    for (int32_t i = *chain(a, hash); i >= 0; i = a->slots[i].next)
        if (a->slots[i].hash == hash && key_eq(&a->slots[i].key, key))
            return i;
    return -1;
}

/* Unlinks slot i from its hash chain. */
static void unlink_slot(struct atlas *a, int i)
{
    int32_t *p = chain(a, a->slots[i].hash);
    while (*p >= 0 && *p != i)
        p = &a->slots[*p].next;
    if (*p == i)
        *p = a->slots[i].next;
    a->slots[i].used = false;
}

/* A slot to (re)use: a free one, else the least recently drawn; -1 if all are this frame's. */
static int victim(struct atlas *a)
{
    int best = -1;
    uint32_t best_stamp = UINT32_MAX;
    for (int n = 0; n < a->nslots; n++) {
        int i = a->hand;
        a->hand = (a->hand + 1) % a->nslots;
        struct slot *s = &a->slots[i];
        if (!s->used)
            return i;
        if (s->stamp < best_stamp && s->stamp != a->frame) {
            best = i;
            best_stamp = s->stamp;
        }
        if (best >= 0 && n >= CLOCK_SCAN)
            break;
    }
    if (best >= 0)
        unlink_slot(a, best);
    return best;
}

/* Puts key (of hash) into slot i (pixels from the scratch canvas at column offset x0). */
static bool store(struct atlas *a, int i, const struct glyph_key *key, uint64_t hash, int x0,
                  bool colour)
{
    struct slot *s = &a->slots[i];
    int32_t *head = chain(a, hash);
    SDL_Rect r = slot_rect(a, i);
    *s = (struct slot){.key = *key, .hash = hash, .next = *head, .stamp = a->frame,
                       .colour = colour, .used = true};
    *head = i;
    return upload(a, &r, a->scratch + x0, a->cell_w * 2);
}

/* Rasterises key (both halves of a wide glyph) into free slots; the requested slot or -1. */
static int rasterise(struct atlas *a, const struct glyph_key *key, uint64_t hash, bool *full)
{
    int cells = key->wide ? 2 : 1;
    int n = 0;
    while (n < SB_MAX_CHARS && key->chars[n])
        n++;
    memset(a->scratch, 0, (size_t)a->cell_w * 2 * (size_t)a->cell_h * 4);
    bool colour = false;
    font_draw(a->font, key->chars, n, key->style, cells, a->scratch, a->cell_w * 2, &colour);
    a->made++;
    int i = victim(a);
    *full = i < 0;
    if (i < 0 || !store(a, i, key, hash, key->half ? a->cell_w : 0, colour))
        return -1;
    if (cells == 2) { /* the other half too: it is drawn right after this one */
        struct glyph_key other = *key;
        other.half ^= 1;
        uint64_t other_hash = glyph_key_hash(&other);
        int j = find(a, &other, other_hash) < 0 ? victim(a) : -1;
        if (j >= 0)
            store(a, j, &other, other_hash, other.half ? a->cell_w : 0, colour);
    }
    return i;
}

enum atlas_result atlas_get(struct atlas *a, const struct glyph_key *key, uint64_t hash,
                            SDL_Rect *src, bool *colour)
{
    bool full = false;
    int i = find(a, key, hash);
    if (i < 0)
        i = rasterise(a, key, hash, &full);
    if (i < 0)
        return full ? ATLAS_FULL : ATLAS_SKIP;
    a->slots[i].stamp = a->frame;
    *src = slot_rect(a, i);
    *colour = a->slots[i].colour;
    return ATLAS_OK;
}
