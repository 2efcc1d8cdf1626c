/*
 * bench_store: the scrollback store alone, fed the lines of a text file as
 * 80-column default-style rows (what the terminal hands it for od -cx or log
 * output). Prints, side by side in one run:
 *   - ingest rate (MB/s of row text, rows/s) with the worker thread and inline,
 *     for several page sizes and codecs, and the bytes per row they reach
 *     during the flood;
 *   - bytes per retained row in RAM and on disk, and after the cold tier has
 *     recompressed the pages (what idle time does);
 *   - random-access read latency p50/p99 for rows in RAM and on disk.
 * Rates are medians of several runs; the line -> cells conversion is timed
 * apart and left out of the store's figures.
 *
 *   bench_store FILE [--runs N] [--quick] [--density] [--cold-kib N] [--cold-codec NAME]
 *               [--cold-level N] [--cold-large-kib N]
 *
 * --cold-kib sets the cold tier's block size (default: the store's, 64 KiB); --cold-codec and
 * --cold-level its codec, --cold-large-kib its blocks of repetitive text (0: none); the
 * density figure only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boundterm/scrollback.h"
#include "seams.h" /* sb_store_compact: the store's seams for tests and benchmarks */

#define COLS 80

struct corpus {
    char *text;
    size_t len;
    size_t *line_off; /* line i is text[line_off[i] .. line_off[i+1]-1) without '\n' */
    size_t nlines;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Reads the whole file and indexes its lines. */
static bool corpus_load(const char *path, struct corpus *c)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return false;
    }
    struct stat st;
    fstat(fileno(f), &st);
    c->len = (size_t)st.st_size;
    c->text = malloc(c->len + 1);
    if (!c->text || fread(c->text, 1, c->len, f) != c->len) {
        fclose(f);
        return false;
    }
    fclose(f);
    size_t cap = 1 << 20;
    c->line_off = malloc(cap * sizeof *c->line_off);
    c->nlines = 0;
    c->line_off[0] = 0;
    for (size_t i = 0; i < c->len; i++) {
        if (c->text[i] != '\n')
            continue;
        if (c->nlines + 2 >= cap)
            c->line_off = realloc(c->line_off, (cap *= 2) * sizeof *c->line_off);
        c->line_off[++c->nlines] = i + 1;
    }
    return true;
}

/* Decodes one UTF-8 sequence (invalid bytes become U+FFFD). */
static uint32_t utf8_next(const unsigned char **p, const unsigned char *end)
{
    unsigned c = *(*p)++;
    if (c < 0x80)
        return c;
    int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
    if (n < 0 || *p + n > end)
        return 0xfffd;
    uint32_t cp = c & (0x3f >> n);
    for (int i = 0; i < n; i++)
        cp = cp << 6 | (*(*p)++ & 0x3f);
    return (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff ? 0xfffd : cp;
}

/*
 * Pushes line i as the terminal hands rows over: COLS-column rows (a long line wrapped into
 * several rows flagged SB_ROW_WRAPPED), each as a plain row's UTF-8 through
 * sb_store_push_plain, the engine's fast path for single-width default-style text (every
 * codepoint counts as one cell here; control characters become spaces). Returns the rows.
 */
static int push_line(struct sb_store *s, const struct corpus *c, size_t i, char *text)
{
    const unsigned char *p = (const unsigned char *)c->text + c->line_off[i];
    const unsigned char *end = (const unsigned char *)c->text + c->line_off[i + 1] - 1;
    int rows = 0;
    do {
        size_t len = 0;
        for (int col = 0; col < COLS && p < end; col++) {
            const unsigned char *start = p;
            uint32_t cp = utf8_next(&p, end);
            if (cp < 0x20 || cp == 0x7f || cp == 0xfffd) {
                text[len++] = ' ';
            } else {
                memcpy(text + len, start, (size_t)(p - start));
                len += (size_t)(p - start);
            }
        }
        if (s)
            sb_store_push_plain(s, text, len, COLS, p < end ? SB_ROW_WRAPPED : 0);
        rows++;
    } while (p < end);
    return rows;
}

static double text_bytes(const struct corpus *c)
{
    return (double)(c->len - c->nlines);
}

static struct sb_store *open_store(const struct sb_config *cfg)
{
    struct sb_store *s;
    char err[256];
    if (sb_store_create(cfg, &s, err, sizeof err) != 0) {
        fprintf(stderr, "bench_store: %s\n", err);
        exit(1);
    }
    return s;
}

/* Pushes the whole corpus; returns seconds spent (including settling). */
static double ingest(struct sb_store *s, const struct corpus *c)
{
    char text[COLS * 4];
    double t0 = now_s();
    for (size_t i = 0; i < c->nlines; i++)
        push_line(s, c, i, text);
    sb_store_settle(s);
    return now_s() - t0;
}

static double conv_cpu; /* CPU seconds of this thread the cutting took (see conversion_time) */
static uint32_t cold_bytes; /* --cold-kib, or 0 for the store's default */
static int cold_codec = -1, cold_level = -1; /* --cold-codec, --cold-level, or the store's */
static uint32_t cold_large = UINT32_MAX;      /* --cold-large-kib, or the store's */

/* Seconds (wall) the cutting of lines into rows alone takes; sets conv_cpu too. */
static double conversion_time(const struct corpus *c)
{
    char text[COLS * 4];
    double t0 = now_s(), c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
    for (size_t i = 0; i < c->nlines; i++)
        push_line(NULL, c, i, text);
    conv_cpu = cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    return now_s() - t0;
}

struct run_result {
    double mbps, rows_per_s, bytes_per_row;
    double in_mbps, worker_mbps; /* per CPU second of the input thread and of the worker */
};


/* Median ingest over runs for one configuration, RAM big enough to keep everything. */
static struct run_result measure(const struct corpus *c, struct sb_config cfg, int runs,
                                 double conv)
{
    double rate[16], rows[16], in[16], wk[16], bpr = 0;
    for (int r = 0; r < runs; r++) {
        struct sb_store *s = open_store(&cfg);
        double p0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID), t0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
        double t = ingest(s, c) - conv;
        double tin = cpu_s(CLOCK_THREAD_CPUTIME_ID) - t0;
        double tproc = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - p0;
        in[r] = text_bytes(c) / (tin - conv_cpu) / 1e6;
        wk[r] = tproc - tin > 0.001 ? text_bytes(c) / (tproc - tin) / 1e6 : 0;
        struct sb_stats st;
        sb_store_stats(s, &st);
        rate[r] = text_bytes(c) / t / 1e6;
        rows[r] = st.rows_retained / t;
        bpr = (double)st.compressed_bytes / (double)st.rows_retained;
        sb_store_destroy(s);
    }
    return (struct run_result){median(rate, runs), median(rows, runs), bpr, median(in, runs),
                               median(wk, runs)};
}

