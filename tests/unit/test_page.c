/*
 * The raw page format and the hot page: append, seal, parse, load, pop, and
 * a parser that refuses every damaged page without reading out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "codec.h"
#include "page.h"
#include "rowcodec.h"
#include "rowgen.h"
#include "store_internal.h"

#define NCOLS 120

/* Appends n generated rows (seeds 1..n) to the hot page. */
static void fill(struct hot_page *h, int n)
{
    struct sb_cell cells[NCOLS];
    for (int i = 1; i <= n; i++) {
        size_t added;
        rowgen_fill((uint64_t)i, (uint32_t)(i % NCOLS), i % 2, cells);
        struct row_in r = {.cells = cells, .ncols = (uint32_t)(i % NCOLS),
                           .flags = i % 3 ? 0 : SB_ROW_WRAPPED};
        REQUIRE(hot_append(h, &r, &added) == 0);
        CHECK(added > 0 || i % NCOLS == 0);
    }
}

/* Row k of a view equals generated row seed k+1. */
static bool row_ok(const struct page_view *v, uint32_t k, struct sb_row *row)
{
    struct sb_cell cells[NCOLS];
    uint64_t i = k + 1;
    rowgen_fill(i, (uint32_t)(i % NCOLS), (int)(i % 2), cells);
    return page_view_row(v, k, row) == 0 &&
           rowgen_equal(cells, (uint32_t)(i % NCOLS), i % 3 ? 0 : SB_ROW_WRAPPED, row);
}

static void test_seal_parse_load_pop(void)
{
    struct hot_page h;
    hot_init(&h, 4096);
    fill(&h, 500);
    struct sb_row row;
    sb_row_init(&row);
    for (uint32_t k = 0; k < 500; k++)
        CHECK(row_ok(&h.view, k, &row));
    size_t len, cap;
    size_t raw_len = hot_raw_len(&h);
    uint8_t *raw = hot_seal(&h, &len, &cap);
    REQUIRE(raw != NULL);
    CHECK_EQ(len, raw_len);
    CHECK_EQ(h.view.nrows, 0);
    CHECK(hot_seal(&h, &len, &cap) == NULL || len == 0);

    struct page_view v;
    page_view_init(&v);
    REQUIRE(page_view_parse(&v, raw, len) == 0);
    CHECK_EQ(v.nrows, 500);
    for (uint32_t k = 0; k < 500; k++)
        CHECK(row_ok(&v, k, &row));

    /* Load the sealed page back into the hot page, pop from it, append again. */
    REQUIRE(hot_load(&h, raw, len) == 0);
    CHECK_EQ(h.view.nrows, 500);
    for (int i = 0; i < 100; i++)
        hot_pop(&h);
    CHECK_EQ(h.view.nrows, 400);
    for (uint32_t k = 0; k < 400; k++)
        CHECK(row_ok(&h.view, k, &row));
    mem_unmap(raw, cap);
    raw = hot_seal(&h, &len, &cap);
    REQUIRE(page_view_parse(&v, raw, len) == 0);
    CHECK_EQ(v.nrows, 400);
    CHECK(row_ok(&v, 399, &row));
    mem_unmap(raw, cap);
    page_view_fini(&v);
    sb_row_fini(&row);
    hot_fini(&h);
}

/* Every truncation and many single-byte changes are refused or decode safely. */
static void test_damaged_pages(void)
{
    struct hot_page h;
    hot_init(&h, 4096);
    fill(&h, 60);
    size_t len, cap;
    uint8_t *raw = hot_seal(&h, &len, &cap);
    uint8_t *copy = malloc(len);
    struct page_view v;
    page_view_init(&v);
    struct sb_row row;
    sb_row_init(&row);
    unsigned refused = 0;
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(copy, raw, cut);
        refused += page_view_parse(&v, copy, cut) == SB_ERR_CORRUPT;
    }
    CHECK_EQ(refused, len);
    uint64_t rng = 99;
    for (int i = 0; i < 20000; i++) {
        memcpy(copy, raw, len);
        copy[rowgen_next(&rng) % len] ^= (uint8_t)(1 + rowgen_next(&rng) % 255);
        if (page_view_parse(&v, copy, len) == 0)
            for (uint32_t k = 0; k < v.nrows; k++)
                (void)page_view_row(&v, k, &row); /* any result, but no crash (ASan) */
    }
    CHECK(1);
    free(copy);
    mem_unmap(raw, cap);
    page_view_fini(&v);
    sb_row_fini(&row);
    hot_fini(&h);
}

