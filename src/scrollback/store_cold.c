/* Compression (store_internal.h): the worker thread, the jobs of sealed pages, and the cold
 * tier that merges pages into larger blocks of a denser codec when the store is idle. */
#include "store_internal.h"

/* ---- Compression (the worker's jobs) ----------------------------------- */

/* Whether the hot codec packed page e COLD_LARGE_RATIO:1 or better: repetitive text. */
static bool repetitive(const struct sb_store *s, const struct entry *e)
{
    return store_cold_large_bytes(&s->cfg) &&
           (uint64_t)e->blob_len * COLD_LARGE_RATIO <= e->raw_len;
}

/*
 * Installs a compressed blob for sealed entry id and returns the entry, or marks it lost on
 * failure and returns NULL.
 */
static struct entry *install_blob(struct sb_store *s, uint64_t id, int rc, size_t clen)
{
    size_t i = store_find_id(&s->pages, id);
    struct entry *e = store_at(&s->pages, i);
    uint8_t *blob = rc == 0 ? arena_alloc(s->hot_arena, clen) : NULL;
    e->busy = 0;
    if (!blob) {
        store_mark_lost(s, i, rc == 0 ? "out of memory for a compressed page" : sb_strerror(rc));
        return NULL;
    }
    memcpy(blob, s->work_out.p, clen);
    hot_recycle(&s->hot, e->u.sealed.raw, e->u.sealed.cap);
    store_account(s, STORE_MEM_SEALED, 0, e->u.sealed.cap); /* back to the hot page */
    s->sealed_pending--;
    e->state = ENTRY_RAM;
    e->codec = (uint8_t)s->cfg.codec;
    e->u.blob = blob;
    e->blob_len = (uint32_t)clen;
    s->cold_candidates = true;
    if (repetitive(s, e))
        store_note_repetitive(s);
    return e;
}

/* The oldest sealed entry not being compressed, or NULL. */
static struct entry *next_sealed(struct sb_store *s)
{
    size_t i = s->pages.len;
    while (i > 0 && store_at(&s->pages, i - 1)->state == ENTRY_SEALED)
        i--;
    for (; i < s->pages.len; i++)
        if (!store_at(&s->pages, i)->busy)
            return store_at(&s->pages, i);
    return NULL;
}

/*
 * Compresses one sealed page off the input thread; the lock is released meanwhile. Its
 * summary is made later, when the store has time, unless pages already leave RAM for room:
 * then it is made now, from the text at hand (store_summary_defer).
 */
static void compress_one(struct sb_store *s, struct entry *e, bool unlock)
{
    uint64_t id = e->id;
    const uint8_t *raw = e->u.sealed.raw;
    size_t len = e->raw_len;
    uint32_t bits = s->ram_full ? s->summary_bits : 0;
    if (store_scratch_reserve(s, &s->work_out, codec_bound(s->cfg.codec, len)) < 0) {
        store_mark_lost(s, store_find_id(&s->pages, id), "out of memory for compression");
        return;
    }
    e->busy = 1;
    if (unlock)
        pthread_mutex_unlock(&s->lock);
    size_t clen = 0;
    int rc = codec_compress(s->work_codec, raw, len, s->work_out.p, s->work_out.cap, &clen);
    uint8_t log2 = 0;
    uint8_t *summary = rc == 0 && bits ? store_summary_make(bits, raw, len, &log2) : NULL;
    if (unlock)
        pthread_mutex_lock(&s->lock);
    e = install_blob(s, id, rc, clen);
    if (e && bits)
        store_summary_attach(s, e, summary, log2);
    else if (e)
        store_summary_defer(s, e);
    else
        free(summary);
    pthread_cond_broadcast(&s->cond);
}

void store_compress_inline(struct sb_store *s)
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
    uint32_t period;              /* the merged page's rows regrouped by it (format 2 or 3) */
    size_t stored_len;            /* of the page to compress, in format */
    uint8_t format;               /* 2, 3 (packed, large blocks) or 4 (derived rows) */
    bool large;                   /* repetitive pages, for a large block (COLD_LARGE_CODEC) */
    uint32_t summary_bits;        /* the merged block's summary: as many bits as its pages' */
};

/* The bits of a merged block's summary: its pages' together, a power of two. */
static uint32_t merged_summary_bits(uint32_t sum)
{
    uint32_t bits = 1;
    while (bits < sum && bits < SUMMARY_BLOCK_MAX_BITS)
        bits *= 2;
    return bits;
}

