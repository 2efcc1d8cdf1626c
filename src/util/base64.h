/*
 * Base64 (RFC 4648, the standard alphabet), for OSC 52's clipboard text. The decoder is
 * strict: only the alphabet, '=' padding at the end, and nothing after it.
 */
#ifndef BT_BASE64_H
#define BT_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes base64_encode writes for n bytes (without a terminator). */
#define BASE64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)

/* Encodes in[0..n) at out (room: BASE64_ENCODED_LEN(n)); returns the length. */
size_t base64_encode(const unsigned char *in, size_t n, char *out);

/*
 * Decodes in[0..n) at out (room: n / 4 * 3 + 3); the padding may be left out. Returns false
 * for anything that is not base64, with *len unspecified.
 */
bool base64_decode(const char *in, size_t n, unsigned char *out, size_t *len);

#endif
