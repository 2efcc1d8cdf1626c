/*
 * What each command the shell runs costs: its time, exit status and peak memory.
 *
 * A command runs between a shell's OSC 133 C and D marks (commands_mark), or, for a shell
 * without them, while the pty's foreground process group is not the shell's (tcgetpgrp on the
 * master, looked at for a second after each byte to or from the program, and while a command
 * runs). While one runs, the resident memory of its
 * processes (the shell's descendants, those of the foreground group when the shell does job
 * control, and all their children) is sampled from /proc every 100 ms, soon after it starts
 * more often, so the peak is known without the program's help. Nothing here runs when no
 * command does: an idle terminal is not woken.
 */
#ifndef BT_COMMANDS_H
#define BT_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "boundterm/scrollback.h" /* struct sb_command */

#define COMMANDS_SAMPLE_NS 100000000ull /* one sample every 100 ms while a command runs */

struct commands;

/* A command and what is known of it so far. */
struct command_info {
    char argv0[64];     /* its first process's name (cmdline's first word), "" before one ran */
    bool running;
    int32_t exit_status; /* -1 while running or when not known */
    uint64_t start_ns, end_ns; /* end_ns 0 while running */
    uint64_t rss;        /* bytes its processes hold now (0 once ended) */
    uint64_t peak_rss;   /* the most they held at once, as far as the samples saw */
};

/* A tracker for the shell `shell` on the pty master `master`, started at now; NULL when out of
 * memory. */
struct commands *commands_create(pid_t shell, int master, uint64_t now);
void commands_destroy(struct commands *c);

/*
 * The shell marked a row (SB_ROW_MARK_*): OUTPUT starts a command, END ends it and fills
 * cmd's duration and peak memory (the exit status is the mark's) and returns true; false for
 * an END with no command running.
 */
bool commands_mark(struct commands *c, uint32_t mark, struct sb_command *cmd, uint64_t now);

/*
 * The command line as the shell echoed it (from its INPUT mark to its OUTPUT mark): the name
 * of the command that starts next is its first word, whatever processes it runs (a builtin
 * runs none; a fast one may be gone before the first sample).
 */
void commands_line(struct commands *c, const char *text, size_t len);

/* Bytes went to or came from the program: the foreground group may have changed. */
void commands_activity(struct commands *c, uint64_t now);

/* Takes the samples and looks that are due. */
void commands_tick(struct commands *c, uint64_t now);

/*
 * When commands_tick must next run (UINT64_MAX: not until activity or a mark). A look at the
 * foreground group may be done sooner, by any turn after it became due: while keys and
 * echoes wake the loop it needs no wake-up of its own.
 */
uint64_t commands_deadline(const struct commands *c);

/* The running command, or else the last one; false when none has run. */
bool commands_current(const struct commands *c, struct command_info *out);
/* The last command that ended; false when none has. */
bool commands_last(const struct commands *c, struct command_info *out);

#endif
