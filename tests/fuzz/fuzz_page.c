/*
 * Fuzz target for the page decoder: arbitrary bytes as a raw page (as a
 * damaged disk or a bug could hand it over after decompression). The parser
 * must refuse or locate rows without reading out of bounds, and every row it
 * locates must decode or be refused; a decoded row must survive a re-encode.
 * A permuted page (format 2, "SBP2") is first put back in order, as the store
 * does after decompressing a cold page: that must refuse a bad period or
 * framing, and a page it accepts must parse and permute back to the very
 * same bytes. A packed page (format 3, "SBP3") likewise: unpacked, it must parse and pack
 * back to the same bytes.
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
    }
}

/* Puts a permuted page back in order into a fresh buffer; NULL if it is refused. */
static uint8_t *unpermute(const uint8_t *src, size_t size, size_t *len, struct page_view *v)
{
    uint8_t *plain = malloc(size ? size : 1); /* exactly what a page of size bytes needs */
    if (page_unpermute(src, size, plain, size, len) != 0) {
        free(plain);
        return NULL;
    }
    if (page_view_parse(v, plain, *len) != 0)
        abort(); /* unpermute let through a page the parser refuses */
    uint8_t *again = malloc(page_permuted_len(v));
    uint32_t period = (uint32_t)src[16] | (uint32_t)src[17] << 8 | (uint32_t)src[18] << 16 |
                      (uint32_t)src[19] << 24;
    size_t n = page_permute(v, period, again);
    if (n != size || memcmp(again, src, size) != 0)
        abort(); /* not the inverse of page_permute */
    free(again);
    return plain;
}

/* Unpacks a packed page into a fresh buffer; NULL if it is refused. */
static uint8_t *unpack(const uint8_t *src, size_t size, size_t *len, struct page_view *v)
{
    size_t cap = 6 * size + PAGE_HEADER_BYTES; /* a length of at most 5 bytes for each row */
    uint8_t *plain = malloc(cap);
    if (page_unpack(src, size, plain, cap, len) != 0) {
        free(plain);
        return NULL;
    }
    if (page_view_parse(v, plain, *len) != 0)
        abort(); /* unpack let through a page the parser refuses */
    uint8_t *again = malloc(page_permuted_len(v));
    uint32_t period = (uint32_t)src[16] | (uint32_t)src[17] << 8 | (uint32_t)src[18] << 16 |
                      (uint32_t)src[19] << 24;
    size_t n = page_pack(v, period, again);
    if (n != size || memcmp(again, src, size) != 0)
        abort(); /* not the inverse of page_pack */
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
        uint8_t *plain = unpermute(raw, size, &size, &v);
        free(raw);
        raw = plain;
        if (!raw)
            size = 0;
    } else if (size >= 4 && memcmp(raw, "SBP3", 4) == 0) {
        uint8_t *plain = unpack(raw, size, &size, &v);
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
