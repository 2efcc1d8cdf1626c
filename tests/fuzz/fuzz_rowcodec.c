/*
 * libFuzzer target for the row codec. The first byte picks a mode (mod 4):
 *   0 decode: bytes 1-2 (little endian) split the rest into a meta and a text
 *     stream, walked row by row with rowcodec_skip as a page reader would.
 *     Every row that decodes must validate, encode back to exactly the bytes
 *     it came from (the format is canonical) and decode to the same row.
 *   1 build: the rest describes a row (see fuzz_build), mostly valid; a row
 *     that validates must encode within the bounds and decode identically.
 *   2 raw: the rest is taken as sb_cell memory, to drive validate with
 *     arbitrary fields; a row it accepts must round-trip too.
 *   3 edit: a row built as in mode 1 is encoded, then its body and text get
 *     a few small edits named by the input's tail, behind a header rewritten
 *     to agree. Blind byte flips rarely keep an encoding well-formed enough
 *     to reach the decoder's deeper checks; these edits nearly always do. A
 *     decoded row must again be canonical, as in mode 0.
 * Streams and rows sit in buffers of their exact size so ASan sees overruns.
 */
#include <stdlib.h>
#include <string.h>

#include "scrollback/rowcodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the fuzzer with a crash it keeps when an expectation fails. */
static void expect(int cond)
{
    if (!cond)
        abort();
}

/* A copy of n bytes in a buffer of exactly n bytes (one byte when n is 0). */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
    uint8_t *q = malloc(n ? n : 1);
    expect(q != NULL);
    if (n)
        memcpy(q, p, n);
    return q;
}

/* A decoded row with hyperlinks: it validates, and encodes back to exactly its bytes. */
static void check_linked(const struct sb_row *row, const uint8_t *meta, size_t meta_len,
                         const uint8_t *text, size_t text_len)
{
    expect(rowcodec_validate_row(row) == 0);
    uint8_t *t = malloc(rowcodec_text_bound(row->ncols) + 1);
    uint8_t *m = malloc(rowcodec_row_meta_bound(row));
    size_t tl, ml;
    expect(t && m);
    rowcodec_encode_row(row, t, &tl, m, &ml);
    expect(ml == meta_len && tl == text_len && !memcmp(m, meta, ml) && !memcmp(t, text, tl));
    free(t);
    free(m);
}

/* Decodes a row from freshly encoded bytes and checks every field against cells. */
static void check_round_trip(const struct sb_cell *cells, uint32_t ncols, uint32_t flags,
                             const uint8_t *meta, size_t meta_len, const uint8_t *text,
                             size_t text_len)
{
    uint8_t *t = malloc(rowcodec_text_bound(ncols) + 1);
    uint8_t *m = malloc(rowcodec_meta_bound(ncols));
    size_t tl, ml, used, skipped_tl;
    expect(t && m);
    rowcodec_encode(cells, ncols, flags, t, &tl, m, &ml);
    expect(tl <= rowcodec_text_bound(ncols) && ml <= rowcodec_meta_bound(ncols));
    if (meta)
        expect(ml == meta_len && tl == text_len && !memcmp(m, meta, ml) && !memcmp(t, text, tl));
    expect(rowcodec_skip(m, ml, &used, &skipped_tl) == 0 && used == ml && skipped_tl == tl);

    struct sb_row row;
    sb_row_init(&row);
    expect(rowcodec_decode(m, ml, t, tl, &row) == 0);
    expect(row.ncols == ncols && row.flags == flags);
    expect(ncols == 0 || memcmp(row.cells, cells, ncols * sizeof *cells) == 0);
    sb_row_fini(&row);
    free(t);
    free(m);
}

/* Mode 0: arbitrary streams, decoded row after row. */
static void fuzz_decode(const uint8_t *data, size_t size)
{
    if (size < 3)
        return;
    size_t split = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    split = split < size ? split : size;
    uint8_t *meta = dup_exact(data, split), *text = dup_exact(data + split, size - split);
    size_t mi = 0, ti = 0, tsize = size - split, used, tlen;
    struct sb_row row;
    sb_row_init(&row);
    for (int n = 0; n < 64 && rowcodec_skip(meta + mi, split - mi, &used, &tlen) == 0; n++) {
        if (tlen > tsize - ti)
            break;
        int rc = rowcodec_decode(meta + mi, split - mi, text + ti, tsize - ti, &row);
        if (rc == 0 && (row.nlinks || row.has_command)) { /* what only the full row form carries */
            check_linked(&row, meta + mi, used, text + ti, tlen);
        } else if (rc == 0) {
            expect(rowcodec_validate(row.cells, row.ncols, row.flags) == 0);
            check_round_trip(row.cells, row.ncols, row.flags, meta + mi, used, text + ti, tlen);
        } else {
            expect(row.ncols == 0);
        }
        mi += used;
        ti += tlen;
    }
    sb_row_fini(&row);
    free(meta);
    free(text);
}

