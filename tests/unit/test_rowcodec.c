/*
 * Row codec tests: exact round trips of every feature of the row model and of
 * 10,000 random rows, the exact bytes of a plain row, every validation
 * rejection, hand-made corrupt encodings, truncations, mutations and random
 * bytes (an error or a canonical row, never a crash), bounds and skip.
 *
 * Rows are built in zeroed memory so that decoded rows compare with memcmp.
 */
#include "check.h"

#include "scrollback/rowcodec.h"

/* ---- Helpers ----------------------------------------------------------- */

/* splitmix64: a small deterministic PRNG, so failures reproduce. */
static uint64_t rng_state = 0x243f6a8885a308d3u;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A uniform number in [0, n). */
static uint32_t rnd_below(uint32_t n)
{
    return n ? (uint32_t)(rnd() % n) : 0;
}

/* A row of ncols blank cells in zeroed memory (padding included). */
static struct sb_cell *row_new(uint32_t ncols)
{
    struct sb_cell *cells = calloc(ncols ? ncols : 1, sizeof *cells);
    REQUIRE(cells != NULL);
    for (uint32_t i = 0; i < ncols; i++)
        cells[i].width = 1;
    return cells;
}

/* Writes an ASCII string into cells from col, one cell per byte. */
static void put_str(struct sb_cell *cells, uint32_t col, const char *s)
{
    for (; *s; s++)
        cells[col++].chars[0] = (uint8_t)*s;
}

/* Makes cells[col] a wide cell holding cp and cells[col + 1] its canonical continuation. */
static void put_wide(struct sb_cell *cells, uint32_t col, uint32_t cp)
{
    cells[col].chars[0] = cp;
    cells[col].width = 2;
    memset(cells[col + 1].chars, 0, sizeof cells[col + 1].chars);
    cells[col + 1].width = 0;
    cells[col + 1].attrs = cells[col].attrs;
    cells[col + 1].fg = cells[col].fg;
    cells[col + 1].bg = cells[col].bg;
}

/* An encoded row in buffers of exactly the bound's size, so ASan catches an overrun. */
struct enc {
    uint8_t *text, *meta;
    size_t text_len, meta_len;
};

/* Encodes a row; the caller frees with enc_free(). */
static struct enc enc_row(const struct sb_cell *cells, uint32_t ncols, uint32_t flags)
{
    struct enc e;
    e.text = malloc(rowcodec_text_bound(ncols) + 1);
    e.meta = malloc(rowcodec_meta_bound(ncols));
    REQUIRE(e.text && e.meta);
    rowcodec_encode(cells, ncols, flags, e.text, &e.text_len, e.meta, &e.meta_len);
    return e;
}

static void enc_free(struct enc *e)
{
    free(e->text);
    free(e->meta);
}

/* True when a decoded row is valid and encodes back to exactly the bytes it came from. */
static bool recodes_to(const struct sb_row *row, const uint8_t *meta, size_t meta_len,
                       const uint8_t *text, size_t text_len)
{
    if (rowcodec_validate_row(row) != 0)
        return false;
    struct enc e;
    e.text = malloc(rowcodec_text_bound(row->ncols) + 1);
    e.meta = malloc(rowcodec_row_meta_bound(row));
    REQUIRE(e.text && e.meta);
    rowcodec_encode_row(row, e.text, &e.text_len, e.meta, &e.meta_len);
    bool same = e.meta_len == meta_len && e.text_len == text_len
             && memcmp(e.meta, meta, meta_len) == 0 && memcmp(e.text, text, text_len) == 0;
    enc_free(&e);
    return same;
}

/* Validates, encodes, skips and decodes a row; true when every field comes back. */
static bool round_trip(const struct sb_cell *cells, uint32_t ncols, uint32_t flags)
{
    if (rowcodec_validate(cells, ncols, flags) != 0)
        return false;
    struct enc e = enc_row(cells, ncols, flags);
    size_t used = 0, tlen = 0;
    bool ok = e.text_len <= rowcodec_text_bound(ncols) && e.meta_len <= rowcodec_meta_bound(ncols)
           && rowcodec_skip(e.meta, e.meta_len, &used, &tlen) == 0 && used == e.meta_len
           && tlen == e.text_len;
    struct sb_row row;
    sb_row_init(&row);
    ok = ok && rowcodec_decode(e.meta, e.meta_len, e.text, e.text_len, &row) == 0
      && row.ncols == ncols && row.flags == flags
      && (ncols == 0 || memcmp(row.cells, cells, ncols * sizeof *cells) == 0)
      && recodes_to(&row, e.meta, e.meta_len, e.text, e.text_len);
    sb_row_fini(&row);
    enc_free(&e);
    return ok;
}

/* Decodes arbitrary streams: an error, or a row that recodes to the very same bytes. */
static bool decode_is_sane(const uint8_t *meta, size_t meta_len, const uint8_t *text,
                           size_t text_len)
{
    struct sb_row row;
    sb_row_init(&row);
    size_t used, tlen;
    bool ok = true;
    if (rowcodec_decode(meta, meta_len, text, text_len, &row) == 0) {
        ok = rowcodec_skip(meta, meta_len, &used, &tlen) == 0
          && recodes_to(&row, meta, used, text, tlen);
    } else {
        ok = row.ncols == 0;
    }
    sb_row_fini(&row);
    return ok;
}

/* ---- Random rows ------------------------------------------------------- */

/* A codepoint from a mix of ASCII, controls, 2-, 3- and 4-byte UTF-8; never 0. */
static uint32_t rnd_cp(void)
{
    switch (rnd_below(8)) {
    case 0:
        return 1 + rnd_below(0x7f);
    case 1:
        return 0x80 + rnd_below(0x800 - 0x80);
    case 2: {
        uint32_t cp = 0x800 + rnd_below(0x10000 - 0x800 - 0x800);
        return cp >= 0xd800 ? cp + 0x800 : cp;
    }
    case 3:
        return 0x10000 + rnd_below(0x110000 - 0x10000);
    default:
        return 0x20 + rnd_below(0x5f);
    }
}

