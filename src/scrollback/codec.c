/*
 * Codec: one page in, one blob out, with each compressor's state kept in a
 * context and reused from call to call.
 *
 * Blob formats (nothing is added around them; the page records raw_len):
 *   none  the raw bytes.
 *   lz4   one LZ4 block, no frame. level <= 2 uses the fast compressor with
 *         acceleration max(1, 1 - level); level >= 3 uses LZ4 HC at
 *         min(level, 12). HC is the only way lz4 gets denser, and its state
 *         (256 KiB) is only paid for when asked for.
 *   zstd  one zstd frame (content size in the header, no checksum); the
 *         level is clamped to ZSTD_minCLevel()..ZSTD_maxCLevel().
 *   xz    raw LZMA2 chunks ending in the end marker: no .xz container, no
 *         check. Preset = level (0..9), but the dictionary is the smallest
 *         power of two >= max_src (at least LZMA_DICT_SIZE_MIN): a block
 *         never reaches further back than its own start, and xz -6's 8 MiB
 *         dictionary would cost ~94 MiB of encoder state instead of ~4 MiB.
 *
 * Integrity: decompression finds structural damage, truncation and a wrong
 * length (all SB_ERR_CORRUPT, never a write past raw_len), but a flipped
 * literal can decode to other bytes of the right length. Pages read back
 * from disk are authenticated by spill; RAM is trusted.
 *
 * Memory: the decompressor is made at create, so decompressing blocks of up
 * to max_src bytes never allocates (zstd into a flat buffer needs no window;
 * the LZMA2 decoder's dictionary is sized by our options, not by the blob).
 * An xz block larger than the decoder's dictionary could hold matches it
 * cannot reach, so the dictionary grows to fit raw_len first. The
 * compressor is made at the first compress, so a context used only for
 * reading never pays for it, and codec_trim() drops it again (the cold
 * tier's xz encoder is ~4 MiB and runs only at idle). State of 64 KiB or
 * more is mmap'd (see state_alloc), so freeing it really lowers RES.
 * codec_sizeof() reports what is held now.
 *
 * Threads: a context is not thread-safe. The store gives the compressing
 * worker and the reading path a context each.
 */
/* ZSTD_getCParams, ZSTD_estimate*, ZSTD_create*Ctx_advanced: all exported by libzstd.so */
#define ZSTD_STATIC_LINKING_ONLY

#include "codec.h"

#include <limits.h>
#include <lz4.h>
#include <lz4hc.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zstd.h>

#include "arena.h"

#define LZ4_LEVEL_MIN (-64) /* acceleration 65: past that lz4 barely compresses */
#define ZSTD_HASH_LOG_MAX 17  /* see zstd_capped */
#define ZSTD_CHAIN_LOG_MAX 19
#define ZSTD_FAST_HASH_LOG 10            /* see zstd_capped */
#define ZSTD_FAST_HASH_MIN_SRC (32u << 10)

struct codec {
    enum sb_codec kind;
    int level;
    size_t max_src;
    /* lz4: fast or HC state, whichever the level needs (NULL after trim). */
    void *lz4_state;
    size_t lz4_state_bytes;
    /* zstd */
    ZSTD_CCtx *zc; /* NULL after trim */
    ZSTD_DCtx *zd;
    /* xz: a filter chain for each stream, as the decoder's dictionary may grow. */
    lzma_options_lzma xz_opts, xz_dec_opts;
    lzma_filter xz_filters[2], xz_dec_filters[2];
    lzma_stream xz_enc;
    lzma_stream xz_dec;
    bool xz_enc_live;
    bool xz_dec_live;
    /* progressive decompression: where dst starts, how long it is, how far it got */
    uint8_t *stream_dst;
    size_t stream_len;
    bool stream_live; /* decoding can go on */
    bool stream_done; /* decoded whole, end checked */
    lzma_allocator xz_alloc; /* the streams point here */
};

/*
 * Codec state of 64 KiB or more is mapped straight from the OS, so that
 * freeing it (codec_trim, codec_destroy) lowers RES whatever glibc's heap
 * thresholds and arenas make of it; smaller pieces stay on malloc. A
 * 16-byte prefix records the mapped length, or 0 for malloc.
 */
