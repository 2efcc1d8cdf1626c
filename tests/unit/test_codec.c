/*
 * Unit tests for the codec wrapper: round trips for every codec and a spread
 * of levels and inputs; damaged blobs (wrong length, truncated, trailing
 * bytes, flipped bytes, garbage) that must come back SB_ERR_CORRUPT or, for
 * a flipped literal, as other bytes of the right length, never as a crash or
 * a write past the end (buffers are malloc'd to their exact size, so ASan and
 * valgrind see any overrun); honest memory figures.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "memcheck.h"
#include "codec.h"

#define KIB 1024u
#define MAX_SRC (256 * KIB)

/* RES the heap may keep after frees: ASan's quarantine holds freed malloc blocks. */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_SLACK (512 * KIB)
#else
#define HEAP_SLACK (128 * KIB)
#endif

struct level_set {
    enum sb_codec codec;
    int levels[6];
    int n;
};

static const struct level_set all_levels[] = {
    { SB_CODEC_NONE, { 0 }, 1 },
    { SB_CODEC_LZ4, { -5, 1, 3, 9, 12 }, 5 },
    { SB_CODEC_ZSTD, { -5, 1, 3, 9, 19 }, 5 },
    { SB_CODEC_XZ, { 0, 1, 6, 9 }, 4 },
};

/* A small deterministic generator (xorshift64*). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

/* Fills buf with incompressible bytes. */
static void fill_random(uint8_t *buf, size_t n, uint64_t seed)
{
    uint64_t s = seed | 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(rnd(&s) >> 56);
}

/* Fills buf with log-like lines: a few words, paths and numbers that repeat. */
static void fill_text(uint8_t *buf, size_t n, uint64_t seed)
{
    static const char *const words[] = { "drwxr-xr-x", "root", "4096", "usr/share/doc",
                                         "-rw-r--r--", "Nov", "14:09", "libzstd", "copyright",
                                         "changelog.Debian.gz", "error:", "ok" };
    uint64_t s = seed | 1;
    size_t i = 0;
    while (i < n) {
        char piece[40];
        uint64_t r = rnd(&s);
        int len = r % 4 == 0 ? snprintf(piece, sizeof piece, "%u ", (unsigned)(r >> 40) % 100000)
                             : snprintf(piece, sizeof piece, "%s%s", words[(r >> 8) % 12],
                                        (r >> 20) % 7 == 0 ? "\n" : " ");
        for (int k = 0; k < len && i < n; k++)
            buf[i++] = (uint8_t)piece[k];
    }
}

/* Compresses src with c into a fresh exact-size blob; NULL on failure. */
static uint8_t *compress_blob(struct codec *c, const uint8_t *src, size_t n, size_t *blen)
{
    size_t bound = codec_bound(codec_kind(c), n);
    uint8_t *tmp = malloc(bound ? bound : 1);
    REQUIRE(tmp);
    int rc = codec_compress(c, src, n, tmp, bound, blen);
    CHECK_EQ(rc, 0);
    CHECK(*blen <= bound);
    if (rc != 0) {
        free(tmp);
        return NULL;
    }
    uint8_t *blob = malloc(*blen ? *blen : 1);
    REQUIRE(blob);
    memcpy(blob, tmp, *blen);
    free(tmp);
    return blob;
}

/* Decompresses into a buffer of exactly raw_len bytes, so any overrun is seen by ASan. */
static int decompress_exact(struct codec *c, const uint8_t *blob, size_t blen, size_t raw_len,
                            uint8_t **out)
{
    uint8_t *dst = raw_len ? malloc(raw_len) : NULL;
    REQUIRE(dst || !raw_len);
    int rc = codec_decompress(c, blob, blen, dst, raw_len);
    if (out)
        *out = dst;
    else
        free(dst);
    return rc;
}

/* One round trip through c, checked byte for byte; returns the blob length. */
static size_t round_trip(struct codec *c, const uint8_t *src, size_t n)
{
    size_t blen = 0;
    uint8_t *blob = compress_blob(c, src, n, &blen), *back = NULL;
    if (!blob)
        return 0;
    CHECK_EQ(decompress_exact(c, blob, blen, n, &back), 0);
    CHECK(n == 0 || memcmp(back, src, n) == 0);
    free(back);
    free(blob);
    return blen;
}

