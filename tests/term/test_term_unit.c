/*
 * Unit tests of the engine (term.h): what the differential test cannot check against
 * VTermScreen (soft-wrap flags, ESC [3J, our query answers, the guards against libvterm
 * 0.1.4's crashes and hangs) and the basics of the row format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "term.h"

/* What the callbacks saw. */
struct rec {
    char out[1024];
    size_t outlen;
    unsigned clears, bells;
    char title[64];
    char events[4096]; /* 'S' per scrollout, 'C' per clear, in order */
    size_t nevents;
    struct sb_row rows[64]; /* scrolled-out rows, popped back newest first */
    size_t nrows;
    unsigned pops;
    char marks[64]; /* the mark callback's kinds, 'A'..'D' */
    bool idle;      /* the mark callback says no command ran */
    size_t nmarks;
};

static void r_scrollout(void *user, const struct sb_row *in)
{
    const struct sb_cell *cells = in->cells;
    uint32_t ncols = in->ncols, flags = in->flags;
    struct rec *r = user;
    if (r->nevents < sizeof r->events)
        r->events[r->nevents++] = 'S';
    if (r->nrows == 64)
        return;
    struct sb_row *row = &r->rows[r->nrows++];
    sb_row_init(row);
    REQUIRE(sb_row_reserve(row, ncols) == 0);
    memcpy(row->cells, cells, ncols * sizeof *cells);
    row->ncols = ncols;
    row->flags = flags;
    row->has_command = in->has_command;
    row->command = in->command;
}

static bool r_popline(void *user, struct sb_row *out)
{
    struct rec *r = user;
    if (!r->nrows)
        return false;
    struct sb_row *row = &r->rows[--r->nrows];
    REQUIRE(sb_row_reserve(out, row->ncols) == 0);
    memcpy(out->cells, row->cells, row->ncols * sizeof *row->cells);
    out->ncols = row->ncols;
    out->flags = row->flags;
    out->has_command = row->has_command;
    out->command = row->command;
    sb_row_fini(row);
    r->pops++;
    return true;
}

static void r_clear(void *user)
{
    struct rec *r = user;
    r->clears++;
    if (r->nevents < sizeof r->events)
        r->events[r->nevents++] = 'C';
}

static void r_output(void *user, const char *bytes, size_t len)
{
    struct rec *r = user;
    if (r->outlen + len < sizeof r->out) {
        memcpy(r->out + r->outlen, bytes, len);
        r->outlen += len;
        r->out[r->outlen] = 0;
    }
}

static void r_bell(void *user)
{
    ((struct rec *)user)->bells++;
}

static void r_title(void *user, const char *utf8)
{
    snprintf(((struct rec *)user)->title, sizeof ((struct rec *)user)->title, "%s", utf8);
}

/* Records the mark and, for a command's end, says it took 1234 ms and 5 MiB. */
static bool r_mark(void *user, uint32_t mark, struct sb_command *cmd)
{
    struct rec *r = user;
    char kind = mark == SB_ROW_MARK_PROMPT ? 'A' : mark == SB_ROW_MARK_INPUT ? 'B'
              : mark == SB_ROW_MARK_OUTPUT ? 'C' : mark == SB_ROW_MARK_END ? 'D' : '?';
    if (r->nmarks + 1 < sizeof r->marks)
        r->marks[r->nmarks++] = kind;
    CHECK((cmd != NULL) == (mark == SB_ROW_MARK_END));
    if (cmd) {
        cmd->duration_ms = 1234;
        cmd->peak_rss = 5u << 20;
    }
    return cmd != NULL && !r->idle;
}

static const struct term_callbacks callbacks = {
    .mark = r_mark,
    .scrollout = r_scrollout,
    .popline = r_popline,
    .clear_scrollback = r_clear,
    .output = r_output,
    .bell = r_bell,
    .title = r_title,
};

/* A fresh engine with a zeroed record. */
static struct term *make(struct rec *r, int rows, int cols)
{
    memset(r, 0, sizeof *r);
    struct term *t = term_create(rows, cols, &callbacks, r);
    REQUIRE(t);
    return t;
}

static void done(struct term *t, struct rec *r)
{
    term_destroy(t);
    for (size_t i = 0; i < r->nrows; i++)
        sb_row_fini(&r->rows[i]);
}

static void feed(struct term *t, const char *s)
{
    term_feed(t, s, strlen(s));
}

/* Visible row `row` as ASCII text ('.' empty, '~' continuation, '?' other). */
static const char *text(struct term *t, int row, uint32_t *flags)
{
    static char buf[256];
    struct sb_row r;
    sb_row_init(&r);
    REQUIRE(term_read_row(t, row, &r) == 0);
    size_t n = 0;
    for (uint32_t c = 0; c < r.ncols && n + 1 < sizeof buf; c++) {
        uint32_t ch = r.cells[c].chars[0];
        bool ascii = ch >= 0x20 && ch < 0x7f;
        buf[n++] = r.cells[c].width == 0 ? '~' : !ch ? '.' : ascii ? (char)ch : '?';
    }
    buf[n] = 0;
    if (flags)
        *flags = r.flags;
    sb_row_fini(&r);
    return buf;
}

/* One visible cell. */
static struct sb_cell cell(struct term *t, int row, int col)
{
    struct sb_row r;
    sb_row_init(&r);
    REQUIRE(term_read_row(t, row, &r) == 0 && (uint32_t)col < r.ncols);
    struct sb_cell c = r.cells[col];
    sb_row_fini(&r);
    return c;
}

