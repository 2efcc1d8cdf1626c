/*
 * The raw page format and the hot page: append, seal, parse, load, pop, and
 * a parser that refuses every damaged page without reading out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "page.h"
#include "rowgen.h"

#define NCOLS 120

/* Appends n generated rows (seeds 1..n) to the hot page. */
static void fill(struct hot_page *h, int n)
{
    struct sb_cell cells[NCOLS];
    for (int i = 1; i <= n; i++) {
        size_t added;
        rowgen_fill((uint64_t)i, (uint32_t)(i % NCOLS), i % 2, cells);
        REQUIRE(hot_append(h, cells, (uint32_t)(i % NCOLS), i % 3 ? 0 : SB_ROW_WRAPPED,
                           &added) == 0);
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
    REQUIRE(hot_append(&h, wide, SB_MAX_COLS, 0, &added) == 0);
    CHECK(added >= (size_t)SB_MAX_COLS * 14);
    CHECK(added <= hot_row_bound(SB_MAX_COLS));
    struct sb_row row;
    sb_row_init(&row);
    CHECK(page_view_row(&h.view, 0, &row) == 0);
    CHECK(rowgen_equal(wide, SB_MAX_COLS, 0, &row));
    REQUIRE(hot_append(&h, NULL, 0, 0, &added) == 0);
    CHECK(added > 0);
    CHECK(hot_bytes(&h) >= hot_raw_len(&h));
    sb_row_fini(&row);
    free(wide);
    hot_fini(&h);
}

int main(void)
{
    test_seal_parse_load_pop();
    test_damaged_pages();
    test_sizes();
    return check_done();
}
