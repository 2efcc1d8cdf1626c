/* Derived rows (derive.h): od's hex notations of the bytes its character notation shows. */
#include "derive.h"

#include <stdbool.h>
#include <string.h>

#define OFFSET_MAX DERIVE_LEAD_MAX /* digits of od's offset column */
#define FIELD 4                    /* columns od -c gives each byte */
#define BYTES_MAX (DERIVE_TEXT_MAX / FIELD)

/* The byte of an od -c escape letter ("\n" -> 10), or -1. */
static int escape_byte(uint8_t c)
{
    static const char letters[] = "0abfnrtv";
    static const uint8_t bytes[] = {0, 7, 8, 12, 10, 13, 9, 11};
    const char *p = c ? strchr(letters, c) : NULL;
    return p ? bytes[p - letters] : -1;
}

/* The byte one od -c field f[0..4) shows, or -1 when it is no such field. */
static int field_byte(const uint8_t *f)
{
    if (f[0] != ' ')
        return -1;
    if (f[1] == ' ' && f[2] == ' ')
        return f[3] >= 0x20 && f[3] < 0x7f ? f[3] : -1;
    if (f[1] == ' ' && f[2] == '\\')
        return escape_byte(f[3]);
    if (f[1] < '0' || f[1] > '3' || f[2] < '0' || f[2] > '7' || f[3] < '0' || f[3] > '7')
        return -1;
    return (f[1] - '0') << 6 | (f[2] - '0') << 3 | (f[3] - '0');
}

/* A digit of od's offset in any of its radixes (-A o, d, x). */
static bool offset_digit(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Reads an od -c row: the bytes it shows into bytes[]; their count, or 0 when src is not one. */
static size_t parse_chars(const uint8_t *src, size_t len, uint8_t *bytes)
{
    size_t w = 0;
    while (w < len && w <= OFFSET_MAX && offset_digit(src[w]))
        w++;
    if (w > OFFSET_MAX || len <= w || (len - w) % FIELD || (len - w) / FIELD > BYTES_MAX)
        return 0;
    size_t n = (len - w) / FIELD;
    for (size_t i = 0; i < n; i++) {
        int b = field_byte(src + w + i * FIELD);
        if (b < 0)
            return 0;
        bytes[i] = (uint8_t)b;
    }
    return n;
}

/* Appends "%0*x" of v with digits hex digits at dst[at], after pad spaces. */
static size_t put_hex(uint8_t *dst, size_t at, unsigned pad, unsigned v, unsigned digits)
{
    static const char hex[] = "0123456789abcdef";
    memset(dst + at, ' ', pad);
    at += pad;
    for (unsigned d = digits; d-- > 0;)
        dst[at++] = (uint8_t)hex[(v >> (4 * d)) & 15];
    return at;
}

/* Writes the kind's notation of bytes[0..n) into dst; its length or SIZE_MAX. */
static size_t render(uint8_t kind, const uint8_t *bytes, size_t n, uint8_t *dst, size_t cap)
{
    if (n == 0 || !derive_kind_valid(kind))
        return SIZE_MAX;
    size_t lead = kind >> 2, x2 = (kind & 3) == DERIVE_OD_X2;
    size_t len = lead + (x2 ? 8 * ((n + 1) / 2) : 4 * n);
    if (len > cap)
        return SIZE_MAX;
    memset(dst, ' ', lead);
    size_t at = lead;
    if (!x2)
        for (size_t i = 0; i < n; i++)
            at = put_hex(dst, at, 2, bytes[i], 2);
    else
        for (size_t i = 0; i < n; i += 2)
            at = put_hex(dst, at, 4, bytes[i] | (i + 1 < n ? bytes[i + 1] : 0u) << 8, 4);
    return at;
}

size_t derive_text(uint8_t kind, const uint8_t *src, size_t src_len, uint8_t *dst, size_t cap)
{
    uint8_t bytes[BYTES_MAX];
    return render(kind, bytes, parse_chars(src, src_len, bytes), dst, cap);
}

uint8_t derive_find(const uint8_t *src, size_t src_len, const uint8_t *text, size_t len)
{
    uint8_t bytes[BYTES_MAX], buf[DERIVE_TEXT_MAX];
    size_t blanks = 0, n;
    while (blanks < len && text[blanks] == ' ')
        blanks++;
    if (len == 0 || len > sizeof buf || blanks < 2 || !(n = parse_chars(src, src_len, bytes)))
        return DERIVE_NONE;
    /* The lead is what blanks the first field leaves: 4 of "    %04x", 2 of "  %02x". */
    static const uint8_t notations[] = {DERIVE_OD_X2, DERIVE_OD_X1};
    for (size_t k = 0; k < sizeof notations; k++) {
        size_t pad = notations[k] == DERIVE_OD_X2 ? 4 : 2;
        if (blanks < pad || blanks - pad > DERIVE_LEAD_MAX)
            continue;
        uint8_t kind = DERIVE_KIND(notations[k], blanks - pad);
        if (render(kind, bytes, n, buf, sizeof buf) == len && !memcmp(buf, text, len))
            return kind;
    }
    return DERIVE_NONE;
}
