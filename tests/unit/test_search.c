/*
 * Unit tests of src/search: matches across page boundaries, across RAM and
 * spilled pages, across a soft wrap; case rules; regex; cancellation; both
 * directions; and a search racing with pushes that drop rows (in one thread,
 * interleaved, and with a pushing thread).
 *
 * Every match found is checked against the store itself: the text at its
 * (row, byte) .. (end_row, end_byte), read back, must equal the query.
 */
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store_fixture.h"
#include "search/search.h"
#include "seams.h" /* sb_store_summarize: the idle time that makes the summaries */

static char spill_dir[64];

/* Rows that overflow the smallest RAM budget (about 6.5 MiB) several times over; half as many
 * under AddressSanitizer, which runs this test 5x slower (234 s of a 600 s timeout on a loaded
 * 2-core machine), and still twice over. */
#if defined(__SANITIZE_ADDRESS__)
#define BIG 150000u
#else
#define BIG 300000u
#endif

/* Row n's text: a number, "needle" on every 97th row, and filler that compresses poorly. */
static size_t row_text(uint64_t n, char *buf, size_t cap)
{
    uint64_t h = (n + 1) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    uint64_t g = h * 0xbf58476d1ce4e5b9ull;
    return (size_t)snprintf(buf, cap, "row %08llu %s %016llx %016llx %016llx 6666",
                            (unsigned long long)n, n % 97 == 0 ? "needle" : "nothing",
                            (unsigned long long)h, (unsigned long long)g,
                            (unsigned long long)(g ^ g >> 31));
}

/* Pushes rows first..first+count-1 (as row_text numbers them). */
static void push_rows(struct sb_store *st, uint64_t first, uint64_t count)
{
    char buf[128];
    for (uint64_t n = first; n < first + count; n++) {
        size_t len = row_text(n, buf, sizeof buf);
        REQUIRE(sb_store_push_plain(st, buf, len, 80, 0) == 0);
    }
}

struct grab {
    char *text;
    size_t len, last_len; /* all rows' text, and the last row's length */
    uint64_t first, rows; /* the first row's number, and how many came */
};


/* sb_store_visit_text callback: appends one row's text. */
static int grab_row(void *user, uint64_t n, const char *text, size_t len, uint32_t flags)
{
    struct grab *g = user;
    if (g->rows++ == 0)
        g->first = n;
    g->text = realloc(g->text, g->len + len + 1);
    memcpy(g->text + g->len, text, len);
    g->len += len;
    g->last_len = len;
    return 0;
}

/* The text of a match read back from the store (one visit); NULL when its rows went. */
static char *match_text(struct sb_store *st, const struct search_match *m)
{
    struct grab g = {0};
    uint64_t rows = m->end_row - m->row + 1;
    sb_store_visit_text(st, m->row, rows, grab_row, &g);
    bool gone = g.rows != rows || g.first != m->row; /* dropped before or while it was read */
    /* end_byte counts from the end row's start: the bytes before it are the earlier rows'. */
    size_t end = g.len - g.last_len + m->end_byte;
    if (gone || !g.text || end > g.len || end < m->byte) {
        free(g.text);
        return gone ? NULL : strdup("(out of range)");
    }
    char *out = malloc(end - m->byte + 1);
    memcpy(out, g.text + m->byte, end - m->byte);
    out[end - m->byte] = '\0';
    free(g.text);
    return out;
}

/* Runs a search to its end in slices of `slice` rows; returns the final state. */
static enum search_state run(struct search *s, uint64_t slice)
{
    enum search_state st;
    while ((st = search_step(s, slice, 0)) == SEARCH_RUNNING) {
    }
    return st;
}

/* Creates a literal search with the given case mode, direction and start row. */
static struct search *literal(struct sb_store *st, const char *q, enum search_case c,
                              enum search_dir dir, uint64_t from)
{
    char err[256];
    struct search_opts o = {.query = q, .case_mode = c, .dir = dir, .from_row = from};
    struct search *s = search_create(st, &o, err, sizeof err);
    if (!s)
        fprintf(stderr, "%s\n", err);
    REQUIRE(s);
    return s;
}

