/*
 * The session shared by headless mode and the window (session.h).
 *
 * The hot path is read -> term_feed: pty_read() fills a buffer with as many
 * reads as the kernel has data for, and rows that scroll off go straight from
 * the engine's callback into sb_store_push(); nothing per row touches a
 * syscall.
 *
 * The dump (--dump-scrollback) is written by export.c in one go after the
 * store settled: every retained scrollback row, oldest first, then the screen
 * (export.h has the format); rows the store could not read back are empty
 * lines, counted on stderr.
 */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "boundterm/scrollback.h"
#include "commands.h"
#include "export.h"
#include "memstat.h"
#include "pty.h"
#include "term.h"

#define READ_CHUNK (256u * 1024)
#define FLUSH_RETRY_NS 5000000ull /* a write the program has not taken yet is tried again */

struct session {
    const struct bt_config *cfg;
    struct bt_config live; /* cfg with the budgets of the last SIGUSR1 reload */
    char config_error[256]; /* why the last reload failed, for --stats; "" when it worked */
    struct sb_store *store;
    struct sb_pool *pool; /* the budgets it shares with other sessions, or NULL */
    int index;            /* BOUNDTERM_SESSION for the child, -1: none */
    struct term *term;
    struct lines *lines; /* history + screen, numbered (lines.h) */
    struct pty *pty;
    struct commands *commands; /* each command's time and memory (commands.h) */
    uint64_t input_row;        /* where the last command line started (INPUT mark): */
    int input_col;             /* its row in the line space, and column; */
    bool input_seen;           /* false once OUTPUT took it */
    struct sb_row scratch;     /* a row read back for the command line */
    struct memstat mem;
    struct session_hooks hooks;
    sigset_t old_mask; /* restored at the end */
    bool masked;       /* the session's signals were blocked by it */
    int sigfd;
    unsigned sigchld_seen; /* sigchld_taken when this session last reaped */
    bool sig_quiet, pty_quiet; /* the last poll found nothing there (session_polled) */
    int stats_fd; /* -1 without --stats */
    FILE *dump;   /* opened at start so a bad path fails before the child runs */
    uint64_t start_ns, next_stats;
    uint64_t reaped_at; /* when the child's exit was seen, 0 before */
    bool eof;           /* the child's output has ended */
    uint64_t bytes_in;
    uint64_t push_errors;
    int signal;      /* the signal that ended the session, or 0 */
    char *buf;
    size_t buf_cap;
};

/*
 * SIGCHLD is the process's, and whichever session's signalfd reads it takes it: each one
 * counts here, and every session reaps its child when the count moved since it last looked
 * (one waitpid a SIGCHLD, not one a turn).
 */
static atomic_uint sigchld_taken;

uint64_t session_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Engine callback: a row left the screen; into the store it goes. */
static void on_scrollout(void *user, const struct sb_row *row)
{
    struct session *s = user;
    int rc = sb_store_push(s->store, row);
    if (rc != 0 && s->push_errors++ == 0) /* once: a flood of one error helps nobody */
        fprintf(stderr, "boundterm: scrollback: %s\n", sb_strerror(rc));
}

/* Engine callback: a plain row left the screen, as text (the common, fast case). */
static void on_scrollout_plain(void *user, const char *utf8, size_t len, uint32_t ncols,
                               uint32_t flags)
{
    struct session *s = user;
    int rc = sb_store_push_plain(s->store, utf8, len, ncols, flags);
    if (rc != 0 && s->push_errors++ == 0)
        fprintf(stderr, "boundterm: scrollback: %s\n", sb_strerror(rc));
}

/* Engine callback: the screen grew taller and takes back the newest stored row. */
static bool on_popline(void *user, struct sb_row *row)
{
    struct session *s = user;
    return sb_store_pop_row(s->store, row) == 0;
}

/* Engine callback: ESC [3J. */
static void on_clear_scrollback(void *user)
{
    session_clear(user);
}

/* Engine callback: keys and answers to the program's queries go to the pty. */
static void on_output(void *user, const char *bytes, size_t len)
{
    struct session *s = user;
    if (s->pty)
        pty_write(s->pty, bytes, len);
    s->pty_quiet = false; /* its echo may be there by the next read */
    if (s->commands)
        commands_activity(s->commands, session_now_ns());
}

