/*
 * Pages: the raw page format, page views over it and the hot page builder.
 * Layout and framing are described in page.h.
 */
#include "page.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "codec.h"
#include "rowcodec.h"

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Writes the fields every page format's header starts with. */
static void put_fields(uint8_t *dst, uint32_t magic, uint32_t nrows, size_t text_len,
                       size_t meta_len)
{
    put_u32(dst, magic);
    put_u32(dst + 4, nrows);
    put_u32(dst + 8, (uint32_t)text_len);
    put_u32(dst + 12, (uint32_t)meta_len);
}

void page_put_header(uint8_t *dst, uint32_t nrows, size_t text_len, size_t meta_len)
{
    put_fields(dst, PAGE_MAGIC, nrows, text_len, meta_len);
}

void page_view_init(struct page_view *v)
{
    memset(v, 0, sizeof *v);
}

void page_view_fini(struct page_view *v)
{
    free(v->text_off);
    free(v->meta_off);
    page_view_init(v);
}

size_t page_view_bytes(const struct page_view *v)
{
    return (size_t)v->off_cap * 2 * sizeof(uint32_t);
}

/* Makes room for n + 1 offsets (row starts plus the end). */
static int view_reserve(struct page_view *v, uint32_t n)
{
    if (n + 1 <= v->off_cap)
        return 0;
    uint32_t cap = v->off_cap ? v->off_cap : 64;
    while (cap < n + 1)
        cap *= 2;
    uint32_t *t = realloc(v->text_off, cap * sizeof *t);
    if (!t)
        return SB_ERR_NOMEM;
    v->text_off = t;
    uint32_t *m = realloc(v->meta_off, cap * sizeof *m);
    if (!m)
        return SB_ERR_NOMEM;
    v->meta_off = m;
    v->off_cap = cap;
    return 0;
}

int page_view_parse(struct page_view *v, const uint8_t *raw, size_t len)
{
    if (len < PAGE_HEADER_BYTES || get_u32(raw) != PAGE_MAGIC)
        return SB_ERR_CORRUPT;
    uint32_t nrows = get_u32(raw + 4);
    uint64_t text_len = get_u32(raw + 8), meta_len = get_u32(raw + 12);
    if (PAGE_HEADER_BYTES + text_len + meta_len != len || nrows > meta_len)
        return SB_ERR_CORRUPT;
    if (view_reserve(v, nrows) < 0)
        return SB_ERR_NOMEM;
    v->text = raw + PAGE_HEADER_BYTES;
    v->meta = v->text + text_len;
    size_t toff = 0, moff = 0;
    for (uint32_t i = 0; i < nrows; i++) {
        size_t mused, tlen;
        if (rowcodec_skip(v->meta + moff, meta_len - moff, &mused, &tlen) < 0 ||
            tlen >= text_len - toff || v->text[toff + tlen] != ROW_SEPARATOR)
            return SB_ERR_CORRUPT;
        v->text_off[i] = (uint32_t)toff;
        v->meta_off[i] = (uint32_t)moff;
        toff += tlen + 1;
        moff += mused;
    }
    if (toff != text_len || moff != meta_len)
        return SB_ERR_CORRUPT;
    v->text_off[nrows] = (uint32_t)toff;
    v->meta_off[nrows] = (uint32_t)moff;
    v->nrows = nrows;
    return 0;
}

int page_view_row(const struct page_view *v, uint32_t i, struct sb_row *out)
{
    const uint8_t *meta = v->meta + v->meta_off[i];
    const uint8_t *text = v->text + v->text_off[i];
    return rowcodec_decode(meta, v->meta_off[i + 1] - v->meta_off[i], text,
                           v->text_off[i + 1] - v->text_off[i] - 1, out);
}

void page_view_text(const struct page_view *v, uint32_t i, const uint8_t **text, size_t *len)
{
    *text = v->text + v->text_off[i];
    *len = v->text_off[i + 1] - v->text_off[i] - 1; /* less the separator */
}

