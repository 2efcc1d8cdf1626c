/*
 * boundterm scrollback store: the public API.
 *
 * Rows that scroll off the top of a terminal screen are pushed here. The store
 * encodes each row compactly (UTF-8 text plus style runs), packs rows into a
 * hot page, seals and compresses full pages, keeps compressed pages in RAM
 * under a byte budget, spills the oldest ones to encrypted, unlinked files
 * under a disk byte budget, and drops (and counts) the oldest rows past that.
 *
 * Rows are addressed by number: the first row ever pushed is 0 and every push
 * takes the next one, so a row keeps its number while older rows are dropped.
 * The rows retained are sb_span.first .. sb_span.end - 1; everything below
 * first is gone for good (dropped by the budgets, or cleared).
 *
 * The store knows nothing of terminals, windows or ptys. All calls are
 * thread-safe (one internal lock); a background thread compresses sealed
 * pages and recompresses cold ones when the store is idle.
 */
#ifndef BOUNDTERM_SCROLLBACK_H
#define BOUNDTERM_SCROLLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors ------------------------------------------------------------ */

enum {
    SB_OK = 0,
    SB_ERR_NOMEM = -1,   /* allocation or mapping failed */
    SB_ERR_INVAL = -2,   /* bad argument: malformed cell, bad config value */
    SB_ERR_RANGE = -3,   /* a row that is not retained; pop from empty */
    SB_ERR_BUDGET = -4,  /* a budget too small to hold one page plus the index */
    SB_ERR_IO = -5,      /* a spill file could not be created, written or read */
    SB_ERR_CORRUPT = -6, /* bytes that do not decode: bad page, failed authentication */
    SB_ERR_NOSPC = -7,   /* the spill filesystem is full */
    SB_ERR_CODEC = -8,   /* the compressor failed */
};

/* A static English description of an SB_ERR_* value. */
const char *sb_strerror(int err);

/* The compressors' and libsodium's versions as the process runs them ("zstd 1.5.4, ..."). */
const char *sb_library_versions(void);

/* ---- Row model --------------------------------------------------------- */

#define SB_MAX_CHARS 6     /* codepoints per cell: base + up to 5 combining */
#define SB_MAX_COLS 65535u /* widest row the store accepts */

/*
 * A colour packed in 32 bits: the kind in the top byte, the value below it.
 * Canonical forms (anything else is refused with SB_ERR_INVAL):
 *   default            0x00000000
 *   palette index i    0x01000000 | i            (i in 0..255)
 *   24-bit RGB         0x02000000 | r<<16 | g<<8 | b
 */
typedef uint32_t sb_color;
#define SB_COLOR_DEFAULT 0u
#define SB_COLOR_PALETTE(i) (0x01000000u | ((uint32_t)(i) & 0xffu))
#define SB_COLOR_RGB(r, g, b) \
    (0x02000000u | ((uint32_t)(r) & 0xffu) << 16 | ((uint32_t)(g) & 0xffu) << 8 | ((uint32_t)(b) & 0xffu))
#define SB_COLOR_KIND(c) ((uint32_t)(c) >> 24)
enum { SB_COLOR_KIND_DEFAULT = 0, SB_COLOR_KIND_PALETTE = 1, SB_COLOR_KIND_RGB = 2 };

/* Cell attributes, packed in 16 bits. */
enum {
    SB_ATTR_BOLD = 1u << 0,
    SB_ATTR_ITALIC = 1u << 1,
    SB_ATTR_BLINK = 1u << 2,
    SB_ATTR_REVERSE = 1u << 3,
    SB_ATTR_STRIKE = 1u << 4,
    SB_ATTR_CONCEAL = 1u << 5,
    SB_ATTR_UNDERLINE_SHIFT = 6, /* 2 bits: SB_UNDERLINE_* */
    SB_ATTR_UNDERLINE_MASK = 3u << 6,
    SB_ATTR_FONT_SHIFT = 8, /* 4 bits: alternative font 0..9 */
    SB_ATTR_FONT_MASK = 15u << 8,
    SB_ATTR_DIM = 1u << 12,      /* faint (SGR 2) */
    SB_ATTR_OVERLINE = 1u << 13, /* SGR 53 */
    SB_ATTR_VALID_MASK = (1u << 14) - 1,
};
enum { SB_UNDERLINE_NONE = 0, SB_UNDERLINE_SINGLE = 1, SB_UNDERLINE_DOUBLE = 2, SB_UNDERLINE_CURLY = 3 };

