/*
 * UTF-8 (utf8.h).
 */
#include "utf8.h"

/* The length a lead byte announces, 0 for a byte that cannot start a sequence. */
static size_t lead_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return 2;
    if (c >= 0xe0 && c <= 0xef)
        return 3;
    if (c >= 0xf0 && c <= 0xf4)
        return 4;
    return 0;
}

/* The range the byte after lead must fall in (Unicode's table 3-7, well-formed sequences). */
static void second_range(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xbf;
    if (lead == 0xe0)
        *lo = 0xa0; /* no overlong three-byte forms */
    else if (lead == 0xed)
        *hi = 0x9f; /* no surrogates */
    else if (lead == 0xf0)
        *lo = 0x90; /* no overlong four-byte forms */
    else if (lead == 0xf4)
        *hi = 0x8f; /* nothing past U+10FFFF */
}

size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = lead_len(p[0]);
    *cp = len == 1 ? p[0] : UTF8_REPLACEMENT;
    if (len <= 1)
        return 1;
    unsigned char lo, hi;
    second_range(p[0], &lo, &hi);
    uint32_t v = p[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        /* a cut or broken sequence is one U+FFFD for its well-formed start ("maximal
         * subpart", as the Unicode standard and the WHATWG decoder do) */
        if (i >= n || p[i] < lo || p[i] > hi)
            return i;
        v = v << 6 | (p[i] & 0x3fu);
        lo = 0x80;
        hi = 0xbf;
    }
    *cp = v;
    return len;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        cp = UTF8_REPLACEMENT;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}
