/*
 * Unit tests for the blob arena: RES (from /proc/self/statm) rises as blobs
 * are written and falls back once they are freed, in FIFO order, random
 * order and through dedicated mappings; the mapped figure returns to 0 and
 * never drops below the live one; live blobs never overlap (checked against
 * a reference model through many random steps); FIFO use wastes at most
 * less than two chunks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "memcheck.h"

#define KIB ((size_t)1024)
#define MIB (1024 * KIB)
#define MAP_HDR 48 /* arena.c's header at the start of each mapping */



/* Checks RES against a bound, unless valgrind's own memory blurs it. */
#define CHECK_RES(cond)          \
    do {                         \
        if (!res_is_blurred())   \
            CHECK(cond);         \
    } while (0)

/* A small deterministic generator (xorshift64*). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

/* A live blob in the reference model. */
struct blob {
    uint8_t *p;
    size_t len;
    uint64_t tag;
};

/* The byte at offset i of a blob tagged tag: a hash, so two blobs never agree for long. */
static uint8_t pattern(uint64_t tag, size_t i)
{
    uint64_t x = tag * 0x9E3779B97F4A7C15ULL + (i >> 3);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 29;
    return (uint8_t)(x >> (8 * (i & 7)));
}

/* Writes a blob's pattern over all its bytes. */
static void fill(const struct blob *b)
{
    for (size_t i = 0; i < b->len; i++)
        b->p[i] = pattern(b->tag, i);
}

/* Whether a blob still holds its pattern. */
static bool intact(const struct blob *b)
{
    for (size_t i = 0; i < b->len; i++) {
        if (b->p[i] != pattern(b->tag, i))
            return false;
    }
    return true;
}

/* Orders blobs by address. */
static int by_addr(const void *x, const void *y)
{
    const struct blob *a = x, *b = y;
    return a->p < b->p ? -1 : a->p > b->p;
}

/* Checks that no two live blobs share a byte (sorts a copy by address). */
static bool disjoint(const struct blob *blobs, size_t n)
{
    struct blob *s = malloc((n ? n : 1) * sizeof *s);
    REQUIRE(s);
    memcpy(s, blobs, n * sizeof *s);
    qsort(s, n, sizeof *s, by_addr);
    bool ok = true;
    for (size_t i = 1; i < n; i++)
        ok = ok && s[i - 1].p + s[i - 1].len <= s[i].p;
    free(s);
    return ok;
}

/* A blob length of 5-100 KiB, like a compressed page. */
static size_t page_len(uint64_t *s)
{
    return 5 * KIB + rnd(s) % (95 * KIB);
}

/* Allocates and fills a blob of len bytes into *b. */
static void take(struct arena *a, struct blob *b, size_t len, uint64_t tag)
{
    b->p = arena_alloc(a, len);
    b->len = len;
    b->tag = tag;
    REQUIRE(b->p);
    CHECK_EQ((uintptr_t)b->p % 16, 0);
    fill(b);
}

/* Frees blob i of n (after checking it) by moving the last one into its place. */
static void give(struct arena *a, struct blob *blobs, size_t *n, size_t i)
{
    CHECK(intact(&blobs[i]));
    arena_free(a, blobs[i].p, blobs[i].len);
    blobs[i] = blobs[--*n];
}

/* The page-granular helpers. */
static void test_mem_helpers(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    CHECK_EQ(mem_round(0), 0);
    CHECK_EQ(mem_round(1), page);
    CHECK_EQ(mem_round(page), page);
    CHECK_EQ(mem_round(page + 1), 2 * page);
    CHECK(mem_map(0) == NULL);
    uint8_t *p = mem_map(10);
    REQUIRE(p);
    CHECK_EQ((uintptr_t)p % page, 0);
    CHECK(p[0] == 0 && p[page - 1] == 0);
    memset(p, 0xab, page); /* the whole rounded page is ours */
    mem_unmap(p, 10);
    mem_unmap(NULL, 12345);
}