static sb_color rnd_color(void)
{
    switch (rnd_below(4)) {
    case 0:
        return SB_COLOR_PALETTE(rnd());
    case 1:
        return SB_COLOR_RGB(rnd(), rnd(), rnd());
    default:
        return SB_COLOR_DEFAULT;
    }
}

static uint16_t rnd_attrs(void)
{
    if (rnd_below(2))
        return 0;
    uint32_t a = (uint32_t)rnd() & (SB_ATTR_VALID_MASK & ~SB_ATTR_FONT_MASK);
    return (uint16_t)(a | rnd_below(10) << SB_ATTR_FONT_SHIFT);
}

/* Gives cell c a random style, or keeps the previous one most of the time. */
static void rnd_style(struct sb_cell *c, const struct sb_cell *prev, unsigned change_pct)
{
    if (prev && rnd_below(100) >= change_pct) {
        c->attrs = prev->attrs;
        c->fg = prev->fg;
        c->bg = prev->bg;
        return;
    }
    c->attrs = rnd_attrs();
    c->fg = rnd_color();
    c->bg = rnd_color();
}

/* Random contents for one non-continuation cell: empty, one codepoint, or several. */
static void rnd_chars(struct sb_cell *c)
{
    uint32_t r = rnd_below(100);
    if (r < 10)
        return;
    uint32_t n = r < 80 ? 1 : 2 + rnd_below(SB_MAX_CHARS - 1);
    for (uint32_t k = 0; k < n; k++)
        c->chars[k] = rnd_cp();
}

/* A random valid row: the mix of features varies from row to row. */
static void rnd_row(struct sb_cell *cells, uint32_t ncols)
{
    unsigned style_pct = rnd_below(3) == 0 ? 0 : rnd_below(40);
    unsigned wide_pct = rnd_below(2) ? 0 : rnd_below(50);
    uint32_t blank_from = rnd_below(2) ? ncols : rnd_below(ncols + 1);
    for (uint32_t i = 0; i < blank_from; i++) {
        struct sb_cell *c = &cells[i];
        rnd_chars(c);
        if (style_pct)
            rnd_style(c, i ? &cells[i - 1] : NULL, style_pct);
        if (i + 1 < blank_from && rnd_below(100) < wide_pct)
            put_wide(cells, i++, c->chars[0]);
    }
}

/* Random widths: mostly terminal-like, sometimes tiny, rarely the widest row. */
static uint32_t rnd_ncols(void)
{
    uint32_t r = rnd_below(1000);
    if (r < 2)
        return SB_MAX_COLS - rnd_below(3);
    if (r < 100)
        return rnd_below(4);
    return rnd_below(300);
}

/* ---- Round trips of each feature --------------------------------------- */

static void test_plain_bytes(void)
{
    struct sb_cell *cells = row_new(80);
    put_str(cells, 0, "hello");
    struct enc e = enc_row(cells, 80, 0);
    static const uint8_t want[] = {5, 5, 80, 0, 0, 0, 0};
    CHECK_EQ(e.text_len, 5);
    CHECK(memcmp(e.text, "hello", 5) == 0);
    CHECK_EQ(e.meta_len, sizeof want);
    CHECK(e.meta_len == sizeof want && memcmp(e.meta, want, sizeof want) == 0);
    CHECK(round_trip(cells, 80, 0));
    enc_free(&e);
    free(cells);
}

static void test_attrs(void)
{
    struct sb_cell *cells = row_new(20);
    put_str(cells, 0, "attributes");
    for (uint32_t bit = 0; bit < 6; bit++) {
        cells[3].attrs = (uint16_t)(1u << bit);
        CHECK(round_trip(cells, 20, 0));
    }
    for (uint32_t u = 0; u < 4; u++) {
        cells[3].attrs = (uint16_t)(u << SB_ATTR_UNDERLINE_SHIFT);
        CHECK(round_trip(cells, 20, 0));
    }
    for (uint32_t f = 0; f < 10; f++) {
        cells[3].attrs = (uint16_t)(f << SB_ATTR_FONT_SHIFT | SB_ATTR_BOLD);
        CHECK(round_trip(cells, 20, 0));
    }
    cells[3].attrs = SB_ATTR_DIM;
    CHECK(round_trip(cells, 20, 0));
    cells[3].attrs = SB_ATTR_OVERLINE;
    CHECK(round_trip(cells, 20, 0));
    for (uint32_t i = 0; i < 20; i++)
        cells[i].attrs = (uint16_t)(0x3f | 3u << 6 | 9u << 8 | SB_ATTR_DIM | SB_ATTR_OVERLINE);
    CHECK(round_trip(cells, 20, 0));
    free(cells);
}

static void test_colors(void)
{
    const sb_color colors[] = {
        SB_COLOR_DEFAULT, SB_COLOR_PALETTE(0), SB_COLOR_PALETTE(7), SB_COLOR_PALETTE(255),
        SB_COLOR_RGB(0, 0, 0), SB_COLOR_RGB(255, 255, 255), SB_COLOR_RGB(1, 2, 3),
    };
    size_t n = sizeof colors / sizeof colors[0];
    struct sb_cell *cells = row_new(12);
    put_str(cells, 0, "colours");
    for (size_t f = 0; f < n; f++) {
        for (size_t b = 0; b < n; b++) {
            cells[2].fg = cells[5].fg = colors[f];
            cells[2].bg = cells[11].bg = colors[b];
            CHECK(round_trip(cells, 12, 0));
        }
    }
    free(cells);
}

static void test_wide(void)
{
    struct sb_cell *cells = row_new(10);
    put_wide(cells, 0, 0x4e2d);
    put_wide(cells, 2, 0x1f600);
    put_str(cells, 4, "x");
    put_wide(cells, 8, 0x6587);
    CHECK(round_trip(cells, 10, 0));

    /* Styled wide cells, an empty wide cell, and a wide cell with combining marks. */
    cells[2].fg = SB_COLOR_RGB(9, 8, 7);
    cells[2].attrs = SB_ATTR_ITALIC;
    put_wide(cells, 2, 0x1f600);
    put_wide(cells, 5, 0);
    cells[0].chars[1] = 0x301;
    cells[0].chars[2] = 0x302;
    CHECK(round_trip(cells, 10, 0));
    free(cells);

    /* Wide at the second-to-last column of a 2-column row. */
    cells = row_new(2);
    put_wide(cells, 0, 0xac00);
    CHECK(round_trip(cells, 2, SB_ROW_WRAPPED));
    free(cells);
}

