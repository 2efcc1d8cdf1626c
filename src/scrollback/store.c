/*
 * The scrollback store: the public API, the page index, budgets and the
 * order in which pages move from RAM to disk to oblivion.
 *
 * Rows have absolute numbers that never change: first_abs is the oldest row
 * retained, next_abs the number the next pushed row gets. The index is a
 * deque of page entries in row order, followed by the hot page:
 *
 *   [DISK | LOST]*  [RAM (hot codec or cold codec)]*  [SEALED]*  hot page
 *
 * Pages enter as SEALED (raw, waiting for the worker to compress them),
 * become RAM (a compressed blob in an arena), then DISK (an encrypted record
 * in a spill segment) when RAM is over budget, and are dropped from the front
 * when the disk is over budget. A page whose spill or read fails becomes
 * LOST: its rows keep their numbers but read back marked lost.
 *
 * Cold pages (the cold tier's, at idle) are stored in page format 2: rows
 * regrouped by the period that compressed smallest in a trial, meta first
 * (page.h). Reads turn them back into format 1 for the cache; a random read
 * that misses the cache decodes a cold page only as far as its row (struct
 * partial).
 *
 * One mutex guards everything. The worker thread takes it only to pick a job
 * and to install the result; compression itself runs unlocked on buffers the
 * worker owns. Operations that remove or rewrite an entry the worker is
 * compressing (busy) wait on `cond` until it is done.
 */
#include "boundterm/scrollback.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
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

#define MAX_PENDING 2            /* sealed pages waiting for the worker */
#define COLD_PROBE SB_CODEC_ZSTD /* the cold tier's trial compressor for choosing a period */
#define COLD_PROBE_LEVEL 1
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
    uint8_t period;     /* 0: the blob holds a format-1 page; else format 2 with this period */
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
    uint32_t sealed_pending;
    size_t sealed_bytes;
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
    struct scratch work_out, cold_in, cold_raw, cold_perm, cold_out, read_buf, read_perm;

    struct cache_slot *cache;
    struct partial part;
    uint64_t cache_tick;
    size_t cache_bytes;
    size_t read_reserve;      /* RAM kept free for the reading side */
    size_t cold_reserve;      /* RAM kept free for the cold tier's buffers and compressor */

    uint64_t raw_bytes_in;
    uint64_t rows_lost;
    char last_error[192];
};

/* ---- Small helpers ----------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A cheap clock for idle detection on the push path. */
static uint64_t coarse_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Records the most recent failure for stats (the lock is held). */
__attribute__((format(printf, 2, 3))) static void set_error(struct sb_store *s, const char *fmt,
                                                             ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->last_error, sizeof s->last_error, fmt, ap);
    va_end(ap);
}

/* Grows a scratch buffer to at least n bytes. */
static int scratch_reserve(struct scratch *b, size_t n)
{
    if (n <= b->cap)
        return 0;
    size_t cap = mem_round(n);
    uint8_t *p = mem_map(cap);
    if (!p)
        return SB_ERR_NOMEM;
    mem_unmap(b->p, b->cap);
    b->p = p;
    b->cap = cap;
    return 0;
}

static void scratch_free(struct scratch *b)
{
    mem_unmap(b->p, b->cap);
    b->p = NULL;
    b->cap = 0;
}

/* ---- The deque --------------------------------------------------------- */

static struct entry *at(const struct deque *d, size_t i)
{
    return &d->e[(d->head + i) & (d->cap - 1)];
}

static struct entry *push_back(struct deque *d)
{
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        struct entry *e = malloc(cap * sizeof *e);
        if (!e)
            return NULL;
        for (size_t i = 0; i < d->len; i++)
            e[i] = *at(d, i);
        free(d->e);
        d->e = e;
        d->cap = cap;
        d->head = 0;
    }
    struct entry *e = at(d, d->len++);
    memset(e, 0, sizeof *e);
    return e;
}

static void pop_front(struct deque *d)
{
    d->head = (d->head + 1) & (d->cap - 1);
    d->len--;
}

/* Removes entries i+1 .. i+k-1, closing the gap (entry i stays). */
static void remove_after(struct deque *d, size_t i, size_t k)
{
    for (size_t j = i + k; j < d->len; j++)
        *at(d, j - k + 1) = *at(d, j);
    d->len -= k - 1;
}