uint32_t page_view_flags(const struct page_view *v, uint32_t i)
{
    const uint8_t *p = v->meta + v->meta_off[i], *end = v->meta + v->meta_off[i + 1];
    /* text_len, body_len and ncols come first, as varints (rowcodec.h); the flags byte next. */
    for (int skipped = 0; skipped < 3; p++)
        if (p >= end)
            return 0;
        else if (!(*p & 0x80))
            skipped++;
    return p < end ? *p & (SB_ROW_WRAPPED | SB_ROW_MARKS) : 0;
}

uint32_t page_view_marks(const struct page_view *v)
{
    uint32_t marks = 0;
    for (uint32_t i = 0; i < v->nrows; i++)
        marks |= page_view_flags(v, i);
    return marks & SB_ROW_MARKS;
}

/* ---- Permuted pages (format 2) ------------------------------------------ */

size_t page_permuted_len(const struct page_view *v)
{
    return PAGE_PERMUTED_HEADER_BYTES + v->text_off[v->nrows] + v->meta_off[v->nrows];
}

/* Writes a format-2, 3 or 4 header. */
static void put_header(uint8_t *dst, uint32_t magic, uint32_t nrows, size_t text_len,
                       size_t meta_len, uint32_t period)
{
    put_fields(dst, magic, nrows, text_len, meta_len);
    put_u32(dst + 16, period);
}

/*
 * Writes the rows' text (each with its separator) grouped by period: rows 0, p, 2p, ..., then
 * 1, p + 1, ...; a row whose kind is set (kinds may be NULL) is left out. Returns the end.
 */
static uint8_t *put_groups(const struct page_view *v, uint32_t period, const uint8_t *kinds,
                           uint8_t *out)
{
    for (uint32_t g = 0; g < period; g++)
        for (uint32_t i = g; i < v->nrows; i += period) {
            if (kinds && kinds[i])
                continue;
            uint32_t n = v->text_off[i + 1] - v->text_off[i];
            memcpy(out, v->text + v->text_off[i], n);
            out += n;
        }
    return out;
}

size_t page_permute(const struct page_view *v, uint32_t period, uint8_t *dst)
{
    uint32_t text_len = v->text_off[v->nrows], meta_len = v->meta_off[v->nrows];
    put_header(dst, PAGE_MAGIC_PERMUTED, v->nrows, text_len, meta_len, period);
    memcpy(dst + PAGE_PERMUTED_HEADER_BYTES, v->meta, meta_len);
    put_groups(v, period, NULL, dst + PAGE_PERMUTED_HEADER_BYTES + meta_len);
    return PAGE_PERMUTED_HEADER_BYTES + (size_t)text_len + meta_len;
}

/* The fields of a format-2, 3 or 4 header; kinds: a format-4 page's derive kinds, else NULL. */
struct permuted_header {
    uint32_t nrows, period;
    size_t text_len, meta_len;
    const uint8_t *kinds;
};

/* Bytes of a cold page's header and, in format 4, its kinds. */
static size_t header_bytes(const struct permuted_header *h)
{
    return PAGE_PERMUTED_HEADER_BYTES + (h->kinds ? h->nrows : 0);
}

/* Reads and checks a format-2, 3 or 4 header (magic) against the page's length; false if it
 * is damaged. A format-4 page's kinds are checked with its meta (walk_meta): a page read part
 * way may not have them yet. */
static bool header_of(const uint8_t *src, size_t len, uint32_t magic, struct permuted_header *h)
{
    if (len < PAGE_PERMUTED_HEADER_BYTES || get_u32(src) != magic)
        return false;
    h->nrows = get_u32(src + 4);
    h->text_len = get_u32(src + 8);
    h->meta_len = get_u32(src + 12);
    h->period = get_u32(src + 16);
    h->kinds = magic == PAGE_MAGIC_DERIVED ? src + PAGE_PERMUTED_HEADER_BYTES : NULL;
    return (uint64_t)header_bytes(h) + h->text_len + h->meta_len == len &&
           h->nrows <= h->meta_len && h->period >= 1 && h->period <= PAGE_PERIOD_MAX;
}

