/*
 * The search bar's state (Ctrl+Shift+F), apart from SDL so its tests need no
 * display: the query being edited (UTF-8, a caret at a codepoint boundary),
 * the case and regex toggles, the search running over the store in slices,
 * the matches on the screen's rows (the store search does not see them), the
 * current match, and the one-line label the window draws.
 *
 * Positions are absolute rows (search.h): store matches lie below the screen's
 * first absolute row, screen matches at or above it, so the two lists
 * together are in order. A current match whose row was dropped, or a screen
 * match the screen no longer shows, is forgotten rather than kept pointing at
 * another row.
 *
 * Navigation: SEARCH_BACKWARD goes to older matches (up: Enter), SEARCH_FORWARD
 * to newer ones (down: Shift+Enter), wrapping around at either end.
 *
 * The store search runs on a search_runner (search/runner.h): on the caller's
 * thread in slices by default (the tests), or on a thread of its own after
 * searchbar_use_thread() (the window), which then only reads what the thread
 * published. The screen's rows are matched on the caller's thread, with a
 * second struct search for the same query that is never stepped.
 *
 * Reading the matches (count, next, each, status) does not touch the store:
 * rows dropped since the last searchbar_step() or searchbar_settle() are
 * noticed at the next one (the window calls both before each frame).
 */
#ifndef BT_UI_SEARCHBAR_H
#define BT_UI_SEARCHBAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"
#include "search/runner.h"
#include "search/search.h"
#include "lines.h"

#define SEARCHBAR_QUERY_MAX 512 /* bytes of query, NUL included */

struct searchbar {
    bool open;
    char query[SEARCHBAR_QUERY_MAX];
    uint32_t len, caret;          /* bytes; caret at a codepoint boundary */
    enum search_case case_mode;
    bool regex;
    struct sb_store *store;       /* borrowed */
    struct search *search;        /* owned, for the screen rows; NULL for an empty or bad query */
    struct search_runner *runner; /* owned: the store search; made at the first query */
    bool threaded;                /* the runner gets a thread of its own */
    void (*wake)(void *user);     /* called from the runner's thread on progress */
    void *wake_user;
    uint64_t floor;               /* the first retained row at the last step or settle */
    struct search_match *range;   /* owned: store matches copied out for searchbar_each */
    size_t range_cap;
    char error[192];              /* why the regex is refused, or "" */
    uint64_t origin;              /* the absolute row the user was at: scans start there */
    struct search_match *screen;  /* owned: matches on the screen rows, in order */
    size_t nscreen, screen_cap;
    uint64_t screen_abs;          /* absolute row of the screen's top when they were found */
    struct search_match current;
    bool has_current;
    bool seek;                    /* no current match since the last edit: take the nearest */
};

/*
 * Runs the store search on a thread of its own from the next query on; wake
 * (may be NULL) is called from that thread when there is progress to show.
 */
void searchbar_use_thread(struct searchbar *sb, void (*wake)(void *user), void *user);

/* Opens the bar over store (borrowed) with the last query kept; origin as above. */
void searchbar_open(struct searchbar *sb, struct sb_store *store, uint64_t origin);
/* Closes the bar and ends its search without waiting for it (the query is kept). */
void searchbar_close(struct searchbar *sb);
/* Frees what the bar owns, joining the search thread; the struct may be opened again. */
void searchbar_fini(struct searchbar *sb);

/* Inserts UTF-8 text at the caret (control characters become spaces); true if it changed. */
bool searchbar_insert(struct searchbar *sb, const char *utf8);
/* Deletes the codepoint before (back) or after the caret; true if it changed. */
bool searchbar_delete(struct searchbar *sb, bool back);
/* Deletes the word before the caret (Ctrl+W, Ctrl+Backspace); true if it changed. */
bool searchbar_delete_word(struct searchbar *sb);
/* Empties the query (Ctrl+U); true if it changed. */
bool searchbar_clear(struct searchbar *sb);
/* Moves the caret by one codepoint (dir -1, +1) or to an end (-2 home, +2 end). */
void searchbar_move(struct searchbar *sb, int dir);
/* Cycles the case mode smart -> sensitive -> insensitive (Alt+C); restarts the search. */
void searchbar_cycle_case(struct searchbar *sb);
/* Switches regular expressions on or off (Alt+R); restarts the search. */
void searchbar_toggle_regex(struct searchbar *sb);

/*
 * Starts the search again for the current query and toggles (call after an
 * edit): the old one is cancelled, the current match forgotten, and the next
 * match found nearest the origin becomes current. Returns false when the query
 * is a bad regular expression (sb->error says why) or memory ran out.
 */
bool searchbar_restart(struct searchbar *sb);

/*
 * Scans for up to max_ns nanoseconds (0: to the end), and takes in rows pushed
 * since; with a thread, only tells it about new rows. Returns true while there
 * is more to scan.
 */
bool searchbar_step(struct searchbar *sb, uint64_t max_ns);

/*
 * Matches the query against the screen's rows of the line space (and the start of
 * the logical line that wraps onto the screen from history, if one does); call
 * when the screen changed. false when out of memory.
 */
bool searchbar_scan_screen(struct searchbar *sb, struct lines *l);

/*
 * Settles the current match: forgets it when its row was dropped or it left
 * the screen, and while seeking takes the match nearest the origin. Returns
 * true when the current match changed (the window then scrolls to it).
 */
bool searchbar_settle(struct searchbar *sb);

/* Makes the next match in dir current; false when there is none. */
bool searchbar_next(struct searchbar *sb, enum search_dir dir);

/* Calls fn for every match (current one flagged) with a row in [lo, hi], in order. */
void searchbar_each(struct searchbar *sb, uint64_t lo, uint64_t hi,
                    void (*fn)(void *user, const struct search_match *m, bool current),
                    void *user);

/* Matches so far (store and screen), and the current one's 1-based place or 0. */
size_t searchbar_count(struct searchbar *sb, size_t *place);
/* Scan progress in percent (100 when done); true while scanning. */
bool searchbar_progress(struct searchbar *sb, int *percent);

/* The right-hand label: "12 matches · 43%", "3 of 12", "no matches", the regex error. */
void searchbar_status(struct searchbar *sb, char *buf, size_t cap);
/* The toggles' label, e.g. "Aa:smart .*:off". */
void searchbar_toggles(const struct searchbar *sb, char *buf, size_t cap);

#endif
