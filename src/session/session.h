/*
 * A session: what headless mode and the window share. The store, the engine,
 * the child on its pty, RES from /proc/self, the --stats lines and the
 * --dump-scrollback file, and the signals that end a session or reload the
 * config (blocked and read from a signalfd, so every thread started later
 * inherits the mask).
 *
 * The owner runs its own loop: it polls session_fd_* , calls session_pump()
 * when the pty is readable, session_signals() when the signalfd is, and
 * session_stats_write() once a second; session_finish() writes the last stats
 * line and the dump and returns the exit status for main.
 */
#ifndef BT_SESSION_H
#define BT_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "lines.h"
#include "memstat.h"
#include "term.h"

#define SESSION_STATS_NS 1000000000ull
#define SESSION_DRAIN_NS 1000000000ull /* after the child's exit, for grandchildren */
#define SESSION_EXIT_FAILED 125        /* boundterm itself failed, as timeout(1) reports */

/* What a window wants to hear from the engine; any member may be NULL. */
struct session_hooks {
    void (*title)(void *user, const char *utf8);
    void (*bell)(void *user);
    /* OSC 52: the program copies (see term_callbacks), or asks for a selection's text; the
     * answer, when the front end's policy allows one, goes to session_clipboard_answer(). */
    void (*clipboard_set)(void *user, unsigned which, const char *utf8, size_t len);
    void (*clipboard_get)(void *user, unsigned which);
    /* The scrollback was cleared (ESC [3J, or session_clear): rows below the line space's
     * screen are gone. Nothing held as a row number needs fixing; a front end redraws. */
    void (*cleared)(void *user);
    /* Extra --stats members: writes ",\"name\":value..." into buf, returns its length. */
    int (*stats)(void *user, char *buf, size_t cap);
    void *user;
};

struct session {
    const struct bt_config *cfg;
    struct bt_config live; /* cfg with the budgets of the last SIGUSR1 reload */
    char config_error[256]; /* why the last reload failed, for --stats; "" when it worked */
    struct sb_store *store;
    struct term *term;
    struct lines *lines; /* history + screen, numbered (lines.h) */
    struct pty *pty;
    struct memstat mem;
    struct session_hooks hooks;
    sigset_t old_mask;
    int sigfd;
    int stats_fd; /* -1 without --stats */
    FILE *dump;   /* opened at start so a bad path fails before the child runs */
    uint64_t start_ns;
    uint64_t bytes_in;
    uint64_t push_errors;
    int signal;      /* the signal that ended the session, or 0 */
    char *buf;
    size_t buf_cap;
};

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t session_now_ns(void);

/*
 * Starts everything: signals, store, engine (cfg->rows x cfg->cols), stats
 * file, dump file, then the child. false (logged) on failure; session_close()
 * is still needed. hooks may be NULL.
 */
bool session_open(struct session *s, const struct bt_config *cfg,
                  const struct session_hooks *hooks);

/* Frees what session_open made, in reverse; safe on a partly opened session. */
void session_close(struct session *s);

/* Answers the program's last question about selection which (OSC 52 ; Pc ; ?) with text. */
void session_clipboard_answer(struct session *s, unsigned which, const char *text, size_t len);

/* The size of a cell in pixels, for the program's queries in pixels (0 x 0: none known). */
void session_set_cell_pixels(struct session *s, int width, int height);

/* The signals a session takes from its signalfd (and so must be blocked in every thread). */
void session_signal_set(sigset_t *set);

/*
 * Reads at most max bytes the pty has ready into the engine. Returns the bytes
 * fed (0: nothing ready), or -1 at the end of the child's output.
 */
long session_pump(struct session *s, size_t max);

/*
 * Takes pending signals: SIGCHLD reaps, SIGUSR1 reloads the config file (new budgets
 * apply at once), SIGINT/SIGTERM/SIGHUP set s->signal.
 */
void session_signals(struct session *s);

/*
 * Sends pasted text to the program, filtered and bracketed as term_paste_encode() does. false
 * when it could not be queued (out of memory, or more than the pty's 64 MiB queue).
 */
bool session_paste(struct session *s, const char *text, size_t len,
                   enum term_paste_filter filter);

/* Clears the scrollback (the store gives its memory back). */
void session_clear(struct session *s);

/* Appends one --stats line (when --stats was given). */
void session_stats_write(struct session *s, bool final);

/*
 * Ends the session: hangs up the child when a signal ended it, unblocks
 * signals, writes the dump and then the last stats line. Returns the exit status:
 * the child's, 128+N for signal N, or SESSION_EXIT_FAILED.
 */
int session_finish(struct session *s);

#endif