/*
 * Picks the oldest run of RAM pages not yet cold, all repetitive or all not (a large block
 * or an ordinary one), and copies their blobs; false if none.
 */
static bool cold_pick(struct sb_store *s, struct cold_job *job)
{
    size_t i = 0;
    while (i < s->pages.len && (store_at(&s->pages, i)->state != ENTRY_RAM || store_at(&s->pages, i)->cold))
        if (store_at(&s->pages, i++)->state == ENTRY_SEALED)
            return false;
    memset(job, 0, sizeof *job);
    for (; i < s->pages.len && job->count < 64; i++) {
        struct entry *e = store_at(&s->pages, i);
        bool large = s->large_seen && repetitive(s, e);
        if (job->count == 0)
            job->large = large;
        uint32_t limit = job->large ? store_cold_large_bytes(&s->cfg) : s->cfg.cold_bytes;
        if (e->state != ENTRY_RAM || e->cold || e->busy ||
            (job->count && (job->raw_total + e->raw_len > limit || large != job->large)))
            break;
        /* The blobs copied so far stay: a job of several pages grows the buffer as it goes. */
        if (store_scratch_extend(s, &s->cold_in, job->blob_total + e->blob_len,
                                 job->blob_total) < 0)
            break;
        memcpy(s->cold_in.p + job->blob_total, e->u.blob, e->blob_len);
        job->ids[job->count] = e->id;
        job->raw_len[job->count] = e->raw_len;
        job->blob_len[job->count] = e->blob_len;
        job->raw_total += e->raw_len;
        job->blob_total += e->blob_len;
        job->summary_bits += e->summary ? 1u << e->summary_log2 : s->summary_bits;
        job->count++;
    }
    job->first_id = job->ids[0];
    job->summary_bits = s->summary_bits ? merged_summary_bits(job->summary_bits) : 0;
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
    page_put_header(s->cold_raw.p, nrows, text, meta);
    job->merged_len = PAGE_HEADER_BYTES + text + meta;
    return 0;
corrupt:
    page_view_fini(&v);
    return SB_ERR_CORRUPT;
}

/*
 * Picks the period that packs the merged page smallest by a fast trial
 * (cold_probe: zstd 1, ~0.2 ms per 64 KiB against ~12 ms for xz 6) and leaves
 * the page to compress, with that period, in cold_perm: a large block packed (format 3), an
 * ordinary one with its derived rows left out (format 4), else format 2. 0 or error.
 */
static int cold_permute(struct sb_store *s, struct cold_job *job)
{
    struct page_view v;
    page_view_init(&v);
    int rc = page_view_parse(&v, s->cold_raw.p, job->merged_len);
    if (rc == 0)
        rc = page_choose_period(&v, s->cold_probe, s->cold_perm.p, s->cold_out.p,
                                s->cold_out.cap, &job->period);
    if (rc == 0) {
        /* A large block is read whole: it can be packed, which needs no lengths. */
        job->format = job->large ? 3 : 4;
        job->stored_len = job->large ? page_pack(&v, job->period, s->cold_perm.p)
                                     : page_derive(&v, job->period, s->cold_perm.p);
    }
    if (rc == 0 && !job->stored_len) { /* it cannot be packed, or nothing derives */
        job->format = 2;
        job->stored_len = page_permute(&v, job->period, s->cold_perm.p);
    }
    page_view_fini(&v);
    return rc;
}

/* Whether the job's pages are all still there, from index i on, as the job found them. */
static bool job_still_valid(struct sb_store *s, const struct cold_job *job, size_t i)
{
    if (i == SIZE_MAX || i + job->count > s->pages.len)
        return false;
    for (size_t k = 0; k < job->count; k++) {
        struct entry *e = store_at(&s->pages, i + k);
        if (e->id != job->ids[k] || e->state != ENTRY_RAM || e->cold)
            return false; /* evicted, popped or cleared meanwhile: the work is void */
    }
    return true;
}

/*
 * Swaps the job's pages for one cold page, if they are all still there. A block of one page
 * keeps its summary; a merged block takes summary, made from its text by cold_step (an OR
 * of its pages' filters would be as small as one of them and fill up).
 */