static bool wrapped(struct term *t, int row)
{
    uint32_t flags;
    text(t, row, &flags);
    return flags & SB_ROW_WRAPPED;
}

/* ---- Soft wraps -------------------------------------------------------- */

static void test_wrap(void)
{
    struct rec r;
    struct term *t = make(&r, 5, 10);
    feed(t, "aaaaaaaaaabbbbbbbbbbcc");
    CHECK(wrapped(t, 0) && wrapped(t, 1) && !wrapped(t, 2));
    CHECK_STR(text(t, 2, NULL), "cc........");
    done(t, &r);

    t = make(&r, 5, 10); /* exactly full, then CRLF: no glyph landed by wrapping */
    feed(t, "aaaaaaaaaa\r\nb");
    CHECK(!wrapped(t, 0));
    done(t, &r);

    t = make(&r, 5, 10); /* exactly full, then more text in a later feed, SGR between */
    feed(t, "aaaaaaaaaa");
    CHECK(!wrapped(t, 0));
    feed(t, "\x1b[31m");
    feed(t, "b");
    CHECK(wrapped(t, 0));
    done(t, &r);

    t = make(&r, 5, 10); /* exactly full, then a cursor move: not a wrap */
    feed(t, "aaaaaaaaaa\x1b[2;1Hb");
    CHECK(!wrapped(t, 0));
    done(t, &r);

    t = make(&r, 5, 10); /* a wide glyph that does not fit in the last column wraps */
    feed(t, "aaaaaaaaa\xe4\xb8\x80");
    CHECK(wrapped(t, 0));
    CHECK_STR(text(t, 0, NULL), "aaaaaaaaa.");
    CHECK_STR(text(t, 1, NULL), "?~........");
    done(t, &r);

    t = make(&r, 5, 10); /* autowrap off: overwrites the last column */
    feed(t, "\x1b[?7laaaaaaaaaabbb");
    CHECK(!wrapped(t, 0));
    CHECK_STR(text(t, 0, NULL), "aaaaaaaaab");
    done(t, &r);

    t = make(&r, 5, 10); /* erasing to the end of a wrapped row ends the wrap */
    feed(t, "aaaaaaaaaabb\x1b[1;5H\x1b[K");
    CHECK(!wrapped(t, 0));
    done(t, &r);
}

static void test_wrap_scrollout(void)
{
    struct rec r;
    struct term *t = make(&r, 3, 10);
    feed(t, "\x1b[3;1H");
    feed(t, "aaaaaaaaaabbbbbbbbbbccccccccccdd");
    /* a, b and c each wrapped; the bottom-row wraps happen while scrolling */
    CHECK_EQ(r.nrows, 3);
    CHECK(r.nrows == 3 && !(r.rows[0].flags & SB_ROW_WRAPPED)); /* the two blank rows... */
    CHECK(r.nrows == 3 && r.rows[2].cells[0].chars[0] == 'a' &&
          (r.rows[2].flags & SB_ROW_WRAPPED));
    CHECK(wrapped(t, 0) && wrapped(t, 1) && !wrapped(t, 2));
    CHECK_STR(text(t, 2, NULL), "dd........");
    done(t, &r);
}

/* ---- ESC [3J ----------------------------------------------------------- */

/* Feeds s split at byte k across two calls; returns the clears seen. */
static unsigned clears_split(const char *s, size_t k)
{
    struct rec r;
    struct term *t = make(&r, 5, 20);
    term_feed(t, s, k);
    term_feed(t, s + k, strlen(s) - k);
    unsigned n = r.clears;
    done(t, &r);
    return n;
}