/* Checks that every match reads back as want (case-folded when fold) and counts them. */
static size_t check_matches(struct sb_store *st, struct search *s, const char *want, bool fold)
{
    const struct search_match *m;
    size_t n = search_matches(s, &m), bad = 0;
    for (size_t i = 0; i < n; i++) {
        char *t = match_text(st, &m[i]);
        if (t && (fold ? strcasecmp(t, want) : strcmp(t, want)) != 0 && bad++ < 5)
            fprintf(stderr, "match %zu at %llu:%u reads '%s'\n", i,
                    (unsigned long long)m[i].row, m[i].byte, t);
        if (i > 0)
            CHECK(m[i - 1].row < m[i].row ||
                  (m[i - 1].row == m[i].row && m[i - 1].byte < m[i].byte));
        free(t);
    }
    CHECK_EQ(bad, 0);
    return n;
}

/* Literal matches over many 4 KiB pages, RAM only; both directions and every start row. */
static void test_pages(void)
{
    struct sb_store *st = fixture_store(spill_dir, 64u << 20, 0);
    push_rows(st, 0, 5000); /* about 80 pages */
    size_t want = (5000 + 96) / 97;
    uint64_t starts[] = {0, 1, 2500, 4999, 5000, 99999};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        for (int dir = 0; dir < 2; dir++) {
            struct search *s = literal(st, "needle", SEARCH_CASE_SMART, dir, starts[i]);
            CHECK_EQ(run(s, 1000), SEARCH_DONE);
            CHECK_EQ(check_matches(st, s, "needle", false), want);
            const struct search_match *m;
            search_matches(s, &m);
            CHECK_EQ(m[0].row, 0);
            CHECK_EQ(m[0].byte, 13);
            CHECK_EQ(m[0].col, 13);
            struct search_progress p;
            search_progress(s, &p);
            CHECK_EQ(p.rows_scanned, 5000);
            search_destroy(s);
        }
    }
    /* next/previous from a position, wrapping around */
    struct search *s = literal(st, "needle", SEARCH_CASE_SMART, SEARCH_FORWARD, 0);
    run(s, 0);
    struct search_match m;
    CHECK(search_next(s, 97, 13, SEARCH_FORWARD, &m) && m.row == 194);
    CHECK(search_next(s, 97, 13, SEARCH_BACKWARD, &m) && m.row == 0);
    CHECK(search_next(s, 0, 0, SEARCH_BACKWARD, &m) && m.row == 97 * 51);
    CHECK(search_next(s, 97 * 51, 13, SEARCH_FORWARD, &m) && m.row == 0);
    search_destroy(s);
    sb_store_destroy(st);
}

/* Matches in spilled pages and RAM pages alike, at the smallest RAM budget. */
static void test_spilled(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 64u << 20);
    push_rows(st, 0, BIG);
    struct sb_stats stats;
    sb_store_stats(st, &stats);
    if (stats.pages_disk <= 10)
        fprintf(stderr, "pages_disk %llu ram %llu rows_disk %llu %s %llu\n",
                (unsigned long long)stats.pages_disk, (unsigned long long)stats.pages_ram,
                (unsigned long long)stats.rows_disk, stats.last_error,
                (unsigned long long)stats.ram_budget);
    CHECK(stats.pages_disk > 10);
    CHECK(stats.pages_ram + stats.pages_hot > 0);
    CHECK_EQ(stats.rows_dropped, 0);
    struct search *s = literal(st, "needle", SEARCH_CASE_SMART, SEARCH_BACKWARD, 123456);
    CHECK_EQ(run(s, 30000), SEARCH_DONE);
    CHECK_EQ(check_matches(st, s, "needle", false), (BIG + 96) / 97);
    search_destroy(s);
    sb_store_destroy(st);
}

/* A match across a soft wrap; a hard line end is not joined. */
static void test_wrap(void)
{
    struct sb_store *st = fixture_store(spill_dir, 64u << 20, 0);
    push_rows(st, 0, 10);
    REQUIRE(sb_store_push_plain(st, "abc nee", 7, 7, SB_ROW_WRAPPED) == 0);
    REQUIRE(sb_store_push_plain(st, "dle xyz", 7, 7, SB_ROW_WRAPPED) == 0);
    REQUIRE(sb_store_push_plain(st, "a\0b nee", 7, 7, 0) == 0); /* an empty cell */
    REQUIRE(sb_store_push_plain(st, "dle", 3, 7, 0) == 0);       /* not joined */
    push_rows(st, 1, 10);
    struct search *s = literal(st, "needle", SEARCH_CASE_SMART, SEARCH_FORWARD, 0);
    CHECK_EQ(run(s, 0), SEARCH_DONE);
    const struct search_match *m;
    size_t n = search_matches(s, &m);
    CHECK_EQ(n, 2);
    CHECK(n >= 2 && m[1].row == 10 && m[1].byte == 4 && m[1].end_row == 11 &&
          m[1].end_byte == 3 && m[1].end_col == 3);
    check_matches(st, s, "needle", false);
    search_destroy(s);
    /* the empty cell reads as a space, and the start row snaps back to its line's start */
    s = literal(st, "b nee", SEARCH_CASE_SMART, SEARCH_FORWARD, 0);
    run(s, 0);
    CHECK_EQ(search_matches(s, &m), 1);
    search_destroy(s);
    s = literal(st, "xyza b", SEARCH_CASE_SMART, SEARCH_BACKWARD, 11);
    run(s, 0);
    CHECK_EQ(search_matches(s, &m), 1);
    search_destroy(s);
    s = literal(st, "nee dle", SEARCH_CASE_SMART, SEARCH_FORWARD, 0);
    run(s, 0);
    CHECK_EQ(search_matches(s, &m), 0);
    search_destroy(s);
    sb_store_destroy(st);
}

