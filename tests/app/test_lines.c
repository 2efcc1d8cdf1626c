/*
 * Unit tests of src/session/lines.c, the line space: history and screen numbered as one run
 * of rows. Rows keep their numbers while they scroll into the store, while the store drops
 * the oldest, and when the screen takes rows back; a logical line runs from the history onto
 * the screen; a clear leaves every number below the screen gone and nothing else changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "../unit/store_fixture.h"
#include "term_fixture.h"
#include "lines.h"

static char spill_dir[64];

/* The text of row n as the line space gives it, trailing blanks trimmed ("?" when gone). */
static const char *text_of(struct lines *l, uint64_t n)
{
    static char buf[512];
    const struct sb_row *row = lines_row(l, n);
    if (!row)
        return "?";
    size_t len = 0;
    for (uint32_t c = 0; c < row->ncols && len + 1 < sizeof buf; c++)
        buf[len++] = row->cells[c].chars[0] ? (char)row->cells[c].chars[0] : ' ';
    while (len > 0 && buf[len - 1] == ' ')
        len--;
    buf[len] = '\0';
    return buf;
}

/* The text of a joined line. */
static const char *joined_text(const struct lines_joined *j)
{
    static char buf[2048];
    size_t len = 0;
    for (uint32_t c = 0; j && c < j->ncells && len + 1 < sizeof buf; c++)
        buf[len++] = j->cells[c].chars[0] ? (char)j->cells[c].chars[0] : ' ';
    buf[len] = '\0';
    return buf;
}

/* Rows keep their numbers as they scroll into history and come back on a taller screen. */
static void test_numbers(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 0);
    struct term *t = fixture_term(st, 4, 20);
    struct lines *l = lines_create(st, t);
    REQUIRE(l != NULL);
    struct lines_span sp;
    lines_span(l, &sp);
    CHECK(sp.first == 0 && sp.screen == 0 && sp.end == 4);
    feed(t, "zero\r\none\r\ntwo\r\nthree\r\nfour\r\nfive");
    lines_span(l, &sp);
    CHECK(sp.first == 0 && sp.screen == 2 && sp.end == 6);
    for (uint64_t n = 0; n < 6; n++) {
        static const char *want[] = {"zero", "one", "two", "three", "four", "five"};
        CHECK_STR(text_of(l, n), want[n]);
    }
    CHECK_STR(text_of(l, 6), "?"); /* past the screen */
    /* A taller screen takes rows back: each keeps its number, now as a screen row. */
    term_resize(t, 6, 20);
    lines_span(l, &sp);
    CHECK(sp.screen == 0 && sp.end == 6);
    CHECK_STR(text_of(l, 1), "one");
    CHECK_STR(text_of(l, 5), "five");
    /* ... and scrolls them out again, rewritten meanwhile: the copies kept are not used. */
    feed(t, "\x1b[1;1Hnew zero\x1b[2;1Hnew one\x1b[6;1H\r\n\r\n");
    term_resize(t, 4, 20);
    lines_span(l, &sp);
    CHECK(sp.screen >= 2);
    CHECK_STR(text_of(l, 0), "new zero");
    CHECK_STR(text_of(l, 1), "new one");
    lines_destroy(l);
    term_destroy(t);
    sb_store_destroy(st);
}

/* A logical line that runs from the history onto the screen. */
static void test_join(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 0);
    struct term *t = fixture_term(st, 3, 10);
    struct lines *l = lines_create(st, t);
    REQUIRE(l != NULL);
    feed(t, "first\r\n0123456789abcdefghijABCDEFGHIJklm\r\nlast");
    /* rows: 0 "first", 1-4 the long line (1-3 wrapped), 5 "last"; the screen is 3..5 */
    struct lines_span sp;
    lines_span(l, &sp);
    CHECK(sp.screen == 3 && sp.end == 6);
    CHECK_EQ(lines_start(l, 2), 1);
    CHECK_EQ(lines_start(l, sp.screen), 1); /* from the screen back into the history */
    CHECK_EQ(lines_start(l, 0), 0);
    CHECK_EQ(lines_start(l, 5), 5);
    const struct lines_joined *j = lines_join(l, 1, sp.end);
    REQUIRE(j != NULL);
    CHECK_STR(joined_text(j), "0123456789abcdefghijABCDEFGHIJklm");
    CHECK(j->rows == 4 && !j->wrapped);
    /* As the window shows it: history up to the screen, then each screen row alone. */
    j = lines_join_shown(l, 1);
    REQUIRE(j != NULL);
    CHECK_STR(joined_text(j), "0123456789abcdefghij");
    CHECK(j->rows == 2 && j->wrapped);
    j = lines_join_shown(l, 3);
    REQUIRE(j != NULL);
    CHECK_STR(joined_text(j), "ABCDEFGHIJ");
    CHECK(j->rows == 1 && j->wrapped);
    uint64_t line;
    uint32_t cell;
    CHECK(lines_locate(l, 2, 5, &line, &cell) && line == 1 && cell == 15);
    CHECK(lines_locate(l, 3, 2, &line, &cell) && line == 3 && cell == 2); /* a screen row */
    CHECK(lines_join(l, 2, 2) == NULL); /* an empty range */
    /* More output scrolls the line into the history: joined whole again, with its copy renewed */
    feed(t, "\r\nx\r\ny");
    lines_span(l, &sp);
    CHECK(sp.screen == 5);
    j = lines_join_shown(l, 1);
    REQUIRE(j != NULL);
    CHECK_STR(joined_text(j), "0123456789abcdefghijABCDEFGHIJklm");
    CHECK(lines_locate(l, 3, 2, &line, &cell) && line == 1 && cell == 22);
    lines_destroy(l);
    term_destroy(t);
    sb_store_destroy(st);
}

