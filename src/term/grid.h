/*
 * The screen grid: boundterm's own cells behind libvterm's VTermState.
 *
 * VTermState parses and keeps the cursor, modes and pen; it reports every change of the
 * screen through VTermStateCallbacks, and the grid applies them to its rows. Behaviour
 * follows libvterm 0.1.4's VTermScreen (the differential tests use it as the oracle), with
 * faster storage: 16-byte cells, rows held through an array of row pointers so that a
 * full-width scroll rotates pointers instead of moving cells, and combining sequences kept in
 * a small per-screen side table. Rows that leave the top of the primary screen are converted
 * to the store's struct sb_cell and handed to a scrollout hook.
 *
 * Coordinates: row 0 is the top of the screen, col 0 the left edge.
 */
#ifndef BT_GRID_H
#define BT_GRID_H

#include <stdbool.h>
#include <stdint.h>

#include <vterm.h>

#include "boundterm/scrollback.h"
#include "term.h" /* term_callbacks: the grid calls the row and bell callbacks itself */

struct grid;

/*
 * A grid of rows x cols driven by state (the grid reads the cursor from it on resize).
 * Install grid_state_callbacks() on state with the grid as user data. NULL when out of
 * memory; free with grid_destroy().
 */
struct grid *grid_create(VTermState *state, int rows, int cols, const struct term_callbacks *cb,
                         void *user);
/* Frees the grid; NULL is a no-op. */
void grid_destroy(struct grid *g);

/* The VTermStateCallbacks that drive a grid (static storage; user data = the grid). */
const VTermStateCallbacks *grid_state_callbacks(void);

void grid_size(const struct grid *g, int *rows, int *cols);

/*
 * The pen attributes libvterm 0.1.4 does not track (dim, overline, conceal), which seq.c reads
 * from SGR: set or clear attr (SB_ATTR_* bits) in the pen. Saving and restoring them goes with
 * DECSC and DECRC, in one slot like libvterm's own saved pen.
 */
void grid_set_pen_extra(struct grid *g, uint32_t attr, bool on);
/* The base codepoint of the last glyph placed, 0 when the cursor moved since or there is none. */
uint32_t grid_last_glyph(const struct grid *g);

/* The pen: what the next glyph is written with (reverse video not applied). */
void grid_pen(const struct grid *g, sb_color *fg, sb_color *bg, uint32_t *attrs);
void grid_save_pen_extra(struct grid *g);
void grid_restore_pen_extra(struct grid *g);

/*
 * Copies visible row `row` of the shown screen into out, in the store's canonical form
 * (ncols = screen width, flags = SB_ROW_WRAPPED or 0). 0, SB_ERR_RANGE or SB_ERR_NOMEM.
 */
int grid_read_row(const struct grid *g, int row, struct sb_row *out);

/*
 * Marks the cursor's row of the primary screen with marks (SB_ROW_MARK_*, a shell's OSC 133),
 * and with SB_ROW_MARK_END keeps cmd (if not NULL) for the row. The marks go with the row into
 * the history; erasing the whole row removes them. Nothing on the alternate screen.
 */
void grid_mark(struct grid *g, uint32_t marks, const struct sb_command *cmd);
/* The marks of visible row `row`. */
uint32_t grid_row_marks(const struct grid *g, int row);

/* Cursor properties last set by the program (VTERM_PROP_CURSOR*). */
void grid_cursor_props(const struct grid *g, bool *visible, bool *blink, int *shape);
bool grid_altscreen(const struct grid *g);
/* The next switch to the alternate screen keeps the text it had (modes 47 and 1047). */
void grid_keep_alternate(struct grid *g);
/* True while reverse video (DECSCNM) is on; read_row already applies it to the cells. */
bool grid_reverse(const struct grid *g);

/* A counter bumped on every visible change (the window draws when it moved). */
uint64_t grid_generation(const struct grid *g);
/* Something visible changed (cells, the cursor, the palette): bumps the generation. */
void grid_touch(struct grid *g);
/*
 * Identifies what grid_read_row gives of row `row` now: while the stamp stays, so do the
 * cells, flags and note read. 0: no stamp (read it). Stamps are unique across rows.
 */
