/*
 * Unit tests of the search bar's state (src/ui/searchbar.c), no SDL: editing
 * the query (UTF-8, caret, word and line deletes, the length cap), the toggles
 * and a bad regex, matches in the store and on the screen (a soft wrap across
 * the boundary between them), Enter/Shift+Enter order with wrapping, the
 * nearest match first, restarting (cancelling) mid-scan, new output scanned as
 * it arrives, and output that drops rows while the search runs: no match and
 * no current match may point at a dropped row, and every match must still
 * read back as the query. Each test that scans runs twice: the search in
 * slices on this thread, then on the bar's own thread (searchbar_use_thread).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../unit/check.h"
#include "../unit/store_fixture.h"
#include "term_fixture.h"
#include "searchbar.h"
#include "term.h"

static char spill_dir[64];
static bool threaded; /* the bar's search runs on a thread of its own */

/* A bar as the window makes it: zeroed, with the search on a thread when the pass asks. */
static void bar_init(struct searchbar *sb)
{
    *sb = (struct searchbar){0};
    if (threaded)
        searchbar_use_thread(sb, NULL, NULL);
}

static void sleep_ms(int ms)
{
    nanosleep(&(struct timespec){0, ms * 1000000L}, NULL);
}

/* Matches the screen's rows of the line space over st and t, as the window does. */
static bool scan_screen(struct searchbar *sb, struct sb_store *st, struct term *t)
{
    struct lines *l = lines_create(st, t);
    REQUIRE(l != NULL);
    bool ok = searchbar_scan_screen(sb, l);
    lines_destroy(l);
    return ok;
}

/* Runs the bar's search to its end and takes the screen's matches. */
static void finish(struct searchbar *sb, struct term *t)
{
    for (int i = 0; i < 100000 && searchbar_step(sb, 0); i++)
        if (threaded)
            sleep_ms(1);
    if (threaded) { /* a poke for new rows: the thread may not have taken them in yet */
        sleep_ms(5);
        for (int i = 0; i < 100000 && searchbar_step(sb, 0); i++)
            sleep_ms(1);
    }
    CHECK(scan_screen(sb, sb->store, t));
    searchbar_settle(sb);
}

/* Sets the query as if typed and restarts the search. */
static void type(struct searchbar *sb, const char *q)
{
    searchbar_clear(sb);
    searchbar_insert(sb, q);
    searchbar_restart(sb);
}

static void test_editing(void)
{
    struct searchbar sb = {0};
    CHECK(searchbar_insert(&sb, "h\xc3\xa9llo"));
    CHECK_STR(sb.query, "h\xc3\xa9llo");
    CHECK_EQ(sb.caret, 6);
    searchbar_move(&sb, -1);
    searchbar_move(&sb, -1);
    searchbar_move(&sb, -1);
    CHECK_EQ(sb.caret, 3); /* after the two-byte e-acute */
    CHECK(searchbar_delete(&sb, true));
    CHECK_STR(sb.query, "hllo");
    CHECK_EQ(sb.caret, 1);
    CHECK(searchbar_insert(&sb, "e\tx\n"));
    CHECK_STR(sb.query, "he x llo"); /* control characters become spaces */
    searchbar_move(&sb, 2);
    CHECK(searchbar_delete_word(&sb));
    CHECK_STR(sb.query, "he x ");
    CHECK(searchbar_delete_word(&sb));
    CHECK_STR(sb.query, "he ");
    searchbar_move(&sb, -2);
    CHECK(!searchbar_delete(&sb, true));
    CHECK(searchbar_delete(&sb, false));
    CHECK_STR(sb.query, "e ");
    CHECK(searchbar_clear(&sb));
    CHECK(!searchbar_clear(&sb));
    CHECK_EQ(sb.len, 0);
    char big[SEARCHBAR_QUERY_MAX * 2];
    for (size_t i = 0; i + 2 < sizeof big; i += 2)
        memcpy(big + i, "\xc3\xa9", 2);
    big[sizeof big - 2] = '\0';
    CHECK(searchbar_insert(&sb, big));
    CHECK(sb.len < SEARCHBAR_QUERY_MAX && sb.len % 2 == 0); /* cut on a codepoint boundary */
    CHECK_EQ(strlen(sb.query), sb.len);
    searchbar_insert(&sb, "x"); /* fills the last byte, if one was left */
    CHECK(!searchbar_insert(&sb, "x"));
    searchbar_fini(&sb);
}

