/*
 * term_row_stamp's promise, checked by the tests that feed the engine (test_term_diff through
 * oracle.c, and fuzz_term): a screen row whose stamp is what it was at the last check reads
 * exactly as it read then, and no two rows share a stamp.
 */
#ifndef BT_TEST_STAMPS_H
#define BT_TEST_STAMPS_H

#include "boundterm/scrollback.h"
#include "term.h"

struct stamps {
    struct sb_row *snap; /* each screen row as last checked, and its stamp */
    uint64_t *stamp;
    int rows, cols;
};

/*
 * Checks screen row r of t, just read into row, and keeps it for the next check (a new screen
 * size starts over). NULL when the promise holds, else what broke it (valid until the next
 * call). Aborts when out of memory.
 */
const char *stamps_check(struct stamps *s, const struct term *t, int r, const struct sb_row *row);

/* Frees what the checks kept; the struct may be zeroed and used again. */
void stamps_fini(struct stamps *s);

#endif