/* Reads bytes off the front of the input; zeros once it runs out. */
struct src {
    const uint8_t *p;
    size_t left;
};

static uint32_t take(struct src *s, unsigned nbytes)
{
    uint32_t v = 0;
    for (unsigned k = 0; k < nbytes; k++) {
        v = v << 8 | (s->left ? *s->p : 0);
        if (s->left) {
            s->p++;
            s->left--;
        }
    }
    return v;
}

/* A codepoint of the class a cell's op byte names: ASCII, BMP or astral (maybe invalid). */
static uint32_t take_cp(struct src *s, unsigned cls)
{
    switch (cls) {
    case 1:
        return take(s, 1);
    case 2:
        return take(s, 2);
    default:
        return take(s, 3) & 0x1fffff;
    }
}

/*
 * Fills one cell from an op byte: bits 0-1 the codepoint class (0 empty),
 * bit 2 combining marks follow, bit 3 wide (with a canonical continuation),
 * bit 4 a new style follows (raw fields, so sometimes invalid), bit 5 a raw
 * width follows. Returns the columns used.
 */
static uint32_t build_cell(struct src *s, struct sb_cell *cells, uint32_t i, uint32_t ncols,
                           struct sb_cell *style)
{
    struct sb_cell *c = &cells[i];
    uint32_t op = take(s, 1);
    if (op & 0x10) {
        style->attrs = (uint16_t)take(s, 2);
        style->fg = take(s, 4);
        style->bg = take(s, 4);
    }
    c->attrs = style->attrs;
    c->fg = style->fg;
    c->bg = style->bg;
    c->width = 1;
    if (op & 3)
        c->chars[0] = take_cp(s, op & 3);
    for (uint32_t k = 1, n = op & 4 ? take(s, 1) % SB_MAX_CHARS : 0; k <= n; k++)
        c->chars[k] = take_cp(s, 2);
    if (op & 0x20)
        c->width = (uint8_t)take(s, 1);
    if (!(op & 8) || i + 1 >= ncols)
        return 1;
    c->width = 2;
    struct sb_cell *cont = &cells[i + 1];
    memset(cont, 0, sizeof *cont);
    cont->attrs = c->attrs;
    cont->fg = c->fg;
    cont->bg = c->bg;
    return 2;
}

/* A row described by the input (ncols, flags, then cells); the caller frees *out. */
static uint32_t build_row(struct src *s, struct sb_cell **out, uint32_t *flags_out)
{
    uint32_t ncols = take(s, 1), flags = take(s, 1);
    /* Rows near the widest allowed are slow under ASan, so only a few inputs ask for them. */
    if (flags >> 2 == 0x3f)
        ncols = SB_MAX_COLS - ncols;
    if (flags >> 2 == 0x3e)
        ncols = SB_MAX_COLS + 1;
    flags &= 3;
    struct sb_cell *cells = calloc(ncols ? ncols : 1, sizeof *cells);
    struct sb_cell style;
    memset(&style, 0, sizeof style);
    expect(cells != NULL);
    for (uint32_t i = 0; i < ncols; i++)
        cells[i].width = 1;
    for (uint32_t i = 0; i < ncols && s->left > 0;)
        i += build_cell(s, cells, i, ncols, &style);
    *out = cells;
    *flags_out = flags;
    return ncols;
}

/* Mode 1: a row described by the input, then validated and round-tripped. */
static void fuzz_build(const uint8_t *data, size_t size)
{
    struct src s = {data, size};
    struct sb_cell *cells;
    uint32_t flags, ncols = build_row(&s, &cells, &flags);
    if (rowcodec_validate(cells, ncols, flags) == 0)
        check_round_trip(cells, ncols, flags, NULL, 0, NULL, 0);
    free(cells);
}

/* Mode 2: raw cell memory, mostly refused by validate. */
static void fuzz_raw(const uint8_t *data, size_t size)
{
    uint32_t ncols = (uint32_t)(size / sizeof(struct sb_cell));
    struct sb_cell *cells = calloc(ncols ? ncols : 1, sizeof *cells);
    expect(cells != NULL);
    for (uint32_t i = 0; i < ncols; i++) {
        /* Field by field, so that the padding stays zero and rows compare with memcmp. */
        struct sb_cell c;
        memcpy(&c, data + i * sizeof c, sizeof c);
        memcpy(cells[i].chars, c.chars, sizeof c.chars);
        cells[i].fg = c.fg;
        cells[i].bg = c.bg;
        cells[i].attrs = c.attrs;
        cells[i].width = c.width;
    }
    if (rowcodec_validate(cells, ncols, 0) == 0)
        check_round_trip(cells, ncols, 0, NULL, 0, NULL, 0);
    free(cells);
}

