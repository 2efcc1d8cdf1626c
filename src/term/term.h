/*
 * The terminal engine: libvterm's parser and state machine (VTermState)
 * driving boundterm's own screen grid. Bytes from the pty go in; rows that
 * scroll off the top come out through callbacks in the scrollback store's
 * cell format; replies to the program's queries come out through `output`.
 *
 * Coordinates: row 0 is the top of the screen, col 0 the left edge. The
 * alternate screen is a separate grid whose rows never reach scrollback.
 * The engine knows nothing of windows, pages or disks.
 */
#ifndef BT_TERM_H
#define BT_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"

struct term;

struct term_callbacks {
    /* A row left the top of the primary screen; cells are borrowed for the call. */
    void (*scrollout)(void *user, const struct sb_cell *cells, uint32_t ncols, uint32_t flags);
    /* The screen grew taller: give back the newest scrollback row. false when there is none. */
    bool (*popline)(void *user, struct sb_row *row);
    /* ESC [3J: erase the saved lines. */
    void (*clear_scrollback)(void *user);
    /* Bytes to write back to the pty (answers to queries). */
    void (*output)(void *user, const char *bytes, size_t len);
    void (*bell)(void *user);
    /* Window title (OSC 0/2), UTF-8. */
    void (*title)(void *user, const char *utf8);
};

/* A new engine of rows x cols; NULL when out of memory. cb is copied. */
struct term *term_create(int rows, int cols, const struct term_callbacks *cb, void *user);
void term_destroy(struct term *t);

/* Feeds bytes from the pty. Sequences may be split across calls. */
void term_feed(struct term *t, const char *bytes, size_t len);

/* Resizes the screen; rows come back from scrollback (popline) when it grows. */
void term_resize(struct term *t, int rows, int cols);
void term_size(const struct term *t, int *rows, int *cols);

/* Cell size in pixels, for XTWINOPS 14 t (size in pixels). */
void term_set_cell_pixels(struct term *t, int width, int height);

/* Copies visible row `row` into out (ncols = screen width; flags carry SB_ROW_WRAPPED). */
int term_read_row(struct term *t, int row, struct sb_row *out);

struct term_cursor {
    int row, col;
    bool visible;
    bool blink;
    int shape; /* 1 block, 2 underline, 3 bar (VTERM_PROP_CURSORSHAPE_*) */
};
void term_cursor(const struct term *t, struct term_cursor *out);

/* True while the alternate screen is shown. */
bool term_altscreen(const struct term *t);

/*
 * A monotonically increasing counter bumped whenever any visible cell, the
 * cursor or the screen size changes, so a renderer can skip unchanged frames;
 * term_row_dirty() tells which rows changed since term_clear_damage().
 */
uint64_t term_generation(const struct term *t);
bool term_row_dirty(const struct term *t, int row);
void term_clear_damage(struct term *t);

#endif
