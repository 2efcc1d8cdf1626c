/*
 * A crash found by raw /dev/urandom through boundterm ("double free or
 * corruption" at exit): a 0xC2 byte, then control characters, then a byte
 * 0x80..0x9F. libvterm's UTF-8 decoder waits through the controls and ends
 * the sequence as a C1 control, a glyph of width -1 that walks the cursor to
 * column -1; a tab stop set there (ESC H) writes before libvterm's tab stop
 * table. The cursor must stay on screen, whole in one feed or split.
 */
#include <string.h>

#include "check.h"
#include "term.h"

/* Feeds parts (split where a '|' is) and checks that the cursor is on screen. */
static void check_on_screen(const char *bytes)
{
    struct term *t = term_create(24, 80, NULL, NULL);
    REQUIRE(t != NULL);
    for (const char *p = bytes, *bar; *p; p = bar + (*bar == '|')) {
        bar = strchr(p, '|');
        if (!bar)
            bar = p + strlen(p);
        term_feed(t, p, (size_t)(bar - p));
    }
    struct term_cursor c;
    term_cursor(t, &c);
    CHECK(c.col >= 0 && c.col < 80 && c.row >= 0 && c.row < 24);
    if (c.col < 0)
        fprintf(stderr, "cursor at column %d after %s\n", c.col, bytes);
    term_destroy(t);
}

int main(void)
{
    check_on_screen("\xc2\r\x8f");
    check_on_screen("\xc2\x07\x8f");
    check_on_screen("\xc2\x08\x85");
    check_on_screen("\xc2\x7f\x8f");
    check_on_screen("\xc2\x1b" "7\x8f");
    check_on_screen("ab\xc2|\r\x8f");
    check_on_screen("ab\xc2\xc2\r\x8f");
    check_on_screen("\xc2\r\x8f\x1bH\x1bH\t"); /* the tab stop written out of bounds */
    return check_done();
}
