/*
 * Inside the store (store.c and the files it is split into): struct sb_store, its page index
 * and its buffers, shared by
 *   store.c       the index, the budgets (accounting, eviction, spilling), writing, pop,
 *                 clear, stats
 *   store_read.c  reading rows back and the read cache (whole and part-way decompression)
 *   store_cold.c  compression: the worker thread, the sealed pages' jobs and the cold tier
 * Nothing outside src/scrollback/store*.c includes this.
 */
#ifndef SB_STORE_INTERNAL_H
#define SB_STORE_INTERNAL_H

#include "boundterm/scrollback.h"
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "arena.h"
#include "codec.h"
#include "page.h"
#include "rowcodec.h"
#include "seams.h"
#include "spill.h"

#define MAX_PENDING 2 /* sealed pages waiting for the worker, at least (the fixed parts count it) */
#define MAX_PENDING_ROOMY 8 /* ... and when they are a small part of the budget (size_queue) */
#define COLD_PROBE SB_CODEC_ZSTD /* the cold tier's trial compressor for choosing a period */
#define COLD_PROBE_LEVEL 1
/*
 * Cold blocks of repetitive text: pages the hot codec packed COLD_LARGE_RATIO:1 or better
 * are merged into blocks of cold_large_bytes (512 KiB), packed (format 3) and compressed with
 * zstd 19. On such text LZ matches carry the bytes, and zstd codes them within 1-2% of LZMA
 * but decodes about ten times faster (a 512 KiB block in ~0.4 ms against xz's ~1 ms for 64
 * KiB of od -cx), so the block can be eight times larger for the same read, which is what
 * makes it denser: log text 5.19 B/row in 64 KiB xz blocks, 4.20 in these (docs/CODECS.md).
 * Literal-heavy text (od -cx: 2.5:1) stays in 64 KiB xz blocks, where LZMA's literal coder
 * is 15% denser than zstd's.
 */
#define COLD_LARGE_CODEC SB_CODEC_ZSTD
#define COLD_LARGE_LEVEL 19
#define COLD_LARGE_RATIO 4
#define COLD_LARGE_MIN_BUDGET (64ull << 20) /* see store_cold_large_bytes */
#define SPILL_RETRY_NS 1000000000ull /* after a disk failure, drop for this long */

enum { ENTRY_SEALED, ENTRY_RAM, ENTRY_DISK, ENTRY_LOST };

struct entry {
    uint64_t id;        /* unique, increasing along the deque */
    uint64_t first_row; /* absolute number of the page's first row */
    uint32_t nrows;
    uint32_t raw_len;   /* bytes of the raw page */
    uint32_t blob_len;  /* bytes compressed (RAM and DISK) */
    uint8_t state;
    uint8_t codec;
    uint8_t cold;       /* done with the cold tier (recompressed or not worth it) */
    uint8_t busy;       /* the worker is compressing it */
    uint8_t in_cold;    /* its blob lives in the cold arena */
    uint8_t period;     /* 0: the blob holds a format-1 page; else a cold page with this period */
    uint8_t large;      /* a cold block of repetitive text, in COLD_LARGE_CODEC */
    uint8_t ends_wrapped; /* its last row is soft-wrapped: a line runs on into the next page */
    uint8_t marks;      /* the SB_ROW_MARK_* bits of all its rows together (sb_store_find_mark) */
    uint8_t summary_due; /* compressed without its summary: made when the store has time */
    uint64_t born_ns;   /* when it was sealed: a pool moves the oldest pages of all stores first */
    uint8_t *summary;   /* trigram filter of its text (store_summary.c); NULL: always read */
    uint8_t summary_log2; /* the filter has 2^summary_log2 bits */
    uint8_t summary_full_log2; /* and had when made: pressure halves it to a quarter at most */
    uint8_t format;      /* of a cold page (period > 0): 2, 3 (packed) or 4 (derived rows) */
    uint32_t stored_len; /* a cold page in format 3 or 4: its bytes; raw_len its format 1's */
    union {
        struct {
            uint8_t *raw;
            size_t cap;
        } sealed;
        uint8_t *blob;
        struct spill_loc loc;
    } u;
};