/* Drops and clears: rows below first are gone, the others keep their numbers and text. */
static void test_gone(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 0);
    struct term *t = fixture_term(st, 2, 60);
    struct lines *l = lines_create(st, t);
    REQUIRE(l != NULL);
    char buf[128];
    for (int i = 0; i < 200000; i++) { /* past the smallest RAM budget: the oldest go */
        uint64_t h = (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull;
        int n = snprintf(buf, sizeof buf, "%07d %016llx %016llx\r\n", i, (unsigned long long)h,
                         (unsigned long long)(h * h));
        term_feed(t, buf, (size_t)n);
    }
    struct lines_span sp;
    lines_span(l, &sp);
    CHECK(sp.first > 0);
    CHECK_STR(text_of(l, sp.first - 1), "?");
    snprintf(buf, sizeof buf, "%07llu", (unsigned long long)sp.first);
    CHECK(strncmp(text_of(l, sp.first), buf, 7) == 0);
    snprintf(buf, sizeof buf, "%07llu", (unsigned long long)(sp.screen - 1));
    CHECK(strncmp(text_of(l, sp.screen - 1), buf, 7) == 0);
    uint64_t screen = sp.screen;
    feed(t, "\x1b[3J"); /* a clear: the history goes, the screen keeps its numbers */
    lines_span(l, &sp);
    CHECK(sp.first == screen && sp.screen == screen);
    CHECK_STR(text_of(l, screen - 1), "?");
    CHECK(lines_join_shown(l, screen - 1) == NULL);
    uint64_t line;
    uint32_t cell;
    CHECK(!lines_locate(l, screen - 1, 0, &line, &cell));
    lines_release(l);
    lines_destroy(l);
    term_destroy(t);
    sb_store_destroy(st);
}

/* One shell round with prompt marks: prompt, command, its output rows, the end with status. */
static void shell_round(struct term *t, int n, const char *const *out, int status)
{
    char buf[256];
    snprintf(buf, sizeof buf, "\x1b]133;A\x07$ \x1b]133;B\x07" "cmd %d\r\n\x1b]133;C\x07", n);
    feed(t, buf);
    for (; *out; out++) {
        feed(t, *out);
        feed(t, "\r\n");
    }
    snprintf(buf, sizeof buf, "\x1b]133;D;%d\x07", status);
    feed(t, buf);
}

/*
 * Prompt marks found across the history and the screen, and each command's output: rows 0-3
 * (cmd 0 and a0-a2), 4-7 (cmd 1, b0-b2, exit 1), 8 (cmd 2, no output), 9 (the prompt now).
 */
static void test_marks(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 0);
    struct term *t = fixture_term(st, 6, 30);
    struct lines *l = lines_create(st, t);
    REQUIRE(l != NULL);
    shell_round(t, 0, (const char *const[]){"a0", "a1", "a2", NULL}, 0);
    shell_round(t, 1, (const char *const[]){"b0", "b1", "b2", NULL}, 1);
    shell_round(t, 2, (const char *const[]){NULL}, 0);
    feed(t, "\x1b]133;A\x07$ \x1b]133;B\x07");
    struct lines_span sp;
    lines_span(l, &sp);
    CHECK(sp.screen == 4 && sp.end == 10); /* rows 0-3 in the store */
    uint64_t at, from = sp.end;
    static const uint64_t prompts[] = {9, 8, 4, 0};
    for (int i = 0; i < 4; i++) {
        CHECK(lines_find_mark(l, from, true, SB_ROW_MARK_PROMPT, &at) && at == prompts[i]);
        from = at;
    }
    CHECK(!lines_find_mark(l, 0, true, SB_ROW_MARK_PROMPT, &at));
    for (int i = 2; i >= 0; i--) {
        CHECK(lines_find_mark(l, from, false, SB_ROW_MARK_PROMPT, &at) && at == prompts[i]);
        from = at;
    }
    CHECK(!lines_find_mark(l, 9, false, SB_ROW_MARK_PROMPT, &at));
    CHECK(lines_find_mark(l, sp.end, true, SB_ROW_MARK_FAILED, &at) && at == 4 + 4);
    uint64_t first, end;
    for (uint64_t r = 0; r < 4; r++)
        CHECK(lines_command_output(l, r, &first, &end) && first == 1 && end == 4);
    for (uint64_t r = 4; r < 8; r++)
        CHECK(lines_command_output(l, r, &first, &end) && first == 5 && end == 8);
    CHECK(!lines_command_output(l, 8, &first, &end)); /* cmd 2 printed nothing */
    CHECK(!lines_command_output(l, 10, &first, &end)); /* past the screen */
    /* a command still running: its output goes on to the end of the screen */
    feed(t, "sleep\r\n\x1b]133;C\x07z0\r\nz1");
    lines_span(l, &sp);
    CHECK(lines_command_output(l, sp.end - 1, &first, &end) && end == sp.end &&
          !strcmp(text_of(l, first), "z0"));
    lines_destroy(l);
    term_destroy(t);
    sb_store_destroy(st);
}

int main(void)
{
    test_marks();
    snprintf(spill_dir, sizeof spill_dir, "/tmp/bt-test-lines-XXXXXX");
    REQUIRE(mkdtemp(spill_dir) != NULL);
    test_numbers();
    test_join();
    test_gone();
    rmdir(spill_dir);
    return check_done();
}
