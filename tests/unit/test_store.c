/*
 * The store against a reference model: every row pushed is remembered as
 * (seed, ncols, kind, flags) and regenerated to check what reads back.
 * Budgets are checked after operations; spill, drop, pop, clear, budget
 * changes, the cold tier and disk faults (through the sb_io seam) each get a
 * scenario.
 */
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boundterm/scrollback.h"
#include "check.h"
#include "seams.h"
#include "store_fixture.h"
#include "memcheck.h"
#include "rowgen.h"

#define MAXCOLS 200
#define REST_MAX (80u << 10) /* test_cold: an idle store's hot page and arena slack (51 KiB) */

struct ref_row {
    uint64_t seed;
    uint16_t ncols;
    uint8_t kind, flags;
};

struct model {
    struct sb_store *store;
    struct ref_row *rows; /* by absolute row number */
    size_t len, cap;
    uint64_t rng;
};

static char spill_dir[64];

/* BT_TEST_SCALE (default 1) multiplies the loop counts, for slow runs such as valgrind's. */
static double scale = 1.0;

static int scaled(int n)
{
    int v = (int)(n * scale);
    return v > 0 ? v : 1;
}

/* A check that needs the full loop counts to reach a budget; passes at a smaller scale. */
#define CHECK_FULL(cond) CHECK(scale < 1 || (cond))

static struct sb_config small_config(void)
{
    return fixture_config(spill_dir, 0, 0);
}

/* A model over a store behind the fault seam io (NULL: real syscalls). */
static void model_open_io(struct model *m, const struct sb_config *cfg, const struct sb_io *io)
{
    memset(m, 0, sizeof *m);
    char err[256];
    int rc = sb_store_create_io(cfg, io, &m->store, err, sizeof err);
    if (rc)
        fprintf(stderr, "create: %s\n", err);
    REQUIRE(rc == 0);
    m->rng = 42;
}

static void model_open(struct model *m, const struct sb_config *cfg)
{
    model_open_io(m, cfg, NULL);
}

static void model_close(struct model *m)
{
    sb_store_destroy(m->store);
    free(m->rows);
}

/* Pushes one generated row to the store and the model. */
static void model_push(struct model *m, int kind)
{
    if (m->len == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4096;
        m->rows = realloc(m->rows, m->cap * sizeof *m->rows);
        REQUIRE(m->rows);
    }
    struct ref_row *r = &m->rows[m->len];
    r->seed = rowgen_next(&m->rng);
    r->ncols = (uint16_t)(kind == ROWGEN_PLAIN ? 72 : r->seed % MAXCOLS);
    r->kind = (uint8_t)kind;
    r->flags = (r->seed >> 40) % 3 == 0 ? SB_ROW_WRAPPED : 0;
    struct sb_cell cells[MAXCOLS];
    rowgen_fill(r->seed, r->ncols, kind, cells);
    int rc;
    if (kind == ROWGEN_PLAIN && (r->seed & 1)) { /* half of them through the text fast path */
        char text[MAXCOLS];
        for (uint32_t c = 0; c < r->ncols; c++)
            text[c] = (char)cells[c].chars[0];
        rc = sb_store_push_plain(m->store, text, r->ncols, r->ncols, r->flags);
    } else {
        rc = sb_store_push_row(m->store, cells, r->ncols, r->flags);
    }
    CHECK_EQ(rc, 0);
    m->len++;
}

/* Budgets hold and the row counts add up. */
static void model_check_budgets(struct model *m)
{
    struct sb_stats st;
    sb_store_stats(m->store, &st);
    CHECK(st.ram_used <= st.ram_budget);
    CHECK(st.disk_used <= st.disk_budget);
    CHECK_EQ(st.rows_retained + st.rows_dropped, m->len);
    if (st.ram_used > st.ram_budget)
        fprintf(stderr, "ram_used %llu > budget %llu\n", (unsigned long long)st.ram_used,
                (unsigned long long)st.ram_budget);
}


/* Every retained row reads back as the model says; returns the rows read as lost. */
static uint64_t model_verify(struct model *m)
{
    struct sb_span span;
    sb_store_span(m->store, &span);
    uint64_t n = span.end - span.first, dropped = span.first;
    CHECK_EQ(span.end, m->len);
    CHECK_EQ(sb_store_rows(m->store), n);
    struct sb_row row;
    sb_row_init(&row);
    struct sb_cell cells[MAXCOLS];
    uint64_t lost = 0, bad = 0;
    for (uint64_t i = 0; i < n; i++) {
        REQUIRE(sb_store_read_row(m->store, dropped + i, &row) == 0);
        if (row.flags & SB_ROW_LOST) {
            lost++;
            continue;
        }
        const struct ref_row *r = &m->rows[dropped + i];
        rowgen_fill(r->seed, r->ncols, r->kind, cells);
        if (!rowgen_equal(cells, r->ncols, r->flags, &row) && bad++ < 5)
            fprintf(stderr, "row %llu differs\n", (unsigned long long)i);
    }
    CHECK_EQ(bad, 0);
    sb_row_fini(&row);
    return lost;
}

static void test_errors(void)
{
    struct sb_config cfg = small_config();
    cfg.ram_budget = 64 << 10; /* below what the parts scale down to */
    struct sb_store *s = NULL;
    char err[256] = "";
    CHECK_EQ(sb_store_create(&cfg, &s, err, sizeof err), SB_ERR_BUDGET);
    CHECK(s == NULL);
    CHECK(strstr(err, "minimum") != NULL);
    cfg = small_config();
    cfg.page_bytes = 100;
    CHECK_EQ(sb_store_create(&cfg, &s, err, sizeof err), SB_ERR_INVAL);

    struct model m;
    cfg = small_config();
    model_open(&m, &cfg);
    struct sb_row row;
    sb_row_init(&row);
    CHECK_EQ(sb_store_read_row(m.store, 0, &row), SB_ERR_RANGE);
    CHECK_EQ(sb_store_pop_row(m.store, &row), SB_ERR_RANGE);
    struct sb_cell bad = {.chars = {0xD800}, .width = 1};
    CHECK_EQ(sb_store_push_row(m.store, &bad, 1, 0), SB_ERR_INVAL);
    bad.chars[0] = 'a';
    bad.width = 3;
    CHECK_EQ(sb_store_push_row(m.store, &bad, 1, 0), SB_ERR_INVAL);
    CHECK_EQ(sb_store_set_budgets(m.store, 1024, 0), SB_ERR_BUDGET);
    CHECK_EQ(sb_store_rows(m.store), 0);
    sb_row_fini(&row);
    model_close(&m);
}

/* RAM only: the oldest rows are dropped, the rest read back exactly. */
static void test_ram_only(void)
{
    struct sb_config cfg = small_config();
    struct model m;
    model_open(&m, &cfg);
    for (int i = 0; i < scaled(150000); i++) {
        model_push(&m, i % 3 == 0 ? ROWGEN_RICH : ROWGEN_PLAIN);
        if (i % 97 == 0)
            model_check_budgets(&m);
    }
    model_check_budgets(&m);
    CHECK_FULL(fixture_first(m.store) > 0);
    CHECK_EQ(model_verify(&m), 0);
    model_close(&m);
}

struct text_check {
    struct model *m;
    uint64_t rows, bad;
};

