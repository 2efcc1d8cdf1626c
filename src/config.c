/*
 * Command-line flags -> struct bt_config. Flags live in one table (name,
 * setter, help); both `--flag value` and `--flag=value` are accepted, the last
 * occurrence of a flag wins, and everything after -e is the program and its
 * arguments. Checks that span flags (the RAM minimum, a program to run) are
 * made once at the end, so flag order never matters.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef BT_VERSION
#define BT_VERSION "unknown"
#endif

#define DEFAULT_COLS 80
#define DEFAULT_ROWS 24
#define DEFAULT_RAM (64ull << 20)
#define DEFAULT_DISK (1ull << 30)
#define MAX_DIM 65535       /* what a struct winsize holds */
#define MAX_CELLS (1 << 24) /* keeps a mistyped size from allocating gigabytes of grid */

#define SIZE_EXPECTED "is not a size (expected bytes with an optional K, M or G suffix)"

struct flag;
typedef bool (*flag_setter)(struct bt_config *cfg, const struct flag *f, const char *value,
                            const struct bt_config_env *env, char *err, size_t errlen);

struct flag {
    const char *name;
    flag_setter set; /* NULL: the flag takes no value */
};

/* Writes a formatted one-line message into err; always returns false. */
static bool fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

/* Parses the digits at *s into *out, advancing s; false on no digits or overflow (*overflow). */
static bool parse_digits(const char **s, uint64_t *out, bool *overflow)
{
    uint64_t v = 0;
    const char *p = *s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            *overflow = true;
        else
            v = v * 10 + d;
    }
    if (p == *s)
        return false;
    *s = p;
    *out = v;
    return !*overflow;
}

/* The power-of-1024 shift of a suffix letter, or -1. */
static int suffix_shift(char c)
{
    switch (c) {
    case 'k': case 'K': return 10;
    case 'm': case 'M': return 20;
    case 'g': case 'G': return 30;
    case 't': case 'T': return 40;
    default: return -1;
    }
}

const char *bt_parse_size(const char *text, uint64_t *out)
{
    bool overflow = false;
    uint64_t v;
    const char *s = text;
    if (!parse_digits(&s, &v, &overflow))
        return overflow ? "is too large" : SIZE_EXPECTED;
    int shift = 0;
    if (*s == 'B') {
        s++;
    } else if ((shift = suffix_shift(*s)) > 0) {
        s++;
        if ((s[0] == 'i' || s[0] == 'I') && (s[1] == 'B' || s[1] == 'b'))
            s += 2;
        else if (s[0] == 'B' || s[0] == 'b')
            return "is ambiguous (sizes are powers of 1024: write e.g. 64M or 64MiB)";
    } else {
        shift = 0; /* no suffix */
    }
    if (*s != '\0')
        return SIZE_EXPECTED;
    if (shift && v > (UINT64_MAX >> shift))
        return "is too large";
    *out = v << shift;
    return NULL;
}

/* Setter for the two budgets. */
static bool set_budget(struct bt_config *cfg, const struct flag *f, const char *value,
                       const struct bt_config_env *env, char *err, size_t errlen)
{
    uint64_t v;
    const char *why = bt_parse_size(value, &v);
    if (why)
        return fail(err, errlen, "boundterm: %s: '%s' %s", f->name, value, why);
    if (strcmp(f->name, "--scrollback-disk") == 0) {
        cfg->scrollback_disk = v;
        return true;
    }
    if (v < env->min_ram(v)) {
        uint64_t min = bt_config_min_ram(env);
        return fail(err, errlen,
                    "boundterm: %s: '%s' is below the minimum RAM budget of %lluK (%llu bytes)",
                    f->name, value, (unsigned long long)((min + 1023) / 1024),
                    (unsigned long long)min);
    }
    cfg->scrollback_ram = v;
    return true;
}