static void test_clear_scrollback(void)
{
    static const struct {
        const char *s;
        unsigned clears;
    } cases[] = {
        {"x\x1b[3Jy", 1},   {"\x1b[3J", 1},        {"\x1b[03J", 1},  {"\x1b[3J\x1b[3J", 2},
        {"\x1b[?3J", 0},    {"\x1b[3;1J", 0},      {"\x1b[2J", 0},   {"\x1b[3K", 0},
        {"\x1b[13J", 0},    {"\xc2\x9b" "3J", 0},  {"\x1b[3\x1b[3J", 1},
        {"\x1b]0;a\x07\x1b[3J", 1}, {"\x1b[3 J", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (size_t k = 0; k <= strlen(cases[i].s); k++) {
            unsigned n = clears_split(cases[i].s, k);
            if (n != cases[i].clears)
                fprintf(stderr, "case %zu split at %zu: %u clears\n", i, k, n);
            CHECK_EQ(n, cases[i].clears);
        }

    /* the clear lands between the rows scrolled out before it and after it */
    struct rec r;
    struct term *t = make(&r, 2, 10);
    feed(t, "1\r\n2\r\n3\r\n\x1b[3J4\r\n5\r\n");
    r.events[r.nevents] = 0;
    CHECK_STR(r.events, "SSCSS");
    done(t, &r);
}

/* ---- Queries ----------------------------------------------------------- */

/* Feeds q and returns what went back to the pty. */
static const char *answer(struct term *t, struct rec *r, const char *q)
{
    r->outlen = 0;
    r->out[0] = 0;
    feed(t, q);
    return r->out;
}

static void test_queries(void)
{
    struct rec r;
    struct term *t = make(&r, 24, 80);
    CHECK_STR(answer(t, &r, "\x1b[c"), "\x1b[?64;6;22;28c"); /* a VT420: rectangles, DECSED */
    CHECK_STR(answer(t, &r, "\x1b[>c"), "\x1b[>0;100;0c");
    CHECK_STR(answer(t, &r, "\x1b[5n"), "\x1b[0n");
    CHECK_STR(answer(t, &r, "\x1b[3;5H\x1b[6n"), "\x1b[3;5R");
    CHECK_STR(answer(t, &r, "\x1b[?25$p"), "\x1b[?25;1$y");
    CHECK_STR(answer(t, &r, "\x1b[4$p"), "\x1b[4;2$y");
    CHECK_STR(answer(t, &r, "\x1b[4h\x1b[4$p"), "\x1b[4;1$y");
    CHECK_STR(answer(t, &r, "\x1b[4l\x1b[4$p\x1b[4h"), "\x1b[4;2$y");
    CHECK_STR(answer(t, &r, "\x1b[20h\x1b[20$p"), "\x1b[20;1$y");
    /* libvterm 0.1.4 ignores DECSTR: LNM stays on, and the answer says what the engine does */
    CHECK_STR(answer(t, &r, "\x1b[!p\x1b[20$p"), "\x1b[20;1$y");
    CHECK_STR(answer(t, &r, "\x1b[20l\x1b[20$p"), "\x1b[20;2$y");
    CHECK_STR(answer(t, &r, "\x1b[12$p"), "\x1b[12;3$y"); /* SRM: never a local echo */
    CHECK_STR(answer(t, &r, "\x1b[13$p"), "\x1b[13;0$y");
    CHECK_STR(answer(t, &r, "\x1b[14t"), ""); /* no cell size known yet */
    term_set_cell_pixels(t, 9, 18);
    CHECK_STR(answer(t, &r, "\x1b[14t"), "\x1b[4;432;720t");
    CHECK_STR(answer(t, &r, "\x1b[16t"), "\x1b[6;18;9t");
    CHECK_STR(answer(t, &r, "\x1b[18t"), "\x1b[8;24;80t");
    CHECK_STR(answer(t, &r, "\x1b[19t"), "\x1b[9;24;80t");
    CHECK_STR(answer(t, &r, "\x1b[22;0t"), "");
    term_resize(t, 10, 40);
    CHECK_STR(answer(t, &r, "\x1b[18t"), "\x1b[8;10;40t");
    done(t, &r);
}

static void test_checksum(void)
{
    struct rec r;
    struct term *t = make(&r, 10, 20);
    /* an empty rectangle counts its first blank only: -0x20 */
    CHECK_STR(answer(t, &r, "\x1b[7;1;1;1;3;3*y"), "\x1bP7!~FFE0\x1b\\");
    feed(t, "\x1b[HAB");
    CHECK_STR(answer(t, &r, "\x1b[1;1;1;1;1;2*y"), "\x1bP1!~FF7D\x1b\\"); /* -(0x41+0x42) */
    CHECK_STR(answer(t, &r, "\x1b[1;1;1;1;1;20*y"), "\x1bP1!~FF7D\x1b\\"); /* blanks trimmed */
    feed(t, "\x1b[2;1H\x1b[1mA\x1b[m");
    CHECK_STR(answer(t, &r, "\x1b[2;1;2;1;2;1*y"), "\x1bP2!~FF3F\x1b\\"); /* -(0x41+0x80) */
    feed(t, "\x1b[3;1H\x1b[4;7mA\x1b[m");
    CHECK_STR(answer(t, &r, "\x1b[3;1;3;1;3;1*y"), "\x1bP3!~FF8F\x1b\\"); /* -(0x41+0x30) */
    /* split across feeds, and parameters past the screen are clamped */
    r.outlen = 0;
    feed(t, "\x1b[9;1;1;1;99");
    feed(t, ";99*y");
    CHECK_STR(r.out, "\x1bP9!~FE4B\x1b\\"); /* -(0x41+0x42 + 0xc1 + 0x71) */
    CHECK_STR(answer(t, &r, "\x1b[4;1;5;5;1;1*y"), "\x1bP4!~0000\x1b\\"); /* top > bottom */
    done(t, &r);
}

/* ---- Guards against libvterm 0.1.4's own bugs -------------------------- */

static void test_repeat(void)
{
    struct rec r;
    struct term *t = make(&r, 3, 10);
    feed(t, "\x1b[b");              /* nothing to repeat: libvterm would spin */
    feed(t, "\xcc\x81\x1b[3b");     /* a lone combining mark has width 0: same */
    feed(t, "\x1b[2;1Ha\x1b[3bz");  /* an ordinary repeat still works */
    CHECK_STR(text(t, 1, NULL), "aaaaz.....");
    feed(t, "\x1b[3;1H\x1b[");
    feed(t, "2b!");                 /* after a sequence (CUP): nothing, as in xterm */
    CHECK_STR(text(t, 2, NULL), "!.........");
    feed(t, "\x1b[3;1Hy\x1b[");
    feed(t, "2b!");                 /* split before the final byte: repeats the y */
    CHECK_STR(text(t, 2, NULL), "yyy!......");
    done(t, &r);
}

static void test_c1_and_split_utf8(void)
{
    struct rec r;
    struct term *t = make(&r, 3, 10);
    feed(t, "a\xc2\x85" "b\xc2\x9b" "c");
    CHECK_STR(text(t, 0, NULL), "abc.......");
    feed(t, "\r\na\xc2");
    feed(t, "\x85" "b\xc2");
    feed(t, "\xa3");
    CHECK_STR(text(t, 1, NULL), "ab?.......");
    CHECK_EQ(cell(t, 1, 2).chars[0], 0xa3);
    feed(t, "\r\nx\xe4");
    feed(t, "\xb8");
    feed(t, "\x80y\xf0\x9f");
    feed(t, "\x98\x80");
    CHECK_STR(text(t, 2, NULL), "x?~y?~....");
    CHECK_EQ(cell(t, 2, 1).chars[0], 0x4e00);
    CHECK_EQ(cell(t, 2, 4).chars[0], 0x1f600);
    struct term_cursor c;
    term_cursor(t, &c);
    CHECK(c.col >= 0 && c.col < 10);
    /* 0xC2 then 0xFE or 0xFF: libvterm's decoder still waits, so a later 0x8F would end a C1 */
    static const char *const stray[] = {"\xc2\xfe\x01\x00\r\x8f", "\xc2\xff\x8f",
                                        "\xc2\xc2\xfe\r\x8f"};
    for (size_t i = 0; i < sizeof stray / sizeof *stray; i++) {
        for (int split = 0; split < 2; split++) {
            feed(t, "\x1b[2J\x1b[H");
            if (split) {
                feed(t, "\xc2"); /* held back, then released before the rest */
                feed(t, stray[i] + 1);
            } else {
                feed(t, stray[i]);
            }
            term_cursor(t, &c);
            CHECK(c.col >= 0 && c.col < 10);
            CHECK_EQ(cell(t, c.row, 0).chars[0], 0xfffd);
        }
    }
    done(t, &r);
}

static void test_many_params(void)
{
    struct rec r;
    struct term *t = make(&r, 3, 10);
    char seq[256] = "\x1b[";
    for (int i = 0; i < 29; i++) /* 30 parameters, as many as xterm takes */
        strcat(seq, i < 16 ? "0;" : "1;");
    strcat(seq, "4mX"); /* libvterm holds 16: the rest go in a second piece, as xterm applies */
    feed(t, seq);
    feed(t, "\x1b[m\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17:18:19:20mY");
    CHECK_STR(text(t, 0, NULL), "XY........");
    CHECK_EQ(cell(t, 0, 0).attrs, SB_ATTR_BOLD | SB_UNDERLINE_SINGLE << SB_ATTR_UNDERLINE_SHIFT);
    CHECK(cell(t, 0, 1).attrs & SB_ATTR_BOLD);
    /* an extended colour is never split between the pieces */
    seq[2] = 0;
    for (int i = 0; i < 14; i++)
        strcat(seq, "1;");
    strcat(seq, "38;2;10;20;30mZ");
    feed(t, seq);
    CHECK_EQ(cell(t, 0, 2).fg, SB_COLOR_RGB(10, 20, 30));
    done(t, &r);
}

static void test_shrink_below_region(void)
{
    struct rec r;
    struct term *t = make(&r, 24, 40);
    feed(t, "\x1b[10;20r\x1b[15;7Hx");
    term_resize(t, 5, 40);
    struct term_cursor c;
    term_cursor(t, &c);
    CHECK_EQ(c.row, 4);
    CHECK_EQ(c.col, 7);
    feed(t, "\n\n\n\x1b[S\x1b[L\x1b[M\x1bM\x1bMyz"); /* libvterm would corrupt its heap here */
    term_cursor(t, &c);
    CHECK(c.row >= 0 && c.row < 5);
    done(t, &r);
}

static void test_restore_after_shrink(void)
{
    struct rec r;
    struct term *t = make(&r, 24, 80);
    feed(t, "\x1b[20;70H\x1b" "7");
    term_resize(t, 10, 40);
    feed(t, "\x1b" "8");
    struct term_cursor c;
    term_cursor(t, &c);
    CHECK(c.row == 9 && c.col == 39);
    /* a resize under the alternate screen reflows the primary one: leaving the alternate
     * screen puts the cursor back on the text it was on, not where libvterm saved it */
    feed(t, "\x1b[5;1Hhello\x1b[?1049h\x1b[20;70H");
    term_resize(t, 24, 80);
    feed(t, "\x1b[H\x1b[?1049l");
    term_cursor(t, &c);
    int row = -1;
    for (int i = 0; i < 24; i++)
        if (!strncmp(text(t, i, NULL), "hello", 5))
            row = i;
    CHECK(row >= 0 && c.row == row && c.col == 5);
    done(t, &r);
}

/* ---- Screens, resizing, damage ----------------------------------------- */

static void test_altscreen(void)
{
    struct rec r;
    struct term *t = make(&r, 3, 10);
    feed(t, "main");
    size_t before = term_sizeof(t);
    CHECK(before > 3 * 10 * 12);
    feed(t, "\x1b[?1049h");
    CHECK(term_altscreen(t));
    CHECK(term_sizeof(t) >= before + 3 * 10 * 12); /* the alternate screen, allocated now */
    feed(t, "1\r\n2\r\n3\r\n4\r\n5\r\n6");
    CHECK_EQ(r.nrows, 0);
    CHECK_STR(text(t, 2, NULL), "6.........");
    feed(t, "\x1b[?1049l");
    CHECK(!term_altscreen(t));
    CHECK_STR(text(t, 0, NULL), "main......");
    done(t, &r);
}

static void test_resize_push_pop(void)
{
    struct rec r;
    struct term *t = make(&r, 4, 10);
    feed(t, "l0\r\nl1\r\nl2\r\nl3\r\nl4\r\nl5");
    CHECK_EQ(r.nrows, 2);
    term_resize(t, 6, 10); /* taller: both rows come back */
    CHECK_EQ(r.pops, 2);
    CHECK_STR(text(t, 0, NULL), "l0........");
    CHECK_STR(text(t, 5, NULL), "l5........");
    struct term_cursor c;
    term_cursor(t, &c);
    CHECK(c.row == 5 && c.col == 2);
    term_resize(t, 3, 10); /* shorter: the top three go back to scrollback */
    CHECK_EQ(r.nrows, 3);
    CHECK(r.nrows == 3 && r.rows[2].cells[1].chars[0] == '2');
    CHECK_STR(text(t, 0, NULL), "l3........");
    term_cursor(t, &c);
    CHECK(c.row == 2 && c.col == 2);
    term_resize(t, 3, 4); /* narrower: nothing moves to scrollback */
    CHECK_EQ(r.nrows, 3);
    CHECK_STR(text(t, 2, NULL), "l5..");
    done(t, &r);

    t = make(&r, 4, 10); /* cursor near the top, text below it: the cursor stays on screen */
    feed(t, "\x1b[4;1Hbottom\x1b[1;1H");
    term_resize(t, 2, 10);
    term_cursor(t, &c);
    CHECK(c.row == 0 && c.col == 0);
    done(t, &r);
}

static void test_damage(void)
{
    struct rec r;
    struct term *t = make(&r, 5, 10);
    uint64_t g0 = term_generation(t);
    feed(t, "\x1b[3;1H"); /* the cursor moved */
    uint64_t g1 = term_generation(t);
    CHECK(g1 > g0);
    feed(t, "x");
    uint64_t g2 = term_generation(t);
    CHECK(g2 > g1);
    feed(t, "\x1b[5;1H\n"); /* a scroll */
    uint64_t g3 = term_generation(t);
    CHECK(g3 > g2);
    feed(t, "\x1b]11;#102030\x07"); /* a colour */
    CHECK(term_generation(t) > g3);
    feed(t, "\x1b[1m"); /* the pen alone changes nothing visible */
    uint64_t g4 = term_generation(t);
    feed(t, "\x1b[2m\x1b[3m");
    CHECK(term_generation(t) == g4);
    done(t, &r);
}

/*
 * term_row_stamp: a row's stamp changes with every path that changes what the row reads as,
 * including those a chunk boundary leaves to the grid's own fast paths (an ASCII run that
 * continues the glyph before it, marks joining a glyph); it stays when only the cursor, the
 * pen or another row changed, which is what lets a window skip the row.
 */
static void test_row_stamps(void)
{
    static const struct {
        const char *setup, *change;
        int row;
        bool changes;
    } rows[] = {
        {"ab", "cd", 0, true},                      /* grid_put_ascii after the glyph before */
        {"ab", "\xcc\x81", 0, true},                /* a combining mark joins b */
        {"a", "\xe4\xb8\x80", 0, true},             /* a wide glyph */
        {"ab", "\x1b[1;1H\x1b[K", 0, true},          /* EL */
        {"ab", "\x1b[1;1H\x1b[@", 0, true},          /* ICH shifts cells */
        {"ab", "\x1b[1;1H\x1b[P", 0, true},          /* DCH */
        {"ab\r\n", "\x1b[1;1H\x1b[L", 0, true},     /* IL */
        {"ab", "\x1b#8", 3, true},                   /* DECALN */
        {"ab", "\x1b#6", 0, true},                   /* DECDWL */
        {"ab", "\x1b[?5h", 2, true},                 /* reverse video: every row reads so */
        {"ab", "\x1b]4;1;#ff0000\x07", 2, true},     /* the palette: every row is redrawn */
        {"ab", "\x1b[1;1;1;2$z", 0, true},           /* DECERA */
        {"ab", "\x1b[1;1;1;2;1$r", 0, true},         /* DECCARA */
        {"ab", "\x1b[1;1;1;2;1;2;1;1$v", 1, true},   /* DECCRA onto row 2 */
        {"ab", "\x1b[88;1;1;1;2$x", 0, true},        /* DECFRA */
        {"ab", "\x1b]133;A\x07", 0, true},           /* a prompt mark */
        {"ab", "\x1b[?1049h", 0, true},              /* the alternate screen */
        {"ab\r\n\r\n\r\n", "\n", 0, true},          /* a scroll moves another row here */
        {"ab", "\x1b[3;4H", 0, false},               /* the cursor alone */
        {"ab", "\x1b[1;31m", 0, false},              /* the pen alone */
        {"ab\r\n", "xy", 0, false},                 /* another row */
        {"ab", "\x1b[?25l", 0, false},               /* the cursor hidden */
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct rec r;
        struct term *t = make(&r, 4, 10);
        feed(t, rows[i].setup);
        uint64_t before = term_row_stamp(t, rows[i].row);
        feed(t, rows[i].change);
        uint64_t after = term_row_stamp(t, rows[i].row);
        if ((before != after) != rows[i].changes || !after)
            fprintf(stderr, "stamp row %zu (%s): %llu -> %llu\n", i, rows[i].change + 1,
                    (unsigned long long)before, (unsigned long long)after);
        CHECK((before != after) == rows[i].changes);
        CHECK(before != 0 && after != 0); /* every row has one from the start */
        done(t, &r);
    }
    /* a resize restamps every row; a row past the screen has none */
    struct rec r;
    struct term *t = make(&r, 4, 10);
    feed(t, "ab");
    uint64_t before = term_row_stamp(t, 0);
    term_resize(t, 5, 10);
    CHECK(term_row_stamp(t, 0) != before && term_row_stamp(t, 4) != 0);
    CHECK(term_row_stamp(t, 5) == 0 && term_row_stamp(t, -1) == 0);
    done(t, &r);
}

/* ---- Cells ------------------------------------------------------------- */

static void test_cells(void)
{
    struct rec r;
    struct term *t = make(&r, 4, 20);
    feed(t, "\x1b[31;42ma\x1b[38;5;200;48;2;1;2;3mb\x1b[39;49;1;3;5;7;9mc\x1b[m");
    struct sb_cell a = cell(t, 0, 0), b = cell(t, 0, 1), c = cell(t, 0, 2);
    CHECK_EQ(a.fg, SB_COLOR_PALETTE(1));
    CHECK_EQ(a.bg, SB_COLOR_PALETTE(2));
    CHECK_EQ(b.fg, SB_COLOR_PALETTE(200));
    CHECK_EQ(b.bg, SB_COLOR_RGB(1, 2, 3));
    CHECK_EQ(c.fg, SB_COLOR_DEFAULT);
    CHECK_EQ(c.attrs, SB_ATTR_BOLD | SB_ATTR_ITALIC | SB_ATTR_BLINK | SB_ATTR_REVERSE |
                          SB_ATTR_STRIKE);
    feed(t, "\x1b[4mu\x1b[21mv\x1b[4:3mw\x1b[24;12mf\x1b[m");
    CHECK_EQ(cell(t, 0, 3).attrs, SB_UNDERLINE_SINGLE << SB_ATTR_UNDERLINE_SHIFT);
    CHECK_EQ(cell(t, 0, 4).attrs, SB_UNDERLINE_DOUBLE << SB_ATTR_UNDERLINE_SHIFT);
    CHECK_EQ(cell(t, 0, 5).attrs, SB_UNDERLINE_CURLY << SB_ATTR_UNDERLINE_SHIFT);
    CHECK_EQ(cell(t, 0, 6).attrs, 2 << SB_ATTR_FONT_SHIFT);

    /* wide: width 2, then a continuation with chars 0 and the same attributes */
    feed(t, "\x1b[2;1H\x1b[1;34m\xe4\xb8\x80\x1b[m");
    struct sb_cell w = cell(t, 1, 0), k = cell(t, 1, 1);
    CHECK(w.width == 2 && w.chars[0] == 0x4e00);
    CHECK(k.width == 0 && k.chars[0] == 0 && k.attrs == SB_ATTR_BOLD && k.fg == w.fg);

    /* combining: up to SB_MAX_CHARS codepoints, the rest dropped */
    feed(t, "e\xcc\x81\x1b[3;1Ho\xcc\x80\xcc\x81\xcc\x82\xcc\x83\xcc\x84\xcc\x85\xcc\x86");
    struct sb_cell e = cell(t, 1, 2), o = cell(t, 2, 0);
    CHECK(e.chars[0] == 'e' && e.chars[1] == 0x301 && e.chars[2] == 0);
    CHECK(o.chars[0] == 'o' && o.chars[1] == 0x300 && o.chars[5] == 0x304);

    /* DEC special graphics arrive translated; codepoints past Unicode become U+FFFD */
    feed(t, "\x1b(0q\x1b(B\xf8\x88\x80\x80\x80");
    CHECK_EQ(cell(t, 2, 1).chars[0], 0x2500);
    CHECK_EQ(cell(t, 2, 2).chars[0], 0xfffd);

    /* erase takes the pen's background (and, as VTermScreen, its attributes) */
    feed(t, "\x1b[44m\x1b[4;1H\x1b[K\x1b[m");
    CHECK_EQ(cell(t, 3, 5).bg, SB_COLOR_PALETTE(4));
    CHECK_EQ(cell(t, 3, 5).chars[0], 0);

    /* reverse video reaches every cell */
    feed(t, "\x1b[?5h");
    CHECK(cell(t, 3, 19).attrs & SB_ATTR_REVERSE);
    CHECK(!(cell(t, 0, 2).attrs & SB_ATTR_REVERSE)); /* was reverse: flipped back */
    done(t, &r);
}

/* Thousands of distinct combining sequences on a small screen: the side table collects. */
static void test_combining_table(void)
{
    struct rec r;
    struct term *t = make(&r, 2, 5);
    char buf[64];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "\x1b[%d;%dH%c\xcc%c\xcd%c", 1 + i % 2, 1 + i % 5,
                         'a' + i % 26, 0x80 + i % 64, 0x80 + i / 64 % 48);
        term_feed(t, buf, (size_t)n);
    }
    for (int i = 4990; i < 5000; i++) {
        struct sb_cell c = cell(t, i % 2, i % 5);
        CHECK(c.chars[0] == (uint32_t)('a' + i % 26) && c.chars[1] == 0x300u + i % 64 &&
              c.chars[2] == 0x340u + i / 64 % 48);
    }
    CHECK(term_sizeof(t) < 64 * 1024); /* ~5000 sequences seen, a table for the screen kept */
    done(t, &r);
}