/* A ring of entries; cap is a power of two. */
struct deque {
    struct entry *e;
    size_t cap, head, len;
};

struct cache_slot {
    uint64_t page_id;
    uint8_t *buf; /* mapped */
    size_t cap;
    struct page_view view;
    uint64_t tick;
    bool valid;
};

/* A growable mapped buffer. */
struct scratch {
    uint8_t *p;
    size_t cap;
};

/*
 * A cold page decompressed only as far as reads have needed: a random read
 * of one row decodes the page's meta and text up to that row (half the page
 * on average), and a later read of the same page goes on from there.
 */
struct partial {
    uint64_t page_id;
    bool live;           /* holds page_id's first `have` bytes, and can go on */
    size_t len, have;    /* bytes of the format-2 page, and decoded so far */
    struct scratch blob; /* a copy of the compressed page */
    struct scratch raw;  /* the format-2 page as far as decoded */
    struct codec *codec; /* its own xz decoder, which keeps the stream's state */
};

/*
 * What the store's RAM is for. Every buffer the store itself allocates or takes over is
 * counted in one of these by store_account(), through store_map()/store_unmap(), the scratch
 * buffers and the index, so ram_used cannot miss one. Memory other modules own is asked of
 * them: the hot page (page.c), the arenas (arena.c), the codecs' state (codec.c, which grows
 * inside the compression libraries) and the spill files' buffers (spill.c).
 */
enum store_mem {
    STORE_MEM_SEALED, /* sealed pages waiting for compression (taken over from the hot page) */
    STORE_MEM_INDEX,  /* the page index and the store itself */
    STORE_MEM_CACHE,  /* decompressed pages kept for reading */
    STORE_MEM_WORK,   /* the scratch buffers of compression, cold merges, reads */
    STORE_MEM_SUMMARY, /* the pages' trigram filters (store_summary.c) */
    STORE_MEM_KINDS,
};

struct sb_store {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t worker;
    bool worker_running, stopping;

    struct sb_config cfg;
    const struct sb_io *io; /* the disk side's syscalls (seams.h); NULL: the real ones */
    char *spill_dir;

    struct hot_page hot;
    struct deque pages;
    uint64_t next_id;
    uint64_t first_abs, next_abs, drop_base;
    uint64_t taken_back; /* rows popped (sb_span) */
    uint32_t sealed_pending;
    _Atomic size_t mem[STORE_MEM_KINDS]; /* store_account() */
    uint64_t pushes;          /* bumped on every push, for idle detection */
    uint64_t last_push_ns;
    bool cold_candidates;     /* some RAM page may still go to the cold tier */
    bool cold_busy;           /* a cold step runs (it owns the cold_* buffers) */

    struct arena *hot_arena, *cold_arena;
    struct spill *spill;
    uint64_t spill_retry_ns;

    struct codec *read_codec[4]; /* decompression for readers, by codec */
    struct codec *work_codec;    /* the worker's: compress sealed, decompress for cold jobs */
    struct codec *cold_codec;    /* the worker's cold-tier compressor */
    struct codec *cold_probe;    /* the cold tier's fast trial compressor (choosing a period) */
    struct codec *cold_large;    /* its compressor of large blocks (COLD_LARGE_CODEC) */
    struct scratch work_out, cold_in, cold_raw, cold_perm, cold_out, read_buf, read_perm;

    struct cache_slot *cache;
    struct partial part;
    uint64_t cache_tick;
    size_t read_reserve;      /* RAM kept free for the reading side */
    size_t cold_reserve;      /* RAM kept free for the cold tier's buffers and compressor */
    bool large_seen;          /* a page of repetitive text was compressed: the two reserves
                                 count large blocks (store_note_repetitive) */

