/*
 * Derived rows (derive.c): a table of od's rows written out by hand, then GNU od itself as the
 * reference: every hex row it prints under a character row derives from it, byte for byte,
 * and nothing derives from a row that is changed in any one byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "derive.h"
#include "rowgen.h"

static size_t derive_str(uint8_t kind, const char *src, char *dst, size_t cap)
{
    return derive_text(kind, (const uint8_t *)src, strlen(src), (uint8_t *)dst, cap);
}

static uint8_t find_str(const char *src, const char *text)
{
    return derive_find((const uint8_t *)src, strlen(src), (const uint8_t *)text, strlen(text));
}

/* Rows as od prints them, and what must derive (or not) from them. */
static void test_table(void)
{
    static const struct {
        const char *src, *text;
        uint8_t notation; /* 0: nothing derives the text */
    } rows[] = {
        {"0000000   a   b  \\n  \\t   c     001 377   x   y   z   0   1   2   3   4",
         "           6261    090a    2063    ff01    7978    307a    3231    3433", DERIVE_OD_X2},
        {"0000020   5   6   7   8   9", "           3635    3837    0039", DERIVE_OD_X2},
        {"0000000   a   b  \\n  \\t", "         61  62  0a  09", DERIVE_OD_X1},
        {"000010   5   6", "          3635", DERIVE_OD_X2},           /* -A x: 6 digits */
        {"10000000 324 363   x", "           f3d4    0078", DERIVE_OD_X2}, /* a digit more */
        {"   a  \\0  \\a  \\b  \\f  \\r  \\v", "    0061    0807    0d0c    000b", DERIVE_OD_X2},
        {"   a  \\0  \\a  \\b  \\f  \\r  \\v", "  61  00  07  08  0c  0d  0b", DERIVE_OD_X1},
        {"0000000 377 000 200", "           00ff    0080", DERIVE_OD_X2},
        {"0000000   a   b", "           6261 ", DERIVE_NONE},  /* one space too many */
        {"0000000   a   b", "           6161", DERIVE_NONE},   /* a wrong word */
        {"0000000   a   b", "          6261", DERIVE_OD_X2},   /* a lead of its own: the kind's */
        {"0000000   a   b", "", DERIVE_NONE},
        {"0000000  a   b", "           6261", DERIVE_NONE},    /* not 4 columns a byte */
        {"0000000   a  \\q", "           715c", DERIVE_NONE},   /* no such escape */
        {"0000000 400", "           0100", DERIVE_NONE},       /* octal past a byte */
        {"0000000 3a7", "           00f7", DERIVE_NONE},
        {"0000000", "       ", DERIVE_NONE},                   /* no bytes */
        {"00000000000000000   a", "                     0061", DERIVE_NONE}, /* 17 digits */
        {"ls -l   a   b", "           6261", DERIVE_NONE},
        {"drwxr-xr-x 2 root root", "           6261", DERIVE_NONE},
    };
    char buf[DERIVE_TEXT_MAX];
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        uint8_t got = find_str(rows[i].src, rows[i].text);
        if ((got & 3) != rows[i].notation)
            printf("row %zu: kind %u, want notation %u\n", i, got, rows[i].notation);
        CHECK_EQ(got & 3, rows[i].notation);
        if (got) {
            size_t n = derive_str(got, rows[i].src, buf, sizeof buf);
            CHECK(n == strlen(rows[i].text) && !memcmp(buf, rows[i].text, n));
            CHECK_EQ(derive_str(got, rows[i].src, buf, n - 1), SIZE_MAX); /* too small */
        }
    }
    CHECK_EQ(find_str(rows[0].src, rows[1].text), DERIVE_NONE); /* another row's */
    CHECK_EQ(derive_str(DERIVE_NONE, rows[0].src, buf, sizeof buf), SIZE_MAX);
    CHECK_EQ(derive_str(3, rows[0].src, buf, sizeof buf), SIZE_MAX); /* no such notation */
    CHECK_EQ(derive_str(DERIVE_KIND(DERIVE_OD_X2, DERIVE_LEAD_MAX + 1), rows[0].src, buf,
                        sizeof buf), SIZE_MAX);
    for (unsigned kind = 0; kind < 256; kind++)
        CHECK_EQ(derive_kind_valid((uint8_t)kind),
                 ((kind & 3) == 1 || (kind & 3) == 2) && kind >> 2 <= DERIVE_LEAD_MAX);
    /* A source as long as the longest row a terminal holds: no bytes past the buffers. */
    static char wide[20000];
    memset(wide, ' ', sizeof wide - 1);
    memcpy(wide, "0000000", 7);
    for (size_t at = 7; at + 4 < sizeof wide; at += 4)
        wide[at + 3] = 'a';
    wide[7 + 4 * 4000] = 0;
    CHECK_EQ(derive_str(DERIVE_OD_X2, wide, buf, sizeof buf), SIZE_MAX);
    CHECK_EQ(find_str(wide, "    6161"), DERIVE_NONE);
}

