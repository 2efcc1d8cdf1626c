/*
 * Replays recorded terminal sessions (the .bin files in tests/term/sessions: ls, od, vim,
 * less, top, tput, an interactive bash; see record.py there) through the differential harness:
 * the engine and libvterm's VTermScreen at 24x80 get the same chunks and are compared after
 * each.
 * Three passes per file: random chunk sizes, the whole file at once, and chunks with resizes
 * in between.
 *
 * Usage: test_term_sessions FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"

/* Reads a whole file; NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    fclose(f);
    *len = n;
    return buf;
}

/* A small deterministic generator for chunk sizes. */
static uint32_t next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

/* Compares the pair; prints why on a difference. */
static bool same(struct pair *p, const char *path, const char *pass, size_t off)
{
    char why[512];
    if (pair_compare(p, why, sizeof why))
        return true;
    fprintf(stderr, "%s (%s) after %zu bytes: %s\n", path, pass, off, why);
    pair_dump(p);
    return false;
}

/* Feeds buf in random chunks (resizing now and then if asked), comparing after each. */
static bool replay(const char *path, const char *buf, size_t len, uint64_t seed, bool resizes)
{
    /* heights only: a new width reflows the screen, which VTermScreen 0.1.4 cannot (the
     * reflow has tests of its own, tests/term/scripts/reflow.test) */
    static const int sizes[][2] = {{30, 80}, {12, 80}, {24, 80}, {40, 80}, {24, 80}};
    struct pair *p = pair_create(24, 80);
    bool ok = true;
    size_t off = 0, step = 0;
    while (ok && off < len) {
        size_t n = 1 + next(&seed) % 512;
        if (n > len - off)
            n = len - off;
        pair_feed(p, buf + off, n);
        off += n;
        ok = same(p, path, resizes ? "chunks and resizes" : "chunks", off);
        if (ok && resizes && next(&seed) % 16 == 0) {
            const int *sz = sizes[step++ % 5];
            if (!pair_resize(p, sz[0], sz[1]))
                break; /* VTermScreen's own resize bug: see oracle.h */
            ok = same(p, path, "after a resize", off);
        }
    }
    pair_destroy(p);
    return ok;
}

/* Feeds buf in one call. */
static bool whole(const char *path, const char *buf, size_t len)
{
    struct pair *p = pair_create(24, 80);
    pair_feed(p, buf, len);
    bool ok = same(p, path, "whole", len);
    pair_destroy(p);
    return ok;
}

int main(int argc, char **argv)
{
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        size_t len;
        char *buf = slurp(argv[i], &len);
        if (!buf) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            failed++;
            continue;
        }
        bool ok = replay(argv[i], buf, len, (uint64_t)i, false) && whole(argv[i], buf, len) &&
                  replay(argv[i], buf, len, (uint64_t)i * 7919, true);
        printf("%s: %zu bytes, %s\n", argv[i], len, ok ? "same" : "DIFFERENT");
        failed += !ok;
        free(buf);
    }
    return failed ? 1 : 0;
}