static void cold_install(struct sb_store *s, struct cold_job *job, int rc, size_t clen,
                         uint8_t *summary, uint8_t summary_log2)
{
    size_t i = store_find_id(&s->pages, job->first_id);
    uint8_t *blob = NULL;
    if (!job_still_valid(s, job, i)) {
        free(summary);
        return;
    }
    if (rc == 0 && clen < job->blob_total)
        blob = arena_alloc(s->cold_arena, clen);
    if (!blob) { /* not worth it (or failed): leave them, never try again */
        free(summary);
        for (size_t k = 0; k < job->count; k++)
            store_at(&s->pages, i + k)->cold = 1;
        return;
    }
    memcpy(blob, s->cold_out.p, clen);
    bool one_page = job->count == 1;
    struct entry merged = *store_at(&s->pages, i);
    if (one_page)
        store_at(&s->pages, i)->summary = NULL; /* the block's now */
    else
        merged.summary = NULL; /* the pages' go with them; the block's is attached below */
    if (!one_page)
        merged.summary_due = 0; /* made from the block's text */
    merged.nrows = 0;
    for (size_t k = 0; k < job->count; k++) {
        struct entry *e = store_at(&s->pages, i + k);
        merged.nrows += e->nrows;
        merged.ends_wrapped = e->ends_wrapped;
        merged.marks |= e->marks;
        store_entry_release(s, e);
    }
    merged.raw_len = (uint32_t)job->merged_len;
    merged.blob_len = (uint32_t)clen;
    merged.codec = (uint8_t)(job->large ? COLD_LARGE_CODEC : s->cfg.cold_codec);
    merged.large = job->large;
    merged.cold = 1;
    merged.in_cold = 1;
    merged.period = (uint8_t)job->period;
    merged.format = job->format;
    merged.stored_len = job->format == 2 ? 0 : (uint32_t)job->stored_len;
    merged.u.blob = blob;
    *store_at(&s->pages, i) = merged;
    store_remove_after(&s->pages, i, job->count);
    if (one_page)
        store_summary_fit(s, store_at(&s->pages, i));
    else
        store_summary_attach(s, store_at(&s->pages, i), summary, summary_log2);
}

/* Makes the cold tier's context and buffers ready for a job (the lock is held). */
static int cold_prepare(struct sb_store *s, const struct cold_job *job)
{
    int rc = 0;
    enum sb_codec kind = job->large ? COLD_LARGE_CODEC : s->cfg.cold_codec;
    /* One kind of compressor at a time: the cold reserve counts the larger, not both. */
    if (job->large && s->cold_codec)
        codec_idle(s->cold_codec);
    else if (!job->large && s->cold_large)
        codec_idle(s->cold_large);
    if (job->large && !s->cold_large)
        rc = codec_create(COLD_LARGE_CODEC, COLD_LARGE_LEVEL, store_cold_large_bytes(&s->cfg),
                          &s->cold_large);
    else if (!job->large && !s->cold_codec)
        rc = codec_create(s->cfg.cold_codec, s->cfg.cold_level, store_max_src(&s->cfg),
                          &s->cold_codec);
    if (rc == 0 && !s->cold_probe)
        rc = codec_create(COLD_PROBE, COLD_PROBE_LEVEL, store_max_block(&s->cfg), &s->cold_probe);
    size_t permuted = job->raw_total + PAGE_PERMUTED_HEADER_BYTES;
    size_t bound = codec_bound(kind, permuted);
    size_t probe_bound = codec_bound(COLD_PROBE, permuted);
    if (bound < probe_bound)
        bound = probe_bound;
    /* cold_out holds the decompressed pages, then trial and final results. */
    if (rc == 0 && (store_scratch_reserve(s, &s->cold_raw, job->raw_total) < 0 ||
                    store_scratch_reserve(s, &s->cold_perm, permuted) < 0 ||
                    store_scratch_reserve(s, &s->cold_out, bound) < 0))
        rc = SB_ERR_NOMEM;
    return rc;
}

/*
 * Done for now, and nothing was pushed for cold_delay_ms: the codecs' state, the worker's
 * buffers, the index's spare room and the arenas' pages populated ahead go back until the
 * next batch (the cold encoders' megabytes, the hot page's zstd context, up to 64 KiB an
 * arena: some 700 KiB an idle store need not hold).
 */
static void cold_rest(struct sb_store *s)
{
    s->cold_candidates = false;
    if (s->cold_codec)
        codec_idle(s->cold_codec);
    if (s->cold_probe)
        codec_idle(s->cold_probe);
    if (s->cold_large)
        codec_idle(s->cold_large);
    if (s->sealed_pending == 0) { /* else the worker may be compressing, unlocked */
        codec_idle(s->work_codec);
        store_scratch_free(s, &s->work_out);
    }
    store_index_fit(s);
    hot_drop_spares(&s->hot); /* a page of buffer kept for floods */
    arena_rest(s->hot_arena); /* and the arenas' pages populated ahead of their blobs */
    arena_rest(s->cold_arena);
    store_scratch_free(s, &s->cold_in);
    store_scratch_free(s, &s->cold_raw);
    store_scratch_free(s, &s->cold_perm);
    store_scratch_free(s, &s->cold_out);
    store_cache_free_empty(s); /* and what the summaries' catch-up used */
    for (int i = 0; i < 4; i++)
        if (s->read_codec[i])
            codec_idle(s->read_codec[i]);
}

