/*
 * pty.c: spawning, reading everything, exit statuses, resize, environment,
 * queued writes and hang-up, against real children (sh, stty, od).
 */
#include <poll.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "pty.h"
#include "../unit/check.h"

/* Output collected from a child. */
struct out {
    char *buf;
    size_t len, cap;
    size_t lines; /* '\n' seen */
};

/* Appends n bytes to o. */
static void out_add(struct out *o, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        o->lines += b[i] == '\n';
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->buf = realloc(o->buf, o->cap);
        if (!o->buf)
            abort();
    }
    memcpy(o->buf + o->len, b, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Polls p until its output contains want (or, want NULL, until the end), keeping
 * only the byte and line counts when keep is false. false on timeout.
 */
static bool pump_until(struct pty *p, struct out *o, const char *want, bool keep, double secs)
{
    static char buf[256 * 1024];
    double deadline = now_s() + secs;
    while (now_s() < deadline) {
        if (want && o->buf && strstr(o->buf, want))
            return true;
        struct pollfd pfd = {.fd = pty_fd(p), .events = POLLIN | (pty_pending(p) ? POLLOUT : 0)};
        poll(&pfd, 1, 50);
        if (pfd.revents & POLLOUT)
            REQUIRE(pty_flush(p));
        ssize_t n = pty_read(p, buf, sizeof(buf));
        if (n < 0)
            return want == NULL;
        if (keep) {
            out_add(o, buf, (size_t)n);
        } else {
            o->len += (size_t)n;
            for (ssize_t i = 0; i < n; i++)
                o->lines += buf[i] == '\n';
        }
    }
    fprintf(stderr, "timeout waiting for %s\n", want ? want : "the end");
    return false;
}

/* Waits up to secs for the child to be reaped; its exit status or -1. */
static int wait_status(struct pty *p, double secs)
{
    double deadline = now_s() + secs;
    while (!pty_reap(p) && now_s() < deadline)
        usleep(2000);
    return pty_exit_status(p);
}

/* Runs argv to the end; returns its status and its output in *o (caller frees o->buf). */
static int run(const char *const *argv, struct out *o)
{
    struct pty *p = pty_spawn(argv, 80, 24, NULL);
    REQUIRE(p);
    CHECK(pump_until(p, o, NULL, true, 10));
    int status = wait_status(p, 5);
    pty_destroy(p);
    return status;
}

static void test_echo(void)
{
    struct out o = {0};
    const char *argv[] = {"echo", "hi", NULL};
    CHECK_EQ(run(argv, &o), 0);
    CHECK_STR(o.buf, "hi\r\n"); /* the line discipline's ONLCR, as a terminal expects */
    free(o.buf);
}

static void test_exit_status(void)
{
    struct out o = {0};
    const char *argv[] = {"sh", "-c", "exit 3", NULL};
    CHECK_EQ(run(argv, &o), 3);
    free(o.buf);
    const char *killed[] = {"sh", "-c", "kill -TERM $$", NULL};
    CHECK_EQ(run(killed, &o), 128 + SIGTERM);
    free(o.buf);
}

static void test_not_executable(void)
{
    struct out o = {0};
    const char *argv[] = {"boundterm-no-such-program", "x", NULL};
    struct pty *p = pty_spawn(argv, 80, 24, NULL);
    REQUIRE(p);
    CHECK_EQ(pty_exec_error(p), ENOENT); /* known at once, for the window's message */
    CHECK(pump_until(p, &o, NULL, true, 10));
    CHECK_EQ(wait_status(p, 5), 127);
    pty_destroy(p);
    CHECK(o.buf && strstr(o.buf, "boundterm: cannot run 'boundterm-no-such-program': "
                                 "No such file or directory\r\n"));
    free(o.buf);
    o = (struct out){0};
    const char *dir[] = {"/", NULL};
    CHECK_EQ(run(dir, &o), 127);
    CHECK(o.buf && strstr(o.buf, "cannot run '/': Permission denied"));
    free(o.buf);
    const char *sh[] = {"sh", "-c", "exit 0", NULL};
    p = pty_spawn(sh, 80, 24, NULL);
    REQUIRE(p);
    CHECK_EQ(pty_exec_error(p), 0);
    pty_destroy(p);
}

static void test_resize(void)
{
    struct out o = {0};
    const char *argv[] = {"sh", "-c", "stty size; read x; stty size", NULL};
    struct pty *p = pty_spawn(argv, 80, 24, NULL);
    REQUIRE(p);
    CHECK(pump_until(p, &o, "24 80\r\n", true, 5));
    CHECK(pty_resize(p, 100, 30));
    CHECK(pty_write(p, "\n", 1));
    CHECK(pump_until(p, &o, "30 100\r\n", true, 5));
    CHECK(pump_until(p, &o, NULL, true, 5));
    CHECK_EQ(wait_status(p, 5), 0);
    pty_destroy(p);
    free(o.buf);
}

static void test_env(void)
{
    struct out o = {0};
    setenv("LINES", "99", 1);
    setenv("BT_TEST_GONE", "1", 1);
    const char *argv[] = {"sh", "-c", "echo \"[$TERM $COLORTERM ${LINES-unset} $FOO "
                                      "${BT_TEST_GONE-unset}]\"", NULL};
    const char *env[] = {"FOO=bar", "BT_TEST_GONE", NULL};
    struct pty *p = pty_spawn(argv, 80, 24, env);
    REQUIRE(p);
    CHECK(pump_until(p, &o, NULL, true, 5));
    CHECK(o.buf && strstr(o.buf, "[xterm-256color truecolor unset bar unset]"));
    CHECK_EQ(wait_status(p, 5), 0);
    pty_destroy(p);
    free(o.buf);
}

/* Bytes and lines that cmd writes to a pipe. */
static void pipe_count(const char *cmd, size_t *bytes, size_t *lines)
{
    static char buf[65536];
    FILE *f = popen(cmd, "r");
    REQUIRE(f);
    size_t n;
    *bytes = *lines = 0;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        *bytes += n;
        for (size_t i = 0; i < n; i++)
            *lines += buf[i] == '\n';
    }
    pclose(f);
}