#define STATE_PREFIX 16
#define STATE_MAP_MIN (64 * 1024)

/* Allocates size bytes of codec state (16-byte aligned); NULL when out of memory. */
static void *state_alloc(size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size_t total = size + STATE_PREFIX;
    bool mapped = total >= STATE_MAP_MIN;
    uint8_t *p = mapped ? mem_map(total) : malloc(total);
    if (!p)
        return NULL;
    *(size_t *)(void *)p = mapped ? total : 0;
    return p + STATE_PREFIX;
}

/* Frees what state_alloc returned; NULL is a no-op. */
static void state_free(void *ptr)
{
    if (!ptr)
        return;
    uint8_t *p = (uint8_t *)ptr - STATE_PREFIX;
    size_t mapped = *(size_t *)(void *)p;
    if (mapped)
        mem_unmap(p, mapped);
    else
        free(p);
}

/* zstd's allocator hooks. */
static void *zstd_alloc(void *opaque, size_t size)
{
    (void)opaque;
    return state_alloc(size);
}

static void zstd_free(void *opaque, void *ptr)
{
    (void)opaque;
    state_free(ptr);
}

static const ZSTD_customMem zstd_mem = { zstd_alloc, zstd_free, NULL };

/* liblzma's allocator hooks (it always passes nmemb 1, but check anyway). */
static void *xz_alloc(void *opaque, size_t nmemb, size_t size)
{
    (void)opaque;
    if (size && nmemb > SIZE_MAX / size)
        return NULL;
    return state_alloc(nmemb * size);
}

static void xz_free(void *opaque, void *ptr)
{
    (void)opaque;
    state_free(ptr);
}

static const char *const codec_names[] = {
    [SB_CODEC_NONE] = "none",
    [SB_CODEC_LZ4] = "lz4",
    [SB_CODEC_ZSTD] = "zstd",
    [SB_CODEC_XZ] = "xz",
};

/* Looks a codec up by name, ignoring case; -1 when unknown or NULL. */
int sb_codec_from_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++) {
        if (strcasecmp(name, codec_names[i]) == 0)
            return (int)i;
    }
    return -1;
}

/* The codec's name as sb_codec_from_name() reads it; "unknown" out of range. */
const char *sb_codec_name(enum sb_codec codec)
{
    if ((unsigned)codec >= sizeof codec_names / sizeof codec_names[0])
        return "unknown";
    return codec_names[codec];
}

/* Whether kind is one of the four codecs. */
static bool codec_valid(enum sb_codec kind)
{
    return (unsigned)kind <= SB_CODEC_XZ;
}

/* Clamps level into the range the codec understands. */
static int clamp_level(enum sb_codec kind, int level)
{
    int lo = 0, hi = 0;
    switch (kind) {
    case SB_CODEC_LZ4:
        lo = LZ4_LEVEL_MIN, hi = LZ4HC_CLEVEL_MAX;
        break;
    case SB_CODEC_ZSTD:
        lo = ZSTD_minCLevel(), hi = ZSTD_maxCLevel();
        break;
    case SB_CODEC_XZ:
        lo = 0, hi = 9;
        break;
    case SB_CODEC_NONE:
        break;
    }
    return level < lo ? lo : level > hi ? hi : level;
}

/* The xz dictionary for blocks of up to max_src bytes: a power of two. */
static uint32_t xz_dict_size(size_t max_src)
{
    uint32_t dict = LZMA_DICT_SIZE_MIN;
    while (dict < max_src && dict < (UINT32_C(1) << 30))
        dict <<= 1;
    return dict;
}

/* Fills the LZMA2 filter chain for a preset level and block size. */
static bool xz_filters_init(lzma_options_lzma *opts, lzma_filter filters[2], int level,
                            size_t max_src)
{
    if (lzma_lzma_preset(opts, (uint32_t)level))
        return false;
    opts->dict_size = xz_dict_size(max_src);
    filters[0] = (lzma_filter){ .id = LZMA_FILTER_LZMA2, .options = opts };
    filters[1] = (lzma_filter){ .id = LZMA_VLI_UNKNOWN, .options = NULL };
    return true;
}