/* The inputs every codec and level goes through. */
struct input {
    const char *name;
    size_t n;
    bool text;
};

static const struct input inputs[] = {
    { "empty", 0, false },        { "one byte", 1, false },  { "random 4K", 4 * KIB, false },
    { "random 256K", MAX_SRC, false }, { "text 1000", 1000, true }, { "text 64K", 64 * KIB, true },
    { "text 256K", MAX_SRC, true },
};

/* Every codec and level on every input, one context per level reused throughout. */
static void test_round_trips(void)
{
    uint8_t *src = malloc(MAX_SRC);
    REQUIRE(src);
    for (size_t k = 0; k < sizeof all_levels / sizeof all_levels[0]; k++) {
        for (int l = 0; l < all_levels[k].n; l++) {
            struct codec *c = NULL;
            REQUIRE(codec_create(all_levels[k].codec, all_levels[k].levels[l], MAX_SRC, &c) == 0);
            for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
                (inputs[i].text ? fill_text : fill_random)(src, inputs[i].n, i + 1);
                size_t blen = round_trip(c, src, inputs[i].n);
                if (inputs[i].text && inputs[i].n >= 64 * KIB && k != SB_CODEC_NONE)
                    CHECK(blen < inputs[i].n / 2);
            }
            codec_destroy(c);
        }
    }
    free(src);
}

/* A blob made at one level reads back through a context made at another (the read path). */
static void test_cross_context(void)
{
    uint8_t *src = malloc(64 * KIB);
    REQUIRE(src);
    fill_text(src, 64 * KIB, 7);
    for (size_t k = 0; k < sizeof all_levels / sizeof all_levels[0]; k++) {
        const struct level_set *ls = &all_levels[k];
        struct codec *w = NULL, *r = NULL;
        REQUIRE(codec_create(ls->codec, ls->levels[ls->n - 1], MAX_SRC, &w) == 0);
        REQUIRE(codec_create(ls->codec, 1, 64 * KIB, &r) == 0);
        size_t blen;
        uint8_t *blob = compress_blob(w, src, 64 * KIB, &blen), *back = NULL;
        REQUIRE(blob);
        CHECK_EQ(decompress_exact(r, blob, blen, 64 * KIB, &back), 0);
        CHECK(memcmp(back, src, 64 * KIB) == 0);
        free(back);
        free(blob);
        codec_destroy(w);
        codec_destroy(r);
    }
    free(src);
}

/* An xz block larger than the reading context's max_src (matches far back) still decodes. */
static void test_xz_dict_grows(void)
{
    size_t n = MAX_SRC;
    uint8_t *src = malloc(n);
    REQUIRE(src);
    fill_random(src, n / 2, 3); /* second half repeats the first: matches 128 KiB back */
    memcpy(src + n / 2, src, n / 2);
    struct codec *w = NULL, *r = NULL;
    REQUIRE(codec_create(SB_CODEC_XZ, 6, n, &w) == 0);
    REQUIRE(codec_create(SB_CODEC_XZ, 1, 16 * KIB, &r) == 0);
    size_t blen, small = codec_sizeof(r);
    uint8_t *blob = compress_blob(w, src, n, &blen), *back = NULL;
    REQUIRE(blob);
    CHECK(blen < n * 6 / 10);
    CHECK_EQ(decompress_exact(r, blob, blen, n, &back), 0);
    CHECK(back && memcmp(back, src, n) == 0);
    CHECK(codec_sizeof(r) > small); /* the grown dictionary is counted */
    free(back);
    free(blob);
    free(src);
    codec_destroy(w);
    codec_destroy(r);
}

/* A text blob for codec at its first listed level above none, in *blob; returns its length. */
static size_t sample_blob(struct codec *c, size_t raw_len, uint64_t seed, uint8_t **blob)
{
    uint8_t *src = malloc(raw_len);
    REQUIRE(src);
    fill_text(src, raw_len, seed);
    size_t blen = 0;
    *blob = compress_blob(c, src, raw_len, &blen);
    REQUIRE(*blob);
    free(src);
    return blen;
}

