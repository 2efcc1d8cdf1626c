/*
 * A store search on a worker (runner.h).
 *
 * The published matches are a list of runs: each run is one chunk's matches,
 * sorted, in an array of its own, and the runs are ordered by position with no
 * overlap (chunks cover disjoint rows). A backward scan adds runs in front of
 * the others and search_extend() adds them at the end; either way one insert
 * moves run descriptors, never matches. Each run knows how many matches come
 * before it, so the place of a match and the match at a place are binary
 * searches over the runs, then within one.
 *
 * Who touches what: the worker alone changes the runs, cur and the fields
 * marked "worker"; it changes the runs and st under the mutex and may read them
 * without it. Readers hold the mutex. search_runner_start() bumps gen; runs
 * belong to pub_gen, and readers see none while the two differ, so a new query
 * shows no old matches even while the worker is still inside a chunk of the
 * old search.
 */
#include "search/runner.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct run {
    struct search_match *m; /* owned */
    size_t n;
    size_t before;          /* matches in the runs before this one */
};

struct search_runner {
    struct sb_store *store;
    enum search_runner_mode mode;
    void (*wake)(void *user);
    void *user;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool thread_started;
    /* Under the mutex. */
    bool quit, poked, handover;
    struct search *next;    /* handed over, not yet taken by the worker */
    uint64_t gen, pub_gen;
    struct run *runs;       /* changed by the worker only */
    size_t nruns, runs_cap;
    struct search_runner_status st;
    /* The worker's. */
    struct search *cur;
    uint64_t cur_gen;
    bool extending;
    uint64_t last_wake;
    struct search_runner_status woke; /* what the last wake-up told */
    /* The status reader's. */
    struct search_runner_status cached;
};

/* CLOCK_MONOTONIC in nanoseconds. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- The list of runs ---------------------------------------------------- */

/* Runs readers may see (none while a new search has not been taken up yet). */
static size_t live_runs(const struct search_runner *r)
{
    return r->pub_gen == r->gen ? r->nruns : 0;
}

/* All matches in the live runs, dropped rows included. */
static size_t total(const struct search_runner *r)
{
    size_t n = live_runs(r);
    return n ? r->runs[n - 1].before + r->runs[n - 1].n : 0;
}

