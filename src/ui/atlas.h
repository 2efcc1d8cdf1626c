/*
 * The glyph atlas: one ARGB8888 texture cut into cell-sized slots, each holding
 * one rasterised cell (a base character with its combining marks in one style;
 * a wide character takes two slots, its left and right halves). Slots are found
 * through a hash of the key and reused least-recently-drawn first; a slot drawn
 * in the current frame is never reused, so a batch stays valid until flushed.
 * Slot 0 is solid white, for rectangles tinted by vertex colour.
 */
#ifndef BT_UI_ATLAS_H
#define BT_UI_ATLAS_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>

#include "boundterm/scrollback.h"
#include "font.h"

struct glyph_key {
    uint32_t chars[SB_MAX_CHARS];
    uint8_t style; /* FONT_* */
    uint8_t wide;  /* 1 for a character two cells wide */
    uint8_t half;  /* of a wide character: 0 left, 1 right */
};

struct atlas;

/*
 * An atlas for the font's current cell size: a texture of r, or with r NULL
 * plain memory (atlas_pixels). NULL (one log line) on failure.
 */
struct atlas *atlas_create(SDL_Renderer *r, struct font *font);
/* Frees the texture and tables; NULL is a no-op. */
void atlas_destroy(struct atlas *a);

/* The texture, or NULL for an atlas in memory. */
SDL_Texture *atlas_texture(const struct atlas *a);
/* The pixels (ARGB8888, pitch in pixels) of an atlas in memory, else NULL. */
const uint32_t *atlas_pixels(const struct atlas *a, int *pitch);
/* Width and height of the atlas in pixels. */
int atlas_size(const struct atlas *a);

/* The glyphs rasterised into this atlas so far (a wide one counts once). */
uint64_t atlas_made(const struct atlas *a);

/* Starts a frame: slots drawn from now on are pinned until the next call. */
void atlas_begin_frame(struct atlas *a);

/* The solid white slot's centre, in texture coordinates. */
void atlas_white(const struct atlas *a, float *u, float *v);

enum atlas_result { ATLAS_OK, ATLAS_SKIP, ATLAS_FULL };

/*
 * FNV-1a (64 bits) of a key: the atlas's lookup, and what a glyph quad draws whatever slot
 * holds it (frame.c compares frames by it).
 */
uint64_t glyph_key_hash(const struct glyph_key *k);

/*
 * The slot of key (hash: glyph_key_hash(key)) in texture pixels, rasterising it on a miss;
 * *colour says the glyph has its own colours. ATLAS_FULL when every slot is pinned by this frame
 * (flush the batch, call atlas_begin_frame, retry); ATLAS_SKIP when the texture
 * refused the upload (draw nothing).
 */
enum atlas_result atlas_get(struct atlas *a, const struct glyph_key *key, uint64_t hash,
                            SDL_Rect *src, bool *colour);

#endif
