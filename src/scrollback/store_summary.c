/*
 * Page summaries (store_internal.h): what lets a search pass over pages that cannot hold
 * its literal without reading, decrypting or decompressing them.
 *
 * A summary is a one-hash Bloom filter of the page's byte trigrams, as the search sees the
 * text: ASCII letters folded to lower case, an empty cell a space, soft-wrapped rows joined,
 * and a trigram never spanning the end of a line. It is small (page_bytes / 8 bits, 256 B to
 * 2 KiB, about 1.5% of the page's text; pages under 16 KiB have none; halved while the half
 * would be at most half full, as a page of few distinct trigrams needs fewer bits: fit), so
 * a single trigram is often a false positive, but a query needs all of its
 * trigrams: a ten-byte literal has eight, and a page that holds none of it is passed over
 * unless all eight collide. Summaries stay in RAM while their pages are compressed, moved to
 * the cold tier (a block of several pages gets one made from its text, with their bits
 * together: SUMMARY_BLOCK_MAX_BITS at most) or spilled, and are counted in ram_used. They
 * may take half the index's share of the budget: past it the oldest pages' summaries are
 * halved (OR-folded, down to a quarter of their size as made: more false positives, still
 * none missed), then dropped (those pages are read by every search, as before summaries);
 * never their rows.
 */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#define SUMMARY_MIN_PAGE (16u << 10) /* smaller pages would need filters as large as they */
#define SUMMARY_MAX_BITS 16384u
#define SUMMARY_MIN_LOG2 10 /* 1024 bits: no summary is halved below it */
#define SUMMARY_FOLDS 2      /* nor below a quarter of its page's: denser ones miss too often */

uint32_t store_summary_bits(uint32_t page_bytes)
{
    if (page_bytes < SUMMARY_MIN_PAGE)
        return 0; /* no summaries: every page is read */
    uint32_t bits = 2048;
    while (bits < page_bytes / 8 && bits < SUMMARY_MAX_BITS)
        bits *= 2;
    return bits;
}

static inline unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c ? c : ' ';
}

/* The filter bit of trigram (a, b, c) in a filter of 2^log2 bits. */
static uint32_t trigram_bit(uint32_t tri, unsigned log2)
{
    return (tri * 0x9E3779B1u) >> (32 - log2);
}

static unsigned log2_of(uint32_t bits)
{
    unsigned n = 0;
    while ((1u << n) < bits)
        n++;
    return n;
}

/*
 * The filter is made in a byte map, a byte per filter bit, and packed into bits at the end:
 * setting a bit is then a store with no load of the word before it, and each trigram is read
 * from a folded copy of the text (a chunk of a line at a time) rather than shifted into a
 * window byte by byte, so no byte waits for the one before it. In a 152 MB od -cx flood the
 * worker's samples in here fell from half of zstd's to a fifth (perf, two runs each).
 */
#define FOLD_CHUNK 512

struct summary_maker {
    uint8_t *map;  /* bits bytes, each 0 or 1: up to 1 MiB for a cold block, only meanwhile */
    unsigned log2;
    uint8_t buf[2 + FOLD_CHUNK + 2]; /* two bytes carried over, the chunk, room for a load
                                      * (zeroed first: trigram_at reads a byte it drops) */
    size_t carry;  /* folded bytes before the chunk that trigrams may start in: 0 to 2 */
};

/* The trigram at p (p[0] in the high byte, as store_probe_make makes them); reads p[3] too. */
static inline uint32_t trigram_at(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap32(w);
#endif
    return w >> 8;
}

/* Sets the bit of every trigram that ends in text[0..n), which continues the carried bytes. */
static void maker_add(struct summary_maker *m, const uint8_t *text, size_t n)
{
    while (n > 0) {
        size_t k = n < FOLD_CHUNK ? n : FOLD_CHUNK;
        /* m's fields in locals: a byte store may alias them, as far as C knows */
        uint8_t *b = m->buf, *map = m->map, *dst = b + m->carry;
        unsigned log2 = m->log2;
        for (size_t i = 0; i < k; i++)
            dst[i] = fold(text[i]);
        size_t end = m->carry + k;
        for (size_t i = 0; i + 2 < end; i++)
            map[trigram_bit(trigram_at(b + i), log2)] = 1;
        m->carry = end < 2 ? end : 2;
        memmove(b, b + end - m->carry, m->carry);
        text += k;
        n -= k;
    }
}