/* Wrong raw_len in either direction, and trailing bytes, are corruption for every codec. */
static void test_wrong_length(void)
{
    const size_t raw = 10000;
    for (int k = SB_CODEC_NONE; k <= SB_CODEC_XZ; k++) {
        struct codec *c = NULL;
        REQUIRE(codec_create(k, 1, MAX_SRC, &c) == 0);
        uint8_t *blob;
        size_t blen = sample_blob(c, raw, 11, &blob);
        const size_t lens[] = { 0, 1, raw - 1, raw + 1, raw * 2 };
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
            CHECK_EQ(decompress_exact(c, blob, blen, lens[i], NULL), SB_ERR_CORRUPT);
        uint8_t *longer = malloc(blen + 1);
        REQUIRE(longer);
        memcpy(longer, blob, blen);
        longer[blen] = 0;
        CHECK_EQ(decompress_exact(c, longer, blen + 1, raw, NULL), SB_ERR_CORRUPT);
        CHECK_EQ(decompress_exact(c, blob, blen, raw, NULL), 0); /* still fine afterwards */
        free(longer);
        free(blob);
        codec_destroy(c);
    }
}

/* Every truncation of a blob is corruption (each cut copied to an exact-size buffer). */
static void test_truncated(void)
{
    const size_t raw = 3000;
    for (int k = SB_CODEC_NONE; k <= SB_CODEC_XZ; k++) {
        struct codec *c = NULL;
        REQUIRE(codec_create(k, 3, MAX_SRC, &c) == 0);
        uint8_t *blob;
        size_t blen = sample_blob(c, raw, 12, &blob);
        unsigned caught = 0;
        for (size_t cut = 0; cut < blen; cut++) {
            uint8_t *part = malloc(cut ? cut : 1);
            REQUIRE(part);
            memcpy(part, blob, cut);
            caught += decompress_exact(c, part, cut, raw, NULL) == SB_ERR_CORRUPT;
            free(part);
        }
        CHECK_EQ(caught, blen);
        free(blob);
        codec_destroy(c);
    }
}

/*
 * Flipping any byte (three patterns each) never crashes nor overruns; the
 * result is either SB_ERR_CORRUPT or raw_len bytes. Returns how many were caught.
 */
static unsigned flip_all(struct codec *c, const uint8_t *blob, size_t blen, size_t raw)
{
    static const uint8_t masks[] = { 0x01, 0x80, 0xff };
    uint8_t *bad = malloc(blen);
    REQUIRE(bad);
    unsigned caught = 0;
    for (size_t i = 0; i < blen; i++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy(bad, blob, blen);
            bad[i] ^= masks[m];
            int rc = decompress_exact(c, bad, blen, raw, NULL);
            CHECK(rc == 0 || rc == SB_ERR_CORRUPT);
            caught += rc == SB_ERR_CORRUPT;
        }
    }
    free(bad);
    return caught;
}

/* Flipped bytes: never a crash; the structured codecs catch most of them. */
static void test_flipped(void)
{
    const size_t raw = 4000;
    for (int k = SB_CODEC_NONE; k <= SB_CODEC_XZ; k++) {
        struct codec *c = NULL;
        REQUIRE(codec_create(k, 6, MAX_SRC, &c) == 0);
        uint8_t *blob;
        size_t blen = sample_blob(c, raw, 13, &blob);
        unsigned caught = flip_all(c, blob, blen, raw);
        printf("  %-4s flips caught: %u of %zu\n", sb_codec_name(k), caught, blen * 3);
        if (k == SB_CODEC_NONE)
            CHECK_EQ(caught, 0); /* nothing to check against: that is spill's job */
        else
            CHECK(caught > 0);
        free(blob);
        codec_destroy(c);
    }
}

