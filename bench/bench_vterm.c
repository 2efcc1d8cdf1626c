/*
 * bench_vterm: how fast bytes become screen rows, for the same input through
 *   state   libvterm's VTermState alone, with a no-op function for each of the eleven
 *           callbacks boundterm's grid installs (putglyph, movecursor, scrollrect, erase,
 *           initpen, setpenattr, settermprop, bell, resize, setlineinfo; moverect NULL as in
 *           the grid) plus a no-op output callback: libvterm's parser and state machine making
 *           the same calls into an engine that does nothing. This is "the VTermState-only
 *           ceiling" the ratios below divide by: any engine on VTermState pays these calls;
 *   state-null  VTermState with no callbacks at all (NULL): libvterm skips the calls, so this
 *           is a little faster and not reachable by an engine that keeps a screen; printed so
 *           the gap between the two is visible,
 *   screen  libvterm's VTermScreen with a no-op sb_pushline (what boundterm replaced),
 *   term    boundterm's engine (VTermState + grid) with no scrollout hook,
 *   term+sb the same with scrollout hooks that do nothing, wired as boundterm wires them
 *           (plain rows as text, the others as the store's cells): what the engine pays
 *           before the store,
 *   term+store  the same with boundterm's real scrollback store behind it (default
 *           configuration: 64 MiB of RAM, spilling to /tmp), i.e. headless boundterm
 *           without the pty. Its compression runs on the store's worker thread, so its
 *           CPU figure is the input thread's (the critical path) and wall time is shown too.
 * Usage: bench_vterm [--onlcr] [--only NAME[,NAME...]] FILE [MB [RUNS [ROWS COLS]]]
 * --only runs just those engines (e.g. for perf record). --onlcr turns each LF of the file into
 * CR LF first, as a pty's ONLCR does for a program's output on its way to a terminal: without
 * it od's LF-only lines start where the last one ended, and every line wraps.
 * The file is read into memory and fed in 64 KiB chunks, from the start again until at least
 * MB megabytes (default 100, at least the file once) went through; each engine runs RUNS
 * times (default 5) interleaved, and the median is printed, in MB/s of CPU time (the machine
 * may be shared; wall-clock figures are printed alongside).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vterm.h>

#include "boundterm/scrollback.h"
#include "term.h"

#define CHUNK (64 * 1024)

enum { N_ENGINES = 6, MAX_RUNS = 64 };

struct input {
    const char *buf;
    size_t len;
    size_t total; /* bytes per run */
};

/* Calls feed(ctx, chunk) over the input until in->total bytes went through. */
static void feed_all(const struct input *in, void (*feed)(void *, const char *, size_t),
                     void *ctx)
{
    size_t done = 0, off = 0;
    while (done < in->total) {
        size_t n = in->len - off < CHUNK ? in->len - off : CHUNK;
        if (n > in->total - done)
            n = in->total - done;
        feed(ctx, in->buf + off, n);
        done += n;
        off = off + n == in->len ? 0 : off + n;
    }
}

/* ---- The engines ------------------------------------------------------- */

static int s_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
    return 1;
}

static int s_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
    return 1;
}

static int s_scrollrect(VTermRect rect, int downward, int rightward, void *user)
{
    return 1;
}

static int s_erase(VTermRect rect, int selective, void *user)
{
    return 1;
}

static int s_initpen(void *user)
{
    return 1;
}

static int s_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
    return 1;
}

static int s_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    return 1;
}

static int s_bell(void *user)
{
    return 1;
}

static int s_resize(int rows, int cols, VTermPos *delta, void *user)
{
    return 1;
}

static int s_setlineinfo(int row, const VTermLineInfo *newinfo, const VTermLineInfo *oldinfo,
                         void *user)
{
    return 1;
}

/* The same set of callbacks as grid.c's state_callbacks, each doing nothing. */
static const VTermStateCallbacks noop_state = {
    .putglyph = s_putglyph,
    .movecursor = s_movecursor,
    .scrollrect = s_scrollrect,
    .moverect = NULL,
    .erase = s_erase,
    .initpen = s_initpen,
    .setpenattr = s_setpenattr,
    .settermprop = s_settermprop,
    .bell = s_bell,
    .resize = s_resize,
    .setlineinfo = s_setlineinfo,
};

static void s_output(const char *s, size_t len, void *user)
{
    (void)s, (void)len, (void)user;
}

static int s_pushline(int cols, const VTermScreenCell *cells, void *user)
{
    return 1;
}

static const VTermScreenCallbacks noop_screen = {.sb_pushline = s_pushline};

static void vt_feed(void *ctx, const char *b, size_t n)
{
    vterm_input_write(ctx, b, n);
}

