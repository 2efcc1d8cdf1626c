/*
 * The software frame: the window's pixels in memory, drawn by render.c's own rasteriser, and
 * redrawn only where they changed.
 *
 * A frame is a list of quads (axis-aligned copies from the glyph atlas, or solid rectangles),
 * queued in drawing order. The frame is cut into horizontal bands (a cell row each), and the
 * bands into tiles 64 pixels wide; every quad is folded into a hash of each tile it touches,
 * clipped to the tile, with what it copies (its position, size, colour, and an identity of
 * the source pixels: the glyph, not the atlas slot, which the atlas may give to another
 * glyph). At the end only the tiles whose hash differs from the last frame's are cleared and
 * rasterised, and only they are copied to the window: a key echoed at the prompt redraws and
 * sends a tile or two of one row, not the window. Whatever draws (the grid, the overlay, the
 * search bar) needs to know nothing of it; the grid may also say a band is unchanged
 * (frame_keep_band) and queue nothing for it, or unchanged but for some tiles
 * (frame_keep_tiles) and queue only what touches those.
 */
#ifndef BT_UI_FRAME_H
#define BT_UI_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>

struct frame;

/* Folds v into hash h (a multiply-xorshift mix: every bit of v reaches every bit of h); the
 * bands' hashes are made of it, and so may be a caller's own (render.c's row signatures). */
static inline uint64_t frame_fold(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9e3779b97f4a7c15ull;
    return h ^ h >> 29;
}

/* An empty frame; NULL when out of memory. */
struct frame *frame_create(void);
void frame_destroy(struct frame *f);

/*
 * Starts a frame of w x h pixels, in bands of band_h rows, on background bg (0xRRGGBB),
 * copying glyphs from atlas (atlas_pitch pixels per row); a new size redraws every band.
 * False when out of memory (nothing is drawn then).
 */
bool frame_begin(struct frame *f, int w, int h, int band_h, uint32_t bg, const uint32_t *atlas,
                 int atlas_pitch);

/*
 * Queues a quad at (x, y) of w x h pixels in colour argb: a copy of the atlas pixels at
 * (sx, sy) modulated by argb, or a solid rectangle when sx < 0. ident names the copied
 * pixels (two quads with the same ident, position and colour draw the same).
 */
void frame_quad(struct frame *f, int x, int y, int w, int h, int sx, int sy, uint32_t argb,
                uint64_t ident);

/*
 * Rasterises what is queued now, over the whole frame (cleared first): the atlas is about
 * to reuse slots the queued quads copy from. The frame then redraws every band.
 */
void frame_flush(struct frame *f);

/*
 * Band b is to show, under whatever is queued after frame_grid_done(), what the last frame
 * showed there: the caller queues none of its own quads on it (a row of text that did not
 * change). False when the last frame cannot vouch for the band (the first frame, a new size,
 * frame_flush, an invalidation, no frame_grid_done last time): then queue its quads.
 */
bool frame_keep_band(struct frame *f, int b);

/*
 * Band b is to show what the last frame showed there but in the tiles that pixel columns
 * [x0, x1) touch, as frame_keep_band does for the whole band; *dx0, *dx1 get the columns of
 * those tiles, which the caller then draws whole: every quad of its own that touches them.
 * False, and nothing kept, when the last frame cannot vouch for the band (as frame_keep_band)
 * or the columns are outside the frame.
 */
bool frame_keep_tiles(struct frame *f, int b, int x0, int x1, int *dx0, int *dx1);

/*
 * The quads queued from now on are band b's own (its row of cells, or its cursor): in the
 * tiles frame_keep_tiles kept they stand for what is kept and are not counted again, where
 * anything else queued over a kept tile makes it change (frame_redo). -1: no band's.
 */
void frame_own_band(struct frame *f, int b);

/* The quads queued so far are the ones bands are kept by; what follows is drawn over them. */
void frame_grid_done(struct frame *f);

/* Rasterises the tiles that changed (every tile after frame_flush or a new size). */
void frame_end(struct frame *f);

/*
 * True when the last frame_end found a kept band that changed after all (something over it
 * differs from the last frame, or the atlas was flushed): it drew nothing, and the caller
 * draws the frame again without keeping bands.
 */
bool frame_redo(const struct frame *f);

/* The next frame redraws every band. */
void frame_invalidate(struct frame *f);

/* The frame's pixels, 0xAARRGGBB, w per row. */
const uint32_t *frame_pixels(const struct frame *f, int *w, int *h);

/*
 * Copies to dst what the last frame changed (all: the whole frame), converting the pixel
 * format when dst's is not 32-bit xRGB. Sets *rects to the rectangles copied (clipped to
 * dst) and returns how many; 0 when nothing changed.
 */
int frame_copy_to(struct frame *f, SDL_Surface *dst, bool all, const SDL_Rect **rects);

#endif