/* A format-2 or 4 header: the pages read part way. */
static bool permuted_header(const uint8_t *src, size_t len, struct permuted_header *h)
{
    return header_of(src, len, PAGE_MAGIC_PERMUTED, h) ||
           header_of(src, len, PAGE_MAGIC_DERIVED, h);
}

int page_permuted_prefix(const uint8_t *src, size_t len, size_t *prefix)
{
    struct permuted_header h;
    if (!permuted_header(src, len, &h))
        return SB_ERR_CORRUPT;
    *prefix = header_bytes(&h) + h.meta_len;
    return 0;
}

/* Where the text of the last stored row so far is: its group, offset in it and length. */
struct source {
    uint32_t group;
    size_t off, len;
};

/*
 * Walks the meta (and kinds) of a format-2 or 4 page: sets each group's start in the text
 * (group[g] for g < period) and, when want < nrows, locates row want (its meta, and its
 * text's group and offset within the group; of a derived row, its source's). False when the
 * meta does not frame exactly text_len bytes of stored text and meta_len bytes of meta, or a
 * kind is unknown or has no row above it to derive from.
 */
static bool walk_meta(const uint8_t *meta, const struct permuted_header *h, uint32_t want,
                      size_t group[PAGE_PERIOD_MAX], struct permuted_row *r)
{
    size_t size[PAGE_PERIOD_MAX] = {0}, moff = 0, total = 0;
    struct source src = {0, 0, 0};
    for (uint32_t i = 0; i < h->nrows; i++) {
        size_t mused, tlen;
        uint8_t kind = h->kinds ? h->kinds[i] : DERIVE_NONE;
        if ((kind && (!derive_kind_valid(kind) || i == 0)) || /* row 0: nothing above */
            rowcodec_skip(meta + moff, h->meta_len - moff, &mused, &tlen) < 0 ||
            (!kind && tlen >= h->text_len - total))
            return false;
        if (!kind)
            src = (struct source){i % h->period, size[i % h->period], tlen};
        if (i == want)
            *r = (struct permuted_row){moff, mused, src.off, src.len, kind, tlen, src.group};
        if (!kind) {
            size[i % h->period] += tlen + 1;
            total += tlen + 1;
        }
        moff += mused;
    }
    if (moff != h->meta_len || total != h->text_len)
        return false;
    for (uint32_t g = 0, start = 0; g < h->period; start += (uint32_t)size[g++])
        group[g] = start;
    return true;
}

int page_permuted_locate(const uint8_t *src, size_t len, uint32_t i, struct permuted_row *r)
{
    struct permuted_header h;
    size_t group[PAGE_PERIOD_MAX];
    if (!permuted_header(src, len, &h) || i >= h.nrows ||
        !walk_meta(src + header_bytes(&h), &h, i, group, r))
        return SB_ERR_CORRUPT;
    r->meta_off += header_bytes(&h);
    r->text_off += header_bytes(&h) + h.meta_len + group[r->group];
    return 0;
}

int page_permuted_text(const uint8_t *src, const struct permuted_row *r,
                       uint8_t buf[DERIVE_TEXT_MAX], const uint8_t **text, size_t *len)
{
    *text = src + r->text_off;
    *len = r->text_len;
    if (r->kind == DERIVE_NONE)
        return 0;
    *text = buf;
    *len = derive_text(r->kind, src + r->text_off, r->text_len, buf, DERIVE_TEXT_MAX);
    return *len == r->derived_len ? 0 : SB_ERR_CORRUPT;
}

