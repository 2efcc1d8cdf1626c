/*
 * bench_codec: what each codec and level costs and saves on real text, cut
 * into pages as the store cuts it. Prints one markdown table: for every
 * corpus, page size and codec, the ratio, compressed bytes per line (lines =
 * newlines in the sample), compress and decompress speed (MB/s = 10^6 raw
 * bytes per CPU second of this thread, so that other load on the machine
 * does not count), the 99th-percentile and slowest page's decompression,
 * and the context's working memory. A second table shows what remaking the
 * xz encoder (after codec_trim) costs per page against compressing one.
 *
 * usage: bench_codec [-m MiB] [-p KiB,KiB,...] [-q] file...
 *   -m  sample at most this many MiB from the start of each file (default 32)
 *   -p  page sizes (default 16,64,256)
 *   -q  quick: one level per codec
 * Corpora used so far: `od -cx` of 16 MiB of /dev/urandom, and
 * `(ls -laR /usr; find / -xdev -ls) 2>/dev/null`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"

#define KIB ((size_t)1024)
#define MIN_SECONDS 0.3 /* repeat fast passes until timings mean something */

struct variant {
    enum sb_codec codec;
    int level;
    const char *label;
    bool quick;
};

static const struct variant variants[] = {
    { SB_CODEC_LZ4, 1, "lz4 1", true },     { SB_CODEC_LZ4, 9, "lz4 HC 9", false },
    { SB_CODEC_ZSTD, 1, "zstd 1", true },   { SB_CODEC_ZSTD, 3, "zstd 3", false },
    { SB_CODEC_ZSTD, 9, "zstd 9", false },  { SB_CODEC_ZSTD, 19, "zstd 19", false },
    { SB_CODEC_XZ, 1, "xz 1", false },      { SB_CODEC_XZ, 6, "xz 6", true },
    { SB_CODEC_XZ, 9, "xz 9", false },
};

/* One corpus sample cut into pages, with room for their blobs. */
struct run {
    const uint8_t *data;
    size_t len, page, npages;
    uint8_t *blobs;     /* npages slots of codec_bound(page) */
    size_t *blob_len;
    size_t slot;
    uint8_t *out;       /* decompression target, one page */
};

/* CPU seconds used by this thread. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads at most max bytes of a file into *buf; the length, or 0 on failure. */
static size_t read_sample(const char *path, size_t max, uint8_t **buf)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_codec: %s: %s\n", path, strerror(errno));
        return 0;
    }
    *buf = malloc(max);
    size_t n = *buf ? fread(*buf, 1, max, f) : 0;
    fclose(f);
    return n;
}

/* Newlines in the sample: the terminal rows it would make. */
static size_t count_lines(const uint8_t *p, size_t n)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += p[i] == '\n';
    return lines ? lines : 1;
}

/* Raw length of page i (the last one may be short). */
static size_t page_len(const struct run *r, size_t i)
{
    size_t off = i * r->page;
    return r->len - off < r->page ? r->len - off : r->page;
}

/* Compresses every page once; total compressed bytes, or 0 on failure. */
static size_t compress_pass(struct codec *c, struct run *r, bool trim_each)
{
    size_t total = 0;
    for (size_t i = 0; i < r->npages; i++) {
        if (trim_each)
            codec_trim(c);
        if (codec_compress(c, r->data + i * r->page, page_len(r, i), r->blobs + i * r->slot,
                           r->slot, &r->blob_len[i]) < 0)
            return 0;
        total += r->blob_len[i];
    }
    return total;
}

/* Decompresses every page once and checks it; each page's seconds into times if not NULL. */
static bool decompress_pass(struct codec *c, struct run *r, double *times)
{
    for (size_t i = 0; i < r->npages; i++) {
        size_t n = page_len(r, i);
        double t = times ? now() : 0;
        if (codec_decompress(c, r->blobs + i * r->slot, r->blob_len[i], r->out, n) < 0)
            return false;
        if (times)
            times[i] = now() - t;
        if (memcmp(r->out, r->data + i * r->page, n) != 0)
            return false;
    }
    return true;
}

