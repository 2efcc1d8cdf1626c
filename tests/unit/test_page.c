/*
 * The raw page format and the hot page: append, seal, parse, load, pop, and
 * a parser that refuses every damaged page without reading out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "page.h"
#include "rowcodec.h"
#include "rowgen.h"

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

int main(void)
{
    test_plain_rows();
    test_seal_parse_load_pop();
    test_damaged_pages();
    test_sizes();
    return check_done();
}