int page_unpermute(const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len)
{
    struct permuted_header h;
    size_t group[PAGE_PERIOD_MAX];
    struct permuted_row unused;
    if (!permuted_header(src, len, &h) || PAGE_HEADER_BYTES + h.meta_len > cap)
        return SB_ERR_CORRUPT;
    const uint8_t *meta = src + header_bytes(&h), *text = meta + h.meta_len;
    if (!walk_meta(meta, &h, UINT32_MAX, group, &unused))
        return SB_ERR_CORRUPT;
    uint8_t *out = dst + PAGE_HEADER_BYTES, *end = dst + cap - h.meta_len;
    const uint8_t *last = NULL; /* the last stored row's text, in dst */
    size_t last_len = 0;
    for (uint32_t i = 0, moff = 0; i < h.nrows; i++) {
        size_t mused, tlen;
        rowcodec_skip(meta + moff, h.meta_len - moff, &mused, &tlen); /* checked above */
        moff += (uint32_t)mused;
        if ((size_t)(end - out) <= tlen)
            return SB_ERR_CORRUPT;
        if (h.kinds && h.kinds[i]) { /* last is set: a first row is never derived */
            if (derive_text(h.kinds[i], last, last_len, out, tlen) != tlen)
                return SB_ERR_CORRUPT;
            out[tlen] = ROW_SEPARATOR;
            out += tlen + 1;
            continue;
        }
        size_t *at = &group[i % h.period];
        if (text[*at + tlen] != ROW_SEPARATOR)
            return SB_ERR_CORRUPT;
        memcpy(out, text + *at, tlen + 1);
        last = out;
        last_len = tlen;
        out += tlen + 1;
        *at += tlen + 1;
    }
    size_t text_len = (size_t)(out - dst) - PAGE_HEADER_BYTES;
    page_put_header(dst, h.nrows, text_len, h.meta_len);
    memcpy(out, meta, h.meta_len);
    *out_len = PAGE_HEADER_BYTES + text_len + h.meta_len;
    return 0;
}

/* ---- Derived pages (format 4) ------------------------------------------- */

/*
 * Sets kinds[i] for every row of view v that derives from the last row above it whose text
 * is kept (derive.h); returns the text bytes the derived rows and their separators take.
 */
static size_t find_derived(const struct page_view *v, uint8_t *kinds)
{
    const uint8_t *src = NULL;
    size_t src_len = 0, saved = 0;
    for (uint32_t i = 0; i < v->nrows; i++) {
        const uint8_t *text;
        size_t len;
        page_view_text(v, i, &text, &len);
        kinds[i] = src ? derive_find(src, src_len, text, len) : DERIVE_NONE;
        if (kinds[i]) {
            saved += len + 1;
        } else {
            src = text;
            src_len = len;
        }
    }
    return saved;
}

size_t page_derive(const struct page_view *v, uint32_t period, uint8_t *dst)
{
    uint32_t text_len = v->text_off[v->nrows], meta_len = v->meta_off[v->nrows];
    uint8_t *kinds = dst + PAGE_PERMUTED_HEADER_BYTES; /* nrows <= meta_len: they fit */
    size_t saved = find_derived(v, kinds);
    if (saved <= v->nrows)
        return 0; /* the kinds would cost more than the text they save */
    size_t stored = text_len - saved;
    put_header(dst, PAGE_MAGIC_DERIVED, v->nrows, stored, meta_len, period);
    memcpy(kinds + v->nrows, v->meta, meta_len);
    put_groups(v, period, kinds, kinds + v->nrows + meta_len);
    return PAGE_PERMUTED_HEADER_BYTES + v->nrows + meta_len + stored;
}

/* ---- Packed pages (format 3) -------------------------------------------- */

size_t page_pack(const struct page_view *v, uint32_t period, uint8_t *dst)
{
    uint32_t text_len = v->text_off[v->nrows];
    uint8_t *meta = dst + PAGE_PERMUTED_HEADER_BYTES;
    for (uint32_t i = 0; i < v->nrows; i++) {
        const uint8_t *text;
        size_t len;
        page_view_text(v, i, &text, &len);
        if (memchr(text, ROW_SEPARATOR, len))
            return 0; /* its end could not be found again */
        size_t skip = rowcodec_len_bytes((uint32_t)len);
        size_t rest = v->meta_off[i + 1] - v->meta_off[i] - skip;
        memcpy(meta, v->meta + v->meta_off[i] + skip, rest);
        meta += rest;
    }
    size_t meta_len = (size_t)(meta - dst) - PAGE_PERMUTED_HEADER_BYTES;
    put_header(dst, PAGE_MAGIC_PACKED, v->nrows, text_len, meta_len, period);
    put_groups(v, period, NULL, meta);
    return PAGE_PERMUTED_HEADER_BYTES + meta_len + text_len;
}