static void test_combining(void)
{
    struct sb_cell *cells = row_new(8);
    const uint32_t six[] = {'e', 0x301, 0x10ffff, 0x20dd, 0x1f3fb, 0x7f};
    for (uint32_t n = 1; n <= SB_MAX_CHARS; n++) {
        memset(cells[n].chars, 0, sizeof cells[n].chars);
        memcpy(cells[n].chars, six, n * sizeof six[0]);
    }
    memcpy(cells[0].chars, six, sizeof six);
    memcpy(cells[7].chars, six, sizeof six);
    CHECK(round_trip(cells, 8, 0));
    free(cells);
}

static void test_empty_and_space(void)
{
    struct sb_cell *a = row_new(6), *b = row_new(6);
    put_str(a, 0, "a b");
    put_str(b, 0, "a");
    put_str(b, 2, "b");
    CHECK(round_trip(a, 6, 0));
    CHECK(round_trip(b, 6, 0));
    struct enc ea = enc_row(a, 6, 0), eb = enc_row(b, 6, 0);
    CHECK(ea.text_len == 3 && memcmp(ea.text, "a b", 3) == 0);
    CHECK(eb.text_len == 3 && memcmp(eb.text, "a\0b", 3) == 0);
    enc_free(&ea);
    enc_free(&eb);

    /* Controls are stored like any codepoint; the text stream is length-delimited. */
    a[3].chars[0] = '\n';
    a[4].chars[0] = 0x7f;
    CHECK(round_trip(a, 6, 0));
    free(a);
    free(b);
}

static void test_trailing(void)
{
    struct sb_cell *cells = row_new(10);
    put_str(cells, 0, "ab   ");
    struct enc e = enc_row(cells, 10, 0);
    CHECK_EQ(e.text_len, 5); /* trailing spaces are text; only blank cells are left out */
    enc_free(&e);
    CHECK(round_trip(cells, 10, 0));

    /* A styled empty cell at the end (bce) is kept, as a NUL byte. */
    cells[9].bg = SB_COLOR_PALETTE(4);
    e = enc_row(cells, 10, 0);
    CHECK_EQ(e.text_len, 10);
    CHECK(e.text_len == 10 && e.text[9] == 0);
    enc_free(&e);
    CHECK(round_trip(cells, 10, 0));
    cells[9].bg = 0;
    cells[9].attrs = SB_ATTR_REVERSE;
    CHECK(round_trip(cells, 10, 0));
    free(cells);
}

static void test_continuation_form(void)
{
    struct sb_cell *cells = row_new(4);
    cells[0].attrs = SB_ATTR_BOLD;
    cells[0].bg = SB_COLOR_PALETTE(1);
    put_wide(cells, 0, 0x3042);
    struct enc e = enc_row(cells, 4, 0);
    struct sb_row row;
    sb_row_init(&row);
    REQUIRE(rowcodec_decode(e.meta, e.meta_len, e.text, e.text_len, &row) == 0);
    const struct sb_cell *c = &row.cells[1];
    CHECK_EQ(c->width, 0);
    CHECK(c->chars[0] == 0 && c->chars[5] == 0);
    CHECK_EQ(c->attrs, SB_ATTR_BOLD);
    CHECK_EQ(c->bg, SB_COLOR_PALETTE(1));
    CHECK_EQ(row.cells[2].width, 1);
    sb_row_fini(&row);
    enc_free(&e);
    free(cells);
}

static void test_sizes_and_flags(void)
{
    struct sb_cell *cells = row_new(SB_MAX_COLS);
    CHECK(round_trip(cells, 0, 0));
    CHECK(round_trip(cells, 0, SB_ROW_WRAPPED));
    CHECK(round_trip(cells, 1, 0));
    put_str(cells, 0, "z");
    CHECK(round_trip(cells, 1, SB_ROW_WRAPPED));
    CHECK(round_trip(cells, SB_MAX_COLS, 0));
    put_str(cells, SB_MAX_COLS - 1, "q");
    CHECK(round_trip(cells, SB_MAX_COLS, SB_ROW_WRAPPED));
    put_wide(cells, SB_MAX_COLS - 2, 0x4e00);
    CHECK(round_trip(cells, SB_MAX_COLS, 0));
    free(cells);
}

static void test_random_rows(void)
{
    struct sb_cell *cells = row_new(SB_MAX_COLS);
    unsigned failed = 0;
    for (int n = 0; n < 10000; n++) {
        uint32_t ncols = rnd_ncols();
        memset(cells, 0, ncols * sizeof *cells);
        for (uint32_t i = 0; i < ncols; i++)
            cells[i].width = 1;
        rnd_row(cells, ncols);
        uint32_t flags = rnd_below(2) ? SB_ROW_WRAPPED : 0;
        if (!round_trip(cells, ncols, flags) && failed++ < 5)
            fprintf(stderr, "random row %d (ncols %u) does not round-trip\n", n, ncols);
    }
    CHECK_EQ(failed, 0);
    free(cells);
}

/* ---- Validation -------------------------------------------------------- */

/* Runs one change on a good 4-column row and reports whether validate refuses it. */
static bool rejects(void (*change)(struct sb_cell *cells))
{
    struct sb_cell cells[4];
    memset(cells, 0, sizeof cells);
    for (int i = 0; i < 4; i++)
        cells[i].width = 1;
    put_str(cells, 0, "ok");
    REQUIRE(rowcodec_validate(cells, 4, 0) == 0);
    change(cells);
    return rowcodec_validate(cells, 4, 0) == SB_ERR_INVAL;
}