/* Orders doubles ascending. */
static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* One more pass timing each full page alone: the 99th percentile and worst, in ms. */
static bool page_times(struct codec *c, struct run *r, double *p99, double *worst)
{
    double *times = malloc(r->npages * sizeof *times);
    bool ok = times && decompress_pass(c, r, times);
    size_t full = r->len / r->page; /* a short last page would flatter the figures */
    if (ok && full > 0) {
        qsort(times, full, sizeof *times, by_value);
        *p99 = times[full * 99 / 100] * 1e3;
        *worst = times[full - 1] * 1e3;
    }
    free(times);
    return ok;
}

/* The figures for one corpus, page size and variant. */
struct result {
    size_t packed;
    double comp_mbs, decomp_mbs, p99_ms, worst_ms;
    size_t state;
};

/* Repeats compress passes for at least MIN_SECONDS; MB/s into *mbs. */
static size_t time_compress(struct codec *c, struct run *r, bool trim_each, double *mbs)
{
    size_t packed = 0, passes = 0;
    double t0 = now(), t = 0;
    do {
        packed = compress_pass(c, r, trim_each);
        passes++;
        t = now() - t0;
    } while (packed && t < MIN_SECONDS);
    *mbs = packed ? (double)r->len * (double)passes / t / 1e6 : 0;
    return packed;
}

/* Measures one variant on one run; false when something fails to round-trip. */
static bool measure(const struct variant *v, struct run *r, struct result *res)
{
    struct codec *c = NULL;
    if (codec_create(v->codec, v->level, r->page, &c) < 0)
        return false;
    res->packed = time_compress(c, r, false, &res->comp_mbs);
    double t0 = now(), t = 0;
    size_t passes = 0;
    bool ok = res->packed > 0;
    do {
        ok = ok && decompress_pass(c, r, NULL);
        passes++;
        t = now() - t0;
    } while (ok && t < MIN_SECONDS);
    res->decomp_mbs = ok ? (double)r->len * (double)passes / t / 1e6 : 0;
    res->p99_ms = res->worst_ms = 0;
    ok = ok && page_times(c, r, &res->p99_ms, &res->worst_ms);
    res->state = codec_sizeof(c);
    codec_destroy(c);
    return ok;
}

/* Sets up the page slots of a run for page size page; false when out of memory. */
static bool run_init(struct run *r, const uint8_t *data, size_t len, size_t page)
{
    *r = (struct run){ .data = data, .len = len, .page = page };
    r->npages = (len + page - 1) / page;
    r->slot = codec_bound(SB_CODEC_ZSTD, page) > codec_bound(SB_CODEC_XZ, page)
                  ? codec_bound(SB_CODEC_ZSTD, page) : codec_bound(SB_CODEC_XZ, page);
    if (codec_bound(SB_CODEC_LZ4, page) > r->slot)
        r->slot = codec_bound(SB_CODEC_LZ4, page);
    r->blobs = malloc(r->npages * r->slot);
    r->blob_len = calloc(r->npages, sizeof *r->blob_len);
    r->out = malloc(page);
    return r->blobs && r->blob_len && r->out;
}

/* Frees a run's buffers. */
static void run_fini(struct run *r)
{
    free(r->blobs);
    free(r->blob_len);
    free(r->out);
}

/* The base name of a path, for the table. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Prints the rows for one corpus sample at every page size and variant. */
static bool bench_corpus(const char *name, const uint8_t *data, size_t len, const size_t *pages,
                         size_t npages, bool quick)
{
    size_t lines = count_lines(data, len);
    for (size_t p = 0; p < npages; p++) {
        struct run r;
        if (!run_init(&r, data, len, pages[p])) {
            run_fini(&r);
            return false;
        }
        for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
            struct result res;
            if (quick && !variants[i].quick)
                continue;
            if (!measure(&variants[i], &r, &res)) {
                fprintf(stderr, "bench_codec: %s failed on %s\n", variants[i].label, name);
                run_fini(&r);
                return false;
            }
            printf("| %s | %zu | %s | %.2f | %.2f | %.1f | %.0f | %.3f / %.3f | %zu |\n", name,
                   pages[p] / KIB, variants[i].label, (double)len / (double)res.packed,
                   (double)res.packed / (double)lines, res.comp_mbs, res.decomp_mbs,
                   res.p99_ms, res.worst_ms, res.state / KIB);
            fflush(stdout);
        }
        run_fini(&r);
    }
    return true;
}