/*
 * One column of a row.
 * - chars: the base codepoint then combining ones; unused slots are 0.
 *   chars[0] == 0 is an empty (erased, never written) cell, which is not
 *   the same as a space.
 * - width: 1, or 2 for a wide character. The column right of a wide cell is
 *   its continuation: width 0, chars all 0, and the same attrs and colours as
 *   the wide cell (the store returns it in exactly that form).
 * - link: 0, or k >= 1 for the row's k-th hyperlink (sb_row_link); a continuation
 *   has its wide cell's.
 * Codepoints are Unicode scalar values (no surrogates, at most 0x10FFFF).
 */
struct sb_cell {
    uint32_t chars[SB_MAX_CHARS];
    sb_color fg;
    sb_color bg;
    uint16_t attrs;
    uint16_t link;
    uint8_t width;
};

/*
 * Hyperlinks (OSC 8) travel with their row: its cells name them by number, the row holds
 * their URIs. A URI is 1..SB_MAX_LINK_BYTES bytes of printable ASCII (0x21-0x7E, as RFC 3986
 * writes every URI); a row holds at most SB_MAX_ROW_LINKS of them, SB_MAX_ROW_LINK_BYTES in all.
 */
#define SB_MAX_LINK_BYTES 2048u
#define SB_MAX_ROW_LINKS 255u
#define SB_MAX_ROW_LINK_BYTES 32768u

/* Whether uri[0..len) is a URI a row can keep (the rule above). */
bool sb_link_valid(const char *uri, size_t len);

/*
 * Row flags. The marks are what a program said of the row (a shell's prompt marks, OSC 133):
 * the store keeps them with the row through compression, the cold tier and spilling, and
 * sb_store_find_mark() finds them again without reading pages that hold none.
 */
enum {
    SB_ROW_WRAPPED = 1u << 0,     /* soft-wrapped: the row continues on the next one */
    SB_ROW_LOST = 1u << 1,        /* read back only: the row's page could not be read */
    SB_ROW_MARK_PROMPT = 1u << 2, /* a prompt starts on the row */
    SB_ROW_MARK_INPUT = 1u << 3,  /* the command line starts */
    SB_ROW_MARK_OUTPUT = 1u << 4, /* the command's output starts */
    SB_ROW_MARK_END = 1u << 5,    /* a command ended */
    SB_ROW_MARK_FAILED = 1u << 6, /* with SB_ROW_MARK_END: its exit status was not 0 */
    SB_ROW_MARKS = 0x7cu,         /* all the marks */
};

/*
 * What is known of the command that ended on a row marked SB_ROW_MARK_END (sb_row.has_command).
 * The store keeps peak_rss to the KiB.
 */
struct sb_command {
    int32_t exit_status;  /* -1: not known */
    uint32_t duration_ms;
    uint64_t peak_rss;    /* bytes, the most its processes held at once; 0: not known */
};

/*
 * A decoded row. The cell array belongs to the row and grows as needed;
 * initialise with sb_row_init() and release with sb_row_fini().
 */
struct sb_row {
    struct sb_cell *cells;
    uint32_t ncols;
    uint32_t flags;
    uint32_t cap;    /* cells allocated */
    char *links;     /* the row's URIs, each ended by a NUL; the row owns them */
    uint32_t nlinks; /* how many */
    uint32_t links_len, links_cap; /* bytes used and allocated */
    bool has_command;              /* command holds what ended here (SB_ROW_MARK_END only) */
    struct sb_command command;
};