static void test_toggles(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 1u << 30);
    struct searchbar sb = {0};
    char buf[256];
    searchbar_open(&sb, st, 0);
    searchbar_status(&sb, buf, sizeof buf);
    CHECK_STR(buf, "type to search");
    searchbar_toggles(&sb, buf, sizeof buf);
    CHECK_STR(buf, "Aa:smart .*:off");
    searchbar_cycle_case(&sb);
    searchbar_toggle_regex(&sb);
    searchbar_toggles(&sb, buf, sizeof buf);
    CHECK_STR(buf, "Aa:exact .*:on");
    searchbar_insert(&sb, "a(b");
    CHECK(!searchbar_restart(&sb));
    CHECK(sb.error[0] != '\0' && sb.search == NULL);
    searchbar_status(&sb, buf, sizeof buf);
    CHECK(strncmp(buf, "bad regex: ", 11) == 0);
    searchbar_toggle_regex(&sb); /* as plain text "a(b" is fine */
    CHECK(sb.error[0] == '\0' && sb.search != NULL);
    searchbar_cycle_case(&sb);
    searchbar_cycle_case(&sb);
    CHECK_EQ(sb.case_mode, SEARCH_CASE_SMART);
    searchbar_fini(&sb);
    sb_store_destroy(st);
}

/* Reads the text of match m from store rows and the screen (as the bar matched it). */
static void match_text(struct sb_store *st, struct term *t, const struct search_match *m,
                       char *out, size_t cap)
{
    struct sb_row row;
    sb_row_init(&row);
    size_t n = 0;
    uint64_t end = fixture_end(st);
    for (uint64_t k = m->row; k <= m->end_row; k++) {
        int rc = k < end ? sb_store_read_row(st, k, &row) : term_read_row(t, (int)(k - end), &row);
        CHECK(rc == 0);
        uint32_t c0 = k == m->row ? search_byte_to_col(&row, m->byte) : 0;
        uint32_t c1 = k == m->end_row ? search_byte_to_col(&row, m->end_byte) : row.ncols;
        for (uint32_t c = c0; c < c1 && c < row.ncols && n + 5 < cap; c++)
            if (row.cells[c].width)
                out[n++] = row.cells[c].chars[0] ? (char)row.cells[c].chars[0] : ' ';
    }
    out[n] = '\0';
    sb_row_fini(&row);
}

/* 8 columns: "needle" in history, one wrapped across the store/screen edge, two on screen. */
static void test_store_and_screen(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 1u << 30);
    struct term *t = fixture_term(st, 4, 8);
    feed(t, "needle\r\nabc\r\nNEEDLE\r\nx\r\ny\r\n"); /* 5 rows: the first 2 scroll off */
    feed(t, "zzzzznee");                              /* wraps: "nee" | "dle" */
    feed(t, "dle\r\n\r\n\r\nneedle!");
    /* Rows: 0 needle, 1 abc, 2 NEEDLE, 3 x, 4 y, 5 zzzzznee (wrapped), 6 dle, 7, 8, 9 needle! */
    struct searchbar sb;
    bar_init(&sb);
    searchbar_open(&sb, st, 100); /* the origin below everything: the newest first */
    type(&sb, "needle");
    finish(&sb, t);
    size_t place, n = searchbar_count(&sb, &place);
    CHECK_EQ(n, 4); /* smart case: lower-case query matches NEEDLE too */
    CHECK(sb.has_current);
    CHECK_EQ(sb.current.row, 9); /* the nearest above the origin */
    CHECK_EQ(place, 4);
    CHECK(searchbar_next(&sb, SEARCH_BACKWARD));
    CHECK_EQ(sb.current.row, 5); /* the wrapped one: rows 5..6 */
    CHECK_EQ(sb.current.end_row, 6);
    char text[64];
    match_text(st, t, &sb.current, text, sizeof text);
    CHECK_STR(text, "needle");
    CHECK(searchbar_next(&sb, SEARCH_BACKWARD));
    CHECK_EQ(sb.current.row, 2);
    CHECK(searchbar_next(&sb, SEARCH_BACKWARD));
    CHECK_EQ(sb.current.row, 0);
    CHECK(searchbar_next(&sb, SEARCH_BACKWARD)); /* wraps to the newest */
    CHECK_EQ(sb.current.row, 9);
    CHECK(searchbar_next(&sb, SEARCH_FORWARD)); /* and back round to the oldest */
    CHECK_EQ(sb.current.row, 0);
    type(&sb, "Needle"); /* an upper-case letter: case-sensitive, nothing matches */
    finish(&sb, t);
    CHECK_EQ(searchbar_count(&sb, &place), 0);
    CHECK(!searchbar_next(&sb, SEARCH_BACKWARD));
    char buf[64];
    searchbar_status(&sb, buf, sizeof buf);
    CHECK_STR(buf, "no matches");
    searchbar_cycle_case(&sb);
    searchbar_cycle_case(&sb); /* insensitive */
    finish(&sb, t);
    CHECK_EQ(searchbar_count(&sb, &place), 4);
    /* The screen changes: a current match on it that is gone is forgotten. */
    type(&sb, "needle!");
    finish(&sb, t);
    CHECK(sb.has_current && sb.current.row == 9);
    feed(t, "\r\x1b[2K");
    scan_screen(&sb, st, t);
    searchbar_settle(&sb);
    CHECK(!sb.has_current);
    searchbar_fini(&sb);
    term_destroy(t);
    sb_store_destroy(st);
}

