/*
 * The differential harness for the terminal engine: libvterm 0.1.4's own VTermScreen (the
 * oracle) and boundterm's term (VTermState + grid) fed the same bytes in the same chunks,
 * each recording the rows it scrolls out, then compared cell by cell.
 *
 * What is compared: screen size, cursor position and properties, alternate-screen flag, every
 * visible cell (codepoints, width, attributes, colours as default/palette/RGB) and every row
 * pushed to scrollback so far (same fields). What is not, and why:
 *   - SB_ROW_WRAPPED: VTermScreen 0.1.4 has no continuation flag (tests of their own check it);
 *   - the attributes of the right half of a wide glyph: VTermScreen leaves whatever that cell
 *     held before, the store's canonical form repeats the wide cell's (both are normalised);
 *   - DECDWL/DECDHL line attributes (dwl, dhl): the store's cell has no place for them;
 *   - the cursor after a resize that VTermScreen gets wrong (see pair_resize);
 *   - codepoints past U+10FFFF, which libvterm decodes from 5- and 6-byte UTF-8 and the store
 *     refuses: the grid keeps U+FFFD, the oracle's are mapped the same way before comparing.
 * VTermScreen's cells are normalised as the grid exports its own: a cell is wide exactly when
 * the next is a continuation ((uint32_t)-1); a continuation with no wide cell before it reads
 * as an empty cell with its own attributes.
 */
#ifndef BT_TEST_ORACLE_H
#define BT_TEST_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"

struct pair;

/* A pair of rows x cols terminals; aborts when out of memory (tests only). */
struct pair *pair_create(int rows, int cols);
void pair_destroy(struct pair *p);

/* Feeds the same bytes to both. */
void pair_feed(struct pair *p, const char *bytes, size_t len);
/*
 * Resizes both (rows pop back from each side's own recorded scrollback). Returns false when
 * the two sides are not comparable from there on: VTermScreen put its cursor off the screen
 * (0.1.4 pushes rows off the top past the cursor when non-blank rows lie below it, leaving a
 * negative cursor row; the grid keeps the cursor on screen instead), or the alternate screen
 * was shown (VTermScreen cuts the primary screen under it, the grid reflows it).
 */
bool pair_resize(struct pair *p, int rows, int cols);

/*
 * False when VTermScreen's cursor is off its screen: 0.1.4 restores a saved cursor (ESC 8,
 * CSI ? 1049 l) without fitting it to a screen shrunk since; term_feed brings ours back,
 * VTermScreen may crash from there on. Such a stream is not comparable any more.
 */
bool pair_oracle_sane(const struct pair *p);

/*
 * Compares both sides; true when equal. On a difference writes a one-line description into
 * why (if not NULL).
 */
bool pair_compare(struct pair *p, char *why, size_t whylen);

/* Rows each side has in its recorded scrollback, and how often ours asked to clear it. */
size_t pair_scrollback_rows(const struct pair *p);
unsigned pair_clears(const struct pair *p);

/* Prints both screens to stderr, for diagnosing a failure. */
void pair_dump(const struct pair *p);

#endif
