/* Reading rows back and the read cache (store_internal.h): a page decompressed whole into a
 * cache slot, or a cold page decompressed only as far as the row asked for. */
#include "store_internal.h"

/* ---- The read cache ---------------------------------------------------- */

static void slot_free(struct sb_store *s, struct cache_slot *c)
{
    store_unmap(s, STORE_MEM_CACHE, c->buf, c->cap);
    store_account(s, STORE_MEM_CACHE, 0, page_view_bytes(&c->view));
    page_view_fini(&c->view);
    memset(c, 0, sizeof *c);
}

/* Frees the partly decompressed page and its decoder. */
static void partial_free(struct sb_store *s)
{
    store_scratch_free(s, &s->part.blob);
    store_scratch_free(s, &s->part.raw);
    codec_destroy(s->part.codec);
    memset(&s->part, 0, sizeof s->part);
}

void store_cache_forget(struct sb_store *s, uint64_t page_id)
{
    if (s->part.page_id == page_id)
        s->part.live = false;
    for (uint32_t i = 0; i < s->cfg.cache_pages; i++)
        if (s->cache[i].valid && s->cache[i].page_id == page_id)
            s->cache[i].valid = false;
}

void store_cache_free_all(struct sb_store *s)
{
    partial_free(s);
    for (uint32_t i = 0; i < s->cfg.cache_pages; i++)
        slot_free(s, &s->cache[i]);
}