/* Engine callback: a shell's prompt mark (OSC 133): a command starts or ends. */
/* INPUT: remembers where the command line starts; OUTPUT: hands it to the tracker. */
static void command_line(struct session *s, uint32_t mark)
{
    struct term_cursor cur;
    struct lines_span sp;
    term_cursor(s->term, &cur);
    lines_span(s->lines, &sp);
    if (mark == SB_ROW_MARK_INPUT) {
        s->input_row = sp.screen + (uint64_t)cur.row;
        s->input_col = cur.col;
        s->input_seen = true;
        return;
    }
    char text[256];
    size_t n = 0;
    if (s->input_seen && lines_copy_row(s->lines, s->input_row, &s->scratch))
        for (uint32_t c = (uint32_t)s->input_col; c < s->scratch.ncols && n < sizeof text; c++)
            text[n++] = s->scratch.cells[c].chars[0] < 0x80 ? (char)s->scratch.cells[c].chars[0]
                                                            : '?';
    commands_line(s->commands, text, n);
    s->input_seen = false;
}

static bool on_mark(void *user, uint32_t mark, struct sb_command *cmd)
{
    struct session *s = user;
    if (s->commands && (mark == SB_ROW_MARK_INPUT || mark == SB_ROW_MARK_OUTPUT))
        command_line(s, mark);
    bool ran = s->commands && commands_mark(s->commands, mark, cmd, session_now_ns());
    if (s->hooks.marked)
        s->hooks.marked(s->hooks.user, mark);
    return ran;
}

/* Engine callback: the bell, for the window if there is one. */
static void on_bell(void *user)
{
    struct session *s = user;
    if (s->hooks.bell)
        s->hooks.bell(s->hooks.user);
}

/* Engine callback: the title (OSC 0/2), for the window if there is one. */
static void on_title(void *user, const char *utf8)
{
    struct session *s = user;
    if (s->hooks.title)
        s->hooks.title(s->hooks.user, utf8);
}

/* Engine callback: the program copies text (OSC 52), for the window if there is one. */
static void on_clipboard_set(void *user, unsigned which, const char *utf8, size_t len)
{
    struct session *s = user;
    if (s->hooks.clipboard_set)
        s->hooks.clipboard_set(s->hooks.user, which, utf8, len);
}

/* Engine callback: the program asks for a selection; without a window it gets no answer. */
static void on_clipboard_get(void *user, unsigned which)
{
    struct session *s = user;
    if (s->hooks.clipboard_get)
        s->hooks.clipboard_get(s->hooks.user, which);
}

void session_clipboard_answer(struct session *s, unsigned which, const char *text, size_t len)
{
    term_clipboard_answer(s->term, which, text, len);
}

/* Sets up signal handling: SIGPIPE ignored, the session's signals blocked and read from a fd. */
void session_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR1);
}

static bool signals_open(struct session *s)
{
    sigset_t set;
    session_signal_set(&set);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_DFL); /* an inherited SIG_IGN would reap the child behind our back */
    /* Blocked before the store's thread starts, so it inherits the mask and never takes them. */
    if (pthread_sigmask(SIG_BLOCK, &set, &s->old_mask) != 0)
        return false;
    s->masked = true;
    s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->sigfd < 0) {
        fprintf(stderr, "boundterm: signalfd: %s\n", strerror(errno));
        return false;
    }
    return true;
}

/* Creates the store as configured (budgets, page size, codecs); false (logged) on failure. */
static bool store_open(struct session *s)
{
    struct sb_config sc;
    char err[256] = "";
    bt_config_store(s->cfg, &sc);
    sc.background = true;
    int rc = s->pool ? sb_store_create_in(s->pool, &sc, &s->store, err, sizeof(err))
                     : sb_store_create(&sc, &s->store, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "boundterm: scrollback: %s\n", err[0] ? err : sb_strerror(rc));
        return false;
    }
    return true;
}

/* Opens the --stats file (truncated), if any; false (logged) when it cannot be created. */
static bool stats_open(struct session *s)
{
    const char *path = s->cfg->stats_path;
    if (!path)
        return true;
    if (strcmp(path, "-") == 0) {
        s->stats_fd = STDOUT_FILENO;
        return true;
    }
    s->stats_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s->stats_fd < 0) {
        fprintf(stderr, "boundterm: --stats: cannot create '%s': %s\n", path, strerror(errno));
        return false;
    }
    return true;
}