/* CPU ms for n compressions of a 4 KiB input, remaking the encoder first or not. */
static double tiny_ms(struct codec *c, const uint8_t *data, uint8_t *out, size_t cap, bool remake)
{
    enum { N = 30 };
    size_t got;
    double t = now();
    for (int i = 0; i < N; i++) {
        if (remake)
            codec_trim(c);
        codec_compress(c, data, 4 * KIB, out, cap, &got);
    }
    return (now() - t) * 1e3 / N;
}

/* What remaking the xz encoder costs per 256 KiB page, against compressing the page. */
static void bench_xz_remake(const char *name, const uint8_t *data, size_t len, int level)
{
    const size_t page = 256 * KIB;
    size_t cap = codec_bound(SB_CODEC_XZ, page), got;
    uint8_t *out = malloc(cap);
    struct codec *c = NULL;
    if (len >= page && out && codec_create(SB_CODEC_XZ, level, page, &c) == 0) {
        double remake = tiny_ms(c, data, out, cap, true) - tiny_ms(c, data, out, cap, false);
        double t = now();
        for (size_t off = 0; off + page <= len && off < 32 * page; off += page)
            codec_compress(c, data + off, page, out, cap, &got);
        size_t pages = len / page < 32 ? len / page : 32;
        double per_page = (now() - t) * 1e3 / (double)pages;
        printf("| %s | %d | %.2f | %.1f | %.1f%% |\n", name, level, remake, per_page,
               remake / per_page * 100);
    }
    codec_destroy(c);
    free(out);
}

/* Parses "16,64,256" into page sizes in bytes; the count. */
static size_t parse_pages(char *list, size_t *pages, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok(list, ","); tok && n < max; tok = strtok(NULL, ","))
        pages[n++] = strtoull(tok, NULL, 10) * KIB;
    return n;
}

int main(int argc, char **argv)
{
    size_t max = 32 * 1024 * KIB, pages[8] = { 16 * KIB, 64 * KIB, 256 * KIB }, npages = 3;
    bool quick = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
            max = strtoull(argv[++i], NULL, 10) * 1024 * KIB;
        else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
            npages = parse_pages(argv[++i], pages, 8);
        else if (strcmp(argv[i], "-q") == 0)
            quick = true;
        else
            break;
    }
    if (i >= argc || npages == 0 || max == 0) {
        fprintf(stderr, "usage: bench_codec [-m MiB] [-p KiB,...] [-q] file...\n");
        return 2;
    }
    int first = i;
    printf("| corpus | page KiB | codec | ratio | B/line | comp MB/s | decomp MB/s "
           "| page decomp ms p99 / max | state KiB |\n|---|---|---|---|---|---|---|---|---|\n");
    for (i = first; i < argc; i++) {
        uint8_t *data = NULL;
        size_t len = read_sample(argv[i], max, &data);
        bool ok = len > 0 && bench_corpus(base_name(argv[i]), data, len, pages, npages, quick);
        free(data);
        if (!ok)
            return 1;
    }
    printf("\n| corpus | xz level | remake encoder ms | compress 256 KiB page ms | share |\n"
           "|---|---|---|---|---|\n");
    for (i = first; i < argc; i++) {
        uint8_t *data = NULL;
        size_t len = read_sample(argv[i], max, &data);
        for (int level = 1; len && level <= 9; level += level == 1 ? 5 : 3)
            bench_xz_remake(base_name(argv[i]), data, len, level);
        free(data);
    }
    return 0;
}