/* Random bytes, bare or behind a valid start, never decode as a blob of another length. */
static void test_garbage(void)
{
    uint64_t s = 99;
    for (int k = SB_CODEC_LZ4; k <= SB_CODEC_XZ; k++) {
        struct codec *c = NULL;
        REQUIRE(codec_create(k, 1, MAX_SRC, &c) == 0);
        uint8_t *valid;
        size_t vlen = sample_blob(c, 20000, 14, &valid);
        for (int round = 0; round < 300; round++) {
            size_t n = 1 + rnd(&s) % 3000, raw = 1 + rnd(&s) % 20000;
            uint8_t *junk = malloc(n);
            REQUIRE(junk);
            fill_random(junk, n, rnd(&s));
            size_t keep = n < 8 ? n : 8;
            if (round % 2 && vlen >= keep) /* a real start takes the decoder further in */
                memcpy(junk, valid, keep);
            CHECK_EQ(decompress_exact(c, junk, n, raw, NULL), SB_ERR_CORRUPT);
            free(junk);
        }
        CHECK_EQ(decompress_exact(c, NULL, 0, 100, NULL), SB_ERR_CORRUPT);
        free(valid);
        codec_destroy(c);
    }
}

/* A destination one byte too small is a compressor failure, not an overrun. */
static void test_small_cap(void)
{
    uint8_t src[5000];
    fill_random(src, sizeof src, 21);
    for (int k = SB_CODEC_NONE; k <= SB_CODEC_XZ; k++) {
        struct codec *c = NULL;
        REQUIRE(codec_create(k, 1, MAX_SRC, &c) == 0);
        size_t blen;
        uint8_t *blob = compress_blob(c, src, sizeof src, &blen);
        REQUIRE(blob && blen > 0);
        uint8_t *tight = malloc(blen - 1 ? blen - 1 : 1);
        size_t got;
        REQUIRE(tight);
        CHECK_EQ(codec_compress(c, src, sizeof src, tight, blen - 1, &got), SB_ERR_CODEC);
        CHECK_EQ(round_trip(c, src, sizeof src), blen); /* the context recovers */
        free(tight);
        free(blob);
        codec_destroy(c);
    }
}

/* Compresses one max_src block so the context reaches its working size. */
static void warm_up(struct codec *c)
{
    uint8_t *src = malloc(MAX_SRC);
    REQUIRE(src);
    fill_text(src, MAX_SRC, 5);
    round_trip(c, src, MAX_SRC);
    free(src);
}

/* codec_sizeof is plausible, follows trim and idle, and stays near codec_estimate. */
static void test_sizeof(void)
{
    const struct { enum sb_codec codec; int level; size_t lo, hi; } cases[] = {
        { SB_CODEC_NONE, 0, 1, 4 * KIB },
        { SB_CODEC_LZ4, 1, 16 * KIB, 64 * KIB },
        { SB_CODEC_LZ4, 9, 256 * KIB, 512 * KIB },
        { SB_CODEC_ZSTD, 1, 256 * KIB, 4096 * KIB },
        { SB_CODEC_ZSTD, 19, 1024 * KIB, 16384 * KIB },
        { SB_CODEC_XZ, 6, 1024 * KIB, 8192 * KIB },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct codec *c = NULL;
        REQUIRE(codec_create(cases[i].codec, cases[i].level, MAX_SRC, &c) == 0);
        size_t before = codec_sizeof(c);
        warm_up(c);
        size_t after = codec_sizeof(c);
        size_t est = codec_estimate(cases[i].codec, cases[i].level, MAX_SRC);
        printf("  %-4s %2d: %7zu B idle, %8zu B working, estimate %8zu B\n",
               sb_codec_name(cases[i].codec), cases[i].level, before, after, est);
        CHECK(before > 0 && before <= after);
        CHECK(after >= cases[i].lo && after <= cases[i].hi);
        CHECK(est >= after / 2 && est <= after * 2);
        codec_trim(c);
        CHECK_EQ(codec_sizeof(c), before);
        warm_up(c); /* and compresses again after a trim */
        CHECK_EQ(codec_sizeof(c), after);
        codec_idle(c); /* the decoder goes too */
        CHECK(codec_sizeof(c) <= before);
        CHECK(cases[i].codec == SB_CODEC_NONE || cases[i].codec == SB_CODEC_LZ4 ||
              codec_sizeof(c) < before);
        warm_up(c); /* and both come back on use */
        CHECK_EQ(codec_sizeof(c), after);
        codec_destroy(c);
    }
    /* The point of the small dictionary: xz -9 with its own 64 MiB one needs ~674 MiB. */
    CHECK(codec_estimate(SB_CODEC_XZ, 9, MAX_SRC) < 8u * 1024 * KIB);
}



