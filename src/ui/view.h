/*
 * The scrollback view: which rows the window shows. Following (the default),
 * it shows the screen. Scrolled back, its top is anchored to a row of the line
 * space (session/lines.h), so it stays put while output continues; when the
 * store drops old rows the anchor moves with them (it never points at a row
 * that is gone).
 *
 * History lines (rows joined by SB_ROW_WRAPPED) are cut again at the window's
 * width when shown (reflow); the store is never changed. A display row is a
 * logical line (its first row) and a sub-row.
 */
#ifndef BT_UI_VIEW_H
#define BT_UI_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "boundterm/scrollback.h"
#include "lines.h"

struct view_line {
    const struct sb_row *row; /* valid until the next view_layout(); never NULL */
    uint64_t line;            /* absolute row starting its logical line */
    uint32_t sub;             /* display row within the logical line */
    uint32_t off;             /* cell offset of its first column within the logical line */
    bool screen;              /* a screen row (line is then its absolute row) */
    uint64_t stamp;           /* a screen row's term_row_stamp: the same, the same row; 0 none */
};

struct view;

/* A view of the line space (borrowed); NULL when out of memory. */
struct view *view_create(struct lines *lines);
/* Frees the view; NULL is a no-op. */
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

/*
 * Lays out rows x cols display rows for a frame; false (one log line) when out
 * of memory. The lines stay valid until the next call.
 */
bool view_layout(struct view *v, int rows, int cols);
const struct view_line *view_lines(const struct view *v);
/* Screen rows copied by the layouts so far: a row whose stamp stayed is not copied again. */
uint64_t view_rows_copied(const struct view *v);

/* History rows above the top of the view and in all, for the position indicator. */
void view_position(struct view *v, uint64_t *above, uint64_t *total);

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
 * Scrolls so that cell `cell` of the logical line starting at `line` is shown
 * about a third of the way down a rows x cols window, unless it is on one of its
 * first rows - 1 display rows already (the last row is kept free for the search
 * bar). Screen rows bring the view back to following.
 */
void view_reveal(struct view *v, uint64_t line, uint32_t cell, int rows, int cols);

/* The screen's top row in the line space. */
uint64_t view_screen_abs(struct view *v);

#endif
