/*
 * The command tracker (commands.h): marks and the foreground group say when a command runs,
 * /proc says how much memory its processes hold.
 */
#include "commands.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define LOOK_NS 20000000ull  /* after activity, the foreground group is looked at this soon, */
#define LOOK_AGAIN_NS 100000000ull /* and again at this pace, */
#define LOOK_FOR_NS 1000000000ull  /* for this long after the last activity; */
#define LOOK_SLACK_NS 80000000ull  /* a look rides on any turn from then to this much later, */
                                   /* a timer of its own only when no turn came (typing) */
#define FIRST_SAMPLE_NS 10000000ull /* the first samples come sooner: 10, 20, 40 ms */
#define MAX_PROCS 4096       /* processes of one command followed, at most */

struct commands {
    pid_t shell;
    int master;
    bool marked;          /* the shell sends OSC 133 C and D: they say when commands run */
    struct command_info cur, last;
    bool have_cur, have_last;
    unsigned samples;     /* taken of cur */
    pid_t group;          /* without marks: the foreground group cur runs in */
    uint64_t next_sample; /* UINT64_MAX: none due */
    uint64_t next_look;   /* UINT64_MAX: none due */
    uint64_t look_until;  /* the foreground group is looked at until then (activity) */
    char line_name[64];   /* the first word of the command line, for the next command */
    bool named;           /* cur's name came from its command line: samples keep it */
    uint64_t sampled_at;  /* the last sample, which a flood of marks does not repeat */
};

struct commands *commands_create(pid_t shell, int master, uint64_t now)
{
    struct commands *c = calloc(1, sizeof *c);
    if (c) {
        c->shell = shell;
        c->master = master;
        c->next_sample = UINT64_MAX;
        /* a program may start at once, before any byte comes or goes: look from the start */
        c->next_look = now;
        c->look_until = now + LOOK_FOR_NS;
    }
    return c;
}

void commands_destroy(struct commands *c)
{
    free(c);
}

/* ---- /proc ------------------------------------------------------------------ */

/* Reads a small /proc file into buf (NUL-terminated); its length, or -1. */
static ssize_t read_proc(pid_t pid, const char *what, char *buf, size_t cap)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

/* The number after `key` in /proc's status text, or 0. */
static uint64_t status_field(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* A process's resident and peak bytes and its process group; false when it is gone. */
static bool proc_memory(pid_t pid, uint64_t *rss, uint64_t *hwm, pid_t *pgid)
{
    char buf[4096];
    if (read_proc(pid, "status", buf, sizeof buf) <= 0)
        return false;
    *rss = status_field(buf, "\nVmRSS:") * 1024;
    *hwm = status_field(buf, "\nVmHWM:") * 1024;
    *pgid = (pid_t)status_field(buf, "\nNSpgid:");
    return true;
}

/* pid's children (its main thread's, /proc/PID/task/PID/children) appended to out. */
static size_t proc_children(pid_t pid, pid_t *out, size_t n, size_t cap)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "task/%d/children", (int)pid);
    if (read_proc(pid, path, buf, sizeof buf) <= 0)
        return n;
    for (char *p = buf, *end; n < cap; p = end) {
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        out[n++] = (pid_t)v;
    }
    return n;
}

/* A name's character as --stats and the overlay show it: printable ASCII without " and \. */
static char name_char(char ch)
{
    return ch > ' ' && ch < 0x7f && ch != '"' && ch != '\\' ? ch : '?';
}

/* A process's name for people: the base name of its first argument, printable ASCII. */
static void proc_name(pid_t pid, char *out, size_t cap)
{
    char buf[256];
    ssize_t n = read_proc(pid, "cmdline", buf, sizeof buf);
    if (n <= 0 && (n = read_proc(pid, "comm", buf, sizeof buf)) > 0)
        buf[strcspn(buf, "\n")] = '\0';
    if (n <= 0)
        return;
    const char *base = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
    size_t k = 0;
    for (; base[k] && k + 1 < cap; k++) /* a program names itself: nothing to trust */
        out[k] = name_char(base[k]);
    out[k] = '\0';
}

/* What a walk over processes found. */
struct tree {
    uint64_t rss, hwm_max; /* the sum of their resident bytes; the largest single peak */
    pid_t first;
};

/*
 * Adds process pid when it is of process group `group` (0: any) and pushes its children onto
 * the stack (*n of them, room for MAX_PROCS); false when it is gone or of another group.
 */
static bool tree_add(pid_t pid, pid_t group, pid_t *stack, size_t *n, struct tree *t)
{
    uint64_t rss, hwm;
    pid_t pgid;
    if (!proc_memory(pid, &rss, &hwm, &pgid) || (group && pgid != group))
        return false;
    t->rss += rss;
    t->hwm_max = hwm > t->hwm_max ? hwm : t->hwm_max;
    if (!t->first)
        t->first = pid;
    *n = proc_children(pid, stack, *n, MAX_PROCS);
    return true;
}

/*
 * The command's processes: the shell's children (those of the foreground group when the shell
 * runs commands in groups of their own, not its background jobs) and everything below them.
 */
