/*
 * Unit tests of src/search/runner.c, the store search on a thread: a search
 * to its end with progress and wake-ups, the same matches as the search on
 * the caller's thread, look-ups (place, near, extreme, range) that agree with
 * each other, a new search handed over mid-scan (no match of the old query
 * may show), stopping, destroying mid-scan, new rows taken in after the end,
 * and rows pushed and dropped while the thread scans: no match may point at a
 * dropped row, and every match must read back from the store as the query.
 * Meant to run under TSan too (meson setup -Db_sanitize=thread).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "store_fixture.h"
#include "search/runner.h"

static char spill_dir[64];
static atomic_int wakes;

#define ROWS 120000u /* past the smallest RAM budget: some pages spill */

/* Pushes rows first.. : "needle" on every 10th, "haystack" on every 7th, poorly compressible. */
static void push(struct sb_store *st, uint64_t first, uint64_t n)
{
    char buf[160];
    for (uint64_t i = first; i < first + n; i++) {
        uint64_t h = (i + 1) * 0x9e3779b97f4a7c15ull, g = (h ^ h >> 29) * 0xbf58476d1ce4e5b9ull;
        int len = snprintf(buf, sizeof buf, "r %07llu %s %s %016llx %016llx",
                           (unsigned long long)i, i % 10 == 0 ? "needle" : "filler",
                           i % 7 == 0 ? "haystack" : "-", (unsigned long long)h,
                           (unsigned long long)g);
        REQUIRE(sb_store_push_plain(st, buf, (size_t)len, 80, 0) == 0);
    }
}

static void on_wake(void *user)
{
    (void)user;
    atomic_fetch_add(&wakes, 1);
}