void sb_row_init(struct sb_row *row);
void sb_row_fini(struct sb_row *row);
/* Makes room for ncols cells; 0 or SB_ERR_NOMEM. */
int sb_row_reserve(struct sb_row *row, uint32_t ncols);
/* The row's k-th URI (k >= 1, as a cell's link names it), NUL-terminated; NULL if none. */
const char *sb_row_link(const struct sb_row *row, uint32_t k);
/*
 * Adds a URI of len bytes to the row's links, or finds it there: returns its number (>= 1), or
 * SB_ERR_INVAL (not a URI as above, or the row's limits would be passed), or SB_ERR_NOMEM.
 */
int sb_row_add_link(struct sb_row *row, const char *uri, size_t len);
/* Forgets the row's links (the cells' numbers must be cleared too). */
void sb_row_clear_links(struct sb_row *row);
/* Makes dst a copy of src (cells, flags, links, command); 0 or SB_ERR_NOMEM. */
int sb_row_copy(struct sb_row *dst, const struct sb_row *src);
/* True when a and b hold the same cells (field by field), flags, links and command. */
bool sb_row_equal(const struct sb_row *a, const struct sb_row *b);

/* ---- Configuration ----------------------------------------------------- */

enum sb_codec {
    SB_CODEC_NONE = 0,
    SB_CODEC_LZ4 = 1,
    SB_CODEC_ZSTD = 2,
    SB_CODEC_XZ = 3,
};

/* Parses "none", "lz4", "zstd", "xz"; -1 when unknown. */
int sb_codec_from_name(const char *name);
const char *sb_codec_name(enum sb_codec codec);

/* The levels a codec is offered at (lz4 0-12, zstd -7-22, xz 0-9); false for none. */
bool sb_codec_levels(enum sb_codec codec, int *lo, int *hi);
/* The usual level of a codec for fresh pages (fast) or for the cold tier (dense). */
int sb_codec_default_level(enum sb_codec codec, bool cold);

/* The page sizes (sb_config.page_bytes) the store takes. */
#define SB_PAGE_BYTES_MIN (4u << 10)
#define SB_PAGE_BYTES_MAX (16u << 20)

struct sb_config {
    uint64_t ram_budget;  /* bytes of RAM for everything the store holds */
    uint64_t disk_budget; /* bytes of spill files; 0 = never spill, drop instead */
    const char *spill_dir; /* copied; NULL = /tmp (the store reads no environment) */
    uint32_t page_bytes;  /* raw bytes at which the hot page is sealed */
    enum sb_codec codec;  /* codec for freshly sealed pages */
    int codec_level;
    enum sb_codec cold_codec; /* denser codec for pages recompressed at idle */
    int cold_level;            /* SB_CODEC_NONE disables the cold tier */
    uint32_t cold_bytes;       /* raw bytes of a recompressed cold block */
    uint32_t cold_large_bytes; /* raw bytes of a cold block of repetitive text (zstd 19, one
                                  decodes in ~0.4 ms), with a RAM budget of 64 MiB or more;
                                  0: those get cold_bytes blocks too */
    uint32_t cold_delay_ms;    /* idle time before cold recompression starts */
    uint32_t cache_pages;      /* decompressed pages kept for reading */
    bool background;           /* compress on a worker thread (false: inline) */
};

/* Fills cfg with the defaults (64 MiB RAM, 1 GiB disk, zstd 1 + xz cold, 512K large blocks). */
void sb_config_defaults(struct sb_config *cfg);

/*
 * A RAM budget below sb_config_min_ram() scales the parts down (a budget that holds them as
 * configured leaves them alone), in this order, until they take at most 3/4 of it: the large
 * cold blocks off, the read cache to 2 pages, the cold tier to xz -1 and then off,
 * pages down to 16 KiB, the cache to 1 page, pages down to 4 KiB, and the hot codec to lz4
 * (a few KiB of state). Every budget from 1 MiB up is held that way. sb_config_fit() does it
 * to cfg (sb_store_create does it itself) and returns what it scaled, as SB_SCALED_* bits.
 */