/* Setter for --size COLSxROWS. */
static bool set_size(struct bt_config *cfg, const struct flag *f, const char *value,
                     const struct bt_config_env *env, char *err, size_t errlen)
{
    uint64_t cols = 0, rows = 0;
    bool overflow = false;
    const char *s = value;
    if (parse_digits(&s, &cols, &overflow) && *s++ == 'x' &&
        parse_digits(&s, &rows, &overflow) && *s == '\0' && cols >= 1 && rows >= 1 &&
        cols <= MAX_DIM && rows <= MAX_DIM && cols * rows <= MAX_CELLS) {
        cfg->cols = (int)cols;
        cfg->rows = (int)rows;
        return true;
    }
    return fail(err, errlen,
                "boundterm: %s: '%s' is not a screen size (expected COLSxROWS such as 80x24, "
                "each 1-%d, at most %d cells)", f->name, value, MAX_DIM, MAX_CELLS);
}

/* Setter for --spill-dir: an existing directory we can create files in. */
static bool set_spill_dir(struct bt_config *cfg, const struct flag *f, const char *value,
                          const struct bt_config_env *env, char *err, size_t errlen)
{
    struct stat st;
    const char *why = NULL;
    if (stat(value, &st) < 0)
        why = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "not a directory";
    else if (access(value, W_OK | X_OK) < 0)
        why = strerror(errno);
    if (why)
        return fail(err, errlen, "boundterm: %s: '%s' is not a writable directory (%s)",
                    f->name, value, why);
    cfg->spill_dir = value;
    return true;
}

/* Setter for the two output files. */
static bool set_path(struct bt_config *cfg, const struct flag *f, const char *value,
                     const struct bt_config_env *env, char *err, size_t errlen)
{
    if (strcmp(f->name, "--stats") == 0)
        cfg->stats_path = value;
    else
        cfg->dump_path = value;
    return true;
}

static const struct flag flags[] = {
    {"--headless", NULL},
    {"--size", set_size},
    {"--scrollback-ram", set_budget},
    {"--scrollback-disk", set_budget},
    {"--spill-dir", set_spill_dir},
    {"--stats", set_path},
    {"--dump-scrollback", set_path},
};

static const char help_text[] =
    "usage: boundterm --headless [OPTIONS] -e PROGRAM [ARGS...]\n"
    "       boundterm --help | --version\n"
    "\n"
    "Runs PROGRAM on a pseudo-terminal and keeps its scrollback within byte budgets:\n"
    "rows past the screen are compressed in RAM, spilled encrypted to disk, and only\n"
    "then dropped.\n"
    "\n"
    "  --headless              no window: process the output, write stats and a dump,\n"
    "                          exit with PROGRAM's status (the default without\n"
    "                          a display)\n"
    "  --size COLSxROWS        screen size in cells (default 80x24)\n"
    "  --scrollback-ram SIZE   RAM budget of the scrollback (default 64M)\n"
    "  --scrollback-disk SIZE  disk budget for spilled scrollback; 0 = never spill\n"
    "                          (default 1G)\n"
    "  --spill-dir DIR         where spill files go, unlinked and encrypted\n"
    "                          (default $XDG_RUNTIME_DIR, else /tmp)\n"
    "  --stats FILE            write a JSON line of figures every second and at exit\n"
    "                          (- = standard output)\n"
    "  --dump-scrollback FILE  at exit, write the scrollback then the screen as text,\n"
    "                          one row per line (- = standard output)\n"
    "  -e PROGRAM [ARGS...]    the program to run; everything after -e is its own\n"
    "  -h, --help              this text\n"
    "  -V, --version           the version\n"
    "\n"
    "SIZE is bytes with an optional K, M, G or T suffix, in powers of 1024\n"
    "(64M = 64MiB).\n"
    "Flags also take the form --flag=value. Exit status: PROGRAM's own, 127 when it\n"
    "cannot be executed, 128+N after signal N, 2 for a bad command line, 125 when\n"
    "boundterm itself fails (say, it cannot create the --stats or --dump-scrollback\n"
    "file).\n";

const char *bt_config_help(void)
{
    return help_text;
}

const char *bt_config_version(void)
{
    return BT_VERSION;
}

void bt_config_env_from_process(struct bt_config_env *env,
                                uint64_t (*min_ram)(uint64_t ram_budget))
{
    env->xdg_runtime_dir = getenv("XDG_RUNTIME_DIR");
    env->display = getenv("DISPLAY");
    env->wayland_display = getenv("WAYLAND_DISPLAY");
    env->min_ram = min_ram;
}