/* 10 MiB of zeros through od -v: every byte must arrive, each '\n' as "\r\n". */
static void test_large_output(void)
{
    static const char cmd[] = "head -c 10485760 /dev/zero | od -v";
    struct out o = {0};
    const char *argv[] = {"sh", "-c", cmd, NULL};
    size_t bytes, lines;
    pipe_count(cmd, &bytes, &lines);
    CHECK_EQ(lines, 655361);
    struct pty *p = pty_spawn(argv, 80, 24, NULL);
    REQUIRE(p);
    CHECK(pump_until(p, &o, NULL, false, 60));
    CHECK_EQ(o.lines, lines);
    CHECK_EQ(o.len, bytes + lines);
    CHECK_EQ(wait_status(p, 5), 0);
    pty_destroy(p);
}

/* A write larger than the kernel takes is queued and delivered whole, in order. */
static void test_pending_write(void)
{
    enum { N = 300000 };
    struct out o = {0};
    const char *argv[] = {"sh", "-c", "stty raw -echo; echo ready; sleep 0.2; "
                                      "head -c 300000 | wc -c; head -c 1; echo .", NULL};
    struct pty *p = pty_spawn(argv, 80, 24, NULL);
    REQUIRE(p);
    CHECK(pump_until(p, &o, "ready", true, 5));
    char *big = malloc(N);
    REQUIRE(big);
    memset(big, 'x', N);
    CHECK(pty_write(p, big, N));
    CHECK(pty_pending(p)); /* the pty's input buffer is far smaller than 300 kB */
    CHECK(pty_write(p, "Q", 1)); /* queued behind the rest: the second head must get it */
    CHECK(pump_until(p, &o, "300000\nQ.", true, 10));
    CHECK(!pty_pending(p));
    pty_destroy(p);
    free(big);
    free(o.buf);
}

/* A child that never reads: the queue stops at its cap instead of growing without end. */
static void test_pending_cap(void)
{
    enum { N = 3 << 20 };
    const char *argv[] = {"sleep", "100", NULL};
    struct pty *p = pty_spawn(argv, 80, 24, NULL);
    REQUIRE(p);
    char *big = calloc(1, N);
    REQUIRE(big);
    CHECK(!pty_write(p, big, N));
    CHECK(!pty_write(p, big, N));
    CHECK(pty_write(p, "x", 0)); /* nothing to add always fits */
    pty_destroy(p);
    free(big);
}

static void test_hangup(void)
{
    const char *argv[] = {"sleep", "100", NULL};
    struct pty *p = pty_spawn(argv, 80, 24, NULL);
    REQUIRE(p);
    CHECK(!pty_reap(p));
    CHECK_EQ(pty_exit_status(p), -1);
    pty_hangup(p);
    CHECK_EQ(pty_fd(p), -1);
    CHECK_EQ(wait_status(p, 5), 128 + SIGHUP);
    char b[16];
    CHECK_EQ(pty_read(p, b, sizeof(b)), -1);
    CHECK(!pty_write(p, "x", 1));
    pty_destroy(p);
    pty_destroy(NULL);
}

/* A child that ignores SIGHUP is killed by pty_destroy after its grace period. */
static void test_destroy_stubborn(void)
{
    const char *argv[] = {"sh", "-c", "trap '' HUP; echo ready; sleep 100", NULL};
    struct out o = {0};
    struct pty *p = pty_spawn(argv, 80, 24, NULL);
    REQUIRE(p);
    CHECK(pump_until(p, &o, "ready", true, 5));
    double t0 = now_s();
    pty_destroy(p);
    CHECK(now_s() - t0 < 3);
    free(o.buf);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* the child must still see SIGPIPE's default */
    test_echo();
    test_exit_status();
    test_not_executable();
    test_resize();
    test_env();
    test_large_output();
    test_pending_write();
    test_pending_cap();
    test_hangup();
    test_destroy_stubborn();
    return check_done();
}