static void sleep_ms(int ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Hands a backward search for q from the newest row to r. */
static void start(struct search_runner *r, struct sb_store *st, const char *q)
{
    struct search_opts o = {.query = q, .dir = SEARCH_BACKWARD,
                            .from_row = fixture_end(st)};
    char err[160];
    struct search *s = search_create(st, &o, err, sizeof err);
    REQUIRE(s != NULL);
    search_runner_start(r, s);
}

/* Matches in retained rows. */
static size_t count(struct search_runner *r, struct sb_store *st)
{
    return search_runner_count(r, fixture_first(st));
}

/* Waits (up to a minute) until the runner is neither scanning nor told to; true when done. */
static bool wait_done(struct search_runner *r)
{
    for (int i = 0; i < 60000; i++) {
        struct search_runner_status s;
        search_runner_status(r, &s);
        if (s.state == SEARCH_DONE)
            return true;
        sleep_ms(1);
    }
    return false;
}

struct reader {
    char text[256];
    size_t len;
};

static int read_text(void *user, uint64_t index, const char *text, size_t len, uint32_t flags)
{
    struct reader *rd = user;
    (void)index;
    (void)flags;
    rd->len = len < sizeof rd->text ? len : sizeof rd->text;
    memcpy(rd->text, text, rd->len);
    return 0;
}

/*
 * Checks every match the runner lists: in order, in a retained row, reading back as q,
 * and, once the scan is settled (nothing is published meanwhile), found again by place,
 * near and extreme. Returns how many there are.
 */
static size_t check_all(struct search_runner *r, struct sb_store *st, const char *q,
                        bool settled)
{
    struct search_match *m = NULL;
    uint64_t d = fixture_first(st);
    size_t cap = 0, n = search_runner_range(r, d, 0, UINT64_MAX, &m, &cap), bad = 0;
    for (size_t i = 0; i < n; i++) {
        struct reader rd = {0};
        if (m[i].row < d || m[i].end_row != m[i].row ||
            sb_store_visit_text(st, m[i].row, 1, read_text, &rd) != 0 ||
            m[i].end_byte > rd.len || m[i].end_byte - m[i].byte != strlen(q) ||
            memcmp(rd.text + m[i].byte, q, strlen(q)) != 0)
            bad++;
        if (i > 0 && m[i - 1].row >= m[i].row)
            bad++;
    }
    CHECK_EQ(bad, 0);
    if (n > 0 && settled) {
        struct search_match x;
        CHECK(search_runner_extreme(r, d, SEARCH_FORWARD, &x) && x.row == m[0].row);
        CHECK(search_runner_extreme(r, d, SEARCH_BACKWARD, &x) && x.row == m[n - 1].row);
        size_t i = n / 2;
        CHECK_EQ(search_runner_place(r, d, &m[i]), i + 1);
        CHECK(search_runner_near(r, d, m[i].row, m[i].byte, SEARCH_BACKWARD, &x) ==
              (i > 0));
        CHECK(i == 0 || x.row == m[i - 1].row);
        CHECK(search_runner_near(r, d, m[i].row, m[i].byte, SEARCH_FORWARD, &x) == (i + 1 < n));
        CHECK(i + 1 >= n || x.row == m[i + 1].row);
        size_t k = search_runner_range(r, d, m[i].row, m[i].row, &m, &cap);
        CHECK(k == 1 && m[0].row == m[i].row);
    }
    free(m);
    return n;
}

/* A search to its end on the thread: progress, wake-ups, and the same matches as inline. */
static void test_thread_to_end(struct sb_store *st)
{
    struct search_runner *r = search_runner_create(st, SEARCH_RUNNER_THREAD, on_wake, NULL);
    REQUIRE(r != NULL);
    atomic_store(&wakes, 0);
    start(r, st, "needle");
    CHECK(search_runner_step(r, 0) || count(r, st) > 0); /* running, or quick */
    CHECK(wait_done(r));
    struct search_runner_status s;
    search_runner_status(r, &s);
    CHECK(s.active && !s.extending && s.rows_scanned >= s.rows_total);
    CHECK(atomic_load(&wakes) >= 1);
    size_t n = check_all(r, st, "needle", true);
    CHECK_EQ(n, count(r, st));
    CHECK_EQ(n, (sb_store_rows(st) + 9) / 10);

    struct search_runner *in = search_runner_create(st, SEARCH_RUNNER_INLINE, NULL, NULL);
    REQUIRE(in != NULL);
    start(in, st, "needle");
    while (search_runner_step(in, 1)) /* a chunk at a time */
        ;
    CHECK_EQ(check_all(in, st, "needle", true), n);
    search_runner_destroy(in);
    search_runner_destroy(r);
}

/* A new query mid-scan: only its matches show, at once and at the end; then a stop. */
static void test_restart_and_stop(struct sb_store *st)
{
    struct search_runner *r = search_runner_create(st, SEARCH_RUNNER_THREAD, on_wake, NULL);
    REQUIRE(r != NULL);
    for (int i = 0; i < 20; i++) { /* hand over while the thread is at different places */
        start(r, st, "needle");
        sleep_ms(i % 4);
        start(r, st, "haystack");
        size_t n = check_all(r, st, "haystack", false);
        CHECK(n <= (sb_store_rows(st) + 6) / 7);
    }
    CHECK(wait_done(r));
    CHECK_EQ(check_all(r, st, "haystack", true), (sb_store_rows(st) + 6) / 7);
    start(r, st, "needle");
    sleep_ms(2);
    search_runner_start(r, NULL); /* Escape */
    CHECK_EQ(count(r, st), 0);
    struct search_runner_status s;
    search_runner_status(r, &s);
    CHECK(!s.active && !search_runner_step(r, 0));
    sleep_ms(20);
    CHECK_EQ(count(r, st), 0); /* nothing of the stopped search comes back */
    search_runner_destroy(r);
}

/* Destroying mid-scan (closing the window) joins the thread cleanly. */
static void test_destroy_mid_scan(struct sb_store *st)
{
    for (int i = 0; i < 10; i++) {
        struct search_runner *r = search_runner_create(st, SEARCH_RUNNER_THREAD, on_wake, NULL);
        REQUIRE(r != NULL);
        start(r, st, "needle");
        if (i % 3 == 1)
            start(r, st, "filler"); /* one handed over and perhaps never taken up */
        sleep_ms(i % 5);
        search_runner_destroy(r);
    }
    search_runner_destroy(NULL);
    CHECK(1);
}

/* Rows pushed (and the oldest dropped) while the thread scans, then after it is done. */
static void test_racing_drops(void)
{
    struct sb_store *st = fixture_store(spill_dir, 0, 0);
    push(st, 0, ROWS);
    uint64_t pushed = ROWS, d0 = fixture_first(st);
    struct search_runner *r = search_runner_create(st, SEARCH_RUNNER_THREAD, on_wake, NULL);
    REQUIRE(r != NULL);
    start(r, st, "needle");
    for (int i = 0; i < 200; i++) {
        push(st, pushed, 400); /* the oldest rows go, page by page */
        pushed += 400;
        if (i % 20 == 0)
            check_all(r, st, "needle", false);
        if (!search_runner_step(r, 0))
            search_runner_poke(r); /* done: new rows are taken in */
    }
    CHECK(fixture_first(st) > d0);
    for (int i = 0; i < 50; i++) { /* until the newest rows are in */
        search_runner_poke(r);
        CHECK(wait_done(r));
        sleep_ms(2);
    }
    size_t n = check_all(r, st, "needle", true);
    uint64_t d = fixture_first(st), end = fixture_end(st);
    CHECK_EQ(n, (end + 9) / 10 - (d + 9) / 10); /* every retained 10th row, once */
    search_runner_destroy(r);
    sb_store_destroy(st);
}

int main(void)
{
    snprintf(spill_dir, sizeof spill_dir, "/tmp/bt-test-runner-XXXXXX");
    if (!mkdtemp(spill_dir))
        return 1;
    struct sb_store *st = fixture_store(spill_dir, 0, 1u << 30);
    push(st, 0, ROWS);
    test_thread_to_end(st);
    test_restart_and_stop(st);
    test_destroy_mid_scan(st);
    sb_store_destroy(st);
    test_racing_drops();
    rmdir(spill_dir);
    return check_done();
}