uint64_t bt_config_min_ram(const struct bt_config_env *env)
{
    /* min_ram(b) grows by a small fraction of b, so iterating from 0 climbs to the fixed point. */
    uint64_t b = env->min_ram(0);
    for (int i = 0; i < 100; i++) {
        uint64_t m = env->min_ram(b);
        if (m <= b)
            break;
        b = m;
    }
    return b;
}

/* The flag named by arg ("--name" or "--name=value"), or NULL. */
static const struct flag *flag_find(const char *arg)
{
    size_t len = strcspn(arg, "=");
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (strlen(flags[i].name) == len && strncmp(arg, flags[i].name, len) == 0)
            return &flags[i];
    return NULL;
}

/* Applies the flag at argv[*i], taking its value from the same or the next word. */
static bool apply_flag(struct bt_config *cfg, const struct flag *f, int argc, char *const *argv,
                       int *i, const struct bt_config_env *env, char *err, size_t errlen)
{
    const char *eq = strchr(argv[*i], '=');
    if (!f->set) {
        if (eq)
            return fail(err, errlen, "boundterm: %s takes no value", f->name);
        cfg->mode = BT_MODE_HEADLESS;
        return true;
    }
    const char *value = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
    if (!value || !*value)
        return fail(err, errlen, "boundterm: %s needs a value", f->name);
    return f->set(cfg, f, value, env, err, errlen);
}

/* The defaults, before any flag. */
static void config_defaults(struct bt_config *cfg, const struct bt_config_env *env)
{
    bool display = (env->display && *env->display) ||
                   (env->wayland_display && *env->wayland_display);
    *cfg = (struct bt_config){
        .mode = display ? BT_MODE_WINDOW : BT_MODE_HEADLESS,
        .cols = DEFAULT_COLS,
        .rows = DEFAULT_ROWS,
        .scrollback_ram = DEFAULT_RAM,
        .scrollback_disk = DEFAULT_DISK,
        .spill_dir = env->xdg_runtime_dir && *env->xdg_runtime_dir ? env->xdg_runtime_dir
                                                                   : "/tmp",
    };
}

/* Checks that need the whole command line. */
static bool config_check(const struct bt_config *cfg, const struct bt_config_env *env,
                         char *err, size_t errlen)
{
    if (cfg->scrollback_ram < env->min_ram(cfg->scrollback_ram)) /* only the default can */
        return fail(err, errlen, "boundterm: the default RAM budget is below the store's "
                    "minimum of %llu bytes: give --scrollback-ram",
                    (unsigned long long)bt_config_min_ram(env));
    if (cfg->mode == BT_MODE_HEADLESS && !cfg->argv)
        return fail(err, errlen, "boundterm: headless mode needs -e PROGRAM (see --help)");
    return true;
}

bool bt_config_parse(struct bt_config *out, int argc, char *const *argv,
                     const struct bt_config_env *env, char *err, size_t errlen)
{
    struct bt_config cfg;
    config_defaults(&cfg, env);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const struct flag *f = flag_find(arg);
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            cfg.mode = BT_MODE_HELP;
            break;
        } else if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
            cfg.mode = BT_MODE_VERSION;
            break;
        } else if (strcmp(arg, "-e") == 0) {
            if (i + 1 >= argc || !*argv[i + 1])
                return fail(err, errlen, "boundterm: -e needs a program to run");
            cfg.argv = (const char *const *)&argv[i + 1];
            break;
        } else if (arg[0] != '-') {
            return fail(err, errlen, "boundterm: unexpected argument '%s' (the program goes "
                        "after -e)", arg);
        } else if (!f) {
            return fail(err, errlen, "boundterm: unknown option '%s' (see boundterm --help)",
                        arg);
        } else if (!apply_flag(&cfg, f, argc, argv, &i, env, err, errlen)) {
            return false;
        }
    }
    if (cfg.mode != BT_MODE_HELP && cfg.mode != BT_MODE_VERSION &&
        !config_check(&cfg, env, err, errlen))
        return false;
    *out = cfg;
    return true;
}