/* The first live run whose last match is at or after (row, byte); live_runs() if none. */
static size_t run_from(const struct search_runner *r, uint64_t row, uint32_t byte)
{
    size_t lo = 0, hi = live_runs(r);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct search_match *last = &r->runs[mid].m[r->runs[mid].n - 1];
        if (search_pos_cmp(last->row, last->byte, row, byte) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The place (0-based, dropped rows included) of the first match at or after (row, byte). */
static size_t index_of(const struct search_runner *r, uint64_t row, uint32_t byte)
{
    size_t k = run_from(r, row, byte);
    if (k == live_runs(r))
        return total(r);
    return r->runs[k].before + search_lower_bound(r->runs[k].m, r->runs[k].n, row, byte);
}

/* The run holding place i (< total). */
static size_t run_of(const struct search_runner *r, size_t i)
{
    size_t lo = 0, hi = live_runs(r);
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->runs[mid].before <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The match at place i (< total). */
static const struct search_match *at(const struct search_runner *r, size_t i)
{
    const struct run *run = &r->runs[run_of(r, i)];
    return &run->m[i - run->before];
}

/* Sets each run's count of matches before it, from run k on. */
static void recount(struct search_runner *r, size_t k)
{
    for (size_t i = k; i < r->nruns; i++)
        r->runs[i].before = i ? r->runs[i - 1].before + r->runs[i - 1].n : 0;
}

/* Removes runs [a, b) (the worker, under the mutex). */
static void remove_runs(struct search_runner *r, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        free(r->runs[i].m);
    memmove(r->runs + a, r->runs + b, (r->nruns - b) * sizeof *r->runs);
    r->nruns -= b - a;
    recount(r, a);
}

/* Inserts a run in order (the worker, under the mutex); false when out of memory. */
static bool insert_run(struct search_runner *r, struct run run)
{
    if (r->nruns == r->runs_cap) {
        size_t cap = r->runs_cap ? r->runs_cap * 2 : 64;
        struct run *grown = realloc(r->runs, cap * sizeof *grown);
        if (!grown)
            return false;
        r->runs = grown;
        r->runs_cap = cap;
    }
    size_t k = run_from(r, run.m[0].row, run.m[0].byte);
    memmove(r->runs + k + 1, r->runs + k, (r->nruns - k) * sizeof *r->runs);
    r->runs[k] = run;
    r->nruns++;
    recount(r, k);
    return true;
}

/* Removes the matches from row cut on (search_extend scans them again). */
static void truncate_runs(struct search_runner *r, uint64_t cut)
{
    size_t k = run_from(r, cut, 0);
    if (k == r->nruns)
        return;
    size_t keep = search_lower_bound(r->runs[k].m, r->runs[k].n, cut, 0);
    if (keep > 0)
        r->runs[k++].n = keep;
    remove_runs(r, k, r->nruns);
}

/* Frees the runs wholly in dropped rows: readers skip them anyway, this returns the memory. */
static void prune_runs(struct search_runner *r, uint64_t floor)
{
    size_t k = 0;
    while (k < r->nruns && r->runs[k].m[r->runs[k].n - 1].row < floor)
        k++;
    if (k > 0)
        remove_runs(r, 0, k);
}

/* ---- The worker ---------------------------------------------------------- */

/* Takes up a handed-over search; false when the runner is to quit. */
static bool adopt(struct search_runner *r)
{
    struct search *old = NULL;
    struct run *runs = NULL;
    size_t nruns = 0;
    pthread_mutex_lock(&r->lock);
    bool quit = r->quit;
    if (r->handover) {
        old = r->cur;
        r->cur = r->next;
        r->next = NULL;
        r->handover = false;
        r->cur_gen = r->pub_gen = r->gen;
        runs = r->runs;
        nruns = r->nruns;
        r->runs = NULL;
        r->nruns = r->runs_cap = 0;
        r->extending = false;
    }
    pthread_mutex_unlock(&r->lock);
    search_destroy(old); /* the old search's memory goes outside the mutex */
    for (size_t i = 0; i < nruns; i++)
        free(runs[i].m);
    free(runs);
    return !quit;
}

/* Copies a chunk's matches into a run of their own; n == 0 when there were none (or no memory). */
static struct run take_run(struct search *s)
{
    const struct search_match *m;
    struct run run = {NULL, search_take(s, &m), 0};
    if (run.n == 0)
        return run;
    run.m = malloc(run.n * sizeof *run.m);
    if (!run.m) {
        fprintf(stderr, "boundterm: search: out of memory for %zu matches\n", run.n);
        run.n = 0;
        return run;
    }
    memcpy(run.m, m, run.n * sizeof *run.m);
    return run;
}

/* Calls wake when the state changed, or on progress once SEARCH_RUNNER_WAKE_NS have passed. */
static void maybe_wake(struct search_runner *r, const struct search_runner_status *st)
{
    const struct search_runner_status *w = &r->woke;
    bool changed = st->state != w->state || st->extending != w->extending ||
                   st->active != w->active;
    bool moved = st->rows_scanned != w->rows_scanned || st->published != w->published;
    uint64_t now = now_ns();
    if (!r->wake || (!changed && (!moved || now - r->last_wake < SEARCH_RUNNER_WAKE_NS)))
        return;
    r->last_wake = now;
    r->woke = *st;
    r->wake(r->user);
}

/* Publishes one chunk's outcome, unless a new search was handed over meanwhile. */
static void publish(struct search_runner *r, struct run run, uint64_t cut,
                    const struct search_progress *p)
{
    struct sb_span span;
    sb_store_span(r->store, &span); /* the store's lock, not under ours */
    uint64_t floor = span.first;
    struct search_runner_status st;
    pthread_mutex_lock(&r->lock);
    bool mine = r->cur_gen == r->gen;
    if (mine) {
        if (cut != UINT64_MAX)
            truncate_runs(r, cut);
        if (run.n > 0 && insert_run(r, run))
            run.n = 0;
        prune_runs(r, floor);
        r->st = (struct search_runner_status){
            .active = true, .state = p->state, .extending = r->extending,
            .rows_scanned = p->rows_scanned, .rows_total = p->rows_total, .published = total(r),
        };
    }
    st = r->st;
    pthread_mutex_unlock(&r->lock);
    if (run.n > 0)
        free(run.m);
    if (mine)
        maybe_wake(r, &st);
}

/* One chunk of the current search, or new rows taken in; false when there is nothing to do. */
static bool work(struct search_runner *r)
{
    if (!adopt(r) || !r->cur)
        return false;
    struct search *s = r->cur;
    struct search_progress p;
    uint64_t cut = UINT64_MAX;
    search_progress(s, &p); /* cheap: the search holds no matches, they are taken */
    if (p.state == SEARCH_DONE) {
        if (!search_extend(s))
            return false;
        r->extending = true;
        cut = search_rescan_row(s);
    } else if (p.state != SEARCH_RUNNING) {
        return false;
    }
    enum search_state state = search_step(s, 1, 0);
    struct run run = take_run(s);
    if (state != SEARCH_RUNNING)
        r->extending = false;
    search_progress(s, &p);
    publish(r, run, cut, &p);
    if (state == SEARCH_FAILED)
        fprintf(stderr, "boundterm: %s\n", search_error(s));
    return state == SEARCH_RUNNING;
}

/*
 * Nice value of the search thread. On a busy 2-core machine the scan competes with the
 * window's own thread and the X server for the CPU; a frame is late when the scan wins.
 * Nice 5 gives the scan a quarter of a contended core and all of an idle one.
 */
enum { SEARCH_THREAD_NICE = 5 };

/* The thread: works while there is work, sleeps until a search, a poke or the end. */
static void *thread_main(void *arg)
{
    struct search_runner *r = arg;
    /* Linux applies a per-thread nice through the thread id; failure only costs frame time. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), SEARCH_THREAD_NICE);
    for (;;) {
        if (work(r))
            continue;
        pthread_mutex_lock(&r->lock);
        while (!r->quit && !r->handover && !r->poked)
            pthread_cond_wait(&r->cond, &r->lock);
        bool quit = r->quit;
        r->poked = false;
        pthread_mutex_unlock(&r->lock);
        if (quit)
            return NULL;
    }
}

/* ---- The public side ----------------------------------------------------- */

struct search_runner *search_runner_create(struct sb_store *store, enum search_runner_mode mode,
                                           void (*wake)(void *user), void *user)
{
    struct search_runner *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "boundterm: search: out of memory\n");
        return NULL;
    }
    *r = (struct search_runner){.store = store, .mode = mode, .wake = wake, .user = user};
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    if (mode == SEARCH_RUNNER_THREAD) {
        int rc = pthread_create(&r->thread, NULL, thread_main, r);
        if (rc != 0) {
            fprintf(stderr, "boundterm: search: cannot start a thread: %s\n", strerror(rc));
            search_runner_destroy(r);
            return NULL;
        }
        r->thread_started = true;
    }
    return r;
}

void search_runner_destroy(struct search_runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->quit = true;
    if (r->cur)
        search_cancel(r->cur);
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    if (r->thread_started)
        pthread_join(r->thread, NULL);
    search_destroy(r->cur);
    search_destroy(r->next);
    for (size_t i = 0; i < r->nruns; i++)
        free(r->runs[i].m);
    free(r->runs);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

void search_runner_start(struct search_runner *r, struct search *s)
{
    pthread_mutex_lock(&r->lock);
    struct search *unused = r->next; /* handed over before and never taken up */
    if (r->cur)
        search_cancel(r->cur); /* the worker frees it when it takes s */
    r->next = s;
    r->handover = true;
    r->gen++;
    r->st = (struct search_runner_status){.active = s != NULL, .state = SEARCH_RUNNING};
    r->cached = r->st;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    search_destroy(unused);
}

void search_runner_poke(struct search_runner *r)
{
    pthread_mutex_lock(&r->lock);
    r->poked = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

bool search_runner_step(struct search_runner *r, uint64_t max_ns)
{
    if (r->mode == SEARCH_RUNNER_INLINE) {
        uint64_t t0 = now_ns();
        while (work(r))
            if (max_ns && now_ns() - t0 >= max_ns)
                break;
    }
    struct search_runner_status st;
    search_runner_status(r, &st);
    return st.active && st.state == SEARCH_RUNNING;
}

void search_runner_status(struct search_runner *r, struct search_runner_status *out)
{
    if (pthread_mutex_trylock(&r->lock) == 0) {
        r->cached = r->st;
        pthread_mutex_unlock(&r->lock);
    }
    *out = r->cached;
}

size_t search_runner_count(struct search_runner *r, uint64_t floor)
{
    pthread_mutex_lock(&r->lock);
    size_t n = total(r) - index_of(r, floor, 0);
    pthread_mutex_unlock(&r->lock);
    return n;
}

bool search_runner_near(struct search_runner *r, uint64_t floor, uint64_t row, uint32_t byte,
                        enum search_dir dir, struct search_match *out)
{
    bool found = false;
    pthread_mutex_lock(&r->lock);
    size_t f = index_of(r, floor, 0), n = total(r), i = index_of(r, row, byte);
    if (dir == SEARCH_FORWARD) {
        if (i < n && search_pos_cmp(at(r, i)->row, at(r, i)->byte, row, byte) == 0)
            i++;
        i = i < f ? f : i;
        if ((found = i < n))
            *out = *at(r, i);
    } else if ((found = i > f)) {
        *out = *at(r, i - 1);
    }
    pthread_mutex_unlock(&r->lock);
    return found;
}

bool search_runner_extreme(struct search_runner *r, uint64_t floor, enum search_dir dir,
                           struct search_match *out)
{
    pthread_mutex_lock(&r->lock);
    size_t f = index_of(r, floor, 0), n = total(r);
    bool found = f < n;
    if (found)
        *out = *at(r, dir == SEARCH_FORWARD ? f : n - 1);
    pthread_mutex_unlock(&r->lock);
    return found;
}

size_t search_runner_place(struct search_runner *r, uint64_t floor, const struct search_match *m)
{
    if (m->row < floor)
        return 0;
    pthread_mutex_lock(&r->lock);
    size_t f = index_of(r, floor, 0), i = index_of(r, m->row, m->byte);
    size_t place = i < total(r) && search_match_same(at(r, i), m) ? i - f + 1 : 0;
    pthread_mutex_unlock(&r->lock);
    return place;
}

/* Makes room for need matches in *buf; false when out of memory. */
static bool reserve(struct search_match **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    struct search_match *grown = realloc(*buf, n * sizeof *grown);
    if (!grown)
        return false;
    *buf = grown;
    *cap = n;
    return true;
}

size_t search_runner_range(struct search_runner *r, uint64_t floor, uint64_t lo, uint64_t hi,
                           struct search_match **buf, size_t *cap)
{
    size_t got = 0;
    lo = lo < floor ? floor : lo;
    pthread_mutex_lock(&r->lock);
    size_t nr = live_runs(r), k = run_from(r, lo, 0);
    size_t j = k < nr ? search_lower_bound(r->runs[k].m, r->runs[k].n, lo, 0) : 0;
    for (; k < nr && r->runs[k].m[j].row <= hi; j = 0, k++) {
        const struct run *run = &r->runs[k];
        size_t e = j + search_lower_bound(run->m + j, run->n - j, hi + 1, 0);
        if (hi == UINT64_MAX)
            e = run->n;
        if (!reserve(buf, cap, got + (e - j))) {
            got = 0;
            break;
        }
        memcpy(*buf + got, run->m + j, (e - j) * sizeof **buf);
        got += e - j;
    }
    pthread_mutex_unlock(&r->lock);
    return got;
}
