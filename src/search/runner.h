/*
 * A store search run on a thread of its own, with its matches readable from
 * another thread at any time (issue 8: a search of 10M rows must not cost the
 * window its frames).
 *
 * One worker owns the running struct search and calls search_step(s, 1, 0),
 * one chunk of rows at a time, as fast as it can. After each chunk it takes
 * the chunk's matches (search_take) and publishes them, under the runner's
 * mutex, as one more sorted run in a list of runs ordered by position. The
 * mutex is never held across a store read or a search step: a reader waits at
 * most for a copy of one chunk's run descriptor table, never for the store.
 *
 * The worker is a thread (SEARCH_RUNNER_THREAD) or, for deterministic tests,
 * the caller of search_runner_step(). It knows nothing of the window: after
 * publishing it calls wake(user), from the worker's thread, at most every
 * SEARCH_RUNNER_WAKE_NS and whenever the state changes.
 *
 * Handing over a new search (search_runner_start) never waits for the worker:
 * the old search is cancelled, readers see no matches at once, and the worker
 * frees the old search when its chunk in progress ends.
 *
 * Positions are row numbers (search.h). Readers pass the first retained row
 * (sb_span.first) as floor and never see a match below it; they take
 * it from the caller so that a frame does not wait for the store's lock, which
 * the worker holds while it decodes a page.
 */
#ifndef BT_SEARCH_RUNNER_H
#define BT_SEARCH_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"
#include "search/search.h"

#define SEARCH_RUNNER_WAKE_NS 8000000ull /* wake-ups while scanning: at most ~120 a second */

enum search_runner_mode {
    SEARCH_RUNNER_INLINE = 0, /* search_runner_step() does the work on the caller's thread */
    SEARCH_RUNNER_THREAD,     /* a thread does it; search_runner_step() only reports */
};

/* What the worker last published; matches counted before dropped rows are skipped. */
struct search_runner_status {
    bool active;          /* a search was handed over and not stopped */
    enum search_state state;
    bool extending;       /* scanning rows pushed after the scan of the whole store ended */
    uint64_t rows_scanned, rows_total;
    uint64_t published;   /* matches published, dropped rows included */
};

struct search_runner;

/*
 * Makes an idle runner over store (borrowed: it must outlive the runner) and,
 * in SEARCH_RUNNER_THREAD mode, starts its thread. wake may be NULL. Returns
 * NULL (logged) when out of memory or the thread cannot start; the caller
 * frees the runner with search_runner_destroy().
 */
struct search_runner *search_runner_create(struct sb_store *store, enum search_runner_mode mode,
                                           void (*wake)(void *user), void *user);

/* Cancels the search, joins the thread (after at most one chunk), frees all; NULL is a no-op. */
void search_runner_destroy(struct search_runner *r);

/*
 * Hands search s (owned from now on; NULL: just stop) to the worker, in place
 * of the one running: that one is cancelled and its matches are gone at once.
 * Never waits for the worker.
 */
void search_runner_start(struct search_runner *r, struct search *s);

/* Tells the worker the store has new rows: a finished search scans them (search_extend). */
void search_runner_poke(struct search_runner *r);

/*
 * SEARCH_RUNNER_INLINE: scans chunks on the caller's thread until max_ns
 * nanoseconds have gone (0: to the end; 1: one chunk), and takes in new rows
 * once the scan is done. Either mode: returns true while there is more to scan.
 */
bool search_runner_step(struct search_runner *r, uint64_t max_ns);

/*
 * The last published status. Never blocks: when the worker holds the mutex
 * this gives the previous status, as last read by this function.
 */
void search_runner_status(struct search_runner *r, struct search_runner_status *out);

/* Matches published so far in rows from floor on (the first retained row, as above). */
size_t search_runner_count(struct search_runner *r, uint64_t floor);

/*
 * The first match strictly after (forward) or the last strictly before
 * (row, byte), without wrapping; false when there is none.
 */
bool search_runner_near(struct search_runner *r, uint64_t floor, uint64_t row, uint32_t byte,
                        enum search_dir dir, struct search_match *out);

/* The oldest (SEARCH_FORWARD) or newest match; false when there are none. */
bool search_runner_extreme(struct search_runner *r, uint64_t floor, enum search_dir dir,
                           struct search_match *out);

/* The 1-based place of m among the matches from floor on, or 0 when it is not one of them. */
size_t search_runner_place(struct search_runner *r, uint64_t floor, const struct search_match *m);

/*
 * Copies the matches with a first row in [lo, hi] and from floor on, oldest first, into *buf
 * (grown with realloc as needed, *cap its capacity in matches; the caller
 * frees it). Returns how many; 0 also when out of memory.
 */
size_t search_runner_range(struct search_runner *r, uint64_t floor, uint64_t lo, uint64_t hi,
                           struct search_match **buf, size_t *cap);

#endif
