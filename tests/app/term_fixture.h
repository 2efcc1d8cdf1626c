/*
 * An engine whose scrolled-off rows go into a store, for the tests of what reads the store
 * and the screen together (the search bar, the history export).
 */
#ifndef BT_TERM_FIXTURE_H
#define BT_TERM_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "term.h"

static void fixture_scrollout(void *user, const struct sb_row *row)
{
    sb_store_push(user, row);
}

static bool fixture_popline(void *user, struct sb_row *row)
{
    return sb_store_pop_row(user, row) == 0;
}

static void fixture_clear(void *user)
{
    sb_store_clear(user);
}

/* Every command end (OSC 133 D) ended a command that ran (as the session's tracker says). */
static bool fixture_mark(void *user, uint32_t mark, struct sb_command *cmd)
{
    (void)user;
    (void)mark;
    return cmd != NULL;
}

/* A rows x cols engine feeding st (and taking rows back, and clearing it) as the session does;
 * the test stops when it cannot be made. */
static inline struct term *fixture_term(struct sb_store *st, int rows, int cols)
{
    static const struct term_callbacks cb = {.scrollout = fixture_scrollout,
                                             .popline = fixture_popline,
                                             .clear_scrollback = fixture_clear,
                                             .mark = fixture_mark};
    struct term *t = term_create(rows, cols, &cb, st);
    if (!t)
        exit(1);
    return t;
}

static inline void feed(struct term *t, const char *s)
{
    term_feed(t, s, strlen(s));
}

#endif