/* The last command that ended, as a JSON value: {argv0, exit, seconds, peak_rss_bytes} or null. */
static void last_command_json(const struct session *s, char *buf, size_t cap)
{
    struct command_info c;
    if (!s->commands || !commands_last(s->commands, &c)) {
        snprintf(buf, cap, "null");
        return;
    }
    char exit_status[16] = "null";
    if (c.exit_status >= 0)
        snprintf(exit_status, sizeof exit_status, "%d", (int)c.exit_status);
    snprintf(buf, cap,
             "{\"argv0\":\"%s\",\"exit\":%s,\"seconds\":%.3f,\"peak_rss_bytes\":%" PRIu64 "}",
             c.argv0, exit_status, (double)(c.end_ns - c.start_ns) / 1e9, c.peak_rss);
}

/* Writes our own figures into buf as the start of a JSON object (no closing brace). */
static int stats_own(struct session *s, bool final, char *buf, size_t cap)
{
    char status[16] = "null", last[192];
    last_command_json(s, last, sizeof last);
    uint64_t hwm = 0, rss = memstat_rss(&s->mem);
    memstat_status(&s->mem, NULL, &hwm);
    hwm = hwm > rss ? hwm : rss; /* the kernel updates its high-water mark lazily */
    if (pty_exit_status(s->pty) >= 0)
        snprintf(status, sizeof(status), "%d", pty_exit_status(s->pty));
    return snprintf(buf, cap,
                    "{\"elapsed_s\":%.3f,\"bytes_in\":%" PRIu64 ",\"rss_bytes\":%" PRIu64
                    ",\"vm_hwm_bytes\":%" PRIu64 ",\"push_errors\":%" PRIu64
                    ",\"exit_status\":%s,\"final\":%s,\"config_error\":\"%s\""
                    ",\"last_command\":%s",
                    (double)(session_now_ns() - s->start_ns) / 1e9, s->bytes_in, rss, hwm,
                    s->push_errors, status, final ? "true" : "false", s->config_error, last);
}

/* Appends one JSON line: our figures, then the members of the store's own object. */
void session_stats_write(struct session *s, bool final)
{
    if (s->stats_fd < 0)
        return;
    struct sb_stats st;
    char store[2048], line[4096];
    sb_store_stats(s->store, &st);
    size_t n = sb_stats_json(&st, store, sizeof(store));
    bool members = n > 2 && n < sizeof(store) && store[0] == '{';
    int own = stats_own(s, final, line, sizeof(line));
    if (s->hooks.stats && own > 0 && (size_t)own < sizeof(line)) {
        int extra = s->hooks.stats(s->hooks.user, line + own, sizeof(line) - (size_t)own);
        own += extra > 0 && (size_t)extra < sizeof(line) - (size_t)own ? extra : 0;
    }
    int len = own + snprintf(line + own, sizeof(line) - (size_t)own, "%s%s\n",
                             members ? "," : "}", members ? store + 1 : "");
    if ((size_t)len >= sizeof(line) || write(s->stats_fd, line, (size_t)len) != len) {
        if (final) /* a lost periodic line is not worth a message; the last one is */
            fprintf(stderr, "boundterm: --stats: the last line could not be written\n");
    }
}

/* Keeps a reload's error for --stats; quotes and backslashes become ' so it needs no escaping. */
static void set_config_error(struct session *s, const char *msg)
{
    size_t n = strnlen(msg, sizeof s->config_error - 1); /* a long message is cut */
    memcpy(s->config_error, msg, n);
    s->config_error[n] = '\0';
    for (char *p = s->config_error; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < ' ')
            *p = '\'';
}

/*
 * SIGUSR1: re-reads the config file and applies its scrollback budgets at once; other
 * keys wait for the next start, which one log line says (bt_config_reload_note).
 */
static void reload(struct session *s)
{
    struct bt_config next;
    char err[512], note[512];
    if (!bt_config_reload(&s->live, &next, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        set_config_error(s, err);
        return;
    }
    int rc = s->pool ? sb_pool_set_budgets(s->pool, next.scrollback_ram, next.scrollback_disk)
                     : sb_store_set_budgets(s->store, next.scrollback_ram, next.scrollback_disk);
    if (rc != 0) {
        snprintf(err, sizeof err, "boundterm: reload: the new budgets were refused: %s",
                 sb_strerror(rc));
        fprintf(stderr, "%s\n", err);
        set_config_error(s, err);
        return;
    }
    set_config_error(s, "");
    bt_config_reload_note(&s->live, &next, note, sizeof note);
    if (note[0])
        fprintf(stderr, "%s\n", note);
    s->live.scrollback_ram = next.scrollback_ram;
    s->live.scrollback_disk = next.scrollback_disk;
}

/* Takes the pending signals: SIGCHLD reaps, SIGUSR1 reloads, the others end the session. */
static void take_signals(struct session *s)
{
    struct signalfd_siginfo si;
    bool quiet = s->sig_quiet;
    s->sig_quiet = false;
    while (!quiet && read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGCHLD)
            atomic_fetch_add(&sigchld_taken, 1);
        else if (si.ssi_signo == SIGUSR1)
            reload(s);
        else if (!s->signal)
            s->signal = (int)si.ssi_signo;
    }
}