/* One way each to break the good row: every rule validate enforces. */
static void big_cp(struct sb_cell *c) { c[1].chars[0] = 0x110000; }
static void surrogate(struct sb_cell *c) { c[1].chars[0] = 0xdc00; }
static void surrogate_mark(struct sb_cell *c) { c[1].chars[1] = 0xd800; }
static void gap_in_chars(struct sb_cell *c) { c[1].chars[3] = 0x301; }
static void empty_with_mark(struct sb_cell *c) { c[3].chars[1] = 0x301; }
static void width3(struct sb_cell *c) { c[1].width = 3; }
static void width0_alone(struct sb_cell *c) { c[2].width = 0; }
static void width0_first(struct sb_cell *c) { c[0].width = 0; }
static void wide_last(struct sb_cell *c) { c[3].width = 2; }
static void wide_no_cont(struct sb_cell *c) { c[1].width = 2; }
static void cont_char(struct sb_cell *c) { put_wide(c, 1, 0x4e00); c[2].chars[0] = 'x'; }
static void cont_attrs(struct sb_cell *c) { put_wide(c, 1, 0x4e00); c[2].attrs = SB_ATTR_BOLD; }
static void cont_fg(struct sb_cell *c) { put_wide(c, 1, 0x4e00); c[2].fg = SB_COLOR_PALETTE(1); }
static void cont_bg(struct sb_cell *c) { put_wide(c, 1, 0x4e00); c[1].bg = SB_COLOR_PALETTE(1); }
static void cont_after_cont(struct sb_cell *c) { put_wide(c, 0, 0x4e00); c[2].width = 0; }
static void bad_attrs(struct sb_cell *c) { c[0].attrs = 1u << 14; }
static void font10(struct sb_cell *c) { c[0].attrs = 10u << SB_ATTR_FONT_SHIFT; }
static void font15(struct sb_cell *c) { c[0].attrs = 15u << SB_ATTR_FONT_SHIFT; }
static void default_junk(struct sb_cell *c) { c[0].fg = 0x00000001; }
static void palette_junk(struct sb_cell *c) { c[0].bg = 0x01000100; }
static void kind3(struct sb_cell *c) { c[0].fg = 0x03000000; }
static void kindff(struct sb_cell *c) { c[3].bg = 0xff000000; }

static void test_validate(void)
{
    void (*const bad[])(struct sb_cell *) = {
        big_cp, surrogate, surrogate_mark, gap_in_chars, empty_with_mark, width3,
        width0_alone, width0_first, wide_last, wide_no_cont, cont_char, cont_attrs, cont_fg,
        cont_bg, cont_after_cont, bad_attrs, font10, font15, default_junk, palette_junk, kind3,
        kindff,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!rejects(bad[i]))
            fprintf(stderr, "validate accepts bad row %zu\n", i);
        CHECK(rejects(bad[i]));
    }
    struct sb_cell cells[2];
    memset(cells, 0, sizeof cells);
    cells[0].width = cells[1].width = 1;
    CHECK_EQ(rowcodec_validate(cells, 2, SB_ROW_LOST), SB_ERR_INVAL);
    CHECK_EQ(rowcodec_validate(cells, 2, 0x80), SB_ERR_INVAL);
    CHECK_EQ(rowcodec_validate(cells, 2, SB_ROW_MARK_FAILED), SB_ERR_INVAL); /* without END */
    CHECK_EQ(rowcodec_validate(cells, 2, SB_ROW_MARK_END | SB_ROW_MARK_FAILED), 0);
    CHECK_EQ(rowcodec_validate(cells, SB_MAX_COLS + 1, 0), SB_ERR_INVAL);
    cells[0].chars[0] = 0x10ffff;
    cells[1].chars[0] = 0x0a;
    CHECK_EQ(rowcodec_validate(cells, 2, SB_ROW_WRAPPED), 0);
    CHECK_EQ(rowcodec_validate(NULL, 0, 0), 0);
}

/* ---- Corrupt input ----------------------------------------------------- */

/* Decodes a hand-made row (meta with its header, text); the decoder's verdict. */
static int decode_raw(const uint8_t *meta, size_t meta_len, const char *text, size_t text_len)
{
    struct sb_row row;
    sb_row_init(&row);
    int err = rowcodec_decode(meta, meta_len, (const uint8_t *)text, text_len, &row);
    if (err == 0)
        CHECK(recodes_to(&row, meta, meta_len, (const uint8_t *)text, text_len));
    sb_row_fini(&row);
    return err;
}

#define RAW(text, ...)                                                                     \
    decode_raw((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), \
               text, sizeof(text) - 1)

/* Hand-made rows the encoder writes, to pin the format down. */
static void test_format(void)
{
    CHECK_EQ(RAW("ab", 2, 5, 3, 0, 0, 0, 0), 0);
    CHECK_EQ(RAW("a\xe4\xb8\x80", 4, 6, 4, 1, 0, 1, 1, 0), 0);             /* wide at col 1 */
    CHECK_EQ(RAW("e\xcc\x81", 3, 6, 2, 0, 1, 0, 0, 0), 0);                 /* e + U+0301 */
    CHECK_EQ(RAW("ab", 2, 13, 2, 0, 0, 0, 1, 1, 1, 1, 7, 2, 1, 2, 3), 0);  /* bold colour */
    CHECK_EQ(RAW("\xe4\xb8\x80\xe4\xb8\x80", 6, 7, 4, 0, 0, 2, 0, 0, 0), 0); /* two wide */
    CHECK_EQ(RAW("ab", 2, 13, 2, 0, 0, 0, 2, 1, 0, 0, 0, 1, 1, 0, 0), 0);  /* plain, bold */
    CHECK_EQ(RAW("\xe4\xb8\x80", 3, 10, 3, 0, 0, 1, 0, 1, 2, 1, 0, 0), 0); /* bold wide */
    CHECK_EQ(RAW("", 0, 5, 0, 0, 0, 0, 0), 0);                            /* ncols 0 */
    CHECK_EQ(RAW("ab", 2, 5, 3, 0x0c, 0, 0, 0), 0);          /* prompt and input marks */
    CHECK_EQ(RAW("ab", 2, 8, 3, 0x62, 0, 0, 0, 3, 5, 7), 0); /* failed: exit 2, 5 ms, 7 KiB */
}

