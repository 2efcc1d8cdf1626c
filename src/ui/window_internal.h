/*
 * Inside the window (window.c and the files it is split into): struct win, shared by
 *   window.c         the loop, opening and closing, the title, drawing frames
 *   window_input.c   keys, mouse, paste and copy, the clipboard for programs, links
 *   window_search.c  the search bar's glue and the bottom line (bar, message, prompt)
 *   window_save.c    saving the history to a file (Ctrl+Shift+S)
 *   window_marks.c   prompt marks: jumps, a command's output, failed ticks, command notes
 *   window_pipe.c    the history piped to a command (Ctrl+Shift+P)
 * Nothing outside src/ui/window*.c includes this.
 */
#ifndef BT_WINDOW_INTERNAL_H
#define BT_WINDOW_INTERNAL_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_syswm.h>

#include "events.h"
#include "export.h"
#include "font.h"
#include "instance.h"
#include "overlay.h"
#include "render.h"
#include "searchbar.h"
#include "links.h"
#include "select.h"
#include "session.h"
#include "term.h"
#include "utf8.h"
#include "view.h"
#include "window.h"
#include "xshm.h"

#define INGEST_NS 8000000ull
#define INGEST_BYTES (4u << 20)
/* The echo of a key read in less than this found the pty empty: the slice ends without
 * another read to learn it, and poll() tells when more comes. (Not in a flood, whose reads
 * are as often short: ending its slices early costs a fifth of its speed.) */
#define INGEST_SHORT 1024
#define FLOOD_FRAME_NS 50000000ull
#define BLINK_NS 500000000ull
#define ECHO_WAIT_NS 8000000ull    /* how long a frame after input waits for the echo */
#define FONT_PX_MIN 6
#define FONT_PX_MAX 72
#define WHEEL_ROWS 3
#define BELL_NS 120000000ull /* the visual bell's flash */
#define SYNC_MAX_NS 150000000ull /* the longest a synchronized update holds frames back */
/* Input methods talk to SDL on sockets the loop does not poll: it looks this often, unless
 * keys come straight from X (then there is no input method). */
#define IDLE_MAX_MS 250
#define SLICE_NS 4000000ull /* a save runs this long at most between frames */
#define MESSAGE_NS 6000000000ull /* how long "saved N rows to PATH" stays */

struct waker {
    SDL_Thread *thread;
    SDL_sem *arm;
    int stop[2]; /* a pipe: written to stop the thread */
    SDL_atomic_t pty_fd; /* -1 once the pty reached its end */
    SDL_atomic_t sig_fd;
    int wake_fd; /* the search's wake-ups (read end of wake_pipe) */
    Uint32 event;
    bool armed;
};

#define APP_WINDOWS_MAX 64

struct win;

/* The process's windows: one loop, one signal mask, one scrollback budget (sb_pool). */
struct app {
    struct win *wins[APP_WINDOWS_MAX];
    int n;
    struct sb_pool *pool;
    sigset_t orig;          /* the signal mask before the sessions blocked theirs */
    const struct bt_config *cfg; /* the first window's */
    int xfd;                /* the X connection, or -1 */
    bool x_quiet;           /* the last poll found nothing on it (see pump_events) */
    struct xkeys *xk;       /* keys straight from X (xkeys.h), or NULL: SDL's */
    uint64_t keys_direct;   /* X key events it took (--stats) */
    int listen_fd;          /* single_instance: the socket other boundterms ask, or -1 */
    int status;             /* of the last window that closed */
    bool quit;              /* SDL_QUIT, or a signal: every window closes */
};