/* A row wider than a page still goes in (an oversize page), and empty rows cost bytes. */
static void test_sizes(void)
{
    struct hot_page h;
    hot_init(&h, 4096);
    struct sb_cell *wide = calloc(SB_MAX_COLS, sizeof *wide);
    for (uint32_t c = 0; c < SB_MAX_COLS; c++) {
        wide[c].width = 1;
        for (int k = 0; k < SB_MAX_CHARS; k++)
            wide[c].chars[k] = k ? 0x300 + (uint32_t)k : 0x10000 + c;
    }
    size_t added;
    struct row_in r = {.cells = wide, .ncols = SB_MAX_COLS};
    REQUIRE(hot_append(&h, &r, &added) == 0);
    CHECK(added >= (size_t)SB_MAX_COLS * 14);
    CHECK(added <= hot_row_bound(SB_MAX_COLS));
    struct sb_row row;
    sb_row_init(&row);
    CHECK(page_view_row(&h.view, 0, &row) == 0);
    CHECK(rowgen_equal(wide, SB_MAX_COLS, 0, &row));
    struct row_in empty = {.cells = NULL, .text = "", .ncols = 0};
    REQUIRE(hot_append(&h, &empty, &added) == 0);
    CHECK(added > 0);
    CHECK(hot_bytes(&h) >= hot_raw_len(&h));
    sb_row_fini(&row);
    free(wide);
    hot_fini(&h);
}

/* Seals a page of one row and hands its buffer back, as the worker does once it is compressed. */
static void seal_and_recycle(struct hot_page *h, uint8_t **held, int n)
{
    struct row_in r = {.text = "x", .text_len = 1, .ncols = 80};
    for (int i = 0; i < n; i++) {
        size_t added, len, cap;
        REQUIRE(hot_append(h, &r, &added) == 0);
        held[i] = hot_seal(h, &len, &cap);
        REQUIRE(held[i] != NULL && cap == h->std_cap);
    }
    for (int i = 0; i < n; i++)
        hot_recycle(h, held[i], h->std_cap);
}

/* Sealed buffers come back as spares, as many as allowed, counted in hot_bytes and reused. */
static void test_spares(void)
{
    struct hot_page h;
    hot_init(&h, 4096);
    uint8_t *held[HOT_SPARES_MAX + 2];
    seal_and_recycle(&h, held, 3); /* one spare by default: two unmapped */
    CHECK_EQ(h.nspares, 1u);
    hot_set_spares(&h, 5);
    seal_and_recycle(&h, held, 6); /* the first reuses the spare, then five are kept */
    CHECK_EQ(h.nspares, 5u);
    CHECK(held[0] != held[1]);
    CHECK_EQ(hot_bytes(&h), h.cap + h.meta_cap + page_view_bytes(&h.view) + 5 * h.std_cap);
    hot_set_spares(&h, 2); /* fewer allowed: the rest go now */
    CHECK_EQ(h.nspares, 2u);
    hot_set_spares(&h, 100);
    CHECK_EQ(h.spares_max, (unsigned)HOT_SPARES_MAX);
    hot_drop_spares(&h);
    CHECK_EQ(h.nspares, 0u);
    hot_fini(&h);
}