/* Hand-made rows no encoder writes, one for each check of the decoder. */
static void test_corrupt(void)
{
    const int bad = SB_ERR_CORRUPT;
    CHECK_EQ(RAW("ab", 2, 6, 0x83, 0x00, 0, 0, 0, 0), bad);    /* overlong ncols */
    CHECK_EQ(RAW("ab", 0x82, 0x00, 5, 3, 0, 0, 0, 0), bad);    /* overlong text_len */
    CHECK_EQ(RAW("", 0, 9, 0xff, 0xff, 0xff, 0xff, 0x1f, 0, 0, 0, 0), bad); /* > 32 bits */
    CHECK_EQ(RAW("ab", 2, 7, 0x80, 0x80, 0x04, 0, 0, 0, 0), bad); /* ncols > SB_MAX_COLS */
    CHECK_EQ(RAW("ab", 2, 5, 3, 2, 0, 0, 0), bad);             /* flags: SB_ROW_LOST */
    CHECK_EQ(RAW("ab", 2, 6, 3, 0, 0, 0, 0, 0), bad);          /* a byte left in the body */
    CHECK_EQ(RAW("ab", 2, 5, 3, 0x40, 0, 0, 0), bad);          /* FAILED without END */
    CHECK_EQ(RAW("ab", 2, 8, 3, 0x06, 0, 0, 0, 1, 0, 0), bad); /* a command without END */
    CHECK_EQ(RAW("ab", 2, 7, 3, 0x22, 0, 0, 0, 1, 0), bad);    /* the command cut short */
    CHECK_EQ(RAW("ab", 2, 12, 3, 0x22, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x08, 0, 0), bad);
                                                                /* exit status past INT32 */
    CHECK_EQ(RAW("ab", 2, 4, 3, 0, 0, 0), bad);                /* body too short */
    CHECK_EQ(RAW("ab", 2, 6, 3, 0, 0, 0, 0), bad);             /* body truncated */
    CHECK_EQ(RAW("abc", 3, 5, 2, 0, 0, 0, 0), bad);            /* text past ncols */
    CHECK_EQ(RAW("a", 2, 5, 3, 0, 0, 0, 0), bad);              /* text missing */
    CHECK_EQ(RAW("", 1, 5, 0, 0, 0, 0, 0), bad);               /* text in a 0-column row */
    CHECK_EQ(RAW("\xc0\x80", 2, 5, 3, 0, 0, 0, 0), bad);       /* overlong UTF-8 NUL */
    CHECK_EQ(RAW("\xe0\x9f\xbf", 3, 5, 3, 0, 0, 0, 0), bad);   /* overlong 3-byte */
    CHECK_EQ(RAW("\xed\xa0\x80", 3, 5, 3, 0, 0, 0, 0), bad);   /* surrogate */
    CHECK_EQ(RAW("\xf4\x90\x80\x80", 4, 5, 3, 0, 0, 0, 0), bad); /* past U+10FFFF */
    CHECK_EQ(RAW("\xe4\xb8", 2, 5, 3, 0, 0, 0, 0), bad);       /* truncated sequence */
    CHECK_EQ(RAW("\x80", 1, 5, 3, 0, 0, 0, 0), bad);           /* stray continuation */
    CHECK_EQ(RAW("a\0", 2, 5, 3, 0, 0, 0, 0), bad);            /* trailing blank left in */
    CHECK_EQ(RAW("ab", 2, 6, 2, 0, 0, 1, 1, 0), bad);          /* wide at the last column */
    CHECK_EQ(RAW("a", 1, 6, 3, 0, 0, 1, 1, 0), bad);           /* wide cell has no text */
    CHECK_EQ(RAW("e\xcc\x81", 3, 6, 2, 0, 1, 5, 0, 0), bad);   /* 7 codepoints */
    CHECK_EQ(RAW("e\0", 2, 6, 2, 0, 1, 0, 0, 0), bad);         /* NUL as a combining mark */
    CHECK_EQ(RAW("\0\xcc\x81", 3, 6, 2, 0, 1, 0, 0, 0), bad);  /* empty base with a mark */
    CHECK_EQ(RAW("e\xcc", 2, 6, 2, 0, 1, 0, 0, 0), bad);       /* mark truncated */
    CHECK_EQ(RAW("ab", 2, 6, 3, 0, 1, 0x10, 0, 0), bad);       /* multi entry past the text */
    CHECK_EQ(RAW("ab", 2, 6, 3, 0, 1, 0x80, 0, 0), bad);       /* multi entry truncated */
    CHECK_EQ(RAW("\xe4\xb8\x80", 3, 7, 3, 0, 1, 8, 1, 0, 0), bad); /* multi on continuation */
    CHECK_EQ(RAW("ab", 2, 6, 2, 0, 0, 1, 0x40, 0), bad);       /* wide entry past ncols */
    CHECK_EQ(RAW("ab", 2, 6, 2, 0, 3, 0, 0, 0), bad);          /* more entries than columns */
    CHECK_EQ(RAW("ab", 2, 9, 2, 0, 0, 0, 1, 3, 1, 0, 0), bad); /* run past the text */
    CHECK_EQ(RAW("ab", 2, 9, 2, 0, 0, 0, 1, 0, 1, 0, 0), bad); /* empty run */
    CHECK_EQ(RAW("ab", 2, 13, 2, 0, 0, 0, 2, 1, 1, 0, 0, 1, 1, 0, 0), bad); /* equal runs */
    CHECK_EQ(RAW("ab", 2, 9, 2, 0, 0, 0, 1, 1, 0, 0, 0), bad); /* last run default */
    CHECK_EQ(RAW("ab", 2, 13, 2, 0, 0, 0, 2, 1, 1, 0, 0, 1, 0, 0, 0), bad); /* same, later */
    CHECK_EQ(RAW("ab", 2, 11, 2, 0, 0, 0, 1, 1, 0x80, 0x80, 1, 0, 0), bad); /* attrs bit 14 */
    CHECK_EQ(RAW("ab", 2, 10, 2, 0, 0, 0, 1, 1, 0x80, 0x14, 0, 0), bad); /* font 10 */
    CHECK_EQ(RAW("ab", 2, 9, 2, 0, 0, 0, 1, 1, 0, 3, 0), bad); /* colour kind 3 */
    CHECK_EQ(RAW("ab", 2, 9, 2, 0, 0, 0, 1, 1, 0, 2, 1), bad); /* truncated RGB */
    CHECK_EQ(RAW("ab", 2, 9, 2, 0, 0, 0, 2, 1, 1, 0, 0), bad); /* fewer runs than counted */
    /* A run that stops between a wide cell and its continuation, or starts there. */
    CHECK_EQ(RAW("\xe4\xb8\x80", 3, 10, 3, 0, 0, 1, 0, 1, 1, 1, 0, 0), bad);
    CHECK_EQ(RAW("a\xe4\xb8\x80", 4, 15, 3, 0, 0, 1, 1, 2, 2, 1, 0, 0, 1, 0, 1, 1, 0), bad);
}