/* Small, zero-length and boundary-sized blobs; the current chunk goes away when empty. */
static void test_basic(void)
{
    struct arena *a = arena_create(100 * KIB);
    REQUIRE(a);
    size_t chunk = arena_chunk_bytes(a);
    CHECK_EQ(chunk, mem_round(100 * KIB));
    CHECK_EQ(arena_mapped_bytes(a), 0);
    void *x = arena_alloc(a, 100), *z = arena_alloc(a, 0);
    REQUIRE(x && z && x != z);
    /* Only the pages blobs have reached count: the rest of a fresh chunk is never resident. */
    CHECK_EQ(arena_mapped_bytes(a), mem_round(1));
    CHECK_EQ(arena_live_bytes(a), 100);
    arena_free(a, x, 100);
    arena_free(a, z, 0);
    arena_free(a, NULL, 5);
    CHECK_EQ(arena_mapped_bytes(a), 0);
    CHECK_EQ(arena_live_bytes(a), 0);
    void *fits = arena_alloc(a, chunk - MAP_HDR), *own = arena_alloc(a, chunk - MAP_HDR + 1);
    REQUIRE(fits && own);
    memset(fits, 1, chunk - MAP_HDR);
    memset(own, 2, chunk - MAP_HDR + 1);
    CHECK_EQ(arena_mapped_bytes(a), chunk + mem_round(chunk + 1));
    arena_free(a, own, chunk - MAP_HDR + 1);
    CHECK_EQ(arena_mapped_bytes(a), chunk);
    arena_free(a, fits, chunk - MAP_HDR);
    CHECK_EQ(arena_mapped_bytes(a), 0);
    arena_destroy(a);
    arena_destroy(NULL);
    struct arena *tiny = arena_create(0); /* rounds up to one page */
    REQUIRE(tiny);
    CHECK_EQ(arena_chunk_bytes(tiny), mem_round(1));
    void *t = arena_alloc(tiny, 3000);
    CHECK(t != NULL);
    arena_destroy(tiny); /* frees what is still live */
}

/* Fills about total bytes of blobs from gen; returns how many were made. */
static size_t fill_up(struct arena *a, struct blob *blobs, size_t total, size_t (*gen)(uint64_t *),
                      uint64_t *s)
{
    size_t n = 0, live = 0;
    while (live < total) {
        take(a, &blobs[n], gen(s), n + 1);
        live += blobs[n++].len;
    }
    return n;
}

/* A blob length of 1-3 MiB: always past a 1 MiB chunk. */
static size_t big_len(uint64_t *s)
{
    return MIB + rnd(s) % (2 * MIB);
}

/* RES rises by the bytes written and falls back once all are freed, in the given order. */
static void rss_cycle(const char *name, size_t (*gen)(uint64_t *), bool random_order)
{
    struct arena *a = arena_create(MIB);
    struct blob *blobs = calloc(8192, sizeof *blobs);
    uint64_t s = 42;
    REQUIRE(a && blobs);
    size_t start = anon_rss_bytes();
    size_t n = fill_up(a, blobs, 64 * MIB, gen, &s), peak = anon_rss_bytes();
    size_t live = arena_live_bytes(a), mapped = arena_mapped_bytes(a);
    CHECK_RES(peak >= start + live * 9 / 10);
    CHECK(mapped >= live && mapped <= live + live / 20 + 2 * MIB);
    while (n > 0)
        give(a, blobs, &n, random_order ? rnd(&s) % n : n - 1);
    size_t end = anon_rss_bytes();
    printf("  %-9s RES %6zu KiB -> %6zu KiB -> %6zu KiB (live %zu KiB, mapped %zu KiB)\n", name,
           start / KIB, peak / KIB, end / KIB, live / KIB, mapped / KIB);
    CHECK_RES(end <= start + (peak - start) / 8 + MIB);
    CHECK_EQ(arena_mapped_bytes(a), 0);
    CHECK_EQ(arena_live_bytes(a), 0);
    arena_destroy(a);
    free(blobs);
}