/* A byte string with room to grow by a few inserted bytes. */
struct buf {
    uint8_t *p;
    size_t len;
};

/*
 * Applies one edit [op, pos, val]: bits 1-2 of op add val, set val, insert
 * val or delete; its bits 3-7 and pos give the place, modulo the length.
 */
static void edit(struct buf *b, const uint8_t *e)
{
    unsigned op = e[0] >> 1 & 3;
    size_t span = b->len + (op == 2); /* an insert may also go at the end */
    if (span == 0)
        return;
    size_t pos = ((size_t)(e[0] >> 3) << 8 | e[1]) % span;
    switch (op) {
    case 0:
        b->p[pos] = (uint8_t)(b->p[pos] + e[2]);
        break;
    case 1:
        b->p[pos] = e[2];
        break;
    case 2:
        memmove(b->p + pos + 1, b->p + pos, b->len - pos);
        b->p[pos] = e[2];
        b->len++;
        break;
    default:
        memmove(b->p + pos, b->p + pos + 1, b->len - pos - 1);
        b->len--;
        break;
    }
}

/* Appends a varint (the header the test writes around an edited body). */
static uint8_t *put_varint(uint8_t *p, size_t v)
{
    for (; v >= 0x80; v >>= 7)
        *p++ = (uint8_t)(v | 0x80);
    *p++ = (uint8_t)v;
    return p;
}

/* Decodes edited streams as mode 0 does: an error, or a canonical row. */
static void check_edited(const struct buf *body, const struct buf *text)
{
    uint8_t *meta = malloc(body->len + 12), *t = dup_exact(text->p, text->len);
    expect(meta != NULL);
    uint8_t *h = put_varint(put_varint(meta, text->len), body->len);
    memcpy(h, body->p, body->len);
    size_t mlen = (size_t)(h - meta) + body->len;
    uint8_t *m = dup_exact(meta, mlen);
    struct sb_row row;
    sb_row_init(&row);
    if (rowcodec_decode(m, mlen, t, text->len, &row) == 0) {
        if (row.nlinks || row.has_command) { /* what only the full row form carries */
            check_linked(&row, m, mlen, t, text->len);
        } else {
            expect(rowcodec_validate(row.cells, row.ncols, row.flags) == 0);
            check_round_trip(row.cells, row.ncols, row.flags, m, mlen, t, text->len);
        }
    }
    sb_row_fini(&row);
    free(meta);
    free(m);
    free(t);
}

/* Mode 3: small edits to a valid row's encoding. */
static void fuzz_edit(const uint8_t *data, size_t size)
{
    size_t nedits = size ? data[0] & 7 : 0;
    if (size < 1 + 3 * nedits)
        return;
    const uint8_t *edits = data + size - 3 * nedits;
    struct src s = {data + 1, size - 1 - 3 * nedits};
    struct sb_cell *cells;
    uint32_t flags, ncols = build_row(&s, &cells, &flags);
    if (ncols <= 4096 && rowcodec_validate(cells, ncols, flags) == 0) {
        struct buf meta = {malloc(rowcodec_meta_bound(ncols) + 8), 0};
        struct buf text = {malloc(rowcodec_text_bound(ncols) + 8), 0};
        expect(meta.p && text.p);
        rowcodec_encode(cells, ncols, flags, text.p, &text.len, meta.p, &meta.len);
        /* Edit the body only: the header is rewritten to agree with the edited lengths. */
        const uint8_t *p = meta.p;
        while (*p++ & 0x80) {}
        while (*p++ & 0x80) {}
        struct buf body = {meta.p, meta.len - (size_t)(p - meta.p)};
        memmove(body.p, p, body.len);
        for (size_t k = 0; k < nedits; k++)
            edit(edits[3 * k] & 1 ? &text : &body, edits + 3 * k);
        check_edited(&body, &text);
        free(meta.p);
        free(text.p);
    }
    free(cells);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 4) {
    case 0:
        fuzz_decode(data, size);
        break;
    case 1:
        fuzz_build(data + 1, size - 1);
        break;
    case 2:
        fuzz_raw(data + 1, size - 1);
        break;
    default:
        fuzz_edit(data + 1, size - 1);
        break;
    }
    return 0;
}