/* Reads the lines od prints for the bytes in file path with options opts; their count. */
static size_t od_lines(const char *opts, const char *path, char ***lines)
{
    char cmd[512], line[4096];
    snprintf(cmd, sizeof cmd, "od %s %s", opts, path);
    FILE *p = popen(cmd, "r");
    REQUIRE(p != NULL);
    size_t n = 0, cap = 0;
    *lines = NULL;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        if (n == cap)
            REQUIRE((*lines = realloc(*lines, (cap = cap * 2 + 64) * sizeof **lines)) != NULL);
        REQUIRE(((*lines)[n++] = strdup(line)) != NULL);
    }
    CHECK_EQ(pclose(p), 0);
    return n;
}

/*
 * Checks the rows od prints for path with each of the runs' options: each hex row derives from
 * the character row above it in the run's notation, and with one byte changed from nothing.
 */
static void check_od(const char *path, const char *skip)
{
    static const struct {
        const char *opts;
        uint8_t notation;
    } runs[] = {{"-cx", DERIVE_OD_X2},         {"-c -t x2", DERIVE_OD_X2},
                {"-An -cx", DERIVE_OD_X2},     {"-Ax -cx", DERIVE_OD_X2},
                {"-Ad -c -t x1", DERIVE_OD_X1}, {"-w32 -cx", DERIVE_OD_X2},
                {"-w8 -c -t x1", DERIVE_OD_X1}};
    char buf[DERIVE_TEXT_MAX], opts[128];
    uint64_t rng = 7;
    for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
        char **lines;
        snprintf(opts, sizeof opts, "-v %s %s", skip, runs[r].opts); /* -v: no "*" rows */
        size_t n = od_lines(opts, path, &lines), pairs = 0, found = 0, refused = 0;
        for (size_t i = 0; i + 1 < n; i += 2) {
            if (lines[i + 1][0] != ' ')
                break; /* the closing offset */
            const char *src = lines[i], *hex = lines[i + 1];
            uint8_t kind = find_str(src, hex);
            pairs++;
            found += (kind & 3) == runs[r].notation &&
                     derive_str(kind, src, buf, sizeof buf) == strlen(hex) &&
                     !memcmp(buf, hex, strlen(hex));
            char *bad = strdup(hex);
            size_t at = (size_t)rowgen_next(&rng) % strlen(bad);
            bad[at] = bad[at] == 'f' ? 'e' : bad[at] == ' ' ? '0' : 'f';
            refused += find_str(src, bad) == DERIVE_NONE;
            free(bad);
        }
        printf("od %s: %zu of %zu hex rows derived, %zu of them changed refused\n", opts, found,
               pairs, refused);
        CHECK(pairs >= (4096 + 256) / 32);
        CHECK_EQ(found, pairs);
        CHECK_EQ(refused, pairs);
        for (size_t i = 0; i < n; i++)
            free(lines[i]);
        free(lines);
    }
}

/*
 * GNU od as the reference, for random bytes and every byte value, under several offset radixes
 * and widths: at small offsets, and past 16 MiB in a sparse file, where od's offsets have
 * grown a digit and the hex rows' lead has not.
 */
static void test_against_od(void)
{
    char path[] = "/tmp/test_derive_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    uint8_t bytes[4096 + 256 + 7]; /* odd: a last odd byte */
    uint64_t rng = 42;
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = i < 256 ? (uint8_t)i : (uint8_t)rowgen_next(&rng);
    REQUIRE(write(fd, bytes, sizeof bytes) == (ssize_t)sizeof bytes);
    check_od(path, "");
    REQUIRE(pwrite(fd, bytes, sizeof bytes, 16u << 20) == (ssize_t)sizeof bytes);
    check_od(path, "-j 16777200");
    close(fd);
    unlink(path);
}

int main(void)
{
    test_table();
    test_against_od();
    return check_done();
}
