/*
 * libFuzzer target for the whole engine: arbitrary pty bytes through libvterm
 * and the grid, with a real store behind it at its smallest RAM budget.
 *
 * Input layout:
 *   byte 0      the variant: bit 0 a tiny disk budget in a temp dir (else 0,
 *               so rows are dropped), bit 1 a cold tier (xz) that a command
 *               can run, bits 2-3 the first screen size, bits 4-5 the codec
 *               (zstd, lz4, none), bits 6-7 the read cache's pages - 1.
 *   the rest    pty bytes, cut into chunks by the two-byte marker FF FE; the
 *               three bytes after a marker are a command (see command()):
 *               resize, repeat or byte-at-a-time feeding of the next chunk,
 *               a key, mouse or paste event, pop rows by growing the screen,
 *               a cold-tier compaction, or a fill: thousands of random text
 *               rows pushed straight into the store. The smallest RAM budget
 *               is megabytes, far more than a fuzz input scrolls out through
 *               the engine, so fills are what take the store past its budget
 *               into spilling and dropping, and the engine then pops rows back
 *               from spilled pages. A seed without markers (a recorded
 *               session) is fed whole.
 * After each chunk: the store's budgets hold, no row is lost (nothing is
 * faulted here), the cursor is on screen, every screen row is one the
 * store would accept, and a row whose term_row_stamp stayed reads as
 * before; at the end every retained row reads back without error
 * and validates. A row the engine hands over that the store refuses aborts.
 * Compression is inline (background = false) so a crash input replays exactly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boundterm/scrollback.h"
#include "seams.h" /* sb_store_compact: the store's seams for tests and benchmarks */
#include "rowcodec.h"
#include "stamps.h"
#include "term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FEED_MAX (512u << 10) /* bytes fed per input, repeats included: keeps inputs fast */
#define FILL_MAX (12u << 10)  /* rows filled per input: past the smallest budget, not far */
#define FILL_COLS 256
#define READS_MAX 2           /* full read-backs per input before the last one */

struct fuzz {
    struct sb_store *store;
    struct term *term;
    struct sb_row row;
    uint64_t fed;
    uint32_t filled; /* rows pushed by fills */
    int reads;       /* full read-backs asked for by commands */
    bool compressed; /* the store compresses its pages */
    int repeat;      /* times the next chunk is fed */
    bool bytewise;   /* the next chunk goes in one byte per term_feed */
    struct stamps stamps; /* term_row_stamp's promise, checked after every chunk */
};

/* Stops the fuzzer with a crash it keeps when an expectation fails. */
static void expect(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_term: %s\n", what);
        abort();
    }
}

static void on_scrollout(void *user, const struct sb_row *row)
{
    struct fuzz *f = user;
    int rc = sb_store_push(f->store, row);
    expect(rc == 0 || rc == SB_ERR_NOMEM, "the store refused a row the engine scrolled out");
}

static void on_scrollout_plain(void *user, const char *utf8, size_t len, uint32_t ncols,
                               uint32_t flags)
{
    struct fuzz *f = user;
    int rc = sb_store_push_plain(f->store, utf8, len, ncols, flags);
    expect(rc == 0 || rc == SB_ERR_NOMEM, "the store refused a plain row from the engine");
}

static bool on_popline(void *user, struct sb_row *row)
{
    struct fuzz *f = user;
    return sb_store_pop_row(f->store, row) == 0;
}

static void on_clear(void *user)
{
    struct fuzz *f = user;
    expect(sb_store_clear(f->store) == 0, "clear failed");
}

static volatile char sink;

static void on_output(void *user, const char *bytes, size_t len)
{
    /* Answers to queries: touch every byte so ASan sees a bad length. */
    for (size_t i = 0; i < len; i++)
        sink ^= bytes[i];
}

static void on_title(void *user, const char *utf8)
{
    expect(strlen(utf8) < (1u << 20), "title");
}

static char spill_dir[64];

static void spill_dir_remove(void)
{
    rmdir(spill_dir); /* empty: spill files are never linked */
}

/* A spill directory for the whole run, made once and removed at exit. */
static const char *spill_dir_once(void)
{
    if (!spill_dir[0]) {
        snprintf(spill_dir, sizeof spill_dir, "/tmp/bt-fuzz-term-XXXXXX");
        expect(mkdtemp(spill_dir) != NULL, "mkdtemp");
        atexit(spill_dir_remove);
    }
    return spill_dir;
}