bool session_paste(struct session *s, const char *text, size_t len,
                   enum term_paste_filter filter)
{
    size_t n;
    char *bytes = term_paste_encode(s->term, text, len, filter, &n);
    bool ok = bytes && pty_write_input(s->pty, bytes, n);
    s->pty_quiet = false;
    free(bytes);
    if (s->commands)
        commands_activity(s->commands, session_now_ns());
    return ok;
}

void session_pollfds(const struct session *s, struct pollfd fds[SESSION_POLLFDS])
{
    fds[0] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
    fds[1] = (struct pollfd){.fd = s->eof ? -1 : pty_fd(s->pty),
                             .events = POLLIN | (pty_pending(s->pty) ? POLLOUT : 0)};
}

void session_polled(struct session *s, const struct pollfd fds[SESSION_POLLFDS])
{
    s->sig_quiet = fds[0].fd == s->sigfd && !fds[0].revents;
    s->pty_quiet = !s->eof && fds[1].fd == pty_fd(s->pty) && !fds[1].revents;
}

void session_service(struct session *s, uint64_t now)
{
    take_signals(s);
    unsigned taken = atomic_load(&sigchld_taken);
    if (taken != s->sigchld_seen) { /* this session's signalfd or another's took one */
        s->sigchld_seen = taken;
        pty_reap(s->pty);
    }
    if (pty_pending(s->pty))
        pty_flush(s->pty);
    if (!s->reaped_at && pty_exit_status(s->pty) >= 0)
        s->reaped_at = now;
    if (s->commands)
        commands_tick(s->commands, now);
    if (s->stats_fd >= 0 && now >= s->next_stats) {
        session_stats_write(s, false);
        s->next_stats = now + SESSION_STATS_NS;
    }
}

enum session_end session_end(const struct session *s, uint64_t now)
{
    if (s->signal)
        return SESSION_SIGNALLED;
    if (s->reaped_at && (s->eof || now >= s->reaped_at + SESSION_DRAIN_NS))
        return SESSION_CHILD_GONE;
    return SESSION_GOING;
}

uint64_t session_deadline(const struct session *s, uint64_t now)
{
    if (atomic_load(&sigchld_taken) != s->sigchld_seen)
        return now; /* another session took a SIGCHLD that may be this one's child's */
    uint64_t until = s->stats_fd >= 0 ? s->next_stats : UINT64_MAX;
    if (s->reaped_at && s->reaped_at + SESSION_DRAIN_NS < until)
        until = s->reaped_at + SESSION_DRAIN_NS;
    if (pty_pending(s->pty) && now + FLUSH_RETRY_NS < until)
        until = now + FLUSH_RETRY_NS;
    if (s->commands && commands_deadline(s->commands) < until)
        until = commands_deadline(s->commands);
    return until;
}