static void test_props(void)
{
    struct rec r;
    struct term *t = make(&r, 4, 20);
    struct term_cursor c;
    term_cursor(t, &c);
    CHECK(c.visible && c.shape == 1);
    feed(t, "\x1b[?25l\x1b[6 q\x1b]2;hello\x07\x07");
    term_cursor(t, &c);
    CHECK(!c.visible && c.shape == 3 && !c.blink);
    CHECK_STR(r.title, "hello");
    CHECK_EQ(r.bells, 1);
    int rows, cols;
    term_size(t, &rows, &cols);
    CHECK(rows == 4 && cols == 20);
    struct sb_row row;
    sb_row_init(&row);
    CHECK_EQ(term_read_row(t, 4, &row), SB_ERR_RANGE);
    CHECK_EQ(term_read_row(t, -1, &row), SB_ERR_RANGE);
    sb_row_fini(&row);
    done(t, &r);
    term_destroy(NULL);
    CHECK(term_create(0, 10, &callbacks, &r) == NULL);
}

/* Whether cell (0, col) is concealed. */
static bool concealed(struct term *t, int col)
{
    return (cell(t, 0, col).attrs & SB_ATTR_CONCEAL) != 0;
}

/* SGR 8 conceals and 28 / 0 / RIS reveal, which libvterm 0.1.4 does not track itself. */
static void test_conceal(void)
{
    struct rec r;
    struct term *t = make(&r, 4, 40);
    feed(t, "a\x1b[8mb\x1b[28mc\x1b[1;8md\x1b[me\x1b[38;5;8mf\x1b[8;48;2;8;8;8mg\x1b[0mh");
    CHECK(!concealed(t, 0));
    CHECK(concealed(t, 1));
    CHECK(!concealed(t, 2));
    CHECK(concealed(t, 3));
    CHECK((cell(t, 0, 3).attrs & SB_ATTR_BOLD) != 0);
    CHECK(!concealed(t, 4));
    CHECK(!concealed(t, 5)); /* colour index 8 is not conceal */
    CHECK(concealed(t, 6));
    CHECK(!concealed(t, 7));
    /* Split across two feeds, byte by byte. */
    const char *seq = "\x1b[8mX";
    for (size_t i = 0; seq[i]; i++)
        term_feed(t, seq + i, 1);
    CHECK(concealed(t, 8));
    feed(t, "\x1b" "cY"); /* RIS reveals */
    CHECK(!concealed(t, 0));
    done(t, &r);
}

