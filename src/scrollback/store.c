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
#include "store_internal.h"

#include <assert.h>

/* ---- Small helpers ----------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A cheap clock for idle detection on the push path. */
uint64_t store_coarse_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Records the most recent failure for stats (the lock is held). */
void store_set_error(struct sb_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->last_error, sizeof s->last_error, fmt, ap);
    va_end(ap);
}

/* ---- Accounting -------------------------------------------------------- */

/* The one place the counts of the store's own RAM change (any thread: they are atomic). */
void store_account(struct sb_store *s, enum store_mem kind, size_t add, size_t sub)
{
    if (add)
        atomic_fetch_add_explicit(&s->mem[kind], add, memory_order_relaxed);
    if (sub)
        atomic_fetch_sub_explicit(&s->mem[kind], sub, memory_order_relaxed);
}

static size_t counted(const struct sb_store *s, enum store_mem kind)
{
    return atomic_load_explicit(&s->mem[kind], memory_order_relaxed);
}

/* Maps len zeroed bytes (mem_map) counted as kind; NULL when out of memory. */
void *store_map(struct sb_store *s, enum store_mem kind, size_t len)
{
    void *p = mem_map(len);
    if (p)
        store_account(s, kind, len, 0);
    return p;
}

void store_unmap(struct sb_store *s, enum store_mem kind, void *p, size_t len)
{
    if (!p)
        return;
    mem_unmap(p, len);
    store_account(s, kind, 0, len);
}

/* Grows a scratch buffer (work memory) to at least n bytes, keeping its first `kept`. */
int store_scratch_extend(struct sb_store *s, struct scratch *b, size_t n, size_t kept)
{
    if (n <= b->cap)
        return 0;
    size_t cap = mem_round(n);
    uint8_t *p = store_map(s, STORE_MEM_WORK, cap);
    if (!p)
        return SB_ERR_NOMEM;
    if (kept)
        memcpy(p, b->p, kept < b->cap ? kept : b->cap);
    store_unmap(s, STORE_MEM_WORK, b->p, b->cap);
    b->p = p;
    b->cap = cap;
    return 0;
}

/* Grows a scratch buffer (work memory) to at least n bytes; its contents are not kept. */
int store_scratch_reserve(struct sb_store *s, struct scratch *b, size_t n)
{
    return store_scratch_extend(s, b, n, 0);
}

void store_scratch_free(struct sb_store *s, struct scratch *b)
{
    store_unmap(s, STORE_MEM_WORK, b->p, b->cap);
    b->p = NULL;
    b->cap = 0;
}

/* ---- The deque --------------------------------------------------------- */

struct entry *store_at(const struct deque *d, size_t i)
{
    return &d->e[(d->head + i) & (d->cap - 1)];
}

/* Moves the page index to an array of cap entries (index memory); false when out of memory. */
static bool deque_resize(struct sb_store *s, struct deque *d, size_t cap)
{
    struct entry *e = malloc(cap * sizeof *e);
    if (!e)
        return false;
    store_account(s, STORE_MEM_INDEX, cap * sizeof *e, d->cap * sizeof *e);
    for (size_t i = 0; i < d->len; i++)
        e[i] = *store_at(d, i);
    free(d->e);
    d->e = e;
    d->cap = cap;
    d->head = 0;
    return true;
}

/* Appends an entry to the page index, growing it; NULL when out of memory. */
static struct entry *push_back(struct sb_store *s, struct deque *d)
{
    if (d->len == d->cap && !deque_resize(s, d, d->cap ? d->cap * 2 : 64))
        return NULL;
    struct entry *e = store_at(d, d->len++);
    memset(e, 0, sizeof *e);
    return e;
}

/*
 * Gives back the index's spare room once the cold tier has merged its pages (a flood's
 * index of 64 KiB pages, 8 entries to each 512 KiB block after), down to the smallest
 * array that holds it: the next flood doubles it as it goes, as from the start.
 */
void store_index_fit(struct sb_store *s)
{
    size_t cap = 64;
    while (cap <= s->pages.len)
        cap *= 2;
    if (cap < s->pages.cap)
        deque_resize(s, &s->pages, cap); /* out of memory: it stays as it is */
}

static void pop_front(struct deque *d)
{
    d->head = (d->head + 1) & (d->cap - 1);
    d->len--;
}

/* Removes entries i+1 .. i+k-1, closing the gap (entry i stays). */
void store_remove_after(struct deque *d, size_t i, size_t k)
{
    for (size_t j = i + k; j < d->len; j++)
        *store_at(d, j - k + 1) = *store_at(d, j);
    d->len -= k - 1;
}