int session_poll_ms(uint64_t deadline, uint64_t now)
{
    if (deadline == UINT64_MAX)
        return -1;
    uint64_t ms = deadline <= now ? 0 : (deadline - now + 999999) / 1000000;
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

struct term *session_term(struct session *s)
{
    return s->term;
}

struct lines *session_lines(struct session *s)
{
    return s->lines;
}

struct sb_store *session_store(struct session *s)
{
    return s->store;
}

void session_resize(struct session *s, int rows, int cols)
{
    term_resize(s->term, rows, cols);
    pty_resize(s->pty, cols, rows);
}

pid_t session_child_pid(const struct session *s)
{
    return pty_pid(s->pty);
}

int session_child_status(const struct session *s)
{
    return pty_exit_status(s->pty);
}

bool session_exec_failed(const struct session *s)
{
    return pty_exec_error(s->pty) != 0;
}

int session_signal(const struct session *s)
{
    return s->signal;
}

uint64_t session_bytes_in(const struct session *s)
{
    return s->bytes_in;
}

uint64_t session_started_ns(const struct session *s)
{
    return s->start_ns;
}

uint64_t session_rss(struct session *s)
{
    return memstat_rss(&s->mem);
}

uint64_t session_hwm(struct session *s)
{
    uint64_t hwm = 0;
    memstat_status(&s->mem, NULL, &hwm);
    return hwm;
}

bool session_command(const struct session *s, struct command_info *out)
{
    return s->commands && commands_current(s->commands, out);
}

void session_store_stats(struct session *s, struct sb_stats *out)
{
    sb_store_stats(s->store, out);
}

int session_hangup(struct session *s)
{
    pty_hangup(s->pty);
    for (int i = 0; i < 100 && !pty_reap(s->pty); i++)
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    int st = pty_exit_status(s->pty);
    return st >= 0 ? st : 128 + SIGHUP;
}

void session_clear(struct session *s)
{
    sb_store_clear(s->store);
    if (s->hooks.cleared)
        s->hooks.cleared(s->hooks.user);
}

long session_pump(struct session *s, size_t max)
{
    if (s->eof)
        return -1;
    if (s->pty_quiet) { /* the poll just now found nothing to read: no read to learn it */
        s->pty_quiet = false;
        return 0;
    }
    size_t cap = max < s->buf_cap ? max : s->buf_cap;
    ssize_t n = pty_read(s->pty, s->buf, cap);
    if (n < 0) {
        s->eof = true;
        return -1;
    }
    if (n > 0) {
        s->bytes_in += (uint64_t)n;
        term_feed(s->term, s->buf, (size_t)n);
        if (s->commands)
            commands_activity(s->commands, session_now_ns());
    }
    return (long)n;
}

/* Opens the --dump-scrollback file, if any; false (logged) when it cannot be created. */
static bool dump_open(struct session *s)
{
    const char *path = s->cfg->dump_path;
    if (!path)
        return true;
    s->dump = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");
    if (!s->dump) {
        fprintf(stderr, "boundterm: --dump-scrollback: cannot create '%s': %s\n", path,
                strerror(errno));
        return false;
    }
    setvbuf(s->dump, NULL, _IOFBF, 1u << 20);
    return true;
}

/* Writes the dump (export.h) and closes its file; false (logged) on failure. */
static bool dump_write(struct session *s)
{
    char err[160] = "";
    struct export_progress p = {0};
    struct export *e = export_create(s->store, s->term, s->dump, s->cfg->dump_ansi, err,
                                     sizeof err);
    bool ok = e && export_step(e, 0, 0) == EXPORT_DONE;
    if (e) {
        export_progress(e, &p);
        snprintf(err, sizeof err, "%s", export_error(e));
    }
    if (err[0])
        fprintf(stderr, "boundterm: --dump-scrollback: %s\n", err);
    if (p.rows_lost)
        fprintf(stderr, "boundterm: %" PRIu64 " scrollback rows could not be read back and are "
                "empty lines in the dump\n", p.rows_lost);
    ok = (s->dump == stdout ? fflush(s->dump) : fclose(s->dump)) == 0 && ok;
    s->dump = NULL;
    if (!ok)
        fprintf(stderr, "boundterm: --dump-scrollback: '%s' is incomplete\n", s->cfg->dump_path);
    export_destroy(e);
    return ok;
}

/* The configuration's colours, which the program may query (OSC 4, 10, 11...) and change. */
static void set_term_colors(struct term *t, const struct bt_config *cfg)
{
    struct term_colors colors;
    term_colors_default(&colors);
    memcpy(colors.rgb, cfg->palette, sizeof cfg->palette);
    colors.rgb[TERM_COLOR_FG] = cfg->foreground;
    colors.rgb[TERM_COLOR_BG] = cfg->background;
    colors.rgb[TERM_COLOR_CURSOR] = cfg->foreground;
    term_set_colors(t, &colors);
}

/* Starts the program after -e, else the configured shell, with the configured $TERM. */
static struct pty *spawn(const struct bt_config *cfg, int index)
{
    char term[BT_TERM_BYTES + 8], session[40];
    snprintf(term, sizeof term, "TERM=%s", cfg->term);
    snprintf(session, sizeof session, "BOUNDTERM_SESSION=%d", index);
    size_t extra = 0;
    while (cfg->env_extra && cfg->env_extra[extra])
        extra++;
    const char **env = calloc(extra + 3, sizeof *env); /* a request's, then ours win */
    if (!env)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < extra; i++)
        env[n++] = cfg->env_extra[i];
    if (cfg->term[0])
        env[n++] = term;
    if (index >= 0)
        env[n++] = session;
    const char *const shell[] = {cfg->shell, NULL};
    bool has_argv = cfg->argv && cfg->argv[0];
    struct pty *p = pty_spawn_in(has_argv ? cfg->argv : shell[0][0] ? shell : NULL, cfg->cols,
                                 cfg->rows, env, cfg->pass_stdin ? STDIN_FILENO : -1);
    free(env);
    return p;
}