static void sample(struct commands *c, uint64_t now)
{
    pid_t *stack = malloc(MAX_PROCS * sizeof *stack), roots[256];
    if (!stack)
        return;
    pid_t fg = tcgetpgrp(c->master), group = fg > 0 && fg != c->shell ? fg : 0;
    size_t nroots = proc_children(c->shell, roots, 0, sizeof roots / sizeof *roots), n = 0;
    struct tree t = {0};
    for (size_t i = 0; i < nroots; i++)
        tree_add(roots[i], group, stack, &n, &t);
    for (size_t seen = 0; n > 0 && seen < MAX_PROCS; seen++) /* below them: all the command's */
        tree_add(stack[--n], 0, stack, &n, &t);
    free(stack);
    struct command_info *cur = &c->cur;
    cur->rss = t.rss;
    uint64_t peak = t.rss > t.hwm_max ? t.rss : t.hwm_max;
    cur->peak_rss = peak > cur->peak_rss ? peak : cur->peak_rss;
    if (t.first && !c->named) /* the newest name: a fork becomes the program it runs */
        proc_name(t.first, cur->argv0, sizeof cur->argv0);
    c->samples++;
    c->sampled_at = now;
    c->next_sample = now + (c->samples < 4 ? FIRST_SAMPLE_NS << (c->samples - 1)
                                           : COMMANDS_SAMPLE_NS);
}

/* ---- Commands begin and end ------------------------------------------------------ */

static void begin(struct commands *c, uint64_t now)
{
    c->cur = (struct command_info){.running = true, .exit_status = -1, .start_ns = now};
    c->have_cur = true;
    c->samples = 0;
    /* the first sample at the session's next turn, but never more often than every 10 ms:
     * a program printing OSC 133 C in a loop must not turn into a /proc scan per mark */
    c->next_sample = c->sampled_at + FIRST_SAMPLE_NS > now ? c->sampled_at + FIRST_SAMPLE_NS
                                                           : now;
}

static void end(struct commands *c, int32_t exit_status, uint64_t now)
{
    c->cur.running = false;
    c->cur.exit_status = exit_status;
    c->cur.end_ns = now;
    c->cur.rss = 0;
    c->last = c->cur;
    c->have_last = true;
    c->next_sample = UINT64_MAX;
}

bool commands_mark(struct commands *c, uint32_t mark, struct sb_command *cmd, uint64_t now)
{
    if (mark == SB_ROW_MARK_OUTPUT) {
        c->marked = true;
        begin(c, now);
        memcpy(c->cur.argv0, c->line_name, sizeof c->cur.argv0);
        c->named = c->line_name[0] != '\0';
        c->line_name[0] = '\0';
    } else if (mark == SB_ROW_MARK_END && cmd) {
        if (!c->have_cur || !c->cur.running)
            return false; /* an end with no command: a shell's first prompt, say */
        end(c, cmd->exit_status, now);
        uint64_t ms = (now - c->last.start_ns) / 1000000;
        cmd->duration_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
        cmd->peak_rss = c->last.peak_rss;
        return true;
    }
    return false;
}

void commands_line(struct commands *c, const char *text, size_t len)
{
    size_t i = 0, k = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\0'))
        i++;
    for (; i < len && text[i] != ' ' && text[i] != '\0' && k + 1 < sizeof c->line_name; i++)
        c->line_name[k++] = name_char(text[i]);
    c->line_name[k] = '\0';
    const char *slash = strrchr(c->line_name, '/'); /* /usr/bin/ls is ls */
    if (slash)
        memmove(c->line_name, slash + 1, strlen(slash));
}

void commands_activity(struct commands *c, uint64_t now)
{
    c->look_until = now + LOOK_FOR_NS;
    if (!c->marked && c->next_look == UINT64_MAX)
        c->next_look = now + LOOK_NS;
}

/* Without marks: a command runs while the foreground group is not the shell's. */
static void look(struct commands *c, uint64_t now)
{
    c->next_look = now < c->look_until ? now + LOOK_AGAIN_NS : UINT64_MAX;
    if (c->marked) {
        c->next_look = UINT64_MAX;
        return;
    }
    pid_t fg = tcgetpgrp(c->master);
    bool running = fg > 0 && fg != c->shell;
    bool was = c->have_cur && c->cur.running;
    if (was && (!running || fg != c->group))
        end(c, -1, now);
    if (running && (!was || fg != c->group)) {
        begin(c, now);
        c->named = false;
        c->group = fg;
        proc_name(fg, c->cur.argv0, sizeof c->cur.argv0);
    }
}

void commands_tick(struct commands *c, uint64_t now)
{
    if (now >= c->next_look)
        look(c, now);
    if (now >= c->next_sample && c->have_cur && c->cur.running) {
        sample(c, now);
        if (!c->marked)
            look(c, now); /* it may have ended without a byte written */
    }
}

uint64_t commands_deadline(const struct commands *c)
{
    uint64_t look = c->next_look == UINT64_MAX ? UINT64_MAX : c->next_look + LOOK_SLACK_NS;
    return look < c->next_sample ? look : c->next_sample;
}

bool commands_current(const struct commands *c, struct command_info *out)
{
    if (c->have_cur)
        *out = c->cur;
    return c->have_cur;
}

bool commands_last(const struct commands *c, struct command_info *out)
{
    if (c->have_last)
        *out = c->last;
    return c->have_last;
}