/* Smart case, and both toggles. */
static void test_case(void)
{
    struct sb_store *st = fixture_store(spill_dir, 64u << 20, 0);
    const char *rows[] = {"Needle here", "needle there", "NEEDLE everywhere"};
    for (int i = 0; i < 3; i++)
        REQUIRE(sb_store_push_plain(st, rows[i], strlen(rows[i]), 80, 0) == 0);
    struct { const char *q; enum search_case c; size_t n; } cases[] = {
        {"needle", SEARCH_CASE_SMART, 3},       {"Needle", SEARCH_CASE_SMART, 1},
        {"NEEDLE", SEARCH_CASE_SMART, 1},       {"needle", SEARCH_CASE_SENSITIVE, 1},
        {"NeEdLe", SEARCH_CASE_INSENSITIVE, 3}, {"where", SEARCH_CASE_SMART, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct search *s = literal(st, cases[i].q, cases[i].c, SEARCH_FORWARD, 0);
        run(s, 0);
        const struct search_match *m;
        CHECK_EQ(search_matches(s, &m), cases[i].n);
        check_matches(st, s, cases[i].q, true);
        search_destroy(s);
    }
    sb_store_destroy(st);
}

/* POSIX extended regular expressions, anchors per logical line, a bad pattern. */
static void test_regex(void)
{
    struct sb_store *st = fixture_store(spill_dir, 64u << 20, 0);
    push_rows(st, 0, 1000);
    char err[256];
    struct search_opts o = {.query = "^row 0+97[0-9] n(ee|o)", .regex = true};
    struct search *s = search_create(st, &o, err, sizeof err);
    REQUIRE(s);
    CHECK_EQ(run(s, 100), SEARCH_DONE);
    const struct search_match *m;
    size_t n = search_matches(s, &m);
    CHECK_EQ(n, 10); /* rows 970..979 */
    CHECK(n > 0 && m[0].row == 970 && m[0].byte == 0 && m[0].end_byte == 16);
    search_destroy(s);
    o.query = "6666$";
    s = search_create(st, &o, err, sizeof err);
    REQUIRE(s);
    run(s, 0);
    CHECK_EQ(search_matches(s, &m), 1000);
    search_destroy(s);
    o.query = "NEEDLE"; /* smart case: sensitive */
    s = search_create(st, &o, err, sizeof err);
    run(s, 0);
    CHECK_EQ(search_matches(s, &m), 0);
    search_destroy(s);
    o.query = "(unclosed";
    CHECK(search_create(st, &o, err, sizeof err) == NULL);
    CHECK(strstr(err, "regular expression") != NULL);
    o.query = "x*"; /* only empty matches: none recorded, and the scan ends */
    s = search_create(st, &o, err, sizeof err);
    CHECK_EQ(run(s, 0), SEARCH_DONE);
    CHECK_EQ(search_matches(s, &m), 0);
    search_destroy(s);
    sb_store_destroy(st);
}

/* Row k of a log-like history: words, and a rare "QUOKKA-d" on five rows. */
static size_t log_text(uint64_t k, char *buf, size_t cap)
{
    static const char *const words[] = {"error", "warning", "connect", "timeout", "retry",
                                        "session", "disk", "/usr/lib", "ok", "user", "page",
                                        "cache", "spill", "kernel", "mount", "socket"};
    uint64_t h = (k + 1) * 0x9e3779b97f4a7c15ull;
    int n = snprintf(buf, cap, "%08llu %s %s %s", (unsigned long long)k, words[h >> 60],
                     words[h >> 40 & 15], words[h >> 20 & 15]);
    if (k % 60001 == 1234)
        n += snprintf(buf + n, cap - (size_t)n, " QUOKKA-%llu", (unsigned long long)(k % 10));
    return (size_t)n;
}

/* How many matches of the regular expression (or literal) q rows 0..n-1 hold, by brute force. */
static size_t expected_matches(uint64_t n, const char *q, bool regex, bool icase)
{
    regex_t re;
    REQUIRE(!regex || regcomp(&re, q, REG_EXTENDED | (icase ? REG_ICASE : 0)) == 0);
    size_t count = 0;
    for (uint64_t k = 0; k < n; k++) {
        char buf[128];
        log_text(k, buf, sizeof buf);
        const char *p = buf;
        regmatch_t m;
        for (;;) {
            if (regex) {
                if (regexec(&re, p, 1, &m, p == buf ? 0 : REG_NOTBOL) != 0 || m.rm_eo == 0)
                    break;
                p += m.rm_eo;
            } else {
                const char *at = icase ? strcasestr(p, q) : strstr(p, q);
                if (!at)
                    break;
                p = at + strlen(q);
            }
            count++;
        }
    }
    if (regex)
        regfree(&re);
    return count;
}

/*
 * With 64 KiB pages the store keeps summaries: literals and regexes with a required literal
 * pass over pages that cannot match, and find exactly what a plain scan finds; progress
 * still reaches every row, once.
 */
static void test_summaries(void)
{
    struct sb_config cfg = fixture_config(spill_dir, 4u << 20, 256u << 20);
    cfg.page_bytes = 64u << 10;
    struct sb_store *st = NULL;
    REQUIRE(sb_store_create(&cfg, &st, NULL, 0) == 0);
    uint64_t n = BIG;
    for (uint64_t k = 0; k < n; k++) {
        char buf[128];
        size_t len = log_text(k, buf, sizeof buf);
        REQUIRE(sb_store_push_plain(st, buf, len, 80, 0) == 0);
    }
    static const struct {
        const char *q;
        bool regex, rare;
        enum search_case c;
    } cases[] = {
        {"quokka-4", false, true, SEARCH_CASE_SMART},
        {"QUOKKA", false, true, SEARCH_CASE_SENSITIVE},
        {"Quokka-4", false, true, SEARCH_CASE_INSENSITIVE},
        {"timeout", false, false, SEARCH_CASE_SMART},
        {"QUOKKA-[0-9]", true, true, SEARCH_CASE_SMART},
        {"quok+a", true, true, SEARCH_CASE_INSENSITIVE},
        {"QUOKKA|wombat", true, false, SEARCH_CASE_SMART},
        {"(QUOKKA)-4", true, false, SEARCH_CASE_SMART},
        {"error\\ QUOKKA", true, false, SEARCH_CASE_SMART},
        {"disk (ok|user)$", true, false, SEARCH_CASE_SMART},
    };
    /* Pass 0: the pages still in RAM are due their summaries (store_summary.c) and read;
     * pass 1: after the idle time that makes them. The same matches both times. */
    for (int pass = 0; pass < 2; pass++, sb_store_summarize(st))
    for (int dir = 0; dir < 2; dir++) {
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            char err[256];
            struct search_opts o = {.query = cases[i].q, .regex = cases[i].regex,
                                    .case_mode = cases[i].c, .dir = dir, .from_row = n / 3};
            struct search *s = search_create(st, &o, err, sizeof err);
            REQUIRE(s);
            CHECK_EQ(run(s, 0), SEARCH_DONE);
            struct search_progress p;
            search_progress(s, &p);
            bool icase = cases[i].c == SEARCH_CASE_INSENSITIVE ||
                         (cases[i].c == SEARCH_CASE_SMART && !strpbrk(cases[i].q, "QUOKA"));
            CHECK_EQ(p.matches, expected_matches(n, cases[i].q, cases[i].regex, icase));
            CHECK(p.rows_scanned >= p.rows_total); /* passed-over rows count as scanned */
            if (dir == 0)
                printf("summaries (%s): '%s' %zu matches, %.1f MB of text read for %llu rows\n",
                       pass ? "all made" : "some due", cases[i].q, p.matches,
                       p.bytes_scanned / 1e6, (unsigned long long)p.rows_total);
            if (pass == 1 && cases[i].rare) /* a rare literal reads a small part of the history */
                CHECK(p.bytes_scanned < (uint64_t)n * 8);
            search_destroy(s);
        }
    }
    sb_store_destroy(st);
}

