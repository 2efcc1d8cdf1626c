/*
 * The history piped to a command (Ctrl+Shift+P, window_internal.h): pipe_history runs under
 * sh -c with the whole history on its standard input, the scrollback (spilled pages too) and
 * then the screen as --dump-scrollback writes them. The export runs on a thread of its own,
 * in slices, so the history is never in RAM at once and the window goes on while the command
 * reads at its own pace; a command that stops reading (less quitting, head) ends it.
 * $BOUNDTERM names this program, so the default opens the history in less in a new window.
 */
#include "window_internal.h"

#include <stdatomic.h>
#include <sys/wait.h>

#define PIPE_SLICE_NS 50000000ull /* the export checks for a stop at least this often */

struct history_pipe {
    pthread_t thread;
    struct export *exp;
    FILE *f;
    int fd;               /* the pipe's write end (non-blocking), FILE f writes to it */
    atomic_bool stop, done;
    enum export_state state;
};

extern char **environ;

/* fopencookie's write: waits for the reader while the pipe is full, unless told to stop. */
static ssize_t pipe_write(void *cookie, const char *buf, size_t len)
{
    struct history_pipe *p = cookie;
    for (;;) {
        ssize_t n = write(p->fd, buf, len);
        if (n >= 0 || (errno != EAGAIN && errno != EINTR))
            return n;
        if (atomic_load(&p->stop)) {
            errno = ECANCELED;
            return -1;
        }
        poll(&(struct pollfd){.fd = p->fd, .events = POLLOUT}, 1, 100);
    }
}

static int pipe_close(void *cookie)
{
    struct history_pipe *p = cookie;
    int rc = close(p->fd);
    p->fd = -1;
    return rc;
}

static void *pipe_main(void *arg)
{
    struct history_pipe *p = arg;
    enum export_state st = EXPORT_RUNNING;
    while (st == EXPORT_RUNNING && !atomic_load(&p->stop))
        st = export_step(p->exp, 0, PIPE_SLICE_NS);
    if (fclose(p->f) != 0 && st == EXPORT_DONE) /* the reader sees the end now */
        st = EXPORT_FAILED;
    p->f = NULL;
    p->state = st;
    atomic_store(&p->done, true);
    return NULL;
}

/* The environment with BOUNDTERM naming this program; NULL when out of memory. */
static char **pipe_env(char *self, size_t cap)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        return NULL;
    ssize_t len = readlink("/proc/self/exe", self + 10, cap - 11);
    memcpy(self, "BOUNDTERM=", 10);
    self[10 + (len > 0 ? len : 0)] = '\0';
    size_t k = 0;
    env[k++] = self;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "BOUNDTERM=", 10) != 0)
            env[k++] = environ[i];
    return env;
}

/*
 * Runs sh -c cmd with its stdin the read end `in`, detached (a grandchild, so nothing of ours
 * waits for it); false when it could not be started.
 */
static bool pipe_spawn(const char *cmd, int in)
{
    char self[BT_PATH_BYTES + 16];
    char **env = pipe_env(self, sizeof self);
    if (!env)
        return false;
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL); /* the session blocked its signals */
        signal(SIGPIPE, SIG_DFL);
        if (fork() != 0)
            _exit(0);
        setsid();
        if (dup2(in, STDIN_FILENO) < 0)
            _exit(127);
        execve("/bin/sh", (char *const[]){"sh", "-c", (char *)cmd, NULL}, env);
        _exit(127);
    }
    free(env);
    int st;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return pid > 0;
}

/* Frees a pipe whose thread has ended (or never started). */
static void pipe_free(struct history_pipe *p)
{
    export_destroy(p->exp);
    if (p->f)
        fclose(p->f);
    else if (p->fd >= 0)
        close(p->fd);
    free(p);
}

void pipe_start(struct win *w)
{
    const char *cmd = w->cfg->pipe_history;
    char err[sizeof w->msg];
    if (!cmd[0] || w->pipe) {
        message(w, w->pipe ? "the history is being piped already" : "pipe_history is none");
        return;
    }
    int fds[2];
    struct history_pipe *p = calloc(1, sizeof *p);
    if (!p || pipe2(fds, O_CLOEXEC) != 0) {
        free(p);
        message(w, "pipe: out of resources");
        return;
    }
    p->fd = fds[1];
    fcntl(p->fd, F_SETFL, O_NONBLOCK);
    bool ok = pipe_spawn(cmd, fds[0]);
    close(fds[0]);
    p->f = ok ? fopencookie(p, "w", (cookie_io_functions_t){.write = pipe_write,
                                                             .close = pipe_close}) : NULL;
    if (p->f)
        setvbuf(p->f, NULL, _IOFBF, 64u << 10);
    err[0] = '\0';
    p->exp = p->f ? export_create(session_store(w->s), session_term(w->s), p->f, false, err,
                                  sizeof err) : NULL;
    if (!p->exp || pthread_create(&p->thread, NULL, pipe_main, p) != 0) {
        snprintf(w->msg, sizeof w->msg, "pipe: %s", err[0] ? err : ok ? "out of memory"
                                                             : "the command could not start");
        message(w, w->msg);
        pipe_free(p);
        return;
    }
    w->pipe = p;
    message(w, "piping the history...");
}

bool pipe_tick(struct win *w)
{
    struct history_pipe *p = w->pipe;
    if (!p || !atomic_load(&p->done))
        return p != NULL;
    pthread_join(p->thread, NULL);
    struct export_progress pr;
    export_progress(p->exp, &pr);
    char text[sizeof w->msg];
    uint64_t rows = pr.rows_written + pr.screen_rows;
    if (p->state == EXPORT_DONE)
        snprintf(text, sizeof text, "piped %" PRIu64 " rows to: %.80s", rows,
                 w->cfg->pipe_history);
    else /* a pager that quits early, or head, stops reading: that is no failure */
        snprintf(text, sizeof text, "the command took %" PRIu64 " rows (%s)", rows,
                 export_error(p->exp));
    message(w, text);
    w->pipes++;
    pipe_free(p);
    w->pipe = NULL;
    return false;
}

void pipe_stop(struct win *w)
{
    struct history_pipe *p = w->pipe;
    if (!p)
        return;
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    pipe_free(p);
    w->pipe = NULL;
}
