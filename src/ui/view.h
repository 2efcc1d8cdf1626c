/*
 * The scrollback view: which rows the window shows. Following (the default),
 * it shows the screen. Scrolled back, its top is anchored to an absolute row
 * of history, so it stays put while output continues; when the store drops
 * old rows the anchor moves with them (it never points at a row that is gone).
 *
 * Absolute rows: history row i (0 = oldest retained) is rows_dropped + i; the
 * screen's row r follows the newest history row. History rows with
 * SB_ROW_WRAPPED are joined with the next one into a logical line, which is cut
 * again at the window's width when shown (reflow); the store is never changed.
 * A display row is a logical line (its first absolute row) and a sub-row.
 */
#ifndef BT_UI_VIEW_H
#define BT_UI_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "boundterm/scrollback.h"
#include "term.h"

struct view_line {
    const struct sb_row *row; /* valid until the next view_layout(); never NULL */
    uint64_t line;            /* absolute row starting its logical line */
    uint32_t sub;             /* display row within the logical line */
    uint32_t off;             /* cell offset of its first column within the logical line */
    bool screen;              /* a screen row (line is then its absolute row) */
};

struct view;

/* A view of store and term (both borrowed); NULL when out of memory. */
struct view *view_create(struct sb_store *store, struct term *term);
/* Frees the view and its row cache; NULL is a no-op. */
void view_destroy(struct view *v);

/* Scrolls n display rows back into history (n > 0) or forward (n < 0). */
void view_scroll(struct view *v, int n);
/* To the oldest retained row (Shift+Home). */
void view_top(struct view *v);
/* To the logical line holding the history row at fraction (0..1) of the history. */
void view_jump(struct view *v, double fraction);
/* Back to following the screen (Shift+End). */
void view_follow(struct view *v);
bool view_following(const struct view *v);

/* Forgets cached rows: call when the scrollback was cleared. */
void view_invalidate(struct view *v);

/*
 * Lays out rows x cols display rows for a frame; false (one log line) when out
 * of memory. The lines stay valid until the next call.
 */
bool view_layout(struct view *v, int rows, int cols);
const struct view_line *view_lines(const struct view *v);

/* History rows above the top of the view and in all, for the position indicator. */
void view_position(struct view *v, uint64_t *above, uint64_t *total);

/*
 * The cells of the logical line starting at absolute row `line` (joined when
 * wrapped), for copying a selection; *next receives the absolute row after it,
 * *wrapped whether a screen row continues on the next one. NULL when the row
 * is gone or out of memory. Valid until the next call into the view.
 */
const struct sb_cell *view_logical(struct view *v, uint64_t line, uint32_t *ncells,
                                   uint64_t *next, bool *wrapped);

/* Where the view is, to go back there later (search's Escape). */
struct view_pos {
    bool follow;
    uint64_t anchor;
    uint32_t sub;
};
void view_get_pos(const struct view *v, struct view_pos *out);
/* Goes back to pos; rows dropped since move it to the oldest retained row. */
void view_set_pos(struct view *v, const struct view_pos *pos);

/*
 * History or screen row abs, as stored (not reflowed); NULL when it is gone or
 * out of memory. Valid until the next call into the view.
 */
const struct sb_row *view_row(struct view *v, uint64_t abs);

/*
 * Where cell col of absolute row abs is shown: *line receives the first row of
 * its logical line, *cell its cell offset in the joined line (screen rows are
 * not joined: the row itself and col). false when the row is gone.
 */
bool view_locate(struct view *v, uint64_t abs, uint32_t col, uint64_t *line, uint32_t *cell);

/*
 * Scrolls so that cell `cell` of the logical line starting at `line` is shown
 * about a third of the way down a rows x cols window, unless it is on one of its
 * first rows - 1 display rows already (the last row is kept free for the search
 * bar). Screen rows bring the view back to following.
 */
void view_reveal(struct view *v, uint64_t line, uint32_t cell, int rows, int cols);

/* The first absolute row of the screen (rows_dropped + rows retained). */
uint64_t view_screen_abs(struct view *v);

#endif
