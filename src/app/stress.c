/*
 * boundterm --stress (stress.h): one headless session (session.h) driven by its
 * own poll() loop, so it can stop at a byte count or a deadline and sample
 * itself ten times a second.
 *
 * Samples are (time, RES, store RAM, store disk). At most MAX_SAMPLES are
 * kept: when the array fills, every other one is thrown away and only every
 * second later one is kept, so a run of hours stays a few hundred KiB while
 * the peak is still taken from every sample.
 *
 * The bound is issue 3's acceptance: the peak RES (the larger of the sampled
 * peak and the kernel's VmHWM) must not pass RES one second after start + the
 * RAM budget + 8 MiB of slack for allocator and engine noise.
 */
#include "stress.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boundterm/scrollback.h"
#include "config.h"
#include "memstat.h"
#include "session.h"
#include "stress_plot.h"
#include "stress_sessions.h"

#define MAX_SAMPLES 4096
#define DEFAULT_BYTES (1ull << 30)
#define EXIT_USAGE 2

static const char *const default_argv[] = {"od", "-cx", "/dev/urandom", NULL};

struct stress_opts {
    uint64_t bytes;       /* stop after this many bytes of output; 0 = no limit */
    uint64_t duration_ns; /* stop after this long; 0 = no limit */
    const char *plot;     /* --plot FILE.svg, or NULL */
    unsigned sessions;    /* --sessions N: N sessions under one budget (stress_sessions.c) */
};

/* Why a run ended; END_NONE while it goes on. */
enum stress_end { END_NONE, END_PROGRAM, END_BYTES, END_DURATION, END_SIGNAL, END_ERROR };

struct stress {
    struct session *s;
    const struct bt_config *cfg;
    struct stress_opts opt;
    struct sample *samples;
    size_t nsamples;
    uint64_t taken, keep_every; /* samples taken; one in keep_every is stored */
    uint64_t baseline;          /* RES one second after start; 0 before */
    uint64_t peak;              /* the largest sampled RES */
    struct sample last;
    struct sb_stats st; /* the store's figures at the last sample */
    bool tty;
    enum stress_end end;
};

/* ---- Command line ------------------------------------------------------ */

/* Writes a one-line message into err; always returns false. */
static bool usage_fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool usage_fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return false;
}

/* The value of a stress flag at argv[*i] ("--f=v" or "--f v"), or NULL if it has none. */
static const char *flag_value(int argc, char *const *argv, int *i, size_t name_len)
{
    const char *arg = argv[*i];
    if (arg[name_len] == '=')
        return arg[name_len + 1] ? arg + name_len + 1 : NULL;
    /* "--plot -e prog" forgot the value; taking -e would run nothing and write a file "prog". */
    return *i + 1 < argc && strcmp(argv[*i + 1], "-e") != 0 ? argv[++*i] : NULL;
}

/* True when arg is the flag name, alone or with "=value". */
static bool is_flag(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Parses --duration's SECONDS (a positive decimal number) into nanoseconds. */
static bool parse_seconds(const char *text, uint64_t *ns)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v > 0) || v > 1e7)
        return false;
    *ns = (uint64_t)(v * 1e9);
    return *ns > 0;
}

/* Applies one stress flag at argv[*i]; false with a message in err when it is bad. */
static bool stress_flag(struct stress_opts *o, int argc, char *const *argv, int *i, char *err,
                        size_t errlen)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "--stress") == 0)
        return true;
    size_t name_len = strcspn(arg, "=");
    const char *v = flag_value(argc, argv, i, name_len);
    if (!v)
        return usage_fail(err, errlen, "boundterm: %.*s needs a value", (int)name_len, arg);
    if (is_flag(arg, "--plot")) {
        o->plot = v;
    } else if (is_flag(arg, "--sessions")) {
        char *end;
        unsigned long n = strtoul(v, &end, 10);
        if (*end || n < 1 || n > 256)
            return usage_fail(err, errlen, "boundterm: --sessions: '%s' is not 1 to 256", v);
        o->sessions = (unsigned)n;
    } else if (is_flag(arg, "--bytes")) {
        const char *why = bt_parse_size(v, &o->bytes);
        if (why || o->bytes == 0)
            return usage_fail(err, errlen, "boundterm: --bytes: '%s' %s", v,
                              why ? why : "is not a positive size");
    } else if (!parse_seconds(v, &o->duration_ns)) {
        return usage_fail(err, errlen, "boundterm: --duration: '%s' is not a positive number "
                          "of seconds", v);
    }
    return true;
}

bool stress_requested(int argc, char *const *argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "-e") != 0; i++)
        if (strcmp(argv[i], "--stress") == 0)
            return true;
    return false;
}

