/*
 * bench_search: how fast src/search scans a long, mostly spilled history.
 *
 * usage: bench_search OD.TXT [ROWS [RAM_MIB [SPILL_DIR [--compact]]]]
 *
 * Pushes ROWS (default 10 million) rows of OD.TXT's lines (repeated as often
 * as needed; bench/corpora.sh makes od.txt) into a store with the default
 * settings, a RAM budget of RAM_MIB (default 64) and a 4 GiB disk budget, with
 * one row "boundterm-bench-needle" as the 100th row (a literal that matches
 * near the oldest end) and ten rows of RARE spread over it. Then times
 * whole-history searches from the newest row backwards (the window's case),
 * in 16 ms slices as a window would run them between frames: the two rare
 * literals (the store's page summaries pass over pages that cannot hold
 * them), a regex with no required literal and one with one, and a common
 * literal; it prints the time, MB of text read and the longest slice. --compact first recompresses every
 * page with the cold codec, as a long idle time would.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boundterm/scrollback.h"
#include "seams.h" /* sb_store_compact: the store's seams for tests and benchmarks */
#include "search/search.h"

#define NEEDLE "boundterm-bench-needle"
#define RARE "error: 0x7f3a disk quota" /* in ten rows spread over the history */

/* CLOCK_MONOTONIC in seconds. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads a whole file; NULL (logged) on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Pushes rows lines of text[0..len), cycling, with the needle as row 100; false on error. */
static bool fill(struct sb_store *st, const char *text, size_t len, uint64_t rows)
{
    const char *p = text, *end = text + len;
    for (uint64_t r = 0; r < rows; r++) {
        if (r == 100 || (r % (rows / 10) == rows / 20 && rows >= 20)) {
            const char *row = r == 100 ? NEEDLE : RARE;
            if (sb_store_push_plain(st, row, strlen(row), 80, 0) != 0)
                return false;
            continue;
        }
        if (p >= end)
            p = text;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        int rc = sb_store_push_plain(st, p, n, 80, 0);
        if (rc != 0) {
            fprintf(stderr, "push: %s\n", sb_strerror(rc));
            return false;
        }
        p += n + 1;
    }
    return true;
}

/* sb_store_visit_text callback that only counts bytes. */
static int count_bytes(void *user, uint64_t index, const char *text, size_t len, uint32_t flags)
{
    *(uint64_t *)user += len;
    return 0;
}

/* Times a bare walk of every row's text: the floor under any search (reading, decompressing). */
static void time_walk(struct sb_store *st)
{
    uint64_t bytes = 0;
    double t0 = now_s();
    sb_store_visit_text(st, 0, UINT64_MAX, count_bytes, &bytes);
    double t = now_s() - t0;
    printf("walk:   %.1f MB of text in %.3f s = %.0f MB/s (sb_store_visit_text alone)\n",
           (double)bytes / 1e6, t, (double)bytes / 1e6 / t);
}

/*
 * Runs a whole-history search for q from the newest row backwards in 16 ms slices, as the
 * window does between frames; prints the figures. want: the matches it must find (0: any).
 */
static int time_search(struct sb_store *st, const char *q, bool regex, size_t want)
{
    char err[256];
    struct search_opts o = {.query = q, .regex = regex, .dir = SEARCH_BACKWARD,
                            .from_row = UINT64_MAX};
    struct search *s = search_create(st, &o, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t0 = now_s(), worst = 0;
    enum search_state state;
    do {
        double a = now_s();
        state = search_step(s, 0, 16000000);
        if (now_s() - a > worst)
            worst = now_s() - a;
    } while (state == SEARCH_RUNNING);
    double t = now_s() - t0;
    struct search_progress p;
    search_progress(s, &p);
    const struct search_match *m;
    size_t n = search_matches(s, &m);
    printf("search %s%-28s %.3f s: %" PRIu64 " rows, %.1f MB of text read (%.0f MB/s), "
           "%zu match(es); longest slice %.1f ms; %s\n", regex ? "regex " : "", q, t,
           p.rows_scanned, (double)p.bytes_scanned / 1e6, (double)p.bytes_scanned / 1e6 / t,
           n, worst * 1e3, state == SEARCH_DONE ? "done" : "NOT DONE");
    search_destroy(s);
    return state == SEARCH_DONE && (!want || n == want) ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_search OD.TXT [ROWS [RAM_MIB [SPILL_DIR [--compact]]]]\n");
        return 2;
    }
    uint64_t rows = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000;
    uint64_t ram = (argc > 3 ? strtoull(argv[3], NULL, 10) : 64) << 20;
    size_t len;
    char *text = slurp(argv[1], &len);
    if (!text)
        return 1;
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    cfg.ram_budget = ram;
    cfg.disk_budget = 4ull << 30;
    cfg.spill_dir = argc > 4 ? argv[4] : NULL;
    struct sb_store *st;
    char err[256];
    if (sb_store_create(&cfg, &st, err, sizeof err) != 0) {
        fprintf(stderr, "store: %s\n", err);
        return 1;
    }
    double t0 = now_s();
    bool ok = fill(st, text, len, rows);
    sb_store_settle(st);
    /* The summaries of the pages still in RAM are made once pushes pause (the spilled ones
     * have theirs): a search some 0.3 s after the last row finds them made. */
    double t_sum = now_s();
    sb_store_summarize(st);
    printf("summaries of the pages in RAM made in %.2f s\n", now_s() - t_sum);
    if (ok && argc > 5 && strcmp(argv[5], "--compact") == 0)
        ok = sb_store_compact(st) == 0;
    struct sb_stats sts;
    sb_store_stats(st, &sts);
    printf("store: %" PRIu64 " rows (%" PRIu64 " on disk, %" PRIu64 " dropped), "
           "%.0f MB raw -> %.0f MB compressed, %.0f MB disk, summaries %.1f MB, index %.1f MB, "
           "filled in %.1f s\n",
           sts.rows_retained, sts.rows_disk, sts.rows_dropped, (double)sts.raw_bytes_in / 1e6,
           (double)sts.compressed_bytes / 1e6, (double)sts.disk_used / 1e6,
           (double)sts.summary_bytes / 1e6, (double)sts.index_bytes / 1e6, now_s() - t0);
    /* rare literals (once, ten times), a regex with a required literal, common text */
    int rc = ok ? time_search(st, NEEDLE, false, 1) | time_search(st, RARE, false, 10) |
                      time_search(st, "quota|boundterm-bench", true, 11) |
                      time_search(st, "0x7f3a d[a-z]+ quota", true, 10) |
                      time_search(st, "ffff", false, 0)
                : 1;
    if (ok)
        time_walk(st);
    sb_store_destroy(st);
    free(text);
    return rc;
}
