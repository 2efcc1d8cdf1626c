/*
 * Pages: the unit the store seals, compresses, spills and drops.
 *
 * A raw (uncompressed) page is laid out as
 *   header   16 bytes: magic "SBP1", nrows, text_len, meta_len (u32, little endian)
 *   text     text_len bytes: the rows' text streams, each followed by a newline
 *            (page framing, not row data: compressors use it as a delimiter,
 *            which makes pages of text rows ~2% smaller with zstd)
 *   meta     meta_len bytes: the rows' meta streams back to back
 * (see rowcodec.h for the two streams). Keeping all text together makes a
 * page compress like plain text; the small, repetitive meta compresses to
 * almost nothing.
 *
 * A cold page (format 2, written only by the cold tier) puts the meta first
 * and regroups the rows' text by a period p: the text of rows 0, p, 2p, ...,
 * then of rows 1, p+1, ..., up to rows p-1, 2p-1, ...; row i is in group
 * i % p at position i / p (p = 1: rows in order). Layout:
 *   header   20 bytes: magic "SBP2", nrows, text_len, meta_len, period
 *            (1..PAGE_PERIOD_MAX), u32 little endian
 *   meta     meta_len bytes, in row order: it says how long each row's text
 *            is, so the groups can be taken apart again
 *   text     text_len bytes, the groups one after another
 * Output whose row formats repeat every p rows (a hex dump's character and
 * hex lines, paired log lines, striped tables) then puts like rows next to
 * each other, where LZMA finds them. With the meta first, one row can be read
 * from a page decompressed only as far as that row (page_permuted_locate). A
 * format-2 page is only ever stored compressed: reading turns it into
 * format 1 (page_unpermute) before anything builds a view over it.
 *
 * A packed cold page (format 3, "SBP3", written only for the large blocks of repetitive
 * text) is format 2 with each row's meta less its leading text length: the separators in
 * the text already say where each row ends, and on log text those lengths cost 0.4 B/row of
 * the 4.6 a row compresses to. Same header (magic "SBP3"), meta and groups as format 2. A
 * page in which
 * some row's text holds the separator byte cannot be packed (page_pack says so). A packed
 * page is read back whole (page_unpack), never part way.
 *
 * A derived cold page (format 4, "SBP4", written for ordinary cold blocks when it saves
 * bytes) is format 2 in which a row that another row above it already says in another
 * notation (derive.h: od -c's hex rows) keeps no text:
 *   header   20 bytes as format 2, magic "SBP4", text_len the text stored
 *   kinds    nrows bytes: 0, the row's text is stored; else the derive kind by which its text
 *            follows from the last row above it whose text is stored (never row 0's)
 *   meta     as format 2 (a derived row's text length is that of the text derived)
 *   text     the groups as format 2, of the stored rows only
 * It is read part way like format 2 (page_permuted_locate, page_permuted_text).
 *
 * The hot page is the one rows are appended to. Its text sits in a mapped
 * buffer right after room for the header and its meta in a second buffer, so
 * sealing is one copy of the (small) meta. A page view locates every row of
 * a raw page (or of the hot page) for reading.
 */
#ifndef SB_PAGE_H
#define SB_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"
#include "derive.h"

#define PAGE_MAGIC 0x31504253u /* "SBP1" */
#define PAGE_HEADER_BYTES 16u
#define ROW_SEPARATOR 0x0a /* after each row's text */
#define PAGE_MAGIC_PERMUTED 0x32504253u /* "SBP2" */
#define PAGE_PERMUTED_HEADER_BYTES 20u
#define PAGE_PERIOD_MAX 8u
#define PAGE_MAGIC_PACKED 0x33504253u /* "SBP3" */
#define PAGE_MAGIC_DERIVED 0x34504253u /* "SBP4" */

/* Row offsets into a page's text and meta; entry nrows is the end. */
struct page_view {
    const uint8_t *text;
    const uint8_t *meta;
    uint32_t nrows;
    uint32_t *text_off;
    uint32_t *meta_off;
    uint32_t off_cap; /* entries allocated in each offset array */
};

/* An empty view; page_view_fini releases its offset arrays. */
void page_view_init(struct page_view *v);
void page_view_fini(struct page_view *v);
/* Bytes the view's offset arrays hold. */
size_t page_view_bytes(const struct page_view *v);

