/* One boundterm per user (instance.h): the socket, the request and the answers. */
#include "instance.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

/* The socket's address; false without a usable $XDG_RUNTIME_DIR. */
static bool socket_path(const struct bt_config *cfg, struct sockaddr_un *addr)
{
    const char *dir = cfg->env ? cfg->env->xdg_runtime_dir : NULL;
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    return dir && *dir == '/' &&
           snprintf(addr->sun_path, sizeof addr->sun_path, "%s/boundterm-instance.sock", dir) <
               (int)sizeof addr->sun_path;
}

/* Appends a NUL-terminated string to a growing buffer; false when out of memory or too big. */
static bool put(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s) + 1;
    if (*len + n > INSTANCE_MAX_REQUEST)
        return false;
    if (*len + n > *cap) {
        size_t c = (*cap ? *cap * 2 : 4096);
        while (c < *len + n)
            c *= 2;
        char *p = realloc(*buf, c);
        if (!p)
            return false;
        *buf = p;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    return true;
}

/* The request for this process: cwd, argv after -e, the environment, wait or go. */
static char *request(const struct bt_config *cfg, bool wait, size_t *len)
{
    char *buf = NULL, num[24], cwd[4096];
    size_t cap = 0, argc = 0, envc = 0;
    *len = 0;
    bool ok = getcwd(cwd, sizeof cwd) && put(&buf, len, &cap, "BT1") && put(&buf, len, &cap, cwd);
    while (cfg->argv && cfg->argv[argc])
        argc++;
    snprintf(num, sizeof num, "%zu", argc);
    ok = ok && put(&buf, len, &cap, num);
    for (size_t i = 0; ok && i < argc; i++)
        ok = put(&buf, len, &cap, cfg->argv[i]);
    while (environ[envc])
        envc++;
    snprintf(num, sizeof num, "%zu", envc);
    ok = ok && put(&buf, len, &cap, num);
    for (size_t i = 0; ok && i < envc; i++)
        ok = put(&buf, len, &cap, environ[i]);
    ok = ok && put(&buf, len, &cap, wait ? "wait" : "go");
    if (!ok) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Reads one line of the instance's answer into line; false at the end or on error. */
static bool read_line(int fd, char *line, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, line + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return true;
}

bool instance_hand_off(const struct bt_config *cfg, bool wait, int *status)
{
    struct sockaddr_un addr;
    if (!socket_path(cfg, &addr)) {
        fprintf(stderr, "boundterm: single_instance: no $XDG_RUNTIME_DIR, so this one runs on "
                        "its own\n");
        return false;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (fd >= 0)
            close(fd);
        return false; /* none runs: this one becomes the instance */
    }
    size_t len;
    char *req = request(cfg, wait, &len), line[128];
    bool sent = req && write(fd, req, len) == (ssize_t)len;
    free(req);
    shutdown(fd, SHUT_WR);
    bool ok = sent && read_line(fd, line, sizeof line) && !strncmp(line, "ok ", 3);
    if (!ok) {
        fprintf(stderr, "boundterm: the running boundterm did not open the window%s%s\n",
                sent && !strncmp(line, "no ", 3) ? ": " : "", sent && !strncmp(line, "no ", 3)
                                                                  ? line + 3 : "");
        close(fd);
        *status = 125;
        return true;
    }
    *status = 0;
    if (wait)
        *status = read_line(fd, line, sizeof line) && !strncmp(line, "exit ", 5)
                      ? atoi(line + 5) : 125;
    close(fd);
    return true;
}

int instance_listen(const struct bt_config *cfg)
{
    struct sockaddr_un addr;
    if (!socket_path(cfg, &addr))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    mode_t old = umask(0177); /* the socket is born 0600 */
    unlink(addr.sun_path);    /* a stale one: hand_off found nobody listening on it */
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    if (rc != 0 || listen(fd, 8) != 0) {
        fprintf(stderr, "boundterm: single_instance: %s: %s\n", addr.sun_path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void instance_close(const struct bt_config *cfg, int fd)
{
    struct sockaddr_un addr;
    if (fd < 0)
        return;
    close(fd);
    if (socket_path(cfg, &addr))
        unlink(addr.sun_path);
}

void instance_answer(int fd, const char *line)
{
    size_t n = strlen(line);
    if (fd >= 0 && write(fd, line, n) != (ssize_t)n)
        fprintf(stderr, "boundterm: single_instance: a client went away\n");
}

void instance_request_free(struct instance_request *r)
{
    free(r->argv);
    free(r->env);
    free(r->blob);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

/* The next string of the request at *at (of len), or NULL past its end. */
static char *next(char *blob, size_t len, size_t *at)
{
    if (*at >= len)
        return NULL;
    char *s = blob + *at, *nul = memchr(s, 0, len - *at);
    if (!nul)
        return NULL;
    *at = (size_t)(nul - blob) + 1;
    return s;
}

/* n strings of the request into a NULL-terminated array; NULL when they are not all there. */
static char **strings(char *blob, size_t len, size_t *at, size_t n)
{
    char **v = n < INSTANCE_MAX_REQUEST / 2 ? calloc(n + 1, sizeof *v) : NULL;
    for (size_t i = 0; v && i < n; i++)
        if (!(v[i] = next(blob, len, at))) {
            free(v);
            return NULL;
        }
    return v;
}

/* Parses a request read whole; false when it is malformed. */
static bool parse(struct instance_request *r, size_t len)
{
    size_t at = 0;
    char *magic = next(r->blob, len, &at), *count;
    if (!magic || strcmp(magic, "BT1") || !(r->cwd = next(r->blob, len, &at)) ||
        !(count = next(r->blob, len, &at)))
        return false;
    size_t argc = strtoul(count, NULL, 10);
    if (!(r->argv = strings(r->blob, len, &at, argc)) || !(count = next(r->blob, len, &at)))
        return false;
    if (!(r->env = strings(r->blob, len, &at, strtoul(count, NULL, 10))))
        return false;
    char *mode = next(r->blob, len, &at);
    r->wait = mode && !strcmp(mode, "wait");
    if (argc == 0) { /* the shell */
        free(r->argv);
        r->argv = NULL;
    }
    return mode != NULL && at == len;
}

/* Reads the whole request (the client shut its side down), waiting up to a second. */
static ssize_t read_request(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 1000) <= 0)
            return -1;
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return r < 0 ? -1 : (ssize_t)n;
        n += (size_t)r;
        if (n == cap)
            return -1;
    }
}

bool instance_accept(int listen_fd, struct instance_request *out)
{
    memset(out, 0, sizeof *out);
    out->fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (out->fd < 0)
        return false;
    struct ucred cred;
    socklen_t clen = sizeof cred;
    if (getsockopt(out->fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
        cred.uid != getuid()) {
        fprintf(stderr, "boundterm: single_instance: refused a connection from uid %d\n",
                clen == sizeof cred ? (int)cred.uid : -1);
        close(out->fd);
        out->fd = -1;
        return false;
    }
    out->blob = malloc(INSTANCE_MAX_REQUEST);
    ssize_t n = out->blob ? read_request(out->fd, out->blob, INSTANCE_MAX_REQUEST) : -1;
    if (n <= 0 || !parse(out, (size_t)n)) {
        instance_answer(out->fd, "no malformed request\n");
        close(out->fd);
        instance_request_free(out);
        return false;
    }
    return true;
}
