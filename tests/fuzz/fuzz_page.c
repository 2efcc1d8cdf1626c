/*
 * Fuzz target for the page decoder: arbitrary bytes as a raw page (as a
 * damaged disk or a bug could hand it over after decompression). The parser
 * must refuse or locate rows without reading out of bounds, and every row it
 * locates must decode or be refused; a decoded row must survive a re-encode.
 * A permuted page (format 2, "SBP2") is first put back in order, as the store
 * does after decompressing a cold page: that must refuse a bad period or
 * framing, and a page it accepts must parse and permute back to the very
 * same bytes. A packed page (format 3, "SBP3") likewise: unpacked, it must parse and pack
 * back to the same bytes. A page with derived rows (format 4, "SBP4") is read part way and put
 * back in order like format 2; what it accepts must parse, and derived again and put back in
 * order it must give the same page (a page need not have derived every row it could, so the
 * bytes may differ).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "rowcodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Locates rows of a format-2 page as a partial read does: anything found must be in bounds. */
static void locate_rows(const uint8_t *src, size_t size)
{
    size_t prefix;
    if (page_permuted_prefix(src, size, &prefix) != 0)
        return;
    if (prefix > size)
        abort();
    for (uint32_t i = 0; i < 64; i++) {
        struct permuted_row r;
        if (page_permuted_locate(src, size, i, &r) != 0)
            break;
        if (r.meta_off + r.meta_len > prefix || r.text_off < prefix ||
            r.text_off + r.text_len >= size)
            abort();
        uint8_t buf[DERIVE_TEXT_MAX];
        const uint8_t *text;
        size_t len;
        if (page_permuted_text(src, &r, buf, &text, &len) == 0 && r.kind && len != r.derived_len)
            abort();
    }
}

/* A format-4 page put back in order into a fresh buffer; NULL if refused. What it accepts
 * must parse, and derive and come back to the same page. */
static uint8_t *restore_derived(const uint8_t *src, size_t size, size_t *len,
                                struct page_view *v)
{
    uint32_t nrows = (uint32_t)src[4] | (uint32_t)src[5] << 8 | (uint32_t)src[6] << 16 |
                     (uint32_t)src[7] << 24;
    size_t rows = nrows < size ? nrows : size, cap = PAGE_HEADER_BYTES + size +
                                                     rows * (DERIVE_TEXT_MAX + 1);
    uint8_t *plain = malloc(cap);
    if (page_unpermute(src, size, plain, cap, len) != 0) {
        free(plain);
        return NULL;
    }
    if (page_view_parse(v, plain, *len) != 0)
        abort();
    uint8_t *again = malloc(page_permuted_len(v)), *back = malloc(*len);
    size_t n = page_derive(v, (uint32_t)src[16], again), m = 0;
    if (n && (page_unpermute(again, n, back, *len, &m) != 0 || m != *len ||
              memcmp(back, plain, m) != 0))
        abort(); /* derived rows that do not come back */
    free(again);
    free(back);
    return plain;
}

/*
 * Puts a permuted or packed page back in order (undo) into a fresh buffer of cap bytes;
 * NULL if it is refused. What it accepts must parse, and redo must make the same bytes of it.
 */
static uint8_t *restore(const uint8_t *src, size_t size, size_t cap, size_t *len,
                        struct page_view *v,
                        int (*undo)(const uint8_t *, size_t, uint8_t *, size_t, size_t *),
                        size_t (*redo)(const struct page_view *, uint32_t, uint8_t *))
{
    uint8_t *plain = malloc(cap ? cap : 1);
    if (undo(src, size, plain, cap, len) != 0) {
        free(plain);
        return NULL;
    }
    if (page_view_parse(v, plain, *len) != 0)
        abort(); /* undo let through a page the parser refuses */
    uint8_t *again = malloc(page_permuted_len(v));
    uint32_t period = (uint32_t)src[16] | (uint32_t)src[17] << 8 | (uint32_t)src[18] << 16 |
                      (uint32_t)src[19] << 24;
    size_t n = redo(v, period, again);
    if (n != size || memcmp(again, src, size) != 0)
        abort(); /* undo is not the inverse of redo */
    free(again);
    return plain;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy, so that reads past the end hit ASan's redzone. */
    uint8_t *raw = malloc(size ? size : 1);
    memcpy(raw, data, size);
    struct page_view v;
    page_view_init(&v);
    struct sb_row row;
    sb_row_init(&row);
    if (size >= 4 && memcmp(raw, "SBP2", 4) == 0) {
        locate_rows(raw, size);
        /* format 1 needs exactly what format 2 takes, less the header's period */
        uint8_t *plain = restore(raw, size, size, &size, &v, page_unpermute, page_permute);
        free(raw);
        raw = plain;
        if (!raw)
            size = 0;
    } else if (size >= PAGE_PERMUTED_HEADER_BYTES && memcmp(raw, "SBP4", 4) == 0) {
        locate_rows(raw, size);
        uint8_t *plain = restore_derived(raw, size, &size, &v);
        free(raw);
        raw = plain;
        if (!raw)
            size = 0;
    } else if (size >= 4 && memcmp(raw, "SBP3", 4) == 0) {
        /* format 1 adds at most 5 bytes of text length to each row (rows <= size) */
        uint8_t *plain = restore(raw, size, 6 * size + PAGE_HEADER_BYTES, &size, &v, page_unpack,
                                 page_pack);
        free(raw);
        raw = plain;
        if (!raw)
            size = 0;
    }
    if (raw && page_view_parse(&v, raw, size) == 0) {
        for (uint32_t i = 0; i < v.nrows; i++) {
            if (page_view_row(&v, i, &row) != 0)
                continue;
            if (rowcodec_validate_row(&row) != 0)
                abort(); /* the decoder produced a row no caller could push */
        }
    }
    sb_row_fini(&row);
    page_view_fini(&v);
    free(raw);
    return 0;
}