/*
 * Locates every row of the raw page raw[0..len) and checks the page's
 * framing (header, every row's varints, lengths that add up). 0,
 * SB_ERR_CORRUPT or SB_ERR_NOMEM. The view borrows raw.
 */
int page_view_parse(struct page_view *v, const uint8_t *raw, size_t len);

/* Writes a format-1 page's header (16 bytes at dst). */
void page_put_header(uint8_t *dst, uint32_t nrows, size_t text_len, size_t meta_len);

/* Decodes row i of a view. 0, SB_ERR_CORRUPT or SB_ERR_NOMEM. */
int page_view_row(const struct page_view *v, uint32_t i, struct sb_row *out);

/* Row i's text stream (see sb_text_fn). */
void page_view_text(const struct page_view *v, uint32_t i, const uint8_t **text, size_t *len);

/* Row i's stored flags (SB_ROW_WRAPPED, marks) without decoding the row; 0 if its meta is short. */
uint32_t page_view_flags(const struct page_view *v, uint32_t i);
/* The marks (SB_ROW_MARK_*) of all of the page's rows together. */
uint32_t page_view_marks(const struct page_view *v);

/* Bytes the page of view v takes in format 2. */
size_t page_permuted_len(const struct page_view *v);

/*
 * Writes the page of view v (a parsed format-1 page) in format 2 with period
 * (1..PAGE_PERIOD_MAX) into dst, which holds page_permuted_len(v) bytes;
 * returns that length.
 */
size_t page_permute(const struct page_view *v, uint32_t period, uint8_t *dst);

/*
 * Writes the page of view v in format 3 (packed) with period into dst, which holds
 * page_permuted_len(v) bytes; returns its length, or 0 when some row's text holds the
 * separator byte (the page cannot be packed).
 */
size_t page_pack(const struct page_view *v, uint32_t period, uint8_t *dst);

/*
 * Writes the page of view v in format 4 with period into dst, which holds
 * page_permuted_len(v) bytes; returns its length, or 0 when too few rows derive for the
 * kinds to pay for themselves (format 2 is smaller then).
 */
size_t page_derive(const struct page_view *v, uint32_t period, uint8_t *dst);

/*
 * Turns the format-3 page src[0..len) into a format-1 page in dst (cap bytes; it needs at
 * most len + 5 * nrows). Checks the header, the period, every row's framing and that the
 * separators frame every group exactly; never reads or writes out of bounds: SB_ERR_CORRUPT
 * for anything page_pack cannot have written. 0 and the length in *out_len.
 */
int page_unpack(const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len);

/*
 * Turns the format-2 or 4 page src[0..len) into a format-1 page in dst (cap bytes; format 2
 * needs len - 4, format 4 the raw page's length). Checks the header, the period, the kinds,
 * every row's framing and every derived row's length and never reads or writes out of bounds:
 * SB_ERR_CORRUPT for anything page_permute or page_derive cannot have written. 0 and the
 * length in *out_len.
 */
int page_unpermute(const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len);

/*
 * Checks the header of a format-2 or 4 page of len bytes (of which src holds at least the
 * first PAGE_PERMUTED_HEADER_BYTES) and sets *prefix to the bytes its header, kinds and meta
 * take. 0 or SB_ERR_CORRUPT.
 */
int page_permuted_prefix(const uint8_t *src, size_t len, size_t *prefix);

/*
 * Where one row of a format-2 or 4 page is: offsets into the page, lengths. The text is that
 * of the row itself, or (kind set) of the row it derives from.
 */
struct permuted_row {
    size_t meta_off, meta_len;
    size_t text_off, text_len; /* text_len without the separator that follows it */
    uint8_t kind;              /* DERIVE_NONE, or how the row's text follows from that text */
    size_t derived_len;        /* the derived text's length (the row's own, from its meta) */
    uint32_t group;            /* the text's group (page_permuted_locate's own use) */
};

/*
 * Locates row i of the format-2 page of len bytes at src, of which only the
 * prefix (header and meta) need be there yet: the row's text is at
 * src[text_off..] once text_off + text_len + 1 bytes are. Walks all the meta
 * (checking its framing): 0, or SB_ERR_CORRUPT (also for i >= nrows).
 */