/* The link under cell (row, col), or "" */
static const char *link_at(struct term *t, int row, int col)
{
    static char uri[SB_MAX_LINK_BYTES + 1];
    struct sb_row r;
    sb_row_init(&r);
    uri[0] = 0;
    if (term_read_row(t, row, &r) == 0 && (uint32_t)col < r.ncols && r.cells[col].link)
        snprintf(uri, sizeof uri, "%s", sb_row_link(&r, r.cells[col].link));
    sb_row_fini(&r);
    return uri;
}

/* Feeds a link of a 2000-byte URI ending in number i around text. */
static void feed_long_link(struct term *t, int i, const char *text)
{
    char buf[2100];
    int n = snprintf(buf, sizeof buf, "\x1b]8;;http://h/%04d/", i);
    memset(buf + n, 'a', 2000 - (size_t)n + 5);
    n = 2000 + 5;
    n += snprintf(buf + n, sizeof buf - (size_t)n, "\x1b\\%s\x1b]8;;\x1b\\", text);
    feed(t, buf);
}

/* The screen's table of URIs is bounded (256 KiB): links no cell shows any more are freed for
 * new ones; when every one is shown, a new link is refused and its text written without it. */
static void test_link_table(void)
{
    struct rec r;
    struct term *t = make(&r, 60, 80);
    for (int i = 0; i < 400; i++) { /* 800 KB of URIs, one cell at a time */
        feed(t, "\x1b[H");
        feed_long_link(t, i, "X");
    }
    CHECK(!strncmp(link_at(t, 0, 0), "http://h/0399/", 14));
    feed(t, "\x1b[H\x1b[2J");
    char cup[32];
    for (int i = 0; i < 150; i++) { /* each on a cell of its own, three a row: the table fills */
        snprintf(cup, sizeof cup, "\x1b[%d;%dH", i / 3 + 1, i % 3 * 10 + 1);
        feed(t, cup);
        feed_long_link(t, 1000 + i, "Y");
    }
    CHECK(!strncmp(link_at(t, 0, 0), "http://h/1000/", 14));
    CHECK(!strncmp(link_at(t, 33, 10), "http://h/1100/", 14));
    CHECK_STR(link_at(t, 49, 20), ""); /* the 150th: refused, its text there all the same */
    CHECK(link_at(t, 49, 20)[0] == 0 && term_sizeof(t) < (2u << 20));
    term_destroy(t);
}

