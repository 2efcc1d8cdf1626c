/*
 * session.c: what a front end's loop relies on between its poll() and its turn. A child's
 * exit is seen whichever session's signalfd took the SIGCHLD (one waitpid a SIGCHLD, not
 * one a turn), and a pty the poll found quiet is not read until a write may have brought an
 * echo, nor is a signalfd the poll found quiet. The command tracker's look at the foreground
 * group rides on the turns that come anyway.
 */
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "boundterm/scrollback.h"
#include "session.h"
#include "../unit/check.h"

static struct bt_config_env env;

/* A headless configuration running sh -c script (argv must outlive the config). */
static struct bt_config config_for(const char **argv)
{
    struct bt_config cfg;
    char err[256] = "";
    int argc = 0;
    while (argv[argc])
        argc++;
    REQUIRE(bt_config_parse(&cfg, argc, (char *const *)argv, &env, err, sizeof err));
    return cfg;
}

/* Services s until its child is gone (true) or secs pass; polls its fds between turns. */
static bool until_gone(struct session *s, struct session *other, double secs)
{
    for (double waited = 0; waited < secs; waited += 0.01) {
        uint64_t now = session_now_ns();
        if (other)
            session_service(other, now); /* it may take the SIGCHLD first */
        session_service(s, now);
        if (session_end(s, now) == SESSION_CHILD_GONE)
            return true;
        struct pollfd fds[SESSION_POLLFDS];
        session_pollfds(s, fds);
        int ready = poll(fds, SESSION_POLLFDS, 10);
        if (ready >= 0)
            session_polled(s, fds);
        if (fds[1].revents)
            session_pump(s, 4096);
    }
    return false;
}

/*
 * Two sessions of a pool; the other one is serviced first every turn, so its signalfd takes
 * the SIGCHLD of this one's child: the child's exit is still seen, with its status.
 */
static void test_sigchld_taken_by_another(void)
{
    const char *quick[] = {"boundterm", "--headless", "-e", "sh", "-c", "sleep 0.2; exit 3", NULL};
    const char *slow[] = {"boundterm", "--headless", "-e", "sh", "-c", "sleep 30", NULL};
    struct bt_config qc = config_for(quick), sc = config_for(slow);
    struct sb_pool *pool = NULL;
    REQUIRE(sb_pool_create(qc.scrollback_ram, qc.scrollback_disk, 2, &pool) == 0);
    struct session *q = session_open_in(&qc, NULL, NULL, pool, 0);
    struct session *s = session_open_in(&sc, NULL, NULL, pool, 1);
    REQUIRE(q && s);
    session_service(q, session_now_ns()); /* its first look, with the child still there */
    CHECK(session_end(q, session_now_ns()) == SESSION_GOING);
    /* the sleeper's session alone takes signals until the quick child has surely exited */
    for (int i = 0; i < 100; i++) {
        session_service(s, session_now_ns());
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    CHECK(until_gone(q, s, 10));
    CHECK_EQ(session_finish_one(q), 3);
    CHECK(session_end(s, session_now_ns()) == SESSION_GOING);
    session_close(q);
    session_close(s); /* hangs the sleeper up */
    sb_pool_destroy(pool);
}

/*
 * A pty the poll found quiet is not read by the next pump (it returns 0 with the bytes
 * still there, and the pump after reads them); a key written meanwhile lifts that, so its
 * echo is read at once.
 */
static void test_quiet_pty(void)
{
    const char *argv[] = {"boundterm", "--headless", "-e", "sh", "-c",
                          "stty raw -echo; echo ready; exec cat", NULL};
    struct bt_config cfg = config_for(argv);
    struct session *s = session_open(&cfg, NULL, NULL);
    REQUIRE(s);
    struct pollfd fds[SESSION_POLLFDS];
    /* the start: read until "ready" came, then nothing is left */
    uint64_t fed = 0;
    for (int i = 0; i < 500 && fed < 6; i++) {
        session_pollfds(s, fds);
        poll(fds, SESSION_POLLFDS, 10);
        long n = session_pump(s, 4096);
        fed += n > 0 ? (uint64_t)n : 0;
    }
    REQUIRE(fed >= 6); /* "ready\n": raw, so no CR */
    struct timespec settle = {0, 50 * 1000 * 1000};
    nanosleep(&settle, NULL);
    while (session_pump(s, 4096) > 0)
        ;
    /* quiet by the poll, then bytes arrive (a paste's echo), unseen until the next pump */
    session_pollfds(s, fds);
    REQUIRE(poll(fds, SESSION_POLLFDS, 0) == 0);
    session_polled(s, fds);
    uint64_t before = session_bytes_in(s);
    CHECK(session_paste(s, "abc", 3, TERM_PASTE_RAW));
    nanosleep(&settle, NULL);
    CHECK_EQ(session_pump(s, 4096), 3); /* the paste lifted the quiet: its echo read at once */
    /* quiet again; the program writes without a key: the first pump skips, the next reads */
    session_pollfds(s, fds);
    REQUIRE(poll(fds, SESSION_POLLFDS, 0) == 0);
    session_polled(s, fds);
    CHECK(session_paste(s, "xy", 2, TERM_PASTE_RAW));
    nanosleep(&settle, NULL);
    session_pollfds(s, fds);
    REQUIRE(poll(fds, SESSION_POLLFDS, 0) == 1); /* the echo is there */
    fds[1].revents = 0;                          /* a poll from before it came */
    session_polled(s, fds);
    CHECK_EQ(session_pump(s, 4096), 0);
    CHECK_EQ(session_pump(s, 4096), 2);
    CHECK_EQ(session_bytes_in(s) - before, 5);
    session_close(s);
}

/*
 * The look at the foreground group (a shell without marks): due 20 ms after activity, then
 * every 100 ms for a second; any turn from then on takes it, and the deadline (a wake-up of
 * its own) is 80 ms later, so keys and echoes carry the looks while someone types.
 */
static void test_look_rides_on_turns(void)
{
    const uint64_t ms = 1000000;
    struct commands *c = commands_create(getpid(), -1, 0);
    REQUIRE(c);
    CHECK_EQ(commands_deadline(c), 80 * ms); /* the first look: at once, or by 80 ms */
    commands_tick(c, 30 * ms);                /* a turn takes it */
    CHECK_EQ(commands_deadline(c), 210 * ms); /* the next due at 130 ms */
    commands_activity(c, 100 * ms);           /* looks go on until 1.1 s */
    commands_tick(c, 120 * ms);               /* not due yet: nothing */
    CHECK_EQ(commands_deadline(c), 210 * ms);
    commands_tick(c, 140 * ms);
    CHECK_EQ(commands_deadline(c), 320 * ms);
    commands_tick(c, 1200 * ms); /* past the second after the activity: the last look */
    CHECK_EQ(commands_deadline(c), UINT64_MAX);
    commands_activity(c, 1300 * ms); /* activity again: due 20 ms on */
    CHECK_EQ(commands_deadline(c), 1400 * ms);
    commands_destroy(c);
}

int main(void)
{
    bt_config_env_from_process(&env);
    env.display = env.wayland_display = NULL;
    test_sigchld_taken_by_another();
    test_quiet_pty();
    test_look_rides_on_turns();
    return check_done();
}