/* True for the flags stress.c takes for itself. */
static bool is_stress_flag(const char *arg)
{
    return strcmp(arg, "--stress") == 0 || is_flag(arg, "--bytes") ||
           is_flag(arg, "--duration") || is_flag(arg, "--plot") || is_flag(arg, "--sessions");
}

/*
 * Takes the stress flags out of argv into o and writes the rest, as a headless
 * command line with a program (od -cx /dev/urandom by default), into out
 * (room for argc + 5 pointers). Returns its length, or -1 with a message in err.
 */
static int stress_args(int argc, char **argv, struct stress_opts *o, char **out, char *err,
                       size_t errlen)
{
    int n = 0, i = 1;
    bool both = false;
    out[n++] = argv[0];
    out[n++] = "--headless";
    for (; i < argc && strcmp(argv[i], "-e") != 0; i++) {
        if (!is_stress_flag(argv[i])) {
            out[n++] = argv[i];
            continue;
        }
        both |= is_flag(argv[i], "--bytes") ? o->duration_ns != 0
                                             : is_flag(argv[i], "--duration") && o->bytes;
        if (!stress_flag(o, argc, argv, &i, err, errlen))
            return -1;
    }
    if (both) {
        usage_fail(err, errlen, "boundterm: --stress takes --bytes or --duration, not both");
        return -1;
    }
    if (i == argc) {
        out[n++] = "-e";
        for (const char *const *p = default_argv; *p; p++)
            out[n++] = (char *)*p; /* bt_config_parse only reads them */
    }
    for (; i < argc; i++)
        out[n++] = argv[i];
    out[n] = NULL;
    return n;
}

/* ---- Sampling ---------------------------------------------------------- */

/* Stores a sample, halving the stored series when it is full (see the top of the file). */
static void keep_sample(struct stress *st, const struct sample *smp, bool force)
{
    if (st->taken++ % st->keep_every != 0 && !force)
        return;
    if (st->nsamples == MAX_SAMPLES) {
        for (size_t i = 0; i < MAX_SAMPLES / 2; i++)
            st->samples[i] = st->samples[2 * i];
        st->nsamples = MAX_SAMPLES / 2;
        st->keep_every *= 2;
    }
    st->samples[st->nsamples++] = *smp;
}

/* Rewrites the progress line: where the run is and what it holds. */
static void progress(const struct stress *st)
{
    const struct sample *l = &st->last;
    double mb = (double)session_bytes_in(st->s) / 1e6;
    printf("\r%6.1f s %9.1f MB %6.1f MB/s  RES %6.1f MiB (peak %6.1f)  store RAM %6.1f MiB  "
           "disk %7.1f MiB\033[K", l->t, mb, l->t > 0 ? mb / l->t : 0.0, (double)l->rss / MIB,
           (double)st->peak / MIB, (double)l->ram_used / MIB, (double)l->disk_used / MIB);
    fflush(stdout);
}

/* Takes one sample of RES and the store's figures at time now. */
static void sample(struct stress *st, uint64_t now, bool force)
{
    uint64_t since = now - session_started_ns(st->s);
    session_store_stats(st->s, &st->st);
    st->last = (struct sample){.t = (double)since / 1e9, .rss = session_rss(st->s),
                               .ram_used = st->st.ram_used, .disk_used = st->st.disk_used};
    if (!st->baseline && since >= BASELINE_NS)
        st->baseline = st->last.rss;
    if (st->last.rss > st->peak)
        st->peak = st->last.rss;
    keep_sample(st, &st->last, force);
    if (st->tty)
        progress(st);
}

/* ---- The loop ---------------------------------------------------------- */

/* Why the run should stop now, or END_NONE. */
static enum stress_end stop_reason(const struct stress *st, uint64_t now)
{
    enum session_end end = session_end(st->s, now);
    if (end != SESSION_GOING)
        return end == SESSION_SIGNALLED ? END_SIGNAL : END_PROGRAM;
    if (st->opt.bytes && session_bytes_in(st->s) >= st->opt.bytes)
        return END_BYTES;
    if (st->opt.duration_ns && now - session_started_ns(st->s) >= st->opt.duration_ns)
        return END_DURATION;
    return END_NONE;
}

/* Waits for the pty or a signal until the next sample, and reads what came. */
static bool wait_and_pump(struct stress *st, uint64_t next_sample, uint64_t now)
{
    struct session *s = st->s;
    struct pollfd fds[SESSION_POLLFDS];
    session_pollfds(s, fds);
    uint64_t until = session_deadline(s, now);
    if (poll(fds, SESSION_POLLFDS, session_poll_ms(until < next_sample ? until : next_sample,
                                                   now)) < 0 && errno != EINTR) {
        fprintf(stderr, "boundterm: poll: %s\n", strerror(errno));
        return false;
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        /* Never past --bytes, so the figures are for exactly that many bytes. */
        uint64_t left = st->opt.bytes ? st->opt.bytes - session_bytes_in(s) : SIZE_MAX;
        session_pump(s, left < SIZE_MAX ? (size_t)left : SIZE_MAX);
    }
    return true;
}