/* Pushes rows "r NNNNNNN needle" (every 10th) or "r NNNNNNN filler ...". */
static void push(struct sb_store *st, uint64_t first, uint64_t n)
{
    char buf[160];
    for (uint64_t i = first; i < first + n; i++) { /* hashes, so that pages hardly compress */
        uint64_t h = (i + 1) * 0x9e3779b97f4a7c15ull, g = (h ^ h >> 29) * 0xbf58476d1ce4e5b9ull;
        int len = snprintf(buf, sizeof buf, "r %07llu %s %016llx %016llx %016llx",
                           (unsigned long long)i, i % 10 == 0 ? "needle" : "filler",
                           (unsigned long long)h, (unsigned long long)g,
                           (unsigned long long)(g ^ g >> 31));
        sb_store_push_plain(st, buf, (size_t)len, 80, 0);
    }
}

struct collected {
    struct search_match *m;
    size_t n, cap;
};

/* searchbar_each callback: keeps every match. */
static void collect_one(void *user, const struct search_match *m, bool current)
{
    struct collected *c = user;
    (void)current;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->m = realloc(c->m, c->cap * sizeof *c->m);
        if (!c->m)
            exit(1);
    }
    c->m[c->n++] = *m;
}

/* Every match the bar lists (store and screen), oldest first; the caller frees c.m. */
static struct collected collect(struct searchbar *sb)
{
    struct collected c = {0};
    searchbar_each(sb, 0, UINT64_MAX, collect_one, &c);
    return c;
}

/* Every match the bar lists must be in a retained row and read back as the query. */
static void check_matches(struct searchbar *sb, struct term *t, const char *q)
{
    size_t place, n = searchbar_count(sb, &place);
    struct collected c = collect(sb);
    uint64_t d = fixture_first(sb->store);
    const struct search_match *m = c.m;
    size_t ns = c.n;
    CHECK(threaded || ns == n); /* a thread may publish more between the two reads */
    for (size_t i = 1; i < ns; i++)
        CHECK(m[i - 1].row < m[i].row || (m[i - 1].row == m[i].row && m[i - 1].byte < m[i].byte));
    size_t bad = 0;
    for (size_t i = 0; i < ns; i++) {
        char text[64];
        if (m[i].row < d) {
            bad++;
            continue;
        }
        match_text(sb->store, t, &m[i], text, sizeof text);
        bad += strcmp(text, q) != 0;
    }
    CHECK_EQ(bad, 0);
    CHECK(!sb->has_current || sb->current.row >= d);
    free(c.m);
}