/* FIFO use: free the oldest (give() swaps the last in, so keep order by shifting). */
static void rss_fifo(void)
{
    struct arena *a = arena_create(MIB);
    struct blob *blobs = calloc(8192, sizeof *blobs);
    uint64_t s = 43;
    REQUIRE(a && blobs);
    size_t start = anon_rss_bytes();
    size_t n = fill_up(a, blobs, 64 * MIB, page_len, &s), peak = anon_rss_bytes();
    size_t live = arena_live_bytes(a);
    CHECK_RES(peak >= start + live * 9 / 10);
    for (size_t i = 0; i < n; i++) {
        CHECK(intact(&blobs[i]));
        arena_free(a, blobs[i].p, blobs[i].len);
        if (i == n / 2) /* half gone: so is about half the memory */
            CHECK_RES(anon_rss_bytes() <= start + (peak - start) * 6 / 10 + MIB);
    }
    size_t end = anon_rss_bytes();
    printf("  %-9s RES %6zu KiB -> %6zu KiB -> %6zu KiB (live %zu KiB)\n", "fifo", start / KIB,
           peak / KIB, end / KIB, live / KIB);
    CHECK_RES(end <= start + (peak - start) / 8 + MIB);
    CHECK_EQ(arena_mapped_bytes(a), 0);
    arena_destroy(a);
    free(blobs);
}

/* The index of the oldest live blob (smallest tag). */
static size_t oldest(const struct blob *blobs, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++) {
        if (blobs[i].tag < blobs[best].tag)
            best = i;
    }
    return best;
}

/*
 * Random alloc/free steps against a model: no overlap, patterns intact,
 * honest counters. fifo_pct of the frees take the oldest blob, which moves
 * chunk heads (and unmaps pages below them) while younger blobs stay live.
 */
static void test_model(unsigned fifo_pct)
{
    enum { STEPS = 12000, MAXLIVE = 600 };
    struct arena *a = arena_create(64 * KIB);
    struct blob *blobs = calloc(MAXLIVE, sizeof *blobs);
    uint64_t s = 7;
    size_t n = 0, live = 0;
    REQUIRE(a && blobs);
    for (unsigned step = 1; step <= STEPS; step++) {
        uint64_t r = rnd(&s);
        if (n < MAXLIVE && (n == 0 || r % 100 < 55)) {
            size_t len = r % 50 == 0 ? 64 * KIB + (r >> 8) % (100 * KIB) /* dedicated */
                         : r % 10 == 0 ? (r >> 8) % 64                 /* tiny, even 0 */
                                       : (r >> 8) % (20 * KIB);
            take(a, &blobs[n], len, step);
            live += blobs[n++].len;
        } else {
            size_t i = (r >> 16) % 100 < fifo_pct ? oldest(blobs, n) : (r >> 8) % n;
            live -= blobs[i].len;
            give(a, blobs, &n, i);
        }
        CHECK_EQ(arena_live_bytes(a), live);
        CHECK(arena_mapped_bytes(a) >= live);
        if (step % 1000 == 0) {
            CHECK(disjoint(blobs, n));
            for (size_t i = 0; i < n; i++)
                CHECK(intact(&blobs[i]));
        }
    }
    while (n > 0)
        give(a, blobs, &n, n - 1);
    CHECK_EQ(arena_mapped_bytes(a), 0);
    arena_destroy(a);
    free(blobs);
}

/* Steady FIFO use (a window of ~24 MiB): mapped stays within a chunk and a few pages each. */
static void test_fifo_waste(void)
{
    enum { RING = 4096 };
    struct arena *a = arena_create(MIB);
    struct blob *ring = calloc(RING, sizeof *ring);
    uint64_t s = 11;
    size_t head = 0, tail = 0, worst = 0, page = (size_t)sysconf(_SC_PAGESIZE);
    REQUIRE(a && ring);
    for (unsigned step = 0; step < 30000; step++) {
        struct blob *b = &ring[head++ % RING];
        b->len = page_len(&s);
        b->p = arena_alloc(a, b->len);
        REQUIRE(b->p);
        while (arena_live_bytes(a) > 24 * MIB) {
            struct blob *old = &ring[tail++ % RING];
            arena_free(a, old->p, old->len);
        }
        size_t mapped = arena_mapped_bytes(a), live = arena_live_bytes(a);
        size_t chunks = mapped / MIB + 2;
        CHECK(mapped <= live + MIB + chunks * 3 * page);
        if (mapped - live > worst)
            worst = mapped - live;
    }
    printf("  fifo waste: at most %zu KiB over live (chunk %zu KiB)\n", worst / KIB, MIB / KIB);
    CHECK(worst <= 2 * MIB);
    while (tail < head) {
        struct blob *old = &ring[tail++ % RING];
        arena_free(a, old->p, old->len);
    }
    CHECK_EQ(arena_mapped_bytes(a), 0);
    arena_destroy(a);
    free(ring);
}