/* Where each group of a packed page's text starts, found by its rows' separators; false
 * unless they frame the text exactly. */
static bool packed_groups(const uint8_t *text, const struct permuted_header *h,
                          size_t group[PAGE_PERIOD_MAX])
{
    size_t at = 0;
    for (uint32_t g = 0; g < h->period; g++) {
        group[g] = at;
        for (uint32_t i = g; i < h->nrows; i += h->period) {
            const uint8_t *end = memchr(text + at, ROW_SEPARATOR, h->text_len - at);
            if (!end)
                return false;
            at = (size_t)(end - text) + 1;
        }
    }
    return at == h->text_len;
}

int page_unpack(const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len)
{
    struct permuted_header h;
    size_t group[PAGE_PERIOD_MAX];
    if (!header_of(src, len, PAGE_MAGIC_PACKED, &h) || PAGE_HEADER_BYTES + h.text_len > cap)
        return SB_ERR_CORRUPT;
    const uint8_t *meta = src + PAGE_PERMUTED_HEADER_BYTES, *text = meta + h.meta_len;
    if (!packed_groups(text, &h, group))
        return SB_ERR_CORRUPT;
    uint8_t *out_text = dst + PAGE_HEADER_BYTES, *out_meta = out_text + h.text_len;
    size_t moff = 0, mout = 0, room = cap - PAGE_HEADER_BYTES - h.text_len;
    for (uint32_t i = 0; i < h.nrows; i++) {
        size_t *at = &group[i % h.period], rest;
        const uint8_t *end = memchr(text + *at, ROW_SEPARATOR, h.text_len - *at); /* found above */
        size_t tlen = (size_t)(end - (text + *at));
        if (tlen > rowcodec_text_bound(SB_MAX_COLS) ||
            rowcodec_skip_rest(meta + moff, h.meta_len - moff, &rest) < 0 ||
            rowcodec_len_bytes((uint32_t)tlen) + rest > room - mout)
            return SB_ERR_CORRUPT;
        mout += rowcodec_join_len((uint32_t)tlen, meta + moff, rest, out_meta + mout);
        moff += rest;
        memcpy(out_text, text + *at, tlen + 1);
        out_text += tlen + 1;
        *at += tlen + 1;
    }
    if (moff != h.meta_len)
        return SB_ERR_CORRUPT;
    page_put_header(dst, h.nrows, h.text_len, mout);
    *out_len = PAGE_HEADER_BYTES + h.text_len + mout;
    return 0;
}

int page_choose_period(const struct page_view *v, struct codec *probe, uint8_t *perm,
                       uint8_t *out, size_t out_cap, uint32_t *period)
{
    size_t best = SIZE_MAX;
    *period = 1;
    for (uint32_t p = 1; p <= PAGE_PERIOD_MAX && (p == 1 || p < v->nrows); p++) {
        size_t n = page_permute(v, p, perm), got;
        int rc = codec_compress(probe, perm, n, out, out_cap, &got);
        if (rc < 0)
            return rc;
        if (got < best) {
            best = got;
            *period = p;
        }
    }
    return 0;
}

/* ---- The hot page ------------------------------------------------------ */

void hot_init(struct hot_page *h, size_t page_bytes)
{
    memset(h, 0, sizeof *h);
    page_view_init(&h->view);
    /* Room for a full page plus the widest ordinary row (256 columns) that may end it. */
    h->std_cap = mem_round(page_bytes + hot_row_bound(256));
    h->spares_max = 1;
}

/* Unmaps the newest spares until at most keep are left. */
static void trim_spares(struct hot_page *h, unsigned keep)
{
    while (h->nspares > keep)
        mem_unmap(h->spares[--h->nspares], h->std_cap);
}