/* Reads a varint the encoder wrote (trusted input: a test helper). */
static size_t read_varint(const uint8_t **p)
{
    size_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (size_t)(b & 0x7f) << shift;
        if (b < 0x80)
            return v;
    }
}

static uint8_t *write_varint(uint8_t *p, size_t v)
{
    for (; v >= 0x80; v >>= 7)
        *p++ = (uint8_t)(v | 0x80);
    *p++ = (uint8_t)v;
    return p;
}

/* Rebuilds a row's meta with its text and body cut to tlen and blen, the header agreeing. */
static size_t cut_meta(const struct enc *e, size_t tlen, size_t blen, uint8_t *out)
{
    const uint8_t *p = e->meta;
    read_varint(&p);
    read_varint(&p);
    uint8_t *o = write_varint(write_varint(out, tlen), blen);
    memcpy(o, p, blen);
    return (size_t)(o - out) + blen;
}

/* Every truncation is refused, or (behind a header that agrees with it) decodes sanely. */
static void check_truncations(const struct enc *e)
{
    struct sb_row row;
    sb_row_init(&row);
    for (size_t k = 0; k < e->meta_len; k++)
        CHECK(rowcodec_decode(e->meta, k, e->text, e->text_len, &row) == SB_ERR_CORRUPT);
    for (size_t k = 0; k < e->text_len; k++)
        CHECK(rowcodec_decode(e->meta, e->meta_len, e->text, k, &row) == SB_ERR_CORRUPT);
    sb_row_fini(&row);

    uint8_t *meta = malloc(e->meta_len + 8);
    REQUIRE(meta != NULL);
    const uint8_t *p = e->meta;
    read_varint(&p);
    size_t blen = read_varint(&p);
    for (size_t k = 0; k < blen; k++)
        CHECK(decode_is_sane(meta, cut_meta(e, e->text_len, k, meta), e->text, e->text_len));
    for (size_t k = 0; k < e->text_len; k++)
        CHECK(decode_is_sane(meta, cut_meta(e, k, blen, meta), e->text, k));
    free(meta);
}

/* Random valid rows and their truncations; then their single-byte corruptions. */
static void test_truncations_and_mutations(void)
{
    struct sb_cell *cells = row_new(160);
    for (int n = 0; n < 60; n++) {
        uint32_t ncols = 1 + rnd_below(160);
        memset(cells, 0, ncols * sizeof *cells);
        for (uint32_t i = 0; i < ncols; i++)
            cells[i].width = 1;
        rnd_row(cells, ncols);
        struct enc e = enc_row(cells, ncols, 0);
        check_truncations(&e);
        for (int m = 0; m < 200; m++) {
            uint8_t *buf = rnd_below(2) || e.text_len == 0 ? e.meta : e.text;
            size_t len = buf == e.meta ? e.meta_len : e.text_len;
            size_t at = rnd_below((uint32_t)len);
            uint8_t old = buf[at];
            buf[at] = rnd_below(2) ? (uint8_t)rnd() : (uint8_t)(old ^ 1u << rnd_below(8));
            CHECK(decode_is_sane(e.meta, e.meta_len, e.text, e.text_len));
            buf[at] = old;
        }
        enc_free(&e);
    }
    free(cells);
}

/* Random bytes: mostly refused, never a crash, and any row decoded is canonical. */
static void test_random_bytes(void)
{
    uint8_t meta[64], text[64];
    unsigned decoded = 0;
    for (int n = 0; n < 200000; n++) {
        size_t ml = rnd_below(sizeof meta), tl = rnd_below(sizeof text);
        for (size_t i = 0; i < ml; i++)
            meta[i] = (uint8_t)(rnd() & (n & 1 ? 0x07 : 0xff));
        for (size_t i = 0; i < tl; i++)
            text[i] = (uint8_t)(n & 2 ? 'a' + rnd_below(3) : rnd());
        if (ml > 2 && n & 4) {
            /* A plausible header makes the body parser, not the header check, do the work. */
            meta[0] = (uint8_t)tl;
            meta[1] = (uint8_t)(ml - 2);
        }
        struct sb_row row;
        sb_row_init(&row);
        decoded += rowcodec_decode(meta, ml, text, tl, &row) == 0;
        sb_row_fini(&row);
        CHECK(decode_is_sane(meta, ml, text, tl));
    }
    CHECK(decoded > 0);
}

/* ---- Streams, bounds, rows --------------------------------------------- */

/* Many rows back to back in two streams, walked with skip and decoded in place. */
static void test_skip_stream(void)
{
    enum { NROWS = 300, MAXC = 120 };
    uint8_t *meta = malloc(NROWS * rowcodec_meta_bound(MAXC));
    uint8_t *text = malloc(NROWS * rowcodec_text_bound(MAXC));
    struct sb_cell *rows = calloc((size_t)NROWS * MAXC, sizeof *rows);
    uint32_t ncols[NROWS];
    REQUIRE(meta && text && rows);
    size_t mo = 0, to = 0, ml, tl;
    for (int r = 0; r < NROWS; r++) {
        struct sb_cell *cells = rows + (size_t)r * MAXC;
        ncols[r] = rnd_below(MAXC + 1);
        for (uint32_t i = 0; i < ncols[r]; i++)
            cells[i].width = 1;
        rnd_row(cells, ncols[r]);
        rowcodec_encode(cells, ncols[r], (uint32_t)r & 1, text + to, &tl, meta + mo, &ml);
        mo += ml;
        to += tl;
    }
    struct sb_row row;
    sb_row_init(&row);
    size_t mi = 0, ti = 0;
    for (int r = 0; r < NROWS; r++) {
        size_t used, tlen;
        REQUIRE(rowcodec_skip(meta + mi, mo - mi, &used, &tlen) == 0);
        REQUIRE(rowcodec_decode(meta + mi, mo - mi, text + ti, to - ti, &row) == 0);
        CHECK(row.ncols == ncols[r] && row.flags == ((uint32_t)r & 1));
        CHECK(memcmp(row.cells, rows + (size_t)r * MAXC, ncols[r] * sizeof *rows) == 0);
        mi += used;
        ti += tlen;
    }
    CHECK_EQ(mi, mo);
    CHECK_EQ(ti, to);
    CHECK_EQ(rowcodec_skip(meta + mi, 0, &ml, &tl), SB_ERR_CORRUPT);
    sb_row_fini(&row);
    free(rows);
    free(meta);
    free(text);
}

