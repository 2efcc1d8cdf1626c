/*
 * Configuration: built-in defaults, then command-line flags, into one struct
 * that is filled once and read-only afterwards (a later issue adds the file
 * between the two). Parsing never exits or prints: it returns false with a
 * one-line message, so tests can check every bad command line.
 *
 * Sizes are bytes with an optional suffix K, M, G or T (powers of 1024, any
 * case), which may be followed by "iB" ("64M", "64m", "64MiB"); a bare "B" is
 * allowed ("4096B"). "64MB" is refused as ambiguous, as are signs, spaces,
 * fractions and anything past the suffix.
 */
#ifndef BT_CONFIG_H
#define BT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bt_mode {
    BT_MODE_HEADLESS, /* run a program on a pty without a window */
    BT_MODE_WINDOW,   /* the SDL window (not built yet) */
    BT_MODE_HELP,     /* print bt_config_help() and exit 0 */
    BT_MODE_VERSION,  /* print the version and exit 0 */
};

struct bt_config {
    enum bt_mode mode;
    int cols, rows;           /* screen size in cells */
    uint64_t scrollback_ram;  /* the store's RAM budget in bytes */
    uint64_t scrollback_disk; /* the store's disk budget in bytes; 0 = never spill */
    const char *spill_dir;    /* directory for the store's (unlinked) spill files */
    const char *stats_path;   /* --stats FILE ("-" = stdout), or NULL */
    const char *dump_path;    /* --dump-scrollback FILE ("-" = stdout), or NULL */
    const char *const *argv;  /* the program after -e and its arguments, NULL-terminated */
};

/* What parsing needs from the outside world, passed in so tests can vary it. */
struct bt_config_env {
    const char *xdg_runtime_dir; /* the default spill directory when set and not empty */
    const char *display;         /* $DISPLAY: with either of these set, no --headless */
    const char *wayland_display; /* means the window */
    /* The store's minimum for a RAM budget (sb_config_min_ram(), which grows with it). */
    uint64_t (*min_ram)(uint64_t ram_budget);
};

/* Fills env from the process environment; min_ram comes from the store. */
void bt_config_env_from_process(struct bt_config_env *env,
                                uint64_t (*min_ram)(uint64_t ram_budget));

/* The smallest RAM budget the store accepts: the least b with b >= env->min_ram(b). */
uint64_t bt_config_min_ram(const struct bt_config_env *env);

/*
 * Parses argv (argv[0] is the program name) into out. Returns false with a
 * one-line message (no newline) in err for a bad command line, which the
 * caller reports before exiting with status 2. The strings in out point into
 * argv and env, which must outlive it.
 */
bool bt_config_parse(struct bt_config *out, int argc, char *const *argv,
                     const struct bt_config_env *env, char *err, size_t errlen);

/*
 * Parses a SIZE (see the top of this file) into *out. Returns NULL, or why the
 * text is refused, as the end of a sentence that starts with the quoted text.
 */
const char *bt_parse_size(const char *text, uint64_t *out);

/* The --help text, every flag with its default. */
const char *bt_config_help(void);

/* The version, e.g. "0.1.0". */
const char *bt_config_version(void);

#endif