void hot_set_spares(struct hot_page *h, unsigned max)
{
    h->spares_max = max < 1 ? 1 : max > HOT_SPARES_MAX ? HOT_SPARES_MAX : max;
    trim_spares(h, h->spares_max);
}

void hot_fini(struct hot_page *h)
{
    hot_reset(h);
    page_view_fini(&h->view);
}

void hot_reset(struct hot_page *h)
{
    mem_unmap(h->buf, h->cap);
    mem_unmap(h->meta, h->meta_cap);
    hot_drop_spares(h);
    struct page_view view = h->view;
    size_t std_cap = h->std_cap;
    unsigned spares_max = h->spares_max;
    memset(h, 0, sizeof *h);
    view.nrows = 0;
    h->view = view;
    h->std_cap = std_cap;
    h->spares_max = spares_max;
}

size_t hot_bytes(const struct hot_page *h)
{
    return h->cap + h->meta_cap + page_view_bytes(&h->view) + h->nspares * h->std_cap;
}

void hot_recycle(struct hot_page *h, uint8_t *buf, size_t cap)
{
    if (h->nspares < h->spares_max && cap == h->std_cap) {
        h->spares[h->nspares++] = buf;
        return;
    }
    mem_unmap(buf, cap);
}

void hot_drop_spares(struct hot_page *h)
{
    trim_spares(h, 0);
}

/* Gives an empty hot page its text buffer: a spare, or a fresh ordinary mapping. */
static int take_buffer(struct hot_page *h)
{
    if (h->nspares > 0) {
        /* The worker read the spare last, compressing it on another core. Row by row, every
         * line the next rows write would be taken back from that core one at a time, each
         * wait landing on the store lock's release after a push; one bulk write takes them
         * all back at once (the window's 152 MB flood on a 2-core VM: 10% less CPU). */
        h->buf = h->spares[--h->nspares];
        memset(h->buf, 0, h->std_cap);
    } else {
        h->buf = mem_map(h->std_cap);
        if (!h->buf)
            return SB_ERR_NOMEM;
    }
    h->cap = h->std_cap;
    return 0;
}

size_t hot_raw_len(const struct hot_page *h)
{
    return h->view.nrows ? PAGE_HEADER_BYTES + h->text_len + h->meta_len : 0;
}

size_t hot_row_bound(uint32_t ncols)
{
    return rowcodec_text_bound(ncols) + rowcodec_meta_bound(ncols);
}

/* Bounds of one row in the text and the meta stream. */
static void row_bounds(const struct row_in *r, size_t *text, size_t *meta)
{
    if (r->row) {
        *text = rowcodec_text_bound(r->row->ncols) + 1;
        *meta = rowcodec_row_meta_bound(r->row);
    } else if (r->cells || !r->text) {
        *text = rowcodec_text_bound(r->ncols) + 1;
        *meta = rowcodec_meta_bound(r->ncols);
    } else {
        *text = r->text_len + 1;
        *meta = rowcodec_meta_bound(0) + 8;
    }
}


/* Grows a mapped buffer to hold at least need bytes, keeping its first used bytes. */
static int grow_mapping(uint8_t **buf, size_t *cap, size_t used, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t ncap = mem_round(need > *cap * 2 ? need : *cap * 2);
    uint8_t *nbuf = mem_map(ncap);
    if (!nbuf)
        return SB_ERR_NOMEM;
    if (*buf && used)
        memcpy(nbuf, *buf, used);
    mem_unmap(*buf, *cap);
    *buf = nbuf;
    *cap = ncap;
    return 0;
}

