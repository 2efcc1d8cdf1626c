/*
 * Codec: a thin wrapper over the block compressors the store can use (none,
 * lz4, zstd, xz), each compressing one whole page into one blob. A context
 * holds a compressor's reusable state and reports its memory honestly, so the
 * store can count it against the RAM budget.
 */
#ifndef SB_CODEC_H
#define SB_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"

struct codec;

/*
 * Creates a context for codec at level (clamped to the codec's range), sized
 * for inputs up to max_src bytes. 0 or SB_ERR_NOMEM / SB_ERR_INVAL.
 */
int codec_create(enum sb_codec codec, int level, size_t max_src, struct codec **out);
void codec_destroy(struct codec *c);

/* Worst-case compressed size of n bytes. */
size_t codec_bound(enum sb_codec codec, size_t n);

/* Compresses src into dst (cap >= codec_bound). 0 or SB_ERR_CODEC. */
int codec_compress(struct codec *c, const void *src, size_t n, void *dst, size_t cap, size_t *out_len);

/*
 * Decompresses a blob that must expand to exactly raw_len bytes into dst
 * (cap >= raw_len). Any other outcome (bad data, wrong length) is
 * SB_ERR_CORRUPT; never writes past cap.
 */
int codec_decompress(struct codec *c, const void *src, size_t n, void *dst, size_t raw_len);

/* Bytes of RAM this context holds (its compressor and decompressor state). */
size_t codec_sizeof(const struct codec *c);

enum sb_codec codec_kind(const struct codec *c);

#endif