    uint64_t raw_bytes_in;
    uint64_t rows_lost;
    size_t index_cap_max; /* the index grows no further (index_cap_for) */
    uint32_t pending_max; /* sealed pages the worker may have waiting (size_queue) */
    uint32_t summary_bits; /* of each page's trigram filter */
    uint64_t summary_max;  /* bytes the summaries may take; past it the oldest ones go */
    uint64_t summary_halved; /* pages with an id below it have their smallest summaries */
    uint64_t summary_freed;  /* pages with an id below it have none (store_summary_trim) */
    bool summaries_due;      /* a page may be due its summary (store_summary_step) */
    bool ram_full;           /* a page has left RAM for room: new ones will too, before
                              * idle time would summarize them (store_summary_defer) */
    uint64_t summary_due_from; /* and none with an id below it is */
    uint64_t ram_from;       /* no page with an id below it is in RAM or sealed (ids only grow,
                              * and a page enters RAM only from sealed): store_oldest_ram */
    char scaled[128];     /* what sb_config_fit scaled down, for the stats */
    char last_error[192];

    /* In a pool (store_pool.c): its list, and what this store holds as the pool reads it
     * without the store's lock (store_publish). */
    struct sb_pool *pool;
    struct sb_store *pool_next;
    _Atomic uint64_t pub_ram, pub_disk;          /* RAM with reserves; spill bytes */
    _Atomic uint64_t pub_pages;                  /* of pub_ram, the pages (the rest is fixed) */
    _Atomic uint64_t pub_ram_born, pub_disk_born; /* its oldest RAM / disk page (UINT64_MAX) */
};

/* ---- store_summary.c ---- */

#define STORE_PROBE_MAX 64 /* trigrams of a needle that are checked */

uint32_t store_summary_bits(uint32_t page_bytes);
/*
 * The summary of the raw page raw[0..len) in a filter of bits bits, not yet counted in the
 * store's RAM: any thread may make it, the worker does, off the input thread. Sets *log2;
 * NULL when bits is 0, the page does not parse or memory ran out (the page is always read).
 */
uint8_t *store_summary_make(uint32_t bits, const uint8_t *raw, size_t len, uint8_t *log2);
/*
 * Folds the filter f of 2^log2 bits (log2 >= 4) into half, of 2^(log2 - 1) bits: bit j of half
 * is bit 2j or bit 2j + 1 of f (a trigram's bit is the top bits of its hash).
 */
void store_summary_fold(const uint8_t *f, unsigned log2, uint8_t *half);
/* The largest summary a merged cold block gets (its pages' bits together, up to this). */
#define SUMMARY_BLOCK_MAX_BITS (1u << 20)
/* Gives e the summary f (counted from now on, fitted; the oldest trimmed past their share). */
void store_summary_attach(struct sb_store *s, struct entry *e, uint8_t *f, uint8_t log2);
void store_summary_free(struct sb_store *s, struct entry *e);
/* Marks compressed page e due its summary (made later: store_summary_catch_up). */
void store_summary_defer(struct sb_store *s, struct entry *e);
/* Makes RAM page i's summary now if it is due (decompressing it in the read cache); it never
 * moves, loses or evicts a page, so i stays valid. */
void store_summary_catch_up(struct sb_store *s, size_t i);
/* Makes the oldest due summary; false when none is due. */
bool store_summary_step(struct sb_store *s);
/*
 * Halves e's summary while the half would be at most half full: a page of few distinct
 * trigrams keeps the same odds of a false positive per trigram (at most 1 in 2) in fewer
 * bytes. A page of log lines needs about half of what a page of od -cx does.
 */
void store_summary_fit(struct sb_store *s, struct entry *e);
/* Halves, then frees, the oldest pages' summaries until they take at most summary_max. */
void store_summary_trim(struct sb_store *s);
/* The folded trigrams of needle, at most cap; how many. */
size_t store_probe_make(const char *needle, size_t len, uint32_t *tri, size_t cap);
/* false only when the page's text cannot hold all of the trigrams. */
bool store_summary_may_hold(const struct sb_store *s, const struct entry *e, const uint32_t *tri,
                            size_t n);