/* Index of the entry holding absolute row abs (which must be in the deque). */
static size_t find_row(const struct deque *d, uint64_t abs)
{
    size_t lo = 0, hi = d->len - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (at(d, mid)->first_row <= abs)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Index of the entry with this id, or SIZE_MAX. */
static size_t find_id(const struct deque *d, uint64_t id)
{
    size_t lo = 0, hi = d->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (at(d, mid)->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->len && at(d, lo)->id == id ? lo : SIZE_MAX;
}

/* ---- Accounting -------------------------------------------------------- */

/* The reading side: decompressed pages, the disk read buffer and the decoders. */
static size_t read_bytes(const struct sb_store *s)
{
    size_t n = s->cache_bytes + s->read_buf.cap + s->read_perm.cap + s->part.blob.cap +
               s->part.raw.cap + (s->part.codec ? codec_sizeof(s->part.codec) : 0);
    for (int i = 0; i < 4; i++)
        if (s->read_codec[i])
            n += codec_sizeof(s->read_codec[i]);
    return n;
}

static size_t codec_bytes(const struct sb_store *s)
{
    size_t n = codec_sizeof(s->work_codec) + (s->cold_codec ? codec_sizeof(s->cold_codec) : 0) +
               (s->cold_probe ? codec_sizeof(s->cold_probe) : 0);
    for (int i = 0; i < 4; i++)
        if (s->read_codec[i])
            n += codec_sizeof(s->read_codec[i]);
    if (s->part.codec)
        n += codec_sizeof(s->part.codec);
    return n + s->work_out.cap + s->cold_in.cap + s->cold_raw.cap + s->cold_perm.cap +
           s->cold_out.cap + s->read_buf.cap + s->read_perm.cap + s->part.blob.cap +
           s->part.raw.cap + (s->spill ? spill_ram_bytes(s->spill) : 0);
}

static size_t index_bytes(const struct sb_store *s)
{
    return s->pages.cap * sizeof(struct entry) + sizeof *s;
}

/* Every byte the store holds in RAM: the one place the budget is checked against. */
static uint64_t ram_used(const struct sb_store *s)
{
    return hot_bytes(&s->hot) + s->sealed_bytes + arena_mapped_bytes(s->hot_arena) +
           arena_mapped_bytes(s->cold_arena) + index_bytes(s) + s->cache_bytes +
           codec_bytes(s);
}

/* ---- The read cache ---------------------------------------------------- */

static size_t slot_bytes(const struct cache_slot *c)
{
    return c->cap + page_view_bytes(&c->view);
}

static void slot_free(struct sb_store *s, struct cache_slot *c)
{
    s->cache_bytes -= slot_bytes(c);
    mem_unmap(c->buf, c->cap);
    page_view_fini(&c->view);
    memset(c, 0, sizeof *c);
}

/* Frees the partly decompressed page and its decoder. */
static void partial_free(struct sb_store *s)
{
    scratch_free(&s->part.blob);
    scratch_free(&s->part.raw);
    codec_destroy(s->part.codec);
    memset(&s->part, 0, sizeof s->part);
}

static void cache_forget(struct sb_store *s, uint64_t page_id)
{
    if (s->part.page_id == page_id)
        s->part.live = false;
    for (uint32_t i = 0; i < s->cfg.cache_pages; i++)
        if (s->cache[i].valid && s->cache[i].page_id == page_id)
            s->cache[i].valid = false;
}

static void cache_free_all(struct sb_store *s)
{
    partial_free(s);
    for (uint32_t i = 0; i < s->cfg.cache_pages; i++)
        slot_free(s, &s->cache[i]);
}

static struct cache_slot *cache_find(struct sb_store *s, uint64_t page_id)
{
    for (uint32_t i = 0; i < s->cfg.cache_pages; i++) {
        struct cache_slot *c = &s->cache[i];
        if (c->valid && c->page_id == page_id) {
            c->tick = ++s->cache_tick;
            return c;
        }
    }
    return NULL;
}

/* The least recently used slot, emptied and with room for len bytes; NULL when out of memory. */
static struct cache_slot *cache_victim(struct sb_store *s, size_t len)
{
    struct cache_slot *v = &s->cache[0];
    for (uint32_t i = 1; i < s->cfg.cache_pages && v->valid; i++)
        if (!s->cache[i].valid || s->cache[i].tick < v->tick)
            v = &s->cache[i];
    v->valid = false;
    /* An oversize buffer is never kept for an ordinary page (the Ghostty lesson). */
    size_t want = mem_round(len);
    if (v->cap < want || v->cap > 2 * want) {
        s->cache_bytes -= v->cap;
        mem_unmap(v->buf, v->cap);
        v->buf = mem_map(want);
        v->cap = v->buf ? want : 0;
        s->cache_bytes += v->cap;
        if (!v->buf)
            return NULL;
    }
    return v;
}

/* ---- Page state changes ------------------------------------------------ */

/* Releases whatever an entry holds (RAM blob, disk record, raw buffer). */
static void entry_release(struct sb_store *s, struct entry *e)
{
    switch (e->state) {
    case ENTRY_SEALED:
        mem_unmap(e->u.sealed.raw, e->u.sealed.cap);
        s->sealed_bytes -= e->u.sealed.cap;
        s->sealed_pending--;
        break;
    case ENTRY_RAM:
        arena_free(e->in_cold ? s->cold_arena : s->hot_arena, e->u.blob, e->blob_len);
        break;
    case ENTRY_DISK:
        spill_release(s->spill, &e->u.loc);
        break;
    }
    cache_forget(s, e->id);
}

/* Blocks until the worker is done with entry id (which stays in the deque meanwhile). */
static struct entry *wait_idle(struct sb_store *s, uint64_t id)
{
    for (;;) {
        size_t i = find_id(&s->pages, id);
        struct entry *e = at(&s->pages, i);
        if (!e->busy)
            return e;
        pthread_cond_wait(&s->cond, &s->lock);
    }
}

/* Drops the oldest page; its rows count as dropped. */
static void drop_front(struct sb_store *s)
{
    struct entry *e = wait_idle(s, at(&s->pages, 0)->id);
    entry_release(s, e);
    s->first_abs = e->first_row + e->nrows;
    pop_front(&s->pages);
}

/* Marks entry i lost, merging it into a lost neighbour before it so lost runs cost one entry. */
static void mark_lost(struct sb_store *s, size_t i, const char *why)
{
    struct entry *e = at(&s->pages, i);
    entry_release(s, e);
    s->rows_lost += e->nrows;
    set_error(s, "%s", why);
    e->state = ENTRY_LOST;
    if (i > 0 && at(&s->pages, i - 1)->state == ENTRY_LOST) {
        at(&s->pages, i - 1)->nrows += e->nrows;
        remove_after(&s->pages, i - 1, 2);
    }
}

/* ---- The disk side ------------------------------------------------------ */

static uint64_t segment_bytes_for(uint64_t disk_budget)
{
    uint64_t seg = disk_budget / 16;
    if (seg < (256u << 10))
        seg = 256u << 10;
    if (seg > (64u << 20))
        seg = 64u << 20;
    return seg;
}

/* True when pages may go to disk now; opens the spill files on first need. */
static bool disk_usable(struct sb_store *s)
{
    if (s->cfg.disk_budget == 0 || now_ns() < s->spill_retry_ns)
        return false;
    if (s->spill)
        return true;
    char why[160];
    int rc = spill_create(s->spill_dir, segment_bytes_for(s->cfg.disk_budget), s->io,
                          &s->spill, why, sizeof why);
    if (rc < 0) {
        set_error(s, "%s", why);
        s->spill_retry_ns = now_ns() + SPILL_RETRY_NS;
        return false;
    }
    return true;
}

/* Drops pages from the front until disk use plus `need` fits the disk budget. */
static void trim_disk(struct sb_store *s, uint64_t need)
{
    while (s->spill && spill_disk_bytes(s->spill) + need > s->cfg.disk_budget &&
           s->pages.len > 0) {
        uint8_t st = at(&s->pages, 0)->state;
        if (st != ENTRY_DISK && st != ENTRY_LOST)
            break;
        drop_front(s);
    }
}

/* Moves RAM entry i to disk; false when the disk cannot take it. */
static bool spill_entry(struct sb_store *s, size_t i)
{
    struct entry *e = at(&s->pages, i);
    uint64_t need = spill_record_bytes(e->blob_len);
    if (need > s->cfg.disk_budget)
        return false;
    uint64_t id = e->id;
    trim_disk(s, need);
    i = find_id(&s->pages, id); /* trimming shifted the deque */
    e = at(&s->pages, i);
    struct spill_loc loc;
    char why[160];
    if (spill_write(s->spill, e->id, e->u.blob, e->blob_len, &loc, why, sizeof why) < 0) {
        set_error(s, "%s", why);
        s->spill_retry_ns = now_ns() + SPILL_RETRY_NS;
        return false;
    }
    arena_free(e->in_cold ? s->cold_arena : s->hot_arena, e->u.blob, e->blob_len);
    e->state = ENTRY_DISK;
    e->u.loc = loc;
    return true;
}

/* Index of the oldest RAM page, or SIZE_MAX. */
static size_t oldest_ram(const struct sb_store *s)
{
    for (size_t i = 0; i < s->pages.len; i++) {
        uint8_t st = at(&s->pages, i)->state;
        if (st == ENTRY_RAM)
            return i;
        if (st == ENTRY_SEALED)
            break;
    }
    return SIZE_MAX;
}

static void compress_inline(struct sb_store *s);
static void trim_reading(struct sb_store *s);
static size_t max_src(const struct sb_config *cfg);

/* Frees RAM by moving the oldest page out of it (to disk, or dropped, or lost). */
static bool evict_one(struct sb_store *s, bool can_wait)
{
    size_t i = oldest_ram(s);
    if (i == SIZE_MAX) {
        if (s->sealed_pending == 0 || !can_wait)
            return false;
        if (s->worker_running)
            pthread_cond_wait(&s->cond, &s->lock);
        else
            compress_inline(s);
        return true;
    }
    if (disk_usable(s) && spill_entry(s, i))
        return true;
    if (i == 0) {
        drop_front(s);
    } else {
        char why[sizeof s->last_error];
        snprintf(why, sizeof why, "%s", s->last_error[0] ? s->last_error : "disk unusable");
        mark_lost(s, i, why);
    }
    return true;
}

/* The cold tier's working memory: its buffers and its compressor. */
static size_t cold_bytes_held(const struct sb_store *s)
{
    return s->cold_in.cap + s->cold_raw.cap + s->cold_perm.cap + s->cold_out.cap +
           (s->cold_codec ? codec_sizeof(s->cold_codec) : 0) +
           (s->cold_probe ? codec_sizeof(s->cold_probe) : 0);
}

/*
 * RAM use as the writing side sees it: reading and the cold tier may always
 * grow to their reserves, so that neither a read nor idle-time work ever has
 * to evict (and so perhaps drop) rows.
 */
static uint64_t ram_with_reserve(const struct sb_store *s)
{
    uint64_t used = ram_used(s), reading = read_bytes(s), cold = cold_bytes_held(s);
    if (reading < s->read_reserve)
        used += s->read_reserve - reading;
    if (cold < s->cold_reserve)
        used += s->cold_reserve - cold;
    return used;
}

/* Brings RAM use, with the read and cold reserves, under the budget by moving pages out. */
static void enforce_ram(struct sb_store *s, bool can_wait)
{
    while (ram_with_reserve(s) > s->cfg.ram_budget) {
        if (!evict_one(s, can_wait)) {
            trim_reading(s);
            break;
        }
    }
}

/* After a read: give back reading memory beyond the budget (never rows). */
static void trim_reading(struct sb_store *s)
{
    if (ram_used(s) <= s->cfg.ram_budget)
        return;
    cache_free_all(s);
    scratch_free(&s->read_buf);
    scratch_free(&s->read_perm);
    for (int i = 0; i < 4; i++) {
        codec_destroy(s->read_codec[i]);
        s->read_codec[i] = NULL;
    }
}

/* ---- Compression (the worker's jobs) ----------------------------------- */

/* Installs a compressed blob for sealed entry id, or marks it lost on failure. */
static void install_blob(struct sb_store *s, uint64_t id, int rc, size_t clen)
{
    size_t i = find_id(&s->pages, id);
    struct entry *e = at(&s->pages, i);
    uint8_t *blob = rc == 0 ? arena_alloc(s->hot_arena, clen) : NULL;
    e->busy = 0;
    if (!blob) {
        mark_lost(s, i, rc == 0 ? "out of memory for a compressed page" : sb_strerror(rc));
        return;
    }
    memcpy(blob, s->work_out.p, clen);
    hot_recycle(&s->hot, e->u.sealed.raw, e->u.sealed.cap);
    s->sealed_bytes -= e->u.sealed.cap;
    s->sealed_pending--;
    e->state = ENTRY_RAM;
    e->codec = (uint8_t)s->cfg.codec;
    e->u.blob = blob;
    e->blob_len = (uint32_t)clen;
    s->cold_candidates = true;
}

/* The oldest sealed entry not being compressed, or NULL. */
static struct entry *next_sealed(struct sb_store *s)
{
    size_t i = s->pages.len;
    while (i > 0 && at(&s->pages, i - 1)->state == ENTRY_SEALED)
        i--;
    for (; i < s->pages.len; i++)
        if (!at(&s->pages, i)->busy)
            return at(&s->pages, i);
    return NULL;
}

/* Compresses one sealed page; the lock is released while the codec runs. */
static void compress_one(struct sb_store *s, struct entry *e, bool unlock)
{
    uint64_t id = e->id;
    const uint8_t *raw = e->u.sealed.raw;
    size_t len = e->raw_len;
    if (scratch_reserve(&s->work_out, codec_bound(s->cfg.codec, len)) < 0) {
        mark_lost(s, find_id(&s->pages, id), "out of memory for compression");
        return;
    }
    e->busy = 1;
    if (unlock)
        pthread_mutex_unlock(&s->lock);
    size_t clen = 0;
    int rc = codec_compress(s->work_codec, raw, len, s->work_out.p, s->work_out.cap, &clen);
    if (unlock)
        pthread_mutex_lock(&s->lock);
    install_blob(s, id, rc, clen);
    pthread_cond_broadcast(&s->cond);
}

static void compress_inline(struct sb_store *s)
{
    struct entry *e = next_sealed(s);
    if (e)
        compress_one(s, e, false);
}

/* ---- The cold tier ----------------------------------------------------- */

struct cold_job {
    uint64_t first_id;
    size_t count;
    uint64_t ids[64];
    uint32_t raw_len[64], blob_len[64];
    size_t raw_total, blob_total; /* of the source pages */
    size_t merged_len;            /* of the merged page: one header instead of count */
    uint32_t period;              /* the merged page's rows regrouped by it (format 2) */
};

/* Picks the oldest run of RAM pages not yet cold and copies their blobs; false if none. */
static bool cold_pick(struct sb_store *s, struct cold_job *job)
{
    size_t i = 0;
    while (i < s->pages.len && (at(&s->pages, i)->state != ENTRY_RAM || at(&s->pages, i)->cold))
        if (at(&s->pages, i++)->state == ENTRY_SEALED)
            return false;
    memset(job, 0, sizeof *job);
    for (; i < s->pages.len && job->count < 64; i++) {
        struct entry *e = at(&s->pages, i);
        if (e->state != ENTRY_RAM || e->cold || e->busy ||
            (job->count && job->raw_total + e->raw_len > s->cfg.cold_bytes))
            break;
        if (scratch_reserve(&s->cold_in, job->blob_total + e->blob_len) < 0)
            break;
        memcpy(s->cold_in.p + job->blob_total, e->u.blob, e->blob_len);
        job->ids[job->count] = e->id;
        job->raw_len[job->count] = e->raw_len;
        job->blob_len[job->count] = e->blob_len;
        job->raw_total += e->raw_len;
        job->blob_total += e->blob_len;
        job->count++;
    }
    job->first_id = job->ids[0];
    return job->count > 0;
}

/* Decompresses the job's pages and joins them into one raw page in cold_raw; 0 or error. */
static int cold_merge(struct sb_store *s, struct cold_job *job)
{
    size_t in = 0, out = 0;
    for (size_t k = 0; k < job->count; k++) {
        int rc = codec_decompress(s->work_codec, s->cold_in.p + in, job->blob_len[k],
                                  s->cold_out.p + out, job->raw_len[k]);
        if (rc < 0)
            return rc;
        in += job->blob_len[k];
        out += job->raw_len[k];
    }
    uint32_t nrows = 0;
    size_t text = 0, meta = 0;
    struct page_view v;
    page_view_init(&v);
    uint8_t *dst = s->cold_raw.p + PAGE_HEADER_BYTES;
    size_t text_total = 0;
    for (size_t k = 0, off = 0; k < job->count; off += job->raw_len[k++]) {
        if (page_view_parse(&v, s->cold_out.p + off, job->raw_len[k]) < 0)
            goto corrupt;
        text_total += v.text_off[v.nrows];
    }
    for (size_t k = 0, off = 0; k < job->count; off += job->raw_len[k++]) {
        page_view_parse(&v, s->cold_out.p + off, job->raw_len[k]);
        memcpy(dst + text, v.text, v.text_off[v.nrows]);
        memcpy(dst + text_total + meta, v.meta, v.meta_off[v.nrows]);
        text += v.text_off[v.nrows];
        meta += v.meta_off[v.nrows];
        nrows += v.nrows;
    }
    page_view_fini(&v);
    uint32_t hdr[4] = {PAGE_MAGIC, nrows, (uint32_t)text, (uint32_t)meta};
    memcpy(s->cold_raw.p, hdr, sizeof hdr); /* little-endian hosts only, as the page format */
    job->merged_len = PAGE_HEADER_BYTES + text + meta;
    return 0;
corrupt:
    page_view_fini(&v);
    return SB_ERR_CORRUPT;
}

/*
 * Picks the period that packs the merged page smallest by a fast trial
 * (cold_probe: zstd 1, ~0.2 ms per 64 KiB against ~12 ms for xz 6) and leaves
 * the page to compress, in format 2 with that period, in cold_perm. 0 or error.
 */
static int cold_permute(struct sb_store *s, struct cold_job *job)
{
    struct page_view v;
    page_view_init(&v);
    int rc = page_view_parse(&v, s->cold_raw.p, job->merged_len);
    if (rc == 0)
        rc = page_choose_period(&v, s->cold_probe, s->cold_perm.p, s->cold_out.p,
                                s->cold_out.cap, &job->period);
    if (rc == 0)
        page_permute(&v, job->period, s->cold_perm.p);
    page_view_fini(&v);
    return rc;
}

/* Swaps the job's pages for one cold page, if they are all still there. */
static void cold_install(struct sb_store *s, struct cold_job *job, int rc, size_t clen)
{
    size_t i = find_id(&s->pages, job->first_id);
    if (i == SIZE_MAX || i + job->count > s->pages.len)
        return;
    for (size_t k = 0; k < job->count; k++) {
        struct entry *e = at(&s->pages, i + k);
        if (e->id != job->ids[k] || e->state != ENTRY_RAM || e->cold)
            return; /* evicted, popped or cleared meanwhile: the work is void */
    }
    uint8_t *blob = NULL;
    if (rc == 0 && clen < job->blob_total)
        blob = arena_alloc(s->cold_arena, clen);
    if (!blob) { /* not worth it (or failed): leave them, never try again */
        for (size_t k = 0; k < job->count; k++)
            at(&s->pages, i + k)->cold = 1;
        return;
    }
    memcpy(blob, s->cold_out.p, clen);
    struct entry merged = *at(&s->pages, i);
    merged.nrows = 0;
    for (size_t k = 0; k < job->count; k++) {
        struct entry *e = at(&s->pages, i + k);
        merged.nrows += e->nrows;
        entry_release(s, e);
    }
    merged.raw_len = (uint32_t)job->merged_len;
    merged.blob_len = (uint32_t)clen;
    merged.codec = (uint8_t)s->cfg.cold_codec;
    merged.cold = 1;
    merged.in_cold = 1;
    merged.period = (uint8_t)job->period;
    merged.u.blob = blob;
    *at(&s->pages, i) = merged;
    remove_after(&s->pages, i, job->count);
}

/* Makes the cold tier's context and buffers ready for a job (the lock is held). */
static int cold_prepare(struct sb_store *s, const struct cold_job *job)
{
    int rc = 0;
    if (!s->cold_codec)
        rc = codec_create(s->cfg.cold_codec, s->cfg.cold_level, max_src(&s->cfg),
                          &s->cold_codec);
    if (rc == 0 && !s->cold_probe)
        rc = codec_create(COLD_PROBE, COLD_PROBE_LEVEL, max_src(&s->cfg), &s->cold_probe);
    size_t permuted = job->raw_total + PAGE_PERMUTED_HEADER_BYTES;
    size_t bound = codec_bound(s->cfg.cold_codec, permuted);
    size_t probe_bound = codec_bound(COLD_PROBE, permuted);
    if (bound < probe_bound)
        bound = probe_bound;
    /* cold_out holds the decompressed pages, then trial and final results. */
    if (rc == 0 && (scratch_reserve(&s->cold_raw, job->raw_total) < 0 ||
                    scratch_reserve(&s->cold_perm, permuted) < 0 ||
                    scratch_reserve(&s->cold_out, bound) < 0))
        rc = SB_ERR_NOMEM;
    return rc;
}

/* Runs one cold job; false when there was nothing to do. */
static bool cold_step(struct sb_store *s, bool unlock)
{
    struct cold_job job;
    if (s->cold_busy)
        return false;
    if (s->cfg.cold_codec == SB_CODEC_NONE || !cold_pick(s, &job)) {
        s->cold_candidates = false;
        /* Done for now: the xz encoder's megabytes go back until the next batch. */
        if (s->cold_codec)
            codec_trim(s->cold_codec);
        if (s->cold_probe)
            codec_trim(s->cold_probe);
        scratch_free(&s->cold_in);
        scratch_free(&s->cold_raw);
        scratch_free(&s->cold_perm);
        scratch_free(&s->cold_out);
        return false;
    }
    s->cold_busy = true;
    int rc = cold_prepare(s, &job);
    if (unlock)
        pthread_mutex_unlock(&s->lock);
    if (rc == 0)
        rc = cold_merge(s, &job);
    if (rc == 0)
        rc = cold_permute(s, &job);
    size_t clen = 0;
    if (rc == 0)
        rc = codec_compress(s->cold_codec, s->cold_perm.p,
                            job.merged_len + PAGE_PERMUTED_HEADER_BYTES - PAGE_HEADER_BYTES,
                            s->cold_out.p, s->cold_out.cap, &clen);
    if (unlock)
        pthread_mutex_lock(&s->lock);
    cold_install(s, &job, rc, clen);
    s->cold_busy = false;
    pthread_cond_broadcast(&s->cond);
    /*
     * The hard bound only: the cold tier works inside the reserve that pushes leave free,
     * so idle time never moves (or, without a disk, drops) rows to make room for itself.
     */
    while (ram_used(s) > s->cfg.ram_budget && evict_one(s, false))
        ;
    return true;
}

/* ---- The worker thread ------------------------------------------------- */

static void *worker_main(void *arg)
{
    struct sb_store *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct entry *e = next_sealed(s);
        if (e) {
            compress_one(s, e, true);
            enforce_ram(s, false);
            continue;
        }
        uint64_t idle = coarse_ns() - s->last_push_ns;
        if (s->cold_candidates && idle >= (uint64_t)s->cfg.cold_delay_ms * 1000000u) {
            cold_step(s, true);
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- Configuration ----------------------------------------------------- */

void sb_config_defaults(struct sb_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->ram_budget = 64ull << 20;
    cfg->disk_budget = 1ull << 30;
    cfg->spill_dir = NULL;
    cfg->page_bytes = 64u << 10;
    cfg->codec = SB_CODEC_ZSTD;
    cfg->codec_level = sb_codec_default_level(SB_CODEC_ZSTD, false);
    cfg->cold_codec = SB_CODEC_XZ;
    cfg->cold_level = sb_codec_default_level(SB_CODEC_XZ, true);
    cfg->cold_bytes = 64u << 10;
    cfg->cold_delay_ms = 2000;
    cfg->cache_pages = 4;
    cfg->background = true;
}

/*
 * The input size every codec context is made for: xz sizes its dictionary
 * from it, and a decoder's dictionary must be at least the encoder's.
 */
static size_t max_src(const struct sb_config *cfg)
{
    size_t page = (size_t)cfg->page_bytes * 2;
    return cfg->cold_bytes > page ? cfg->cold_bytes : page;
}

/* RAM the reading side may use: the cache full of the largest ordinary pages, a disk read
 * buffer, a buffer to take a cold page apart, a partly decompressed cold page (its blob, its
 * bytes and its decoder's dictionary) and decoder state (zstd's about 160 KiB, xz's its
 * dictionary). */
static size_t read_reserve_for(const struct sb_config *cfg)
{
    size_t big = mem_round(max_src(cfg));
    size_t view = 8 * (big / 16); /* offsets: 8 bytes per row, rows of >= 16 bytes */
    return cfg->cache_pages * (big + view) + 5 * big + (1u << 20);
}

/*
 * RAM the cold tier may use: four block-sized buffers, its compressor's and
 * its probe's state, and slack for page rounding while it swaps blobs between arenas (a
 * new cold blob is written before the pages it replaces are freed, and freed
 * blobs give back only whole pages).
 */
static size_t cold_reserve_for(const struct sb_config *cfg)
{
    if (cfg->cold_codec == SB_CODEC_NONE)
        return 0;
    size_t permuted = cfg->cold_bytes + PAGE_PERMUTED_HEADER_BYTES;
    size_t bound = codec_bound(cfg->cold_codec, permuted);
    if (bound < codec_bound(COLD_PROBE, permuted))
        bound = codec_bound(COLD_PROBE, permuted);
    size_t block = mem_round(bound);
    return 4 * block + codec_estimate(cfg->cold_codec, cfg->cold_level, max_src(cfg)) +
           codec_estimate(COLD_PROBE, COLD_PROBE_LEVEL, max_src(cfg)) + (64u << 10);
}

static size_t chunk_bytes_for(uint64_t ram_budget)
{
    uint64_t c = ram_budget / 64;
    if (c < (64u << 10))
        c = 64u << 10;
    if (c > (1u << 20))
        c = 1u << 20;
    return (size_t)c;
}

uint64_t sb_config_min_ram(const struct sb_config *cfg)
{
    uint64_t page = cfg->page_bytes;
    uint64_t codec = codec_estimate(cfg->codec, cfg->codec_level, max_src(cfg));
    /* hot page (text + meta mappings + a spare) + sealed queue + the read and cold reserves +
     * one arena chunk per tier + the hot codec + spill state and slack for the index. */
    return 4 * page + MAX_PENDING * page + read_reserve_for(cfg) + cold_reserve_for(cfg) +
           2 * chunk_bytes_for(cfg->ram_budget) + codec + (1u << 20);
}

static int check_config(const struct sb_config *cfg, char *err, size_t errlen)
{
    const char *why = NULL;
    if (cfg->page_bytes < SB_PAGE_BYTES_MIN || cfg->page_bytes > SB_PAGE_BYTES_MAX)
        why = "page_bytes must be between 4 KiB and 16 MiB";
    else if ((unsigned)cfg->codec > SB_CODEC_XZ || (unsigned)cfg->cold_codec > SB_CODEC_XZ)
        why = "unknown codec";
    else if (cfg->cold_codec != SB_CODEC_NONE &&
             (cfg->cold_bytes < cfg->page_bytes || cfg->cold_bytes > (64u << 20)))
        why = "cold_bytes must be between page_bytes and 64 MiB";
    else if (cfg->cache_pages < 1 || cfg->cache_pages > 64)
        why = "cache_pages must be between 1 and 64";
    if (why) {
        snprintf(err, errlen, "scrollback: %s", why);
        return SB_ERR_INVAL;
    }
    uint64_t min = sb_config_min_ram(cfg);
    if (cfg->ram_budget < min) {
        snprintf(err, errlen,
                 "scrollback: a RAM budget of %" PRIu64 " bytes cannot hold one page plus the "
                 "index; the minimum is %" PRIu64 " bytes (%.1f MiB)",
                 cfg->ram_budget, min, min / 1048576.0);
        return SB_ERR_BUDGET;
    }
    return 0;
}

/* ---- Creation and destruction ------------------------------------------ */

static int store_init(struct sb_store *s, const struct sb_config *cfg, char *err, size_t errlen)
{
    s->cfg = *cfg;
    const char *dir = cfg->spill_dir && *cfg->spill_dir ? cfg->spill_dir : "/tmp";
    s->spill_dir = strdup(dir);
    s->cfg.spill_dir = s->spill_dir;
    hot_init(&s->hot, cfg->page_bytes);
    s->next_id = 1;
    s->last_push_ns = coarse_ns();
    s->read_reserve = read_reserve_for(cfg);
    s->cold_reserve = cold_reserve_for(cfg);
    size_t chunk = chunk_bytes_for(cfg->ram_budget);
    s->hot_arena = arena_create(chunk);
    s->cold_arena = arena_create(chunk);
    s->cache = calloc(cfg->cache_pages, sizeof *s->cache);
    if (!s->spill_dir || !s->hot_arena || !s->cold_arena || !s->cache) {
        snprintf(err, errlen, "scrollback: out of memory");
        return SB_ERR_NOMEM;
    }
    int rc = codec_create(cfg->codec, cfg->codec_level, max_src(cfg), &s->work_codec);
    if (rc < 0) {
        snprintf(err, errlen, "scrollback: cannot set up codec %s", sb_codec_name(cfg->codec));
        return rc;
    }
    if (cfg->disk_budget > 0)
        disk_usable(s); /* an unusable spill dir is not fatal: it shows in last_error */
    return 0;
}

int sb_store_create(const struct sb_config *cfg, struct sb_store **out, char *err, size_t errlen)
{
    return sb_store_create_io(cfg, NULL, out, err, errlen);
}

int sb_store_create_io(const struct sb_config *cfg, const struct sb_io *io,
                       struct sb_store **out, char *err, size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    *out = NULL;
    int rc = check_config(cfg, err, errlen);
    if (rc < 0)
        return rc;
    struct sb_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "scrollback: out of memory");
        return SB_ERR_NOMEM;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->io = io;
    rc = store_init(s, cfg, err, errlen);
    if (rc == 0 && cfg->background) {
        if (pthread_create(&s->worker, NULL, worker_main, s) == 0)
            s->worker_running = true;
        else
            s->cfg.background = false; /* compress inline instead */
    }
    if (rc < 0) {
        sb_store_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Releases every page, the hot page and the cache; the worker must be idle. */
static void release_all(struct sb_store *s)
{
    while (s->pages.len > 0) {
        entry_release(s, at(&s->pages, 0));
        pop_front(&s->pages);
    }
    free(s->pages.e);
    memset(&s->pages, 0, sizeof s->pages);
    hot_reset(&s->hot);
    cache_free_all(s);
}

void sb_store_destroy(struct sb_store *s)
{
    if (!s)
        return;
    if (s->worker_running) {
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->worker, NULL);
    }
    if (s->cache)
        release_all(s);
    hot_fini(&s->hot);
    spill_destroy(s->spill);
    arena_destroy(s->hot_arena);
    arena_destroy(s->cold_arena);
    codec_destroy(s->work_codec);
    codec_destroy(s->cold_codec);
    codec_destroy(s->cold_probe);
    for (int i = 0; i < 4; i++)
        codec_destroy(s->read_codec[i]);
    scratch_free(&s->work_out);
    scratch_free(&s->cold_in);
    scratch_free(&s->cold_raw);
    scratch_free(&s->cold_perm);
    scratch_free(&s->cold_out);
    scratch_free(&s->read_buf);
    scratch_free(&s->read_perm);
    free(s->cache);
    free(s->spill_dir);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* ---- Writing ----------------------------------------------------------- */

/* Seals the hot page into a new SEALED entry and hands it to the worker. */
static int seal_hot(struct sb_store *s)
{
    while (s->worker_running && s->sealed_pending >= MAX_PENDING)
        pthread_cond_wait(&s->cond, &s->lock);
    uint32_t nrows = s->hot.view.nrows;
    if (nrows == 0) /* cleared by another thread while we waited */
        return 0;
    struct entry *e = push_back(&s->pages);
    if (!e)
        return SB_ERR_NOMEM;
    size_t len, cap;
    uint8_t *raw = hot_seal(&s->hot, &len, &cap);
    e->id = s->next_id++;
    e->first_row = s->next_abs - nrows;
    e->nrows = nrows;
    e->raw_len = (uint32_t)len;
    e->state = ENTRY_SEALED;
    e->u.sealed.raw = raw;
    e->u.sealed.cap = cap;
    s->sealed_bytes += cap;
    s->sealed_pending++;
    if (s->worker_running)
        pthread_cond_broadcast(&s->cond);
    else
        compress_inline(s);
    return 0;
}

/* Appends a validated row (cells or plain text) to the hot page, sealing it first if full. */
static int push(struct sb_store *s, const struct row_in *row)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    size_t hot_before = hot_bytes(&s->hot);
    size_t added = 0;
    rc = hot_append(&s->hot, row, &added);
    if (rc == 0) {
        s->next_abs++;
        s->raw_bytes_in += added;
        s->pushes++;
        s->last_push_ns = coarse_ns();
    } else {
        set_error(s, "push: %s", sb_strerror(rc));
    }
    /* Sealed once full, so a page is page_bytes plus at most part of one row. */
    bool sealed = rc == 0 && hot_raw_len(&s->hot) >= s->cfg.page_bytes;
    if (sealed && seal_hot(s) < 0)
        set_error(s, "push: %s", sb_strerror(SB_ERR_NOMEM)); /* the row is in; retried later */
    /* RAM grows on this path only by sealing or by the hot page's buffers growing. */
    if (sealed || hot_bytes(&s->hot) != hot_before)
        enforce_ram(s, true);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sb_store_push_row(struct sb_store *s, const struct sb_cell *cells, uint32_t ncols,
                      uint32_t flags)
{
    int rc = rowcodec_validate(cells, ncols, flags);
    if (rc < 0)
        return rc;
    struct row_in row = {.cells = cells, .ncols = ncols, .flags = flags};
    return push(s, &row);
}

int sb_store_push(struct sb_store *s, const struct sb_row *r)
{
    int rc = rowcodec_validate_row(r);
    if (rc < 0)
        return rc;
    struct row_in row = {.ncols = r->ncols, .flags = r->flags};
    if (r->nlinks)
        row.row = r;
    else
        row.cells = r->cells;
    return push(s, &row);
}

int sb_store_push_plain(struct sb_store *s, const char *text, size_t len, uint32_t ncols,
                        uint32_t flags)
{
    int rc = rowcodec_validate_plain(text, len, ncols, flags);
    if (rc < 0)
        return rc;
    struct row_in row = {.text = text ? text : "", .text_len = len, .ncols = ncols,
                         .flags = flags};
    return push(s, &row);
}

/* ---- Reading ----------------------------------------------------------- */

/* Reads a spilled page's blob into read_buf; 0 or the error (the page is then lost). */
static int read_disk_blob(struct sb_store *s, struct entry *e)
{
    char why[160];
    if (scratch_reserve(&s->read_buf, e->blob_len) < 0)
        return SB_ERR_NOMEM;
    int rc = spill_read(s->spill, e->id, &e->u.loc, s->read_buf.p, why, sizeof why);
    if (rc < 0)
        set_error(s, "%s", why);
    return rc;
}

/* Whether entry e is a cold page that can be read part way (format 2, xz). */
static bool partial_fits(const struct entry *e)
{
    return e->period > 0 && e->codec == SB_CODEC_XZ && !e->busy &&
           (e->state == ENTRY_RAM || e->state == ENTRY_DISK);
}

/* Starts decompressing entry e part way: copies its blob (read from disk if spilled). */
static int partial_begin(struct sb_store *s, struct entry *e)
{
    struct partial *p = &s->part;
    p->live = false;
    size_t len = (size_t)e->raw_len + PAGE_PERMUTED_HEADER_BYTES - PAGE_HEADER_BYTES;
    if ((!p->codec && codec_create(SB_CODEC_XZ, 1, max_src(&s->cfg), &p->codec) < 0) ||
        scratch_reserve(&p->raw, len) < 0 || scratch_reserve(&p->blob, e->blob_len) < 0)
        return SB_ERR_NOMEM;
    if (e->state == ENTRY_DISK) {
        int rc = read_disk_blob(s, e);
        if (rc < 0)
            return rc;
    }
    memcpy(p->blob.p, e->state == ENTRY_DISK ? s->read_buf.p : e->u.blob, e->blob_len);
    int rc = codec_stream_begin(p->codec, p->blob.p, e->blob_len, p->raw.p, len);
    if (rc < 0)
        return rc;
    *p = (struct partial){e->id, true, len, 0, p->blob, p->raw, p->codec};
    return 0;
}

/* Decodes the partial page on until its first want bytes are there; 0 or error. */
static int partial_until(struct sb_store *s, size_t want)
{
    struct partial *p = &s->part;
    if (want <= p->have)
        return 0;
    int rc = want <= p->len ? codec_stream_until(p->codec, want, &p->have) : SB_ERR_CORRUPT;
    if (rc < 0)
        p->live = false;
    return rc;
}

/* Decompresses entry e into dst (raw_len bytes). */
static int inflate_entry(struct sb_store *s, struct entry *e, uint8_t *dst)
{
    if (e->state == ENTRY_SEALED) {
        memcpy(dst, e->u.sealed.raw, e->raw_len);
        return 0;
    }
    const uint8_t *src = e->u.blob;
    if (e->state == ENTRY_DISK) {
        int rc = read_disk_blob(s, e);
        if (rc < 0)
            return rc;
        src = s->read_buf.p;
    }
    struct codec **c = &s->read_codec[e->codec];
    if (!*c && codec_create(e->codec, 1, max_src(&s->cfg), c) < 0)
        return SB_ERR_NOMEM;
    if (e->period == 0)
        return codec_decompress(*c, src, e->blob_len, dst, e->raw_len);
    /* A cold page (format 2): decompress it aside, then put its rows back in order in dst. */
    size_t permuted = (size_t)e->raw_len + PAGE_PERMUTED_HEADER_BYTES - PAGE_HEADER_BYTES, n;
    if (s->part.live && s->part.page_id == e->id && partial_until(s, permuted) == 0) {
        s->part.live = false; /* reads went part way; finish from there */
        int rc = page_unpermute(s->part.raw.p, permuted, dst, e->raw_len, &n);
        return rc == 0 && n != e->raw_len ? SB_ERR_CORRUPT : rc;
    }
    if (scratch_reserve(&s->read_perm, permuted) < 0)
        return SB_ERR_NOMEM;
    int rc = codec_decompress(*c, src, e->blob_len, s->read_perm.p, permuted);
    if (rc == 0)
        rc = page_unpermute(s->read_perm.p, permuted, dst, e->raw_len, &n);
    return rc == 0 && n != e->raw_len ? SB_ERR_CORRUPT : rc;
}

/*
 * A view of entry i's rows through the cache. NULL when the page is lost
 * (it is marked lost here if it just failed to read).
 */
static const struct page_view *entry_view(struct sb_store *s, size_t i)
{
    struct entry *e = at(&s->pages, i);
    if (e->state == ENTRY_LOST)
        return NULL;
    struct cache_slot *c = cache_find(s, e->id);
    if (c)
        return &c->view;
    c = cache_victim(s, e->raw_len);
    int rc = c ? inflate_entry(s, e, c->buf) : SB_ERR_NOMEM;
    if (rc == 0) {
        size_t before = page_view_bytes(&c->view);
        rc = page_view_parse(&c->view, c->buf, e->raw_len);
        s->cache_bytes += page_view_bytes(&c->view) - before;
    }
    if (rc == SB_ERR_NOMEM) {
        set_error(s, "read: out of memory");
        return NULL;
    }
    if (rc < 0 && e->busy)
        return NULL;
    if (rc < 0) {
        char why[512];
        snprintf(why, sizeof why, "page of rows %" PRIu64 "..%" PRIu64 " unreadable: %s",
                 e->first_row - s->drop_base, e->first_row - s->drop_base + e->nrows - 1,
                 s->last_error[0] && e->state == ENTRY_DISK ? s->last_error : sb_strerror(rc));
        mark_lost(s, i, why);
        return NULL;
    }
    c->page_id = e->id;
    c->valid = true;
    c->tick = ++s->cache_tick;
    return &c->view;
}

/* Locates absolute row abs: its page view (NULL if lost) and the row within it. */
static const struct page_view *locate(struct sb_store *s, uint64_t abs, uint32_t *row)
{
    uint64_t hot_first = s->next_abs - s->hot.view.nrows;
    if (abs >= hot_first) {
        *row = (uint32_t)(abs - hot_first);
        return &s->hot.view;
    }
    size_t i = find_row(&s->pages, abs);
    *row = (uint32_t)(abs - at(&s->pages, i)->first_row);
    const struct page_view *v = entry_view(s, i);
    return v;
}

static void lost_row(struct sb_row *out)
{
    out->ncols = 0;
    out->flags = SB_ROW_LOST;
}

/*
 * Reads row `row` of entry i, a cold page not in the cache, from as much of
 * it as that row needs (see struct partial). True when it did (*rc and out
 * set); false when the ordinary path must: the page did not fit, failed here
 * (that path then finds out why), or is now decoded whole (it goes to the
 * cache from there).
 */
static bool partial_read(struct sb_store *s, size_t i, uint32_t row, struct sb_row *out, int *rc)
{
    struct entry *e = at(&s->pages, i);
    struct partial *p = &s->part;
    struct permuted_row r;
    size_t prefix;
    if (!partial_fits(e) || cache_find(s, e->id))
        return false;
    if ((!p->live || p->page_id != e->id) && partial_begin(s, e) < 0)
        return false;
    if (partial_until(s, PAGE_PERMUTED_HEADER_BYTES) < 0 ||
        page_permuted_prefix(p->raw.p, p->len, &prefix) < 0 || partial_until(s, prefix) < 0 ||
        page_permuted_locate(p->raw.p, p->len, row, &r) < 0 ||
        partial_until(s, r.text_off + r.text_len + 1) < 0 || p->have == p->len ||
        p->raw.p[r.text_off + r.text_len] != ROW_SEPARATOR) {
        if (p->have != p->len)
            p->live = false;
        return false;
    }
    *rc = rowcodec_decode(p->raw.p + r.meta_off, r.meta_len, p->raw.p + r.text_off, r.text_len,
                          out);
    if (*rc == SB_ERR_CORRUPT) {
        lost_row(out);
        *rc = 0;
    }
    return true;
}

int sb_store_read_row(struct sb_store *s, uint64_t index, struct sb_row *out)
{
    pthread_mutex_lock(&s->lock);
    int rc = SB_ERR_RANGE;
    if (index < s->next_abs - s->first_abs) {
        uint32_t row;
        uint64_t abs = s->first_abs + index;
        if (abs < s->next_abs - s->hot.view.nrows) {
            size_t i = find_row(&s->pages, abs);
            row = (uint32_t)(abs - at(&s->pages, i)->first_row);
            if (partial_read(s, i, row, out, &rc))
                goto out;
        }
        const struct page_view *v = locate(s, abs, &row);
        rc = 0;
        if (!v)
            lost_row(out);
        else if ((rc = page_view_row(v, row, out)) == SB_ERR_CORRUPT) {
            lost_row(out);
            rc = 0;
        }
    }
out:
    trim_reading(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Calls the visitor for rows [abs, end) of one page; returns the visitor's result. */
static int visit_page(struct sb_store *s, uint64_t *abs, uint64_t end, bool rows,
                      sb_text_fn tfn, sb_row_fn rfn, void *user, struct sb_row *tmp)
{
    uint32_t r;
    const struct page_view *v = locate(s, *abs, &r);
    uint64_t page_end = v ? *abs - r + v->nrows : 0;
    if (!v) {
        size_t i = find_row(&s->pages, *abs);
        page_end = at(&s->pages, i)->first_row + at(&s->pages, i)->nrows;
    }
    for (; *abs < end && *abs < page_end; (*abs)++, r++) {
        uint64_t index = *abs - s->first_abs;
        int rc;
        if (!v) {
            lost_row(tmp);
            rc = rows ? rfn(user, index, tmp) : tfn(user, index, "", 0, SB_ROW_LOST);
        } else if (rows) {
            if (page_view_row(v, r, tmp) < 0)
                lost_row(tmp);
            rc = rfn(user, index, tmp);
        } else {
            const uint8_t *text;
            size_t len;
            page_view_text(v, r, &text, &len);
            rc = tfn(user, index, (const char *)text, len, page_view_flags(v, r));
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int visit(struct sb_store *s, uint64_t first, uint64_t count, bool rows, sb_text_fn tfn,
                 sb_row_fn rfn, void *user)
{
    struct sb_row tmp;
    sb_row_init(&tmp);
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    uint64_t abs = s->first_abs + first;
    for (;;) {
        /* Rows may be dropped between pages while the lock is free. */
        if (abs < s->first_abs)
            abs = s->first_abs;
        uint64_t end = s->first_abs + first + count;
        if (end > s->next_abs || count > s->next_abs)
            end = s->next_abs;
        if (abs >= end || rc)
            break;
        rc = visit_page(s, &abs, end, rows, tfn, rfn, user, &tmp);
        trim_reading(s);
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    sb_row_fini(&tmp);
    return rc;
}

int sb_store_visit_text(struct sb_store *s, uint64_t first, uint64_t count, sb_text_fn fn,
                        void *user)
{
    return visit(s, first, count, false, fn, NULL, user);
}

int sb_store_visit_rows(struct sb_store *s, uint64_t first, uint64_t count, sb_row_fn fn,
                        void *user)
{
    return visit(s, first, count, true, NULL, fn, user);
}

uint64_t sb_store_rows(struct sb_store *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t n = s->next_abs - s->first_abs;
    pthread_mutex_unlock(&s->lock);
    return n;
}

uint64_t sb_store_rows_dropped(struct sb_store *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t n = s->first_abs - s->drop_base;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- Pop, clear, budgets ------------------------------------------------ */

/* Moves the newest page back into the (empty) hot page; false if it was lost. */
static bool reload_newest(struct sb_store *s)
{
    size_t i = s->pages.len - 1;
    struct entry *e = wait_idle(s, at(&s->pages, i)->id);
    if (e->state == ENTRY_LOST)
        return false;
    struct cache_slot *c = cache_victim(s, e->raw_len);
    int rc = c ? inflate_entry(s, e, c->buf) : SB_ERR_NOMEM;
    if (rc == 0)
        rc = hot_load(&s->hot, c->buf, e->raw_len);
    if (rc < 0) {
        mark_lost(s, i, "pop: newest page unreadable");
        return false;
    }
    entry_release(s, e);
    s->pages.len--;
    return true;
}

int sb_store_pop_row(struct sb_store *s, struct sb_row *out)
{
    pthread_mutex_lock(&s->lock);
    int rc = SB_ERR_RANGE;
    if (s->next_abs == s->first_abs)
        goto out;
    rc = 0;
    if (s->hot.view.nrows == 0 && !reload_newest(s)) {
        struct entry *e = at(&s->pages, s->pages.len - 1);
        if (--e->nrows == 0)
            s->pages.len--;
        s->next_abs--;
        lost_row(out);
        goto out;
    }
    rc = page_view_row(&s->hot.view, s->hot.view.nrows - 1, out);
    if (rc == SB_ERR_CORRUPT) {
        lost_row(out);
        rc = 0;
    }
    hot_pop(&s->hot);
    s->next_abs--;
out:
    trim_reading(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sb_store_clear(struct sb_store *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->pages.len; i++)
        if (at(&s->pages, i)->busy)
            wait_idle(s, at(&s->pages, i)->id);
    release_all(s);
    if (s->spill)
        spill_reset(s->spill);
    /* Fresh arenas guarantee every chunk went back to the OS. */
    size_t chunk = chunk_bytes_for(s->cfg.ram_budget);
    arena_destroy(s->hot_arena);
    arena_destroy(s->cold_arena);
    s->hot_arena = arena_create(chunk);
    s->cold_arena = arena_create(chunk);
    scratch_free(&s->read_buf);
    scratch_free(&s->read_perm);
    scratch_free(&s->work_out);
    if (!s->cold_busy) {
        scratch_free(&s->cold_in);
        scratch_free(&s->cold_raw);
        scratch_free(&s->cold_perm);
        scratch_free(&s->cold_out);
    }
    s->first_abs = s->drop_base = s->next_abs;
    s->rows_lost = 0;
    int rc = s->hot_arena && s->cold_arena ? 0 : SB_ERR_NOMEM;
    pthread_mutex_unlock(&s->lock);
    malloc_trim(0); /* the offset arrays and the index came from malloc */
    return rc;
}

int sb_store_set_budgets(struct sb_store *s, uint64_t ram_budget, uint64_t disk_budget)
{
    pthread_mutex_lock(&s->lock);
    struct sb_config probe = s->cfg;
    probe.ram_budget = ram_budget;
    int rc = SB_ERR_BUDGET;
    if (ram_budget >= sb_config_min_ram(&probe)) {
        s->cfg.ram_budget = ram_budget;
        s->cfg.disk_budget = disk_budget;
        if (s->spill)
            spill_set_segment_bytes(s->spill, segment_bytes_for(disk_budget));
        trim_disk(s, 0);
        enforce_ram(s, true);
        rc = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void sb_store_settle(struct sb_store *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->sealed_pending > 0) {
        if (s->worker_running)
            pthread_cond_wait(&s->cond, &s->lock);
        else
            compress_inline(s);
    }
    pthread_mutex_unlock(&s->lock);
}

int sb_store_compact(struct sb_store *s)
{
    sb_store_settle(s);
    pthread_mutex_lock(&s->lock);
    /* The worker may run cold jobs too; the result of a raced one is simply void. */
    while (s->cold_busy)
        pthread_cond_wait(&s->cond, &s->lock);
    while (cold_step(s, false))
        ;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* ---- Stats ------------------------------------------------------------- */

void sb_store_stats(struct sb_store *s, struct sb_stats *o)
{
    memset(o, 0, sizeof *o);
    pthread_mutex_lock(&s->lock);
    o->ram_budget = s->cfg.ram_budget;
    o->ram_used = ram_used(s);
    o->disk_budget = s->cfg.disk_budget;
    o->disk_used = s->spill ? spill_disk_bytes(s->spill) : 0;
    o->rows_retained = s->next_abs - s->first_abs;
    o->rows_dropped = s->first_abs - s->drop_base;
    o->rows_lost = s->rows_lost;
    o->pages_hot = (s->hot.view.nrows > 0) + s->sealed_pending;
    o->rows_ram = s->hot.view.nrows;
    for (size_t i = 0; i < s->pages.len; i++) {
        const struct entry *e = at(&s->pages, i);
        if (e->state == ENTRY_RAM) {
            o->pages_ram++;
            o->pages_cold += e->cold && e->codec == s->cfg.cold_codec;
        }
        o->pages_disk += e->state == ENTRY_DISK;
        if (e->state == ENTRY_DISK)
            o->rows_disk += e->nrows;
        else if (e->state != ENTRY_LOST)
            o->rows_ram += e->nrows;
        if (e->state == ENTRY_RAM || e->state == ENTRY_DISK) {
            o->pages_permuted += e->period > 1;
            o->raw_bytes_stored += e->raw_len;
            o->compressed_bytes += e->blob_len;
        }
    }
    o->raw_bytes_in = s->raw_bytes_in;
    o->index_bytes = index_bytes(s);
    o->cache_bytes = s->cache_bytes;
    o->codec_bytes = codec_bytes(s);
    snprintf(o->last_error, sizeof o->last_error, "%s", s->last_error);
    pthread_mutex_unlock(&s->lock);
}

/* Appends str to buf as a JSON string body, escaping what JSON requires. */
static size_t json_escape(char *buf, size_t cap, size_t n, const char *str)
{
    for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
        char tmp[8];
        int len;
        if (*p == '"' || *p == '\\')
            len = snprintf(tmp, sizeof tmp, "\\%c", *p);
        else if (*p < 0x20)
            len = snprintf(tmp, sizeof tmp, "\\u%04x", *p);
        else
            len = snprintf(tmp, sizeof tmp, "%c", *p);
        for (int i = 0; i < len; i++, n++)
            if (n + 1 < cap)
                buf[n] = tmp[i];
    }
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

size_t sb_stats_json(const struct sb_stats *st, char *buf, size_t cap)
{
    int n = snprintf(buf, cap,
        "{\"ram_budget\":%" PRIu64 ",\"ram_used\":%" PRIu64 ",\"disk_budget\":%" PRIu64
        ",\"disk_used\":%" PRIu64 ",\"rows_retained\":%" PRIu64 ",\"rows_dropped\":%" PRIu64
        ",\"rows_lost\":%" PRIu64 ",\"rows_ram\":%" PRIu64 ",\"rows_disk\":%" PRIu64
        ",\"pages_hot\":%" PRIu64 ",\"pages_ram\":%" PRIu64
        ",\"pages_cold\":%" PRIu64 ",\"pages_disk\":%" PRIu64 ",\"raw_bytes_in\":%" PRIu64
        ",\"raw_bytes_stored\":%" PRIu64 ",\"compressed_bytes\":%" PRIu64
        ",\"index_bytes\":%" PRIu64 ",\"cache_bytes\":%" PRIu64 ",\"codec_bytes\":%" PRIu64
        ",\"pages_permuted\":%" PRIu64 ",\"last_error\":\"",
        st->ram_budget, st->ram_used, st->disk_budget, st->disk_used, st->rows_retained,
        st->rows_dropped, st->rows_lost, st->rows_ram, st->rows_disk, st->pages_hot, st->pages_ram, st->pages_cold,
        st->pages_disk, st->raw_bytes_in, st->raw_bytes_stored, st->compressed_bytes,
        st->index_bytes, st->cache_bytes, st->codec_bytes, st->pages_permuted);
    size_t len = n < 0 ? 0 : (size_t)n;
    len = json_escape(buf, cap, len, st->last_error);
    const char *tail = "\"}";
    for (const char *p = tail; *p; p++, len++)
        if (len + 1 < cap)
            buf[len] = *p;
    if (cap)
        buf[len < cap ? len : cap - 1] = '\0';
    return len;
}

const char *sb_strerror(int err)
{
    switch (err) {
    case SB_OK: return "success";
    case SB_ERR_NOMEM: return "out of memory";
    case SB_ERR_INVAL: return "invalid argument";
    case SB_ERR_RANGE: return "row index out of range";
    case SB_ERR_BUDGET: return "budget too small";
    case SB_ERR_IO: return "spill file I/O error";
    case SB_ERR_CORRUPT: return "corrupt or unauthenticated data";
    case SB_ERR_NOSPC: return "no space left on the spill filesystem";
    case SB_ERR_CODEC: return "compression failed";
    default: return "unknown error";
    }
}