/* The store for variant byte v: 4 KiB pages, the smallest RAM budget, inline compression. */
static struct sb_store *store_open(uint8_t v)
{
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    cfg.page_bytes = 4096;
    cfg.background = false;
    static const enum sb_codec codecs[4] = {SB_CODEC_ZSTD, SB_CODEC_LZ4, SB_CODEC_NONE,
                                            SB_CODEC_ZSTD};
    cfg.codec = codecs[v >> 4 & 3];
    cfg.cache_pages = 1 + (v >> 6);
    cfg.cold_codec = v & 2 ? SB_CODEC_XZ : SB_CODEC_NONE;
    cfg.cold_level = 0;
    cfg.cold_bytes = 16384;
    cfg.disk_budget = v & 1 ? 96u << 10 : 0;
    cfg.spill_dir = spill_dir_once();
    cfg.ram_budget = sb_config_min_ram(&cfg);
    struct sb_store *s = NULL;
    char err[256] = "";
    if (sb_store_create(&cfg, &s, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_term: store: %s\n", err);
        abort();
    }
    return s;
}

/* The invariants that must hold between chunks. */
static void check_state(struct fuzz *f)
{
    struct sb_stats st;
    sb_store_stats(f->store, &st);
    expect(st.ram_used <= st.ram_budget, "ram_used over the RAM budget");
    expect(st.disk_used <= st.disk_budget, "disk_used over the disk budget");
    expect(st.rows_lost == 0, "rows lost without a fault");
    expect(st.rows_retained == sb_store_rows(f->store), "rows_retained");
    int rows, cols;
    term_size(f->term, &rows, &cols);
    struct term_cursor cur;
    term_cursor(f->term, &cur);
    expect(cur.row >= 0 && cur.row < rows && cur.col >= 0 && cur.col < cols,
           "the cursor is off screen");
    for (int r = 0; r < rows; r++) {
        expect(term_read_row(f->term, r, &f->row) == 0, "a screen row does not read");
        expect(f->row.ncols == (uint32_t)cols, "a screen row of the wrong width");
        const char *broken = stamps_check(&f->stamps, f->term, r, &f->row);
        expect(!broken, broken ? broken : "");
        f->row.flags &= SB_ROW_WRAPPED;
        expect(rowcodec_validate_row(&f->row) == 0, "a screen row the store would refuse");
    }
}

/* sb_store_visit_text callback: a row must not come back lost. */
static int visit_row(void *user, uint64_t index, const char *text, size_t len, uint32_t flags)
{
    return flags & SB_ROW_LOST ? -1 : 0;
}

/*
 * Every retained row reads back whole: all of them as text, and (decoded into cells, which
 * costs more) the oldest and newest 1024 and every 16th row between them.
 */
static void check_rows(struct fuzz *f)
{
    struct sb_span span;
    sb_store_span(f->store, &span);
    uint64_t n = span.end - span.first;
    expect(sb_store_visit_text(f->store, span.first, n, visit_row, NULL) == 0,
           "a row came back lost");
    for (uint64_t i = 0; i < n; i += i < 1024 || i + 1024 >= n ? 1 : 16) {
        expect(sb_store_read_row(f->store, span.first + i, &f->row) == 0,
               "a retained row does not read");
        expect(!(f->row.flags & SB_ROW_LOST), "a retained row came back lost");
        expect(rowcodec_validate_row(&f->row) == 0, "a stored row does not validate");
    }
}

/* Feeds one chunk as the last command asked: repeated, maybe a byte per call. */
static void feed(struct fuzz *f, const uint8_t *p, size_t n)
{
    for (int k = 0; k < f->repeat && f->fed + n <= FEED_MAX; k++) {
        if (f->bytewise) {
            for (size_t i = 0; i < n; i++)
                term_feed(f->term, (const char *)p + i, 1);
        } else {
            term_feed(f->term, (const char *)p, n);
        }
        f->fed += n;
    }
    f->repeat = 1;
    f->bytewise = false;
}

/* A small screen size from two bytes; now and then a wide one. */
static void resize(struct fuzz *f, uint8_t a, uint8_t b)
{
    int rows = 1 + a % 48, cols = 1 + b % 132;
    if (a >= 0xf8)
        cols = 200 + b * 8; /* up to ~2240 columns */
    term_resize(f->term, rows, cols);
}

/* An input event towards the program (its bytes come back through on_output). */
static void event(struct fuzz *f, uint8_t a, uint8_t b)
{
    switch (a % 6) {
    case 0:
        term_key(f->term, (enum term_key)(b % 25 + (a & 1 ? TERM_KEY_FUNCTION_0 : 0)),
                 (unsigned)(a >> 4), (enum term_key_event)(1 + b % 3));
        break;
    case 1: {
        char text[2] = {(char)(a | 0x20), 0};
        term_key_text(f->term, (uint32_t)b << (a >> 5), text, (unsigned)(a >> 4),
                      (enum term_key_event)(1 + a % 3));
        break;
    }
    case 2:
        term_mouse_move(f->term, b % 64, (b * 7) % 200, 0);
        break;
    case 3:
        term_mouse_button(f->term, 1 + b % 5, a & 0x40, (unsigned)(a >> 7));
        break;
    case 4: {
        char text[2] = {(char)a, (char)b}, out[6];
        size_t n;
        char *enc = term_paste_encode(f->term, text, 2, (enum term_paste_filter)(a & 1), &n);
        expect(enc != NULL && n <= 2 * 3 + 12, "term_paste_encode");
        free(enc);
        expect(term_paste_filter(text, 2, TERM_PASTE_SAFE, out) <= 6, "term_paste_filter");
        break;
    }
    default:
        term_focus(f->term, b & 1);
        break;
    }
}

/*
 * Pushes 1024 * n rows of 256 random cells (seeded by seed), whatever the screen's width:
 * astral-plane text (about 2.5 incompressible bytes a cell) when pages are compressed, so
 * that few rows pass the budget, printable ASCII (cheaper to push) when they are not.
 */
static void fill(struct fuzz *f, unsigned n, uint8_t seed, bool compressed)
{
    char text[4 * FILL_COLS];
    uint32_t x = 0x9e3779b9u * (seed + 1u);
    for (unsigned i = 0; i < n * 1024 && f->filled < FILL_MAX; i++, f->filled++) {
        size_t len = 0;
        for (uint32_t c = 0; c < FILL_COLS; c++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            uint32_t cp = 0x10000 + x % 0x30000;
            if (!compressed) {
                text[len++] = (char)(' ' + x % 95);
                continue;
            }
            text[len++] = (char)(0xf0 | cp >> 18);
            text[len++] = (char)(0x80 | (cp >> 12 & 0x3f));
            text[len++] = (char)(0x80 | (cp >> 6 & 0x3f));
            text[len++] = (char)(0x80 | (cp & 0x3f));
        }
        expect(sb_store_push_plain(f->store, text, len, FILL_COLS, x & 1) == 0, "fill");
    }
}

/*
 * A command (the three bytes after a marker): op = c0 % 7:
 *   0 resize to (c1, c2); 1 feed the next chunk 2^(c1 % 8) times, bytewise if
 *   c2 is odd; 2 an input event; 3 read every row back now; 4 grow the screen
 *   by c1 % 8 rows (pops rows back from the store); 5 compact the cold tier;
 *   6 fill the store with 1024 * (1 + c1 % 128) random rows seeded by c2.
 */
static void command(struct fuzz *f, const uint8_t *c)
{
    int rows, cols;
    switch (c[0] % 7) {
    case 0:
        resize(f, c[1], c[2]);
        break;
    case 1:
        f->repeat = 1 << (c[1] % 8);
        f->bytewise = c[2] & 1;
        break;
    case 2:
        event(f, c[1], c[2]);
        break;
    case 3:
        if (f->reads++ < READS_MAX)
            check_rows(f);
        break;
    case 4:
        term_size(f->term, &rows, &cols);
        term_resize(f->term, rows + c[1] % 8 + 1, cols);
        break;
    case 5:
        expect(sb_store_compact(f->store) == 0, "compaction failed");
        break;
    default:
        fill(f, 1 + c[1] % 128u, c[2], f->compressed);
        break;
    }
}

/* Where the next marker starts in p[0..n), or n. */
static size_t next_marker(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == 0xff && p[i + 1] == 0xfe)
            return i;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct term_callbacks cb = {
        .scrollout = on_scrollout, .scrollout_plain = on_scrollout_plain,
        .popline = on_popline, .clear_scrollback = on_clear, .output = on_output,
        .title = on_title,
    };
    static const int sizes[4][2] = {{24, 80}, {5, 20}, {1, 1}, {50, 132}};
    if (size == 0)
        return 0;
    struct fuzz f = {.repeat = 1};
    sb_row_init(&f.row);
    f.store = store_open(data[0]);
    f.compressed = (data[0] >> 4 & 3) != 2;
    f.term = term_create(sizes[data[0] >> 2 & 3][0], sizes[data[0] >> 2 & 3][1], &cb, &f);
    expect(f.term != NULL, "term_create");
    term_set_cell_pixels(f.term, 8, 16);
    const uint8_t *p = data + 1, *end = data + size;
    while (p < end) {
        size_t n = next_marker(p, (size_t)(end - p));
        if (n)
            feed(&f, p, n);
        check_state(&f);
        p += n;
        if (p + 5 > end)
            break;
        command(&f, p + 2);
        p += 5;
    }
    check_state(&f);
    check_rows(&f);
    if (getenv("BT_FUZZ_VERBOSE")) { /* to see what a seed reaches: spill, drop */
        struct sb_stats st;
        sb_store_stats(f.store, &st);
        fprintf(stderr, "fed %llu: rows %llu kept, %llu dropped, %llu pages on disk\n",
                (unsigned long long)f.fed, (unsigned long long)st.rows_retained,
                (unsigned long long)st.rows_dropped, (unsigned long long)st.pages_disk);
    }
    term_destroy(f.term);
    sb_store_destroy(f.store);
    sb_row_fini(&f.row);
    stamps_fini(&f.stamps);
    return 0;
}