struct win {
    struct app *app;
    struct bt_config *own_cfg; /* a window opened by Ctrl+Shift+N: its configuration */
    struct instance_request req; /* a window another boundterm asked for (req.fd: --wait) */
    struct session *s;
    SDL_Window *window;
    SDL_Renderer *ren; /* only when an SDL renderer draws (render_geometry): else NULL */
    struct xshm *xshm; /* frames to X11 without a round trip (xshm.h); NULL: SDL's surface */
    SDL_Surface *surface; /* the window surface last presented to, and its size: a new one */
    int surface_w, surface_h; /* gets the whole frame */
    bool present_all;     /* the next present copies the whole frame (exposed, or failed) */
    bool present_failed;  /* no window surface: said once */
    struct font *font;
    struct render *rd;
    struct view *view;
    struct select sel;
    struct overlay ov;
    struct waker wk;
    int wake_pipe[2]; /* the search thread writes a byte when there is progress to show */
    SDL_atomic_t woken; /* set before that byte: the loop reads the pipe only then */
    int xfd; /* the X connection, or -1: use the waker */
    struct events_bindings keys;
    struct events_keys ek; /* a key waiting for its text */
    int rows, cols, font_px;
    bool focused, dirty, quit, eof;
    uint64_t gen, frame_ns, next_frame, next_stats, blink_epoch;
    uint64_t echo_wait; /* after input: no frame before this unless output came (typed()) */
    uint64_t flash_until; /* the visual bell is shown until then */
    uint64_t sync_since;  /* when the program's synchronized update began (0: none) */
    SDL_Rect ime_rect;    /* last cursor cell given to the input method */
    bool blinking; /* the last frame held blinking text or cursor */
    bool blink_on;
    char title[256];          /* the program's (OSC 0/2), "" until it sets one */
    bool title_dirty;
    uint64_t title_res;       /* the RES the title shows (title_shows_res) */
    uint64_t bells;           /* for --stats */
    uint64_t flash_frames;    /* frames drawn with the visual bell, for --stats */
    uint64_t frames, redone;  /* frames drawn; of them drawn twice (render_redo), --stats */
    unsigned clip_asked;      /* osc52_read = ask: the selection a program waits for, or 0 */
    uint64_t osc52_copies, osc52_reads, osc52_denied; /* for --stats */
    int *sel_from, *sel_to;
    int ptr_row, ptr_col;     /* the pointer's cell, -1 when it is outside the window */
    struct link_hit hover;    /* the link under the pointer, when hover_on */
    bool hover_on;
    bool hover_known;   /* hover_on and hover answer for hover_key: not looked up again */
    uint64_t hover_key; /* the pointer's cell and its logical line's rows (link_spans) */
    int *link_from, *link_to; /* its cells, per display row (render_scene) */
    uint16_t *link_num;
    SDL_Cursor *hand;         /* the pointer over a link */
    uint64_t links_opened, links_refused; /* for --stats */
    bool thumb_drag; /* the position indicator is being dragged */
    FILE *frame_log; /* BOUNDTERM_FRAME_LOG: one line per frame, microseconds */
    uint64_t action_ns; /* time shortcuts took since the last frame (a jump's search) */
    const struct bt_config *cfg;
    struct searchbar bar;
    struct view_pos bar_from; /* where the view was when the bar opened: Escape goes back */
    uint64_t bar_gen;         /* term generation of the screen matches; 0 = take them again */
    char bar_status[192];     /* the status last drawn, to redraw only when it changes */
    uint64_t search_t0;       /* when the query was last edited */
    int64_t search_ms;        /* how long its scan of the store took, -1 until done */
    struct render_mark *marks;
    int nmarks, marks_cap;
    struct export *exp;       /* a Ctrl+Shift+S save in progress, or NULL */
    FILE *exp_file;
    char exp_tmp[BT_PATH_BYTES + 16], exp_path[BT_PATH_BYTES];
    uint64_t saves;           /* saves completed, for --stats */
    char msg[BT_PATH_BYTES + 96]; /* a transient message line ("saved N rows to PATH") */
    uint64_t msg_until;
    char *paste_held;         /* a paste waiting for paste_confirm_multiline's answer */
    bool swallow_text;        /* a key answered a question: its text is not the program's */
    char prompt[160];         /* the question on the bottom row while it waits (or "") */
    bool exec_failed;         /* the program could not run: its message stays until a key */
    uint64_t marks_span;      /* the rows the failed ticks were found for (failed_ticks) */
    double ticks[64];         /* failed commands on the position indicator, 0..1 */
    int nticks;
    uint64_t outputs_copied;  /* for --stats */
    struct history_pipe *pipe; /* a Ctrl+Shift+P in progress, or NULL */
    uint64_t pipes;           /* pipes completed, for --stats */
};

/* ---- window.c ---- */

/* The size in pixels the window draws at. */
void output_size(struct win *w, int *pw, int *ph);
void fit_grid(struct win *w);
/* Ctrl+Shift+N: another window in this process, in the working directory of w's program. */
void window_new(struct win *w);
void message(struct win *w, const char *text);

/* ---- window_input.c ---- */

void on_clipboard_set(void *user, unsigned which, const char *utf8, size_t len);
void on_clipboard_get(void *user, unsigned which);
bool link_spans(struct win *w, const struct view_line *lines);
void typed(struct win *w);
void on_event(struct win *w, const SDL_Event *e);

/* ---- window_search.c ---- */

void search_open(struct win *w);
void search_edited(struct win *w);
void search_toggle(struct win *w, bool regex);
void bar_key(struct win *w, const SDL_Keysym *key);
void bar_text(struct win *w, const char *utf8);
void search_woke(void *user);
void search_tick(struct win *w);
bool search_marks(struct win *w, const struct view_line *lines);
void draw_bar(struct win *w, int pw);
void draw_message(struct win *w, int pw, uint64_t now);
void draw_prompt(struct win *w, int pw);

/* ---- window_marks.c ---- */

void prompt_jump(struct win *w, bool back);
void copy_output(struct win *w);
void select_output_at(struct win *w, uint64_t line);
int failed_ticks(struct win *w, const double **out);
void draw_command_notes(struct win *w, const struct view_line *lines);

/* ---- window_pipe.c ---- */

void pipe_start(struct win *w);
/* Ends a finished pipe (a message says how it went); true while one runs. */
bool pipe_tick(struct win *w);
/* Stops a pipe still running (the window closes). */
void pipe_stop(struct win *w);

/* ---- window_save.c ---- */

void save_start(struct win *w);
bool save_tick(struct win *w);

#endif
