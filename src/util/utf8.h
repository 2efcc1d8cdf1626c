/*
 * UTF-8, strictly: one decoder and one encoder for the whole program. Invalid input (a stray
 * continuation byte, a cut sequence, an overlong form, a surrogate, anything past U+10FFFF)
 * decodes as U+FFFD one byte at a time, as the WHATWG decoder and most terminals do.
 */
#ifndef BT_UTF8_H
#define BT_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xfffdu
#define UTF8_MAX 4 /* bytes of the longest encoding */

/*
 * Decodes the codepoint at s[0..n) (n >= 1) into *cp. Returns the bytes it took: the
 * sequence's length, or 1 with *cp = U+FFFD for an invalid or incomplete one.
 */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Writes cp (a Unicode scalar value; anything else as U+FFFD) at out; returns 1 to 4. */
size_t utf8_encode(uint32_t cp, char *out);

/* Codepoints in p[0..n): the bytes that do not continue a sequence. */
static inline size_t utf8_count(const char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)p[i] & 0xc0) != 0x80;
    return k;
}

/* True for the C0 and C1 controls and DEL (U+0000-U+001F, U+007F-U+009F). */
static inline int utf8_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

#endif