static const char *codec_label(enum sb_codec codec, int level, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s-%d", sb_codec_name(codec), level);
    return buf;
}

/* The table of page sizes and codecs during a flood (no cold tier, everything in RAM). */
static void sweep(const struct corpus *c, int runs, double conv, bool quick)
{
    static const struct {
        enum sb_codec codec;
        int level;
    } codecs[] = {{SB_CODEC_LZ4, 1}, {SB_CODEC_ZSTD, 1}, {SB_CODEC_ZSTD, 3}, {SB_CODEC_XZ, 1}};
    static const uint32_t pages[] = {16u << 10, 64u << 10, 256u << 10};
    printf("\nMB/s of row text. Wall: elapsed, with the worker thread / all inline. CPU: per CPU\n"
           "second of the input thread and of the worker (robust on a shared machine; on two\n"
           "free cores the sustained rate is the smaller of the two).\n");
    printf("\n| codec | page | wall (worker) | rows/s (worker) | wall (inline) | CPU input "
           "thread | CPU worker | B/row |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < sizeof codecs / sizeof *codecs; k++) {
        for (size_t p = 0; p < 3; p++) {
            if (quick && pages[p] != (64u << 10))
                continue;
            if (codecs[k].codec == SB_CODEC_XZ && pages[p] != (64u << 10))
                continue; /* slow: one point is enough to show it cannot keep up */
            struct sb_config cfg;
            sb_config_defaults(&cfg);
            cfg.ram_budget = 4ull << 30;
            cfg.disk_budget = 0;
            cfg.cold_codec = SB_CODEC_NONE;
            cfg.page_bytes = pages[p];
            cfg.codec = codecs[k].codec;
            cfg.codec_level = codecs[k].level;
            int n = codecs[k].codec == SB_CODEC_XZ ? 1 : runs;
            struct run_result bg = measure(c, cfg, n, conv);
            cfg.background = false;
            struct run_result fg = measure(c, cfg, 1, conv);
            char label[32];
            printf("| %s | %u KiB | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f |\n",
                   codec_label(cfg.codec, cfg.codec_level, label, sizeof label),
                   pages[p] >> 10, bg.mbps, bg.rows_per_s, fg.mbps, bg.in_mbps, bg.worker_mbps,
                   bg.bytes_per_row);
            fflush(stdout);
        }
    }
}

