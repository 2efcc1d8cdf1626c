/*
 * Row codec: a row of sb_cells <-> a text stream (UTF-8) and a meta stream
 * (lengths, exception lists, style runs); rowcodec.h documents the format.
 *
 * Both directions are on the terminal's hot path, so each has a fast path for
 * the common cell (one ASCII or empty codepoint, width 1) and leaves wide
 * cells, combining characters and styles to separate passes that only run
 * when the row has any. The decoder trusts nothing: its input may come from a
 * corrupted disk, so every length is checked before it is used and every
 * non-canonical encoding is refused (see the format comment).
 *
 * Also here: the sb_row helpers of the public header, since decoding is what
 * fills rows.
 */
#include "rowcodec.h"

#include "utf8.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HDR 6     /* text_len and body_len, each at most 3 varint bytes */
#define MIN_BODY 5    /* ncols, flags and three empty list counts */
#define TEXT_PER_COL (SB_MAX_CHARS * 4)
#define NO_COL UINT32_MAX

/* Decoded cells start as copies of these, so padding and unused chars are zero. */
static const struct sb_cell blank_cell = {.width = 1};
static const struct sb_cell cont_cell = {.width = 0};

/* ---- Rows -------------------------------------------------------------- */

/* Leaves row empty, owning nothing. */
void sb_row_init(struct sb_row *row)
{
    memset(row, 0, sizeof *row);
}

/* Frees the row's cells and links; the row may be reused after sb_row_init(). */
void sb_row_fini(struct sb_row *row)
{
    free(row->cells);
    free(row->links);
    sb_row_init(row);
}

/* Grows the cell array by half again at least, so growing one column at a time stays linear. */
int sb_row_reserve(struct sb_row *row, uint32_t ncols)
{
    if (ncols <= row->cap)
        return 0;
    uint64_t cap = (uint64_t)row->cap + row->cap / 2;
    if (cap < ncols)
        cap = ncols;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    if (cap > SIZE_MAX / sizeof(struct sb_cell))
        return SB_ERR_NOMEM;
    struct sb_cell *cells = realloc(row->cells, (size_t)cap * sizeof *cells);
    if (!cells)
        return SB_ERR_NOMEM;
    row->cells = cells;
    row->cap = (uint32_t)cap;
    return 0;
}

/* ---- Hyperlinks ------------------------------------------------------------ */

#define ROW_HAS_LINKS 0x80u   /* in a stored row's flags byte: the links section follows the runs */
#define ROW_HAS_COMMAND 0x02u /* ... and the command section follows (the bit of SB_ROW_LOST,
                                 which is never stored) */
#define ROW_FLAGS (SB_ROW_WRAPPED | SB_ROW_MARKS) /* the flags a row stores as they are */

/* Flags a row may be pushed with: no unknown bits, and FAILED only with END. */
static bool flags_ok(uint32_t flags)
{
    return (flags & ~(uint32_t)ROW_FLAGS) == 0 &&
           (!(flags & SB_ROW_MARK_FAILED) || (flags & SB_ROW_MARK_END));
}