/* How many pages of [p, p + len) are resident. */
static size_t resident_pages(void *p, size_t len)
{
    size_t n = mem_round(len) / mem_round(1), in = 0;
    unsigned char *vec = malloc(n);
    REQUIRE(vec && mincore(p, len, vec) == 0);
    for (size_t i = 0; i < n; i++)
        in += vec[i] & 1;
    free(vec);
    return in;
}

/* Whether every page of [p, p + len) is resident. */
static bool all_resident(void *p, size_t len)
{
    return resident_pages(p, len) == mem_round(len) / mem_round(1);
}

/* A populated arena's chunk is resident 64K past its last blob, counted so, and goes back. */
static void test_populate(void)
{
    void *probe = mem_map(mem_round(1));
    REQUIRE(probe);
    bool kernel_can = madvise(probe, mem_round(1), 23 /* MADV_POPULATE_WRITE */) == 0;
    mem_unmap(probe, mem_round(1));
    if (!kernel_can)
        printf("  no MADV_POPULATE_WRITE here: populate checks skipped\n");
    struct arena *a = arena_create(256 * KIB);
    REQUIRE(a);
    arena_set_populate(a, true);
    size_t ahead = mem_round(1) + 64 * KIB;
    uint8_t *x = arena_alloc(a, 100);
    REQUIRE(x);
    uint8_t *base = (uint8_t *)((uintptr_t)x & ~(uintptr_t)(mem_round(1) - 1));
    CHECK_EQ(arena_mapped_bytes(a), kernel_can ? ahead : mem_round(1));
    if (kernel_can)
        CHECK(all_resident(base, ahead));
    void *y = arena_alloc(a, 100 * KIB); /* past what was ready: the next 64K go too */
    REQUIRE(y);
    size_t used = mem_round(MAP_HDR + 112 + 100 * KIB);
    CHECK_EQ(arena_mapped_bytes(a), kernel_can ? used + 64 * KIB : used);
    arena_rest(a); /* idle: what was ahead goes back, and is no longer counted */
    CHECK_EQ(arena_mapped_bytes(a), used);
    if (kernel_can)
        CHECK_EQ(resident_pages(base + used, 64 * KIB), 0);
    arena_rest(a); /* twice is harmless */
    CHECK_EQ(arena_mapped_bytes(a), used);
    uint8_t *w = arena_alloc(a, 8 * KIB); /* the next blob past it populates ahead again */
    REQUIRE(w);
    size_t used2 = mem_round((size_t)(w + 8 * KIB - base));
    CHECK_EQ(arena_mapped_bytes(a), kernel_can ? used2 + 64 * KIB : used2);
    arena_free(a, w, 8 * KIB);
    void *z = arena_alloc(a, 150 * KIB); /* no room left: a new chunk */
    REQUIRE(z);
    arena_free(a, x, 100);
    arena_free(a, y, 100 * KIB);
    arena_free(a, z, 150 * KIB);
    CHECK_EQ(arena_mapped_bytes(a), 0);
    arena_destroy(a);
}

int main(void)
{
    if (res_is_blurred())
        printf("  under valgrind: RES checks skipped\n");
    test_mem_helpers();
    test_basic();
    test_populate();
    test_model(0);
    test_model(90);
    test_fifo_waste();
    rss_fifo();
    rss_cycle("random", page_len, true);
    rss_cycle("dedicated", big_len, true);
    return check_done();
}