/* p50 and p99 of n random reads among the retained rows [lo, hi) (0 = the oldest), in ms. */
static void read_latency(struct sb_store *s, uint64_t lo, uint64_t hi, double *p50, double *p99)
{
    enum { N = 2000 };
    *p50 = *p99 = 0;
    if (hi <= lo)
        return;
    struct sb_span span;
    sb_store_span(s, &span);
    lo += span.first;
    hi += span.first;
    static double t[N];
    struct sb_row row;
    sb_row_init(&row);
    uint64_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t idx = lo + (x >> 11) % (hi - lo);
        double t0 = now_s();
        sb_store_read_row(s, idx, &row);
        t[i] = (now_s() - t0) * 1e3;
    }
    sb_row_fini(&row);
    qsort(t, N, sizeof *t, cmp_double);
    *p50 = t[N / 2];
    *p99 = t[N * 99 / 100];
}

/*
 * After idle, a smaller RAM budget moves the oldest cold pages to disk (encrypted); random
 * reads of their rows then read, authenticate and decode them from there. Rows [0, disk_rows)
 * were on disk already (spilled hot pages).
 */
static void cold_on_disk(struct sb_store *s, const struct sb_config *cfg, uint64_t disk_rows)
{
    uint64_t ram = sb_config_min_ram(cfg) + (4u << 20);
    struct sb_stats st;
    if (ram >= cfg->ram_budget || sb_store_set_budgets(s, ram, cfg->disk_budget) != 0)
        return;
    sb_store_stats(s, &st);
    double p50, p99;
    read_latency(s, disk_rows, st.rows_disk, &p50, &p99);
    printf("  cold pages spilled (RAM budget cut to %.1f MiB, %llu more rows on disk): "
           "random read p50 %.3f ms p99 %.3f ms\n",
           ram / 1048576.0, (unsigned long long)(st.rows_disk - disk_rows), p50, p99);
}

/* The default configuration end to end: flood into a small RAM budget spilling to disk. */
static void default_config(const struct corpus *c, const char *spill_dir)
{
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    cfg.ram_budget = 32u << 20;
    cfg.disk_budget = 4ull << 30;
    cfg.spill_dir = spill_dir;
    if (cold_bytes)
        cfg.cold_bytes = cold_bytes;
    struct sb_store *s = open_store(&cfg);
    double t = ingest(s, c) - conversion_time(c);
    struct sb_stats a, b;
    sb_store_stats(s, &a);
    uint64_t ram_rows = 0;
    /* Rows on disk are the oldest ones: find the first row in RAM by reading stats. */
    double p50d, p99d, p50r, p99r;
    uint64_t n = a.rows_retained;
    double t0 = now_s();
    sb_store_compact(s);
    double tc = now_s() - t0;
    sb_store_stats(s, &b);
    /* Estimate the RAM rows as those the RAM pages hold: the newest ones. */
    ram_rows = b.pages_disk ? (uint64_t)((double)n * b.pages_ram / (b.pages_ram + b.pages_disk))
                            : n;
    read_latency(s, 0, n - ram_rows, &p50d, &p99d);
    read_latency(s, n - ram_rows, n, &p50r, &p99r);
    printf("\ndefault codecs (zstd-1 hot, xz-6 cold over %u KiB), RAM budget 32 MiB, spilling:\n",
           cfg.cold_bytes >> 10);
    printf("  ingest incl. spill: %.0f MB/s of row text, %.0f rows/s (worker thread)\n",
           text_bytes(c) / t / 1e6, n / t);
    printf("  flood: %.2f B/row compressed; RAM %.1f MiB of %.0f MiB; disk %.1f MiB "
           "(%.2f B/row on disk incl. crypto)\n",
           (double)a.compressed_bytes / n, a.ram_used / 1048576.0, a.ram_budget / 1048576.0,
           a.disk_used / 1048576.0, a.pages_disk ? (double)a.disk_used / (n - ram_rows) : 0);
    printf("  after idle (cold tier, %.1f s): %.2f B/row over all retained rows, %llu cold "
           "pages in RAM; disk pages are not recompressed\n",
           tc, (double)b.compressed_bytes / n, (unsigned long long)b.pages_cold);
    printf("  random read latency: disk p50 %.3f ms p99 %.3f ms; RAM p50 %.3f ms p99 %.3f ms\n",
           p50d, p99d, p50r, p99r);
    cold_on_disk(s, &cfg, b.rows_disk);
    sb_store_destroy(s);
}