/* Visible row `row`'s marks, and its command's exit status (-2: no command note). */
static uint32_t row_marks(struct term *t, int row, int *exit_status)
{
    struct sb_row r;
    sb_row_init(&r);
    REQUIRE(term_read_row(t, row, &r) == 0);
    *exit_status = r.has_command ? r.command.exit_status : -2;
    uint32_t marks = r.flags & SB_ROW_MARKS;
    sb_row_fini(&r);
    return marks;
}

/* One shell round: prompt, command, output, end with status. */
static const char session_bytes[] =
    "\x1b]133;A\x07$ \x1b]133;B\x07" "false\r\n" "\x1b]133;C\x1b\\" "out\r\n"
    "\x1b]133;D;1\x07\x1b]133;A;aid=7\x07$ \x1b]133;B\x07";

static void check_session_marks(struct term *t, struct rec *r)
{
    int st;
    CHECK_EQ(row_marks(t, 0, &st), SB_ROW_MARK_PROMPT | SB_ROW_MARK_INPUT);
    CHECK_EQ(st, -2);
    CHECK_EQ(row_marks(t, 1, &st), SB_ROW_MARK_OUTPUT);
    CHECK_EQ(row_marks(t, 2, &st), SB_ROW_MARK_END | SB_ROW_MARK_FAILED | SB_ROW_MARK_PROMPT |
                                      SB_ROW_MARK_INPUT);
    CHECK_EQ(st, 1);
    CHECK_EQ(row_marks(t, 3, &st), 0);
    CHECK(!strcmp(r->marks, "ABCDAB"));
}