struct session *session_open(const struct bt_config *cfg, const struct session_hooks *hooks,
                             const sigset_t *mask_before)
{
    return session_open_in(cfg, hooks, mask_before, NULL, (unsigned)-1);
}

struct session *session_open_in(const struct bt_config *cfg, const struct session_hooks *hooks,
                                const sigset_t *mask_before, struct sb_pool *pool,
                                unsigned index)
{
    static const struct term_callbacks cb = {
        .scrollout = on_scrollout, .scrollout_plain = on_scrollout_plain,
        .popline = on_popline, .clear_scrollback = on_clear_scrollback,
        .output = on_output, .bell = on_bell, .title = on_title,
        .clipboard_set = on_clipboard_set, .clipboard_get = on_clipboard_get,
        .mark = on_mark,
    };
    struct session *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "boundterm: out of memory for a session\n");
        return NULL;
    }
    *s = (struct session){.cfg = cfg, .sigfd = -1, .stats_fd = -1, .pool = pool,
                          .sigchld_seen = atomic_load(&sigchld_taken) - 1, /* reap at once */
                          .index = index == (unsigned)-1 ? -1 : (int)index,
                          .start_ns = session_now_ns()};
    s->next_stats = s->start_ns + SESSION_STATS_NS;
    s->live = *cfg;
    if (hooks)
        s->hooks = *hooks;
    if (!memstat_init(&s->mem) || !signals_open(s))
        goto fail;
    if (mask_before)
        s->old_mask = *mask_before;
    if (!store_open(s) || !stats_open(s) || !dump_open(s))
        goto fail;
    s->term = term_create(cfg->rows, cfg->cols, &cb, s);
    if (s->term) {
        set_term_colors(s->term, cfg);
        term_set_name(s->term, cfg->term);
        term_set_clipboard_limit(s->term, (size_t)cfg->osc52_max);
    }
    s->lines = s->term ? lines_create(s->store, s->term) : NULL;
    s->buf = malloc(READ_CHUNK);
    s->buf_cap = READ_CHUNK;
    if (!s->term || !s->lines || !s->buf) {
        fprintf(stderr, "boundterm: out of memory for a %dx%d terminal\n", cfg->cols, cfg->rows);
        goto fail;
    }
    if ((s->pty = spawn(cfg, s->index))) {
        s->commands = commands_create(pty_pid(s->pty), pty_fd(s->pty), session_now_ns());
        if (s->commands)
            return s;
        fprintf(stderr, "boundterm: out of memory for a session\n");
    }
fail:
    if (s->masked)
        pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
    session_close(s);
    return NULL;
}

void session_set_cell_pixels(struct session *s, int width, int height)
{
    term_set_cell_pixels(s->term, width, height);
}

void session_close(struct session *s)
{
    if (!s)
        return;
    commands_destroy(s->commands);
    sb_row_fini(&s->scratch);
    pty_destroy(s->pty);
    lines_destroy(s->lines);
    if (s->term)
        term_destroy(s->term);
    sb_store_destroy(s->store);
    free(s->buf);
    if (s->stats_fd > STDOUT_FILENO)
        close(s->stats_fd);
    if (s->dump && s->dump != stdout)
        fclose(s->dump);
    if (s->sigfd >= 0)
        close(s->sigfd);
    memstat_fini(&s->mem);
    free(s);
}

int session_finish(struct session *s)
{
    /* A second Ctrl-C during a long dump should stop us at once. */
    pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
    return session_finish_one(s);
}

int session_finish_one(struct session *s)
{
    if (s->signal)
        pty_hangup(s->pty);
    /* Pages still being compressed may move pages out; the dump reads them all (finding any
     * that cannot be read), and the last stats line comes after it, so it tells all of it. */
    sb_store_settle(s->store);
    if (s->dump)
        dump_write(s);
    session_stats_write(s, true);
    int status = s->signal ? 128 + s->signal : pty_exit_status(s->pty);
    return status < 0 ? SESSION_EXIT_FAILED : status; /* < 0: the loop failed early */
}