/* ---- store_pool.c ---- */

/* Publishes what s holds for its pool (the lock is held); a no-op outside a pool. */
void store_publish(struct sb_store *s);
/* Brings the pool's stores under its budgets, oldest pages first; no store lock may be held. */
void store_pool_enforce(struct sb_pool *p);
/* Takes s out of its pool (before it is freed). */
void store_pool_leave(struct sb_store *s);

/* ---- store.c ---- */

uint64_t store_coarse_ns(void);
__attribute__((format(printf, 2, 3))) void store_set_error(struct sb_store *s,
                                                            const char *fmt, ...);
void store_account(struct sb_store *s, enum store_mem kind, size_t add, size_t sub);
void *store_map(struct sb_store *s, enum store_mem kind, size_t len);
void store_unmap(struct sb_store *s, enum store_mem kind, void *p, size_t len);
int store_scratch_extend(struct sb_store *s, struct scratch *b, size_t n, size_t kept);
int store_scratch_reserve(struct sb_store *s, struct scratch *b, size_t n);
void store_scratch_free(struct sb_store *s, struct scratch *b);
struct entry *store_at(const struct deque *d, size_t i);
/* Shrinks the page index to the smallest array that holds it (idle time). */
void store_index_fit(struct sb_store *s);
void store_remove_after(struct deque *d, size_t i, size_t k);
size_t store_find_row(const struct deque *d, uint64_t abs);
size_t store_find_id(const struct deque *d, uint64_t id);
/* The index of the first entry with an id at or past id (d->len when none). */
size_t store_first_from_id(const struct deque *d, uint64_t id);
uint64_t store_ram_used(const struct sb_store *s);
void store_entry_release(struct sb_store *s, struct entry *e);
void store_mark_lost(struct sb_store *s, size_t i, const char *why);
bool store_evict_one(struct sb_store *s, bool can_wait);
/* The oldest page in RAM (compressed), or SIZE_MAX. */
size_t store_oldest_ram(struct sb_store *s);
/* RAM the store's pages take (hot, sealed, compressed): what grows with the history. */
uint64_t store_pages_bytes(const struct sb_store *s);
/* RAM use as the writing side counts it: with the reading and cold tier reserves. */
uint64_t store_ram_with_reserve(const struct sb_store *s);
/* Drops the oldest page when it is on disk (or lost); false when it is not. */
bool store_drop_disk_front(struct sb_store *s);
int store_create(const struct sb_config *cfg, const struct sb_io *io, struct sb_pool *pool,
                 struct sb_store **out, char *err, size_t errlen);
void store_enforce_ram(struct sb_store *s, bool can_wait);
void store_trim_reading(struct sb_store *s);
size_t store_max_src(const struct sb_config *cfg);
/* The large cold blocks' size, 0 when there are none (sb_config.cold_large_bytes). */
uint32_t store_cold_large_bytes(const struct sb_config *cfg);
/* The largest raw page the store may hold, read or cache: an ordinary page or a cold block. */
size_t store_max_block(const struct sb_config *cfg);
/* A page of repetitive text was compressed: the reserves grow for large cold blocks. */
void store_note_repetitive(struct sb_store *s);

/* ---- store_read.c ---- */

void store_cache_forget(struct sb_store *s, uint64_t page_id);
void store_cache_free_all(struct sb_store *s);
/* Frees the buffers of the slots that hold no page (store_summary_catch_up's). */
void store_cache_free_empty(struct sb_store *s);
struct cache_slot *store_cache_victim(struct sb_store *s, size_t len);
int store_inflate_entry(struct sb_store *s, struct entry *e, uint8_t *dst);
void store_lost_row(struct sb_row *out);

/* ---- store_cold.c ---- */

void store_compress_inline(struct sb_store *s);
void *store_worker_main(void *arg);

#endif
