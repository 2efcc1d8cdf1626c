/*
 * Combining marks that arrive in a later read than their base character, when
 * that character sits in the last column (the cursor waits to wrap). Reads
 * from a pty split anywhere, so the screen must not depend on where.
 *
 * Known to fail (meson: should_fail): libvterm 0.3 merges a mark into the
 * previous glyph only when the cursor is right of it, which in the last column
 * it is not, so the marks start a new cell on the next row. A fix in vt.c will
 * make this test pass; then drop should_fail.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "term.h"

int main(void)
{
    const char *marks[] = {"\xcc\x94", "\xcc\xa1\xcc\x9e"}; /* U+0314, U+0321 U+031E */
    struct term *t = term_create(4, 10, NULL, NULL);
    REQUIRE(t != NULL);
    term_feed(t, "abcdefghiq", 10); /* q in the last column: the cursor waits to wrap */
    for (size_t i = 0; i < 2; i++)
        term_feed(t, marks[i], strlen(marks[i]));
    term_feed(t, "\r\n", 2);
    struct sb_row row;
    sb_row_init(&row);
    REQUIRE(term_read_row(t, 0, &row) == 0);
    CHECK_EQ(row.cells[9].chars[0], 'q');
    CHECK_EQ(row.cells[9].chars[1], 0x314);
    CHECK_EQ(row.cells[9].chars[2], 0x321);
    CHECK_EQ(row.cells[9].chars[3], 0x31e);
    REQUIRE(term_read_row(t, 1, &row) == 0);
    CHECK_EQ(row.cells[0].chars[0], 0); /* nothing spilled onto the next row */
    sb_row_fini(&row);
    term_destroy(t);
    return check_done();
}
