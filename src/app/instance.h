/*
 * One boundterm per user (single_instance = true, --single-instance): a boundterm started
 * while another of the same user runs asks it, over a Unix socket, to open its window instead,
 * and exits (or, with --wait, waits for that window to close and exits with its status).
 *
 * The socket is $XDG_RUNTIME_DIR/boundterm-instance.sock: that directory is the user's own
 * (0700), the socket is made 0600, and the instance checks every connection's peer with
 * SO_PEERCRED, so another user can never open windows in your process even where the file
 * modes would let them connect.
 *
 * A request is "BT1", then NUL-terminated strings: the working directory, the number of
 * arguments and each (none: the shell), the number of environment entries and each, "wait"
 * or "go". The instance answers "ok PID\n" when the window is open, "no REASON\n" when it is
 * not, and for a waiting client "exit STATUS\n" when the window closes.
 */
#ifndef BT_INSTANCE_H
#define BT_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define INSTANCE_MAX_REQUEST (1u << 20)

/*
 * Hands the window over to a running instance. Returns true when one took it (*status is then
 * the exit status for main: 0, or the window's with wait), false when there is none (become
 * the instance) or single instances are not possible here (no $XDG_RUNTIME_DIR: one note).
 */
bool instance_hand_off(const struct bt_config *cfg, bool wait, int *status);

/* Listens as the instance; the socket's fd (non-blocking), or -1 (logged) when it cannot. */
int instance_listen(const struct bt_config *cfg);
/* Removes the socket (the instance is ending); fd is closed. */
void instance_close(const struct bt_config *cfg, int fd);

/* A request taken from a client of the same user. */
struct instance_request {
    int fd;          /* the connection, for the answer */
    bool wait;       /* the client waits for "exit STATUS" */
    char *cwd;
    char **argv;     /* NULL-terminated; NULL: the shell */
    char **env;      /* NULL-terminated "NAME=value" entries */
    char *blob;      /* owns the strings */
};

/*
 * Accepts one connection on the listening fd and reads its request. false when there was none,
 * the peer is another user (refused, logged) or the request is malformed (answered "no").
 */
bool instance_accept(int listen_fd, struct instance_request *out);
/* Answers the client (one line). */
void instance_answer(int fd, const char *line);
/* Frees a request's strings (not its fd). */
void instance_request_free(struct instance_request *r);

#endif