/* Runs the session until the program ends, a limit is reached or a signal comes. */
static void stress_loop(struct stress *st)
{
    uint64_t next_sample = session_started_ns(st->s);
    for (;;) {
        uint64_t now = session_now_ns();
        if (now >= next_sample) {
            sample(st, now, false);
            next_sample = next_sample + SAMPLE_NS > now ? next_sample + SAMPLE_NS
                                                        : now + SAMPLE_NS;
        }
        session_service(st->s, now);
        st->end = stop_reason(st, now);
        if (st->end != END_NONE)
            return;
        if (!wait_and_pump(st, next_sample, now)) {
            st->end = END_ERROR;
            return;
        }
    }
}

/* ---- The summary ------------------------------------------------------- */

/* RES one second after start, or at the end of a run that ended sooner. */
static uint64_t base_bytes(const struct stress *st)
{
    return st->baseline ? st->baseline : st->last.rss;
}

/* The bound: the base + the RAM budget + the slack. */
static uint64_t bound_bytes(const struct stress *st)
{
    return base_bytes(st) + st->cfg->scrollback_ram + SLACK_BYTES;
}

/* The peak RES: the sampled one, or the kernel's VmHWM when it saw more between samples. */
static uint64_t peak_bytes(const struct stress *st)
{
    uint64_t hwm = session_hwm(st->s);
    return hwm > st->peak ? hwm : st->peak;
}

/* How the run ended, as the end of a sentence. */
static void end_text(const struct stress *st, char *buf, size_t cap)
{
    int status = session_child_status(st->s);
    switch (st->end) {
    case END_BYTES:
        snprintf(buf, cap, "--bytes %.1f MiB reached; the program was hung up",
                 (double)st->opt.bytes / MIB);
        break;
    case END_DURATION:
        snprintf(buf, cap, "--duration %.1f s reached; the program was hung up",
                 (double)st->opt.duration_ns / 1e9);
        break;
    case END_SIGNAL:
        snprintf(buf, cap, "stopped by signal %d (%s)", session_signal(st->s),
                 strsignal(session_signal(st->s)));
        break;
    case END_PROGRAM:
        snprintf(buf, cap, "the program exited early with status %d", status);
        break;
    default:
        snprintf(buf, cap, "the event loop failed");
    }
}

/* Prints the throughput and the rows (first half of the summary). */
static void summary_flow(const struct stress *st, double secs)
{
    const struct sb_stats *ss = &st->st;
    uint64_t rows = ss->rows_retained + ss->rows_dropped;
    printf("  bytes processed:  %" PRIu64 " (%.1f MiB) in %.2f s\n", session_bytes_in(st->s),
           (double)session_bytes_in(st->s) / MIB, secs);
    printf("  rows processed:   %" PRIu64 " (scrolled into the scrollback)\n", rows);
    printf("  throughput:       %.1f MB/s, %.0f rows/s\n",
           (double)session_bytes_in(st->s) / 1e6 / secs, (double)rows / secs);
    printf("  rows in RAM:      %" PRIu64 "\n", ss->rows_ram);
    printf("  rows on disk:     %" PRIu64 "\n", ss->rows_disk);
    printf("  rows dropped:     %" PRIu64 "\n", ss->rows_dropped);
}

/* Prints the memory figures and the verdict (second half of the summary). */
static void summary_memory(const struct stress *st, uint64_t peak, uint64_t bound, bool held)
{
    const struct sb_stats *ss = &st->st;
    double ratio = ss->compressed_bytes ? (double)ss->raw_bytes_stored /
                                          (double)ss->compressed_bytes : 0.0;
    printf("  compression:      %.2fx (%.1f MiB of encoded rows in %.1f MiB)\n", ratio,
           (double)ss->raw_bytes_stored / MIB, (double)ss->compressed_bytes / MIB);
    printf("  store RAM used:   %.1f MiB of the %.1f MiB RAM budget\n",
           (double)ss->ram_used / MIB, (double)ss->ram_budget / MIB);
    if (ss->disk_budget)
        printf("  disk used:        %.1f MiB of the %.1f MiB disk budget\n",
               (double)ss->disk_used / MIB, (double)ss->disk_budget / MIB);
    else
        printf("  disk used:        0 (disk budget 0: no spilling, the oldest rows drop)\n");
    printf("  RES at 1 s:       %.1f MiB%s\n", (double)base_bytes(st) / MIB,
           st->baseline ? "" : " (the run ended sooner: RES at the end)");
    printf("  peak RES:         %.1f MiB (RAM budget %.1f MiB)\n", (double)peak / MIB,
           (double)st->cfg->scrollback_ram / MIB);
    printf("  final RES:        %.1f MiB\n", (double)st->last.rss / MIB);
    printf("  bound:            %s: peak RES %.1f MiB %s RES at 1 s + RAM budget + 8 MiB = "
           "%.1f MiB\n", held ? "held" : "NOT HELD", (double)peak / MIB, held ? "<=" : ">",
           (double)bound / MIB);
}