/* OSC 133 marks the cursor's row, whole or split across reads, and the marks go with rows. */
static void test_prompt_marks(void)
{
    struct rec r;
    struct term *t = make(&r, 4, 20);
    feed(t, session_bytes);
    check_session_marks(t, &r);
    struct sb_row row;
    sb_row_init(&row);
    REQUIRE(term_read_row(t, 2, &row) == 0);
    CHECK(row.has_command && row.command.duration_ms == 1234 && row.command.peak_rss == 5u << 20);
    sb_row_fini(&row);
    done(t, &r);

    t = make(&r, 4, 20); /* a byte at a time */
    for (size_t i = 0; i < sizeof session_bytes - 1; i++)
        term_feed(t, session_bytes + i, 1);
    check_session_marks(t, &r);
    int st;
    /* the rows that scroll out take their marks and the command's note with them */
    feed(t, "\r\n\r\n\r\n\r\n");
    REQUIRE(r.nrows == 3);
    CHECK_EQ(r.rows[0].flags, SB_ROW_MARK_PROMPT | SB_ROW_MARK_INPUT);
    CHECK_EQ(r.rows[1].flags, SB_ROW_MARK_OUTPUT);
    CHECK_EQ(r.rows[2].flags & SB_ROW_MARKS, SB_ROW_MARK_END | SB_ROW_MARK_FAILED |
                                                 SB_ROW_MARK_PROMPT | SB_ROW_MARK_INPUT);
    CHECK(r.rows[2].has_command && r.rows[2].command.exit_status == 1);
    /* a taller screen takes them back, marks and note */
    term_resize(t, 10, 20);
    CHECK_EQ(r.nrows, 0);
    check_session_marks(t, &r);
    /* a narrower one reflows: each mark stays on its line's first row */
    term_resize(t, 10, 3);
    CHECK_EQ(row_marks(t, 0, &st), SB_ROW_MARK_PROMPT | SB_ROW_MARK_INPUT);
    CHECK_EQ(row_marks(t, 1, &st), 0); /* "$ false" goes on over three rows */
    CHECK_EQ(row_marks(t, 3, &st), SB_ROW_MARK_OUTPUT);
    CHECK_EQ(row_marks(t, 4, &st) & SB_ROW_MARK_FAILED, SB_ROW_MARK_FAILED);
    CHECK_EQ(st, 1);
    term_resize(t, 4, 20);
    /* a status of 0, none, or not a number: not failed; erasing the whole row drops marks */
    feed(t, "\x1b[2J\x1b[H\x1b]133;D;0\x07x\r\n\x1b]133;D\x07y\r\n\x1b]133;D;x1\x07");
    CHECK_EQ(row_marks(t, 0, &st), SB_ROW_MARK_END);
    CHECK_EQ(st, 0);
    CHECK_EQ(row_marks(t, 1, &st), SB_ROW_MARK_END);
    CHECK_EQ(st, -1);
    CHECK_EQ(row_marks(t, 2, &st), SB_ROW_MARK_END);
    CHECK_EQ(st, -1);
    CHECK_EQ(row_marks(t, 3, &st), 0);
    /* not marks: other letters, a letter not followed by ';', no letter */
    feed(t, "\r\n\x1b]133;E\x07\x1b]133;AB\x07\x1b]133;\x07");
    CHECK_EQ(row_marks(t, 3, &st), 0);
    feed(t, "\x1b[H\x1b[2K");
    CHECK_EQ(row_marks(t, 0, &st), 0);
    /* an end with no command run (Enter on an empty line): no failure, no note */
    r.idle = true;
    feed(t, "\x1b[H\x1b]133;D;1\x07");
    CHECK_EQ(row_marks(t, 0, &st), SB_ROW_MARK_END);
    CHECK_EQ(st, -2);
    r.idle = false;
    /* the alternate screen takes none */
    feed(t, "\x1b[?1049h\x1b]133;A\x07");
    CHECK_EQ(row_marks(t, 0, &st), 0);
    done(t, &r);
}

int main(void)
{
    test_prompt_marks();
    test_conceal();
    test_link_table();
    test_wrap();
    test_wrap_scrollout();
    test_clear_scrollback();
    test_queries();
    test_checksum();
    test_repeat();
    test_c1_and_split_utf8();
    test_many_params();
    test_shrink_below_region();
    test_restore_after_shrink();
    test_altscreen();
    test_resize_push_pop();
    test_damage();
    test_row_stamps();
    test_cells();
    test_combining_table();
    test_props();
    return check_done();
}