/*
 * The memory codec_trim and codec_destroy free really leaves RES (it is
 * mmap'd). The test's own buffers are made first, so only the codec moves RES.
 */
static void test_trim_rss(void)
{
    const enum sb_codec kinds[] = { SB_CODEC_XZ, SB_CODEC_ZSTD };
    const int levels[] = { 6, 19 };
    size_t cap = codec_bound(SB_CODEC_ZSTD, MAX_SRC) + codec_bound(SB_CODEC_XZ, MAX_SRC), got;
    uint8_t *src = malloc(MAX_SRC), *blob = malloc(cap), *back = malloc(MAX_SRC);
    REQUIRE(src && blob && back);
    fill_text(src, MAX_SRC, 5);
    memset(blob, 0, cap);
    memset(back, 0, MAX_SRC);
    for (size_t i = 0; i < 2 && !res_is_blurred(); i++) {
        struct codec *c = NULL;
        size_t start = anon_rss_bytes();
        REQUIRE(codec_create(kinds[i], levels[i], MAX_SRC, &c) == 0);
        size_t idle = anon_rss_bytes();
        CHECK_EQ(codec_compress(c, src, MAX_SRC, blob, cap, &got), 0);
        CHECK_EQ(codec_decompress(c, blob, got, back, MAX_SRC), 0);
        size_t working = anon_rss_bytes(), held = codec_sizeof(c);
        codec_trim(c);
        size_t trimmed = anon_rss_bytes(), kept = codec_sizeof(c); /* the decoder, now touched */
        codec_destroy(c);
        size_t end = anon_rss_bytes();
        printf("  %-4s RES KiB: %zu, idle %zu, working %zu, trimmed %zu, destroyed %zu\n",
               sb_codec_name(kinds[i]), start / KIB, idle / KIB, working / KIB,
               trimmed / KIB, end / KIB);
        CHECK(working >= idle + held / 2);
        CHECK(trimmed <= idle + kept + HEAP_SLACK); /* malloc'd crumbs may stay in the heap */
        CHECK(trimmed + (held - kept) / 2 <= working);
        CHECK(end <= start + HEAP_SLACK);
    }
    free(src);
    free(blob);
    free(back);
}

/* Names parse both ways; levels clamp; bad codecs are refused. */
static void test_names_levels(void)
{
    for (int k = SB_CODEC_NONE; k <= SB_CODEC_XZ; k++)
        CHECK_EQ(sb_codec_from_name(sb_codec_name(k)), k);
    CHECK_STR(sb_codec_name(SB_CODEC_ZSTD), "zstd");
    CHECK_EQ(sb_codec_from_name("XZ"), SB_CODEC_XZ);
    CHECK_EQ(sb_codec_from_name("gzip"), -1);
    CHECK_EQ(sb_codec_from_name(""), -1);
    CHECK_EQ(sb_codec_from_name(NULL), -1);
    CHECK_STR(sb_codec_name((enum sb_codec)42), "unknown");
    const struct { enum sb_codec codec; int in, out; } lv[] = {
        { SB_CODEC_LZ4, 99, 12 }, { SB_CODEC_LZ4, -1000, -64 }, { SB_CODEC_XZ, -3, 0 },
        { SB_CODEC_XZ, 42, 9 },   { SB_CODEC_ZSTD, 7, 7 },      { SB_CODEC_NONE, 5, 0 },
    };
    for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++) {
        struct codec *c = NULL;
        REQUIRE(codec_create(lv[i].codec, lv[i].in, 4 * KIB, &c) == 0);
        CHECK_EQ(codec_level(c), lv[i].out);
        CHECK_EQ(codec_kind(c), lv[i].codec);
        codec_destroy(c);
    }
    struct codec *c = (struct codec *)&lv;
    CHECK_EQ(codec_create((enum sb_codec)7, 1, 4 * KIB, &c), SB_ERR_INVAL);
    CHECK(c == NULL);
    CHECK_EQ(codec_bound((enum sb_codec)7, 10), 0);
    codec_destroy(NULL);
}

