/*
 * The line space: the stored history and the screen as one run of numbered rows.
 *
 * History row n is the store's row n. The screen's row r is number screen + r, where
 * screen is one past the store's newest row, so a row keeps its number when it scrolls
 * off the screen into the store and when the terminal takes it back onto a taller screen.
 * Rows below first are gone for good (dropped by the budgets, or cleared): a position
 * held as a row number needs no other check, and nothing here has to notice a clear.
 *
 * Rows with SB_ROW_WRAPPED join the next row into a logical line, which may run from
 * the history onto the screen. A join stops at a limit the caller gives (the view shows
 * history lines up to the screen, and each screen row by itself) and after LINES_MAX_JOIN
 * rows, which keeps the work bounded for programs that never print a newline.
 *
 * The view, the selection, the search bar's screen scan and the window's link lookups read
 * rows through here. The store search and export walk the store on their own threads with
 * the same numbers (the screen belongs to the session's thread). Not thread-safe.
 */
#ifndef BT_SESSION_LINES_H
#define BT_SESSION_LINES_H

#include <stdbool.h>
#include <stdint.h>

#include "boundterm/scrollback.h"

struct term;

#define LINES_MAX_JOIN 256

struct lines_span {
    uint64_t first;  /* the oldest row still held */
    uint64_t screen; /* the screen's top row: rows below it are history */
    uint64_t end;    /* one past the screen's bottom row */
};

/* A logical line, joined: valid until the next call into the line space. */
struct lines_joined {
    const struct sb_cell *cells; /* the rows' cells; the last row's trailing blanks left out */
    uint32_t ncells;
    uint32_t rows;               /* how many rows were joined */
    bool wrapped;                /* the last row joined goes on past the limit */
    const struct sb_row *links;  /* the URIs the cells' link numbers name (no cells) */
    uint64_t gen;                /* changes whenever the joined cells may have */
};

struct lines;

/* The line space over store and term (both borrowed); NULL when out of memory. */
struct lines *lines_create(struct sb_store *store, struct term *term);
/* Frees it and its copies of rows; NULL is a no-op. */
void lines_destroy(struct lines *l);

/* Where the history and the screen are now. */
void lines_span(struct lines *l, struct lines_span *out);

/*
 * Row n as stored (history) or as the screen shows it; NULL when it is gone, past the
 * screen or out of memory. Valid until the next call into the line space.
 */
const struct sb_row *lines_row(struct lines *l, uint64_t n);

/* Copies row n into out (a screen row read straight into it); false as lines_row's NULL. */
bool lines_copy_row(struct lines *l, uint64_t n, struct sb_row *out);
/*
 * The stamps of rows [n, n + count) into out: a screen row's term_row_stamp (a copy with the
 * same stamp is still the row as it is), 0 for a history row or none.
 */
void lines_row_stamps(struct lines *l, uint64_t n, int count, uint64_t *out);

/* The first row of the logical line holding row n (at most LINES_MAX_JOIN - 1 rows back). */
uint64_t lines_start(struct lines *l, uint64_t n);

/*
 * Joins the logical line starting at row line, stopping before row limit; NULL when the
 * row is gone, line >= limit, or out of memory.
 */
const struct lines_joined *lines_join(struct lines *l, uint64_t line, uint64_t limit);

/*
 * The logical line starting at row line as the window shows it: history rows joined up to
 * the screen, a screen row by itself (lines_joined.wrapped says whether it goes on).
 */
const struct lines_joined *lines_join_shown(struct lines *l, uint64_t line);

/*
 * Where cell col of row n is in the line lines_join_shown() joins: *line receives the first
 * row of that line, *cell the cell's offset in it. false when the row is gone.
 */
bool lines_locate(struct lines *l, uint64_t n, uint32_t col, uint64_t *line, uint32_t *cell);

/* Gives back the copies of history rows kept for reading (the view follows the screen). */
void lines_release(struct lines *l);

/* ---- A shell's prompt marks (OSC 133) ---- */

/*
 * The nearest row before `from` (back) or after it holding any of the marks in mask
 * (SB_ROW_MARK_*), history or screen: true and its number in *found. Pages of history that
 * hold none are not read (sb_store_find_mark).
 */
bool lines_find_mark(struct lines *l, uint64_t from, bool back, uint32_t mask, uint64_t *found);

/*
 * Rows holding any of mask, the newest first, at most cap: the screen's exactly, the
 * history's to the page (the first row of each page that holds one; nothing is read).
 */
size_t lines_mark_rows(struct lines *l, uint32_t mask, uint64_t *rows, size_t cap);

/*
 * The output of the command around row `at`: the command whose prompt is the last one at or
 * before `at` (or, before any prompt, the first command). Its output is the rows from its
 * OUTPUT mark up to its END mark or the next prompt, whichever comes first, or up to the end
 * of the screen while it runs: [*first, *end). false when it has no output mark.
 */
bool lines_command_output(struct lines *l, uint64_t at, uint64_t *first, uint64_t *end);

#endif