/* Index of the entry holding absolute row abs (which must be in the deque). */
size_t store_find_row(const struct deque *d, uint64_t abs)
{
    size_t lo = 0, hi = d->len - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (store_at(d, mid)->first_row <= abs)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The index of the first entry with an id at or past id (d->len when none): ids increase. */
size_t store_first_from_id(const struct deque *d, uint64_t id)
{
    size_t lo = 0, hi = d->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (store_at(d, mid)->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Index of the entry with this id, or SIZE_MAX. */
size_t store_find_id(const struct deque *d, uint64_t id)
{
    size_t i = store_first_from_id(d, id);
    return i < d->len && store_at(d, i)->id == id ? i : SIZE_MAX;
}

/* ---- What RAM is used for ---------------------------------------------- */

/* The reading side: decompressed pages, the disk read buffer and the decoders. */
static size_t read_bytes(const struct sb_store *s)
{
    size_t n = counted(s, STORE_MEM_CACHE) + s->read_buf.cap + s->read_perm.cap +
               s->part.blob.cap + s->part.raw.cap +
               (s->part.codec ? codec_sizeof(s->part.codec) : 0);
    for (int i = 0; i < 4; i++)
        if (s->read_codec[i])
            n += codec_sizeof(s->read_codec[i]);
    return n;
}

/* Every codec's state, asked of the codecs (it grows inside the compression libraries). */
static size_t codec_bytes(const struct sb_store *s)
{
    size_t n = codec_sizeof(s->work_codec) + (s->cold_codec ? codec_sizeof(s->cold_codec) : 0) +
               (s->cold_probe ? codec_sizeof(s->cold_probe) : 0) +
               (s->cold_large ? codec_sizeof(s->cold_large) : 0) +
               (s->part.codec ? codec_sizeof(s->part.codec) : 0);
    for (int i = 0; i < 4; i++)
        if (s->read_codec[i])
            n += codec_sizeof(s->read_codec[i]);
    return n;
}

/* The work side: codec state, scratch buffers, the spill files' buffers (all but the pages
 * themselves, the index and the read cache). */
static size_t work_bytes(const struct sb_store *s)
{
    return counted(s, STORE_MEM_WORK) + codec_bytes(s) + (s->spill ? spill_ram_bytes(s->spill) : 0);
}

uint64_t store_pages_bytes(const struct sb_store *s)
{
    return hot_bytes(&s->hot) + arena_mapped_bytes(s->hot_arena) +
           arena_mapped_bytes(s->cold_arena) + counted(s, STORE_MEM_SEALED);
}

/* Every byte the store holds in RAM: the one place the budget is checked against. */
uint64_t store_ram_used(const struct sb_store *s)
{
    return hot_bytes(&s->hot) + arena_mapped_bytes(s->hot_arena) +
           arena_mapped_bytes(s->cold_arena) + counted(s, STORE_MEM_SEALED) +
           counted(s, STORE_MEM_INDEX) + counted(s, STORE_MEM_CACHE) +
           counted(s, STORE_MEM_SUMMARY) + work_bytes(s);
}

/* ---- Page state changes ------------------------------------------------ */

/* Releases whatever an entry holds (RAM blob, disk record, raw buffer). */
void store_entry_release(struct sb_store *s, struct entry *e)
{
    switch (e->state) {
    case ENTRY_SEALED:
        store_unmap(s, STORE_MEM_SEALED, e->u.sealed.raw, e->u.sealed.cap);
        s->sealed_pending--;
        break;
    case ENTRY_RAM:
        arena_free(e->in_cold ? s->cold_arena : s->hot_arena, e->u.blob, e->blob_len);
        break;
    case ENTRY_DISK:
        spill_release(s->spill, &e->u.loc);
        break;
    }
    store_summary_free(s, e);
    store_cache_forget(s, e->id);
}

/* Blocks until the worker is done with entry id (which stays in the deque meanwhile). */
static struct entry *wait_idle(struct sb_store *s, uint64_t id)
{
    for (;;) {
        size_t i = store_find_id(&s->pages, id);
        struct entry *e = store_at(&s->pages, i);
        if (!e->busy)
            return e;
        pthread_cond_wait(&s->cond, &s->lock);
    }
}

/* Drops the oldest page; its rows count as dropped. */
static void drop_front(struct sb_store *s)
{
    struct entry *e = wait_idle(s, store_at(&s->pages, 0)->id);
    store_entry_release(s, e);
    s->first_abs = e->first_row + e->nrows;
    pop_front(&s->pages);
}

bool store_drop_disk_front(struct sb_store *s)
{
    if (s->pages.len == 0)
        return false;
    uint8_t st = store_at(&s->pages, 0)->state;
    if (st != ENTRY_DISK && st != ENTRY_LOST)
        return false;
    drop_front(s);
    return true;
}

/* Marks entry i lost, merging it into a lost neighbour before it so lost runs cost one entry. */
void store_mark_lost(struct sb_store *s, size_t i, const char *why)
{
    struct entry *e = store_at(&s->pages, i);
    store_entry_release(s, e);
    s->rows_lost += e->nrows;
    store_set_error(s, "%s", why);
    e->state = ENTRY_LOST;
    if (i > 0 && store_at(&s->pages, i - 1)->state == ENTRY_LOST) {
        store_at(&s->pages, i - 1)->nrows += e->nrows;
        store_remove_after(&s->pages, i - 1, 2);
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
        store_set_error(s, "%s", why);
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
        uint8_t st = store_at(&s->pages, 0)->state;
        if (st != ENTRY_DISK && st != ENTRY_LOST)
            break;
        drop_front(s);
    }
}

/* Moves RAM entry i to disk; false when the disk cannot take it. */
static bool spill_entry(struct sb_store *s, size_t i)
{
    struct entry *e = store_at(&s->pages, i);
    uint64_t need = spill_record_bytes(e->blob_len);
    if (need > s->cfg.disk_budget)
        return false;
    uint64_t id = e->id;
    trim_disk(s, need);
    i = store_find_id(&s->pages, id); /* trimming shifted the deque */
    store_summary_catch_up(s, i); /* not read back from the disk for it later */
    e = store_at(&s->pages, i);
    struct spill_loc loc;
    char why[160];
    if (spill_write(s->spill, e->id, e->u.blob, e->blob_len, &loc, why, sizeof why) < 0) {
        store_set_error(s, "%s", why);
        s->spill_retry_ns = now_ns() + SPILL_RETRY_NS;
        return false;
    }
    arena_free(e->in_cold ? s->cold_arena : s->hot_arena, e->u.blob, e->blob_len);
    e->state = ENTRY_DISK;
    e->u.loc = loc;
    return true;
}

/*
 * Index of the oldest RAM page, or SIZE_MAX (none, or a sealed page comes first). The pages on
 * disk before it are passed over once, not at every eviction: at the disk budget they are
 * some 40,000, and scanning them took 16% of the window's time in a long flood.
 */
size_t store_oldest_ram(struct sb_store *s)
{
    for (size_t i = store_first_from_id(&s->pages, s->ram_from); i < s->pages.len; i++) {
        const struct entry *e = store_at(&s->pages, i);
        if (e->state == ENTRY_RAM || e->state == ENTRY_SEALED) {
            s->ram_from = e->id;
            return e->state == ENTRY_RAM ? i : SIZE_MAX;
        }
    }
    s->ram_from = s->next_id; /* all on disk or lost: only a page sealed from now on */
    return SIZE_MAX;
}

/* Frees RAM by moving the oldest page out of it (to disk, or dropped, or lost). */
bool store_evict_one(struct sb_store *s, bool can_wait)
{
    size_t i = store_oldest_ram(s);
    if (i == SIZE_MAX) {
        if (s->sealed_pending == 0 || !can_wait)
            return false;
        if (s->worker_running)
            pthread_cond_wait(&s->cond, &s->lock);
        else
            store_compress_inline(s);
        return true;
    }
    s->ram_full = true;
    if (disk_usable(s) && spill_entry(s, i))
        return true;
    if (i == 0) {
        drop_front(s);
    } else {
        char why[sizeof s->last_error];
        snprintf(why, sizeof why, "%s", s->last_error[0] ? s->last_error : "disk unusable");
        store_mark_lost(s, i, why);
    }
    return true;
}

/* The cold tier's working memory: its buffers and its compressor. */
static size_t cold_bytes_held(const struct sb_store *s)
{
    return s->cold_in.cap + s->cold_raw.cap + s->cold_perm.cap + s->cold_out.cap +
           (s->cold_codec ? codec_sizeof(s->cold_codec) : 0) +
           (s->cold_probe ? codec_sizeof(s->cold_probe) : 0) +
           (s->cold_large ? codec_sizeof(s->cold_large) : 0);
}

/*
 * RAM use as the writing side sees it: reading and the cold tier may always
 * grow to their reserves, so that neither a read nor idle-time work ever has
 * to evict (and so perhaps drop) rows.
 */
uint64_t store_ram_with_reserve(const struct sb_store *s)
{
    uint64_t used = store_ram_used(s), reading = read_bytes(s), cold = cold_bytes_held(s);
    if (reading < s->read_reserve)
        used += s->read_reserve - reading;
    if (cold < s->cold_reserve)
        used += s->cold_reserve - cold;
    return used;
}

/* Brings RAM use, with the read and cold reserves, under the budget by moving pages out. */
void store_enforce_ram(struct sb_store *s, bool can_wait)
{
    while (store_ram_with_reserve(s) > s->cfg.ram_budget) {
        if (!store_evict_one(s, can_wait)) {
            store_trim_reading(s);
            break;
        }
    }
}

/* After a read: give back reading memory beyond the budget (never rows). */
void store_trim_reading(struct sb_store *s)
{
    if (store_ram_used(s) <= s->cfg.ram_budget)
        return;
    store_cache_free_all(s);
    store_scratch_free(s, &s->read_buf);
    store_scratch_free(s, &s->read_perm);
    for (int i = 0; i < 4; i++) {
        codec_destroy(s->read_codec[i]);
        s->read_codec[i] = NULL;
    }
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
    cfg->cold_large_bytes = 512u << 10;
    cfg->cold_delay_ms = 2000;
    cfg->cache_pages = 4;
    cfg->background = true;
}

/*
 * The input size every codec context is made for: xz sizes its dictionary
 * from it, and a decoder's dictionary must be at least the encoder's.
 */
size_t store_max_src(const struct sb_config *cfg)
{
    size_t page = (size_t)cfg->page_bytes * 2;
    return cfg->cold_bytes > page ? cfg->cold_bytes : page;
}

/*
 * Large blocks need buffers of their size to be made and read (4.7 MiB more of reserves at
 * 512 KiB). At COLD_LARGE_MIN_BUDGET log text keeps some 23% more rows in RAM for it and
 * od -cx 8% fewer; below it the reserves would take too much of the budget.
 */
uint32_t store_cold_large_bytes(const struct sb_config *cfg)
{
    return cfg->cold_codec != SB_CODEC_NONE && cfg->ram_budget >= COLD_LARGE_MIN_BUDGET
               ? cfg->cold_large_bytes
               : 0;
}

/* The largest raw page the store may hold, read or cache: an ordinary page or a cold block. */
size_t store_max_block(const struct sb_config *cfg)
{
    size_t src = store_max_src(cfg), large = store_cold_large_bytes(cfg);
    return large > src ? large : src;
}

/* RAM the reading side may use: the cache full of the largest ordinary pages but for one
 * slot of a large cold block, a disk read buffer and a buffer to take a cold page apart (each
 * for the largest block), a partly decompressed cold page (its blob, its bytes and its
 * decoder's dictionary: xz blocks only, ordinary ones) and a decoder for each codec pages
 * may be in. */
static size_t read_reserve_for(const struct sb_config *cfg)
{
    size_t small = mem_round(store_max_src(cfg)), big = mem_round(store_max_block(cfg));
    size_t small_view = 8 * (small / 16), big_view = 8 * (big / 16); /* 8 B a row of >= 16 */
    size_t decoders = codec_estimate_decoder(cfg->codec, cfg->codec_level, store_max_src(cfg));
    if (cfg->cold_codec != SB_CODEC_NONE)
        decoders += 2 * codec_estimate_decoder(cfg->cold_codec, cfg->cold_level,
                                               store_max_src(cfg)); /* + the partial one's */
    if (store_cold_large_bytes(cfg))
        decoders += codec_estimate_decoder(COLD_LARGE_CODEC, COLD_LARGE_LEVEL, big);
    return (cfg->cache_pages - 1) * (small + small_view) + big + big_view + 2 * big + 3 * small +
           decoders + (64u << 10);
}

/* The cold tier's buffers for a block of raw bytes in codec: the pages' blobs (in), the
 * merged page, the permuted one and the output (sized for the trials' codec too). */
static size_t cold_buffers_for(enum sb_codec codec, size_t raw, size_t in)
{
    size_t permuted = raw + PAGE_PERMUTED_HEADER_BYTES;
    size_t bound = codec_bound(codec, permuted);
    if (bound < codec_bound(COLD_PROBE, permuted))
        bound = codec_bound(COLD_PROBE, permuted);
    return mem_round(in) + 2 * mem_round(permuted) + mem_round(bound);
}

/*
 * RAM the cold tier may use: the buffers of an ordinary or a large block (a large block's
 * pages are each packed 4:1 at least, so their blobs take a quarter of it), the compressor
 * of one kind of block (cold_prepare lets the other's go), its probe's state, and slack for
 * page rounding while it swaps blobs between arenas (a new cold blob is written before the
 * pages it replaces are freed, and freed blobs give back only whole pages).
 */
static size_t cold_reserve_for(const struct sb_config *cfg)
{
    if (cfg->cold_codec == SB_CODEC_NONE)
        return 0;
    size_t large = store_cold_large_bytes(cfg);
    size_t buffers = cold_buffers_for(cfg->cold_codec, cfg->cold_bytes,
                                      codec_bound(cfg->cold_codec, cfg->cold_bytes));
    size_t codec = codec_estimate(cfg->cold_codec, cfg->cold_level, store_max_src(cfg));
    if (large) {
        size_t in = large / COLD_LARGE_RATIO + cfg->page_bytes;
        size_t b = cold_buffers_for(COLD_LARGE_CODEC, large, in);
        size_t c = codec_estimate(COLD_LARGE_CODEC, COLD_LARGE_LEVEL, large);
        buffers = b > buffers ? b : buffers;
        codec = c > codec ? c : codec;
    }
    return buffers + codec +
           codec_estimate(COLD_PROBE, COLD_PROBE_LEVEL, store_max_block(cfg)) + (64u << 10);
}

/*
 * Called by the worker as it installs a compressed page, on the writing side: the RAM that
 * the larger reserves take is made by the eviction that follows (store_enforce_ram), as for
 * any page, so idle time still never moves rows.
 */
void store_note_repetitive(struct sb_store *s)
{
    if (s->large_seen || !store_cold_large_bytes(&s->cfg))
        return;
    s->large_seen = true;
    s->read_reserve = read_reserve_for(&s->cfg);
    s->cold_reserve = cold_reserve_for(&s->cfg);
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

/* An arena of chunk_bytes_for(ram_budget) chunks, populated ahead of its blobs where a chunk
 * is at most 1/64 of the budget (4M and up): the worker then takes no fault per page of what
 * it compresses, about 200 ms less of its CPU in the window's 152 MB flood on a 2-core VM. */
static struct arena *arena_for(uint64_t ram_budget)
{
    size_t chunk = chunk_bytes_for(ram_budget);
    struct arena *a = arena_create(chunk);
    if (a)
        arena_set_populate(a, (uint64_t)chunk * 64 <= ram_budget);
    return a;
}

/* What each page costs in RAM wherever it is: its index entry and (while kept) its summary. */
static size_t page_entry_bytes(const struct sb_config *cfg)
{
    return sizeof(struct entry) + store_summary_bits(cfg->page_bytes) / 8;
}

/* The index's share that is always there: the store itself, its cache slots, 64 pages. */
static size_t index_floor(const struct sb_config *cfg)
{
    return sizeof(struct sb_store) + cfg->cache_pages * sizeof(struct cache_slot) +
           64 * page_entry_bytes(cfg);
}

/* The smallest budget for cfg's parts exactly as they are (no scaling). */
static uint64_t min_ram_as_is(const struct sb_config *cfg)
{
    uint64_t page = cfg->page_bytes, big = mem_round(store_max_block(cfg));
    uint64_t codec = codec_estimate(cfg->codec, cfg->codec_level, store_max_src(cfg));
    uint64_t spill = cfg->disk_budget ? 2 * big + (32u << 10) : 0; /* buffers and the key */
    /* hot page (text + meta mappings + a spare) + sealed queue + the read and cold reserves +
     * one arena chunk per tier + the hot codec + spill state + the index's floor. */
    return 4 * page + MAX_PENDING * page + read_reserve_for(cfg) + cold_reserve_for(cfg) +
           2 * chunk_bytes_for(cfg->ram_budget) + codec + spill + index_floor(cfg);
}

/*
 * Sizes the queue: how many sealed pages may wait for the worker before a push waits for it
 * (pending_max), and how many recycled buffers the hot page keeps. Two pages are part of
 * the fixed parts. When what the budget leaves over them is 32 times what more would hold
 * (eight waiting, and a recycled buffer for each: the spares), eight may wait, which lets the
 * input thread ride out the worker being preempted (on a busy 2-core machine the window's
 * flood ran 8% faster); they are counted in ram_used like every page.
 */
static void size_queue(struct sb_store *s)
{
    _Static_assert(MAX_PENDING_ROOMY <= HOT_SPARES_MAX, "a spare for each page in the queue");
    uint64_t extra = (uint64_t)(2 * MAX_PENDING_ROOMY - MAX_PENDING - 1) * s->cfg.page_bytes;
    uint64_t fixed = min_ram_as_is(&s->cfg);
    bool roomy = s->cfg.ram_budget > fixed && s->cfg.ram_budget - fixed >= 32 * extra;
    s->pending_max = roomy ? MAX_PENDING_ROOMY : MAX_PENDING;
    hot_set_spares(&s->hot, roomy ? MAX_PENDING_ROOMY : 1);
}

/*
 * What the page index may take: 3/4 of what the budget leaves over the store's fixed parts,
 * or a quarter of the budget if that is more (a scaled store's fixed parts take up to 3/4).
 * Half of it is for entries, half for the pages' search summaries.
 */
static uint64_t index_allowance(const struct sb_config *cfg)
{
    uint64_t fixed = min_ram_as_is(cfg);
    uint64_t room = cfg->ram_budget > fixed ? cfg->ram_budget - fixed : 0;
    return room / 4 * 3 > cfg->ram_budget / 4 ? room / 4 * 3 : cfg->ram_budget / 4;
}

/*
 * The most pages the index may grow to. Past it the oldest page goes when a new one is
 * sealed, so a small RAM budget beside a large disk budget stays a RAM budget; below it,
 * pages in RAM spill to make room for the index of those on disk.
 */
static size_t index_cap_for(const struct sb_config *cfg)
{
    size_t cap = 64;
    while (2 * cap * sizeof(struct entry) <= index_allowance(cfg) / 2)
        cap *= 2;
    return cap;
}

/* Half of n, but not below floor: a page size that is not a power of two (127K) halves to
 * an odd size, never to one below the smallest the store takes. */
static uint32_t halved(uint32_t n, uint32_t floor)
{
    return n / 2 > floor ? n / 2 : floor;
}

/* One step down the ladder of sb_config_fit(); false at its foot. */
static bool fit_step(struct sb_config *cfg, unsigned *scaled)
{
    if (store_cold_large_bytes(cfg)) {
        cfg->cold_large_bytes = 0; /* its buffers are a block of 512 KiB each, not 64 KiB */
        *scaled |= SB_SCALED_COLD_LARGE;
    } else if (cfg->cache_pages > 2) {
        cfg->cache_pages = 2;
        *scaled |= SB_SCALED_CACHE;
    } else if (cfg->cold_codec == SB_CODEC_XZ && cfg->cold_level > 1) {
        cfg->cold_level = 1; /* xz -1: a small match finder, still denser than the hot codec */
        *scaled |= SB_SCALED_COLD_LEVEL;
    } else if (cfg->cold_codec != SB_CODEC_NONE) {
        cfg->cold_codec = SB_CODEC_NONE;
        *scaled |= SB_SCALED_COLD_OFF;
    } else if (cfg->page_bytes > 16u << 10) {
        cfg->page_bytes = halved(cfg->page_bytes, 16u << 10);
        *scaled |= SB_SCALED_PAGE;
    } else if (cfg->cache_pages > 1) {
        cfg->cache_pages = 1;
        *scaled |= SB_SCALED_CACHE;
    } else if (cfg->page_bytes > SB_PAGE_BYTES_MIN) {
        cfg->page_bytes = halved(cfg->page_bytes, SB_PAGE_BYTES_MIN);
        *scaled |= SB_SCALED_PAGE;
    } else if (cfg->codec != SB_CODEC_LZ4 && cfg->codec != SB_CODEC_NONE) {
        cfg->codec = SB_CODEC_LZ4; /* a few KiB of state instead of zstd's hundreds */
        cfg->codec_level = sb_codec_default_level(SB_CODEC_LZ4, false);
        *scaled |= SB_SCALED_CODEC;
    } else {
        return false;
    }
    if (cfg->cold_bytes < cfg->page_bytes || cfg->cold_codec == SB_CODEC_NONE)
        cfg->cold_bytes = cfg->page_bytes;
    return true;
}

unsigned sb_config_fit(struct sb_config *cfg)
{
    unsigned scaled = 0;
    if (cfg->page_bytes < SB_PAGE_BYTES_MIN || cfg->page_bytes > SB_PAGE_BYTES_MAX ||
        cfg->cache_pages < 1)
        return 0; /* refused by sb_store_create anyway */
    if (cfg->ram_budget >= min_ram_as_is(cfg))
        return 0; /* the parts as configured fit: they are the user's choice */
    /* Scaled, the fixed parts take at most 3/4 of the budget: the rest is for pages and the
     * index, so that a small budget holds history, not only the machinery. */
    while (cfg->ram_budget - cfg->ram_budget / 4 < min_ram_as_is(cfg) &&
           fit_step(cfg, &scaled))
        ;
    return scaled;
}

uint64_t sb_config_min_ram(const struct sb_config *cfg)
{
    return min_ram_as_is(cfg);
}

uint64_t sb_config_floor_ram(const struct sb_config *cfg)
{
    struct sb_config foot = *cfg;
    unsigned scaled = 0;
    if (foot.page_bytes < SB_PAGE_BYTES_MIN || foot.page_bytes > SB_PAGE_BYTES_MAX ||
        foot.cache_pages < 1)
        return min_ram_as_is(cfg);
    while (fit_step(&foot, &scaled))
        ;
    /* the foot's minimum for a budget as small as itself (arena chunks shrink with it) */
    foot.ram_budget = min_ram_as_is(&foot);
    uint64_t m = min_ram_as_is(&foot);
    return m < min_ram_as_is(cfg) ? m : min_ram_as_is(cfg);
}

size_t sb_scaled_describe(unsigned scaled, const struct sb_config *from,
                          const struct sb_config *to, char *buf, size_t cap)
{
    int n = 0;
    buf[0] = '\0';
    if (scaled & SB_SCALED_PAGE)
        n += snprintf(buf + n, cap - (size_t)n, "%spage_bytes %uK->%uK", n ? ", " : "",
                      from->page_bytes >> 10, to->page_bytes >> 10);
    if ((scaled & SB_SCALED_CACHE) && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "%scache_pages %u->%u", n ? ", " : "",
                      from->cache_pages, to->cache_pages);
    if ((scaled & SB_SCALED_COLD_LARGE) && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "%scold_large_bytes %uK->0", n ? ", " : "",
                      from->cold_large_bytes >> 10);
    if ((scaled & SB_SCALED_COLD_OFF) && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "%scold_codec %s->none", n ? ", " : "",
                      sb_codec_name(from->cold_codec));
    else if ((scaled & SB_SCALED_COLD_LEVEL) && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "%scold_level %d->%d", n ? ", " : "",
                      from->cold_level, to->cold_level);
    if ((scaled & SB_SCALED_CODEC) && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "%scodec %s->%s", n ? ", " : "",
                      sb_codec_name(from->codec), sb_codec_name(to->codec));
    return (size_t)n < cap ? (size_t)n : cap - 1;
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
    else if (cfg->cold_codec != SB_CODEC_NONE && cfg->cold_large_bytes &&
             (cfg->cold_large_bytes < cfg->cold_bytes || cfg->cold_large_bytes > (16u << 20)))
        why = "cold_large_bytes must be 0 or between cold_bytes and 16 MiB";
    else if (cfg->cache_pages < 1 || cfg->cache_pages > 64)
        why = "cache_pages must be between 1 and 64";
    if (why) {
        snprintf(err, errlen, "scrollback: %s", why);
        return SB_ERR_INVAL;
    }
    uint64_t min = min_ram_as_is(cfg);
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
    s->last_push_ns = store_coarse_ns();
    if (!store_cold_large_bytes(cfg))
        s->cfg.cold_large_bytes = 0; /* decided once: the reserves below are made for it */
    /* Until a page of repetitive text comes, no large block is made or read: the reserves
     * for one wait for it (store_note_repetitive), so that a session without such text
     * keeps that RAM for its rows. */
    struct sb_config ordinary = s->cfg;
    ordinary.cold_large_bytes = 0;
    s->read_reserve = read_reserve_for(&ordinary);
    s->cold_reserve = cold_reserve_for(&ordinary);
    s->index_cap_max = index_cap_for(cfg);
    size_queue(s);
    s->summary_bits = store_summary_bits(cfg->page_bytes);
    s->summary_max = index_allowance(cfg) / 2;
    s->hot_arena = arena_for(cfg->ram_budget);
    s->cold_arena = arena_for(cfg->ram_budget);
    s->cache = calloc(cfg->cache_pages, sizeof *s->cache);
    store_account(s, STORE_MEM_INDEX, sizeof *s + cfg->cache_pages * sizeof *s->cache, 0);
    if (!s->spill_dir || !s->hot_arena || !s->cold_arena || !s->cache) {
        snprintf(err, errlen, "scrollback: out of memory");
        return SB_ERR_NOMEM;
    }
    int rc = codec_create(cfg->codec, cfg->codec_level, store_max_src(cfg), &s->work_codec);
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
    return store_create(cfg, NULL, NULL, out, err, errlen);
}

int sb_store_create_io(const struct sb_config *cfg, const struct sb_io *io,
                       struct sb_store **out, char *err, size_t errlen)
{
    return store_create(cfg, io, NULL, out, err, errlen);
}

int store_create(const struct sb_config *cfg, const struct sb_io *io, struct sb_pool *pool,
                 struct sb_store **out, char *err, size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    *out = NULL;
    struct sb_config fitted = *cfg; /* the parts scaled down to the RAM budget, if need be */
    unsigned scaled = sb_config_fit(&fitted);
    int rc = check_config(&fitted, err, errlen);
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
    s->pool = pool;
    s->pub_ram_born = s->pub_disk_born = UINT64_MAX;
    sb_scaled_describe(scaled, cfg, &fitted, s->scaled, sizeof s->scaled);
    rc = store_init(s, &fitted, err, errlen);
    if (rc == 0 && cfg->background) {
        if (pthread_create(&s->worker, NULL, store_worker_main, s) == 0)
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
        store_entry_release(s, store_at(&s->pages, 0));
        pop_front(&s->pages);
    }
    free(s->pages.e);
    memset(&s->pages, 0, sizeof s->pages);
    hot_reset(&s->hot);
    store_cache_free_all(s);
}

void sb_store_destroy(struct sb_store *s)
{
    if (!s)
        return;
    store_pool_leave(s); /* first: the pool must not move this store's pages any more */
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
    codec_destroy(s->cold_large);
    for (int i = 0; i < 4; i++)
        codec_destroy(s->read_codec[i]);
    store_scratch_free(s, &s->work_out);
    store_scratch_free(s, &s->cold_in);
    store_scratch_free(s, &s->cold_raw);
    store_scratch_free(s, &s->cold_perm);
    store_scratch_free(s, &s->cold_out);
    store_scratch_free(s, &s->read_buf);
    store_scratch_free(s, &s->read_perm);
    /* Everything counted went back: a count left over is a buffer that missed store_account. */
    assert(counted(s, STORE_MEM_SEALED) == 0 && counted(s, STORE_MEM_CACHE) == 0 &&
           counted(s, STORE_MEM_WORK) == 0 && counted(s, STORE_MEM_SUMMARY) == 0);
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
    while (s->worker_running && s->sealed_pending >= s->pending_max)
        pthread_cond_wait(&s->cond, &s->lock);
    uint32_t nrows = s->hot.view.nrows;
    if (nrows == 0) /* cleared by another thread while we waited */
        return 0;
    if (s->pages.len == s->pages.cap && s->pages.cap >= s->index_cap_max && s->pages.len > 0)
        drop_front(s); /* the index is as large as the budget allows: the oldest page goes */
    struct entry *e = push_back(s, &s->pages);
    if (!e)
        return SB_ERR_NOMEM;
    /* Its summary is made by the worker with its compression (store_cold.c). */
    e->ends_wrapped = (page_view_flags(&s->hot.view, nrows - 1) & SB_ROW_WRAPPED) != 0;
    e->marks = (uint8_t)page_view_marks(&s->hot.view);
    e->born_ns = store_coarse_ns();
    size_t len, cap;
    uint8_t *raw = hot_seal(&s->hot, &len, &cap);
    e->id = s->next_id++;
    e->first_row = s->next_abs - nrows;
    e->nrows = nrows;
    e->raw_len = (uint32_t)len;
    e->state = ENTRY_SEALED;
    e->u.sealed.raw = raw;
    e->u.sealed.cap = cap;
    store_account(s, STORE_MEM_SEALED, cap, 0); /* the hot page's buffer is the store's now */
    s->sealed_pending++;
    if (s->worker_running)
        pthread_cond_broadcast(&s->cond);
    else
        store_compress_inline(s);
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
        s->last_push_ns = store_coarse_ns();
    } else {
        store_set_error(s, "push: %s", sb_strerror(rc));
    }
    /* Sealed once full, so a page is page_bytes plus at most part of one row. */
    bool sealed = rc == 0 && hot_raw_len(&s->hot) >= s->cfg.page_bytes;
    if (sealed && seal_hot(s) < 0)
        store_set_error(s, "push: %s", sb_strerror(SB_ERR_NOMEM)); /* the row is in; retried later */
    /* RAM grows on this path only by sealing or by the hot page's buffers growing. */
    bool grew = sealed || hot_bytes(&s->hot) != hot_before;
    if (grew) {
        store_enforce_ram(s, true);
        store_publish(s);
    }
    pthread_mutex_unlock(&s->lock);
    if (grew && s->pool)
        store_pool_enforce(s->pool); /* with no lock held: it takes the other stores' */
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
    if (r->nlinks || r->has_command)
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

uint64_t sb_store_rows(struct sb_store *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t n = s->next_abs - s->first_abs;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void sb_store_span(struct sb_store *s, struct sb_span *out)
{
    pthread_mutex_lock(&s->lock);
    *out = (struct sb_span){s->first_abs, s->next_abs, s->taken_back};
    pthread_mutex_unlock(&s->lock);
}

/* ---- Pop, clear, budgets ------------------------------------------------ */

/* Moves the newest page back into the (empty) hot page; false if it was lost. */
static bool reload_newest(struct sb_store *s)
{
    size_t i = s->pages.len - 1;
    struct entry *e = wait_idle(s, store_at(&s->pages, i)->id);
    if (e->state == ENTRY_LOST)
        return false;
    struct cache_slot *c = store_cache_victim(s, e->raw_len);
    int rc = c ? store_inflate_entry(s, e, c->buf) : SB_ERR_NOMEM;
    if (rc == 0)
        rc = hot_load(&s->hot, c->buf, e->raw_len);
    if (rc < 0) {
        store_mark_lost(s, i, "pop: newest page unreadable");
        return false;
    }
    store_entry_release(s, e);
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
    s->taken_back++;
    if (s->hot.view.nrows == 0 && !reload_newest(s)) {
        struct entry *e = store_at(&s->pages, s->pages.len - 1);
        if (--e->nrows == 0)
            s->pages.len--;
        s->next_abs--;
        store_lost_row(out);
        goto out;
    }
    rc = page_view_row(&s->hot.view, s->hot.view.nrows - 1, out);
    if (rc == SB_ERR_CORRUPT) {
        store_lost_row(out);
        rc = 0;
    }
    hot_pop(&s->hot);
    s->next_abs--;
out:
    store_trim_reading(s);
    store_publish(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sb_store_clear(struct sb_store *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->pages.len; i++)
        if (store_at(&s->pages, i)->busy)
            wait_idle(s, store_at(&s->pages, i)->id);
    release_all(s);
    if (s->spill)
        spill_reset(s->spill);
    /* Fresh arenas guarantee every chunk went back to the OS. */
    arena_destroy(s->hot_arena);
    arena_destroy(s->cold_arena);
    s->hot_arena = arena_for(s->cfg.ram_budget);
    s->cold_arena = arena_for(s->cfg.ram_budget);
    store_scratch_free(s, &s->read_buf);
    store_scratch_free(s, &s->read_perm);
    store_scratch_free(s, &s->work_out);
    if (!s->cold_busy) {
        store_scratch_free(s, &s->cold_in);
        store_scratch_free(s, &s->cold_raw);
        store_scratch_free(s, &s->cold_perm);
        store_scratch_free(s, &s->cold_out);
    }
    s->first_abs = s->drop_base = s->next_abs;
    s->rows_lost = 0;
    s->ram_full = false;
    int rc = s->hot_arena && s->cold_arena ? 0 : SB_ERR_NOMEM;
    store_publish(s);
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
    if (ram_budget >= min_ram_as_is(&probe)) { /* the parts stay as they were made */
        s->ram_full = s->ram_full && ram_budget <= s->cfg.ram_budget;
        s->cfg.ram_budget = ram_budget;
        s->cfg.disk_budget = disk_budget;
        s->index_cap_max = index_cap_for(&s->cfg);
        size_queue(s);
        s->summary_max = index_allowance(&s->cfg) / 2;
        store_summary_trim(s);
        if (s->spill)
            spill_set_segment_bytes(s->spill, segment_bytes_for(disk_budget));
        trim_disk(s, 0);
        store_enforce_ram(s, true);
        store_publish(s);
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
            store_compress_inline(s);
    }
    pthread_mutex_unlock(&s->lock);
}

/* ---- Stats ------------------------------------------------------------- */

void sb_store_stats(struct sb_store *s, struct sb_stats *o)
{
    memset(o, 0, sizeof *o);
    pthread_mutex_lock(&s->lock);
    o->ram_budget = s->cfg.ram_budget;
    o->ram_used = store_ram_used(s);
    o->disk_budget = s->cfg.disk_budget;
    o->disk_used = s->spill ? spill_disk_bytes(s->spill) : 0;
    o->rows_retained = s->next_abs - s->first_abs;
    o->rows_dropped = s->first_abs - s->drop_base;
    o->rows_lost = s->rows_lost;
    o->pages_hot = (s->hot.view.nrows > 0) + s->sealed_pending;
    o->pages_hot_max = 1 + s->pending_max;
    o->rows_ram = s->hot.view.nrows;
    for (size_t i = 0; i < s->pages.len; i++) {
        const struct entry *e = store_at(&s->pages, i);
        if (e->state == ENTRY_RAM) {
            o->pages_ram++;
            o->pages_cold += e->in_cold;
            o->pages_cold_large += e->in_cold && e->large;
            o->pages_derived += e->in_cold && e->format == 4;
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
    o->index_bytes = counted(s, STORE_MEM_INDEX);
    o->cache_bytes = counted(s, STORE_MEM_CACHE);
    o->work_bytes = work_bytes(s);
    o->index_pages_max = s->index_cap_max;
    o->summary_bytes = counted(s, STORE_MEM_SUMMARY);
    o->reserve_bytes = s->read_reserve + s->cold_reserve;
    snprintf(o->scaled, sizeof o->scaled, "%s", s->scaled);
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
        ",\"pages_hot\":%" PRIu64 ",\"pages_hot_max\":%" PRIu64 ",\"pages_ram\":%" PRIu64
        ",\"pages_cold\":%" PRIu64 ",\"pages_cold_large\":%" PRIu64
        ",\"pages_derived\":%" PRIu64 ",\"pages_disk\":%" PRIu64
        ",\"raw_bytes_in\":%" PRIu64
        ",\"raw_bytes_stored\":%" PRIu64 ",\"compressed_bytes\":%" PRIu64
        ",\"index_bytes\":%" PRIu64 ",\"cache_bytes\":%" PRIu64 ",\"work_bytes\":%" PRIu64
        ",\"pages_permuted\":%" PRIu64 ",\"index_pages_max\":%" PRIu64
        ",\"summary_bytes\":%" PRIu64 ",\"reserve_bytes\":%" PRIu64 ",\"scaled\":\"",
        st->ram_budget, st->ram_used, st->disk_budget, st->disk_used, st->rows_retained,
        st->rows_dropped, st->rows_lost, st->rows_ram, st->rows_disk, st->pages_hot,
        st->pages_hot_max, st->pages_ram, st->pages_cold, st->pages_cold_large, st->pages_derived,
        st->pages_disk,
        st->raw_bytes_in, st->raw_bytes_stored,
        st->compressed_bytes, st->index_bytes, st->cache_bytes, st->work_bytes,
        st->pages_permuted, st->index_pages_max, st->summary_bytes, st->reserve_bytes);
    size_t len = n < 0 ? 0 : (size_t)n;
    len = json_escape(buf, cap, len, st->scaled);
    const char *mid = "\",\"last_error\":\"";
    for (const char *p = mid; *p; p++, len++)
        if (len + 1 < cap)
            buf[len] = *p;
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
    case SB_ERR_RANGE: return "row not retained";
    case SB_ERR_BUDGET: return "budget too small";
    case SB_ERR_IO: return "spill file I/O error";
    case SB_ERR_CORRUPT: return "corrupt or unauthenticated data";
    case SB_ERR_NOSPC: return "no space left on the spill filesystem";
    case SB_ERR_CODEC: return "compression failed";
    default: return "unknown error";
    }
}