/* Fills a row with the most expensive content there is: both bounds are reached or near. */
static void worst_row(struct sb_cell *cells, uint32_t ncols)
{
    for (uint32_t i = 0; i < ncols; i++) {
        for (int k = 0; k < SB_MAX_CHARS; k++)
            cells[i].chars[k] = 0x10000 + i + (uint32_t)k;
        cells[i].width = 1;
        cells[i].attrs = (uint16_t)((i & 1 ? 0x3f : 0xff) | 9u << SB_ATTR_FONT_SHIFT);
        cells[i].fg = SB_COLOR_RGB(i, i >> 8, 0xff);
        cells[i].bg = SB_COLOR_RGB(0xff, i >> 8, i);
    }
}

static void test_bounds(void)
{
    struct sb_cell *cells = row_new(SB_MAX_COLS);
    const uint32_t sizes[] = {1, 2, 80, 1000, SB_MAX_COLS};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        worst_row(cells, sizes[s]);
        CHECK(round_trip(cells, sizes[s], SB_ROW_WRAPPED));
        struct enc e = enc_row(cells, sizes[s], 0);
        CHECK_EQ(e.text_len, rowcodec_text_bound(sizes[s]));
        CHECK(e.meta_len <= rowcodec_meta_bound(sizes[s]));
        enc_free(&e);
    }
    /* Wide cells with combining marks, every other column a new style. */
    for (uint32_t i = 0; i + 1 < SB_MAX_COLS; i += 2) {
        cells[i].attrs = (uint16_t)(i & 0x7ff);
        put_wide(cells, i, 0x20000 + i);
    }
    CHECK(round_trip(cells, SB_MAX_COLS, 0));
    for (int n = 0; n < 2000; n++) {
        uint32_t ncols = rnd_ncols();
        memset(cells, 0, ncols * sizeof *cells);
        for (uint32_t i = 0; i < ncols; i++)
            cells[i].width = 1;
        rnd_row(cells, ncols);
        struct enc e = enc_row(cells, ncols, 0);
        CHECK(e.text_len <= rowcodec_text_bound(ncols));
        CHECK(e.meta_len <= rowcodec_meta_bound(ncols));
        enc_free(&e);
    }
    free(cells);
}

static void test_row_helpers(void)
{
    struct sb_row row;
    sb_row_init(&row);
    CHECK(row.cells == NULL && row.ncols == 0 && row.cap == 0);
    CHECK_EQ(sb_row_reserve(&row, 0), 0);
    CHECK_EQ(sb_row_reserve(&row, 80), 0);
    CHECK(row.cap >= 80 && row.cells != NULL);
    row.cells[79].width = 1;
    uint32_t cap = row.cap;
    CHECK_EQ(sb_row_reserve(&row, 40), 0);
    CHECK_EQ(row.cap, cap);
    CHECK_EQ(sb_row_reserve(&row, 81), 0);
    CHECK(row.cap >= 120);
    sb_row_fini(&row);
    CHECK(row.cells == NULL && row.cap == 0);
    sb_row_fini(&row);

    /* A decode into a row that already holds cells reuses and grows them. */
    struct sb_cell *cells = row_new(300);
    put_str(cells, 299, "!");
    struct enc e = enc_row(cells, 300, 0);
    sb_row_init(&row);
    CHECK_EQ(sb_row_reserve(&row, 3), 0);
    CHECK_EQ(rowcodec_decode(e.meta, e.meta_len, e.text, e.text_len, &row), 0);
    CHECK(row.ncols == 300 && row.cells[299].chars[0] == '!' && row.cells[0].width == 1);
    CHECK_EQ(rowcodec_decode(e.meta, 3, e.text, e.text_len, &row), SB_ERR_CORRUPT);
    CHECK_EQ(row.ncols, 0);
    sb_row_fini(&row);
    enc_free(&e);
    free(cells);
}

/* Encodes row (with its links) into exact-size buffers and decodes it into out. */
static int link_trip(const struct sb_row *row, struct sb_row *out, struct enc *e)
{
    e->text = malloc(rowcodec_text_bound(row->ncols) + 1);
    e->meta = malloc(rowcodec_row_meta_bound(row));
    REQUIRE(e->text && e->meta);
    rowcodec_encode_row(row, e->text, &e->text_len, e->meta, &e->meta_len);
    return rowcodec_decode(e->meta, e->meta_len, e->text, e->text_len, out);
}

/* A row "ab日c  " whose cells 1-3 link to the same URI under two numbers, 5 to another. */
static void linked_row(struct sb_row *row)
{
    sb_row_init(row);
    REQUIRE(sb_row_reserve(row, 8) == 0);
    static const uint32_t text[8] = {'a', 'b', 0x65e5, 0, 'c', 0, 0, 0};
    for (int i = 0; i < 8; i++)
        row->cells[i] = (struct sb_cell){.chars = {text[i]}, .width = i == 2 ? 2 : i == 3 ? 0 : 1};
    row->ncols = 8;
    CHECK_EQ(sb_row_add_link(row, "file:///z", 9), 1); /* unused: the encoder drops it */
    CHECK_EQ(sb_row_add_link(row, "https://a/", 10), 2);
    CHECK_EQ(sb_row_add_link(row, "https://a/", 10), 2);
    row->cells[1].link = row->cells[2].link = row->cells[3].link = 2;
    row->cells[5].link = 2;
    CHECK_EQ(sb_row_add_link(row, "http://b/?q=1", 13), 3);
    row->cells[4].link = 3;
}

