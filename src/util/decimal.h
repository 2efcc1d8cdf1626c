/*
 * Decimal formatting for the engine's hot path, where snprintf costs more than the glyphs a
 * rebuilt sequence stands for.
 */
#ifndef BT_DECIMAL_H
#define BT_DECIMAL_H

#include <stddef.h>

#define DECIMAL_MAX 20 /* digits of the largest unsigned long */

/* Writes v in decimal at out (room: DECIMAL_MAX bytes, no terminator); returns the length. */
static inline size_t decimal_put(char *out, unsigned long v)
{
    char tmp[DECIMAL_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

#endif