enum {
    SB_SCALED_CACHE = 1u << 0,
    SB_SCALED_COLD_LEVEL = 1u << 1,
    SB_SCALED_COLD_OFF = 1u << 2,
    SB_SCALED_PAGE = 1u << 3,
    SB_SCALED_CODEC = 1u << 4,
    SB_SCALED_COLD_LARGE = 1u << 5,
};
unsigned sb_config_fit(struct sb_config *cfg);

/* Says what sb_config_fit scaled, from one config to the other ("page_bytes 64K->4K, ..."). */
size_t sb_scaled_describe(unsigned scaled, const struct sb_config *from,
                          const struct sb_config *to, char *buf, size_t cap);

/* The smallest RAM budget for these settings as they are, with nothing scaled. */
uint64_t sb_config_min_ram(const struct sb_config *cfg);

/* The smallest RAM budget the store accepts at all: its parts scaled as far as they go. */
uint64_t sb_config_floor_ram(const struct sb_config *cfg);

/* ---- The store --------------------------------------------------------- */

struct sb_store;

/*
 * Creates a store. On failure returns an SB_ERR_* and, if err is not NULL,
 * writes a one-line reason into err. The caller owns *out and frees it with
 * sb_store_destroy(). A spill directory that cannot be used is not fatal:
 * the store records why in last_error and drops instead of spilling.
 */
int sb_store_create(const struct sb_config *cfg, struct sb_store **out, char *err, size_t errlen);

/* Frees the store, its pages and its spill files (closing them deletes them). NULL is a no-op. */
void sb_store_destroy(struct sb_store *store);

/*
 * Appends one row (the newest). The cells are copied; the caller keeps them.
 * flags: SB_ROW_WRAPPED or 0. Returns 0, SB_ERR_INVAL for a malformed cell
 * or ncols > SB_MAX_COLS, or SB_ERR_NOMEM. Budgets hold when it returns.
 */
int sb_store_push_row(struct sb_store *store, const struct sb_cell *cells, uint32_t ncols,
                      uint32_t flags);
/* Appends row (its cells, flags and hyperlinks) as sb_store_push_row does. */
int sb_store_push(struct sb_store *store, const struct sb_row *row);

/*
 * Appends a plain row, given as UTF-8: every cell holds one codepoint, has
 * width 1 and default attributes and colours; an empty cell is a NUL byte
 * and trailing empty cells are left out. It is stored exactly as
 * sb_store_push_row would store those cells, without building them (the
 * fast path for most terminal output). SB_ERR_INVAL for bad UTF-8, more
 * codepoints than ncols, a trailing NUL or bad flags.
 */
int sb_store_push_plain(struct sb_store *store, const char *text, size_t len, uint32_t ncols,
                        uint32_t flags);

/*
 * Which rows the store holds. A number is never given to another row, with one
 * exception: sb_store_pop_row() hands the newest row back and the next push
 * takes its number again (a terminal's screen grew, then shrank or reflowed).
 * taken_back counts those rows, so a reader that keeps copies of rows knows
 * when its copies at or above end may no longer be what the store holds.
 */
struct sb_span {
    uint64_t first;      /* the oldest row retained */
    uint64_t end;        /* one past the newest: the number the next push takes */
    uint64_t taken_back; /* rows ever popped */
};
void sb_store_span(struct sb_store *store, struct sb_span *out);

/* Number of rows retained (end - first). */
uint64_t sb_store_rows(struct sb_store *store);

/*
 * Reads row number row into out, growing out's cells. A row whose page
 * cannot be read comes back with SB_ROW_LOST and no cells; the call still
 * returns 0. SB_ERR_RANGE when the row is not retained (gone, or not pushed).
 */
int sb_store_read_row(struct sb_store *store, uint64_t row, struct sb_row *out);

