/*
 * boundterm --stress --sessions N (stress_sessions.h): one poll() loop over N sessions that
 * share a pool, RES sampled ten times a second from /proc/self.
 */
#include "stress_sessions.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boundterm/scrollback.h"
#include "memstat.h"
#include "session.h"
#include "stress.h"


struct run {
    const struct bt_config *cfg;
    unsigned n;
    struct session **s;
    struct sb_pool *pool;
    struct memstat mem;
    uint64_t bytes, duration_ns, start;
    uint64_t baseline, peak, allowance;
    uint64_t pool_ram_peak, pool_disk_peak;
    bool signalled;
};

static uint64_t bytes_in(const struct run *r)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < r->n; i++)
        sum += r->s[i] ? session_bytes_in(r->s[i]) : 0;
    return sum;
}

/* RES and the pool's figures, for the peaks and the baseline. */
static void sample(struct run *r, uint64_t now)
{
    uint64_t rss = memstat_rss(&r->mem);
    struct sb_pool_stats ps;
    sb_pool_stats(r->pool, &ps);
    r->peak = rss > r->peak ? rss : r->peak;
    r->pool_ram_peak = ps.ram_used > r->pool_ram_peak ? ps.ram_used : r->pool_ram_peak;
    r->pool_disk_peak = ps.disk_used > r->pool_disk_peak ? ps.disk_used : r->pool_disk_peak;
    if (!r->baseline && now - r->start >= BASELINE_NS)
        r->baseline = rss;
}

/* Whether every session's program is gone (or one was signalled). */
static bool all_ended(struct run *r, uint64_t now)
{
    bool all = true;
    for (unsigned i = 0; i < r->n; i++) {
        enum session_end e = session_end(r->s[i], now);
        r->signalled |= e == SESSION_SIGNALLED;
        all &= e != SESSION_GOING;
    }
    return all || r->signalled;
}

/* One turn: service every session, wait for any pty, read what came. */
static bool turn(struct run *r, uint64_t now, uint64_t next_sample)
{
    struct pollfd fds[r->n * SESSION_POLLFDS];
    uint64_t until = next_sample;
    for (unsigned i = 0; i < r->n; i++) {
        session_service(r->s[i], now);
        session_pollfds(r->s[i], fds + i * SESSION_POLLFDS);
        uint64_t d = session_deadline(r->s[i], now);
        until = d < until ? d : until;
    }
    if (poll(fds, r->n * SESSION_POLLFDS, session_poll_ms(until, now)) < 0 && errno != EINTR) {
        fprintf(stderr, "boundterm: poll: %s\n", strerror(errno));
        return false;
    }
    for (unsigned i = 0; i < r->n; i++)
        if (fds[i * SESSION_POLLFDS + 1].revents & (POLLIN | POLLHUP | POLLERR))
            session_pump(r->s[i], 256u << 10);
    return true;
}

/* Runs until --bytes in all, --duration, a signal, or every program's end. */
static bool loop(struct run *r)
{
    uint64_t next_sample = r->start;
    for (;;) {
        uint64_t now = session_now_ns();
        if (now >= next_sample) {
            sample(r, now);
            next_sample = now + SAMPLE_NS;
        }
        if (all_ended(r, now) || (r->bytes && bytes_in(r) >= r->bytes) ||
            (r->duration_ns && now - r->start >= r->duration_ns))
            return true;
        if (!turn(r, now, next_sample))
            return false;
    }
}

/* Each session's figures: a table, then the same as one JSON line. */
static void report_sessions(struct run *r)
{
    char json[256 * 64];
    size_t len = 0;
    printf("  %-8s %12s %10s %10s %10s %10s %9s %9s\n", "session", "bytes", "rows kept",
           "in RAM", "on disk", "dropped", "RAM MiB", "disk MiB");
    for (unsigned i = 0; i < r->n; i++) {
        struct sb_stats st;
        struct sb_span sp;
        session_store_stats(r->s[i], &st);
        sb_store_span(session_store(r->s[i]), &sp);
        printf("  %-8u %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
               " %9.1f %9.1f\n", i, session_bytes_in(r->s[i]), st.rows_retained, st.rows_ram,
               st.rows_disk, st.rows_dropped, (double)st.ram_used / MIB,
               (double)st.disk_used / MIB);
        if (len < sizeof json - 256)
            len += (size_t)snprintf(json + len, sizeof json - len,
                                    "%s{\"session\":%u,\"bytes_in\":%" PRIu64
                                    ",\"rows_retained\":%" PRIu64 ",\"rows_ram\":%" PRIu64
                                    ",\"rows_disk\":%" PRIu64 ",\"rows_dropped\":%" PRIu64
                                    ",\"first_row\":%" PRIu64 ",\"end_row\":%" PRIu64
                                    ",\"ram_used\":%" PRIu64 ",\"disk_used\":%" PRIu64 "}",
                                    i ? "," : "", i, session_bytes_in(r->s[i]),
                                    st.rows_retained, st.rows_ram, st.rows_disk,
                                    st.rows_dropped, sp.first, sp.end, st.ram_used,
                                    st.disk_used);
    }
    printf("sessions: [%s]\n", json);
}