static void term_feed_cb(void *ctx, const char *b, size_t n)
{
    term_feed(ctx, b, n);
}

static void noop_scrollout(void *user, const struct sb_row *row)
{
    (void)user, (void)row;
}

static void noop_plain(void *user, const char *text, size_t len, uint32_t ncols, uint32_t flags)
{
    (void)user, (void)text, (void)len, (void)ncols, (void)flags;
}

static void store_cells(void *user, const struct sb_row *row)
{
    sb_store_push(user, row); /* as the session does */
}

static void store_plain(void *user, const char *text, size_t len, uint32_t ncols,
                        uint32_t flags)
{
    sb_store_push_plain(user, text, len, ncols, flags);
}

static int g_rows = 24, g_cols = 80;

static void run_state_with(const struct input *in, const VTermStateCallbacks *cb)
{
    VTerm *vt = vterm_new(g_rows, g_cols);
    vterm_set_utf8(vt, 1);
    VTermState *st = vterm_obtain_state(vt);
    vterm_state_set_callbacks(st, cb, NULL);
    if (cb)
        vterm_output_set_callback(vt, s_output, NULL);
    vterm_state_reset(st, 1);
    feed_all(in, vt_feed, vt);
    vterm_free(vt);
}

static void run_state(const struct input *in)
{
    run_state_with(in, &noop_state);
}

static void run_state_null(const struct input *in)
{
    run_state_with(in, NULL);
}

static void run_screen(const struct input *in)
{
    VTerm *vt = vterm_new(g_rows, g_cols);
    vterm_set_utf8(vt, 1);
    VTermScreen *scr = vterm_obtain_screen(vt);
    vterm_screen_set_callbacks(scr, &noop_screen, NULL);
    vterm_screen_enable_altscreen(scr, 1);
    vterm_screen_reset(scr, 1);
    feed_all(in, vt_feed, vt);
    vterm_free(vt);
}

static void run_term(const struct input *in, bool convert)
{
    struct term_callbacks cb = {.scrollout = convert ? noop_scrollout : NULL,
                                .scrollout_plain = convert ? noop_plain : NULL};
    struct term *t = term_create(g_rows, g_cols, &cb, NULL);
    if (!t)
        exit(1);
    feed_all(in, term_feed_cb, t);
    term_destroy(t);
}

static void run_term_plain(const struct input *in)
{
    run_term(in, false);
}

static void run_term_convert(const struct input *in)
{
    run_term(in, true);
}

static void run_term_store(const struct input *in)
{
    struct sb_config cfg;
    sb_config_defaults(&cfg);
    cfg.spill_dir = "/tmp";
    struct sb_store *s;
    if (sb_store_create(&cfg, &s, NULL, 0) != 0)
        exit(1);
    struct term_callbacks cb = {.scrollout = store_cells, .scrollout_plain = store_plain};
    struct term *t = term_create(g_rows, g_cols, &cb, s);
    if (!t)
        exit(1);
    feed_all(in, term_feed_cb, t);
    sb_store_settle(s);
    term_destroy(t);
    sb_store_destroy(s);
}

/* ---- Measuring --------------------------------------------------------- */

static double now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (n <= MAX_RUNS), leaving v in run order. */
static double median(const double *v, int n)
{
    double s[MAX_RUNS];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Reads a whole file into memory; exits on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) || (*len = (size_t)ftell(f)) == 0 || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "bench_vterm: cannot read %s\n", path);
        exit(1);
    }
    char *buf = malloc(*len);
    if (!buf || fread(buf, 1, *len, f) != *len) {
        fprintf(stderr, "bench_vterm: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return buf;
}

enum { E_STATE, E_STATE_NULL, E_SCREEN, E_TERM, E_TERM_SB, E_TERM_STORE };

static const struct {
    const char *name;
    void (*run)(const struct input *);
} engines[N_ENGINES] = {
    {"state", run_state},
    {"state-null", run_state_null},
    {"screen", run_screen},
    {"term", run_term_plain},
    {"term+sb", run_term_convert},
    {"term+store", run_term_store},
};

/* Marks the engines named in a comma-separated list; false when a name is unknown. */
static bool select_engines(const char *list, bool *on)
{
    char *copy = strdup(list), *save = NULL;
    bool ok = copy != NULL;
    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
         tok = strtok_r(NULL, ",", &save)) {
        int e = 0;
        while (e < N_ENGINES && strcmp(engines[e].name, tok) != 0)
            e++;
        if (e == N_ENGINES) {
            fprintf(stderr, "bench_vterm: no engine '%s'\n", tok);
            ok = false;
        } else {
            on[e] = true;
        }
    }
    free(copy);
    return ok;
}

