/*
 * Headless mode: a session (session.h: the store, the engine, the pty) and one
 * poll() loop over the fds it names.
 *
 * The session ends when the child has exited and its output is read (every
 * holder of the slave is gone), SESSION_DRAIN_NS after the child's exit when a
 * background process still holds the terminal, or on SIGINT/SIGTERM/SIGHUP.
 */
#include "headless.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "session.h"

#define READ_MAX (256u * 1024)

/* The event loop: until the session ends. */
static void session_loop(struct session *s)
{
    for (;;) {
        uint64_t now = session_now_ns();
        session_service(s, now);
        if (session_end(s, now) != SESSION_GOING)
            break;
        struct pollfd fds[SESSION_POLLFDS];
        session_pollfds(s, fds);
        int ready = poll(fds, SESSION_POLLFDS, session_poll_ms(session_deadline(s, now), now));
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "boundterm: poll: %s\n", strerror(errno));
            break;
        }
        if (ready >= 0)
            session_polled(s, fds);
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
            session_pump(s, READ_MAX);
    }
}

int headless_run(const struct bt_config *cfg, int cell_w, int cell_h)
{
    struct session *s = session_open(cfg, NULL, NULL);
    if (!s)
        return SESSION_EXIT_FAILED;
    session_set_cell_pixels(s, cell_w, cell_h);
    session_loop(s);
    int status = session_finish(s);
    session_close(s);
    return status;
}
