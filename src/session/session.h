/*
 * A session: what headless mode, --stress and the window share. The store, the engine,
 * the child on its pty, RES from /proc/self, the --stats lines and the --dump-scrollback
 * file, and the signals that end a session or reload the config (blocked and read from a
 * signalfd, so every thread started later inherits the mask). The session is opaque: a
 * front end polls what session_pollfds() names with its own fds, calls session_service()
 * and session_pump() each turn, draws from the line space and the engine, hears of
 * titles, bells, clears and the clipboard through its hooks, and ends when session_end()
 * says so. session_finish() writes the last stats line and the dump and returns the exit
 * status for main.
 */
#ifndef BT_SESSION_H
#define BT_SESSION_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "commands.h"
#include "lines.h"
#include "term.h"

#define SESSION_STATS_NS 1000000000ull
#define SESSION_DRAIN_NS 1000000000ull /* after the child's exit, for grandchildren */
#define SESSION_EXIT_FAILED 125        /* boundterm itself failed, as timeout(1) reports */
#define SESSION_POLLFDS 2              /* the fds session_pollfds() fills */

/* What a front end wants to hear from the session; any member may be NULL. */
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
    /* A shell marked a row (OSC 133, SB_ROW_MARK_*): a command started or ended. */
    void (*marked)(void *user, uint32_t mark);
    /* Extra --stats members: writes ",\"name\":value..." into buf, returns its length. */
    int (*stats)(void *user, char *buf, size_t cap);
    void *user;
};

struct session;

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t session_now_ns(void);

/*
 * Starts everything: signals, store, engine (cfg->rows x cfg->cols), stats file, dump file,
 * then the child. mask_before is the signal mask to restore at the end (NULL: the one in
 * force now; a front end that blocked the session's signals itself passes the mask from
 * before that). NULL (logged) on failure, with everything undone. hooks may be NULL.
 */
struct session *session_open(const struct bt_config *cfg, const struct session_hooks *hooks,
                             const sigset_t *mask_before);

/*
 * The same for one of several sessions of a process: its store is made in pool (whose
 * budgets it shares, sb_pool) and its child sees BOUNDTERM_SESSION=index. Several sessions
 * each read the signals from a signalfd of their own, so a signal reaches one of them: the
 * front end ends them all when one is signalled, and each reaps its child when any of them
 * took a SIGCHLD (session_deadline() is then due at once).
 */
struct session *session_open_in(const struct bt_config *cfg, const struct session_hooks *hooks,
                                const sigset_t *mask_before, struct sb_pool *pool,
                                unsigned index);

/* Frees what session_open made, in reverse. NULL is a no-op. */
void session_close(struct session *s);

/* The signals a session takes from its signalfd (and so must be blocked in every thread). */
void session_signal_set(sigset_t *set);

/* ---- The loop ----------------------------------------------------------- */

/*
 * What the session waits on, for the front end's poll(): its signalfd, and the pty (to
 * read until the child's output ends, and to write when bytes wait for the program).
 */
void session_pollfds(const struct session *s, struct pollfd fds[SESSION_POLLFDS]);

/*
 * What the front end's poll() found on those fds: a signalfd or pty it found quiet is not
 * read by the next session_service() or session_pump() (a syscall each that would only
 * learn so). Optional: without it, both read every turn.
 */
void session_polled(struct session *s, const struct pollfd fds[SESSION_POLLFDS]);

/*
 * One turn's chores: takes pending signals (SIGCHLD reaps, SIGUSR1 reloads the config file
 * and applies its budgets at once, SIGINT/SIGTERM/SIGHUP end the session), writes what waits
 * for the program, notes when the child exited, writes the --stats line when one is due.
 */
void session_service(struct session *s, uint64_t now);

/*
 * Reads at most max bytes the pty has ready into the engine. Returns the bytes fed (0:
 * nothing ready), or -1 at the end of the child's output.
 */
long session_pump(struct session *s, size_t max);

enum session_end {
    SESSION_GOING = 0,
    SESSION_SIGNALLED,  /* a signal ended it (session_signal()) */
    SESSION_CHILD_GONE, /* the child exited and its output was read (or the drain ran out) */
};

/* Whether the session should end now, and why. */
enum session_end session_end(const struct session *s, uint64_t now);

/*
 * When session_service() next has work (a stats line, the drain's end, a write to retry);
 * UINT64_MAX when nothing is due.
 */
uint64_t session_deadline(const struct session *s, uint64_t now);

/* poll()'s timeout for a deadline: milliseconds from now, rounded up; -1 for UINT64_MAX. */
int session_poll_ms(uint64_t deadline, uint64_t now);

/* ---- What a front end reads and does ------------------------------------ */

/* The engine: the screen to draw (cursor, colours, modes) and the input to encode. */
struct term *session_term(struct session *s);

/* History and screen as one run of numbered rows (lines.h). */
struct lines *session_lines(struct session *s);

/* The history, for searching it and saving it (search.h, export.h). */
struct sb_store *session_store(struct session *s);

/* A new grid size: the engine reflows and the child hears of it (TIOCSWINSZ, SIGWINCH). */
void session_resize(struct session *s, int rows, int cols);

/* The size of a cell in pixels, for the program's queries in pixels (0 x 0: none known). */
void session_set_cell_pixels(struct session *s, int width, int height);

/* Answers the program's last question about selection which (OSC 52 ; Pc ; ?) with text. */
void session_clipboard_answer(struct session *s, unsigned which, const char *text, size_t len);

/*
 * Sends pasted text to the program, filtered and bracketed as term_paste_encode() does. false
 * when it could not be queued (out of memory, or more than the pty's 64 MiB queue).
 */
bool session_paste(struct session *s, const char *text, size_t len,
                   enum term_paste_filter filter);

/* Clears the scrollback (the store gives its memory back). */
void session_clear(struct session *s);

/* The child's process id. */
pid_t session_child_pid(const struct session *s);
/* The child's exit status, -1 while it runs; whether it could not be started at all. */
int session_child_status(const struct session *s);
bool session_exec_failed(const struct session *s);

/* The signal that ended the session, or 0. */
int session_signal(const struct session *s);

/* Bytes read from the child so far; when the session started (session_now_ns()). */
uint64_t session_bytes_in(const struct session *s);
uint64_t session_started_ns(const struct session *s);

/* RES now and the kernel's high-water mark (VmHWM), in bytes. */
uint64_t session_rss(struct session *s);
uint64_t session_hwm(struct session *s);

/* The command running now, or else the last one; false when none has run (commands.h). */
bool session_command(const struct session *s, struct command_info *out);

/* The store's figures (sb_store_stats). */
void session_store_stats(struct session *s, struct sb_stats *out);

/* Appends one --stats line (when --stats was given). */
void session_stats_write(struct session *s, bool final);

/*
 * Hangs up the child (SIGHUP to its process group, the pty closed) and waits up to a second
 * for it; its exit status, or 128 + SIGHUP when it did not go.
 */
int session_hangup(struct session *s);

/*
 * Ends the session: hangs up the child when a signal ended it, restores the signal mask,
 * writes the dump and then the last stats line. Returns the exit status: the child's,
 * 128+N for signal N, or SESSION_EXIT_FAILED.
 */
int session_finish(struct session *s);
/* The same for one of several sessions (others go on): the signal mask stays as it is. */
int session_finish_one(struct session *s);

#endif