/* The byte map as filter bits: bit j is byte j >> 3's bit j & 7. */
static void pack_map(const uint8_t *map, uint8_t *f, size_t bits)
{
    for (size_t i = 0; i < bits / 8; i++) {
        uint64_t v; /* eight bytes of 0 or 1; the multiply gathers byte k's bit to bit 56 + k */
        memcpy(&v, map + 8 * i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap64(v);
#endif
        f[i] = (uint8_t)((v * 0x0102040810204080ull) >> 56);
    }
}

uint8_t *store_summary_make(uint32_t bits, const uint8_t *raw, size_t len, uint8_t *log2_out)
{
    struct page_view v;
    page_view_init(&v);
    struct summary_maker m = {.log2 = log2_of(bits)};
    *log2_out = (uint8_t)m.log2;
    uint8_t *f = NULL;
    if (bits >= 8 && page_view_parse(&v, raw, len) == 0 && (m.map = calloc(bits, 1)) &&
        (f = malloc(bits / 8))) {
        for (uint32_t r = 0; r < v.nrows; r++) {
            const uint8_t *text;
            size_t n;
            page_view_text(&v, r, &text, &n);
            maker_add(&m, text, n);
            if (!(page_view_flags(&v, r) & SB_ROW_WRAPPED))
                m.carry = 0; /* a line ends: no trigram runs across it */
        }
        pack_map(m.map, f, bits);
    }
    free(m.map);
    page_view_fini(&v);
    return f; /* NULL: no summary, the page is always read */
}

void store_summary_attach(struct sb_store *s, struct entry *e, uint8_t *f, uint8_t log2)
{
    if (!f)
        return;
    store_account(s, STORE_MEM_SUMMARY, (1u << log2) / 8, 0);
    e->summary = f;
    e->summary_log2 = log2;
    e->summary_full_log2 = log2;
    store_summary_fit(s, e);
    store_summary_trim(s); /* past its share, the oldest pages' summaries go */
}

void store_summary_free(struct sb_store *s, struct entry *e)
{
    if (!e->summary)
        return;
    free(e->summary);
    store_account(s, STORE_MEM_SUMMARY, 0, (1u << e->summary_log2) / 8);
    e->summary = NULL;
}

/* The four pair-ORs of a byte's bits (bits 0|1, 2|3, 4|5, 6|7), as a nibble. */
static unsigned fold_byte(unsigned b)
{
    unsigned p = (b | b >> 1) & 0x55;
    return (p & 1) | (p >> 1 & 2) | (p >> 2 & 4) | (p >> 3 & 8);
}

void store_summary_fold(const uint8_t *f, unsigned log2, uint8_t *half)
{
    /* A byte at a time: at the disk budget every new page's summary halves an old one, and a
     * bit at a time that was 2% of the window's time in a long flood. */
    for (size_t i = 0; i < (1u << log2) / 16; i++)
        half[i] = (uint8_t)(fold_byte(f[2 * i]) | fold_byte(f[2 * i + 1]) << 4);
}

/*
 * Halves a summary (store_summary_fold): it still holds every trigram, with more false
 * positives. false when it is at its smallest (or memory ran out).
 */
static bool halve(struct sb_store *s, struct entry *e)
{
    unsigned log2 = e->summary_log2;
    if (!e->summary || log2 <= SUMMARY_MIN_LOG2)
        return false;
    size_t half = (1u << (log2 - 1)) / 8;
    uint8_t *f = malloc(half);
    if (!f)
        return false;
    store_summary_fold(e->summary, log2, f);
    free(e->summary);
    store_account(s, STORE_MEM_SUMMARY, 0, half);
    e->summary = f;
    e->summary_log2 = (uint8_t)(log2 - 1);
    return true;
}

/* Under memory pressure: halve, but not below a quarter of the summary as it was made. */
static bool summary_halve(struct sb_store *s, struct entry *e)
{
    if (e->summary && (unsigned)e->summary_log2 + SUMMARY_FOLDS <= e->summary_full_log2)
        return false;
    return halve(s, e);
}

/*
 * Bits the filter of 2^log2 bits (at least 64) would have set once halved (bits 2j and 2j+1
 * OR-ed), 64 at a time. The count is by hand: without -mpopcnt __builtin_popcount is a call
 * into libgcc per byte, which was 0.7% of the worker's time in a flood.
 */
static uint32_t halved_bits_set(const uint8_t *f, unsigned log2)
{
    uint32_t n = 0;
    for (size_t i = 0; i < (1u << log2) / 8; i += 8) {
        uint64_t w;
        memcpy(&w, f + i, 8); /* the pairs never straddle a byte: byte order does not matter */
        w = (w | w >> 1) & 0x5555555555555555ull;           /* a pair's OR, in its low bit */
        w = (w & 0x3333333333333333ull) + (w >> 2 & 0x3333333333333333ull);
        w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0full;
        n += (uint32_t)((w * 0x0101010101010101ull) >> 56);
    }
    return n;
}

void store_summary_fit(struct sb_store *s, struct entry *e)
{
    while (e->summary && e->summary_log2 > SUMMARY_MIN_LOG2 &&
           2 * halved_bits_set(e->summary, e->summary_log2) <= 1u << (e->summary_log2 - 1) &&
           halve(s, e))
        ;
}

void store_summary_trim(struct sb_store *s)
{
    while (atomic_load_explicit(&s->mem[STORE_MEM_SUMMARY], memory_order_relaxed) >
           s->summary_max) {
        /* Oldest first: halve a page's summary to its smallest, and only when every page's
         * is at its smallest, free the oldest ones. */
        size_t i = store_first_from_id(&s->pages, s->summary_halved);
        bool halving = i < s->pages.len;
        if (!halving && (i = store_first_from_id(&s->pages, s->summary_freed)) == s->pages.len)
            return;
        struct entry *e = store_at(&s->pages, i);
        if (halving)
            s->summary_halved = e->id + 1;
        else
            s->summary_freed = e->id + 1;
        if (e->busy) /* the worker may be merging it */
            continue;
        if (halving)
            while (summary_halve(s, e))
                ;
        else
            store_summary_free(s, e);
    }
}

/*
 * When summaries are made. Made with each page's compression, on the worker, they were a
 * tenth of the window's CPU in the 152 MB cat (1,850 ms against 2,030 without them), on a
 * 2-core machine where every millisecond of the worker comes off the pty's rate. Nobody
 * searches a flood while it runs: until the store's RAM first fills, the worker marks each
 * page due and makes the summaries once pushes pause (before the cold tier's work), a page
 * leaving RAM gets its summary first (a spilled page is not read back for one), and
 * sb_store_summarize() makes them all now. From then on (ram_full) pages leave RAM as fast
 * as they come and would each be decompressed again for their summary, under the lock,
 * often on the input thread (the window's rate at the disk budget: 63 -> 55 MB/s): they get
 * theirs with their compression, as before. Until it is made, a due page is read by every
 * search, as a page with no summary always is: later, never wrong.
 */
void store_summary_defer(struct sb_store *s, struct entry *e)
{
    if (s->summary_bits == 0)
        return; /* pages this small have none */
    e->summary_due = 1;
    if (!s->summaries_due || e->id < s->summary_due_from)
        s->summary_due_from = e->id;
    s->summaries_due = true;
}

void store_summary_catch_up(struct sb_store *s, size_t i)
{
    struct entry *e = store_at(&s->pages, i);
    if (!e->summary_due)
        return;
    e->summary_due = 0;
    uint64_t id = e->id;
    if (e->state != ENTRY_RAM || e->summary || id < s->summary_freed)
        return; /* past the summaries' share, the oldest pages have none */
    /* Decompressed into a cache slot's buffer (reading memory, inside the read reserve),
     * left empty: the slot is the least recently read, and cold_rest frees it at idle. */
    struct cache_slot *c = store_cache_victim(s, e->raw_len);
    if (!c || store_inflate_entry(s, e, c->buf) < 0)
        return; /* no summary: searches read it, and find out if it cannot be read */
    uint8_t log2 = 0;
    uint8_t *f = store_summary_make(s->summary_bits, c->buf, e->raw_len, &log2);
    store_summary_attach(s, e, f, log2);
    if (id < s->summary_halved) /* the trim has passed it: as small as its neighbours */
        while (summary_halve(s, e))
            ;
}

bool store_summary_step(struct sb_store *s)
{
    if (!s->summaries_due)
        return false;
    for (size_t i = store_first_from_id(&s->pages, s->summary_due_from); i < s->pages.len; i++) {
        struct entry *e = store_at(&s->pages, i);
        if (!e->summary_due)
            continue;
        s->summary_due_from = e->id + 1;
        if (s->cfg.disk_budget == 0 &&
            store_ram_with_reserve(s) + s->summary_bits / 8 > s->cfg.ram_budget) {
            e->summary_due = 0; /* room only by dropping rows: it stays without, read */
            return true;
        }
        store_summary_catch_up(s, i);
        /* The summaries the flood did not pay for spill as many bytes of pages as they would
         * have then, and the reserves for reading and the cold tier stay free. */
        store_enforce_ram(s, false);
        return true;
    }
    s->summaries_due = false;
    return false;
}

size_t store_probe_make(const char *needle, size_t len, uint32_t *tri, size_t cap)
{
    size_t n = 0;
    uint32_t window = 0, have = 0;
    for (size_t i = 0; i < len && n < cap; i++) {
        if (needle[i] == '\n') { /* the summary has no trigram across a line's end */
            window = have = 0;
            continue;
        }
        window = (window << 8 | fold((unsigned char)needle[i])) & 0xffffff;
        if (++have >= 3)
            tri[n++] = window;
    }
    return n;
}

bool store_summary_may_hold(const struct sb_store *s, const struct entry *e, const uint32_t *tri,
                            size_t n)
{
    if (!e->summary)
        return true;
    unsigned log2 = e->summary_log2;
    for (size_t i = 0; i < n; i++) {
        uint32_t b = trigram_bit(tri[i], log2);
        if (!(e->summary[b >> 3] & (1u << (b & 7))))
            return false;
    }
    return true;
}
