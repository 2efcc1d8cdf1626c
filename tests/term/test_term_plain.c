/*
 * The plain-row fast path (scrollout_plain) against the cell path: the same
 * streams through two engines, one with only scrollout, one with both hooks,
 * must leave identical rows once the plain rows' text is read back as cells
 * (through the store, which is how they are read in boundterm). Inputs: the
 * recorded sessions given on the command line plus generated streams with
 * colours, wide and combining characters, empty cells and reverse video.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boundterm/scrollback.h"
#include "check.h"
#include "term.h"

struct sink {
    struct sb_store *store;
    unsigned plain, cells;
};

static void on_cells(void *user, const struct sb_row *row)
{
    struct sink *k = user;
    k->cells++;
    CHECK_EQ(sb_store_push(k->store, row), 0);
}

static void on_plain(void *user, const char *text, size_t len, uint32_t ncols, uint32_t flags)
{
    struct sink *k = user;
    k->plain++;
    CHECK_EQ(sb_store_push_plain(k->store, text, len, ncols, flags), 0);
}

static struct sb_store *new_store(void)
{
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    cfg.disk_budget = 0;
    cfg.ram_budget = 256u << 20;
    cfg.background = false;
    struct sb_store *s;
    REQUIRE(sb_store_create(&cfg, &s, NULL, 0) == 0);
    return s;
}

/* Feeds data to both engines (24 rows of cols) in the same chunks and compares their stores'
 * rows. */
static void compare(const char *data, size_t len, const char *name, int cols)
{
    struct sink a = {new_store(), 0, 0}, b = {new_store(), 0, 0};
    struct term_callbacks cba = {.scrollout = on_cells};
    struct term_callbacks cbb = {.scrollout = on_cells, .scrollout_plain = on_plain};
    struct term *ta = term_create(24, cols, &cba, &a), *tb = term_create(24, cols, &cbb, &b);
    REQUIRE(ta && tb);
    for (size_t off = 0; off < len; off += 4093) {
        size_t n = len - off < 4093 ? len - off : 4093;
        term_feed(ta, data + off, n);
        term_feed(tb, data + off, n);
    }
    struct sb_span sa, sb;
    sb_store_span(a.store, &sa);
    sb_store_span(b.store, &sb);
    CHECK(sa.first == sb.first && sa.end == sb.end);
    struct sb_row ra, rb;
    sb_row_init(&ra);
    sb_row_init(&rb);
    uint64_t bad = 0;
    for (uint64_t i = sa.first; i < sa.end; i++) {
        sb_store_read_row(a.store, i, &ra);
        sb_store_read_row(b.store, i, &rb);
        if (ra.ncols != rb.ncols || ra.flags != rb.flags ||
            memcmp(ra.cells, rb.cells, ra.ncols * sizeof *ra.cells) != 0)
            bad++;
    }
    CHECK_EQ(bad, 0);
    printf("%s, %d columns: %llu rows, %u through the plain path, %u as cells\n", name, cols,
           (unsigned long long)(sa.end - sa.first), b.plain, b.cells);
    sb_row_fini(&ra);
    sb_row_fini(&rb);
    term_destroy(ta);
    term_destroy(tb);
    sb_store_destroy(a.store);
    sb_store_destroy(b.store);
}

/* A generated stream mixing plain lines with every reason a row must go as cells. */
static char *generate(size_t *len)
{
    static const char *pieces[] = {
        "plain text line\r\n", "\x1b[31mred\x1b[m and plain\r\n", "wide \xe4\xb8\xad\xe6\x96\x87\r\n",
        "e\xcc\x81 combining\r\n", "tab\there\r\n", "\x1b[5Xerased\r\n", "\x1b[44m\x1b[K\x1b[m\r\n",
        "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\r\n", "\x1b[?5hreverse\x1b[?5l\r\n", "\r\n",
        ("a line long enough to wrap past the eightieth column of this terminal, "
         "and then some more text\r\n"),
        "\x1b[1mbold\x1b[22m\r\n", "x\x1b[10Cy\r\n",
        /* the same kinds far along the row: the export looks at 16 cells a turn */
        "\x1b[29Cr\x1b[31mR\x1b[m\r\n", "\x1b[46Cb\x1b[44m \x1b[m\r\n",
        "\x1b[63Cu\x1b[4mU\x1b[m\r\n", "\x1b[78C\x1b[7mV\x1b[m\r\n", "\x1b[50C\xe4\xb8\xad\r\n",
        "\x1b[31C\xc3\xa9\r\n", "\x1b[79Cz\r\n", "\x1b[81C\x1b[2mD\x1b[m\r\n",
    };
    size_t n = sizeof pieces / sizeof *pieces, cap = 1 << 20, used = 0;
    char *buf = malloc(cap);
    uint32_t x = 1;
    while (used + 256 < cap) {
        x = x * 1103515245u + 12345u;
        const char *p = pieces[(x >> 16) % n];
        size_t l = strlen(p);
        memcpy(buf + used, p, l);
        used += l;
    }
    *len = used;
    return buf;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        REQUIRE(f != NULL);
        static char data[4 << 20];
        size_t len = fread(data, 1, sizeof data, f);
        fclose(f);
        compare(data, len, argv[i], 80);
    }
    size_t len;
    char *gen = generate(&len);
    compare(gen, len, "generated", 80);
    compare(gen, len, "generated", 83); /* a row that is not whole turns of 16 cells */
    free(gen);
    return check_done();
}