/* Hyperlinks: round trip, renumbered by first use, unused ones dropped, canonical bytes. */
static void test_links(void)
{
    struct sb_row row, out, again;
    struct enc e, e2;
    linked_row(&row);
    sb_row_init(&out);
    sb_row_init(&again);
    CHECK_EQ(rowcodec_validate_row(&row), 0);
    CHECK_EQ(rowcodec_validate(row.cells, row.ncols, row.flags), SB_ERR_INVAL); /* no links */
    CHECK_EQ(link_trip(&row, &out, &e), 0);
    CHECK_EQ(out.ncols, 8u);
    CHECK_EQ(out.nlinks, 2u);
    CHECK_STR(sb_row_link(&out, 1), "https://a/");
    CHECK_STR(sb_row_link(&out, 2), "http://b/?q=1");
    CHECK(sb_row_link(&out, 3) == NULL && sb_row_link(&out, 0) == NULL);
    static const uint16_t want[8] = {0, 1, 1, 1, 2, 1, 0, 0};
    for (int i = 0; i < 8; i++)
        CHECK_EQ(out.cells[i].link, want[i]);
    CHECK_EQ(link_trip(&out, &again, &e2), 0); /* the decoded row encodes to the same bytes */
    CHECK(e.meta_len == e2.meta_len && !memcmp(e.meta, e2.meta, e.meta_len));
    enc_free(&e2);
    /* every mutation of the links section decodes as corrupt or re-encodes the same */
    for (size_t i = 0; i < e.meta_len; i++)
        for (int bit = 0; bit < 8; bit++) {
            e.meta[i] ^= (uint8_t)(1u << bit);
            if (rowcodec_decode(e.meta, e.meta_len, e.text, e.text_len, &again) == 0) {
                struct sb_row back;
                sb_row_init(&back);
                CHECK_EQ(rowcodec_validate_row(&again), 0);
                CHECK_EQ(link_trip(&again, &back, &e2), 0);
                CHECK(e2.meta_len == e.meta_len && !memcmp(e2.meta, e.meta, e.meta_len));
                enc_free(&e2);
                sb_row_fini(&back);
            }
            e.meta[i] ^= (uint8_t)(1u << bit);
        }
    enc_free(&e);
    /* what validation refuses: a number past the table, a continuation with another link,
     * a URI with a space or a control, too long, or past the row's limits */
    row.cells[6].link = 4;
    CHECK_EQ(rowcodec_validate_row(&row), SB_ERR_INVAL);
    row.cells[6].link = 0;
    row.cells[3].link = 3;
    CHECK_EQ(rowcodec_validate_row(&row), SB_ERR_INVAL);
    row.cells[3].link = 2;
    CHECK_EQ(sb_row_add_link(&row, "http://a b/", 11), SB_ERR_INVAL);
    CHECK_EQ(sb_row_add_link(&row, "http://\x01/", 9), SB_ERR_INVAL);
    CHECK_EQ(sb_row_add_link(&row, "", 0), SB_ERR_INVAL);
    static char big[SB_MAX_LINK_BYTES + 2];
    memset(big, 'x', sizeof big - 1);
    CHECK_EQ(sb_row_add_link(&row, big, SB_MAX_LINK_BYTES + 1), SB_ERR_INVAL);
    int added = 0;
    for (int k = 0; k < 400; k++) {
        char uri[32];
        int n = snprintf(uri, sizeof uri, "http://h/%d", k);
        added += sb_row_add_link(&row, uri, (size_t)n) > 0;
    }
    CHECK_EQ(added + 3, (int)SB_MAX_ROW_LINKS);
    CHECK_EQ(rowcodec_validate_row(&row), 0);
    sb_row_fini(&row);
    sb_row_fini(&out);
    sb_row_fini(&again);
}

/* sb_row_equal: a copy is equal; any one field of a cell, the flags, a link, the command not. */
static void test_row_equal(void)
{
    struct sb_row a, b;
    sb_row_init(&a);
    sb_row_init(&b);
    CHECK_EQ(sb_row_reserve(&a, 3), 0);
    a.ncols = 3;
    for (int c = 0; c < 3; c++)
        a.cells[c] = (struct sb_cell){.chars = {'x' + (uint32_t)c}, .width = 1};
    CHECK_EQ(sb_row_add_link(&a, "https://a/", 10), 1);
    a.cells[1].link = 1;
    a.flags = SB_ROW_WRAPPED;
    CHECK_EQ(sb_row_copy(&b, &a), 0);
    CHECK(sb_row_equal(&a, &b));
    b.cells[2].attrs = SB_ATTR_BOLD;
    CHECK(!sb_row_equal(&a, &b));
    b.cells[2].attrs = 0;
    b.cells[0].fg = SB_COLOR_RGB(1, 2, 3);
    CHECK(!sb_row_equal(&a, &b));
    b.cells[0].fg = a.cells[0].fg;
    b.cells[1].chars[1] = 0x301;
    CHECK(!sb_row_equal(&a, &b));
    CHECK_EQ(sb_row_copy(&b, &a), 0);
    b.flags = 0;
    CHECK(!sb_row_equal(&a, &b));
    CHECK_EQ(sb_row_copy(&b, &a), 0);
    CHECK_EQ(sb_row_add_link(&b, "https://b/", 10), 2);
    CHECK(!sb_row_equal(&a, &b));
    CHECK_EQ(sb_row_copy(&b, &a), 0);
    a.has_command = b.has_command = true;
    a.command = b.command = (struct sb_command){2, 6, 1 << 20};
    CHECK(sb_row_equal(&a, &b));
    b.command.exit_status = 0;
    CHECK(!sb_row_equal(&a, &b));
    b.ncols = 2;
    CHECK(!sb_row_equal(&a, &b));
    sb_row_fini(&a);
    sb_row_fini(&b);
}

int main(void)
{
    test_row_equal();
    test_plain_bytes();
    test_attrs();
    test_colors();
    test_wide();
    test_combining();
    test_empty_and_space();
    test_trailing();
    test_continuation_form();
    test_sizes_and_flags();
    test_random_rows();
    test_validate();
    test_format();
    test_corrupt();
    test_truncations_and_mutations();
    test_random_bytes();
    test_skip_stream();
    test_bounds();
    test_row_helpers();
    test_links();
    return check_done();
}