/* Appends a plain row's UTF-8 (NUL for empty cells, trailing empties left out) to buf. */
static size_t plain_text(const struct sb_cell *cells, uint32_t ncols, char *buf)
{
    uint32_t end = ncols;
    while (end > 0 && cells[end - 1].chars[0] == 0)
        end--;
    size_t n = 0;
    for (uint32_t c = 0; c < end; c++) {
        uint32_t cp = cells[c].chars[0];
        if (cp < 0x80) {
            buf[n++] = (char)cp;
        } else if (cp < 0x800) {
            buf[n++] = (char)(0xc0 | cp >> 6);
            buf[n++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            buf[n++] = (char)(0xe0 | cp >> 12);
            buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            buf[n++] = (char)(0x80 | (cp & 0x3f));
        } else {
            buf[n++] = (char)(0xf0 | cp >> 18);
            buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            buf[n++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    return n;
}

/* A plain row given as text encodes to exactly the bytes its cells would. */
static void test_plain_rows(void)
{
    uint64_t rng = 5;
    unsigned same = 0, rows = 0;
    for (int i = 0; i < 5000; i++) {
        struct sb_cell cells[300];
        uint32_t ncols = (uint32_t)(rowgen_next(&rng) % 300);
        memset(cells, 0, sizeof cells);
        for (uint32_t c = 0; c < ncols; c++) {
            uint64_t r = rowgen_next(&rng);
            cells[c].width = 1;
            if (r % 5)
                cells[c].chars[0] = r % 9 == 0 ? rowgen_char(&rng) : (uint32_t)(0x20 + r % 95);
        }
        uint32_t flags = i % 2 ? SB_ROW_WRAPPED : 0;
        char text[300 * 4];
        size_t len = plain_text(cells, ncols, text);
        CHECK_EQ(rowcodec_validate_plain(text, len, ncols, flags), 0);
        uint8_t t1[300 * 24], m1[8000], t2[300 * 24], m2[8000];
        size_t tl1, ml1, tl2, ml2;
        rowcodec_encode(cells, ncols, flags, t1, &tl1, m1, &ml1);
        rowcodec_encode_plain(text, len, ncols, flags, t2, &tl2, m2, &ml2);
        same += tl1 == tl2 && ml1 == ml2 && !memcmp(t1, t2, tl1) && !memcmp(m1, m2, ml1);
        rows++;
    }
    CHECK_EQ(same, rows);
    CHECK_EQ(rowcodec_validate_plain("abc", 3, 2, 0), SB_ERR_INVAL);      /* too many cells */
    CHECK_EQ(rowcodec_validate_plain("ab\0", 3, 10, 0), SB_ERR_INVAL);   /* trailing empty */
    CHECK_EQ(rowcodec_validate_plain("a\0b", 3, 10, 0), 0);              /* inner empty */
    CHECK_EQ(rowcodec_validate_plain("\xc3", 1, 10, 0), SB_ERR_INVAL);   /* truncated */
    CHECK_EQ(rowcodec_validate_plain("\xed\xa0\x80", 3, 10, 0), SB_ERR_INVAL); /* surrogate */
    CHECK_EQ(rowcodec_validate_plain("\xc0\x80", 2, 10, 0), SB_ERR_INVAL); /* overlong */
    CHECK_EQ(rowcodec_validate_plain("a", 1, 10, SB_ROW_LOST), SB_ERR_INVAL);
    CHECK_EQ(rowcodec_validate_plain("", 0, SB_MAX_COLS + 1, 0), SB_ERR_INVAL);
    CHECK_EQ(rowcodec_validate_plain("", 0, 0, 0), 0);
}

/* Appends a plain row of text, as many cells as bytes, to the hot page. */
static void append_text(struct hot_page *h, const char *text, size_t tl, uint32_t flags)
{
    struct row_in r = {.text = text, .text_len = tl, .ncols = (uint32_t)tl, .flags = flags};
    size_t added;
    REQUIRE(hot_append(h, &r, &added) == 0);
}

/* Seals the hot page and frees it; the raw page (mem_unmap it with *cap). */
static uint8_t *seal_page(struct hot_page *h, size_t *len, size_t *cap)
{
    uint8_t *raw = hot_seal(h, len, cap);
    hot_fini(h);
    return raw;
}

/* Seals n plain rows; row i is the text cycle_row() makes for it. */
static uint8_t *seal_rows(int n, int cycle, size_t *len, size_t *cap)
{
    struct hot_page h;
    hot_init(&h, 1u << 20);
    uint64_t rng = 11;
    for (int i = 0; i < n; i++) {
        char text[96];
        size_t tl = 0;
        /* Rows that cycle through `cycle` formats, each with fresh random content. */
        if (i % cycle == 0)
            tl = (size_t)snprintf(text, sizeof text, "%07o", (unsigned)i * 16);
        for (int k = 0; k < 16; k++) {
            uint64_t r = rowgen_next(&rng);
            int fmt = i % cycle;
            tl += (size_t)snprintf(text + tl, sizeof text - tl,
                                   fmt == 0 ? " %03o" : fmt == 1 ? "  %02x" : fmt == 2 ? " %3c"
                                                                                      : "%c",
                                   fmt == 2 || fmt == 3 ? (int)(0x21 + r % 90) : (int)(r % 256));
        }
        append_text(&h, text, tl, i % 7 ? 0 : SB_ROW_WRAPPED);
    }
    return seal_page(&h, len, cap);
}

/* Every period, with row counts that are and are not multiples of it, permutes and back, and
 * packs and back. */
static void test_permute_round_trip(void)
{
    static const int counts[] = {1, 2, 3, 7, 8, 9, 16, 61, 500};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        size_t len, cap, n;
        uint8_t *raw = seal_rows(counts[c], 3, &len, &cap);
        struct page_view v, w;
        page_view_init(&v);
        page_view_init(&w);
        REQUIRE(page_view_parse(&v, raw, len) == 0);
        for (uint32_t p = 1; p <= PAGE_PERIOD_MAX; p++) {
            uint8_t *perm = malloc(page_permuted_len(&v)), *back = malloc(len);
            size_t plen = page_permute(&v, p, perm);
            CHECK_EQ(plen, len + PAGE_PERMUTED_HEADER_BYTES - PAGE_HEADER_BYTES);
            CHECK_EQ(page_view_parse(&w, perm, plen), SB_ERR_CORRUPT); /* never parsed as is */
            /* Every row is where page_permuted_locate says; row p follows row 0. */
            unsigned found = 0;
            for (uint32_t k = 0; k < v.nrows; k++) {
                struct permuted_row r;
                const uint8_t *t;
                size_t tl;
                page_view_text(&v, k, &t, &tl);
                found += page_permuted_locate(perm, plen, k, &r) == 0 && r.text_len == tl &&
                         !memcmp(perm + r.text_off, t, tl) && perm[r.text_off + tl] == '\n' &&
                         r.meta_len == v.meta_off[k + 1] - v.meta_off[k] &&
                         !memcmp(perm + r.meta_off, v.meta + v.meta_off[k], r.meta_len);
            }
            CHECK_EQ(found, v.nrows);
            struct permuted_row r0, rp;
            size_t prefix;
            REQUIRE(page_permuted_prefix(perm, plen, &prefix) == 0);
            CHECK_EQ(prefix, PAGE_PERMUTED_HEADER_BYTES + v.meta_off[v.nrows]);
            CHECK_EQ(page_permuted_locate(perm, plen, 0, &r0), 0);
            CHECK_EQ(r0.text_off, prefix);
            if (v.nrows > p && page_permuted_locate(perm, plen, p, &rp) == 0)
                CHECK_EQ(rp.text_off, r0.text_off + r0.text_len + 1);
            CHECK_EQ(page_permuted_locate(perm, plen, v.nrows, &r0), SB_ERR_CORRUPT);
            REQUIRE(page_unpermute(perm, plen, back, len, &n) == 0);
            CHECK_EQ(n, len);
            CHECK(memcmp(back, raw, len) == 0);
            CHECK_EQ(page_unpermute(perm, plen, back, len - 1, &n), SB_ERR_CORRUPT);
            /* Packed (format 3): each row's text length (one byte here) is gone. */
            size_t klen = page_pack(&v, p, perm);
            CHECK_EQ(klen, plen - v.nrows);
            CHECK_EQ(page_unpermute(perm, klen, back, len, &n), SB_ERR_CORRUPT);
            REQUIRE(page_unpack(perm, klen, back, len, &n) == 0);
            CHECK_EQ(n, len);
            CHECK(memcmp(back, raw, len) == 0);
            CHECK_EQ(page_unpack(perm, klen, back, len - 1, &n), SB_ERR_CORRUPT);
            free(perm);
            free(back);
        }
        page_view_fini(&v);
        page_view_fini(&w);
        mem_unmap(raw, cap);
    }
}

/* A sealed page written in a cold format, with scratch to damage a copy and undo it. */
struct damaged {
    uint8_t *raw, *page, *copy, *back;
    size_t len, cap, plen;
    struct page_view v;
};

typedef int (*undo_fn)(const uint8_t *, size_t, uint8_t *, size_t, size_t *);

/* Writes the sealed page raw (len bytes, mapped at cap) with make, period 2, into d->page. */
static void damaged_begin(struct damaged *d, uint8_t *raw, size_t len, size_t cap,
                          size_t (*make)(const struct page_view *, uint32_t, uint8_t *))
{
    *d = (struct damaged){.raw = raw, .len = len, .cap = cap};
    page_view_init(&d->v);
    REQUIRE(page_view_parse(&d->v, raw, len) == 0);
    size_t most = page_permuted_len(&d->v);
    d->page = malloc(most);
    d->copy = malloc(most > len ? most : len);
    d->back = malloc(len);
    d->plen = make(&d->v, 2, d->page);
    REQUIRE(d->plen > 0);
}

/* A fresh copy of the page to damage. */
static uint8_t *damaged_copy(struct damaged *d)
{
    memcpy(d->copy, d->page, d->plen);
    return d->copy;
}

/* Whether undo refuses the damaged copy. */
static bool refused(struct damaged *d, undo_fn undo)
{
    size_t n;
    return undo(d->copy, d->plen, d->back, d->len, &n) == SB_ERR_CORRUPT;
}

static void damaged_end(struct damaged *d)
{
    free(d->page);
    free(d->copy);
    free(d->back);
    page_view_fini(&d->v);
    mem_unmap(d->raw, d->cap);
}

/*
 * Damage to d's cold page that undo (page_unpermute, page_unpack) turns back into format 1:
 * every truncation is refused, and of 20000 flipped bytes each is refused or gives a page that
 * parses.
 */
static void check_damage(struct damaged *d, undo_fn undo, uint64_t rng)
{
    size_t n;
    unsigned cuts = 0;
    for (size_t cut = 0; cut < d->plen; cut++)
        cuts += undo(d->page, cut, d->back, d->len, &n) == SB_ERR_CORRUPT;
    CHECK_EQ(cuts, d->plen);
    for (int i = 0; i < 20000; i++) {
        damaged_copy(d)[rowgen_next(&rng) % d->plen] ^= (uint8_t)(1 + rowgen_next(&rng) % 255);
        if (undo(d->copy, d->plen, d->back, d->len, &n) == 0)
            CHECK(page_view_parse(&d->v, d->back, n) == 0);
    }
}

/* A row holding the separator byte (a cell of U+000A: the store takes any scalar value)
 * cannot be packed. */
static void test_pack_refuses_separator(void)
{
    struct hot_page h;
    hot_init(&h, 1u << 16);
    struct sb_cell cells[3] = {{.chars = {'a'}, .width = 1}, {.chars = {0x0a}, .width = 1},
                               {.chars = {'b'}, .width = 1}};
    struct row_in r = {.cells = cells, .ncols = 3};
    size_t added, len, cap;
    REQUIRE(hot_append(&h, &r, &added) == 0);
    uint8_t *raw = hot_seal(&h, &len, &cap);
    hot_fini(&h);
    struct page_view v;
    page_view_init(&v);
    REQUIRE(page_view_parse(&v, raw, len) == 0);
    uint8_t *packed = malloc(page_permuted_len(&v));
    CHECK_EQ(page_pack(&v, 1, packed), 0);
    free(packed);
    page_view_fini(&v);
    mem_unmap(raw, cap);
}

/* Truncations, bad periods and flipped bytes in a packed page are refused or harmless. */
static void test_pack_damaged(void)
{
    struct damaged d;
    size_t len, cap;
    uint8_t *raw = seal_rows(60, 2, &len, &cap);
    damaged_begin(&d, raw, len, cap, page_pack);
    check_damage(&d, page_unpack, 5);
    damaged_copy(&d)[16] = PAGE_PERIOD_MAX + 1;
    CHECK(refused(&d, page_unpack));
    damaged_copy(&d)[d.plen - 1] = 'x'; /* the last row's separator gone */
    CHECK(refused(&d, page_unpack));
    damaged_copy(&d)[d.plen - 2] = '\n'; /* a row split in two: one row too many */
    CHECK(refused(&d, page_unpack));
    damaged_end(&d);
}

/* Bad periods, truncations and flipped bytes in a permuted page are refused or harmless. */
static void test_permute_damaged(void)
{
    struct damaged d;
    size_t len, cap;
    uint8_t *raw = seal_rows(60, 2, &len, &cap);
    damaged_begin(&d, raw, len, cap, page_permute);
    static const uint32_t bad[] = {0, PAGE_PERIOD_MAX + 1, 255, 0x80000000u, UINT32_MAX};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        uint8_t *copy = damaged_copy(&d);
        for (int b = 0; b < 4; b++)
            copy[16 + b] = (uint8_t)(bad[k] >> (8 * b));
        CHECK(refused(&d, page_unpermute));
    }
    damaged_copy(&d)[3] = '1'; /* a format-1 magic on a permuted body */
    CHECK(refused(&d, page_unpermute));
    check_damage(&d, page_unpermute, 3);
    damaged_end(&d);
}

/*
 * Seals n rows of od -cx output for random bytes (a character row, then its hex row), with a
 * hex row that does not match its bytes every seventh pair and a row of other text every
 * eleventh: the rows a format-4 page derives, and the ones it must keep.
 */
static uint8_t *seal_od_rows(int n, size_t *len, size_t *cap)
{
    struct hot_page h;
    hot_init(&h, 1u << 20);
    uint64_t rng = 5;
    uint8_t bytes[16];
    for (int i = 0; i < n; i++) {
        char text[96];
        size_t tl = 0;
        if (i % 11 == 10) {
            tl = (size_t)snprintf(text, sizeof text, "-rw-r--r-- 1 root root %d file%d", i, i);
        } else if (i % 2 == 0) {
            tl = (size_t)snprintf(text, sizeof text, "%07o", (unsigned)i * 8);
            for (int k = 0; k < 16; k++) {
                bytes[k] = (uint8_t)rowgen_next(&rng);
                bool shown = bytes[k] > 0x20 && bytes[k] < 0x7f;
                tl += (size_t)snprintf(text + tl, sizeof text - tl, shown ? "   %c" : " %03o",
                                       bytes[k]);
            }
        } else {
            tl = (size_t)snprintf(text, sizeof text, "       ");
            for (int k = 0; k < 16; k += 2)
                tl += (size_t)snprintf(text + tl, sizeof text - tl, "    %04x",
                                       bytes[k] | bytes[k + 1] << 8 | (i % 14 == 13));
        }
        append_text(&h, text, tl, 0);
    }
    return seal_page(&h, len, cap);
}

/*
 * Format 4 with every period: smaller than format 2 by the derived rows' text, every row's
 * meta and text where page_permuted_locate and page_permuted_text say, and back to the same
 * raw page. Pages with nothing to derive are left to format 2.
 */
static void test_derive_round_trip(void)
{
    size_t len, cap, n, plain_len, plain_cap;
    uint8_t *raw = seal_od_rows(300, &len, &cap);
    uint8_t *plain = seal_rows(300, 2, &plain_len, &plain_cap);
    struct page_view v, w;
    page_view_init(&v);
    page_view_init(&w);
    REQUIRE(page_view_parse(&v, plain, plain_len) == 0);
    uint8_t *perm = malloc(len + plain_len), *back = malloc(len);
    CHECK_EQ(page_derive(&v, 2, perm), 0); /* random hex under octal rows: nothing derives */
    REQUIRE(page_view_parse(&v, raw, len) == 0);
    for (uint32_t p = 1; p <= PAGE_PERIOD_MAX; p++) {
        size_t plen = page_derive(&v, p, perm), derived = 0, saved = 0;
        REQUIRE(plen > 0);
        CHECK_EQ(page_view_parse(&w, perm, plen), SB_ERR_CORRUPT);
        unsigned found = 0;
        for (uint32_t k = 0; k < v.nrows; k++) {
            struct permuted_row r;
            uint8_t buf[DERIVE_TEXT_MAX];
            const uint8_t *t, *got;
            size_t tl, gl;
            page_view_text(&v, k, &t, &tl);
            found += page_permuted_locate(perm, plen, k, &r) == 0 &&
                     page_permuted_text(perm, &r, buf, &got, &gl) == 0 && gl == tl &&
                     !memcmp(got, t, tl) && r.meta_len == v.meta_off[k + 1] - v.meta_off[k] &&
                     !memcmp(perm + r.meta_off, v.meta + v.meta_off[k], r.meta_len);
            derived += r.kind != DERIVE_NONE;
            saved += r.kind != DERIVE_NONE ? tl + 1 : 0;
        }
        CHECK_EQ(found, v.nrows);
        CHECK_EQ(plen, page_permuted_len(&v) + v.nrows - saved); /* a kind a row, no text */
        /* Of the 150 hex rows, the 14th, 28th, ... do not match; rows 10, 21, ... are text. */
        CHECK(derived > 100 && derived < 140);
        REQUIRE(page_unpermute(perm, plen, back, len, &n) == 0);
        CHECK_EQ(n, len);
        CHECK(memcmp(back, raw, len) == 0);
        CHECK_EQ(page_unpermute(perm, plen, back, len - 1, &n), SB_ERR_CORRUPT);
        CHECK_EQ(page_unpack(perm, plen, back, len, &n), SB_ERR_CORRUPT);
    }
    free(perm);
    free(back);
    page_view_fini(&v);
    page_view_fini(&w);
    mem_unmap(raw, cap);
    mem_unmap(plain, plain_cap);
}

/* Damage to a format-4 page: truncations, flipped bytes, kinds that cannot be. */
static void test_derive_damaged(void)
{
    struct damaged d;
    size_t len, cap;
    uint8_t *raw = seal_od_rows(120, &len, &cap);
    damaged_begin(&d, raw, len, cap, page_derive);
    check_damage(&d, page_unpermute, 9);
    uint8_t *kinds = d.copy + PAGE_PERMUTED_HEADER_BYTES;
    struct permuted_row r;
    damaged_copy(&d);
    kinds[0] = kinds[1]; /* the first row derived: from nothing */
    CHECK(refused(&d, page_unpermute));
    CHECK_EQ(page_permuted_locate(d.copy, d.plen, 5, &r), SB_ERR_CORRUPT);
    damaged_copy(&d);
    kinds[1] = 3; /* no such notation */
    CHECK(refused(&d, page_unpermute));
    damaged_copy(&d);
    kinds[1] = DERIVE_KIND(DERIVE_OD_X2, 6); /* a lead one short: not the meta's length */
    CHECK(refused(&d, page_unpermute));
    uint8_t buf[DERIVE_TEXT_MAX];
    const uint8_t *t;
    size_t tl;
    REQUIRE(page_permuted_locate(d.copy, d.plen, 1, &r) == 0);
    CHECK_EQ(page_permuted_text(d.copy, &r, buf, &t, &tl), SB_ERR_CORRUPT);
    damaged_copy(&d);
    kinds[2] = kinds[1]; /* a stored row said derived: the text no longer adds up */
    CHECK(refused(&d, page_unpermute));
    damaged_end(&d);
}

/* xz 6 size of src, with a dictionary for 64 KiB blocks. */
static size_t xz_size(struct codec *xz, const uint8_t *src, size_t n, uint8_t *out, size_t cap)
{
    size_t got = 0;
    CHECK_EQ(codec_compress(xz, src, n, out, cap, &got), 0);
    return got;
}

/*
 * The chosen period is the densest: with rows cycling through k formats the
 * probe picks a multiple of k, and under xz 6 (the cold codec) the pick is
 * within 1% of the best of every period and never worse than rows in order.
 */
static void test_choose_period(void)
{
    struct codec *probe, *xz;
    REQUIRE(codec_create(SB_CODEC_ZSTD, 1, 128u << 10, &probe) == 0);
    REQUIRE(codec_create(SB_CODEC_XZ, 6, 128u << 10, &xz) == 0);
    for (int cycle = 1; cycle <= 4; cycle++) {
        size_t len, cap;
        uint8_t *raw = seal_rows(900, cycle, &len, &cap);
        struct page_view v;
        page_view_init(&v);
        REQUIRE(page_view_parse(&v, raw, len) == 0);
        size_t plen = page_permuted_len(&v), ocap = codec_bound(SB_CODEC_ZSTD, plen);
        uint8_t *perm = malloc(plen), *out = malloc(ocap);
        uint32_t period = 0;
        REQUIRE(page_choose_period(&v, probe, perm, out, ocap, &period) == 0);
        CHECK(period >= 1 && period <= PAGE_PERIOD_MAX);
        CHECK_EQ(period % (uint32_t)cycle, 0);
        size_t sizes[PAGE_PERIOD_MAX + 1], best = SIZE_MAX;
        for (uint32_t p = 1; p <= PAGE_PERIOD_MAX; p++) {
            size_t n = page_permute(&v, p, perm);
            sizes[p] = xz_size(xz, perm, n, out, ocap);
            best = sizes[p] < best ? sizes[p] : best;
        }
        CHECK(sizes[period] <= sizes[1]);
        CHECK(sizes[period] * 100 <= best * 101);
        printf("cycle %d: period %u, xz %zu B (in order %zu, best %zu)\n", cycle, period,
               sizes[period], sizes[1], best);
        free(perm);
        free(out);
        page_view_fini(&v);
        mem_unmap(raw, cap);
    }
    codec_destroy(probe);
    codec_destroy(xz);
}

/* The summary as first written, a byte at a time: what store_summary_make must equal. */
static void reference_summary(uint32_t bits, const uint8_t *raw, size_t len, uint8_t *f)
{
    struct page_view v;
    page_view_init(&v);
    REQUIRE(page_view_parse(&v, raw, len) == 0);
    unsigned log2 = 0;
    while ((1u << log2) < bits)
        log2++;
    memset(f, 0, bits / 8);
    uint32_t window = 0, have = 0;
    for (uint32_t r = 0; r < v.nrows; r++) {
        const uint8_t *text;
        size_t n;
        page_view_text(&v, r, &text, &n);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = text[i];
            c = c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c ? c : ' ';
            window = (window << 8 | c) & 0xffffff;
            if (++have >= 3) {
                uint32_t b = (window * 0x9E3779B1u) >> (32 - log2);
                f[b >> 3] |= (uint8_t)(1u << (b & 7));
            }
        }
        if (!(page_view_flags(&v, r) & SB_ROW_WRAPPED))
            window = have = 0;
    }
    page_view_fini(&v);
}

/*
 * Summaries made a chunk at a time equal the byte-at-a-time reference: cell rows, plain rows
 * longer than a chunk, empty ones, upper case, NUL bytes, runs of wrapped rows.
 */
static void test_summary_reference(void)
{
    struct hot_page h;
    hot_init(&h, 4096);
    fill(&h, 300);
    uint64_t rng = 11;
    for (int i = 0; i < 400; i++) {
        char text[3000];
        size_t len = rowgen_next(&rng) % (i % 10 == 0 ? sizeof text : 100);
        for (size_t k = 0; k < len; k++) {
            uint64_t r = rowgen_next(&rng);
            text[k] = r % 7 == 0 ? (char)('A' + r % 26) : r % 11 == 0 ? ' ' : (char)('a' + r % 5);
        }
        struct row_in row = {.text = text, .text_len = len, .ncols = (uint32_t)len + 1,
                             .flags = rowgen_next(&rng) % 3 ? SB_ROW_WRAPPED : 0};
        size_t added;
        REQUIRE(hot_append(&h, &row, &added) == 0);
    }
    size_t len, cap;
    uint8_t *raw = hot_seal(&h, &len, &cap);
    REQUIRE(raw);
    static const uint32_t sizes[] = {1024, 16384, 1u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint8_t log2 = 0, *want = malloc(sizes[i] / 8);
        REQUIRE(want);
        reference_summary(sizes[i], raw, len, want);
        uint8_t *got = store_summary_make(sizes[i], raw, len, &log2);
        REQUIRE(got);
        CHECK_EQ(1u << log2, sizes[i]);
        CHECK(memcmp(got, want, sizes[i] / 8) == 0);
        free(got);
        free(want);
    }
    uint8_t log2;
    CHECK(store_summary_make(1024, raw, 10, &log2) == NULL); /* a damaged page has none */
    CHECK(store_summary_make(0, raw, len, &log2) == NULL);
    mem_unmap(raw, cap);
    hot_fini(&h);
}

/* A summary folded a byte at a time equals the fold a bit at a time, on random filters. */
static void test_summary_fold(void)
{
    uint64_t rng = 5;
    for (unsigned log2 = 4; log2 <= 14; log2++) {
        size_t bytes = (1u << log2) / 8;
        uint8_t f[2048], got[1024], want[1024];
        for (size_t i = 0; i < bytes; i++)
            f[i] = (uint8_t)rowgen_next(&rng) & (uint8_t)rowgen_next(&rng); /* some bits clear */
        memset(want, 0, bytes / 2);
        for (uint32_t j = 0; j < (1u << (log2 - 1)); j++) {
            uint32_t a = 2 * j, b = 2 * j + 1;
            if ((f[a >> 3] >> (a & 7) & 1) | (f[b >> 3] >> (b & 7) & 1))
                want[j >> 3] |= (uint8_t)(1u << (j & 7));
        }
        store_summary_fold(f, log2, got);
        CHECK(memcmp(got, want, bytes / 2) == 0);
    }
}

int main(void)
{
    test_permute_round_trip();
    test_permute_damaged();
    test_pack_refuses_separator();
    test_pack_damaged();
    test_derive_round_trip();
    test_derive_damaged();
    test_choose_period();
    test_plain_rows();
    test_seal_parse_load_pop();
    test_damaged_pages();
    test_sizes();
    test_spares();
    test_summary_reference();
    test_summary_fold();
    return check_done();
}