int hot_append(struct hot_page *h, const struct row_in *r, size_t *raw_added)
{
    size_t tbound, mbound;
    row_bounds(r, &tbound, &mbound);
    size_t tneed = PAGE_HEADER_BYTES + h->text_len + tbound;
    size_t mneed = h->meta_len + mbound;
    if (!h->buf && take_buffer(h) < 0)
        return SB_ERR_NOMEM;
    /* Room for sealing in place: the meta is copied after the text. */
    if (grow_mapping(&h->buf, &h->cap, PAGE_HEADER_BYTES + h->text_len, tneed + mneed) < 0 ||
        grow_mapping(&h->meta, &h->meta_cap, h->meta_len, mneed) < 0 ||
        view_reserve(&h->view, h->view.nrows + 1) < 0)
        return SB_ERR_NOMEM;
    size_t tlen, mlen;
    uint8_t *text = h->buf + PAGE_HEADER_BYTES + h->text_len, *meta = h->meta + h->meta_len;
    if (r->row)
        rowcodec_encode_row(r->row, text, &tlen, meta, &mlen);
    else if (r->cells || !r->text)
        rowcodec_encode(r->cells, r->ncols, r->flags, text, &tlen, meta, &mlen);
    else
        rowcodec_encode_plain(r->text, r->text_len, r->ncols, r->flags, text, &tlen, meta, &mlen);
    text[tlen++] = ROW_SEPARATOR;
    uint32_t n = h->view.nrows;
    h->view.text_off[n] = (uint32_t)h->text_len;
    h->view.meta_off[n] = (uint32_t)h->meta_len;
    h->text_len += tlen;
    h->meta_len += mlen;
    h->view.text_off[n + 1] = (uint32_t)h->text_len;
    h->view.meta_off[n + 1] = (uint32_t)h->meta_len;
    h->view.nrows = n + 1;
    h->view.text = h->buf + PAGE_HEADER_BYTES;
    h->view.meta = h->meta;
    *raw_added = tlen + mlen;
    return 0;
}

uint8_t *hot_seal(struct hot_page *h, size_t *len, size_t *cap)
{
    if (h->view.nrows == 0)
        return NULL;
    uint8_t *raw = h->buf;
    page_put_header(raw, h->view.nrows, h->text_len, h->meta_len);
    memcpy(raw + PAGE_HEADER_BYTES + h->text_len, h->meta, h->meta_len);
    *len = PAGE_HEADER_BYTES + h->text_len + h->meta_len;
    *cap = h->cap;
    /* The buffer now belongs to the caller; keep the meta mapping for the next page. */
    h->buf = NULL;
    h->cap = 0;
    h->text_len = h->meta_len = 0;
    h->view.nrows = 0;
    return raw;
}

int hot_load(struct hot_page *h, const uint8_t *raw, size_t len)
{
    struct page_view v;
    page_view_init(&v);
    int rc = page_view_parse(&v, raw, len);
    if (rc < 0)
        goto out;
    size_t text_len = v.text_off[v.nrows], meta_len = v.meta_off[v.nrows];
    rc = SB_ERR_NOMEM;
    if (grow_mapping(&h->buf, &h->cap, 0, len) < 0 ||
        grow_mapping(&h->meta, &h->meta_cap, 0, meta_len + 1) < 0 ||
        view_reserve(&h->view, v.nrows) < 0)
        goto out;
    memcpy(h->buf + PAGE_HEADER_BYTES, v.text, text_len);
    memcpy(h->meta, v.meta, meta_len);
    memcpy(h->view.text_off, v.text_off, (v.nrows + 1) * sizeof *v.text_off);
    memcpy(h->view.meta_off, v.meta_off, (v.nrows + 1) * sizeof *v.meta_off);
    h->view.nrows = v.nrows;
    h->view.text = h->buf + PAGE_HEADER_BYTES;
    h->view.meta = h->meta;
    h->text_len = text_len;
    h->meta_len = meta_len;
    rc = 0;
out:
    page_view_fini(&v);
    return rc;
}

size_t hot_pop(struct hot_page *h)
{
    uint32_t n = --h->view.nrows;
    size_t removed = (h->text_len - h->view.text_off[n]) + (h->meta_len - h->view.meta_off[n]);
    h->text_len = h->view.text_off[n];
    h->meta_len = h->view.meta_off[n];
    return removed;
}