/*
 * zstd's tables capped: at level 19 on the cold tier's 512 KiB blocks zstd sizes its hash
 * and chain tables for 2^20 entries, 9.25 MiB of state. The chain (a binary tree at that
 * level) still covers the whole block at 2^19 entries, the hash table matters less: 2^17
 * and 2^19 take 3.75 MiB and pack log text 12.67:1 against 12.68:1 uncapped (2^17 and 2^18:
 * 2.75 MiB, 12.61:1). The fast strategy (the hot pages' level 1) on blocks of 32 KiB and
 * more gets a hash table of 2^10 entries, 4 KiB, which stays in the L1 cache, where zstd
 * picks 2^13 or more. bench_codec -q, 64 KiB pages, two runs: od -cx text 22 to 29% faster
 * and 2.49:1 -> 2.55:1, log text 11 to 40% faster at 10.55:1 -> 10.51:1. 16 KiB pages gain
 * nothing: their tables are small already.
 */
static ZSTD_compressionParameters zstd_capped(ZSTD_compressionParameters cp, size_t max_src)
{
    if (cp.strategy == ZSTD_fast && max_src >= ZSTD_FAST_HASH_MIN_SRC &&
        cp.hashLog > ZSTD_FAST_HASH_LOG)
        cp.hashLog = ZSTD_FAST_HASH_LOG;
    if (cp.hashLog > ZSTD_HASH_LOG_MAX)
        cp.hashLog = ZSTD_HASH_LOG_MAX;
    if (cp.chainLog > ZSTD_CHAIN_LOG_MAX)
        cp.chainLog = ZSTD_CHAIN_LOG_MAX;
    return cp;
}

/*
 * The level, and the minimum match length zstd uses for a stream of unknown size. Given a
 * page's size, zstd picks parameters tuned for small inputs (at level 1: matches of 6 bytes);
 * on terminal text the streaming choice (7 bytes at level 1) makes od -cx pages 4.4% smaller
 * at the same speed (log pages 0.3% bigger), and it is what `zstd -1` on a pipe does, which
 * is how the reference figures were measured. The tables are zstd_capped's for max_src.
 * Parameters stay set across calls.
 */
static int zstd_set_params(struct codec *c)
{
    ZSTD_compressionParameters cp = ZSTD_getCParams(c->level, ZSTD_CONTENTSIZE_UNKNOWN, 0);
    ZSTD_compressionParameters sized = ZSTD_getCParams(c->level, c->max_src ? c->max_src : 1, 0);
    ZSTD_compressionParameters capped = zstd_capped(sized, c->max_src);
    size_t rc = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, c->level);
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_minMatch, (int)cp.minMatch);
    if (!ZSTD_isError(rc) && capped.hashLog != sized.hashLog)
        rc = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_hashLog, (int)capped.hashLog);
    if (!ZSTD_isError(rc) && capped.chainLog != sized.chainLog)
        rc = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_chainLog, (int)capped.chainLog);
    return ZSTD_isError(rc) ? SB_ERR_CODEC : 0;
}

/* Makes the compressor state at the first compress (or the first after a trim). */
static int make_compressor(struct codec *c)
{
    if (c->kind == SB_CODEC_LZ4 && !c->lz4_state) {
        c->lz4_state = state_alloc(c->lz4_state_bytes);
        return c->lz4_state ? 0 : SB_ERR_NOMEM;
    }
    if (c->kind == SB_CODEC_ZSTD && !c->zc) {
        c->zc = ZSTD_createCCtx_advanced(zstd_mem);
        return c->zc ? zstd_set_params(c) : SB_ERR_NOMEM;
    }
    return 0; /* xz: lzma_raw_encoder() makes or reuses it on every call */
}

/* Makes the decompressor for blocks of up to raw_len bytes (at create, or for a larger block). */
static int make_decompressor(struct codec *c, size_t raw_len)
{
    if (c->kind == SB_CODEC_ZSTD && !c->zd) {
        c->zd = ZSTD_createDCtx_advanced(zstd_mem);
        return c->zd ? 0 : SB_ERR_NOMEM;
    }
    if (c->kind != SB_CODEC_XZ || (c->xz_dec_live && raw_len <= c->xz_dec_opts.dict_size))
        return 0;
    c->xz_dec_opts.dict_size = xz_dict_size(raw_len);
    lzma_ret ret = lzma_raw_decoder(&c->xz_dec, c->xz_dec_filters);
    c->xz_dec_live = ret == LZMA_OK;
    return ret == LZMA_OK ? 0 : SB_ERR_NOMEM;
}