uint64_t grid_row_stamp(const struct grid *g, int row);
/* Every row of both screens changed how it reads (reverse video, the palette, a resize). */
void grid_touch_rows(struct grid *g);

/*
 * xterm's DECRQCRA checksum of the rectangle rows top..bottom, cols left..right (0-based,
 * inclusive, already clipped to the screen), before xterm's final negation and 16-bit mask.
 */
int grid_checksum(const struct grid *g, int top, int left, int bottom, int right);

/* ---- Hyperlinks (grid_links.c) ---- */

/* The number cells name URI uri[0..len) by (interned); 0 when the table cannot take it. */
uint32_t grid_link_intern(struct grid *g, const char *uri, size_t len);
/* The URI of number k, or NULL. */
const char *grid_link_uri(const struct grid *g, uint32_t k);
/* Glyphs written from now on carry link k (0: none). */
void grid_set_link(struct grid *g, uint32_t k);

/* ---- Rectangles (grid_rect.c): inclusive, 0-based, inside the screen ---- */

struct grid_rect {
    int top, left, bottom, right;
};

/* DECFRA: every cell ch in the pen (protected from selective erase when protect). */
void grid_rect_fill(struct grid *g, struct grid_rect r, uint32_t ch, bool protect);
/* DECERA, DECSERA (selective: protected cells stay): drawn blanks in the pen's colours. */
void grid_rect_erase(struct grid *g, struct grid_rect r, bool selective);
/* DECCRA: src's cells to (top, left), clipped to the screen; false if memory ran out. */
bool grid_rect_copy(struct grid *g, struct grid_rect src, int top, int left);
/*
 * DECCARA (toggle false: 0 clears, 1 4 5 7 set, 22 24 25 27 clear) and DECRARA (toggle: 0 or
 * 1 4 5 7 reverse) over r, or from its start to its end as text runs when stream. As xterm,
 * only bold, underline, blink and reverse: the VT420's set.
 */
void grid_rect_attrs(struct grid *g, struct grid_rect r, bool stream, const long *params, int n,
                     bool toggle);

/*
 * Adds (drow, dcol) to the cursor adjustment of the next resize, and counts the cursor as
 * that far from where VTermState has it when deciding which rows to keep (vt.c moves the
 * cursor home with DECSTBM just before a resize, see term_resize).
 */
void grid_bias_next_resize(struct grid *g, int drow, int dcol);

/*
 * The fast path for plain text (vt.c): writes up to n printable ASCII characters (0x20-0x7E)
 * as VTermState would, right after the glyph it placed last, with the pen (and the
 * protection) that glyph got, stopping a column short of the row's end. Returns how many it
 * wrote, 0 when the cursor is not just past that glyph on its row; the caller then moves
 * VTermState's cursor that many columns (CUF), so both agree again.
 */
int grid_put_ascii(struct grid *g, const char *text, int n);

/*
 * Joins combining marks to the glyph the cursor stayed on after placing it (in the last
 * column, where it waits to wrap), as they would have joined it in the same write: libvterm
 * 0.1.4 joins a mark from a later write only when the cursor moved right of its glyph. false
 * (nothing done) when the cursor is not on the last glyph placed.
 */
bool grid_join_marks(struct grid *g, const uint32_t *marks, int n);

/*
 * A cursor movement sequence ran (CUF, CUP...): VTermState stopped waiting at the row's end
 * even if the cursor did not move (no movecursor callback then), so no soft wrap and no join
 * of later marks follows from the last glyph.
 */
void grid_cursor_moved(struct grid *g);

/* DECAWM as the program set it: a cursor past a full row waits there only with it on. */
void grid_set_autowrap(struct grid *g, bool on);

/*
 * After the alternate screen ended: true (once) when a resize meanwhile reflowed the primary
 * screen, with where its cursor went (VTermState restores the one it saved before the reflow).
 */
bool grid_primary_cursor_moved(struct grid *g, int *row, int *col);

/* Bytes the grid holds (cells, row pointers, side tables), for honest memory reports. */
size_t grid_sizeof(const struct grid *g);

#endif
