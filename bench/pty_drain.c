/*
 * pty_drain: runs a command on a new 80x24 pty and drains the master, discarding what it
 * reads: the kernel's pty ceiling for bench/pty.sh. With --sleep-us N it sleeps N
 * microseconds after each read that returned less than a full buffer (so the writer can
 * fill the pty before the next wake-up). Prints the bytes read to stdout.
 *
 * It also models a terminal for bench/pty_model.sh: --work-us N spins N microseconds per
 * 4 KiB read on the reading thread (the terminal's parsing), --worker-us N hands each 64 KiB
 * read to a second thread that spins N microseconds per 4 KiB of it (a store's worker
 * compressing pages). Spinning uses the CPU as real work would and touches no memory, so
 * what changes the rate is only how the threads share the two CPUs with the writer and the
 * kernel's pty worker.
 * Usage: pty_drain [--sleep-us N] [--work-us N] [--worker-us N] CMD [ARGS...]
 */
#include <errno.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF (1u << 20)
#define MODEL_PAGE (64u << 10) /* what --worker-us hands over at a time */

static double work_us, worker_us;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned long pages_pending;
static int draining = 1;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Keeps the CPU busy for us microseconds. */
static void spin(double us)
{
    double until = now_us() + us;
    while (now_us() < until)
        ;
}

static void *worker_main(void *arg)
{
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!pages_pending && draining)
            pthread_cond_wait(&cond, &lock);
        if (!pages_pending)
            break;
        pages_pending--;
        pthread_mutex_unlock(&lock);
        spin(worker_us * MODEL_PAGE / 4096);
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return arg;
}

/* The model's work for n bytes read: the reader's own, and a page for the worker when full. */
static void model(size_t n, size_t *unpaged)
{
    spin(work_us * (double)n / 4096);
    *unpaged += n;
    if (worker_us <= 0 || *unpaged < MODEL_PAGE)
        return;
    *unpaged -= MODEL_PAGE;
    pthread_mutex_lock(&lock);
    pages_pending++;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv)
{
    long sleep_us = 0;
    int first = 1;
    for (; first + 1 < argc && strncmp(argv[first], "--", 2) == 0; first += 2) {
        if (strcmp(argv[first], "--sleep-us") == 0)
            sleep_us = atol(argv[first + 1]);
        else if (strcmp(argv[first], "--work-us") == 0)
            work_us = atof(argv[first + 1]);
        else if (strcmp(argv[first], "--worker-us") == 0)
            worker_us = atof(argv[first + 1]);
        else
            break;
    }
    if (first >= argc || strncmp(argv[first], "--", 2) == 0) {
        fprintf(stderr, "usage: pty_drain [--sleep-us N] [--work-us N] [--worker-us N] CMD "
                        "[ARGS...]\n");
        return 2;
    }
    pthread_t worker;
    if (worker_us > 0 && pthread_create(&worker, NULL, worker_main, NULL) != 0) {
        fprintf(stderr, "pty_drain: cannot start the worker thread\n");
        return 1;
    }
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    int fd;
    pid_t pid = forkpty(&fd, NULL, NULL, &ws);
    if (pid < 0) {
        perror("pty_drain: forkpty");
        return 1;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[first], argv + first);
        _exit(127);
    }
    static char buf[BUF];
    unsigned long long total = 0;
    size_t unpaged = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) /* EIO: every holder of the slave is gone */
            break;
        total += (unsigned long long)n;
        model((size_t)n, &unpaged);
        if (sleep_us > 0 && (size_t)n < sizeof buf)
            nanosleep(&(struct timespec){0, sleep_us * 1000}, NULL);
    }
    waitpid(pid, NULL, 0);
    if (worker_us > 0) {
        pthread_mutex_lock(&lock);
        draining = 0;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&lock);
        pthread_join(worker, NULL);
    }
    printf("%llu\n", total);
    return 0;
}
