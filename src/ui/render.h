/*
 * Drawing a frame: the grid of cells (backgrounds, glyphs from the atlas,
 * underline kinds, strike), the cursor, the selection, search matches, the scrollback position
 * indicator and, over them, whatever the overlay adds with render_rect() and
 * render_text(). Everything is quads from one glyph atlas, rasterised by frame.c where
 * the window changed, or sent to an SDL renderer with SDL_RenderGeometry in large batches.
 *
 * Coordinates: pixels from the window's top-left; the grid starts at (0, 0),
 * row r at y = r * cell_h, column c at x = c * cell_w.
 */
#ifndef BT_UI_RENDER_H
#define BT_UI_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>

#include "boundterm/scrollback.h"
#include "font.h"
#include "term.h"

struct render_cursor {
    int row, col; /* in the grid shown; outside it = not drawn */
    int shape;    /* 1 block, 2 underline, 3 bar */
    bool visible;
    bool hollow; /* the window is unfocused: an outline */
};

/* A search match's cells [from, to) on display row `row`; current: the one Enter went to. */
struct render_mark {
    int row, from, to;
    bool current;
};

struct render_scene {
    int rows, cols;
    const struct sb_row *const *lines; /* rows entries; NULL draws an empty row */
    /* per row, what identifies its content (view_line.stamp; 0 unknown), or NULL: a row
     * drawn from the same as in the last frame is kept from it, not drawn again */
    const uint64_t *stamps;
    const int *sel_from, *sel_to;      /* per row selected columns [from, to); NULL = none */
    const int *link_from, *link_to;    /* per row, the link under the pointer: underlined */
    const uint16_t *link_num;          /* ... and every cell of the row with this link (0) */
    const struct render_mark *marks;   /* search matches, ordered by row; drawn under a selection */
    int nmarks;
    struct render_cursor cursor;
    bool blink_on;       /* phase of blinking text and cursor: shown */
    bool indicator;      /* draw the scrollback position indicator */
    uint64_t above;      /* rows of history above the view's top */
    uint64_t total;      /* rows of history */
    const double *ticks; /* failed commands on the indicator: 0..1 of history + screen */
    int nticks;
};

struct render;

/*
 * A renderer with glyphs of font, drawing through SDL_RenderGeometry on r, or, when r is
 * NULL, into pixels of its own that render_copy_to() copies out, only where they changed;
 * NULL (one log line) on failure.
 */
struct render *render_create(SDL_Renderer *r, struct font *font);
/* Frees the atlas; NULL is a no-op. The SDL renderer and font stay the caller's. */
void render_destroy(struct render *rd);

/* Call after font_set_size(): rebuilds the atlas for the new cell size. */
bool render_font_changed(struct render *rd);

/*
 * Rasterises the printable ASCII characters, regular and bold, into a new atlas (at start and
 * after a font change; else nothing): called once a frame is out, so that the first key of
 * each letter typed later finds its glyph made and the atlas's memory touched, as the rest.
 */
void render_warm(struct render *rd);

/*
 * Starts a frame of w x h pixels (the window's, or the SDL renderer's output) on the
 * default background.
 */
void render_begin(struct render *rd, int w, int h);
/* Queues the grid; true when it holds blinking text (redraw when the phase flips). */
bool render_grid(struct render *rd, const struct render_scene *scene);
/*
 * True when the frame just ended kept a row that something drawn over it (the overlay, a
 * message, the search bar) changed after all: nothing was drawn, and the caller draws the
 * frame again with the scene's stamps NULL.
 */
bool render_redo(const struct render *rd);
/* Grid rows drawn so far, rows kept from the last frame not counted (for tests). */
uint64_t render_rows_drawn(const struct render *rd);
/* Rows of rows_drawn drawn only around the cells that changed (for tests). */
uint64_t render_rows_partial(const struct render *rd);
/* Glyphs rasterised into the current atlas (for tests). */
uint64_t render_glyphs_made(const struct render *rd);
/* Queues a solid rectangle of colour 0xAARRGGBB. */
void render_rect(struct render *rd, int x, int y, int w, int h, uint32_t argb);
/* Queues UTF-8 text, one cell per codepoint, from (x, y); returns its width in pixels. */
int render_text(struct render *rd, int x, int y, const char *utf8, uint32_t rgb);
/* Sends what is queued; false (one log line) when SDL refused it. Presenting is the caller's. */
bool render_end(struct render *rd);

/*
 * Soft: copies what the last frame changed (all: everything) to dst and points *rects at
 * the rectangles copied, for SDL_UpdateWindowSurfaceRects(); returns how many (0: nothing
 * changed, or not soft).
 */
int render_copy_to(struct render *rd, SDL_Surface *dst, bool all, const SDL_Rect **rects);

/* Sets the colours cells are drawn in: the palette, defaults, cursor and selection. */
void render_set_colors(struct render *rd, const struct term_colors *c);

/* 0xRRGGBB of a cell colour as foreground (fg = true) or background. */
uint32_t render_color(const struct render *rd, sb_color c, bool fg);

#endif
