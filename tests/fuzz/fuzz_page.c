/*
 * Fuzz target for the page decoder: arbitrary bytes as a raw page (as a
 * damaged disk or a bug could hand it over after decompression). The parser
 * must refuse or locate rows without reading out of bounds, and every row it
 * locates must decode or be refused; a decoded row must survive a re-encode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "rowcodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy, so that reads past the end hit ASan's redzone. */
    uint8_t *raw = malloc(size ? size : 1);
    memcpy(raw, data, size);
    struct page_view v;
    page_view_init(&v);
    struct sb_row row;
    sb_row_init(&row);
    if (page_view_parse(&v, raw, size) == 0) {
        for (uint32_t i = 0; i < v.nrows; i++) {
            if (page_view_row(&v, i, &row) != 0)
                continue;
            if (rowcodec_validate(row.cells, row.ncols, row.flags) != 0)
                abort(); /* the decoder produced a row no caller could push */
        }
    }
    sb_row_fini(&row);
    page_view_fini(&v);
    free(raw);
    return 0;
}
