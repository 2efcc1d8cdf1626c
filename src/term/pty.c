/*
 * The pty: spawning a child on a pseudo-terminal, non-blocking I/O on the
 * master, reaping.
 *
 * Everything the child needs (the environment, the program name, the error
 * prefix) is prepared before fork(), because the parent may have threads (the
 * store's compressor) and only async-signal-safe calls are sound in the child
 * between fork() and exec. Bytes written to the child that the kernel will not
 * take yet wait in `pending`, in order, so a reply to a query is never lost.
 */
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <utmp.h>

#define PENDING_MAX (1u << 20) /* bytes queued for a child that stopped reading */
#define PENDING_INPUT_MAX (64u << 20) /* the same for what the user sends (a paste) */
#define REAP_GRACE_MS 500      /* how long pty_destroy waits after SIGHUP before SIGKILL */

extern char **environ;

struct pty {
    int fd;
    pid_t pid;
    int status; /* -1 until reaped */
    bool eof;
    char *pending;      /* bytes not written yet: pending[pending_off .. pending_len) */
    size_t pending_off, pending_len, pending_cap;
    bool drop_logged; /* one line about dropped writes is enough */
    int exec_error;   /* why the program could not be run (an errno), or 0 */
};

/* Variables the child must not inherit from our own terminal. */
static const char *const env_dropped[] = {"TERM", "COLORTERM", "LINES", "COLUMNS", "TERMCAP"};

/* True when entry ("NAME=value") defines the variable whose name is name[0..len). */
static bool env_is(const char *entry, const char *name, size_t len)
{
    return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

/* Removes every definition of name[0..len) from env (n entries). */
static void env_remove(const char **env, size_t *n, const char *name, size_t len)
{
    size_t w = 0;
    for (size_t r = 0; r < *n; r++)
        if (!env_is(env[r], name, len))
            env[w++] = env[r];
    *n = w;
}

/* Applies one tweak: "NAME=value" replaces NAME, "NAME" removes it. */
static void env_apply(const char **env, size_t *n, const char *tweak)
{
    const char *eq = strchr(tweak, '=');
    size_t len = eq ? (size_t)(eq - tweak) : strlen(tweak);
    env_remove(env, n, tweak, len);
    if (eq)
        env[(*n)++] = tweak;
}

/* The child's environment as a NULL-terminated array of borrowed strings (free the array). */
static char **env_build(const char *const *tweaks)
{
    size_t nenv = 0, ntweaks = 0, n = 0;
    while (environ && environ[nenv])
        nenv++;
    while (tweaks && tweaks[ntweaks])
        ntweaks++;
    const char **env = calloc(nenv + ntweaks + 3, sizeof(*env));
    if (!env)
        return NULL;
    for (size_t i = 0; i < nenv; i++)
        env[n++] = environ[i];
    for (size_t i = 0; i < sizeof(env_dropped) / sizeof(env_dropped[0]); i++)
        env_remove(env, &n, env_dropped[i], strlen(env_dropped[i]));
    env[n++] = "TERM=xterm-256color";
    env[n++] = "COLORTERM=truecolor";
    for (size_t i = 0; i < ntweaks; i++)
        env_apply(env, &n, tweaks[i]);
    env[n] = NULL;
    return (char **)env;
}

/* Copies s into buf at *at (bounded by cap), async-signal-safely. */
static void buf_put(char *buf, size_t cap, size_t *at, const char *s)
{
    while (*s && *at + 1 < cap)
        buf[(*at)++] = *s++;
}

/* In the child: tells the user on the terminal why prog could not be executed. */
static void report_exec_failure(const char *prog, int err)
{
    char msg[512];
    size_t at = 0;
    const char *why = strerrordesc_np(err);
    buf_put(msg, sizeof(msg), &at, "boundterm: cannot run '");
    buf_put(msg, sizeof(msg), &at, prog);
    buf_put(msg, sizeof(msg), &at, "': ");
    buf_put(msg, sizeof(msg), &at, why ? why : "unknown error");
    buf_put(msg, sizeof(msg), &at, "\n");
    ssize_t unused = write(STDERR_FILENO, msg, at);
    (void)unused;
}

/* In the child: default signal dispositions and an empty mask, as a fresh program expects. */
static void reset_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &sa, NULL); /* fails harmlessly for SIGKILL, SIGSTOP and gaps */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * In the child: becomes the session on the slave and execs; never returns. A failed exec
 * writes its errno to report (close-on-exec: the parent reads nothing when exec works).
 */
static void child_exec(int slave, int report, int in, char *const *argv, char *const *envp)
{
    reset_signals();
    if (login_tty(slave) < 0 || (in >= 0 && dup2(in, 0) < 0))
        _exit(127);
    if (report != 3 && dup3(report, 3, O_CLOEXEC) < 0)
        _exit(127);
    close_range(4, ~0u, 0); /* the master and whatever the parent had open */
    execvpe(argv[0], argv, envp);
    int err = errno;
    report_exec_failure(argv[0], err);
    ssize_t unused = write(3, &err, sizeof err);
    (void)unused;
    _exit(127);
}