/* Runs one cold job; false when there was nothing to do. */
static bool cold_step(struct sb_store *s, bool unlock)
{
    struct cold_job job;
    if (s->cold_busy)
        return false;
    if (s->cfg.cold_codec == SB_CODEC_NONE || !cold_pick(s, &job)) {
        cold_rest(s);
        return false;
    }
    s->cold_busy = true;
    int rc = cold_prepare(s, &job);
    if (unlock)
        pthread_mutex_unlock(&s->lock);
    if (rc == 0)
        rc = cold_merge(s, &job);
    uint8_t *summary = NULL, summary_log2 = 0;
    if (rc == 0 && job.count > 1) /* a merged block's summary: from its text (cold_install) */
        summary = store_summary_make(job.summary_bits, s->cold_raw.p, job.merged_len,
                                     &summary_log2);
    if (rc == 0)
        rc = cold_permute(s, &job);
    size_t clen = 0;
    if (rc == 0)
        rc = codec_compress(job.large ? s->cold_large : s->cold_codec, s->cold_perm.p,
                            job.stored_len, s->cold_out.p, s->cold_out.cap, &clen);
    if (unlock)
        pthread_mutex_lock(&s->lock);
    cold_install(s, &job, rc, clen, summary, summary_log2);
    s->cold_busy = false;
    pthread_cond_broadcast(&s->cond);
    /*
     * The hard bound only: the cold tier works inside the reserve that pushes leave free,
     * so idle time never moves (or, without a disk, drops) rows to make room for itself.
     */
    while (store_ram_used(s) > s->cfg.ram_budget && store_evict_one(s, false))
        ;
    store_publish(s);
    return true;
}

/* ---- The worker thread ------------------------------------------------- */

/* store_coarse_ns() lags the real time by up to a tick: a wait for it to pass a time adds this */
#define COARSE_SLACK_NS 5000000u
/* The pause in pushes after which due summaries are made: a flood has none this long, and a
 * search typed after one finds them made (some 80 us a 64 KiB page). */
#define SUMMARY_DELAY_NS 250000000u

void *store_worker_main(void *arg)
{
    struct sb_store *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct entry *e = next_sealed(s);
        if (e) {
            compress_one(s, e, true);
            store_enforce_ram(s, false);
            store_publish(s); /* a page compressed: the pool sees it shrink */
            continue;
        }
        if (!s->cold_candidates && !s->summaries_due) { /* a seal, a compressed page or
                                                          * the end wakes it */
            pthread_cond_wait(&s->cond, &s->lock);
            continue;
        }
        /* Once pushes pause: the summaries a search may want soon, then the cold tier. */
        uint64_t idle = store_coarse_ns() - s->last_push_ns;
        uint64_t cold_delay = (uint64_t)s->cfg.cold_delay_ms * 1000000u, delay = cold_delay;
        if (s->summaries_due && SUMMARY_DELAY_NS < delay)
            delay = SUMMARY_DELAY_NS;
        if (idle >= delay) {
            if (!store_summary_step(s) && idle >= cold_delay)
                cold_step(s, true);
            continue;
        }
        /* until pushes will have paused that long (a push meanwhile: it waits again) */
        uint64_t wait = delay - idle + COARSE_SLACK_NS;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(wait / 1000000000u);
        ts.tv_nsec += (long)(wait % 1000000000u);
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

void sb_store_summarize(struct sb_store *s)
{
    sb_store_settle(s);
    pthread_mutex_lock(&s->lock);
    while (store_summary_step(s))
        ;
    pthread_mutex_unlock(&s->lock);
}

int sb_store_compact(struct sb_store *s)
{
    sb_store_summarize(s);
    pthread_mutex_lock(&s->lock);
    /* The worker may run cold jobs too; the result of a raced one is simply void. */
    while (s->cold_busy)
        pthread_cond_wait(&s->cond, &s->lock);
    while (cold_step(s, false))
        ;
    pthread_mutex_unlock(&s->lock);
    return 0;
}
