/*
 * Codec: a thin wrapper over the block compressors the store can use (none,
 * lz4, zstd, xz), each compressing one whole page into one blob. A context
 * holds a compressor's reusable state and reports its memory honestly, so the
 * store can count it against the RAM budget. Blob formats and level meanings
 * are described at the top of codec.c.
 *
 * A context is not thread-safe: give each thread (the compressing worker,
 * the reading path) its own.
 */
#ifndef SB_CODEC_H
#define SB_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"

struct codec;

/*
 * Creates a context for codec at level (clamped to the codec's range), sized
 * for inputs up to max_src bytes (larger inputs work; xz just compresses them
 * less well). The decompressor is made here, so decompressing blocks of up
 * to max_src bytes never allocates; the compressor is made at the first
 * codec_compress(), so a context used only for reading never holds one.
 * 0 or SB_ERR_NOMEM / SB_ERR_INVAL; the caller frees *out with
 * codec_destroy().
 */
int codec_create(enum sb_codec codec, int level, size_t max_src, struct codec **out);
/* Frees the context. NULL is a no-op. */
void codec_destroy(struct codec *c);

/*
 * Frees the compressor state (the xz -6 encoder is ~4 MiB for 256 KiB blocks)
 * and keeps the decompressor; the next codec_compress() makes it again. For
 * a context that compresses in rare batches, such as the cold tier.
 */
void codec_trim(struct codec *c);

/*
 * Frees all the state, the decompressor's too: for a context that will not be used for a
 * while (no stream may be in progress). The next call makes what it needs again.
 */
void codec_idle(struct codec *c);

/* Worst-case compressed size of n bytes; 0 for an unknown codec (or n past lz4's limit). */
size_t codec_bound(enum sb_codec codec, size_t n);

/*
 * Compresses src into dst (cap >= codec_bound). 0, SB_ERR_CODEC, or
 * SB_ERR_NOMEM when the compressor state cannot be made.
 */
int codec_compress(struct codec *c, const void *src, size_t n, void *dst, size_t cap,
                   size_t *out_len);

/*
 * Decompresses a blob that must expand to exactly raw_len bytes into dst
 * (which holds raw_len bytes). Any other outcome (bad data, truncation, a
 * wrong length) is SB_ERR_CORRUPT, and nothing is written past dst + raw_len,
 * whatever src holds. A flipped literal can still decode to other bytes of
 * the right length: integrity is checked by whoever read src from disk.
 * SB_ERR_NOMEM only for an xz block larger than max_src, whose decoder
 * dictionary must first grow to raw_len.
 */
int codec_decompress(struct codec *c, const void *src, size_t n, void *dst, size_t raw_len);

/*
 * Progressive decompression, for xz only (others: SB_ERR_INVAL): begins
 * decoding the blob src[0..n), which must expand to exactly raw_len bytes,
 * into dst. Nothing is decoded yet. src and dst must stay where they are
 * until the blob is done or another begins; the context's ordinary
 * decompression may be used meanwhile only by another context.
 */
int codec_stream_begin(struct codec *c, const void *src, size_t n, void *dst, size_t raw_len);

/*
 * Decodes on until at least want (<= raw_len) bytes of dst are there, and
 * sets *have to how many are. Reaching raw_len checks the blob's end as
 * codec_decompress does (after that, any want <= raw_len is 0 at once).
 * 0 or SB_ERR_CORRUPT (then the stream is over).
 */
int codec_stream_until(struct codec *c, size_t want, size_t *have);

/*
 * Bytes of RAM this context holds now (its compressor and decompressor
 * state). The compressor is sized at the first codec_compress(), so the
 * figure grows then, to about codec_estimate(); codec_trim() lowers it.
 */
size_t codec_sizeof(const struct codec *c);

/* What a context that only decompresses (max_src-byte blocks of codec at level) holds. */
size_t codec_estimate_decoder(enum sb_codec codec, int level, size_t max_src);

/*
 * What a context for codec/level/max_src will hold once it has compressed
 * and decompressed max_src-byte blocks, without making one (for budgets set
 * before the store starts). 0 for an unknown codec.
 */
size_t codec_estimate(enum sb_codec codec, int level, size_t max_src);

/* The codec and the (clamped) level the context was made with. */
enum sb_codec codec_kind(const struct codec *c);
int codec_level(const struct codec *c);

#endif