/* Closes the sessions from the last to the first, with RES after each (malloc's free pages
 * handed back first). */
static void close_all(struct run *r)
{
    printf("  RES as sessions close: %.1f MiB", (double)memstat_rss(&r->mem) / MIB);
    for (unsigned i = r->n; i-- > 0;) {
        session_close(r->s[i]);
        r->s[i] = NULL;
        malloc_trim(0);
        printf(", %.1f", (double)memstat_rss(&r->mem) / MIB);
    }
    printf(" MiB\n");
}

/* The summary; true when the bound held. */
static bool summary(struct run *r, double secs)
{
    uint64_t base = r->baseline ? r->baseline : memstat_rss(&r->mem);
    uint64_t hwm = 0;
    memstat_status(&r->mem, NULL, &hwm);
    uint64_t peak = hwm > r->peak ? hwm : r->peak;
    uint64_t bound = base + r->cfg->scrollback_ram + SLACK_BYTES + r->n * r->allowance;
    bool held = peak <= bound;
    printf("boundterm --stress --sessions %u, %dx%d, one RAM budget of %.1f MiB and disk budget "
           "of %.1f MiB for all\n", r->n, r->cfg->cols, r->cfg->rows,
           (double)r->cfg->scrollback_ram / MIB, (double)r->cfg->scrollback_disk / MIB);
    printf("  ended:            %s\n", r->signalled ? "by a signal"
                                      : r->bytes && bytes_in(r) >= r->bytes ? "--bytes reached"
                                      : r->duration_ns ? "--duration reached or programs ended"
                                                       : "the programs ended");
    printf("  bytes processed:  %" PRIu64 " (%.1f MiB) in %.2f s, %.1f MB/s\n", bytes_in(r),
           (double)bytes_in(r) / MIB, secs, (double)bytes_in(r) / 1e6 / secs);
    printf("  store RAM, all:   peak %.1f MiB of %.1f MiB; disk peak %.1f MiB of %.1f MiB\n",
           (double)r->pool_ram_peak / MIB, (double)r->cfg->scrollback_ram / MIB,
           (double)r->pool_disk_peak / MIB, (double)r->cfg->scrollback_disk / MIB);
    printf("  per session:      %.2f MiB of screen, engine and buffers (goal < 1 MiB at 80x24)"
           "\n", (double)r->allowance / MIB);
    printf("  RES at 1 s:       %.1f MiB\n", (double)base / MIB);
    printf("  bound:            %s: peak RES %.1f MiB %s RES at 1 s + RAM budget + 8 MiB + %u x "
           "%.2f MiB = %.1f MiB\n", held ? "held" : "NOT HELD", (double)peak / MIB,
           held ? "<=" : ">", r->n, (double)r->allowance / MIB, (double)bound / MIB);
    report_sessions(r);
    return held;
}

/* Opens the sessions and measures what each costs beyond its store (the allowance). */
static bool open_all(struct run *r)
{
    uint64_t before = memstat_rss(&r->mem), stores = 0;
    for (unsigned i = 0; i < r->n; i++) {
        r->s[i] = session_open_in(r->cfg, NULL, NULL, r->pool, i);
        if (!r->s[i])
            return false;
    }
    for (unsigned i = 0; i < r->n; i++) {
        struct sb_stats st;
        session_store_stats(r->s[i], &st);
        stores += st.ram_used;
    }
    uint64_t grown = memstat_rss(&r->mem) - before;
    r->allowance = grown > stores ? (grown - stores) / r->n : 0;
    return true;
}

int stress_sessions_run(const struct bt_config *cfg, unsigned n, uint64_t bytes,
                        uint64_t duration_ns)
{
    struct run r = {.cfg = cfg, .n = n, .bytes = bytes, .duration_ns = duration_ns};
    r.s = calloc(n, sizeof *r.s);
    int status = 125;
    if (!r.s || !memstat_init(&r.mem) ||
        sb_pool_create(cfg->scrollback_ram, cfg->scrollback_disk, n, &r.pool) != 0) {
        fprintf(stderr, "boundterm: --sessions: cannot share a RAM budget of %" PRIu64
                " bytes among %u sessions\n", cfg->scrollback_ram, n);
        goto out;
    }
    r.start = session_now_ns();
    if (!open_all(&r) || !loop(&r))
        goto out;
    for (unsigned i = 0; i < n; i++)
        session_hangup(r.s[i]);
    sample(&r, session_now_ns());
    status = summary(&r, (double)(session_now_ns() - r.start) / 1e9) ? EXIT_HELD : EXIT_NOT_HELD;
out:
    if (r.s) {
        close_all(&r);
        free(r.s);
    }
    sb_pool_destroy(r.pool);
    memstat_fini(&r.mem);
    fflush(stdout);
    return status;
}
