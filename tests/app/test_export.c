/*
 * Unit tests of src/session/export.c (the dump and Ctrl+Shift+S): the text and ANSI
 * forms, slices of any size giving the same bytes as one go, rows dropped
 * while an export runs (skipped and counted: no row twice, none out of order,
 * none from after the start), a clear under it, and a write error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "../unit/store_fixture.h"
#include "term_fixture.h"
#include "export.h"
#include "term.h"

static char spill_dir[64];

/* Pushes rows "r NNNNNNN filler". */
static void push(struct sb_store *st, uint64_t first, uint64_t n)
{
    char buf[160];
    for (uint64_t i = first; i < first + n; i++) { /* hashes, so that pages hardly compress */
        uint64_t h = (i + 1) * 0x9e3779b97f4a7c15ull, g = (h ^ h >> 29) * 0xbf58476d1ce4e5b9ull;
        int len = snprintf(buf, sizeof buf, "r %07llu filler %016llx %016llx %016llx",
                           (unsigned long long)i, (unsigned long long)h, (unsigned long long)g,
                           (unsigned long long)(g ^ g >> 31));
        sb_store_push_plain(st, buf, (size_t)len, 80, 0);
    }
}

/* Runs an export of st and t into a malloc'd string, max_rows per step (0 = one go). */
static char *run(struct sb_store *st, struct term *t, bool ansi, uint64_t max_rows,
                 struct export_progress *p)
{
    char *buf = NULL, err[160];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct export *e = export_create(st, t, f, ansi, err, sizeof err);
    CHECK(e != NULL);
    int steps = 0;
    while (e && export_step(e, max_rows, 0) == EXPORT_RUNNING)
        steps++;
    CHECK(max_rows == 0 ? steps == 0 : true);
    if (e)
        export_progress(e, p);
    export_destroy(e);
    fclose(f);
    return buf;
}

static void test_forms(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 1u << 30);
    struct term *t = fixture_term(st, 4, 20);
    feed(t, "\x1b[1;31mred\x1b[m x  \r\nplain\r\n\xe5\xae\xbd wide\r\n\r\n\r\n");
    feed(t, "screen \x1b[4mu\x1b[m \x1b[2;53md\x1b[m\r\n\r\nlast");
    /* History: "red x", "plain", "<wide> wide", ""; screen: "", "screen u d", "", "last". */
    struct export_progress p;
    char *text = run(st, t, false, 0, &p);
    CHECK_STR(text, "red x\nplain\n\xe5\xae\xbd wide\n\n\nscreen u d\n\nlast\n");
    CHECK_EQ(p.state, EXPORT_DONE);
    CHECK_EQ(p.rows_total, 4);
    CHECK_EQ(p.rows_written, 4);
    CHECK_EQ(p.screen_rows, 2);
    char *ansi = run(st, t, true, 0, &p);
    CHECK_STR(ansi, "\x1b[1;31mred\x1b[0m x\nplain\n\xe5\xae\xbd wide\n\n\n"
                    "screen \x1b[4mu\x1b[0m \x1b[2;53md\x1b[0m\n\nlast\n");
    free(text);
    free(ansi);
    /* Hyperlinks (OSC 8) are kept in the ANSI form, from the history and the screen */
    feed(t, "\x1b[2J\x1b[Hsee \x1b]8;;https://a.test/x\x1b\\\x1b[1mdocs\x1b[m\x1b]8;;\x1b\\ now\r\n"
            "\x1b]8;;file:///t\x1b\\end\r\n\r\n\r\n\r\n\x1b]8;;\x1b\\");
    ansi = run(st, t, true, 0, &p);
    CHECK(strstr(ansi, "see \x1b]8;;https://a.test/x\x1b\\\x1b[1mdocs\x1b]8;;\x1b\\\x1b[0m now\n"
                       "\x1b]8;;file:///t\x1b\\end\x1b]8;;\x1b\\\n") != NULL);
    text = run(st, t, false, 0, &p);
    CHECK(strstr(text, "see docs now\nend\n") != NULL); /* the text form: the text alone */
    free(ansi);
    free(text);
    /* Trailing empty screen rows are left out. */
    feed(t, "\x1b[2J\x1b[Htop");
    text = run(st, t, false, 0, &p);
    CHECK(strlen(text) > 4 && strcmp(text + strlen(text) - 5, "\ntop\n") == 0);
    free(text);
    term_destroy(t);
    sb_store_destroy(st);
}