/*
 * Calls fn for rows first .. first+count-1 that are retained, in order, with
 * each row's number (rows dropped during the walk are skipped). text is the row's UTF-8 text, one or more codepoints per cell with
 * an empty cell as a NUL byte and trailing blank cells (empty, width 1,
 * default attributes and colours) left out; it is valid only during the call. A non-zero return from fn stops the walk and is
 * returned. flags is SB_ROW_WRAPPED for a soft-wrapped row (its text continues
 * on the next row), else 0; lost rows are passed with SB_ROW_LOST and empty text.
 */
typedef int (*sb_text_fn)(void *user, uint64_t row, const char *text, size_t len,
                          uint32_t flags);
int sb_store_visit_text(struct sb_store *store, uint64_t first, uint64_t count, sb_text_fn fn,
                        void *user);

/*
 * Like sb_store_visit_text, for a search for needle (UTF-8 bytes; ASCII letters match either
 * case): rows of pages that the store's summaries show cannot hold needle are passed over
 * without being read, and *skipped (if not NULL) receives how many. A row that does hold
 * needle is never passed over; one that does not may still be visited. A needle shorter than
 * three bytes passes over nothing.
 */
int sb_store_visit_text_probe(struct sb_store *store, uint64_t first, uint64_t count,
                              const char *needle, size_t needle_len, sb_text_fn fn, void *user,
                              uint64_t *skipped);

/*
 * The nearest retained row before `from` (back) or after it holding any of the marks in mask
 * (SB_ROW_MARK_*): 0 and its number in *found, or SB_ERR_RANGE when there is none. Pages that
 * hold none of those marks are passed over without being read; lost pages are passed over.
 */
int sb_store_find_mark(struct sb_store *store, uint64_t from, bool back, uint32_t mask,
                       uint64_t *found);

/*
 * Where rows holding any of mask are, to the page, without reading a page: the first row of
 * each page (the newest first, at most cap of them) whose rows hold any of those marks, into
 * rows. Returns how many. For drawing marks on a scrollbar, where a page is finer than a pixel.
 */
size_t sb_store_mark_pages(struct sb_store *store, uint32_t mask, uint64_t *rows, size_t cap);

/* Like sb_store_visit_text with decoded rows; row is valid only during the call. */
typedef int (*sb_row_fn)(void *user, uint64_t number, const struct sb_row *row);
int sb_store_visit_rows(struct sb_store *store, uint64_t first, uint64_t count, sb_row_fn fn,
                        void *user);

/*
 * Removes the newest row and returns it in out (the terminal takes rows back
 * when its screen grows taller). SB_ERR_RANGE when the store is empty.
 */
int sb_store_pop_row(struct sb_store *store, struct sb_row *out);

/*
 * Drops every row and gives the memory back to the OS (RES falls, not just
 * the counters); spill files are closed, which deletes them. Numbering goes
 * on (first becomes end); the stats' rows_dropped restarts at 0. Budgets and
 * settings stay.
 */
int sb_store_clear(struct sb_store *store);

/*
 * Changes the budgets at run time. A smaller RAM budget spills at once and a
 * smaller disk budget drops at once. SB_ERR_BUDGET (nothing changed) when
 * ram is below sb_config_min_ram().
 */
int sb_store_set_budgets(struct sb_store *store, uint64_t ram_budget, uint64_t disk_budget);

/*
 * Waits until every sealed page has been compressed, so that what the store holds stops
 * moving (before a final dump, say). Returns at once without a worker thread.
 */
void sb_store_settle(struct sb_store *store);

/* ---- Budgets shared by several stores ------------------------------------ */

/*
 * A pool: one RAM budget and one disk budget for several stores together (the terminals of one
 * process). A store made in a pool counts everything it holds against the pool's budgets.
 * When the stores together hold more, pages leave in order of age across all of them, the
 * oldest first (spilled while the disk budget allows, then dropped), but a store that holds no
 * more than its fair share (a budget divided by the number of stores) loses nothing to the
 * others: a quiet terminal keeps its recent history while another floods. A store leaving the
 * pool (sb_store_destroy) gives its memory back at once. Thread-safe.
 */
struct sb_pool;