/* After the fork: the child's exec errno from the report pipe, 0 when the exec worked. */
static int exec_result(int report)
{
    int err = 0;
    ssize_t n;
    while ((n = read(report, &err, sizeof err)) < 0 && errno == EINTR)
        ;
    close(report);
    return n == (ssize_t)sizeof err ? err : 0;
}

/* Opens the slave side of master with UTF-8 input processing and the size cols x rows. */
static int open_slave(int master, int cols, int rows)
{
    char name[64];
    if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)))
        return -1;
    int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        return -1;
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    struct termios tio;
    if (tcgetattr(slave, &tio) == 0) {
        tio.c_iflag |= IUTF8; /* so the line editor erases whole characters */
        tcsetattr(slave, TCSANOW, &tio);
    }
    if (ioctl(slave, TIOCSWINSZ, &ws) < 0) {
        close(slave);
        return -1;
    }
    return slave;
}

/* Opens a pty pair: the master non-blocking and close-on-exec; false (logged) on failure. */
static bool open_pair(int *master, int *slave, int cols, int rows)
{
    *slave = -1;
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (*master < 0 || (*slave = open_slave(*master, cols, rows)) < 0) {
        fprintf(stderr, "boundterm: cannot open a pty: %s\n", strerror(errno));
        if (*master >= 0)
            close(*master);
        *master = -1;
        return false;
    }
    return true;
}

struct pty *pty_spawn(const char *const *argv, int cols, int rows, const char *const *env)
{
    return pty_spawn_in(argv, cols, rows, env, -1);
}

struct pty *pty_spawn_in(const char *const *argv, int cols, int rows, const char *const *env,
                         int stdin_fd)
{
    /* above the fds login_tty replaces, so the child still has it after */
    int in = stdin_fd >= 0 ? fcntl(stdin_fd, F_DUPFD_CLOEXEC, 10) : -1;
    const char *shell_argv[2] = {NULL, NULL};
    if (!argv || !argv[0]) {
        shell_argv[0] = "/bin/sh"; /* the configuration resolved $SHELL already */
        argv = shell_argv;
    }
    int master = -1, slave = -1;
    struct pty *p = calloc(1, sizeof(*p));
    char **envp = env_build(env);
    if (!p || !envp) {
        fprintf(stderr, "boundterm: pty: out of memory\n");
        goto fail;
    }
    int report[2] = {-1, -1};
    if (!open_pair(&master, &slave, cols, rows))
        goto fail;
    if (pipe2(report, O_CLOEXEC) != 0) {
        fprintf(stderr, "boundterm: pipe: %s\n", strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "boundterm: fork: %s\n", strerror(errno));
        close(report[0]);
        close(report[1]);
        goto fail;
    }
    if (pid == 0)
        child_exec(slave, report[1], in, (char *const *)argv, envp);
    if (in >= 0)
        close(in);
    close(slave);
    close(report[1]);
    *p = (struct pty){.fd = master, .pid = pid, .status = -1, .exec_error = exec_result(report[0])};
    if (p->exec_error)
        fprintf(stderr, "boundterm: cannot run '%s': %s\n", argv[0], strerror(p->exec_error));
    free(envp);
    return p;
fail:
    if (master >= 0) {
        close(master);
        close(slave);
    }
    if (in >= 0)
        close(in);
    free(envp);
    free(p);
    return NULL;
}

int pty_fd(const struct pty *p)
{
    return p->fd;
}

int pty_exec_error(const struct pty *p)
{
    return p->exec_error;
}

ssize_t pty_read(struct pty *p, char *buf, size_t cap)
{
    size_t got = 0;
    while (!p->eof && p->fd >= 0 && got < cap) {
        size_t want = cap - got;
        ssize_t n = read(p->fd, buf + got, want);
        if (n > 0) {
            got += (size_t)n;
            /* A short read emptied the kernel's buffer: another would most likely fail with
             * EAGAIN, one syscall per wake-up for nothing; poll() finds what comes next. */
            if ((size_t)n < want)
                break;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            break;
        } else {
            /* EIO (or 0): every holder of the slave has closed it and the buffer is drained. */
            if (n < 0 && errno != EIO)
                fprintf(stderr, "boundterm: pty read: %s\n", strerror(errno));
            p->eof = true;
        }
    }
    if (got == 0 && (p->eof || p->fd < 0))
        return -1;
    return (ssize_t)got;
}

/* Bytes waiting in the queue. */
static size_t pending_bytes(const struct pty *p)
{
    return p->pending_len - p->pending_off;
}