static void test_slices(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 1u << 30);
    struct term *t = fixture_term(st, 3, 30);
    push(st, 0, 5000);
    feed(t, "on \x1b[32mthe\x1b[m screen");
    struct export_progress p1, p2;
    for (int ansi = 0; ansi < 2; ansi++) {
        char *one = run(st, t, ansi, 0, &p1), *sliced = run(st, t, ansi, 7, &p2);
        CHECK(strcmp(one, sliced) == 0);
        CHECK_EQ(p1.rows_written, 5000);
        CHECK_EQ(p2.rows_written, 5000);
        CHECK(strncmp(one, "r 0000000 filler ", 17) == 0);
        free(one);
        free(sliced);
    }
    term_destroy(t);
    sb_store_destroy(st);
}

/* Checks the scrollback lines of an export: increasing numbers, none after last. */
static void check_order(const char *text, uint64_t last, uint64_t *count)
{
    long long prev = -1;
    size_t bad = 0;
    *count = 0;
    for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
        long long n;
        if (sscanf(l, "r %lld filler", &n) == 1) {
            bad += n <= prev || (uint64_t)n > last;
            prev = n;
            (*count)++;
        }
        if (!strchr(l, '\n'))
            break;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(prev, (long long)last);
}

static void test_drops(void)
{
    struct sb_store *st = fixture_store(spill_dir, 2u << 20, 0);
    struct term *t = fixture_term(st, 3, 30);
    push(st, 0, 200000);
    uint64_t d0 = fixture_first(st), end0 = fixture_end(st);
    CHECK(d0 > 0); /* the budget holds fewer rows than that */
    char *buf = NULL, err[160];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct export *e = export_create(st, t, f, false, err, sizeof err);
    CHECK(e != NULL);
    uint64_t pushed = 200000;
    for (int i = 0; export_step(e, 200, 0) == EXPORT_RUNNING; i++) {
        /* At first output outruns the export and drops rows it has not reached yet; then it
         * slows, so that the export catches up and writes the last row it was given. */
        uint64_t n = i < 4 ? 3000 : 100;
        push(st, pushed, n);
        pushed += n;
    }
    struct export_progress p;
    export_progress(e, &p);
    export_destroy(e);
    fclose(f);
    CHECK_EQ(p.state, EXPORT_DONE);
    CHECK(p.rows_skipped > 0);
    CHECK_EQ(p.rows_written + p.rows_skipped, end0 - d0);
    uint64_t lines;
    check_order(buf, end0 - 1, &lines);
    CHECK_EQ(lines, p.rows_written);
    free(buf);
    term_destroy(t);
    sb_store_destroy(st);
}

static void test_clear_and_errors(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 1u << 30);
    struct term *t = fixture_term(st, 3, 30);
    push(st, 0, 20000);
    feed(t, "kept");
    char *buf = NULL, err[160];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct export *e = export_create(st, t, f, false, err, sizeof err);
    CHECK(export_step(e, 100, 0) == EXPORT_RUNNING);
    sb_store_clear(st);
    push(st, 0, 10); /* new rows with the old numbers: they must not be written */
    while (export_step(e, 100, 0) == EXPORT_RUNNING)
        ;
    struct export_progress p;
    export_progress(e, &p);
    export_destroy(e);
    fclose(f);
    CHECK_EQ(p.state, EXPORT_DONE);
    CHECK_EQ(p.rows_written + p.rows_skipped, 20000);
    CHECK(p.rows_written < 20000);
    uint64_t lines;
    check_order(buf, p.rows_written - 1, &lines);
    CHECK(strlen(buf) > 5 && strcmp(buf + strlen(buf) - 5, "kept\n") == 0);
    free(buf);
    /* A full disk: the export fails with a reason. */
    f = fopen("/dev/full", "w");
    if (f) {
        e = export_create(st, t, f, false, err, sizeof err);
        CHECK(export_step(e, 0, 0) == EXPORT_FAILED || fflush(f) != 0);
        CHECK_STR(export_error(e), "write error");
        export_destroy(e);
        fclose(f);
    }
    term_destroy(t);
    sb_store_destroy(st);
}

int main(void)
{
    snprintf(spill_dir, sizeof spill_dir, "/tmp/bt-test-export-XXXXXX");
    if (!mkdtemp(spill_dir))
        return 1;
    test_forms();
    test_slices();
    test_drops();
    test_clear_and_errors();
    rmdir(spill_dir);
    return check_done();
}