/* Creates a context; see codec.h. */
int codec_create(enum sb_codec codec, int level, size_t max_src, struct codec **out)
{
    *out = NULL;
    if (!codec_valid(codec))
        return SB_ERR_INVAL;
    struct codec *c = calloc(1, sizeof *c);
    if (!c)
        return SB_ERR_NOMEM;
    c->kind = codec;
    c->level = clamp_level(codec, level);
    c->max_src = max_src;
    c->xz_alloc = (lzma_allocator){ .alloc = xz_alloc, .free = xz_free, .opaque = NULL };
    c->xz_enc = (lzma_stream)LZMA_STREAM_INIT;
    c->xz_dec = (lzma_stream)LZMA_STREAM_INIT;
    c->xz_enc.allocator = c->xz_dec.allocator = &c->xz_alloc;
    c->lz4_state_bytes = (size_t)(c->level >= LZ4HC_CLEVEL_MIN ? LZ4_sizeofStateHC()
                                                               : LZ4_sizeofState());
    int err = SB_ERR_INVAL;
    if (codec == SB_CODEC_XZ &&
        (!xz_filters_init(&c->xz_opts, c->xz_filters, c->level, max_src) ||
         !xz_filters_init(&c->xz_dec_opts, c->xz_dec_filters, c->level, max_src)))
        goto fail;
    if ((err = make_decompressor(c, max_src)) < 0)
        goto fail;
    *out = c;
    return 0;
fail:
    codec_destroy(c);
    return err;
}

/* Frees the compressor state only; see codec.h. */
void codec_trim(struct codec *c)
{
    state_free(c->lz4_state);
    c->lz4_state = NULL;
    ZSTD_freeCCtx(c->zc);
    c->zc = NULL;
    if (c->xz_enc_live)
        lzma_end(&c->xz_enc);
    c->xz_enc_live = false;
}

void codec_idle(struct codec *c)
{
    codec_trim(c);
    ZSTD_freeDCtx(c->zd);
    c->zd = NULL;
    if (c->xz_dec_live)
        lzma_end(&c->xz_dec);
    c->xz_dec_live = false;
}

/* Frees the context and all its state; NULL is a no-op. */
void codec_destroy(struct codec *c)
{
    if (!c)
        return;
    codec_idle(c);
    free(c);
}

/* Worst-case LZMA2 output: chunk headers (<= 6 bytes per >= 32 KiB) and the end marker. */
static size_t xz_bound(size_t n)
{
    return n + (n >> 12) + 64;
}

/* Worst-case compressed size of n bytes; 0 for an unknown codec or n too large. */
size_t codec_bound(enum sb_codec codec, size_t n)
{
    switch (codec) {
    case SB_CODEC_NONE:
        return n;
    case SB_CODEC_LZ4:
        return n > LZ4_MAX_INPUT_SIZE ? 0 : (size_t)LZ4_compressBound((int)n);
    case SB_CODEC_ZSTD:
        return ZSTD_compressBound(n);
    case SB_CODEC_XZ:
        return xz_bound(n);
    }
    return 0;
}

/* lz4: fast with acceleration, or HC; see the top of the file. */
static int lz4_compress(struct codec *c, const void *src, size_t n, void *dst, size_t cap,
                        size_t *out_len)
{
    if (n > LZ4_MAX_INPUT_SIZE)
        return SB_ERR_CODEC;
    int icap = cap > INT_MAX ? INT_MAX : (int)cap;
    int got;
    if (c->level >= LZ4HC_CLEVEL_MIN)
        got = LZ4_compress_HC_extStateHC(c->lz4_state, src, dst, (int)n, icap, c->level);
    else
        got = LZ4_compress_fast_extState(c->lz4_state, src, dst, (int)n, icap,
                                         c->level < 1 ? 1 - c->level : 1);
    if (got <= 0)
        return SB_ERR_CODEC;
    *out_len = (size_t)got;
    return 0;
}