/* A search stops when cancelled, keeps what it found, and stays stopped. */
static void test_cancel(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 64u << 20);
    push_rows(st, 0, BIG);
    struct search *s = literal(st, "needle", SEARCH_CASE_SMART, SEARCH_FORWARD, 0);
    CHECK_EQ(search_step(s, 100, 0), SEARCH_RUNNING);
    struct search_progress p;
    search_progress(s, &p);
    CHECK(p.rows_scanned > 0 && p.rows_scanned < BIG);
    CHECK(p.matches > 0);
    search_cancel(s);
    CHECK_EQ(search_step(s, 0, 0), SEARCH_CANCELLED);
    CHECK_EQ(search_step(s, 0, 0), SEARCH_CANCELLED);
    search_progress(s, &p);
    CHECK(p.rows_scanned < BIG);
    search_destroy(s);
    /* a time budget returns too */
    s = literal(st, "needle", SEARCH_CASE_SMART, SEARCH_FORWARD, 0);
    CHECK_EQ(search_step(s, 0, 1), SEARCH_RUNNING);
    search_destroy(s);
    search_destroy(NULL);
    sb_store_destroy(st);
}

/* Pushes that drop rows between slices: stale matches go, no match points at the wrong row. */
static void test_race_interleaved(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 256u << 10);
    push_rows(st, 0, BIG);
    uint64_t next = BIG;
    for (int dir = 0; dir < 2; dir++) {
        struct search *s = literal(st, "needle", SEARCH_CASE_SMART, dir, BIG / 2);
        while (search_step(s, 5000, 0) == SEARCH_RUNNING) {
            push_rows(st, next, 3000);
            next += 3000;
        }
        CHECK_EQ(search_step(s, 0, 0), SEARCH_DONE);
        CHECK(fixture_first(st) > 0);
        const struct search_match *m;
        size_t n = search_matches(s, &m);
        CHECK(n > 0);
        CHECK(n == 0 || m[0].row >= fixture_first(st));
        check_matches(st, s, "needle", false);
        search_destroy(s);
    }
    /* a clear takes every row the search was given: it ends with none of their matches, and
     * the rows pushed after it have numbers of their own */
    struct search *s = literal(st, "needle", SEARCH_CASE_SMART, SEARCH_FORWARD, 0);
    search_step(s, 100, 0);
    sb_store_clear(st);
    push_rows(st, 0, 100);
    CHECK_EQ(search_step(s, 0, 0), SEARCH_DONE);
    const struct search_match *m;
    CHECK_EQ(search_matches(s, &m), 0);
    search_destroy(s);
    sb_store_destroy(st);
}

