/*
 * Search through the whole scrollback store, in bounded slices.
 *
 * A search scans the store's rows in chunks through sb_store_visit_text, so
 * it reads the hot page, compressed pages in RAM and spilled pages alike.
 * Rows joined by soft wraps (SB_ROW_WRAPPED) form one logical line, so a
 * match may start on one row and end on the next.
 *
 * Positions are the store's row numbers (sb_span), the line space's too. They
 * do not move when old rows are dropped; a match whose first row has gone
 * (dropped, or cleared) is removed the next time matches are read.
 *
 * Columns: a match carries byte offsets into its rows' text (as
 * sb_store_visit_text gives it) and a column counted in codepoints, which is
 * the cell column for text without wide characters or combining marks;
 * search_byte_to_col() gives the exact column from a decoded row.
 *
 * Not thread-safe except search_cancel(), which any thread may call;
 * search/runner.h runs a search on a thread of its own.
 */
#ifndef BT_SEARCH_H
#define BT_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"

enum search_case {
    SEARCH_CASE_SMART = 0,   /* insensitive unless the query has an upper-case letter */
    SEARCH_CASE_SENSITIVE,
    SEARCH_CASE_INSENSITIVE, /* ASCII letters only for literals; the regex engine's rules */
};

enum search_dir {
    SEARCH_FORWARD = 0, /* from the start row towards the newest, then from the oldest */
    SEARCH_BACKWARD,    /* from the start row towards the oldest, then from the newest */
};

struct search_opts {
    const char *query;  /* UTF-8; copied */
    bool regex;         /* POSIX extended regular expression instead of a literal */
    enum search_case case_mode;
    enum search_dir dir;
    uint64_t from_row;  /* absolute row the scan starts at; clamped to the retained rows */
};

/* One match: from (row, byte) to (end_row, end_byte), end exclusive; rows absolute. */
struct search_match {
    uint64_t row, end_row;
    uint32_t byte, end_byte; /* offsets into each row's text */
    uint32_t col, end_col;   /* codepoints before the offsets (see above) */
};

/* Orders positions (row, byte): negative, 0 or positive like strcmp. */
static inline int search_pos_cmp(uint64_t ra, uint32_t ba, uint64_t rb, uint32_t bb)
{
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return (ba > bb) - (ba < bb);
}

/* Whether a and b are the same stretch of text. */
/* The index of the first match at or after (row, byte) in m[0..n), which is in order. */
static inline size_t search_lower_bound(const struct search_match *m, size_t n, uint64_t row,
                                        uint32_t byte)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (search_pos_cmp(m[mid].row, m[mid].byte, row, byte) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static inline bool search_match_same(const struct search_match *a, const struct search_match *b)
{
    return a->row == b->row && a->byte == b->byte && a->end_row == b->end_row &&
           a->end_byte == b->end_byte;
}

enum search_state {
    SEARCH_RUNNING = 0,
    SEARCH_DONE,      /* every retained row was scanned */
    SEARCH_CANCELLED,
    SEARCH_FAILED,    /* out of memory or a store error; see search_error() */
};

struct search_progress {
    enum search_state state;
    uint64_t rows_scanned;
    uint64_t rows_total;  /* rows retained when the search began */
    uint64_t bytes_scanned; /* text bytes matched against */
    size_t matches;
};

struct search;

/*
 * Starts a search of store (borrowed: it must outlive the search). Returns
 * NULL with a reason in err for a bad regular expression or no memory. The
 * caller frees the search with search_destroy().
 */
struct search *search_create(struct sb_store *store, const struct search_opts *opts, char *err,
                             size_t errlen);

/* Frees the search; NULL is a no-op. */
void search_destroy(struct search *s);

/*
 * Scans until about max_rows rows or max_ns nanoseconds have gone (0 = no
 * limit on that one), then returns the state. Safe to call again after the
 * search ended: it returns the final state at once.
 */
enum search_state search_step(struct search *s, uint64_t max_rows, uint64_t max_ns);

/* Asks the search to stop; the next search_step returns SEARCH_CANCELLED. */
void search_cancel(struct search *s);

/* Progress and match count so far (matches in dropped rows removed first). */
void search_progress(struct search *s, struct search_progress *out);

/*
 * The matches found so far, oldest first, with those in dropped rows removed.
 * *out points into the search and is valid until the next call on it.
 */
size_t search_matches(struct search *s, const struct search_match **out);

/*
 * The nearest match strictly after (dir SEARCH_FORWARD) or before (row, byte),
 * wrapping around; false when there are none.
 */
bool search_next(struct search *s, uint64_t row, uint32_t byte, enum search_dir dir,
                 struct search_match *out);

/*
 * Takes in the rows pushed since the search began (or was last extended), once
 * it is SEARCH_DONE: the state goes back to SEARCH_RUNNING and the next steps
 * scan them, oldest first, with the logical line that was cut at the old end
 * scanned again whole. Returns false (nothing changed) otherwise.
 */
bool search_extend(struct search *s);

/*
 * For a caller that keeps its own list (search_runner): hands over the matches
 * found since the last call, in the order found, and forgets them, so that
 * search_matches(), search_next() and the match count no longer see them.
 * One search_step(s, 1, 0) scans one chunk of rows, so what a call after it
 * returns is oldest first and apart from every match found before. *out points
 * into the search and is valid until the next call on it.
 */
size_t search_take(struct search *s, const struct search_match **out);

/*
 * After search_extend() returned true: the first row it scans again. A caller
 * that keeps its own list removes its matches from that row on, since they are
 * found again.
 */
uint64_t search_rescan_row(const struct search *s);

/* A row of text from outside the store (a screen row), as sb_store_visit_text would give it. */
struct search_text {
    const char *text; /* UTF-8, an empty cell as a space or a NUL byte */
    size_t len;
    uint32_t flags;   /* SB_ROW_WRAPPED joins it to the next one */
};

/*
 * Matches the query against n consecutive rows outside the store (absolute
 * rows first_abs..), by the same rules as the scan, and writes up to cap of
 * the matches, oldest first, to out. Returns how many were written (0 also
 * when out of memory). The search's own matches and progress do not change.
 */
size_t search_match_text(struct search *s, uint64_t first_abs, const struct search_text *rows,
                         size_t n, struct search_match *out, size_t cap);

/* Why the search failed ("" otherwise). */
const char *search_error(const struct search *s);

/* The cell column of byte offset byte in a decoded row's text (see sb_store_visit_text). */
uint32_t search_byte_to_col(const struct sb_row *row, uint32_t byte);

#endif