/* Appends len bytes to the queue; false (logged) past max queued bytes or out of memory. */
static bool pending_add(struct pty *p, const char *buf, size_t len, size_t max)
{
    if (pending_bytes(p) + len > max) {
        if (!p->drop_logged)
            fprintf(stderr, "boundterm: pty: the child is not reading; input dropped\n");
        p->drop_logged = true;
        return false;
    }
    if (p->pending_off > 0) { /* the written part goes before the queue grows */
        memmove(p->pending, p->pending + p->pending_off, pending_bytes(p));
        p->pending_len -= p->pending_off;
        p->pending_off = 0;
    }
    if (p->pending_len + len > p->pending_cap) {
        size_t cap = p->pending_cap ? p->pending_cap : 256;
        while (cap < p->pending_len + len)
            cap *= 2;
        char *grown = realloc(p->pending, cap);
        if (!grown) {
            fprintf(stderr, "boundterm: pty: out of memory; %zu bytes dropped\n", len);
            return false;
        }
        p->pending = grown;
        p->pending_cap = cap;
    }
    memcpy(p->pending + p->pending_len, buf, len);
    p->pending_len += len;
    return true;
}

/* Writes as much of buf as the kernel takes now; the count, or -1 (logged) on an error. */
static ssize_t write_some(struct pty *p, const char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(p->fd, buf + done, len - done);
        if (n >= 0) {
            done += (size_t)n;
        } else if (errno == EAGAIN) {
            break;
        } else if (errno != EINTR) {
            fprintf(stderr, "boundterm: pty write: %s\n", strerror(errno));
            return -1;
        }
    }
    return (ssize_t)done;
}

bool pty_flush(struct pty *p)
{
    if (pending_bytes(p) == 0)
        return true;
    if (p->fd < 0)
        return false;
    /* the kernel takes a few KiB at a time: the queue's head moves, nothing is copied */
    ssize_t n = write_some(p, p->pending + p->pending_off, pending_bytes(p));
    if (n < 0)
        return false;
    p->pending_off += (size_t)n;
    if (p->pending_off == p->pending_len) {
        p->pending_off = p->pending_len = 0;
        if (p->pending_cap > PENDING_MAX) { /* a big paste went out: give its memory back */
            free(p->pending);
            p->pending = NULL;
            p->pending_cap = 0;
        }
    }
    return true;
}

/* Writes now what the kernel takes and queues the rest, behind what already waits. */
static bool write_or_queue(struct pty *p, const void *buf, size_t len, size_t max)
{
    if (p->fd < 0)
        return false;
    if (pending_bytes(p) > 0) /* keep the order: queue behind what waits */
        return pending_add(p, buf, len, max) && pty_flush(p);
    ssize_t n = write_some(p, buf, len);
    if (n < 0)
        return false;
    return (size_t)n == len || pending_add(p, (const char *)buf + n, len - (size_t)n, max);
}

bool pty_write(struct pty *p, const void *buf, size_t len)
{
    return write_or_queue(p, buf, len, PENDING_MAX);
}

bool pty_write_input(struct pty *p, const void *buf, size_t len)
{
    return write_or_queue(p, buf, len, PENDING_INPUT_MAX);
}

bool pty_pending(const struct pty *p)
{
    return pending_bytes(p) > 0 && p->fd >= 0;
}

bool pty_resize(struct pty *p, int cols, int rows)
{
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (p->fd < 0 || ioctl(p->fd, TIOCSWINSZ, &ws) < 0) {
        fprintf(stderr, "boundterm: pty resize: %s\n", strerror(p->fd < 0 ? EBADF : errno));
        return false;
    }
    return true;
}

/* Converts a wait status to a shell-like exit status. */
static int exit_status_of(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return 255;
}

bool pty_reap(struct pty *p)
{
    if (p->status >= 0)
        return true;
    int wstatus;
    pid_t r;
    do
        r = waitpid(p->pid, &wstatus, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == p->pid && (WIFEXITED(wstatus) || WIFSIGNALED(wstatus))) {
        p->status = exit_status_of(wstatus);
    } else if (r < 0) {
        /* ECHILD: someone else reaped it (SIGCHLD ignored by our parent?); status unknown. */
        fprintf(stderr, "boundterm: waitpid: %s\n", strerror(errno));
        p->status = 255;
    }
    return p->status >= 0;
}

int pty_exit_status(const struct pty *p)
{
    return p->status;
}

pid_t pty_pid(const struct pty *p)
{
    return p->pid;
}

void pty_hangup(struct pty *p)
{
    if (p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
    }
    if (p->status < 0)
        kill(-p->pid, SIGHUP);
}

/* Reaps the child, polling for up to ms milliseconds; true once reaped. */
static bool reap_within(struct pty *p, int ms)
{
    const struct timespec tick = {.tv_nsec = 5 * 1000 * 1000};
    for (int waited = 0; !pty_reap(p) && waited < ms; waited += 5)
        nanosleep(&tick, NULL);
    return pty_reap(p);
}

void pty_destroy(struct pty *p)
{
    if (!p)
        return;
    if (!pty_reap(p)) {
        pty_hangup(p);
        if (!reap_within(p, REAP_GRACE_MS)) {
            kill(p->pid, SIGKILL);
            while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
    }
    if (p->fd >= 0)
        close(p->fd);
    free(p->pending);
    free(p);
}