/* zstd: one frame at the context's level. */
static int zstd_compress(struct codec *c, const void *src, size_t n, void *dst, size_t cap,
                         size_t *out_len)
{
    size_t got = ZSTD_compress2(c->zc, dst, cap, src, n);
    if (ZSTD_isError(got))
        return SB_ERR_CODEC;
    *out_len = got;
    return 0;
}

/* xz: raw LZMA2 through the kept encoder (re-initialising it reuses its memory). */
static int xz_compress(struct codec *c, const void *src, size_t n, void *dst, size_t cap,
                       size_t *out_len)
{
    lzma_stream *s = &c->xz_enc;
    lzma_ret ret = lzma_raw_encoder(s, c->xz_filters);
    c->xz_enc_live = ret == LZMA_OK; /* a failed init has freed the stream */
    if (ret != LZMA_OK)
        return ret == LZMA_MEM_ERROR ? SB_ERR_NOMEM : SB_ERR_CODEC;
    s->next_in = src;
    s->avail_in = n;
    s->next_out = dst;
    s->avail_out = cap;
    do
        ret = lzma_code(s, LZMA_FINISH);
    while (ret == LZMA_OK && s->avail_out > 0);
    if (ret != LZMA_STREAM_END)
        return SB_ERR_CODEC;
    *out_len = cap - s->avail_out;
    return 0;
}

/* Compresses src into dst; 0, SB_ERR_NOMEM (making the compressor state) or SB_ERR_CODEC. */
int codec_compress(struct codec *c, const void *src, size_t n, void *dst, size_t cap,
                   size_t *out_len)
{
    static const char empty[1];
    int err = make_compressor(c);
    if (err < 0)
        return err;
    if (!src)
        src = empty; /* n == 0: libraries and memcpy want a real pointer */
    switch (c->kind) {
    case SB_CODEC_NONE:
        if (cap < n)
            return SB_ERR_CODEC;
        if (n)
            memcpy(dst, src, n);
        *out_len = n;
        return 0;
    case SB_CODEC_LZ4:
        return lz4_compress(c, src, n, dst, cap, out_len);
    case SB_CODEC_ZSTD:
        return zstd_compress(c, src, n, dst, cap, out_len);
    case SB_CODEC_XZ:
        return xz_compress(c, src, n, dst, cap, out_len);
    }
    return SB_ERR_CODEC;
}

/* lz4: the block must fill dst exactly. */
static int lz4_decompress(const void *src, size_t n, void *dst, size_t raw_len)
{
    if (n > INT_MAX || raw_len > INT_MAX)
        return SB_ERR_CORRUPT;
    int got = LZ4_decompress_safe(src, dst, (int)n, (int)raw_len);
    return got >= 0 && (size_t)got == raw_len ? 0 : SB_ERR_CORRUPT;
}

/* zstd: whatever frames src holds must expand to exactly raw_len bytes. */
static int zstd_decompress(struct codec *c, const void *src, size_t n, void *dst,
                           size_t raw_len)
{
    int err = make_decompressor(c, raw_len); /* gone since codec_idle() */
    if (err < 0)
        return err;
    size_t got = ZSTD_decompressDCtx(c->zd, dst, raw_len, src, n);
    return !ZSTD_isError(got) && got == raw_len ? 0 : SB_ERR_CORRUPT;
}

/*
 * xz: decodes into dst; once dst is full, lets the decoder go on into a
 * one-byte spare so that it can reach the end marker, and calls any byte
 * that lands there (a blob longer than raw_len) corruption.
 */
static int xz_decompress(struct codec *c, const void *src, size_t n, void *dst,
                         size_t raw_len)
{
    lzma_stream *s = &c->xz_dec;
    uint8_t spare;
    int err = make_decompressor(c, raw_len);
    if (err < 0)
        return err;
    if (lzma_raw_decoder(s, c->xz_dec_filters) != LZMA_OK)
        return SB_ERR_CORRUPT;
    s->next_in = src;
    s->avail_in = n;
    s->next_out = dst;
    s->avail_out = raw_len;
    bool in_spare = false;
    lzma_ret ret;
    while ((ret = lzma_code(s, LZMA_FINISH)) == LZMA_OK) {
        if (in_spare && s->avail_out == 0)
            return SB_ERR_CORRUPT;
        if (!in_spare && s->avail_out == 0) {
            s->next_out = &spare;
            s->avail_out = 1;
            in_spare = true;
        }
    }
    bool whole = in_spare ? s->avail_out == 1 : s->avail_out == 0;
    return ret == LZMA_STREAM_END && whole && s->avail_in == 0 ? 0 : SB_ERR_CORRUPT;
}