/* Output that drops rows while the search runs (and after it found the current match). */
static void test_racing_drops(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 0);
    struct term *t = fixture_term(st, 4, 80);
    push(st, 0, 200000);
    uint64_t d0 = fixture_first(st), end0 = fixture_end(st);
    struct searchbar sb;
    bar_init(&sb);
    searchbar_open(&sb, st, end0);
    type(&sb, "needle");
    uint64_t pushed = 200000;
    for (int i = 0; i < 400 && searchbar_step(&sb, 1); i++) { /* a chunk at a time */
        push(st, pushed, 500); /* about a page's worth: some of the oldest rows go */
        pushed += 500;
        searchbar_settle(&sb); /* as the window does before each frame */
        if (i % 16 == 0) /* reading every match back is slow under valgrind */
            check_matches(&sb, t, "needle");
    }
    CHECK(fixture_first(st) > d0);
    finish(&sb, t);
    check_matches(&sb, t, "needle");
    if (!sb.has_current) /* it was dropped while the search ran: Enter picks another */
        CHECK(searchbar_next(&sb, SEARCH_BACKWARD));
    CHECK(sb.has_current);
    /* The current match's row is dropped: it is forgotten, not moved onto another row. */
    uint64_t cur = sb.current.row;
    while (fixture_first(st) <= cur) {
        push(st, pushed, 5000);
        pushed += 5000;
    }
    searchbar_settle(&sb);
    CHECK(!sb.has_current);
    finish(&sb, t); /* the new rows are scanned as they came */
    CHECK(!sb.has_current || sb.current.row > cur);
    check_matches(&sb, t, "needle");
    /* Enter from nowhere lands on a retained match. */
    CHECK(searchbar_next(&sb, SEARCH_BACKWARD));
    CHECK(sb.current.row >= fixture_first(st));
    searchbar_fini(&sb);
    term_destroy(t);
    sb_store_destroy(st);
}

/* Rows pushed after the search finished are scanned too, and a line cut at the old end whole. */
static void test_new_output(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 1u << 30);
    struct term *t = fixture_term(st, 2, 10);
    push(st, 0, 100);
    sb_store_push_plain(st, "abc nee", 7, 7, SB_ROW_WRAPPED); /* "needle" wraps at the end */
    struct searchbar sb;
    bar_init(&sb);
    searchbar_open(&sb, st, 200);
    type(&sb, "needle");
    finish(&sb, t);
    size_t place;
    CHECK_EQ(searchbar_count(&sb, &place), 10);
    sb_store_push_plain(st, "dle", 3, 10, 0);
    push(st, 100, 20);
    finish(&sb, t);
    CHECK_EQ(searchbar_count(&sb, &place), 13);
    struct collected c = collect(&sb);
    CHECK(c.n == 13 && c.m[10].row == 100 && c.m[10].end_row == 101);
    free(c.m);
    check_matches(&sb, t, "needle");
    searchbar_fini(&sb);
    term_destroy(t);
    sb_store_destroy(st);
}

/* A restart mid-scan (typing) or closing (Escape) ends the running search cleanly. */
static void test_cancel(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 1u << 30);
    struct term *t = fixture_term(st, 2, 10);
    push(st, 0, 50000);
    struct searchbar sb;
    bar_init(&sb);
    searchbar_open(&sb, st, 50000);
    type(&sb, "needle");
    if (!threaded) { /* a thread may be done already */
        CHECK(searchbar_step(&sb, 1)); /* one chunk: far from done */
        int pct;
        CHECK(searchbar_progress(&sb, &pct) && pct < 100);
        char buf[64];
        searchbar_status(&sb, buf, sizeof buf);
        CHECK(strstr(buf, "%") != NULL);
    }
    searchbar_insert(&sb, "X"); /* "needleX": nothing matches; the old matches must go */
    searchbar_restart(&sb);
    size_t place;
    CHECK_EQ(searchbar_count(&sb, &place), 0);
    CHECK(!sb.has_current);
    finish(&sb, t);
    CHECK_EQ(searchbar_count(&sb, &place), 0);
    type(&sb, "needle");
    searchbar_step(&sb, 1);
    searchbar_close(&sb);
    CHECK(sb.search == NULL && !sb.open && !sb.has_current);
    CHECK_EQ(searchbar_count(&sb, &place), 0);
    CHECK_STR(sb.query, "needle"); /* kept for the next open */
    searchbar_open(&sb, st, 50000);
    finish(&sb, t);
    CHECK_EQ(searchbar_count(&sb, &place), 5000);
    CHECK(sb.has_current && sb.current.row == 49990);
    searchbar_fini(&sb);
    term_destroy(t);
    sb_store_destroy(st);
}

int main(void)
{
    snprintf(spill_dir, sizeof spill_dir, "/tmp/bt-test-searchbar-XXXXXX");
    if (!mkdtemp(spill_dir))
        return 1;
    test_editing();
    test_toggles();
    for (int pass = 0; pass < 2; pass++) {
        threaded = pass == 1;
        test_store_and_screen();
        test_racing_drops();
        test_new_output();
        test_cancel();
    }
    rmdir(spill_dir);
    return check_done();
}
