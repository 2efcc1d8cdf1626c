/*
 * pty_drain: runs a command on a new 80x24 pty and drains the master, discarding what it
 * reads: the kernel's pty ceiling for bench/pty.sh. With --sleep-us N it sleeps N
 * microseconds after each read that returned less than a full buffer (so the writer can
 * fill the pty before the next wake-up). Prints the bytes read to stdout.
 * Usage: pty_drain [--sleep-us N] CMD [ARGS...]
 */
#include <errno.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF (1u << 20)

int main(int argc, char **argv)
{
    long sleep_us = 0;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--sleep-us") == 0) {
        sleep_us = atol(argv[2]);
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: pty_drain [--sleep-us N] CMD [ARGS...]\n");
        return 2;
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
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) /* EIO: every holder of the slave is gone */
            break;
        total += (unsigned long long)n;
        if (sleep_us > 0 && (size_t)n < sizeof buf)
            nanosleep(&(struct timespec){0, sleep_us * 1000}, NULL);
    }
    waitpid(pid, NULL, 0);
    printf("%llu\n", total);
    return 0;
}