/* Prints the summary; true when the bound held. */
static bool summary(const struct stress *st)
{
    char how[160];
    uint64_t peak = peak_bytes(st), bound = bound_bytes(st);
    bool held = peak <= bound;
    double secs = st->last.t > 0 ? st->last.t : 1e-9;
    end_text(st, how, sizeof(how));
    if (st->tty)
        printf("\r\033[K");
    printf("boundterm --stress:");
    for (const char *const *a = st->cfg->argv; *a; a++)
        printf(strpbrk(*a, " \t\"'") ? " '%s'" : " %s", *a); /* readable, not shell-exact */
    printf(", %dx%d\n  ended:            %s\n", st->cfg->cols, st->cfg->rows, how);
    summary_flow(st, secs);
    summary_memory(st, peak, bound, held);
    if (st->st.last_error[0])
        printf("  store error:      %s\n", st->st.last_error);
    fflush(stdout);
    return held;
}

/* Writes the chart of the run (stress_plot.c); false (logged) when the file cannot be written. */
static bool plot_write(const struct stress *st, const char *path, bool held)
{
    struct stress_chart c = {
        .samples = st->samples, .nsamples = st->nsamples, .argv = st->cfg->argv,
        .ram_budget = st->cfg->scrollback_ram, .bound = bound_bytes(st),
        .peak = peak_bytes(st), .bytes_in = session_bytes_in(st->s), .seconds = st->last.t,
        .held = held,
    };
    return stress_plot_write(&c, path);
}

/* ---- Entry ------------------------------------------------------------- */

/* Parses the command line into cfg and o; an exit status (2 or 0 for --help) or -1 to go on. */
static int stress_parse(int argc, char **argv, struct bt_config *cfg, struct stress_opts *o,
                        char **args)
{
    struct bt_config_env env;
    char err[512];
    bt_config_env_from_process(&env);
    int n = stress_args(argc, argv, o, args, err, sizeof(err));
    if (n < 0 || !bt_config_parse(cfg, n, args, &env, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return EXIT_USAGE;
    }
    if (cfg->mode == BT_MODE_HELP || cfg->mode == BT_MODE_VERSION) {
        printf("usage: boundterm --stress [--bytes SIZE | --duration SECONDS] [--plot FILE.svg]"
               "\n                 [OPTIONS] [-e PROGRAM ARGS...]\n"
               "Floods a headless session (default: od -cx /dev/urandom, --bytes 1G), samples\n"
               "RES ten times a second and exits 0 only when peak RES <= RES at 1 s + the RAM\n"
               "budget + 8 MiB. OPTIONS as below.\n\n%s", bt_config_help());
        return 0;
    }
    if (!o->bytes && !o->duration_ns)
        o->bytes = DEFAULT_BYTES;
    return -1;
}

/* Runs an opened session to its end and reports; the exit status. */
static int stress_run(struct stress *st)
{
    stress_loop(st);
    if (st->end == END_BYTES || st->end == END_DURATION)
        session_hangup(st->s);
    sample(st, session_now_ns(), true);
    session_finish(st->s); /* the last --stats line and the dump, if asked for */
    bool held = summary(st);
    if (st->opt.plot && !plot_write(st, st->opt.plot, held))
        return SESSION_EXIT_FAILED;
    if (st->end == END_ERROR)
        return SESSION_EXIT_FAILED;
    return held ? EXIT_HELD : EXIT_NOT_HELD;
}

int stress_main(int argc, char **argv)
{
    struct bt_config cfg;
    struct stress st = {.keep_every = 1, .tty = isatty(STDOUT_FILENO)};
    char **args = calloc((size_t)argc + 6, sizeof(*args));
    int status = args ? stress_parse(argc, argv, &cfg, &st.opt, args) : SESSION_EXIT_FAILED;
    if (status >= 0)
        goto done;
    st.cfg = &cfg;
    st.samples = malloc(MAX_SAMPLES * sizeof(*st.samples));
    status = SESSION_EXIT_FAILED;
    if (!st.samples) {
        fprintf(stderr, "boundterm: --stress: out of memory\n");
        goto done;
    }
    if (st.opt.sessions > 1)
        status = stress_sessions_run(&cfg, st.opt.sessions, st.opt.bytes, st.opt.duration_ns);
    else if ((st.s = session_open(&cfg, NULL, NULL)))
        status = stress_run(&st);
    session_close(st.s);
done:
    free(st.samples);
    free(args);
    return status;
}