/* A URI as rows keep them: 1..SB_MAX_LINK_BYTES bytes of printable ASCII. */
bool sb_link_valid(const char *p, size_t n)
{
    if (n == 0 || n > SB_MAX_LINK_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
            return false;
    return true;
}

const char *sb_row_link(const struct sb_row *row, uint32_t k)
{
    const char *p = row->links;
    if (k == 0 || k > row->nlinks)
        return NULL;
    while (--k > 0)
        p += strlen(p) + 1;
    return p;
}

void sb_row_clear_links(struct sb_row *row)
{
    row->nlinks = 0;
    row->links_len = 0;
}

/* Appends a URI already checked; 0 or SB_ERR_NOMEM. */
static int append_link(struct sb_row *row, const char *uri, size_t len)
{
    if (row->links_len + len + 1 > row->links_cap) { /* doubling: most rows have a link or two */
        uint32_t cap = row->links_cap ? row->links_cap * 2 : 256;
        while (cap < row->links_len + len + 1)
            cap *= 2;
        char *p = realloc(row->links, cap);
        if (!p)
            return SB_ERR_NOMEM;
        row->links = p;
        row->links_cap = cap;
    }
    memcpy(row->links + row->links_len, uri, len);
    row->links[row->links_len + len] = 0;
    row->links_len += (uint32_t)len + 1;
    return (int)++row->nlinks;
}

int sb_row_add_link(struct sb_row *row, const char *uri, size_t len)
{
    if (!sb_link_valid(uri, len))
        return SB_ERR_INVAL;
    const char *p = row->links;
    for (uint32_t k = 1; k <= row->nlinks; k++) {
        size_t n = strlen(p);
        if (n == len && !memcmp(p, uri, len))
            return (int)k;
        p += n + 1;
    }
    if (row->nlinks >= SB_MAX_ROW_LINKS || row->links_len + len + 1 > SB_MAX_ROW_LINK_BYTES)
        return SB_ERR_INVAL;
    return append_link(row, uri, len);
}

/* The offsets of a row's URIs into off[] (SB_MAX_ROW_LINKS), checking them; false if bad. */
static bool link_offsets(const char *links, uint32_t nlinks, uint32_t len, uint32_t *off)
{
    if (nlinks > SB_MAX_ROW_LINKS || len > SB_MAX_ROW_LINK_BYTES || (nlinks && !links))
        return false;
    uint32_t at = 0;
    for (uint32_t k = 0; k < nlinks; k++) {
        const char *nul = at < len ? memchr(links + at, 0, len - at) : NULL;
        if (!nul || !sb_link_valid(links + at, (size_t)(nul - links) - at))
            return false;
        off[k] = at;
        at = (uint32_t)(nul - links) + 1;
    }
    return at == len;
}

int sb_row_copy(struct sb_row *dst, const struct sb_row *src)
{
    int err = sb_row_reserve(dst, src->ncols);
    if (err)
        return err;
    if (src->ncols)
        memcpy(dst->cells, src->cells, (size_t)src->ncols * sizeof *src->cells);
    dst->ncols = src->ncols;
    dst->flags = src->flags;
    dst->has_command = src->has_command;
    dst->command = src->command;
    sb_row_clear_links(dst);
    const char *p = src->links;
    for (uint32_t k = 0; k < src->nlinks; k++, p += strlen(p) + 1)
        if (append_link(dst, p, strlen(p)) < 0)
            return SB_ERR_NOMEM;
    return 0;
}

static bool cells_equal(const struct sb_cell *x, const struct sb_cell *y)
{
    return !memcmp(x->chars, y->chars, sizeof x->chars) && x->fg == y->fg && x->bg == y->bg &&
           x->attrs == y->attrs && x->link == y->link && x->width == y->width;
}

bool sb_row_equal(const struct sb_row *a, const struct sb_row *b)
{
    if (a->ncols != b->ncols || a->flags != b->flags || a->nlinks != b->nlinks ||
        a->links_len != b->links_len || (a->links_len && memcmp(a->links, b->links, a->links_len)) ||
        a->has_command != b->has_command)
        return false;
    if (a->has_command && (a->command.exit_status != b->command.exit_status ||
                           a->command.duration_ms != b->command.duration_ms ||
                           a->command.peak_rss != b->command.peak_rss))
        return false;
    for (uint32_t c = 0; c < a->ncols; c++)
        if (!cells_equal(&a->cells[c], &b->cells[c]))
            return false;
    return true;
}

/* ---- Bounds ------------------------------------------------------------ */

/* Every non-continuation cell takes at most SB_MAX_CHARS four-byte UTF-8 sequences. */
size_t rowcodec_text_bound(uint32_t ncols)
{
    return (size_t)ncols * TEXT_PER_COL;
}

/*
 * A body's worst case: ncols (3) + flags (1) + three counts (3 each), the command, a multi
 * entry per column (3), a wide entry per two columns (3) and a run per
 * column (length 3 + attrs 2 + two RGB colours 8).
 */
static size_t body_bound(uint32_t ncols)
{
    return 16 + 15 + (size_t)ncols * 17; /* 15: the command section, three varints */
}

/* The body is written after room for the largest header and then moved down. */
size_t rowcodec_meta_bound(uint32_t ncols)
{
    return MAX_HDR + body_bound(ncols);
}

/* The links section's worst case: the count, each URI's length and bytes, a span per column. */
static size_t links_bound(uint32_t ncols)
{
    return 2 + 2 * SB_MAX_ROW_LINKS + SB_MAX_ROW_LINK_BYTES + 3 + (size_t)ncols * 8;
}

size_t rowcodec_row_meta_bound(const struct sb_row *row)
{
    return rowcodec_meta_bound(row->ncols) + (row->nlinks ? links_bound(row->ncols) : 0);
}

/* ---- Validation -------------------------------------------------------- */

/* True for a Unicode scalar value or 0 (an empty slot). */
static bool scalar_ok(uint32_t cp)
{
    return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

/* True for attrs with only known bits and an alternative font 0..9. */
static bool attrs_ok(uint32_t attrs)
{
    return (attrs & ~(uint32_t)SB_ATTR_VALID_MASK) == 0
        && (attrs & SB_ATTR_FONT_MASK) >> SB_ATTR_FONT_SHIFT <= 9;
}

/* True for a colour in one of the canonical forms of the public header. */
static bool color_ok(sb_color c)
{
    uint32_t kind = SB_COLOR_KIND(c);
    return (c == SB_COLOR_DEFAULT) | ((kind == SB_COLOR_KIND_PALETTE) & (c <= 0x010000ffu))
         | (kind == SB_COLOR_KIND_RGB);
}

/* True when a and b carry the same attrs and colours (one branch: runs compare every cell). */
static bool same_style(const struct sb_cell *a, const struct sb_cell *b)
{
    return ((a->fg ^ b->fg) | (a->bg ^ b->bg) | (uint32_t)(a->attrs ^ b->attrs)) == 0;
}

/* True for scalar values packed from slot 0 with no gap (0 only as padding). */
static bool chars_ok(const struct sb_cell *c)
{
    if ((c->chars[1] | c->chars[2] | c->chars[3] | c->chars[4] | c->chars[5]) == 0)
        return scalar_ok(c->chars[0]);
    bool ok = scalar_ok(c->chars[0]);
    for (int k = 1; k < SB_MAX_CHARS; k++)
        ok &= scalar_ok(c->chars[k]) & (c->chars[k] == 0 || c->chars[k - 1] != 0);
    return ok;
}

/*
 * The quick verdict for most cells: one codepoint below the surrogates (or
 * none), width 1, default style.
 */
static bool cell_plain(const struct sb_cell *c)
{
    uint32_t rest = c->chars[1] | c->chars[2] | c->chars[3] | c->chars[4] | c->chars[5];
    return (c->chars[0] < 0xd800) & (rest == 0) & (c->width == 1)
         & ((c->attrs | c->fg | c->bg | c->link) == 0);
}

/* Checks cell i in its row: contents, width against its neighbours, style, link. */
static bool cell_ok(const struct sb_cell *cells, uint32_t i, uint32_t ncols, uint32_t nlinks)
{
    const struct sb_cell *c = &cells[i];
    if (!chars_ok(c) || !attrs_ok(c->attrs) || !color_ok(c->fg) || !color_ok(c->bg) ||
        c->link > nlinks)
        return false;
    switch (c->width) {
    case 1:
        return true;
    case 2:
        return i + 1 < ncols && cells[i + 1].width == 0;
    case 0:
        /* A continuation is wholly determined by its wide cell, so it carries nothing else. */
        return i > 0 && cells[i - 1].width == 2 && c->chars[0] == 0
            && same_style(c, &cells[i - 1]) && c->link == cells[i - 1].link;
    default:
        return false;
    }
}

/* Checks every cell, plain ones with a single branch and the rest in full. */
static int validate_cells(const struct sb_cell *cells, uint32_t ncols, uint32_t flags,
                          uint32_t nlinks)
{
    if (ncols > SB_MAX_COLS || !flags_ok(flags))
        return SB_ERR_INVAL;
    for (uint32_t i = 0; i < ncols; i++) {
        if (!cell_plain(&cells[i]) && !cell_ok(cells, i, ncols, nlinks))
            return SB_ERR_INVAL;
    }
    return 0;
}

int rowcodec_validate(const struct sb_cell *cells, uint32_t ncols, uint32_t flags)
{
    return validate_cells(cells, ncols, flags, 0);
}

int rowcodec_validate_row(const struct sb_row *row)
{
    uint32_t off[SB_MAX_ROW_LINKS];
    if (!link_offsets(row->links, row->nlinks, row->links_len, off))
        return SB_ERR_INVAL;
    if (row->has_command && (!(row->flags & SB_ROW_MARK_END) || row->command.exit_status < -1))
        return SB_ERR_INVAL;
    return validate_cells(row->cells, row->ncols, row->flags, row->nlinks);
}

/* ---- Encoding ---------------------------------------------------------- */

/* Appends v as an unsigned LEB128 varint. */
static uint8_t *put_varint(uint8_t *p, uint32_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Appends a scalar value (0 included, as a NUL byte) as UTF-8: ASCII here, the rest by the
 * program's one encoder. (Decoding keeps its own strict reader below: bytes that are not the
 * canonical encoding are corruption to refuse, where utf8_decode() would replace them.) */
static inline uint8_t *put_utf8(uint8_t *p, uint32_t cp)
{
    if (cp < 0x80) {
        *p = (uint8_t)cp;
        return p + 1;
    }
    return p + utf8_encode(cp, (char *)p);
}

/* True for a cell the encoder may leave off the end of a row. */
static bool cell_blank(const struct sb_cell *c)
{
    return (c->chars[0] | c->attrs | c->fg | c->bg | c->link | (uint32_t)(c->width ^ 1)) == 0;
}

/* True for default attrs and colours. */
static bool style_default(const struct sb_cell *c)
{
    return (c->attrs | c->fg | c->bg) == 0;
}

/* Codepoints in a non-empty cell. */
static uint32_t cell_nchars(const struct sb_cell *c)
{
    uint32_t n = 1;
    while (n < SB_MAX_CHARS && c->chars[n] != 0)
        n++;
    return n;
}

/* What the text pass saw, so that the rarer lists are only built when present. */
struct scan {
    uint32_t nmulti;
    uint32_t nwide;
    uint32_t style; /* every attrs and colour ORed: 0 when the row has no style */
    uint32_t links; /* every link ORed: 0 when the row has none */
};

/* Writes the text of columns [0, end) and counts the exceptions on the way. */
static uint8_t *encode_text(const struct sb_cell *cells, uint32_t end, uint8_t *t,
                            struct scan *s)
{
    uint32_t style = 0, links = 0;
    for (uint32_t i = 0; i < end; i++) {
        const struct sb_cell *c = &cells[i];
        style |= c->attrs | c->fg | c->bg;
        links |= c->link;
        if ((c->chars[1] == 0) & (c->width == 1)) {
            t = put_utf8(t, c->chars[0]);
            continue;
        }
        if (c->width == 0)
            continue;
        s->nmulti += c->chars[1] != 0;
        s->nwide += c->width == 2;
        uint32_t n = cell_nchars(c);
        for (uint32_t k = 0; k < n; k++)
            t = put_utf8(t, c->chars[k]);
    }
    s->style = style;
    s->links = links;
    return t;
}

/* Writes the multi list: cells with combining codepoints, as gap << 3 | (count - 2). */
static uint8_t *encode_multi(const struct sb_cell *cells, uint32_t end, uint32_t count,
                             uint8_t *p)
{
    p = put_varint(p, count);
    uint32_t next = 0;
    for (uint32_t i = 0; count > 0 && i < end; i++) {
        if (cells[i].chars[1] == 0)
            continue;
        p = put_varint(p, (i - next) << 3 | (cell_nchars(&cells[i]) - 2));
        next = i + 1;
        count--;
    }
    return p;
}

/* Writes the wide list: the gaps between wide cells, each counted past its continuation. */
static uint8_t *encode_wide(const struct sb_cell *cells, uint32_t end, uint32_t count,
                            uint8_t *p)
{
    p = put_varint(p, count);
    uint32_t next = 0;
    for (uint32_t i = 0; count > 0 && i < end; i++) {
        if (cells[i].width != 2)
            continue;
        p = put_varint(p, i - next);
        next = i + 2;
        count--;
    }
    return p;
}

/* Appends a colour as its kind byte and 0, 1 or 3 value bytes. */
static uint8_t *put_color(uint8_t *p, sb_color c)
{
    uint32_t kind = SB_COLOR_KIND(c);
    *p++ = (uint8_t)kind;
    if (kind == SB_COLOR_KIND_PALETTE) {
        *p++ = (uint8_t)c;
    } else if (kind == SB_COLOR_KIND_RGB) {
        *p++ = (uint8_t)(c >> 16);
        *p++ = (uint8_t)(c >> 8);
        *p++ = (uint8_t)c;
    }
    return p;
}

/* Appends one style run: its length and the style of its first cell. */
static uint8_t *put_run(uint8_t *p, uint32_t len, const struct sb_cell *c)
{
    p = put_varint(p, len);
    p = put_varint(p, c->attrs);
    p = put_color(p, c->fg);
    return put_color(p, c->bg);
}

/*
 * Writes the style runs, which cover [0, the column after the last styled
 * one). The runs go past room for the largest count (3 bytes, as
 * ncols <= SB_MAX_COLS) and move down once the count is known.
 */
static uint8_t *encode_runs(const struct sb_cell *cells, uint32_t end, bool styled, uint8_t *p)
{
    uint32_t limit = styled ? end : 0;
    while (limit > 0 && style_default(&cells[limit - 1]))
        limit--;
    if (limit == 0) {
        *p++ = 0;
        return p;
    }
    uint8_t *runs = p + 3, *q = runs;
    uint32_t count = 1, start = 0;
    for (uint32_t i = 1; i < limit; i++) {
        if (same_style(&cells[i], &cells[start]))
            continue;
        q = put_run(q, i - start, &cells[start]);
        start = i;
        count++;
    }
    q = put_run(q, limit - start, &cells[start]);
    p = put_varint(p, count);
    memmove(p, runs, (size_t)(q - runs));
    return p + (q - runs);
}

/* A row's links as the encoder sees them: the pushed table and its offsets. */
struct links_in {
    const char *uris;
    const uint32_t *off;
};

/* Numbers the URIs the cells use in the order of their first use, each URI once. */
static uint32_t number_links(const struct sb_cell *cells, uint32_t end, const struct links_in *in,
                             uint8_t *renum, const char **used)
{
    uint32_t nused = 0;
    for (uint32_t i = 0; i < end; i++) {
        uint32_t k = cells[i].link;
        if (k == 0 || renum[k])
            continue;
        const char *uri = in->uris + in->off[k - 1];
        uint32_t j = 0;
        while (j < nused && strcmp(used[j], uri) != 0)
            j++;
        if (j == nused)
            used[nused++] = uri;
        renum[k] = (uint8_t)(j + 1);
    }
    return nused;
}

/*
 * Writes the links section: the URIs the cells use (count, then each as its length and
 * bytes), then the spans of cells with the same link (count, then each as the gap from the
 * last span's end, its length and the link's number).
 */
static uint8_t *encode_links(const struct sb_cell *cells, uint32_t end, const struct links_in *in,
                             uint8_t *p)
{
    uint8_t renum[SB_MAX_ROW_LINKS + 1] = {0}; /* pushed number -> stored number */
    const char *used[SB_MAX_ROW_LINKS];
    uint32_t nused = number_links(cells, end, in, renum, used);
    p = put_varint(p, nused);
    for (uint32_t j = 0; j < nused; j++) {
        size_t n = strlen(used[j]);
        p = put_varint(p, (uint32_t)n);
        memcpy(p, used[j], n);
        p += n;
    }
    uint8_t *spans = p + 3, *q = spans; /* the count goes first once known, as in runs */
    uint32_t count = 0, last_end = 0;
    for (uint32_t i = 0; i < end;) {
        uint32_t k = renum[cells[i].link], j = i + 1;
        if (k == 0) {
            i++;
            continue;
        }
        while (j < end && renum[cells[j].link] == k)
            j++;
        q = put_varint(put_varint(put_varint(q, i - last_end), j - i), k);
        count++;
        last_end = i = j;
    }
    p = put_varint(p, count);
    memmove(p, spans, (size_t)(q - spans));
    return p + (q - spans);
}

/* The command section: exit status + 1, duration in ms, peak RSS in KiB (rounded up). */
static uint8_t *encode_command(const struct sb_command *c, uint8_t *p)
{
    uint64_t kib = c->peak_rss / 1024 + (c->peak_rss % 1024 != 0);
    p = put_varint(p, (uint32_t)(c->exit_status + 1));
    p = put_varint(p, c->duration_ms);
    return put_varint(p, kib > UINT32_MAX ? UINT32_MAX : (uint32_t)kib);
}

/* Trims trailing blanks, writes the text, then the body, then the header in front of it. */
static void encode_row(const struct sb_cell *cells, uint32_t ncols, uint32_t flags,
                       const struct links_in *links, const struct sb_command *cmd,
                       uint8_t *text, size_t *text_len, uint8_t *meta, size_t *meta_len)
{
    uint32_t end = ncols;
    while (end > 0 && cell_blank(&cells[end - 1]))
        end--;
    struct scan s = {0, 0, 0, 0};
    size_t tlen = (size_t)(encode_text(cells, end, text, &s) - text);

    /* The header's size depends on the body's, so the body goes past the largest header. */
    uint8_t *body = meta + MAX_HDR;
    bool linked = s.links != 0 && links;
    uint8_t *p = put_varint(body, ncols);
    *p++ = (uint8_t)(flags | (linked ? ROW_HAS_LINKS : 0) | (cmd ? ROW_HAS_COMMAND : 0));
    p = encode_multi(cells, end, s.nmulti, p);
    p = encode_wide(cells, end, s.nwide, p);
    p = encode_runs(cells, end, s.style != 0, p);
    if (linked)
        p = encode_links(cells, end, links, p);
    if (cmd)
        p = encode_command(cmd, p);
    size_t blen = (size_t)(p - body);

    uint8_t *h = put_varint(put_varint(meta, (uint32_t)tlen), (uint32_t)blen);
    memmove(h, body, blen);
    *text_len = tlen;
    *meta_len = (size_t)(h - meta) + blen;
}

void rowcodec_encode(const struct sb_cell *cells, uint32_t ncols, uint32_t flags, uint8_t *text,
                     size_t *text_len, uint8_t *meta, size_t *meta_len)
{
    encode_row(cells, ncols, flags, NULL, NULL, text, text_len, meta, meta_len);
}

void rowcodec_encode_row(const struct sb_row *row, uint8_t *text, size_t *text_len,
                         uint8_t *meta, size_t *meta_len)
{
    uint32_t off[SB_MAX_ROW_LINKS];
    struct links_in in = {row->links, off};
    bool ok = row->nlinks && link_offsets(row->links, row->nlinks, row->links_len, off);
    const struct sb_command *cmd = row->has_command ? &row->command : NULL;
    encode_row(row->cells, row->ncols, row->flags, ok ? &in : NULL, cmd, text, text_len, meta,
               meta_len);
}

/* ---- Plain rows ---------------------------------------------------------- */

/*
 * A plain row arrives as its text stream already: cells of one codepoint,
 * width 1, default style, so the meta is the fixed 5-6 byte body with three
 * empty lists. The bytes are exactly what rowcodec_encode makes of the same
 * cells, so a plain row decodes like any other.
 */
static size_t get_utf8(const uint8_t *p, const uint8_t *end, uint32_t *cp);

int rowcodec_validate_plain(const char *text, size_t len, uint32_t ncols, uint32_t flags)
{
    if (ncols > SB_MAX_COLS || !flags_ok(flags))
        return SB_ERR_INVAL;
    const uint8_t *p = (const uint8_t *)text, *end = p + len;
    /* ASCII runs, 8 bytes at a time: one cell a byte. */
    size_t ascii = 0;
    for (uint64_t w; ascii + 8 <= len; ascii += 8) {
        memcpy(&w, p + ascii, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    while (ascii < len && p[ascii] < 0x80)
        ascii++;
    if (ascii > ncols)
        return SB_ERR_INVAL;
    uint32_t cells = (uint32_t)ascii, cp = ascii ? p[ascii - 1] : 0;
    p += ascii;
    while (p < end) {
        if (*p < 0x80) { /* the common case, one byte a cell */
            cp = *p++;
        } else {
            size_t n = get_utf8(p, end, &cp);
            if (n == 0)
                return SB_ERR_INVAL;
            p += n;
        }
        if (++cells > ncols)
            return SB_ERR_INVAL;
    }
    /* Trailing empty cells must have been left out, as the encoder does. */
    return len > 0 && cp == 0 ? SB_ERR_INVAL : 0;
}

void rowcodec_encode_plain(const char *text, size_t len, uint32_t ncols, uint32_t flags,
                           uint8_t *out_text, size_t *text_len, uint8_t *meta, size_t *meta_len)
{
    memcpy(out_text, text, len);
    uint8_t body[8];
    uint8_t *p = put_varint(body, ncols);
    *p++ = (uint8_t)flags;
    *p++ = 0; /* no multi-codepoint cells */
    *p++ = 0; /* no wide cells */
    *p++ = 0; /* no style runs */
    size_t blen = (size_t)(p - body);
    uint8_t *h = put_varint(put_varint(meta, (uint32_t)len), (uint32_t)blen);
    memcpy(h, body, blen);
    *text_len = len;
    *meta_len = (size_t)(h - meta) + blen;
}

/* ---- Decoding ---------------------------------------------------------- */

/* Bytes not read yet. */
struct rd {
    const uint8_t *p, *end;
};

/* Reads a varint of at most 32 bits; false when truncated, overlong or too large. */
static bool get_varint(struct rd *r, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned shift = 0; r->p < r->end; shift += 7) {
        uint8_t b = *r->p++;
        if (shift == 28 && b > 0x0f)
            return false;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (b < 0x80) {
            *out = v;
            return b != 0 || shift == 0;
        }
    }
    return false;
}

/* Reads one byte; false at the end. */
static bool get_byte(struct rd *r, uint8_t *out)
{
    if (r->p == r->end)
        return false;
    *out = *r->p++;
    return true;
}

/* Reads a colour as put_color wrote it; the kinds it knows are canonical by construction. */
static bool get_color(struct rd *r, sb_color *out)
{
    uint8_t kind, v[3];
    if (!get_byte(r, &kind))
        return false;
    if (kind == SB_COLOR_KIND_DEFAULT) {
        *out = SB_COLOR_DEFAULT;
        return true;
    }
    if (kind == SB_COLOR_KIND_PALETTE && get_byte(r, &v[0])) {
        *out = SB_COLOR_PALETTE(v[0]);
        return true;
    }
    if (kind == SB_COLOR_KIND_RGB && get_byte(r, &v[0]) && get_byte(r, &v[1])
        && get_byte(r, &v[2])) {
        *out = SB_COLOR_RGB(v[0], v[1], v[2]);
        return true;
    }
    return false;
}

/* The continuation bytes' payload bits, or -1 when one of n bytes is not 10xxxxxx. */
static int32_t utf8_tail(const uint8_t *p, size_t n)
{
    int32_t v = 0;
    for (size_t k = 0; k < n; k++) {
        if ((p[k] & 0xc0) != 0x80)
            return -1;
        v = v << 6 | (p[k] & 0x3f);
    }
    return v;
}

/*
 * Decodes one UTF-8 sequence at p (p < end): its length, or 0 when it is
 * truncated, malformed, overlong, a surrogate or past U+10FFFF.
 */
static size_t get_utf8(const uint8_t *p, const uint8_t *end, uint32_t *cp)
{
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    uint8_t b = p[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t n = b < 0xc0 ? 0 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf8 ? 4 : 0;
    if (n == 0 || n > (size_t)(end - p))
        return 0;
    int32_t tail = utf8_tail(p + 1, n - 1);
    if (tail < 0)
        return 0;
    uint32_t v = (uint32_t)(b & (0x7f >> n)) << (6 * (n - 1)) | (uint32_t)tail;
    if (v < min_cp[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

/* A cursor over the multi or the wide list, one entry ahead of the text walk. */
struct list {
    struct rd rd;     /* entries not read yet */
    uint32_t left;    /* how many */
    uint32_t col;     /* column of the current entry, NO_COL past the last */
    uint32_t next;    /* lowest column the following entry can name */
    uint32_t nchars;  /* multi list: codepoints of the current entry */
    uint32_t ncols;   /* of the row: entries must name columns inside it */
    bool wide;        /* which list this is */
};

/* Moves to the next entry; false when it names a column the row cannot have. */
static bool list_next(struct list *l)
{
    uint32_t v;
    if (l->left == 0) {
        l->col = NO_COL;
        return true;
    }
    l->left--;
    if (!get_varint(&l->rd, &v))
        return false;
    uint32_t gap = l->wide ? v : v >> 3;
    l->nchars = l->wide ? 1 : (v & 7) + 2;
    uint64_t col = (uint64_t)l->next + gap;
    /* A wide cell needs its continuation column inside the row. */
    if (l->nchars > SB_MAX_CHARS || col + l->wide >= l->ncols)
        return false;
    l->col = (uint32_t)col;
    l->next = l->col + 1 + l->wide;
    return true;
}

/* Reads a list's count, steps r past its entries (one varint each) and loads the first. */
static bool list_open(struct list *l, struct rd *r, uint32_t ncols, bool wide)
{
    uint32_t v;
    if (!get_varint(r, &l->left) || l->left > ncols)
        return false;
    l->rd.p = r->p;
    for (uint32_t k = 0; k < l->left; k++) {
        if (!get_varint(r, &v))
            return false;
    }
    l->rd.end = r->p;
    l->next = 0;
    l->ncols = ncols;
    l->wide = wide;
    return list_next(l);
}

/*
 * Decodes single-codepoint, width-1 cells from col up to stop or the end of
 * the text: the path nearly every cell takes. NULL on malformed UTF-8.
 */
static const uint8_t *decode_plain(struct sb_cell *cells, uint32_t *col, uint32_t stop,
                                   const uint8_t *t, const uint8_t *tend)
{
    uint32_t i = *col;
    while (i < stop && t < tend) {
        struct sb_cell *c = &cells[i++];
        memcpy(c, &blank_cell, sizeof *c);
        if (*t < 0x80) {
            c->chars[0] = *t++;
            continue;
        }
        size_t n = get_utf8(t, tend, &c->chars[0]);
        if (n == 0)
            return NULL;
        t += n;
    }
    *col = i;
    return t;
}

/* Decodes the cell at col, named by the multi and/or the wide list. NULL when corrupt. */
static const uint8_t *decode_exception(struct sb_cell *cells, uint32_t *col, struct list *multi,
                                       struct list *wide, const uint8_t *t, const uint8_t *tend)
{
    uint32_t i = *col;
    uint32_t n = multi->col == i ? multi->nchars : 1;
    struct sb_cell *c = &cells[i];
    memcpy(c, &blank_cell, sizeof *c);
    for (uint32_t k = 0; k < n; k++) {
        size_t len = t < tend ? get_utf8(t, tend, &c->chars[k]) : 0;
        /* Only a lone codepoint may be 0 (an empty cell); combining ones never are. */
        if (len == 0 || (n > 1 && c->chars[k] == 0))
            return NULL;
        t += len;
    }
    if (n > 1 && !list_next(multi))
        return NULL;
    if (wide->col == i) {
        c->width = 2;
        memcpy(&cells[i + 1], &cont_cell, sizeof *c);
        if (!list_next(wide))
            return NULL;
        i++;
    }
    *col = i + 1;
    return t;
}

/* Fills cells from the text; *end gets the columns it covered. SB_ERR_CORRUPT on a mismatch. */
static int decode_text(struct sb_cell *cells, uint32_t ncols, struct list *multi,
                       struct list *wide, const uint8_t *t, size_t tlen, uint32_t *end)
{
    const uint8_t *tend = t + tlen;
    uint32_t col = 0;
    while (t < tend) {
        uint32_t stop = ncols;
        stop = multi->col < stop ? multi->col : stop;
        stop = wide->col < stop ? wide->col : stop;
        t = decode_plain(cells, &col, stop, t, tend);
        if (t == NULL)
            return SB_ERR_CORRUPT;
        if (t == tend)
            break;
        /* Text left but no entry here: past ncols, or an entry on a continuation column. */
        if (col != multi->col && col != wide->col)
            return SB_ERR_CORRUPT;
        t = decode_exception(cells, &col, multi, wide, t, tend);
        if (t == NULL)
            return SB_ERR_CORRUPT;
    }
    /* Entries the text never reached are past the text, which no encoder writes. */
    if (multi->col != NO_COL || wide->col != NO_COL)
        return SB_ERR_CORRUPT;
    *end = col;
    return 0;
}

/* Reads one style run's attrs and colours into style; false when corrupt. */
static bool get_style(struct rd *r, struct sb_cell *style)
{
    uint32_t attrs;
    if (!get_varint(r, &attrs) || !attrs_ok(attrs))
        return false;
    style->attrs = (uint16_t)attrs;
    return get_color(r, &style->fg) && get_color(r, &style->bg);
}

/* Applies the style runs to columns [0, end) and checks that they are canonical. */
static int decode_runs(struct rd *r, struct sb_cell *cells, uint32_t end, uint32_t ncols)
{
    uint32_t count, len, col = 0;
    struct sb_cell prev = blank_cell, style = blank_cell;
    if (!get_varint(r, &count) || count > end)
        return SB_ERR_CORRUPT;
    for (uint32_t k = 0; k < count; k++) {
        if (!get_varint(r, &len) || len == 0 || len > end - col || !get_style(r, &style))
            return SB_ERR_CORRUPT;
        /* An encoder merges equal neighbours and never starts a run inside a wide char. */
        if ((k > 0 && same_style(&style, &prev)) || cells[col].width == 0)
            return SB_ERR_CORRUPT;
        /* Cells start in the default style, which runs between styled ones often have. */
        for (uint32_t i = col; i < col + len && !style_default(&style); i++) {
            cells[i].attrs = style.attrs;
            cells[i].fg = style.fg;
            cells[i].bg = style.bg;
        }
        col += len;
        prev = style;
    }
    /* The last run is styled, and does not stop between a wide cell and its continuation. */
    if (count > 0 && style_default(&prev))
        return SB_ERR_CORRUPT;
    return col < ncols && cells[col].width == 0 ? SB_ERR_CORRUPT : 0;
}

/* Reads the links section's URIs into out; false when corrupt (or out of memory: *nomem). */
static bool decode_uris(struct rd *r, struct sb_row *out, bool *nomem)
{
    uint32_t n, len;
    if (!get_varint(r, &n) || n == 0 || n > SB_MAX_ROW_LINKS)
        return false;
    for (uint32_t k = 0; k < n; k++) {
        if (!get_varint(r, &len) || len > (size_t)(r->end - r->p) ||
            !sb_link_valid((const char *)r->p, len) ||
            out->links_len + len + 1 > SB_MAX_ROW_LINK_BYTES)
            return false;
        /* each URI once: an encoder numbers a URI the second time by its first number */
        const char *p = out->links;
        for (uint32_t j = 0; j < out->nlinks; p += strlen(p) + 1, j++)
            if (strlen(p) == len && !memcmp(p, r->p, len))
                return false;
        if (append_link(out, (const char *)r->p, len) < 0)
            return !(*nomem = true);
        r->p += len;
    }
    return true;
}

/*
 * Reads the links section into the cells of [0, end) and checks that it is canonical: spans
 * of at least one column, not splitting a wide character, neighbours with different links,
 * links numbered in the order of first use and each one used.
 */
static int decode_links(struct rd *r, struct sb_row *out, uint32_t end, uint32_t ncols)
{
    bool nomem = false;
    if (!decode_uris(r, out, &nomem))
        return nomem ? SB_ERR_NOMEM : SB_ERR_CORRUPT;
    struct sb_cell *cells = out->cells;
    uint32_t count, gap, len, k, col = 0, prev = 0, top = 0;
    if (!get_varint(r, &count) || count == 0 || count > end)
        return SB_ERR_CORRUPT;
    for (uint32_t n = 0; n < count; n++) {
        if (!get_varint(r, &gap) || !get_varint(r, &len) || !get_varint(r, &k) || len == 0 ||
            gap > end - col || len > end - col - gap || k == 0 || k > top + 1 ||
            (n > 0 && gap == 0 && k == prev))
            return SB_ERR_CORRUPT;
        col += gap;
        if (cells[col].width == 0 || (col + len < ncols && cells[col + len].width == 0))
            return SB_ERR_CORRUPT;
        for (uint32_t i = col; i < col + len; i++)
            cells[i].link = (uint16_t)k;
        col += len;
        prev = k;
        top = k > top ? k : top;
    }
    return top == out->nlinks ? 0 : SB_ERR_CORRUPT;
}

/* The command section (encode_command). */
static int decode_command(struct rd *r, struct sb_row *out)
{
    uint32_t exit1, ms, kib;
    if (!get_varint(r, &exit1) || !get_varint(r, &ms) || !get_varint(r, &kib) ||
        exit1 > INT32_MAX)
        return SB_ERR_CORRUPT;
    out->has_command = true;
    out->command = (struct sb_command){(int32_t)exit1 - 1, ms, (uint64_t)kib * 1024};
    return 0;
}

/* Decodes a body (its bytes exactly) and the row's text into out. */
static int decode_body(struct rd *r, const uint8_t *text, size_t tlen, struct sb_row *out)
{
    uint32_t ncols, end;
    uint8_t flags;
    struct list multi, wide;
    sb_row_clear_links(out);
    out->has_command = false;
    if (!get_varint(r, &ncols) || ncols > SB_MAX_COLS || !get_byte(r, &flags) ||
        !flags_ok(flags & ~(ROW_HAS_LINKS | ROW_HAS_COMMAND)) ||
        ((flags & ROW_HAS_COMMAND) && !(flags & SB_ROW_MARK_END)))
        return SB_ERR_CORRUPT;
    if (!list_open(&multi, r, ncols, false) || !list_open(&wide, r, ncols, true))
        return SB_ERR_CORRUPT;
    int err = sb_row_reserve(out, ncols);
    if (err == 0)
        err = decode_text(out->cells, ncols, &multi, &wide, text, tlen, &end);
    if (err != 0)
        return err;
    for (uint32_t i = end; i < ncols; i++)
        memcpy(&out->cells[i], &blank_cell, sizeof blank_cell);
    err = decode_runs(r, out->cells, end, ncols);
    if (err == 0 && (flags & ROW_HAS_LINKS))
        err = decode_links(r, out, end, ncols);
    if (err == 0 && (flags & ROW_HAS_COMMAND))
        err = decode_command(r, out);
    /* A blank last column would have been trimmed; leftover bytes were never written. */
    if (err == 0 && ((end > 0 && cell_blank(&out->cells[end - 1])) || r->p != r->end))
        err = SB_ERR_CORRUPT;
    if (err == 0) {
        out->ncols = ncols;
        out->flags = flags & ROW_FLAGS;
    } else {
        sb_row_clear_links(out);
        out->has_command = false;
    }
    return err;
}

/* Reads a body's length from r; on success body spans exactly the row's body. */
static bool get_body(struct rd *r, struct rd *body)
{
    uint32_t b;
    if (!get_varint(r, &b) || b < MIN_BODY ||
        b > body_bound(SB_MAX_COLS) + links_bound(SB_MAX_COLS) || b > (size_t)(r->end - r->p))
        return false;
    body->p = r->p;
    body->end = r->p + b;
    return true;
}

/* Reads the header; on success body spans exactly the row's body. */
static bool get_header(const uint8_t *meta, size_t meta_avail, struct rd *body, size_t *tlen)
{
    struct rd r = {meta, meta + meta_avail};
    uint32_t t;
    if (!get_varint(&r, &t) || t > rowcodec_text_bound(SB_MAX_COLS) || !get_body(&r, body))
        return false;
    *tlen = t;
    return true;
}

size_t rowcodec_len_bytes(uint32_t text_len)
{
    uint8_t tmp[5];
    return (size_t)(put_varint(tmp, text_len) - tmp);
}

int rowcodec_skip_rest(const uint8_t *rest, size_t avail, size_t *used)
{
    struct rd r = {rest, rest + avail}, body;
    if (!get_body(&r, &body))
        return SB_ERR_CORRUPT;
    *used = (size_t)(body.end - rest);
    return 0;
}

size_t rowcodec_join_len(uint32_t text_len, const uint8_t *rest, size_t rest_len, uint8_t *out)
{
    uint8_t *p = put_varint(out, text_len);
    memcpy(p, rest, rest_len);
    return (size_t)(p - out) + rest_len;
}

/* Locates a row from its header alone, as a page walks its rows. */
int rowcodec_skip(const uint8_t *meta, size_t meta_avail, size_t *meta_used, size_t *text_len)
{
    struct rd body;
    if (!get_header(meta, meta_avail, &body, text_len))
        return SB_ERR_CORRUPT;
    *meta_used = (size_t)(body.end - meta);
    return 0;
}

/* Decodes one row; out keeps no columns unless every check passes. */
int rowcodec_decode(const uint8_t *meta, size_t meta_avail, const uint8_t *text, size_t text_avail,
                    struct sb_row *out)
{
    struct rd body;
    size_t tlen;
    out->ncols = 0;
    out->flags = 0;
    out->has_command = false;
    if (!get_header(meta, meta_avail, &body, &tlen) || tlen > text_avail)
        return SB_ERR_CORRUPT;
    return decode_body(&body, text, tlen, out);
}
