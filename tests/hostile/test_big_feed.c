/*
 * One term_feed of several MiB (the API sets no limit): libvterm keeps a
 * codepoint array as long as each write on its stack, so vt.c must hand it
 * long runs in slices. Plain text, text with line ends and text with
 * combining marks, each checked on screen afterwards.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "term.h"

#define BIG (6u << 20)

static void feed_big(const char *unit, size_t unit_len, uint32_t want0, uint32_t want1)
{
    char *buf = malloc(BIG);
    REQUIRE(buf != NULL);
    size_t len = 0;
    for (; len + unit_len <= BIG; len += unit_len)
        memcpy(buf + len, unit, unit_len);
    struct term *t = term_create(24, 80, NULL, NULL);
    REQUIRE(t != NULL);
    term_feed(t, buf, len);
    struct sb_row row;
    sb_row_init(&row);
    REQUIRE(term_read_row(t, 0, &row) == 0);
    CHECK_EQ(row.cells[0].chars[0], want0);
    CHECK_EQ(row.cells[0].chars[1], want1);
    sb_row_fini(&row);
    term_destroy(t);
    free(buf);
}

int main(void)
{
    feed_big("x", 1, 'x', 0);
    feed_big("0123456789abcdef\r\n", 18, '0', 0);
    feed_big("e\xcc\x81", 3, 'e', 0x301);
    return check_done();
}