/* Begins a progressive xz decompression; see codec.h. */
int codec_stream_begin(struct codec *c, const void *src, size_t n, void *dst, size_t raw_len)
{
    c->stream_live = c->stream_done = false;
    if (c->kind != SB_CODEC_XZ || !src || !dst)
        return SB_ERR_INVAL;
    int err = make_decompressor(c, raw_len);
    if (err < 0)
        return err;
    if (lzma_raw_decoder(&c->xz_dec, c->xz_dec_filters) != LZMA_OK)
        return SB_ERR_CORRUPT;
    c->xz_dec.next_in = src;
    c->xz_dec.avail_in = n;
    c->stream_dst = dst;
    c->stream_len = raw_len;
    c->stream_live = true;
    return 0;
}

/* At the end of a progressive decompression: the blob must end exactly there. */
static int stream_finish(struct codec *c)
{
    lzma_stream *s = &c->xz_dec;
    uint8_t spare;
    s->next_out = &spare;
    s->avail_out = 1;
    lzma_ret ret = lzma_code(s, LZMA_FINISH);
    c->stream_live = false;
    c->stream_done = ret == LZMA_STREAM_END && s->avail_out == 1 && s->avail_in == 0;
    return c->stream_done ? 0 : SB_ERR_CORRUPT;
}

/* Decodes a progressive decompression on to at least want bytes; see codec.h. */
int codec_stream_until(struct codec *c, size_t want, size_t *have)
{
    lzma_stream *s = &c->xz_dec;
    *have = c->stream_live || c->stream_done ? (size_t)s->total_out : 0;
    if (c->stream_done && want <= c->stream_len) {
        *have = c->stream_len;
        return 0;
    }
    if (!c->stream_live || want > c->stream_len)
        return SB_ERR_CORRUPT;
    while (*have < want) {
        s->next_out = c->stream_dst + *have;
        s->avail_out = c->stream_len - *have;
        /* A read wants one row: decode little more than asked for (4 KiB). */
        if (s->avail_out > want - *have + (4u << 10))
            s->avail_out = want - *have + (4u << 10);
        lzma_ret ret = lzma_code(s, LZMA_RUN);
        *have = (size_t)s->total_out;
        if (ret == LZMA_STREAM_END && *have == c->stream_len && s->avail_in == 0) {
            c->stream_live = false; /* the end marker came with the last byte */
            c->stream_done = true;
            return 0;
        }
        if (ret != LZMA_OK || (s->avail_out > 0 && s->avail_in == 0 && *have < want)) {
            c->stream_live = false;
            return SB_ERR_CORRUPT;
        }
    }
    return *have == c->stream_len ? stream_finish(c) : 0;
}

/* Decompresses a blob to exactly raw_len bytes; 0 or SB_ERR_CORRUPT. */
int codec_decompress(struct codec *c, const void *src, size_t n, void *dst, size_t raw_len)
{
    static const char empty[1];
    uint8_t spare;
    if (!src)
        src = empty; /* n == 0 (or a caller's bug): still never a NULL for the libraries */
    if (!dst) {
        if (raw_len)
            return SB_ERR_CORRUPT;
        dst = &spare;
    }
    switch (c->kind) {
    case SB_CODEC_NONE:
        if (n != raw_len)
            return SB_ERR_CORRUPT;
        if (n)
            memcpy(dst, src, n);
        return 0;
    case SB_CODEC_LZ4:
        return lz4_decompress(src, n, dst, raw_len);
    case SB_CODEC_ZSTD:
        return zstd_decompress(c, src, n, dst, raw_len);
    case SB_CODEC_XZ:
        return xz_decompress(c, src, n, dst, raw_len);
    }
    return SB_ERR_CORRUPT;
}