/* Everything in RAM: bytes per row in the flood and after the cold tier. */
static void density(const struct corpus *c)
{
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    cfg.ram_budget = 4ull << 30;
    cfg.disk_budget = 0;
    if (cold_bytes)
        cfg.cold_bytes = cold_bytes;
    if (cold_codec >= 0) {
        cfg.cold_codec = (enum sb_codec)cold_codec;
        cfg.cold_level = sb_codec_default_level(cfg.cold_codec, true);
    }
    if (cold_level >= 0)
        cfg.cold_level = cold_level;
    if (cold_large != UINT32_MAX)
        cfg.cold_large_bytes = cold_large;
    struct sb_store *s = open_store(&cfg);
    ingest(s, c);
    struct sb_stats a, b;
    sb_store_stats(s, &a);
    double t0 = now_s(), c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    sb_store_compact(s);
    double tc = now_s() - t0, cc = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    sb_store_stats(s, &b);
    double p50, p99;
    read_latency(s, 0, b.rows_retained, &p50, &p99);
    printf("\nall in RAM, default codecs, cold blocks of %u KiB (%u KiB of repetitive text): "
           "flood %.2f B/row compressed "
           "(%.2f B/row of RAM); "
           "after idle %.2f B/row compressed (%.2f B/row of RAM), cold tier took %.1f s, "
           "%.1f s of CPU (%.1f MB/s of raw pages per CPU second)\n",
           cfg.cold_bytes >> 10, cfg.cold_large_bytes >> 10,
           (double)a.compressed_bytes / a.rows_retained,
           (double)a.ram_used / a.rows_retained,
           (double)b.compressed_bytes / b.rows_retained, (double)b.ram_used / b.rows_retained,
           tc, cc, a.raw_bytes_stored / cc / 1e6);
    double r = (double)b.rows_retained;
    printf("  RAM after idle, B/row: compressed %.2f, index %.2f, summaries %.2f, cache %.2f, "
           "work %.2f, the rest (hot page, allocator) %.2f\n",
           b.compressed_bytes / r, b.index_bytes / r, b.summary_bytes / r, b.cache_bytes / r,
           b.work_bytes / r,
           (double)(b.ram_used - b.compressed_bytes - b.index_bytes - b.summary_bytes -
                    b.cache_bytes - b.work_bytes) / r);
    printf("  exactly: ram_used %llu bytes for %llu rows (%.4f B/row), compressed %llu, summaries "
           "%llu, index %llu\n",
           (unsigned long long)b.ram_used, (unsigned long long)b.rows_retained,
           (double)b.ram_used / r, (unsigned long long)b.compressed_bytes,
           (unsigned long long)b.summary_bytes, (unsigned long long)b.index_bytes);
    printf("  random read latency in cold pages: p50 %.3f ms p99 %.3f ms\n", p50, p99);
    printf("  cold pages: %llu (%llu large blocks, %llu with derived rows), %llu of them with rows "
           "regrouped by a period > 1\n",
           (unsigned long long)b.pages_cold, (unsigned long long)b.pages_cold_large,
           (unsigned long long)b.pages_derived, (unsigned long long)b.pages_permuted);
    sb_store_destroy(s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_store FILE [--runs N] [--quick] [--density] [--cold-kib N] "
                        "[--cold-codec NAME] [--cold-level N] [--cold-large-kib N]\n");
        return 2;
    }
    int runs = 3;
    bool quick = false, only_density = false;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick"))
            quick = true;
        else if (!strcmp(argv[i], "--density")) /* only the density after idle */
            only_density = true;
        else if (!strcmp(argv[i], "--cold-kib") && i + 1 < argc)
            cold_bytes = (uint32_t)atoi(argv[++i]) << 10;
        else if (!strcmp(argv[i], "--cold-codec") && i + 1 < argc)
            cold_codec = sb_codec_from_name(argv[++i]);
        else if (!strcmp(argv[i], "--cold-level") && i + 1 < argc)
            cold_level = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cold-large-kib") && i + 1 < argc)
            cold_large = (uint32_t)atoi(argv[++i]) << 10;
    }
    if (runs < 1 || runs > 15)
        runs = 3;
    struct corpus c;
    if (!corpus_load(argv[1], &c))
        return 1;
    char spill_dir[] = "/tmp/bench-store-XXXXXX";
    if (!mkdtemp(spill_dir))
        return 1;
    double conv = conversion_time(&c);
    printf("corpus %s: %zu lines, %.1f MB of row text; line->rows cutting %.0f MB/s "
           "(excluded below)\n",
           argv[1], c.nlines, text_bytes(&c) / 1e6, text_bytes(&c) / conv / 1e6);
    if (!only_density)
        sweep(&c, runs, conv, quick);
    density(&c);
    if (!only_density)
        default_config(&c, spill_dir);
    rmdir(spill_dir);
    free(c.text);
    free(c.line_off);
    return 0;
}
