/*
 * The selection, across history and screen. A point is a logical line (its
 * first absolute row, see view.h) and a cell offset within that line, so a
 * selection survives scrolling, new output and reflow to another width. The
 * anchor is where the drag started, the head where it is now; word and line
 * modes widen both ends to word or line bounds.
 */
#ifndef BT_UI_SELECT_H
#define BT_UI_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "view.h"

enum select_mode { SELECT_CHAR, SELECT_WORD, SELECT_LINE };

struct select_point {
    uint64_t line;
    uint32_t off;
};

struct select {
    bool exists;   /* something is selected (or being dragged) */
    bool dragging; /* the button is still down */
    enum select_mode mode;
    struct select_point anchor, head;
    struct select_point from, to; /* ordered and widened: [from, to) */
};

/* The point under display row r, column c of the last layout. */
struct select_point select_point_at(const struct view_line *line, int col);

/* Starts a selection at p (a click: 1 char, 2 word, 3 line). */
void select_start(struct select *s, struct lines *l, struct select_point p, enum select_mode mode);
/* Moves the head to p (a drag, or Shift+click extending). */
void select_extend(struct select *s, struct lines *l, struct select_point p);
void select_clear(struct select *s);

/* Columns [*from, *to) of a display row that are selected; false when none. */
bool select_span(const struct select *s, const struct view_line *line, int cols, int *from,
                 int *to);

/*
 * The selected text as UTF-8: rows joined by '\n' except where a line wraps,
 * trailing blanks of each line left out. Returns a malloc'd string (the caller
 * frees it) or NULL when nothing is selected or out of memory.
 */
char *select_text(const struct select *s, struct lines *l);

#endif
