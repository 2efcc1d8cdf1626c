/*
 * The pty: a child program on a pseudo-terminal, its master side non-blocking.
 *
 * pty_spawn() forks a child that is session leader with the pty slave as its
 * controlling terminal and stdin/stdout/stderr. The parent reads the child's
 * output with pty_read() in large chunks, writes to it with pty_write() (bytes
 * the kernel will not take yet wait in a small pending buffer, flushed with
 * pty_flush() when the master becomes writable), and learns the child's exit
 * status with pty_reap(). Exit status: the child's exit code, or 128 + n when
 * signal n killed it, like a shell's $?; 127 when the program could not be
 * run (the child then writes a one-line reason to the terminal, and pty_spawn
 * the same line to stderr: "boundterm: cannot run 'PROG': REASON").
 */
#ifndef BT_PTY_H
#define BT_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pty;

/*
 * Starts argv[0] (searched in $PATH) with argv on a new pty of cols x rows, or
 * /bin/sh when argv is NULL or empty (the configuration resolves $SHELL). The
 * child's environment is ours with TERM=xterm-256color and COLORTERM=truecolor, without LINES, COLUMNS
 * and TERMCAP, then `env` applied in order: "NAME=value" sets, "NAME" unsets
 * (env may be NULL; it is NULL-terminated). A program that cannot be executed
 * is not an error here: the child reports it and exits 127. Returns NULL (one
 * log line) when the pty or the fork fails. Free with pty_destroy().
 */
struct pty *pty_spawn(const char *const *argv, int cols, int rows, const char *const *env);
/* The same with the child's standard input read from stdin_fd (-1: the pty, as above). */
struct pty *pty_spawn_in(const char *const *argv, int cols, int rows, const char *const *env,
                         int stdin_fd);

/* Why the program could not be run (an errno), or 0 when it runs. */
int pty_exec_error(const struct pty *p);

/* Waits (briefly) for the child, killing it if it lingers, and frees p. NULL is a no-op. */
void pty_destroy(struct pty *p);

/* The master fd to poll (non-blocking, close-on-exec), or -1 after pty_hangup(). */
int pty_fd(const struct pty *p);

/*
 * Reads the child's output into buf until it is full or nothing more is ready.
 * Returns the byte count, 0 when nothing is ready now, or -1 at the end: the
 * slave side is closed (every process holding it has gone) and drained.
 */
ssize_t pty_read(struct pty *p, char *buf, size_t cap);

/*
 * Writes len bytes to the child; what the kernel does not take now is queued
 * and sent by pty_flush(), so nothing is lost. false when the queue would pass
 * its cap (1 MiB: the child stopped reading; logged once), on a write error
 * (logged) or after pty_hangup().
 */
bool pty_write(struct pty *p, const void *buf, size_t len);

/*
 * pty_write for what the user sends (a paste): the queue may hold up to 64 MiB, written as
 * fast as the child reads.
 */
bool pty_write_input(struct pty *p, const void *buf, size_t len);

/* Sends queued bytes; false (one log line) on a write error. */
bool pty_flush(struct pty *p);

/* True while bytes wait in the queue (poll the fd for POLLOUT). */
bool pty_pending(const struct pty *p);

/* Tells the kernel the new size; the child gets SIGWINCH. false (one log line) on failure. */
bool pty_resize(struct pty *p, int cols, int rows);

/*
 * Collects the child's exit status if it has exited (never blocks).
 * Returns true once the child has been reaped.
 */
bool pty_reap(struct pty *p);

/* The exit status (0..255) once reaped, else -1. */
int pty_exit_status(const struct pty *p);

/* The child's process id (the shell's, whose process group is its own). */
pid_t pty_pid(const struct pty *p);

/* Closes the master (the kernel hangs up the terminal) and sends SIGHUP to the child's group. */
void pty_hangup(struct pty *p);

#endif