/* Checks a visited row's text against the store's decoded row. */
static int check_text(void *user, uint64_t index, const char *text, size_t len, uint32_t flags)
{
    struct text_check *tc = user;
    const struct ref_row *r = &tc->m->rows[index]; /* rows are numbered as pushed */
    struct sb_cell cells[MAXCOLS];
    rowgen_fill(r->seed, r->ncols, r->kind, cells);
    /* Re-encode the reference's text the documented way: UTF-8, NUL for empty. */
    char want[MAXCOLS * 24];
    size_t n = 0, end = 0;
    for (uint32_t c = 0; c < r->ncols; c++) {
        if (cells[c].width == 0)
            continue;
        if (cells[c].chars[0] == 0) {
            want[n++] = 0;
        } else {
            for (int k = 0; k < SB_MAX_CHARS && cells[c].chars[k]; k++) {
                uint32_t cp = cells[c].chars[k];
                if (cp < 0x80) {
                    want[n++] = (char)cp;
                } else if (cp < 0x800) {
                    want[n++] = (char)(0xc0 | cp >> 6);
                    want[n++] = (char)(0x80 | (cp & 0x3f));
                } else if (cp < 0x10000) {
                    want[n++] = (char)(0xe0 | cp >> 12);
                    want[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    want[n++] = (char)(0x80 | (cp & 0x3f));
                } else {
                    want[n++] = (char)(0xf0 | cp >> 18);
                    want[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
                    want[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    want[n++] = (char)(0x80 | (cp & 0x3f));
                }
            }
        }
        const struct sb_cell *x = &cells[c];
        if (x->chars[0] || x->attrs || x->fg || x->bg || x->width != 1)
            end = n;
    }
    if ((flags & SB_ROW_LOST) || len != end || memcmp(text, want, end) != 0)
        tc->bad++;
    tc->rows++;
    return 0;
}

/* Spill to disk and trim the disk: budgets hold, retained rows are exact, text visits agree. */
static void test_spill(void)
{
    struct sb_config cfg = small_config();
    cfg.disk_budget = 2u << 20;
    struct model m;
    model_open(&m, &cfg);
    for (int i = 0; i < scaled(300000); i++) {
        model_push(&m, i % 4 == 0 ? ROWGEN_RICH : ROWGEN_PLAIN);
        if (i % 97 == 0)
            model_check_budgets(&m);
    }
    struct sb_stats st;
    sb_store_stats(m.store, &st);
    CHECK_FULL(st.pages_disk > 0);
    CHECK_FULL(st.rows_dropped > 0);
    CHECK_FULL(st.disk_used > 0 && st.disk_used <= cfg.disk_budget);
    CHECK_STR(st.last_error, "");
    CHECK_EQ(model_verify(&m), 0);
    struct text_check tc = {.m = &m};
    sb_store_visit_text(m.store, 0, UINT64_MAX, check_text, &tc);
    CHECK_EQ(tc.rows, st.rows_retained);
    CHECK_EQ(tc.bad, 0);

    /* Smaller budgets take effect at once. */
    CHECK_EQ(sb_store_set_budgets(m.store, cfg.ram_budget, 1u << 20), 0);
    sb_store_stats(m.store, &st);
    CHECK(st.disk_used <= (1u << 20));
    CHECK_EQ(model_verify(&m), 0);
    CHECK_EQ(sb_store_set_budgets(m.store, cfg.ram_budget, 0), 0);
    sb_store_stats(m.store, &st);
    CHECK_EQ(st.disk_used, 0);
    CHECK_EQ(st.pages_disk, 0);
    model_check_budgets(&m);
    CHECK_EQ(model_verify(&m), 0);
    model_close(&m);
}

/* Pops interleaved with pushes, reaching back into compressed and spilled pages. */
static void test_pop(void)
{
    struct sb_config cfg = small_config();
    cfg.disk_budget = 8u << 20;
    struct model m;
    model_open(&m, &cfg);
    struct sb_row row;
    sb_row_init(&row);
    struct sb_cell cells[MAXCOLS];
    uint64_t rng = 7, bad = 0;
    for (int round = 0; round < scaled(40); round++) {
        int pushes = (int)(rowgen_next(&rng) % 20000);
        for (int i = 0; i < pushes; i++)
            model_push(&m, i % 2 ? ROWGEN_RICH : ROWGEN_PLAIN);
        uint64_t retained = sb_store_rows(m.store);
        int pops = (int)(rowgen_next(&rng) % (retained + 1));
        for (int i = 0; i < pops; i++) {
            REQUIRE(sb_store_pop_row(m.store, &row) == 0);
            const struct ref_row *r = &m.rows[--m.len];
            rowgen_fill(r->seed, r->ncols, r->kind, cells);
            if (!rowgen_equal(cells, r->ncols, r->flags, &row))
                bad++;
        }
        model_check_budgets(&m);
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(model_verify(&m), 0);
    while (sb_store_pop_row(m.store, &row) == 0)
        m.len--;
    CHECK_EQ(sb_store_rows(m.store), 0);
    sb_row_fini(&row);
    model_close(&m);
}


/* Pushes od -cx-like rows (hex words of hashes: about 2.7x with zstd, as od's). */
static void push_od_rows(struct sb_store *s, uint64_t n, uint64_t *k, struct sb_stats *worst)
{
    for (uint64_t i = 0; i < n; i++, (*k)++) {
        char text[96];
        uint64_t h = (*k + 1) * 0x9E3779B97F4A7C15ull;
        int len = snprintf(text, sizeof text, "%07llo %04x %04x %04x %04x %04x %04x %04x %04x",
                           (unsigned long long)*k * 16, (unsigned)(h & 0xffff),
                           (unsigned)(h >> 16 & 0xffff), (unsigned)(h >> 32 & 0xffff),
                           (unsigned)(h >> 48), (unsigned)(h >> 8 & 0xffff),
                           (unsigned)(h >> 24 & 0xffff), (unsigned)(h >> 40 & 0xffff),
                           (unsigned)(h >> 4 & 0xffff));
        REQUIRE(sb_store_push_plain(s, text, (size_t)len, 80, 0) == 0);
        if (i % 4096 == 0) {
            struct sb_stats st;
            sb_store_stats(s, &st);
            if (st.ram_used > worst->ram_used)
                *worst = st;
        }
    }
}

/* Small budgets (1M-8M) are accepted, scaled as the stats say, and held under a flood. */
static void test_small_budgets(void)
{
    static const uint64_t mib[] = {1, 2, 4, 8};
    for (size_t b = 0; b < sizeof mib / sizeof *mib; b++) {
        struct sb_config cfg;
        sb_config_defaults(&cfg); /* the defaults a user gets, spilling to our directory */
        cfg.spill_dir = spill_dir;
        cfg.ram_budget = mib[b] << 20;
        CHECK(sb_config_floor_ram(&cfg) <= (1u << 20));
        struct sb_store *s = NULL;
        char err[256] = "";
        int rc = sb_store_create(&cfg, &s, err, sizeof err);
        if (rc)
            fprintf(stderr, "%lluM: %s\n", (unsigned long long)mib[b], err);
        REQUIRE(rc == 0);
        uint64_t k = 0;
        struct sb_stats worst = {0}, st;
        push_od_rows(s, (uint64_t)scaled(300000), &k, &worst);
        sb_store_settle(s);
        sb_store_stats(s, &st);
        CHECK(worst.ram_used <= worst.ram_budget);
        CHECK(st.ram_used <= st.ram_budget);
        CHECK(st.rows_retained > 0);
        CHECK_STR(st.last_error, "");
        CHECK(mib[b] >= 8 || st.scaled[0] != '\0'); /* below the defaults' minimum: said */
        struct sb_span span;
        sb_store_span(s, &span);
        struct sb_row row;
        sb_row_init(&row);
        CHECK_EQ(sb_store_read_row(s, span.first, &row), 0);
        CHECK(!(row.flags & SB_ROW_LOST) && row.ncols == 80);
        sb_row_fini(&row);
        printf("budget %lluM: scaled '%s', worst ram_used %.0fK, %llu rows retained "
               "(%llu on disk), index at most %llu pages\n", (unsigned long long)mib[b],
               st.scaled, worst.ram_used / 1024.0, (unsigned long long)st.rows_retained,
               (unsigned long long)st.rows_disk, (unsigned long long)st.index_pages_max);
        sb_store_destroy(s);
    }
}

/*
 * The sealed pages waiting for the worker: 8 when they and their spares are a small part of
 * what the budget leaves over the fixed parts (64M of 64K pages), 2 otherwise (8M, 24M),
 * whatever set_budgets makes the budget; a flood never has more waiting than that, and the
 * budget holds with them.
 */
static void test_sealed_queue(void)
{
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    cfg.spill_dir = spill_dir;
    struct sb_store *s = NULL;
    char err[256] = "";
    REQUIRE(sb_store_create(&cfg, &s, err, sizeof err) == 0);
    struct sb_stats st;
    sb_store_stats(s, &st);
    CHECK_EQ(st.pages_hot_max, 1 + 8);
    CHECK_EQ(sb_store_set_budgets(s, 8u << 20, cfg.disk_budget), 0);
    sb_store_stats(s, &st);
    CHECK_EQ(st.pages_hot_max, 1 + 2);
    CHECK_EQ(sb_store_set_budgets(s, 24u << 20, cfg.disk_budget), 0); /* 32 x 13 x 64K more */
    sb_store_stats(s, &st);
    CHECK_EQ(st.pages_hot_max, 1 + 2);
    CHECK_EQ(sb_store_set_budgets(s, 64u << 20, cfg.disk_budget), 0);
    sb_store_stats(s, &st);
    CHECK_EQ(st.pages_hot_max, 1 + 8);
    uint64_t k = 0, most = 0;
    for (int round = 0; round < scaled(64); round++) {
        struct sb_stats worst = {0};
        push_od_rows(s, 1000, &k, &worst); /* about a page */
        sb_store_stats(s, &st);
        CHECK(st.pages_hot <= st.pages_hot_max);
        CHECK(st.ram_used <= st.ram_budget && worst.ram_used <= worst.ram_budget);
        most = st.pages_hot > most ? st.pages_hot : most;
    }
    printf("sealed queue: at most %llu hot pages seen of %llu allowed\n",
           (unsigned long long)most, (unsigned long long)st.pages_hot_max);
    sb_store_destroy(s);
}

/* Scaled page sizes stay ones the store takes, whatever size was asked for (127K halves to
 * sizes that are not powers of two). */
static void test_fit_page_sizes(void)
{
    static const uint32_t asked[] = {127u << 10, 100000, 16u << 20, (4u << 10) + 1, 5000};
    static const uint64_t budgets[] = {1u << 20, 499u << 10, 64u << 10};
    for (size_t i = 0; i < sizeof asked / sizeof *asked; i++)
        for (size_t j = 0; j < sizeof budgets / sizeof *budgets; j++) {
            struct sb_config cfg;
            sb_config_defaults(&cfg);
            cfg.page_bytes = asked[i];
            cfg.ram_budget = budgets[j];
            unsigned scaled = sb_config_fit(&cfg);
            CHECK(cfg.page_bytes >= SB_PAGE_BYTES_MIN && cfg.page_bytes <= SB_PAGE_BYTES_MAX);
            CHECK(cfg.page_bytes <= asked[i]);
            CHECK(!(scaled & SB_SCALED_PAGE) || cfg.page_bytes < asked[i]);
        }
}

struct probe_check {
    const char *needle;
    uint64_t visited, holding, bad;
    bool probing;
    uint8_t *seen; /* by row number: visited by the probing walk */
};

/* Whether text (len bytes) holds needle, ASCII letters folded. */
static bool holds_folded(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && tolower((unsigned char)text[i + k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

static int probe_row(void *user, uint64_t row, const char *text, size_t len, uint32_t flags)
{
    struct probe_check *pc = user;
    pc->visited++;
    if (pc->probing) {
        pc->seen[row] = 1;
    } else if (holds_folded(text, len, pc->needle)) {
        pc->holding++;
        pc->bad += !pc->seen[row]; /* held the needle, but the probing walk passed it over */
    }
    return 0;
}

/* Pushes n log-like rows of words (three with " Zebra-42"), some wrapped across rows. */
static void push_word_rows(struct sb_store *s, uint64_t n)
{
    static const char *const words[] = {"error", "warning", "connect", "timeout", "retry",
                                        "Session", "disk", "/usr/lib", "ok", "user"};
    uint64_t rng = 99;
    for (uint64_t k = 0; k < n; k++) {
        char text[200];
        int len = snprintf(text, sizeof text, "%08llu %s %s id=%llx",
                           (unsigned long long)k, words[rowgen_next(&rng) % 10],
                           words[rowgen_next(&rng) % 10], (unsigned long long)rowgen_next(&rng));
        if (k % 50000 == 777) /* a rare needle, three or four times */
            len += snprintf(text + len, sizeof text - (size_t)len, " Zebra-42");
        uint32_t flags = k % 1000 < 3 ? SB_ROW_WRAPPED : 0; /* lines across rows (and pages) */
        REQUIRE(sb_store_push_plain(s, text, (size_t)len, 120, flags) == 0);
    }
}

/* A probing walk for needle against a plain one: none that holds it passed over; the rows
 * passed over. */
static uint64_t probe_vs_plain(struct sb_store *s, uint64_t n, const char *needle)
{
    struct probe_check pc = {.needle = needle, .probing = true, .seen = calloc(n, 1)};
    REQUIRE(pc.seen != NULL);
    uint64_t skipped = 0;
    CHECK_EQ(sb_store_visit_text_probe(s, 0, UINT64_MAX, needle, strlen(needle), probe_row, &pc,
                                       &skipped), 0);
    uint64_t probed = pc.visited;
    pc.probing = false;
    pc.visited = 0;
    CHECK_EQ(sb_store_visit_text(s, 0, UINT64_MAX, probe_row, &pc), 0);
    CHECK_EQ(pc.bad, 0);
    CHECK_EQ(probed + skipped, pc.visited);
    CHECK(strlen(needle) >= 3 || skipped == 0);
    printf("probe '%s': %llu of %llu rows passed over, %llu hold it\n", needle,
           (unsigned long long)skipped, (unsigned long long)pc.visited,
           (unsigned long long)pc.holding);
    free(pc.seen);
    return skipped;
}

/* A store's settings with pages large enough for summaries (pages under 16K have none). */
static struct sb_config summary_config(uint64_t ram_budget, uint64_t disk_budget)
{
    struct sb_config cfg = small_config();
    cfg.page_bytes = 64u << 10;
    cfg.ram_budget = ram_budget;
    cfg.disk_budget = disk_budget;
    return cfg;
}

/* Summaries pass over pages that cannot hold a needle, and never one that does. */
static void test_probe(void)
{
    /* most pages spill: passing over them saves reading the disk */
    struct sb_config cfg = summary_config(4u << 20, 64u << 20);
    struct sb_store *s = NULL;
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    uint64_t n = (uint64_t)scaled(200000);
    push_word_rows(s, n);
    struct sb_stats st;
    sb_store_stats(s, &st);
    CHECK_FULL(st.pages_disk > 0 && st.summary_bytes > 0); /* scaled down, RAM may not fill */
    /* The pages compressed before RAM first filled were due their summaries (made once
     * pushes pause) and got them on the way out to disk; those compressed since got theirs
     * with their compression; the few still due are read by every search meanwhile. */
    uint64_t before = probe_vs_plain(s, n, "zebra-42");
    CHECK_FULL(before > n / 2);
    sb_store_summarize(s);
    CHECK(probe_vs_plain(s, n, "zebra-42") >= before);
    sb_store_stats(s, &st); /* the late summaries made room by spilling, reserves kept */
    CHECK(st.summary_bytes > 0);
    CHECK(st.ram_used - st.cache_bytes - st.work_bytes + st.reserve_bytes <= cfg.ram_budget);
    static const char *const needles[] = {"zebra-42", "ZEBRA", "not here at all", "timeout",
                                          "id=", "ab"};
    for (size_t i = 0; i < sizeof needles / sizeof *needles; i++) {
        uint64_t skipped = probe_vs_plain(s, n, needles[i]);
        CHECK_FULL(i >= 3 || skipped > n / 2); /* rare: most rows passed over */
    }
    sb_store_destroy(s);

    /* A page of few distinct trigrams (the same few lines over and over) keeps a summary a
     * quarter to an eighth of a full one (store_summary_fit), and still misses nothing. */
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    n = (uint64_t)scaled(100000);
    for (uint64_t k = 0; k < n; k++) {
        const char *line = k % 3 ? "make: Nothing to be done" : "ok";
        if (k % 40000 == 123)
            line = "Zebra-42 once";
        REQUIRE(sb_store_push_plain(s, line, strlen(line), 80, 0) == 0);
    }
    sb_store_summarize(s);
    sb_store_stats(s, &st);
    uint64_t pages = st.pages_ram + st.pages_disk;
    CHECK_FULL(pages > 4 && st.summary_bytes > 0);
    CHECK(st.summary_bytes <= pages * 256);
    uint64_t passed = probe_vs_plain(s, n, "zebra-42"); /* checks that none is missed */
    CHECK_FULL(passed > n / 2);
    CHECK_EQ(probe_vs_plain(s, n, "nothing to"), 0);
    sb_store_destroy(s);

    /* At the smallest budget for 16K pages the summaries get their share only: the oldest
     * pages lose theirs (and are read by every search), none of their rows go for it. */
    cfg.page_bytes = 16u << 10;
    cfg.ram_budget = sb_config_min_ram(&cfg);
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    n = (uint64_t)scaled(400000);
    push_word_rows(s, n);
    sb_store_stats(s, &st);
    CHECK(st.summary_bytes <= cfg.ram_budget / 8 + 256);
    CHECK_EQ(st.rows_dropped, 0);
    uint64_t skipped = probe_vs_plain(s, n, "zebra-42");
    CHECK_FULL(skipped > 0 && skipped < n * 9 / 10);
    sb_store_destroy(s);
}

/*
 * Summaries are made when the store has time: none while rows are pushed (an inline store
 * never has idle time of its own), all of them from the worker once pushes pause for
 * cold_delay_ms, the same ones sb_store_summarize() makes; none missed meanwhile.
 */
static void test_summary_later(void)
{
    struct sb_config cfg = summary_config(64u << 20, 0);
    struct sb_store *s = NULL;
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    uint64_t n = (uint64_t)scaled(100000);
    push_word_rows(s, n);
    struct sb_stats st;
    sb_store_stats(s, &st);
    CHECK(st.pages_ram > 1);
    CHECK_EQ(st.summary_bytes, 0);
    CHECK_EQ(probe_vs_plain(s, n, "zebra-42"), 0); /* every page read, the rows found */
    sb_store_summarize(s);
    sb_store_stats(s, &st);
    uint64_t made = st.summary_bytes, skipped = probe_vs_plain(s, n, "zebra-42");
    CHECK(made > 0);
    CHECK_FULL(skipped > n / 2);
    sb_store_destroy(s);

    cfg.background = true;
    cfg.cold_delay_ms = 100;
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    push_word_rows(s, n);
    sb_store_settle(s);
    for (int tries = 0; tries < 100; tries++) { /* a loaded machine may take a while */
        sb_store_stats(s, &st);
        if (st.summary_bytes == made)
            break;
        usleep(100 * 1000);
    }
    CHECK_EQ(st.summary_bytes, made);
    CHECK_EQ(probe_vs_plain(s, n, "zebra-42"), skipped);
    sb_store_destroy(s);

    /* With no disk, idle time never takes room that rows would have to make: a store whose
     * RAM has just filled (its first page dropped, the next ones still due) keeps the pages
     * due without summaries, and the reserves for reading and the cold tier stay free (a
     * read there never drops rows). */
    cfg = summary_config(4u << 20, 0);
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    n = 0;
    do {
        push_word_rows(s, 200);
        n += 200;
        sb_store_stats(s, &st);
    } while (st.rows_dropped == 0 && n < 10000000);
    uint64_t dropped = st.rows_dropped;
    sb_store_summarize(s);
    sb_store_stats(s, &st);
    CHECK(dropped > 0);
    CHECK_EQ(st.rows_dropped, dropped);
    CHECK(st.ram_used - st.cache_bytes - st.work_bytes + st.reserve_bytes <= cfg.ram_budget);
    sb_store_destroy(s);
}

struct numbers_seen {
    uint64_t next, bad;
};

/* The text of row k: its number, then digits that compress badly (so rows get dropped). */
static size_t numbered_text(uint64_t k, char *out, size_t cap)
{
    uint64_t h = k * 0x9E3779B97F4A7C15ull;
    return (size_t)snprintf(out, cap, "row %llu %016llx%016llx", (unsigned long long)k,
                            (unsigned long long)h, (unsigned long long)(h * h));
}

/* Visited rows carry their numbers, in order, and their text says which row they are. */
static int check_numbers(void *user, uint64_t row, const char *text, size_t len, uint32_t flags)
{
    struct numbers_seen *ns = user;
    char want[64];
    size_t n = numbered_text(row, want, sizeof want);
    ns->bad += row != ns->next || flags || len != n || memcmp(text, want, len);
    ns->next = row + 1;
    return 0;
}

/* Pushes rows from..end-1, each numbered by its text. */
static void push_numbered(struct sb_store *s, uint64_t from, uint64_t end)
{
    for (uint64_t k = from; k < end; k++) {
        char text[64];
        size_t n = numbered_text(k, text, sizeof text);
        REQUIRE(sb_store_push_plain(s, text, n, 80, 0) == 0);
    }
}

/* Rows keep their numbers through drops, pops and clears; numbers below first stay gone. */
static void test_numbering(void)
{
    struct sb_config cfg = small_config();
    struct sb_store *s = NULL;
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    struct sb_span span;
    sb_store_span(s, &span);
    CHECK(span.first == 0 && span.end == 0 && span.taken_back == 0);
    uint64_t end = (uint64_t)scaled(200000);
    push_numbered(s, 0, end);
    sb_store_span(s, &span);
    CHECK_FULL(span.first > 0); /* the RAM budget dropped the oldest */
    CHECK_EQ(span.end, end);
    CHECK_EQ(sb_store_rows(s), span.end - span.first);
    struct sb_row row;
    sb_row_init(&row);
    if (span.first > 0)
        CHECK_EQ(sb_store_read_row(s, span.first - 1, &row), SB_ERR_RANGE);
    CHECK_EQ(sb_store_read_row(s, span.end, &row), SB_ERR_RANGE);
    CHECK_EQ(sb_store_read_row(s, span.first, &row), 0);
    struct numbers_seen ns = {.next = span.first};
    CHECK_EQ(sb_store_visit_text(s, 0, UINT64_MAX, check_numbers, &ns), 0);
    CHECK_EQ(ns.bad, 0);
    CHECK_EQ(ns.next, end);
    ns = (struct numbers_seen){.next = end - 10}; /* a window of numbers, not of indexes */
    CHECK_EQ(sb_store_visit_text(s, end - 10, 5, check_numbers, &ns), 0);
    CHECK(ns.bad == 0 && ns.next == end - 5);

    /* A pop hands the newest number back; the next push takes it again. */
    CHECK_EQ(sb_store_pop_row(s, &row), 0);
    sb_store_span(s, &span);
    CHECK(span.end == end - 1 && span.taken_back == 1);
    push_numbered(s, end - 1, end);
    ns = (struct numbers_seen){.next = end - 2};
    CHECK_EQ(sb_store_visit_text(s, end - 2, 10, check_numbers, &ns), 0);
    CHECK(ns.bad == 0 && ns.next == end);

    /* A clear: everything below end is gone, and numbering goes on from there. */
    CHECK_EQ(sb_store_clear(s), 0);
    sb_store_span(s, &span);
    CHECK(span.first == end && span.end == end);
    CHECK_EQ(sb_store_read_row(s, end - 1, &row), SB_ERR_RANGE);
    push_numbered(s, end, end + 3);
    ns = (struct numbers_seen){.next = end};
    CHECK_EQ(sb_store_visit_text(s, 0, UINT64_MAX, check_numbers, &ns), 0);
    CHECK(ns.bad == 0 && ns.next == end + 3);
    sb_row_fini(&row);
    sb_store_destroy(s);
}

/* Clear gives the memory back: RES falls, not just the counters. */
static void test_clear_returns_memory(void)
{
    struct sb_config cfg = small_config();
    cfg.page_bytes = 64u << 10;
    cfg.ram_budget = 96u << 20;
    cfg.codec = SB_CODEC_LZ4; /* fills RAM faster than zstd */
    struct model m;
    model_open(&m, &cfg);
    uint64_t before = anon_rss_bytes();
    struct sb_stats st;
    do {
        for (int i = 0; i < scaled(50000); i++)
            model_push(&m, ROWGEN_RICH);
        sb_store_stats(m.store, &st);
    } while (st.rows_dropped == 0);
    uint64_t full = anon_rss_bytes();
    CHECK(res_is_blurred() || full > before + (64u << 20));
    CHECK_EQ(sb_store_clear(m.store), 0);
    uint64_t after = anon_rss_bytes();
    sb_store_stats(m.store, &st);
    CHECK_EQ(st.rows_retained, 0);
    CHECK_EQ(st.rows_dropped, 0);
    CHECK(st.ram_used < (4u << 20));
    /* every part the store counts went back with the pages (a miscount would show here) */
    CHECK_EQ(st.cache_bytes, 0);
    CHECK(st.index_bytes > 0 && st.index_bytes < (1u << 20));
    CHECK_EQ(st.pages_hot + st.pages_ram + st.pages_disk, 0);
    uint64_t model = m.cap * sizeof *m.rows; /* the test's own record of the rows stays */
    CHECK(res_is_blurred() || after < before + model + (8u << 20));
    printf("clear: rss before %.1f MiB, full %.1f MiB, after clear %.1f MiB (%.1f MiB the "
           "test's model)\n", before / 1048576.0, full / 1048576.0, after / 1048576.0,
           model / 1048576.0);
    /* The store works on after a clear, numbering on from where it was. */
    for (int i = 0; i < scaled(1000); i++)
        model_push(&m, ROWGEN_PLAIN);
    CHECK_EQ(model_verify(&m), 0);
    model_close(&m);
}

/* ---- Disk faults through the sb_io seam -------------------------------- */

struct faults {
    int write_errno;   /* fail every pwrite with this (0 = no fault) */
    int fail_reads;    /* fail this many preads with EIO */
    int fds[64];
    int nfds;
};

static int fault_open(void *user, const char *dir)
{
    struct faults *f = user;
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 && f->nfds < 64)
        f->fds[f->nfds++] = fd;
    return fd;
}

static ssize_t fault_pwrite(void *user, int fd, const void *buf, size_t len, off_t off)
{
    struct faults *f = user;
    if (f->write_errno) {
        errno = f->write_errno;
        return -1;
    }
    return pwrite(fd, buf, len, off);
}

static ssize_t fault_pread(void *user, int fd, void *buf, size_t len, off_t off)
{
    struct faults *f = user;
    if (f->fail_reads > 0) {
        f->fail_reads--;
        errno = EIO;
        return -1;
    }
    return pread(fd, buf, len, off);
}

static struct sb_io fault_io(struct faults *f)
{
    struct sb_io io = {fault_open, fault_pwrite, fault_pread, f};
    return io;
}

/* A store behind the fault seam io (which must outlive it) with 150k rows, some spilled. */
static void open_spilled(struct model *m, const struct sb_io *io)
{
    struct sb_config cfg = small_config();
    cfg.disk_budget = 64u << 20;
    model_open_io(m, &cfg, io);
    for (int i = 0; i < scaled(150000); i++)
        model_push(m, ROWGEN_PLAIN);
}

/* A full disk: spilling degrades to losing pages, RAM still bounded, last_error says why. */
static void test_disk_full(void)
{
    struct faults f = {0};
    struct sb_io io = fault_io(&f);
    struct model m;
    open_spilled(&m, &io);
    struct sb_stats st;
    sb_store_stats(m.store, &st);
    uint64_t disk_before = st.disk_used;
    CHECK_FULL(st.pages_disk > 0);
    f.write_errno = ENOSPC;
    for (int i = 0; i < scaled(150000); i++) {
        model_push(&m, ROWGEN_PLAIN);
        if (i % 97 == 0)
            model_check_budgets(&m);
    }
    sb_store_stats(m.store, &st);
    CHECK_FULL(strstr(st.last_error, "space") != NULL);
    CHECK_FULL(st.rows_lost > 0);
    CHECK(st.ram_used <= st.ram_budget);
    CHECK_EQ(st.disk_used, disk_before);
    uint64_t lost = model_verify(&m);
    CHECK_EQ(lost, st.rows_lost);
    printf("disk full: %llu rows lost, last_error: %s\n", (unsigned long long)lost,
           st.last_error);
    model_close(&m);
}

/* A flipped byte in a spilled page: that page reads back lost, its neighbours intact. */
static void test_flipped_byte(void)
{
    struct faults f = {0};
    struct sb_io io = fault_io(&f);
    struct model m;
    open_spilled(&m, &io);
    struct sb_stats st;
    sb_store_stats(m.store, &st);
    if (scale < 1 && !(st.pages_disk > 3 && f.nfds > 0)) {
        model_close(&m); /* too few rows to spill at this scale */
        return;
    }
    REQUIRE(st.pages_disk > 3 && f.nfds > 0);
    unsigned char byte;
    REQUIRE(pread(f.fds[0], &byte, 1, 5000) == 1);
    byte ^= 0x10;
    REQUIRE(pwrite(f.fds[0], &byte, 1, 5000) == 1);
    uint64_t lost = model_verify(&m);
    sb_store_stats(m.store, &st);
    CHECK(lost > 0 && lost < 1000); /* one 4 KiB page of rows */
    CHECK_EQ(lost, st.rows_lost);
    CHECK(strstr(st.last_error, "unreadable") != NULL);
    /* A read error (EIO) loses exactly one more page. */
    f.fail_reads = 1;
    uint64_t lost2 = model_verify(&m);
    CHECK(lost2 > lost);
    model_check_budgets(&m);
    model_close(&m);
}

/* A spill directory that does not exist: not fatal, the store drops instead. */
static void test_bad_spill_dir(void)
{
    struct sb_config cfg = small_config();
    cfg.disk_budget = 8u << 20;
    cfg.spill_dir = "/nonexistent/boundterm-test";
    struct model m;
    model_open(&m, &cfg);
    for (int i = 0; i < scaled(250000); i++)
        model_push(&m, ROWGEN_PLAIN);
    struct sb_stats st;
    sb_store_stats(m.store, &st);
    CHECK(strstr(st.last_error, "/nonexistent") != NULL);
    CHECK_FULL(st.rows_dropped > 0);
    CHECK_EQ(st.disk_used, 0);
    CHECK_EQ(model_verify(&m), 0);
    model_close(&m);
}

/* The cold tier recompresses pages denser and they still read back exactly. */
static void test_cold(void)
{
    struct sb_config cfg = small_config();
    cfg.page_bytes = 16u << 10;
    cfg.cold_codec = SB_CODEC_XZ;
    cfg.cold_level = 6;
    cfg.cold_bytes = 64u << 10;
    cfg.ram_budget = 64u << 20;
    struct model m;
    model_open(&m, &cfg);
    for (int i = 0; i < scaled(60000); i++)
        model_push(&m, i % 5 ? ROWGEN_PLAIN : ROWGEN_RICH);
    struct sb_stats a, b;
    sb_store_stats(m.store, &a);
    CHECK_EQ(sb_store_compact(m.store), 0);
    sb_store_stats(m.store, &b);
    CHECK(b.pages_cold > 0);
    CHECK(b.compressed_bytes < a.compressed_bytes);
    CHECK_EQ(b.rows_retained, a.rows_retained);
    /* Idle after the cold pass: the codecs' state and the worker's buffers are given back. */
    CHECK(b.work_bytes < a.work_bytes);
    CHECK(b.work_bytes < (16u << 10));
    /* and so are the arenas' pages populated ahead of their blobs: besides the pages, their
     * index and summaries, what is left is the hot page and the arenas' slack. */
    uint64_t rest = b.ram_used - b.compressed_bytes - b.index_bytes - b.summary_bytes -
                    b.cache_bytes - b.work_bytes;
    printf("cold: the rest of ram_used at idle %llu bytes\n", (unsigned long long)rest);
    CHECK(rest < REST_MAX);
    printf("cold: %llu -> %llu compressed bytes, %llu -> %llu pages, work %llu -> %llu bytes\n",
           (unsigned long long)a.compressed_bytes, (unsigned long long)b.compressed_bytes,
           (unsigned long long)a.pages_ram, (unsigned long long)b.pages_ram,
           (unsigned long long)a.work_bytes, (unsigned long long)b.work_bytes);
    CHECK_EQ(model_verify(&m), 0);
    for (int i = 0; i < scaled(20000); i++) /* and made again for what comes next */
        model_push(&m, i % 5 ? ROWGEN_PLAIN : ROWGEN_RICH);
    CHECK_EQ(sb_store_compact(m.store), 0);
    struct sb_row row;
    sb_row_init(&row);
    for (int i = 0; i < scaled(30000); i++) { /* pops reach into cold pages */
        CHECK_EQ(sb_store_pop_row(m.store, &row), 0);
        m.len--;
    }
    sb_row_fini(&row);
    CHECK_EQ(model_verify(&m), 0);
    model_close(&m);
}

/* Whether dump_row writes od -cx itself: hex rows that say the bytes of the rows above them. */
static bool dump_od;

/* Row i of od -cx of random bytes: the characters of 16 bytes, then the same bytes in hex. */
static size_t od_row(uint64_t i, char *text)
{
    uint64_t rng = i / 2 * 7919 + 1;
    uint8_t b[16];
    for (int k = 0; k < 16; k++)
        b[k] = (uint8_t)rowgen_next(&rng);
    size_t n = (size_t)sprintf(text, i % 2 ? "       " : "%07llo", (unsigned long long)i * 8);
    for (int k = 0; k < 16; k += 1 + (int)(i % 2))
        n += (size_t)(i % 2                   ? sprintf(text + n, "    %04x", b[k] | b[k + 1] << 8)
                      : b[k] > 32 && b[k] < 127 ? sprintf(text + n, "   %c", b[k])
                                                : sprintf(text + n, " %03o", b[k]));
    return n;
}

/* Row i of a dump-like output: two row formats in turn, random content (like od -cx; with
 * dump_od, od -cx). */
static size_t dump_row(uint64_t i, char *text)
{
    if (dump_od)
        return od_row(i, text);
    uint64_t rng = i * 7919 + 1;
    size_t n = i % 2 ? 0 : (size_t)sprintf(text, "%07llo", (unsigned long long)i * 8);
    for (int k = 0; k < 8; k++) {
        uint64_t r = rowgen_next(&rng);
        n += (size_t)sprintf(text + n, i % 2 ? "    %04x" : " %3o", (unsigned)(r & 0xffff) >> (i % 2 ? 0 : 8));
    }
    return n;
}

struct dump_check {
    uint64_t first, rows, bad;
};

static int check_dump_text(void *user, uint64_t index, const char *text, size_t len,
                           uint32_t flags)
{
    struct dump_check *dc = user;
    char want[128];
    size_t n = dump_row(dc->first + index, want);
    dc->bad += (flags & SB_ROW_LOST) || index != dc->rows || len != n || memcmp(text, want, n);
    dc->rows++;
    return 0;
}

/* Whether row holds want[0..len) as its cells, one ASCII character each. */
static bool row_holds(const struct sb_row *row, const char *want, size_t len)
{
    bool ok = row->ncols == len;
    for (size_t c = 0; ok && c < len; c++)
        ok = row->cells[c].chars[0] == (uint8_t)want[c];
    return ok;
}

/* Pops n rows, the newest first, that must hold text_of(newest), text_of(newest - 1), ...;
 * returns the bad ones. */
static uint64_t pops_verify(struct sb_store *s, size_t (*text_of)(uint64_t, char *),
                            uint64_t newest, uint64_t n)
{
    struct sb_row row;
    sb_row_init(&row);
    uint64_t bad = 0;
    for (uint64_t k = 0; k < n; k++) {
        char want[128];
        size_t len = text_of(newest - k, want);
        bad += !(sb_store_pop_row(s, &row) == 0 && row_holds(&row, want, len));
    }
    sb_row_fini(&row);
    return bad;
}

/* Rows [first, first + n) of the store read back as dump rows first_row + k; returns bad ones. */
static uint64_t dump_verify(struct sb_store *s, uint64_t first_row)
{
    struct sb_row row;
    sb_row_init(&row);
    uint64_t n = sb_store_rows(s), bad = 0;
    for (uint64_t k = 0; k < n; k++) {
        char want[128];
        size_t len = dump_row(first_row + k, want);
        bad += !(sb_store_read_row(s, k, &row) == 0 && !(row.flags & SB_ROW_LOST) &&
                 row_holds(&row, want, len));
    }
    sb_row_fini(&row);
    struct dump_check dc = {.first = first_row};
    sb_store_visit_text(s, 0, UINT64_MAX, check_dump_text, &dc);
    return bad + dc.bad + (dc.rows != n);
}

/* n reads of random rows, row i holding text_of(first_row + i) in cells of its length (reads
 * of cold pages part way, or whole); returns the bad ones. */
static uint64_t random_reads(struct sb_store *s, size_t (*text_of)(uint64_t, char *),
                             uint64_t first_row, int n)
{
    struct sb_row row;
    sb_row_init(&row);
    uint64_t rows = sb_store_rows(s), bad = 0, rng = 17;
    if (scale < 1 && n > 100)
        n = 100; /* valgrind's run: each read may decompress a block; 100 still land in many */
    for (int k = 0; k < n; k++) {
        uint64_t i = rowgen_next(&rng) % rows;
        char want[128];
        size_t len = text_of(first_row + i, want);
        bad += !(sb_store_read_row(s, i, &row) == 0 && row_holds(&row, want, len));
    }
    sb_row_fini(&row);
    return bad;
}

static uint64_t dump_random(struct sb_store *s, uint64_t first_row, int n)
{
    return random_reads(s, dump_row, first_row, n);
}

/* Pushes n more dump rows; *total counts them. */
static void push_dump(struct sb_store *s, uint64_t *total, int n)
{
    for (int k = 0; k < n; k++, (*total)++) {
        char text[128];
        size_t len = dump_row(*total, text);
        REQUIRE(sb_store_push_plain(s, text, len, (uint32_t)len, 0) == 0);
    }
}

/*
 * Cold pages whose rows the cold tier regrouped (a dump's two row formats
 * make period 2 pay) and, with od, whose hex rows it derives (format 4): exact random reads
 * and in-order visits from RAM and, spilled and encrypted, from disk; pops back into them;
 * clear.
 */
static void test_cold_permuted(bool od)
{
    if (od && scale < 1)
        return; /* valgrind's run: format 4 is test_page's and test_derive's there (minutes) */
    dump_od = od;
    struct sb_config cfg = small_config();
    cfg.page_bytes = 16u << 10;
    cfg.cold_codec = SB_CODEC_XZ;
    cfg.cold_level = scale < 1 ? 1 : cfg.cold_level; /* valgrind's run: xz -6 took a minute */
    cfg.cold_bytes = 64u << 10;
    cfg.disk_budget = 64u << 20;
    cfg.ram_budget = sb_config_min_ram(&cfg) + (1u << 20);
    struct sb_store *s;
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    uint64_t total = 0;
    struct sb_stats a, b;
    for (sb_store_stats(s, &a); total < 20000 && a.pages_disk == 0; sb_store_stats(s, &a))
        push_dump(s, &total, 100);
    CHECK_EQ(sb_store_compact(s), 0);
    sb_store_stats(s, &b);
    CHECK(b.pages_permuted > 0);
    CHECK(b.compressed_bytes < a.compressed_bytes);
    CHECK_EQ(b.pages_derived, od ? b.pages_cold : 0);
    CHECK(!od || b.compressed_bytes * 2 < a.compressed_bytes); /* half the text is derived */
    printf("cold permuted%s: %llu of %llu pages, %.2f -> %.2f B/row\n", od ? " (od)" : "",
           (unsigned long long)b.pages_permuted, (unsigned long long)b.pages_ram,
           (double)a.compressed_bytes / a.rows_retained,
           (double)b.compressed_bytes / b.rows_retained);
    CHECK_EQ(dump_verify(s, 0), 0);
    CHECK_EQ(dump_random(s, 0, 3000), 0);
    /* More rows push the (oldest) cold pages out to disk, encrypted; they read back. */
    uint64_t cold = b.pages_cold, permuted = b.pages_permuted;
    for (; total < 2000000 && b.pages_cold == cold; sb_store_stats(s, &b))
        push_dump(s, &total, 1001);
    CHECK(b.pages_cold < cold);
    CHECK_EQ(b.pages_permuted, permuted);
    CHECK_EQ(b.rows_dropped, 0);
    CHECK_EQ(dump_verify(s, 0), 0);
    CHECK_EQ(dump_random(s, 0, 3000), 0);
    CHECK_STR(b.last_error, "");
    printf("cold permuted: %llu rows, %llu pages on disk\n", (unsigned long long)total,
           (unsigned long long)b.pages_disk);
    /* Pops go back through the newer pages into the permuted cold ones, the spilled too. */
    CHECK_EQ(pops_verify(s, dump_row, total - 1, total - 5000), 0);
    CHECK_EQ(sb_store_rows(s), 5000);
    CHECK_EQ(dump_verify(s, 0), 0);
    CHECK_EQ(sb_store_clear(s), 0);
    sb_store_stats(s, &b);
    CHECK_EQ(b.rows_retained, 0);
    CHECK_EQ(b.pages_permuted, 0);
    sb_store_destroy(s);
    dump_od = false;
}

/* Row k of a history in three runs: repetitive build output, a dump (random, like od -cx),
 * build output again with a rare needle. */
#define MIXED_A 30000
#define MIXED_B 8000
static size_t mixed_row(uint64_t k, char *text)
{
    if (k >= MIXED_A && k < MIXED_A + MIXED_B)
        return dump_row(k, text);
    if (k % 20011 == 7)
        return (size_t)sprintf(text, "ld: Zebra-42 undefined");
    static const char *const lines[] = {"make[2]: Nothing to be done for 'all'.",
                                        "  CC       src/term/vt.o", "  CCLD     boundterm",
                                        "make[1]: Leaving directory '/build'"};
    return (size_t)sprintf(text, "%s #%llu", lines[k % 4], (unsigned long long)k);
}

struct mixed_check {
    uint64_t rows, bad;
};

static int check_mixed_text(void *user, uint64_t index, const char *text, size_t len,
                            uint32_t flags)
{
    struct mixed_check *mc = user;
    char want[128];
    size_t n = mixed_row(index, want);
    mc->bad += (flags & SB_ROW_LOST) || index != mc->rows || len != n || memcmp(text, want, n);
    mc->rows++;
    return 0;
}

/* Every row read back, in order and at random; returns the bad ones. */
static uint64_t mixed_verify(struct sb_store *s, uint64_t n)
{
    struct mixed_check mc = {0};
    sb_store_visit_text(s, 0, UINT64_MAX, check_mixed_text, &mc);
    return mc.bad + (mc.rows != n) + random_reads(s, mixed_row, 0, 2000);
}

/*
 * Repetitive pages go to large cold blocks (zstd), the others to ordinary ones (xz), each
 * run of one kind; every row reads back, pops too; a large block's summary, made from its
 * text, passes over what cannot match and misses nothing; a budget under 64 MiB has none.
 */
static void test_cold_large(void)
{
    struct sb_config cfg = small_config();
    cfg.page_bytes = 16u << 10;
    cfg.cold_codec = SB_CODEC_XZ;
    cfg.cold_bytes = 16u << 10;
    cfg.cold_large_bytes = 256u << 10;
    cfg.ram_budget = 64u << 20;
    struct sb_store *s;
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    /* Dump rows alone: no large block can come, and none is reserved for. */
    uint64_t total = 0;
    struct sb_stats a, b;
    sb_store_stats(s, &a);
    push_dump(s, &total, MIXED_B);
    sb_store_settle(s);
    sb_store_stats(s, &b);
    CHECK_EQ(b.reserve_bytes, a.reserve_bytes);
    sb_store_destroy(s);
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    uint64_t n = MIXED_A + MIXED_B + MIXED_A;
    for (uint64_t k = 0; k < n; k++) {
        char text[128];
        size_t len = mixed_row(k, text);
        REQUIRE(sb_store_push_plain(s, text, len, (uint32_t)len, 0) == 0);
    }
    sb_store_settle(s);
    sb_store_stats(s, &b);
    CHECK(b.reserve_bytes > a.reserve_bytes + (1u << 20)); /* now it is: buffers of 256K */
    uint64_t grown = b.reserve_bytes;
    sb_store_stats(s, &a);
    CHECK_EQ(sb_store_compact(s), 0);
    sb_store_stats(s, &b);
    CHECK_EQ(b.reserve_bytes, grown);
    printf("cold large: %llu -> %llu compressed bytes, %llu pages -> %llu cold (%llu large)\n",
           (unsigned long long)a.compressed_bytes, (unsigned long long)b.compressed_bytes,
           (unsigned long long)a.pages_ram, (unsigned long long)b.pages_cold,
           (unsigned long long)b.pages_cold_large);
    CHECK(b.pages_cold_large >= 2);              /* a run before the dump and one after */
    CHECK(b.pages_cold > b.pages_cold_large);    /* the dump's pages: ordinary blocks */
    CHECK_EQ(b.pages_cold, b.pages_ram);         /* every page merged: no job failed */
    CHECK(b.compressed_bytes < a.compressed_bytes);
    CHECK(b.index_bytes < a.index_bytes); /* room for 190 entries given back for 41 */
    CHECK(b.work_bytes < (16u << 10));
    CHECK_EQ(mixed_verify(s, n), 0);
    CHECK_FULL(probe_vs_plain(s, n, "zebra-42") > n / 2);
    CHECK_FULL(probe_vs_plain(s, n, "nothing to") <= MIXED_B); /* the dump's rows at most */
    /* Less RAM: the oldest blocks, large and packed ones first, spill and read back. */
    struct sb_config less = cfg;
    less.ram_budget = 32u << 20;
    CHECK_EQ(sb_store_set_budgets(s, sb_config_min_ram(&less), 64u << 20), 0);
    sb_store_stats(s, &b);
    CHECK(b.pages_disk > 0);
    CHECK_EQ(b.rows_dropped, 0);
    CHECK_EQ(mixed_verify(s, n), 0);
    CHECK_STR(b.last_error, "");
    /* Back through a large block and the dump's. */
    CHECK_EQ(pops_verify(s, mixed_row, n - 1, MIXED_A), 0);
    CHECK_EQ(mixed_verify(s, n - MIXED_A), 0);
    sb_store_destroy(s);

    cfg.ram_budget = 32u << 20; /* the large blocks' buffers would not pay for themselves */
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    for (uint64_t k = 0; k < MIXED_A; k++) {
        char text[128];
        size_t len = mixed_row(k, text);
        REQUIRE(sb_store_push_plain(s, text, len, (uint32_t)len, 0) == 0);
    }
    CHECK_EQ(sb_store_compact(s), 0);
    sb_store_stats(s, &b);
    CHECK_EQ(b.pages_cold_large, 0); /* (xz does not beat zstd on pages this repetitive) */
    CHECK_EQ(mixed_verify(s, MIXED_A), 0);
    sb_store_destroy(s);
}

/* cold_large_bytes: checked, and scaled off first when its buffers do not fit. */
static void test_cold_large_config(void)
{
    struct sb_config cfg = small_config();
    struct sb_store *s = NULL;
    char err[256] = "";
    cfg.ram_budget = 256u << 20;
    cfg.cold_codec = SB_CODEC_XZ;
    cfg.cold_large_bytes = cfg.cold_bytes - 1;
    CHECK_EQ(sb_store_create(&cfg, &s, err, sizeof err), SB_ERR_INVAL);
    CHECK(strstr(err, "cold_large_bytes") != NULL);
    cfg.cold_large_bytes = (16u << 20) + 1;
    CHECK_EQ(sb_store_create(&cfg, &s, err, sizeof err), SB_ERR_INVAL);
    cfg.cold_large_bytes = 16u << 20;
    uint64_t with = sb_config_min_ram(&cfg);
    cfg.cold_large_bytes = 0;
    uint64_t without = sb_config_min_ram(&cfg);
    CHECK(with > without + (32u << 20)); /* buffers of 16 MiB blocks */
    cfg.cold_large_bytes = 16u << 20;
    cfg.ram_budget = with - 1;
    struct sb_config fitted = cfg;
    unsigned scaled = sb_config_fit(&fitted);
    CHECK_EQ(scaled, SB_SCALED_COLD_LARGE);
    CHECK_EQ(fitted.cold_large_bytes, 0);
    char said[128];
    sb_scaled_describe(scaled, &cfg, &fitted, said, sizeof said);
    CHECK_STR(said, "cold_large_bytes 16384K->0");
}

/* The voluntary context switches of this process's threads but the calling one. */
static long other_threads_switches(void)
{
    char path[300], line[128];
    long sum = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || atoi(de->d_name) == (int)gettid())
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/status", de->d_name);
        FILE *f = fopen(path, "r");
        while (f && fgets(line, sizeof line, f))
            if (strncmp(line, "voluntary_ctxt_switches:", 24) == 0)
                sum += atol(line + 24);
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return sum;
}

/* The worker thread: compression off the caller's thread, idle-time cold tier, spill. */
static void test_background(void)
{
    struct sb_config cfg = small_config();
    cfg.background = true;
    cfg.cold_codec = SB_CODEC_XZ;
    cfg.cold_bytes = 16u << 10;
    cfg.cold_delay_ms = 50;
    cfg.disk_budget = 4u << 20;
    cfg.ram_budget = sb_config_min_ram(&cfg);
    struct model m;
    model_open(&m, &cfg);
    struct sb_row row;
    sb_row_init(&row);
    for (int i = 0; i < scaled(200000); i++) {
        model_push(&m, i % 3 ? ROWGEN_PLAIN : ROWGEN_RICH);
        if (i % 1000 == 0) {
            model_check_budgets(&m);
            struct sb_span span;
            sb_store_span(m.store, &span);
            uint64_t k = span.first + rowgen_next(&m.rng) % (span.end - span.first);
            CHECK_EQ(sb_store_read_row(m.store, k, &row), 0);
            CHECK((row.flags & SB_ROW_LOST) == 0);
        }
    }
    sb_store_settle(m.store);
    usleep(400 * 1000); /* idle: the worker recompresses cold pages */
    struct sb_stats st;
    sb_store_stats(m.store, &st);
    CHECK(st.pages_cold > 0);
    /*
     * and then sleeps until there is work: half a second without a wake-up once the cold
     * work is done (it used to wake 5 times a second; a slow machine may still be working)
     */
    long woke = -1;
    for (int tries = 0; tries < 10 && woke != 0; tries++) {
        long before = other_threads_switches();
        usleep(500 * 1000);
        woke = other_threads_switches() - before;
    }
    CHECK_EQ(woke, 0);
    model_check_budgets(&m);
    CHECK_EQ(model_verify(&m), 0);
    sb_row_fini(&row);
    model_close(&m);
}

/* Idle-time work (the cold tier) never drops rows, even with RAM full and no disk. */
static void test_idle_never_drops(void)
{
    struct sb_config cfg = small_config();
    cfg.background = true;
    cfg.cold_codec = SB_CODEC_XZ;
    cfg.cold_bytes = 16u << 10;
    cfg.cold_delay_ms = 20;
    cfg.ram_budget = sb_config_min_ram(&cfg);
    struct model m;
    model_open(&m, &cfg);
    struct sb_stats a, b;
    do {
        for (int i = 0; i < 20000; i++)
            model_push(&m, i % 3 ? ROWGEN_PLAIN : ROWGEN_RICH);
        sb_store_settle(m.store);
        sb_store_stats(m.store, &a);
    } while (a.rows_dropped == 0);
    usleep(600 * 1000); /* the worker recompresses cold pages meanwhile */
    sb_store_stats(m.store, &b);
    CHECK(b.pages_cold > 0);
    CHECK_EQ(b.rows_dropped, a.rows_dropped);
    CHECK(b.ram_used <= b.ram_budget);
    CHECK_EQ(model_verify(&m), 0);
    CHECK_EQ(fixture_first(m.store), a.rows_dropped); /* reading drops nothing either */
    model_close(&m);
}

static void test_stats_json(void)
{
    struct sb_stats st = {.ram_budget = 1, .rows_dropped = 7};
    snprintf(st.last_error, sizeof st.last_error, "a \"quoted\" \\ error\n");
    char buf[1024];
    size_t n = sb_stats_json(&st, buf, sizeof buf);
    CHECK(n < sizeof buf);
    CHECK(strstr(buf, "\"rows_dropped\":7") != NULL);
    CHECK(strstr(buf, "\"last_error\":\"a \\\"quoted\\\" \\\\ error\\u000a\"}") != NULL);
    char small[16];
    CHECK_EQ(sb_stats_json(&st, small, sizeof small), n);
    CHECK_EQ(strlen(small), sizeof small - 1);
}

/* Row i: "row <i> link", its last word linking to https://h/<i>, the first to a shared URI. */
static void linked_row(struct sb_row *row, int i)
{
    char text[40], uri[40];
    int n = snprintf(text, sizeof text, "row %d link", i), m = snprintf(uri, sizeof uri, "https://h/%d", i);
    REQUIRE(sb_row_reserve(row, 80) == 0);
    sb_row_clear_links(row);
    uint32_t h = (uint32_t)i * 2654435761u; /* the rest of the row: noise, so pages spill */
    for (int c = 0; c < 80; c++) {
        h = h * 1103515245u + 12345u;
        uint32_t ch = c < n ? (uint32_t)text[c] : c == n ? ' ' : 33 + (h >> 16) % 94;
        row->cells[c] = (struct sb_cell){.chars = {ch}, .width = 1};
    }
    row->ncols = 80;
    row->flags = 0;
    int shared = sb_row_add_link(row, "file:///shared", 14), own = sb_row_add_link(row, uri, (size_t)m);
    REQUIRE(shared == 1 && own == 2);
    for (int c = 0; c < 3; c++)
        row->cells[c].link = 1;
    for (int c = n - 4; c < n; c++)
        row->cells[c].link = 2;
}

/* Hyperlinks travel with their rows through compression, the cold tier and the spill files. */
static void test_links(void)
{
    struct sb_config cfg = small_config();
    cfg.disk_budget = 64u << 20;
    cfg.cold_codec = SB_CODEC_XZ;
    cfg.cold_level = 1;
    cfg.cold_bytes = 64u << 10;
    cfg.ram_budget = 8u << 20;
    struct sb_store *st;
    char err[256];
    int rc = sb_store_create(&cfg, &st, err, sizeof err);
    if (rc)
        fprintf(stderr, "create: %s\n", err);
    REQUIRE(rc == 0);
    struct sb_row row, got;
    sb_row_init(&row);
    sb_row_init(&got);
    int n = scaled(120000);
    for (int i = 0; i < n; i++) {
        linked_row(&row, i);
        CHECK_EQ(sb_store_push(st, &row), 0);
    }
    CHECK_EQ(sb_store_compact(st), 0);
    struct sb_stats stats;
    sb_store_stats(st, &stats);
    CHECK_FULL(stats.pages_disk > 0);
    struct sb_span span;
    sb_store_span(st, &span);
    CHECK_EQ(span.first, stats.rows_dropped);
    uint64_t bad = 0;
    for (uint64_t k = span.first; k < span.end; k += 97) {
        REQUIRE(sb_store_read_row(st, k, &got) == 0);
        int i = (int)k;
        linked_row(&row, i);
        bool same = got.ncols == 80 && got.nlinks == 2 &&
                    !strcmp(sb_row_link(&got, 1), "file:///shared") &&
                    !strcmp(sb_row_link(&got, 2), sb_row_link(&row, 2));
        for (int c = 0; same && c < 80; c++)
            same = got.cells[c].link == row.cells[c].link;
        bad += !same;
    }
    CHECK_EQ(bad, 0);
    /* a row with links the store cannot take is refused whole */
    row.cells[5].link = 9;
    CHECK_EQ(sb_store_push(st, &row), SB_ERR_INVAL);
    sb_row_fini(&row);
    sb_row_fini(&got);
    sb_store_destroy(st);
}

/* Row i's marks: a few prompts and commands, none at all in rows 30000..69999 (a long output). */
static uint32_t mark_of(uint64_t i)
{
    if (i >= 30000 && i < 70000)
        return 0;
    if (i % 211 == 0)
        return SB_ROW_MARK_PROMPT | SB_ROW_MARK_INPUT;
    if (i % 211 == 1)
        return SB_ROW_MARK_OUTPUT;
    if (i % 1013 == 5)
        return SB_ROW_MARK_END | SB_ROW_MARK_FAILED;
    if (i % 211 == 7)
        return SB_ROW_MARK_END;
    return 0;
}

static void marked_row(struct sb_row *row, uint64_t i)
{
    char text[128];
    int n = (int)dump_row(i, text); /* od-like text, which the cold tier takes */
    n = n < 80 ? n : 80;
    REQUIRE(sb_row_reserve(row, 80) == 0);
    for (int c = 0; c < 80; c++)
        row->cells[c] = (struct sb_cell){.chars = {c < n ? (uint32_t)text[c] : 0}, .width = 1};
    row->ncols = 80;
    row->flags = mark_of(i);
    row->has_command = (mark_of(i) & SB_ROW_MARK_END) != 0;
    row->command = (struct sb_command){(mark_of(i) & SB_ROW_MARK_FAILED) ? 2 : 0,
                                       (uint32_t)i, (uint64_t)i << 12};
}

/* The nearest row with mask in rows [first, end) before or after from, by a plain walk. */
static bool linear_mark(uint64_t first, uint64_t end, uint64_t from, bool back, uint32_t mask,
                        uint64_t *found)
{
    if (back) {
        for (uint64_t n = from < end ? from : end; n-- > first;)
            if (mark_of(n) & mask)
                return *found = n, true;
    } else {
        for (uint64_t n = from + 1 > first ? from + 1 : first; n < end; n++)
            if (mark_of(n) & mask)
                return *found = n, true;
    }
    return false;
}

/*
 * Marks and the command notes survive sealing, compression, the cold tier and spilling, and
 * sb_store_find_mark agrees with a linear walk from anywhere, in both directions.
 */
static void test_marks(void)
{
    struct sb_config cfg = small_config();
    cfg.disk_budget = 64u << 20;
    cfg.cold_codec = SB_CODEC_XZ;
    cfg.cold_level = 1;
    cfg.cold_bytes = 64u << 10;
    cfg.ram_budget = 8u << 20;
    struct sb_store *st;
    char err[256];
    REQUIRE(sb_store_create(&cfg, &st, err, sizeof err) == 0);
    struct sb_row row, got;
    sb_row_init(&row);
    sb_row_init(&got);
    uint64_t n = (uint64_t)scaled(320000);
    for (uint64_t i = 0; i < n; i++) {
        marked_row(&row, i);
        REQUIRE(sb_store_push(st, &row) == 0);
    }
    CHECK_EQ(sb_store_compact(st), 0);
    struct sb_stats stats;
    sb_store_stats(st, &stats);
    CHECK_FULL(stats.pages_disk > 0 && stats.pages_cold > 0);
    struct sb_span span;
    sb_store_span(st, &span);
    static const uint32_t masks[] = {SB_ROW_MARK_PROMPT, SB_ROW_MARK_OUTPUT, SB_ROW_MARK_FAILED,
                                     SB_ROW_MARK_END | SB_ROW_MARK_PROMPT, SB_ROW_MARKS};
    uint64_t rng = 7, disagree = 0, tried = 0;
    for (int k = 0; k < 400; k++) {
        uint64_t from = k < 4 ? (uint64_t[]){0, span.first, span.end, 50000}[k]
                              : span.first + rowgen_next(&rng) % (span.end - span.first + 2);
        for (size_t m = 0; m < sizeof masks / sizeof *masks; m++)
            for (int back = 0; back < 2; back++) {
                uint64_t a = UINT64_MAX, b = UINT64_MAX;
                bool want = linear_mark(span.first, span.end, from, back, masks[m], &a);
                int rc = sb_store_find_mark(st, from, back, masks[m], &b);
                disagree += want != (rc == 0) || (want && a != b);
                tried++;
            }
    }
    CHECK_EQ(disagree, 0);
    /* the pages holding FAILED rows, to the page: every failed row is in one of them */
    uint64_t pages[4096], missed = 0;
    size_t np = sb_store_mark_pages(st, SB_ROW_MARK_FAILED, pages, 4096);
    for (size_t i = 1; i < np; i++)
        missed += pages[i] >= pages[i - 1]; /* newest first */
    for (uint64_t r = span.first; r < span.end; r++) {
        if (!(mark_of(r) & SB_ROW_MARK_FAILED))
            continue;
        size_t k = 0;
        while (k < np && pages[k] > r)
            k++;
        missed += k == np; /* no page at or before it: it was not reported */
    }
    CHECK(np > 0 && np < 4096);
    CHECK_EQ(missed, 0);
    CHECK_EQ(sb_store_mark_pages(st, SB_ROW_MARK_FAILED, pages, 1), 1);
    printf("marks: %llu finds agree with a linear walk over %llu rows (%llu spilled, %llu cold pages)\n",
           (unsigned long long)tried, (unsigned long long)(span.end - span.first),
           (unsigned long long)stats.rows_disk, (unsigned long long)stats.pages_cold);
    uint64_t bad = 0;
    for (uint64_t k = span.first; k < span.end; k += 211) /* prompts, then their commands' ends */
        for (uint64_t j = k; j < k + 8 && j < span.end; j++) {
            REQUIRE(sb_store_read_row(st, j, &got) == 0);
            marked_row(&row, j);
            bad += got.flags != row.flags || got.has_command != row.has_command ||
                   (got.has_command && memcmp(&got.command, &row.command, sizeof got.command));
        }
    CHECK_EQ(bad, 0);
    /* a taller screen takes marked rows back with their marks and notes */
    for (uint64_t k = 0; k < 300; k++) {
        REQUIRE(sb_store_pop_row(st, &got) == 0);
        marked_row(&row, span.end - 1 - k);
        bad += got.flags != row.flags || got.has_command != row.has_command;
    }
    CHECK_EQ(bad, 0);
    /* FAILED without END, and a command note on a row not marked END, are refused */
    marked_row(&row, 2);
    row.flags = SB_ROW_MARK_FAILED;
    CHECK_EQ(sb_store_push(st, &row), SB_ERR_INVAL);
    row.flags = SB_ROW_MARK_PROMPT;
    row.has_command = true;
    CHECK_EQ(sb_store_push(st, &row), SB_ERR_INVAL);
    CHECK_EQ(sb_store_push_plain(st, "x", 1, 80, SB_ROW_MARK_PROMPT), 0);
    uint64_t at;
    CHECK_EQ(sb_store_find_mark(st, UINT64_MAX, true, SB_ROW_MARK_PROMPT, &at), 0);
    CHECK_EQ(at, span.end - 300);
    sb_row_fini(&row);
    sb_row_fini(&got);
    sb_store_destroy(st);
}

/*
 * A pool of 12M RAM and 6M disk for four stores: a quiet store's 60,000 rows (under its fair
 * share) all stay in RAM while three others flood past both budgets; the stores together stay
 * within the budgets throughout; a store leaving gives its RAM back at once.
 */
static void test_pool(void)
{
    struct sb_pool *pool;
    REQUIRE(sb_pool_create(12u << 20, 6u << 20, 4, &pool) == 0);
    struct sb_config cfg = small_config();
    struct sb_store *st[4];
    char err[256];
    for (int i = 0; i < 4; i++)
        REQUIRE(sb_store_create_in(pool, &cfg, &st[i], err, sizeof err) == 0);
    char text[128];
    uint64_t quiet = (uint64_t)scaled(60000);
    for (uint64_t i = 0; i < quiet; i++)
    {
        size_t n = dump_row(i, text);
        REQUIRE(sb_store_push_plain(st[0], text, n, (uint32_t)n, 0) == 0);
    }
    sb_store_settle(st[0]);
    struct sb_pool_stats ps;
    uint64_t worst_ram = 0, worst_disk = 0;
    uint64_t flood = (uint64_t)scaled(700000);
    for (uint64_t i = 0; i < flood; i++) {
        size_t n = dump_row(i + 1000000, text);
        REQUIRE(sb_store_push_plain(st[1 + i % 3], text, n, (uint32_t)n, 0) == 0);
        if (i % 20000 == 0) {
            sb_pool_stats(pool, &ps);
            worst_ram = ps.ram_used > worst_ram ? ps.ram_used : worst_ram;
            worst_disk = ps.disk_used > worst_disk ? ps.disk_used : worst_disk;
        }
    }
    for (int i = 1; i < 4; i++)
        sb_store_settle(st[i]);
    sb_pool_stats(pool, &ps);
    struct sb_stats q, f;
    sb_store_stats(st[0], &q);
    sb_store_stats(st[1], &f);
    printf("pool: worst RAM %llu K of %llu K, disk %llu K of %llu K, %llu pages moved; quiet store "
           "%llu rows in RAM of %llu; a flooding one %llu kept, %llu dropped\n",
           (unsigned long long)worst_ram >> 10, (unsigned long long)ps.ram_budget >> 10,
           (unsigned long long)worst_disk >> 10, (unsigned long long)ps.disk_budget >> 10,
           (unsigned long long)ps.pages_moved, (unsigned long long)q.rows_ram,
           (unsigned long long)quiet, (unsigned long long)f.rows_retained,
           (unsigned long long)f.rows_dropped);
    CHECK(worst_ram <= ps.ram_budget);
    CHECK(worst_disk <= ps.disk_budget);
    CHECK_EQ(q.rows_retained, quiet);
    CHECK_EQ(q.rows_ram, quiet); /* under its fair share: nothing of it moved to disk */
    CHECK_FULL(f.rows_dropped > 0 && ps.pages_moved > 0);
    CHECK_EQ(dump_verify(st[0], 0), 0);
    /* a smaller budget (a reload) moves pages out at once; one a store cannot hold is refused */
    CHECK_EQ(sb_pool_set_budgets(pool, 9u << 20, 6u << 20), 0);
    sb_pool_stats(pool, &ps);
    CHECK(ps.ram_budget == 9u << 20 && ps.ram_used <= ps.ram_budget);
    CHECK_EQ(sb_pool_set_budgets(pool, 1u << 20, 6u << 20), SB_ERR_BUDGET);
    sb_pool_stats(pool, &ps);
    CHECK_EQ(ps.ram_budget, 9u << 20);
    uint64_t before = ps.ram_used;
    sb_store_destroy(st[1]);
    sb_pool_stats(pool, &ps);
    CHECK(ps.stores == 3 && ps.ram_used < before);
    for (int i = 0; i < 4; i++)
        if (i != 1)
            sb_store_destroy(st[i]);
    sb_pool_destroy(pool);
}

static void test_cold_permuted_text(void)
{
    test_cold_permuted(false);
}

static void test_cold_permuted_od(void)
{
    test_cold_permuted(true);
}

static void test_clear_at_full_scale(void)
{
    if (scale >= 1) /* RSS means little at a small scale or under valgrind */
        test_clear_returns_memory();
}

#define TEST(fn) {#fn, fn}
static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    TEST(test_errors), TEST(test_stats_json), TEST(test_sealed_queue), TEST(test_links),
    TEST(test_marks), TEST(test_pool), TEST(test_ram_only), TEST(test_spill), TEST(test_pop),
    TEST(test_numbering), TEST(test_small_budgets), TEST(test_fit_page_sizes), TEST(test_probe),
    TEST(test_summary_later), TEST(test_clear_at_full_scale), TEST(test_disk_full),
    TEST(test_flipped_byte), TEST(test_bad_spill_dir), TEST(test_cold),
    TEST(test_cold_permuted_text), TEST(test_cold_permuted_od), TEST(test_cold_large),
    TEST(test_cold_large_config), TEST(test_background), TEST(test_idle_never_drops),
};

/* Whether test `name` runs: no arguments runs all; NAME runs that one, -NAME all but it. */
static bool chosen(const char *name, int argc, char **argv)
{
    bool only = false;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && strcmp(argv[i] + 1, name) == 0)
            return false;
        only |= argv[i][0] != '-';
        if (strcmp(argv[i], name) == 0)
            return true;
    }
    return !only;
}

/* Whether argument arg (NAME or -NAME) names a test. */
static bool known(const char *arg)
{
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (strcmp(arg + (arg[0] == '-'), tests[i].name) == 0)
            return true;
    return false;
}

/* Usage: test_store [NAME | -NAME]... (valgrind's run splits the tests over two processes). */
int main(int argc, char **argv)
{
    const char *env = getenv("BT_TEST_SCALE");
    if (env && atof(env) > 0)
        scale = atof(env);
    snprintf(spill_dir, sizeof spill_dir, "/tmp/bt-test-store-XXXXXX");
    REQUIRE(mkdtemp(spill_dir) != NULL);
    for (int a = 1; a < argc; a++) {
        if (!known(argv[a])) {
            fprintf(stderr, "test_store: no test '%s'\n", argv[a]);
            return 2;
        }
    }
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (chosen(tests[i].name, argc, argv))
            tests[i].fn();
    rmdir(spill_dir);
    return check_done();
}