struct pusher {
    struct sb_store *st;
    atomic_bool stop;
};

/*
 * Thread: pushes rows until told to stop, or until it has pushed 2 * BIG rows: unbounded,
 * it outran the searches under ASan and valgrind, which then never finished.
 */
static void *push_loop(void *arg)
{
    struct pusher *p = arg;
    for (uint64_t n = 10000000; !atomic_load(&p->stop) && n < 10000000 + 2 * BIG; n += 200)
        push_rows(p->st, n, 200);
    return NULL;
}

/* A pushing thread drops rows while searches run: every match still reads back right. */
static void test_race_thread(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 256u << 10);
    push_rows(st, 0, BIG);
    struct pusher p = {.st = st};
    atomic_init(&p.stop, false);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, push_loop, &p) == 0);
    for (int i = 0; i < 6; i++) {
        struct search *s = literal(st, "needle", SEARCH_CASE_SMART, i & 1, BIG / 2);
        enum search_state state = run(s, 3000);
        CHECK_EQ(state, SEARCH_DONE);
        check_matches(st, s, "needle", false);
        search_destroy(s);
    }
    atomic_store(&p.stop, true);
    pthread_join(t, NULL);
    CHECK(fixture_first(st) > 0);
    sb_store_destroy(st);
}

int main(void)
{
    snprintf(spill_dir, sizeof spill_dir, "/tmp/bt-test-search-XXXXXX");
    REQUIRE(mkdtemp(spill_dir));
    test_pages();
    test_spilled();
    test_wrap();
    test_case();
    test_regex();
    test_summaries();
    test_cancel();
    test_race_interleaved();
    test_race_thread();
    rmdir(spill_dir);
    return check_done();
}
