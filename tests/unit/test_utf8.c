/*
 * src/util/utf8.h: a table of byte strings and the codepoints (and lengths) they decode to,
 * including every kind of malformed input, and the encoder's round trip.
 */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "utf8.h"

struct dcase {
    const char *in;
    size_t len;     /* bytes of in */
    uint32_t cp[4]; /* what decoding all of in gives, in order */
    size_t steps[4];
};

static const struct dcase cases[] = {
    {"a", 1, {'a'}, {1}},
    {"\xc3\xa9", 2, {0xe9}, {2}},
    {"\xe2\x82\xac", 3, {0x20ac}, {3}},
    {"\xf0\x9f\x98\x80", 4, {0x1f600}, {4}},
    {"\xf4\x8f\xbf\xbf", 4, {0x10ffff}, {4}},
    /* malformed: one U+FFFD for each maximal well-formed start */
    {"\x80", 1, {0xfffd}, {1}},
    {"\xff", 1, {0xfffd}, {1}},
    {"\xc0\x80", 2, {0xfffd, 0xfffd}, {1, 1}},     /* overlong lead */
    {"\xc1\xbf", 2, {0xfffd, 0xfffd}, {1, 1}},
    {"\xe0\x80\x80", 3, {0xfffd, 0xfffd, 0xfffd}, {1, 1, 1}}, /* overlong three-byte */
    {"\xed\xa0\x80", 3, {0xfffd, 0xfffd, 0xfffd}, {1, 1, 1}}, /* a surrogate */
    {"\xf4\x90\x80\x80", 4, {0xfffd, 0xfffd, 0xfffd, 0xfffd}, {1, 1, 1, 1}}, /* > U+10FFFF */
    {"\xf5\x80", 2, {0xfffd, 0xfffd}, {1, 1}},
    {"\xe2\x82", 2, {0xfffd}, {2}},                  /* cut: one replacement */
    {"\xe2\x82" "a", 3, {0xfffd, 'a'}, {2, 1}},
    {"\xf0\x9f\x98" "b", 4, {0xfffd, 'b'}, {3, 1}},
    {"\xc3" "\xc3\xa9", 3, {0xfffd, 0xe9}, {1, 2}},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct dcase *c = &cases[i];
        size_t at = 0;
        for (int k = 0; at < c->len; k++) {
            uint32_t cp;
            size_t n = utf8_decode(c->in + at, c->len - at, &cp);
            if (cp != c->cp[k] || n != c->steps[k])
                fprintf(stderr, "case %zu step %d: U+%04X in %zu\n", i, k, cp, n);
            CHECK_EQ(cp, c->cp[k]);
            CHECK_EQ(n, c->steps[k]);
            at += n;
        }
    }
    /* every scalar value round-trips; surrogates and values past Unicode encode U+FFFD */
    for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
        char buf[UTF8_MAX];
        size_t n = utf8_encode(cp, buf);
        uint32_t back;
        size_t m = utf8_decode(buf, n, &back);
        bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
        if (m != n || back != (surrogate ? UTF8_REPLACEMENT : cp)) {
            CHECK_EQ(back, cp);
            break;
        }
    }
    char buf[UTF8_MAX];
    CHECK_EQ(utf8_encode(0x110000, buf), 3);
    CHECK(memcmp(buf, "\xef\xbf\xbd", 3) == 0);
    CHECK(utf8_is_control(0x1b) && utf8_is_control(0x7f) && utf8_is_control(0x9b));
    CHECK(!utf8_is_control(' ') && !utf8_is_control(0xa0));
    return check_done();
}
