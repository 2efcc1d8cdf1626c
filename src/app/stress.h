/*
 * boundterm --stress: a headless session flooded by `od -cx /dev/urandom` (or a
 * given program) under the configured budgets, with RES and the store's figures
 * sampled ten times a second, a progress line on a terminal, a summary, and
 * optionally an SVG chart of RES over time.
 *
 * Its own flags (--stress, --bytes, --duration, --plot) are taken out of argv
 * here; the rest goes to bt_config_parse() as a headless command line.
 */
#ifndef BT_STRESS_H
#define BT_STRESS_H

#include <stdbool.h>

/* The run's sampling and bound, the same with one session and with several (stress_sessions.c). */
#define SAMPLE_NS 100000000ull    /* ten samples a second */
#define BASELINE_NS 1000000000ull /* RES one second after start is the bound's base */
#define SLACK_BYTES (8ull << 20)  /* allocator and engine noise over RES at 1 s + the budget */
#define MIB (1024.0 * 1024.0)
#define EXIT_HELD 0
#define EXIT_NOT_HELD 1

/* True when --stress appears among the flags (before any -e). */
bool stress_requested(int argc, char *const *argv);

/*
 * Runs the stress test described by argv and prints its summary on stdout.
 * Returns the exit status for main: 0 when the RES bound held, 1 when it did
 * not, 2 for a bad command line (one line on stderr), 125 when the session
 * could not start.
 */
int stress_main(int argc, char **argv);

#endif