/* Bytes of the xz encoder and decoder for their filter chains (liblzma's own figures). */
static size_t xz_state_bytes(const struct codec *c, bool enc, bool dec)
{
    size_t bytes = 0;
    if (enc)
        bytes += (size_t)lzma_raw_encoder_memusage(c->xz_filters);
    if (dec)
        bytes += (size_t)lzma_raw_decoder_memusage(c->xz_dec_filters);
    return bytes;
}

/* Bytes this context holds now: the struct plus live compressor/decompressor state. */
size_t codec_sizeof(const struct codec *c)
{
    size_t bytes = sizeof *c;
    if (c->lz4_state)
        bytes += c->lz4_state_bytes;
    if (c->zc)
        bytes += ZSTD_sizeof_CCtx(c->zc);
    if (c->zd)
        bytes += ZSTD_sizeof_DCtx(c->zd);
    if (c->kind == SB_CODEC_XZ)
        bytes += xz_state_bytes(c, c->xz_enc_live, c->xz_dec_live);
    return bytes;
}

/* The zstd state after compressing and decompressing max_src-byte blocks. */
static size_t zstd_estimate(int level, size_t max_src)
{
    ZSTD_compressionParameters cp =
        zstd_capped(ZSTD_getCParams(level, max_src ? max_src : 1, 0), max_src);
    return ZSTD_estimateCCtxSize_usingCParams(cp) + ZSTD_estimateDCtxSize();
}

/* What a context that only decompresses max_src-byte blocks holds: the reading side's. */
size_t codec_estimate_decoder(enum sb_codec codec, int level, size_t max_src)
{
    struct codec c = { .kind = codec, .level = clamp_level(codec, level) };
    switch (codec) {
    case SB_CODEC_ZSTD:
        return sizeof c + ZSTD_estimateDCtxSize();
    case SB_CODEC_XZ:
        if (!xz_filters_init(&c.xz_dec_opts, c.xz_dec_filters, c.level, max_src))
            return 0;
        return sizeof c + xz_state_bytes(&c, false, true);
    default:
        return codec_valid(codec) ? sizeof c : 0;
    }
}

/* What a context will hold once it has worked on max_src-byte blocks; 0 if invalid. */
size_t codec_estimate(enum sb_codec codec, int level, size_t max_src)
{
    if (!codec_valid(codec))
        return 0;
    struct codec c = { .kind = codec, .level = clamp_level(codec, level) };
    size_t bytes = sizeof c;
    switch (codec) {
    case SB_CODEC_LZ4:
        return bytes + (size_t)(c.level >= LZ4HC_CLEVEL_MIN ? LZ4_sizeofStateHC()
                                                            : LZ4_sizeofState());
    case SB_CODEC_ZSTD:
        return bytes + zstd_estimate(c.level, max_src);
    case SB_CODEC_XZ:
        if (!xz_filters_init(&c.xz_opts, c.xz_filters, c.level, max_src) ||
            !xz_filters_init(&c.xz_dec_opts, c.xz_dec_filters, c.level, max_src))
            return 0;
        return bytes + xz_state_bytes(&c, true, true);
    case SB_CODEC_NONE:
        break;
    }
    return bytes;
}

/* The codec this context was made for. */
enum sb_codec codec_kind(const struct codec *c)
{
    return c->kind;
}

/* The level after clamping. */
int codec_level(const struct codec *c)
{
    return c->level;
}

bool sb_codec_levels(enum sb_codec codec, int *lo, int *hi)
{
    static const int low[] = {0, 0, -7, 0}, high[] = {0, 12, 22, 9}; /* by enum sb_codec */
    if ((unsigned)codec > SB_CODEC_XZ || codec == SB_CODEC_NONE)
        return false;
    *lo = low[codec];
    *hi = high[codec];
    return true;
}

int sb_codec_default_level(enum sb_codec codec, bool cold)
{
    switch (codec) {
    case SB_CODEC_ZSTD: return cold ? 19 : 1;
    case SB_CODEC_LZ4: return cold ? 12 : 1;
    case SB_CODEC_XZ: return cold ? 6 : 1;
    default: return 0;
    }
}