/*
 * Progressive xz decompression: any sequence of steps yields the bytes of one
 * decompression; a truncated blob, trailing bytes or asking past the end is
 * SB_ERR_CORRUPT; other codecs refuse.
 */
static void test_stream(void)
{
    const size_t raw = 100 * KIB;
    uint8_t *src = malloc(raw), *dst = malloc(raw), *blob = malloc(codec_bound(SB_CODEC_XZ, raw));
    fill_text(src, raw, 77);
    struct codec *c, *d;
    REQUIRE(codec_create(SB_CODEC_XZ, 6, MAX_SRC, &c) == 0);
    REQUIRE(codec_create(SB_CODEC_XZ, 1, MAX_SRC, &d) == 0);
    size_t blen, have;
    REQUIRE(codec_compress(c, src, raw, blob, codec_bound(SB_CODEC_XZ, raw), &blen) == 0);
    static const size_t steps[] = {1, 7, 4096, 30000, 65536};
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        memset(dst, 0, raw);
        REQUIRE(codec_stream_begin(d, blob, blen, dst, raw) == 0);
        int rc = 0;
        for (size_t want = steps[k]; rc == 0; want += steps[k]) {
            rc = codec_stream_until(d, want < raw ? want : raw, &have);
            CHECK(have >= (want < raw ? want : raw) || rc < 0);
            if (want >= raw)
                break;
        }
        CHECK_EQ(rc, 0);
        CHECK_EQ(have, raw);
        CHECK(memcmp(dst, src, raw) == 0);
        CHECK_EQ(codec_stream_until(d, raw, &have), 0); /* done: nothing more to decode */
        CHECK_EQ(have, raw);
        CHECK_EQ(codec_stream_until(d, raw + 1, &have), SB_ERR_CORRUPT);
    }
    REQUIRE(codec_stream_begin(d, blob, blen - 1, dst, raw) == 0);
    CHECK_EQ(codec_stream_until(d, raw, &have), SB_ERR_CORRUPT);
    uint8_t *longer = malloc(blen + 1);
    memcpy(longer, blob, blen);
    longer[blen] = 0;
    REQUIRE(codec_stream_begin(d, longer, blen + 1, dst, raw) == 0);
    CHECK_EQ(codec_stream_until(d, raw, &have), SB_ERR_CORRUPT);
    REQUIRE(codec_stream_begin(d, blob, blen, dst, raw - 1) == 0); /* the blob is longer */
    CHECK_EQ(codec_stream_until(d, raw - 1, &have), SB_ERR_CORRUPT);
    REQUIRE(codec_stream_begin(d, blob, blen, dst, raw) == 0);
    CHECK_EQ(codec_stream_until(d, raw + 1, &have), SB_ERR_CORRUPT);
    struct codec *z;
    REQUIRE(codec_create(SB_CODEC_ZSTD, 1, MAX_SRC, &z) == 0);
    CHECK_EQ(codec_stream_begin(z, blob, blen, dst, raw), SB_ERR_INVAL);
    CHECK_EQ(codec_stream_until(z, 1, &have), SB_ERR_CORRUPT);
    codec_destroy(z);
    codec_destroy(c);
    codec_destroy(d);
    free(longer);
    free(src);
    free(dst);
    free(blob);
}

int main(void)
{
    test_names_levels();
    test_stream();
    test_round_trips();
    test_cross_context();
    test_xz_dict_grows();
    test_wrong_length();
    test_truncated();
    test_flipped();
    test_garbage();
    test_small_cap();
    test_sizeof();
    test_trim_rss();
    return check_done();
}
