/*
 * Headless mode: a session (session.h: the store, the engine, the pty) and one
 * poll() loop over the pty master and the session's signalfd.
 *
 * Signals are blocked before the store starts its thread and taken from the
 * signalfd in the loop: SIGCHLD reaps, SIGINT/SIGTERM/SIGHUP end the session.
 * The session ends when the child has exited and the pty reads EIO (every
 * holder of the slave is gone and its bytes are read), or SESSION_DRAIN_NS
 * after the child's exit when a background process still holds the terminal.
 */
#include "headless.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "pty.h"
#include "session.h"

#define READ_MAX (256u * 1024)

/* Milliseconds until deadline (0 when past), for poll(). */
static int ms_until(uint64_t deadline, uint64_t now)
{
    return deadline <= now ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/* The poll timeout: the next stats line, or the end of the drain grace, or none. */
static int loop_timeout(const struct session *s, uint64_t next_stats, uint64_t reaped_at,
                        uint64_t now)
{
    int timeout = s->stats_fd >= 0 ? ms_until(next_stats, now) : -1;
    if (reaped_at) {
        int drain = ms_until(reaped_at + SESSION_DRAIN_NS, now);
        timeout = timeout < 0 || drain < timeout ? drain : timeout;
    }
    return timeout;
}

/* The event loop: until the child is gone and its output drained, or a signal. */
static void session_loop(struct session *s)
{
    uint64_t next_stats = s->start_ns + SESSION_STATS_NS, reaped_at = 0;
    bool eof = false;
    for (;;) {
        uint64_t now = session_now_ns();
        if (s->stats_fd >= 0 && now >= next_stats) {
            session_stats_write(s, false);
            next_stats = now + SESSION_STATS_NS;
        }
        if (pty_exit_status(s->pty) >= 0 && !reaped_at)
            reaped_at = now;
        if (s->signal || (reaped_at && (eof || now >= reaped_at + SESSION_DRAIN_NS)))
            break;
        short out = pty_pending(s->pty) ? POLLOUT : 0;
        struct pollfd fds[2] = {{.fd = s->sigfd, .events = POLLIN},
                                {.fd = eof ? -1 : pty_fd(s->pty), .events = POLLIN | out}};
        if (poll(fds, 2, loop_timeout(s, next_stats, reaped_at, now)) < 0 && errno != EINTR) {
            fprintf(stderr, "boundterm: poll: %s\n", strerror(errno));
            break;
        }
        if (fds[0].revents)
            session_signals(s);
        if (fds[1].revents & POLLOUT)
            pty_flush(s->pty);
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
            eof = session_pump(s, READ_MAX) < 0;
    }
}

int headless_run(const struct bt_config *cfg, int cell_w, int cell_h)
{
    struct session s;
    int status = SESSION_EXIT_FAILED;
    if (session_open(&s, cfg, NULL)) {
        session_set_cell_pixels(&s, cell_w, cell_h);
        session_loop(&s);
        status = session_finish(&s);
    }
    session_close(&s);
    return status;
}