/*
 * A pool of these budgets; `stores` is how many stores it expects (each store's parts, such as
 * its read cache and cold tier, are scaled to a share of that size; more may join). 0 or
 * SB_ERR_INVAL (a budget below sb_config_floor_ram for one store) or SB_ERR_NOMEM.
 */
int sb_pool_create(uint64_t ram_budget, uint64_t disk_budget, unsigned stores,
                   struct sb_pool **out);
/* Frees the pool; every store made in it must be destroyed first. NULL is a no-op. */
void sb_pool_destroy(struct sb_pool *pool);

/* Creates a store in pool, as sb_store_create does otherwise (cfg's budgets are ignored). */
int sb_store_create_in(struct sb_pool *pool, const struct sb_config *cfg, struct sb_store **out,
                       char *err, size_t errlen);

/*
 * Changes the pool's budgets at run time (each store's too): a smaller one moves pages out at
 * once. SB_ERR_BUDGET (nothing changed) when a store could not hold its parts in the new one.
 * A store in a pool takes its budgets from here, not from sb_store_set_budgets.
 */
int sb_pool_set_budgets(struct sb_pool *pool, uint64_t ram_budget, uint64_t disk_budget);

struct sb_pool_stats {
    uint64_t ram_budget, ram_used;   /* ram_used: every byte the pool's stores hold in RAM */
    uint64_t disk_budget, disk_used;
    unsigned stores;
    uint64_t pages_moved;            /* pages one store's growth moved out of another */
};
void sb_pool_stats(struct sb_pool *pool, struct sb_pool_stats *out);

/* ---- Stats ------------------------------------------------------------- */

struct sb_stats {
    uint64_t ram_budget;
    uint64_t ram_used;        /* every byte the store holds in RAM */
    uint64_t disk_budget;
    uint64_t disk_used;       /* bytes of spill files */
    uint64_t rows_retained;
    uint64_t rows_dropped;
    uint64_t rows_lost;       /* rows in pages found unreadable */
    uint64_t rows_ram;        /* retained rows held in RAM (hot, sealed and compressed pages) */
    uint64_t rows_disk;       /* retained rows in spilled pages */
    uint64_t pages_hot;       /* the hot page and sealed pages awaiting compression */
    uint64_t pages_hot_max;   /* past it a push waits for the worker (more with a large budget) */
    uint64_t pages_ram;       /* compressed pages in RAM */
    uint64_t pages_cold;      /* of those, recompressed by the cold tier */
    uint64_t pages_cold_large; /* of those, large blocks of repetitive text */
    uint64_t pages_derived;    /* of those, blocks with rows derived from the row above (od -cx) */
    uint64_t reserve_bytes;    /* RAM kept free inside the budget for reading and the cold tier */
    uint64_t pages_disk;
    uint64_t raw_bytes_in;    /* encoded row bytes ever pushed */
    uint64_t raw_bytes_stored;   /* encoded bytes of the rows in compressed pages (RAM + disk) */
    uint64_t compressed_bytes;   /* what those take compressed (RAM + disk payload) */
    uint64_t index_bytes;     /* part of ram_used: the page index */
    uint64_t cache_bytes;     /* part of ram_used: decompressed pages for reading */
    uint64_t work_bytes;      /* part of ram_used: codec state and the work buffers of
                                 compression, cold merges, reads and spilling */
    uint64_t pages_permuted;  /* cold pages (RAM or disk) stored with their rows regrouped */
    uint64_t index_pages_max; /* the page index grows no further: past it the oldest page goes */
    uint64_t summary_bytes;   /* part of ram_used: the pages' trigram filters (for searching) */
    char scaled[128];         /* what was scaled down to fit the RAM budget; empty: nothing */
    char last_error[192];     /* empty when nothing went wrong */
};

/* A consistent snapshot of the store's figures. */
void sb_store_stats(struct sb_store *store, struct sb_stats *out);

/*
 * Renders stats as one JSON object (no newline) into buf. Returns the length
 * it needs, like snprintf: a result >= cap means buf was too small.
 */
size_t sb_stats_json(const struct sb_stats *stats, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