void store_cache_free_empty(struct sb_store *s)
{
    for (uint32_t i = 0; i < s->cfg.cache_pages; i++)
        if (!s->cache[i].valid && s->cache[i].buf)
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

/*
 * The slot a page of len bytes goes to, emptied and with room: the least recently used, but
 * a large cold block takes the place of the one the cache may already hold, so that at most
 * one slot is ever that big (the read reserve counts one). NULL when out of memory.
 */
struct cache_slot *store_cache_victim(struct sb_store *s, size_t len)
{
    size_t ordinary = mem_round(store_max_src(&s->cfg));
    struct cache_slot *v = &s->cache[0];
    for (uint32_t i = 1; i < s->cfg.cache_pages && v->valid; i++)
        if (!s->cache[i].valid || s->cache[i].tick < v->tick)
            v = &s->cache[i];
    for (uint32_t i = 0; i < s->cfg.cache_pages && mem_round(len) > ordinary; i++)
        if (s->cache[i].cap > ordinary)
            v = &s->cache[i];
    v->valid = false;
    /* An oversize buffer is never kept for an ordinary page (the Ghostty lesson). */
    size_t want = mem_round(len);
    if (v->cap < want || v->cap > 2 * want) {
        store_unmap(s, STORE_MEM_CACHE, v->buf, v->cap);
        v->buf = store_map(s, STORE_MEM_CACHE, want);
        v->cap = v->buf ? want : 0;
        if (!v->buf)
            return NULL;
    }
    return v;
}

/* ---- Reading ----------------------------------------------------------- */

/* Reads a spilled page's blob into read_buf; 0 or the error (the page is then lost). */
static int read_disk_blob(struct sb_store *s, struct entry *e)
{
    char why[160];
    if (store_scratch_reserve(s, &s->read_buf, e->blob_len) < 0)
        return SB_ERR_NOMEM;
    int rc = spill_read(s->spill, e->id, &e->u.loc, s->read_buf.p, why, sizeof why);
    if (rc < 0)
        store_set_error(s, "%s", why);
    return rc;
}

/* Bytes of entry e's cold page (format 2, 3 or 4) as its blob decompresses. */
static size_t cold_page_len(const struct entry *e)
{
    return e->stored_len ? e->stored_len
                         : (size_t)e->raw_len + PAGE_PERMUTED_HEADER_BYTES - PAGE_HEADER_BYTES;
}

/* Whether entry e is a cold page that can be read part way (format 2 or 4, xz). */
static bool partial_fits(const struct entry *e)
{
    return e->period > 0 && e->format != 3 && e->codec == SB_CODEC_XZ && !e->busy &&
           (e->state == ENTRY_RAM || e->state == ENTRY_DISK);
}

/* Starts decompressing entry e part way: copies its blob (read from disk if spilled). */
static int partial_begin(struct sb_store *s, struct entry *e)
{
    struct partial *p = &s->part;
    p->live = false;
    size_t len = cold_page_len(e);
    if ((!p->codec && codec_create(SB_CODEC_XZ, 1, store_max_src(&s->cfg), &p->codec) < 0) ||
        store_scratch_reserve(s, &p->raw, len) < 0 || store_scratch_reserve(s, &p->blob, e->blob_len) < 0)
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
int store_inflate_entry(struct sb_store *s, struct entry *e, uint8_t *dst)
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
    if (!*c && codec_create(e->codec, 1, store_max_src(&s->cfg), c) < 0)
        return SB_ERR_NOMEM;
    if (e->period == 0)
        return codec_decompress(*c, src, e->blob_len, dst, e->raw_len);
    /* A cold page (format 2 or 3): decompress it aside, then put its rows back in order. */
    size_t permuted = cold_page_len(e), n;
    if (s->part.live && s->part.page_id == e->id && partial_until(s, permuted) == 0) {
        s->part.live = false; /* reads went part way; finish from there */
        int rc = page_unpermute(s->part.raw.p, permuted, dst, e->raw_len, &n);
        return rc == 0 && n != e->raw_len ? SB_ERR_CORRUPT : rc;
    }
    if (store_scratch_reserve(s, &s->read_perm, permuted) < 0)
        return SB_ERR_NOMEM;
    int rc = codec_decompress(*c, src, e->blob_len, s->read_perm.p, permuted);
    if (rc == 0 && e->format == 3)
        rc = page_unpack(s->read_perm.p, permuted, dst, e->raw_len, &n);
    else if (rc == 0)
        rc = page_unpermute(s->read_perm.p, permuted, dst, e->raw_len, &n);
    return rc == 0 && n != e->raw_len ? SB_ERR_CORRUPT : rc;
}

/*
 * A view of entry i's rows through the cache. NULL when the page is lost
 * (it is marked lost here if it just failed to read).
 */
static const struct page_view *entry_view(struct sb_store *s, size_t i)
{
    struct entry *e = store_at(&s->pages, i);
    if (e->state == ENTRY_LOST)
        return NULL;
    struct cache_slot *c = cache_find(s, e->id);
    if (c)
        return &c->view;
    c = store_cache_victim(s, e->raw_len);
    int rc = c ? store_inflate_entry(s, e, c->buf) : SB_ERR_NOMEM;
    if (rc == 0) {
        size_t before = page_view_bytes(&c->view);
        rc = page_view_parse(&c->view, c->buf, e->raw_len);
        store_account(s, STORE_MEM_CACHE, page_view_bytes(&c->view), before); /* page.c's */
    }
    if (rc == SB_ERR_NOMEM) {
        store_set_error(s, "read: out of memory");
        return NULL;
    }
    if (rc < 0 && e->busy)
        return NULL;
    if (rc < 0) {
        char why[512];
        snprintf(why, sizeof why, "page of rows %" PRIu64 "..%" PRIu64 " unreadable: %s",
                 e->first_row, e->first_row + e->nrows - 1,
                 s->last_error[0] && e->state == ENTRY_DISK ? s->last_error : sb_strerror(rc));
        store_mark_lost(s, i, why);
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
    size_t i = store_find_row(&s->pages, abs);
    *row = (uint32_t)(abs - store_at(&s->pages, i)->first_row);
    const struct page_view *v = entry_view(s, i);
    return v;
}

void store_lost_row(struct sb_row *out)
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
    struct entry *e = store_at(&s->pages, i);
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
    uint8_t derived[DERIVE_TEXT_MAX];
    const uint8_t *text;
    size_t len;
    *rc = page_permuted_text(p->raw.p, &r, derived, &text, &len);
    if (*rc == 0)
        *rc = rowcodec_decode(p->raw.p + r.meta_off, r.meta_len, text, len, out);
    if (*rc == SB_ERR_CORRUPT) {
        store_lost_row(out);
        *rc = 0;
    }
    return true;
}

int sb_store_read_row(struct sb_store *s, uint64_t abs, struct sb_row *out)
{
    pthread_mutex_lock(&s->lock);
    int rc = SB_ERR_RANGE;
    if (abs >= s->first_abs && abs < s->next_abs) {
        uint32_t row;
        if (abs < s->next_abs - s->hot.view.nrows) {
            size_t i = store_find_row(&s->pages, abs);
            row = (uint32_t)(abs - store_at(&s->pages, i)->first_row);
            if (partial_read(s, i, row, out, &rc))
                goto out;
        }
        const struct page_view *v = locate(s, abs, &row);
        rc = 0;
        if (!v)
            store_lost_row(out);
        else if ((rc = page_view_row(v, row, out)) == SB_ERR_CORRUPT) {
            store_lost_row(out);
            rc = 0;
        }
    }
out:
    store_trim_reading(s);
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
        size_t i = store_find_row(&s->pages, *abs);
        page_end = store_at(&s->pages, i)->first_row + store_at(&s->pages, i)->nrows;
    }
    for (; *abs < end && *abs < page_end; (*abs)++, r++) {
        int rc;
        if (!v) {
            store_lost_row(tmp);
            rc = rows ? rfn(user, *abs, tmp) : tfn(user, *abs, "", 0, SB_ROW_LOST);
        } else if (rows) {
            if (page_view_row(v, r, tmp) < 0)
                store_lost_row(tmp);
            rc = rfn(user, *abs, tmp);
        } else {
            const uint8_t *text;
            size_t len;
            page_view_text(v, r, &text, &len);
            rc = tfn(user, *abs, (const char *)text, len, page_view_flags(v, r));
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* What a probing visit passes over: pages whose summaries rule out all of a needle. */
struct probe {
    uint32_t tri[STORE_PROBE_MAX];
    size_t n;
    uint64_t skipped; /* rows passed over */
};

/*
 * Passes over the page holding row *abs when the probe rules it out; true when it did. A page
 * whose first or last line runs across a page boundary is always read: its summary has no
 * trigram that spans the boundary.
 */
static bool probe_skip(struct sb_store *s, struct probe *p, uint64_t *abs, uint64_t end)
{
    if (!p || p->n == 0 || *abs >= s->next_abs - s->hot.view.nrows)
        return false;
    size_t i = store_find_row(&s->pages, *abs);
    const struct entry *e = store_at(&s->pages, i);
    if (e->ends_wrapped || (i > 0 && store_at(&s->pages, i - 1)->ends_wrapped) ||
        store_summary_may_hold(s, e, p->tri, p->n))
        return false;
    uint64_t page_end = e->first_row + e->nrows;
    page_end = page_end < end ? page_end : end;
    p->skipped += page_end - *abs;
    *abs = page_end;
    return true;
}

static int visit(struct sb_store *s, uint64_t first, uint64_t count, bool rows, sb_text_fn tfn,
                 sb_row_fn rfn, void *user, struct probe *probe)
{
    struct sb_row tmp;
    sb_row_init(&tmp);
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    uint64_t abs = first, want_end = count > UINT64_MAX - first ? UINT64_MAX : first + count;
    for (;;) {
        /* Rows may be dropped between pages while the lock is free. */
        if (abs < s->first_abs)
            abs = s->first_abs;
        uint64_t end = want_end < s->next_abs ? want_end : s->next_abs;
        if (abs >= end || rc)
            break;
        if (probe_skip(s, probe, &abs, end))
            continue;
        rc = visit_page(s, &abs, end, rows, tfn, rfn, user, &tmp);
        store_trim_reading(s);
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
    return visit(s, first, count, false, fn, NULL, user, NULL);
}

int sb_store_visit_text_probe(struct sb_store *s, uint64_t first, uint64_t count,
                              const char *needle, size_t needle_len, sb_text_fn fn, void *user,
                              uint64_t *skipped)
{
    struct probe p = {.n = store_probe_make(needle, needle_len, p.tri, STORE_PROBE_MAX)};
    int rc = visit(s, first, count, false, fn, NULL, user, &p);
    if (skipped)
        *skipped = p.skipped;
    return rc;
}

/* The marked row of v nearest to the far end of rows [lo, hi) (first_row's numbering). */
static bool find_in_view(const struct page_view *v, uint64_t first_row, uint64_t lo, uint64_t hi,
                         bool back, uint32_t mask, uint64_t *found)
{
    for (uint64_t k = 0; k < hi - lo; k++) {
        uint64_t n = back ? hi - 1 - k : lo + k;
        if (page_view_flags(v, (uint32_t)(n - first_row)) & mask) {
            *found = n;
            return true;
        }
    }
    return false;
}

/* Searches the pages of rows [lo, hi), nearest the far end first, reading only pages with mask. */
static bool find_in_pages(struct sb_store *s, uint64_t lo, uint64_t hi, bool back, uint32_t mask,
                          uint64_t *found)
{
    if (lo >= hi)
        return false;
    size_t i = store_find_row(&s->pages, back ? hi - 1 : lo);
    for (; i < s->pages.len; i = back ? i - 1 : i + 1) {
        const struct entry *e = store_at(&s->pages, i);
        uint64_t a = e->first_row > lo ? e->first_row : lo;
        uint64_t b = e->first_row + e->nrows < hi ? e->first_row + e->nrows : hi;
        if (a >= b)
            break;
        const struct page_view *v = (e->marks & mask) ? entry_view(s, i) : NULL;
        if (v && find_in_view(v, e->first_row, a, b, back, mask, found))
            return true;
        if (i == 0 && back)
            break;
    }
    return false;
}

int sb_store_find_mark(struct sb_store *s, uint64_t from, bool back, uint32_t mask,
                       uint64_t *found)
{
    mask &= SB_ROW_MARKS;
    pthread_mutex_lock(&s->lock);
    uint64_t hot_first = s->next_abs - s->hot.view.nrows;
    uint64_t lo = back ? s->first_abs : (from + 1 > s->first_abs ? from + 1 : s->first_abs);
    uint64_t hi = back ? (from < s->next_abs ? from : s->next_abs) : s->next_abs;
    uint64_t split = hot_first > lo ? (hot_first < hi ? hot_first : hi) : lo;
    bool ok = mask != 0 && lo < hi;
    if (ok && back)
        ok = find_in_view(&s->hot.view, hot_first, split, hi, true, mask, found) ||
             find_in_pages(s, lo, split, true, mask, found);
    else if (ok)
        ok = find_in_pages(s, lo, split, false, mask, found) ||
             find_in_view(&s->hot.view, hot_first, split, hi, false, mask, found);
    store_trim_reading(s);
    pthread_mutex_unlock(&s->lock);
    return ok ? 0 : SB_ERR_RANGE;
}

size_t sb_store_mark_pages(struct sb_store *s, uint32_t mask, uint64_t *rows, size_t cap)
{
    size_t n = 0;
    mask &= SB_ROW_MARKS;
    pthread_mutex_lock(&s->lock);
    if (cap > 0 && (page_view_marks(&s->hot.view) & mask))
        rows[n++] = s->next_abs - s->hot.view.nrows;
    for (size_t i = s->pages.len; i-- > 0 && n < cap;) {
        const struct entry *e = store_at(&s->pages, i);
        if ((e->marks & mask) && e->state != ENTRY_LOST)
            rows[n++] = e->first_row > s->first_abs ? e->first_row : s->first_abs;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

int sb_store_visit_rows(struct sb_store *s, uint64_t first, uint64_t count, sb_row_fn fn,
                        void *user)
{
    return visit(s, first, count, true, NULL, fn, user, NULL);
}