int page_permuted_locate(const uint8_t *src, size_t len, uint32_t i, struct permuted_row *r);

/*
 * The text of the row r located in src: where it is stored, or derived into buf. 0, or
 * SB_ERR_CORRUPT when a derived text is not as long as the row's meta says.
 */
int page_permuted_text(const uint8_t *src, const struct permuted_row *r,
                       uint8_t buf[DERIVE_TEXT_MAX], const uint8_t **text, size_t *len);

struct codec;

/*
 * Picks the period (1..PAGE_PERIOD_MAX) under which the probe codec
 * compresses the page of view v in format 2 smallest: a trial of each
 * period, with periods of nrows or more left out (they change nothing).
 * perm (page_permuted_len(v) bytes) and out (out_cap >= codec_bound of the
 * probe's codec for that length) are scratch. 0 and *period, or the probe's
 * error.
 */
int page_choose_period(const struct page_view *v, struct codec *probe, uint8_t *perm,
                       uint8_t *out, size_t out_cap, uint32_t *period);

#define HOT_SPARES_MAX 8

struct hot_page {
    uint8_t *buf;      /* mapped: header room, then text */
    size_t cap;
    uint8_t *meta;     /* mapped */
    size_t meta_cap;
    size_t text_len;
    size_t meta_len;
    struct page_view view; /* offsets of the rows so far */
    size_t std_cap;    /* mapping size of an ordinary page's buffer */
    uint8_t *spares[HOT_SPARES_MAX]; /* recycled buffers of std_cap bytes, newest last */
    unsigned nspares, spares_max;
};

/*
 * An empty hot page for pages of about page_bytes: its buffer is mapped at
 * that size at once, and sealed buffers are recycled (one, or as many as
 * hot_set_spares says), so a flood does not map and unmap memory for every page.
 */
void hot_init(struct hot_page *h, size_t page_bytes);
/* Keeps up to max (<= HOT_SPARES_MAX, >= 1) recycled buffers: as many as pages may be sealed
 * and waiting at once, so that none has to be mapped (and faulted in) while they wait. */
void hot_set_spares(struct hot_page *h, unsigned max);
/* Unmaps the hot page's buffers. */
void hot_fini(struct hot_page *h);
/* Bytes of RAM the hot page holds. */
size_t hot_bytes(const struct hot_page *h);
/* Raw bytes the page would have if sealed now. */
size_t hot_raw_len(const struct hot_page *h);
/* A validated row to append: cells, or (cells NULL) a plain row's text stream. */
struct row_in {
    const struct sb_row *row; /* a row with hyperlinks; else cells or text */
    const struct sb_cell *cells;
    const char *text;
    size_t text_len;
    uint32_t ncols;
    uint32_t flags;
};

/* Raw bytes a row of ncols would add at most. */
size_t hot_row_bound(uint32_t ncols);

/* Appends a validated row. 0 or SB_ERR_NOMEM (the page is unchanged then). */
int hot_append(struct hot_page *h, const struct row_in *r, size_t *raw_added);

/*
 * Seals the hot page: returns its mapped buffer holding the whole raw page
 * (length *len, mapping size *cap, to be freed with mem_unmap) and leaves the
 * hot page empty. NULL when the page is empty or mapping fails.
 */
uint8_t *hot_seal(struct hot_page *h, size_t *len, size_t *cap);

/*
 * Takes back a sealed buffer once its page is compressed: kept as a spare
 * when it has the ordinary size and there is room, unmapped otherwise (an
 * oversize buffer is never reused for an ordinary page).
 */
void hot_recycle(struct hot_page *h, uint8_t *buf, size_t cap);

/* Unmaps the spare buffers (idle time: the next seal maps one again). */
void hot_drop_spares(struct hot_page *h);

/* Replaces the (empty) hot page's content with the raw page raw[0..len). */
int hot_load(struct hot_page *h, const uint8_t *raw, size_t len);

/* Removes the newest row; returns the raw bytes it took. The page must not be empty. */
size_t hot_pop(struct hot_page *h);

/* Empties the hot page and unmaps its buffers, the spares too. */
void hot_reset(struct hot_page *h);

#endif