/* Prints a / b as "N.NNx" and "NN%" lines when both engines ran. */
static void print_ratios(const double *m, const bool *on)
{
    if (on[E_SCREEN])
        printf("  vs screen:     term %.2fx   term+sb %.2fx   term+store %.2fx\n",
               m[E_TERM] / m[E_SCREEN], m[E_TERM_SB] / m[E_SCREEN],
               m[E_TERM_STORE] / m[E_SCREEN]);
    if (on[E_STATE])
        printf("  vs state (the VTermState-only ceiling: no-op callbacks):"
               "  term %.0f%%  term+sb %.0f%%  term+store %.0f%%\n",
               100 * m[E_TERM] / m[E_STATE], 100 * m[E_TERM_SB] / m[E_STATE],
               100 * m[E_TERM_STORE] / m[E_STATE]);
    if (on[E_STATE_NULL])
        printf("  vs state-null (no callbacks at all):"
               "  term %.0f%%  term+sb %.0f%%  term+store %.0f%%\n",
               100 * m[E_TERM] / m[E_STATE_NULL], 100 * m[E_TERM_SB] / m[E_STATE_NULL],
               100 * m[E_TERM_STORE] / m[E_STATE_NULL]);
    printf("  (term+store: CPU time of the input thread; the store compresses on its worker)\n");
}

/* LF -> CR LF, as ONLCR; frees buf and returns the new buffer. */
static char *onlcr(char *buf, size_t *len)
{
    size_t lf = 0;
    for (size_t i = 0; i < *len; i++)
        lf += buf[i] == '\n';
    char *out = malloc(*len + lf);
    if (!out)
        exit(1);
    size_t o = 0;
    for (size_t i = 0; i < *len; i++) {
        if (buf[i] == '\n')
            out[o++] = '\r';
        out[o++] = buf[i];
    }
    free(buf);
    *len = o;
    return out;
}

int main(int argc, char **argv)
{
    bool on[N_ENGINES] = {0}, crlf = false;
    if (argc > 1 && strcmp(argv[1], "--onlcr") == 0) {
        crlf = true;
        argc--;
        argv++;
    }
    if (argc > 2 && strcmp(argv[1], "--only") == 0) {
        if (!select_engines(argv[2], on))
            return 2;
        argc -= 2;
        argv += 2;
    } else {
        for (int e = 0; e < N_ENGINES; e++)
            on[e] = true;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: bench_vterm [--onlcr] [--only NAME[,NAME...]] FILE "
                        "[MB [RUNS [ROWS COLS]]]\n");
        return 2;
    }
    struct input in;
    char *file = slurp(argv[1], &in.len);
    in.buf = crlf ? onlcr(file, &in.len) : file;
    double mb = argc > 2 ? atof(argv[2]) : 100;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    if (argc > 5) {
        g_rows = atoi(argv[4]);
        g_cols = atoi(argv[5]);
    }
    if (runs < 1 || runs > MAX_RUNS || g_rows < 1 || g_cols < 1)
        return 2;
    in.total = (size_t)(mb * 1e6);
    if (in.total < in.len)
        in.total = in.len;

    static double cpu[N_ENGINES][MAX_RUNS], wall[N_ENGINES][MAX_RUNS];
    for (int r = 0; r < runs; r++)
        for (int e = 0; e < N_ENGINES; e++) {
            if (!on[e])
                continue;
            double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
            engines[e].run(&in);
            double c = now(CLOCK_THREAD_CPUTIME_ID) - c0, w = now(CLOCK_MONOTONIC) - w0;
            cpu[e][r] = (double)in.total / 1e6 / c;
            wall[e][r] = (double)in.total / 1e6 / w;
        }

    printf("%s%s: %.1f MB per run, %d runs interleaved, %dx%d, 64 KiB chunks; median MB/s\n",
           argv[1], crlf ? " (LF as CR LF)" : "", (double)in.total / 1e6, runs, g_rows, g_cols);
    double m[N_ENGINES] = {0};
    for (int e = 0; e < N_ENGINES; e++) {
        if (!on[e])
            continue;
        m[e] = median(cpu[e], runs);
        printf("  %-10s %7.1f MB/s cpu  %7.1f MB/s wall  (runs:", engines[e].name, m[e],
               median(wall[e], runs));
        for (int r = 0; r < runs; r++)
            printf(" %.1f", cpu[e][r]);
        printf(")\n");
    }
    if (on[E_TERM] && on[E_TERM_SB] && on[E_TERM_STORE])
        print_ratios(m, on);
    free((void *)in.buf);
    return 0;
}
