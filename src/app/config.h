/*
 * Configuration: built-in defaults < the config file < command-line flags,
 * into one struct that is filled once and read-only afterwards (a reload
 * builds a new one). Parsing never exits or prints: it returns false with a
 * one-line message, so tests can check every bad file line and command line.
 *
 * Every key has one flat name (scrollback_ram, font_size, key_copy) used by
 * the file and by --print-config, and a section it belongs to; docs/CONFIG.md
 * lists them all. Every value remembers where it came from (struct bt_origin).
 *
 * Sizes are bytes with an optional suffix K, M, G or T (powers of 1024, any
 * case), which may be followed by "iB" ("64M", "64m", "64MiB"); a bare "B" is
 * allowed ("4096B"). "64MB" is refused as ambiguous, as are signs, spaces,
 * fractions and anything past the suffix.
 *
 * Nothing here knows SDL: a key binding is a modifier mask and a key name in
 * SDL's spelling ("PageUp", "C", "="), which the window turns into a keycode
 * with SDL_GetKeyFromName().
 */
#ifndef BT_CONFIG_H
#define BT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "boundterm/scrollback.h"

enum bt_mode {
    BT_MODE_HEADLESS, /* run a program on a pty without a window */
    BT_MODE_WINDOW,   /* the SDL window */
    BT_MODE_HELP,     /* print bt_config_help() and exit 0 */
    BT_MODE_VERSION,  /* print the version and exit 0 */
};

enum bt_cursor_shape { BT_CURSOR_BLOCK, BT_CURSOR_UNDERLINE, BT_CURSOR_BAR };

/* What a paste may carry (docs/CONFIG.md has the exact rule; term_paste_filter applies it). */
enum bt_paste_filter {
    BT_PASTE_SAFE, /* controls that could end the bracket or drive a line editor are dropped */
    BT_PASTE_RAW,  /* every byte as it is, but line ends become CR */
};

/* What the bell (BEL) does in the window. */
enum bt_bell { BT_BELL_FLASH, BT_BELL_URGENT, BT_BELL_NONE };

/* Whether a program may read the clipboard (OSC 52 ; c ; ?). */
enum bt_osc52_read { BT_OSC52_DENY, BT_OSC52_ASK, BT_OSC52_ALLOW };

#define BT_OSC52_MAX_LIMIT (64ull << 20) /* the largest osc52_max (the paste queue's size) */

/* The window's actions that have a key binding, in the order of the [keys] section (the one
 * list of them: the window dispatches on these too). */
enum bt_action {
    BT_ACTION_NONE = -1, /* a key that is no shortcut */
    BT_ACTION_SCROLL_PAGE_UP,
    BT_ACTION_SCROLL_PAGE_DOWN,
    BT_ACTION_SCROLL_TOP,
    BT_ACTION_SCROLL_BOTTOM,
    BT_ACTION_COPY,
    BT_ACTION_PASTE,
    BT_ACTION_ZOOM_IN,
    BT_ACTION_ZOOM_OUT,
    BT_ACTION_ZOOM_RESET,
    BT_ACTION_OVERLAY,
    BT_ACTION_CLEAR_SCROLLBACK,
    BT_ACTION_SEARCH,
    BT_ACTION_SAVE_HISTORY,
    BT_ACTION_SEARCH_CASE,  /* in the search bar: smart -> exact -> ignore case */
    BT_ACTION_SEARCH_REGEX, /* in the search bar: a regular expression, or plain text */
    BT_ACTION_PREV_PROMPT,  /* the view to the previous / next prompt (OSC 133 marks) */
    BT_ACTION_NEXT_PROMPT,
    BT_ACTION_COPY_OUTPUT,  /* the last command's output (or the one at the view's top) */
    BT_ACTION_PIPE_HISTORY, /* the whole history to the pipe_history command */
    BT_ACTION_NEW_WINDOW,   /* another window in this process, under the same budgets */
    BT_ACTION_COUNT
};

/* Modifier bits of a binding: each one set must be held, and no other. */
enum {
    BT_MOD_SHIFT = 1u << 0,
    BT_MOD_CTRL = 1u << 1,
    BT_MOD_ALT = 1u << 2,
    BT_MOD_SUPER = 1u << 3, /* the Windows/Command key: SDL's KMOD_GUI */
};

#define BT_KEY_NAME_MAX 16

/*
 * Whether action a works only while the search bar is open; its key reaches the program
 * otherwise. Such a key may be the same as another action's: the one that was set (in the
 * file or by a flag) wins, and the default of the other is dropped (settle_bindings).
 */
static inline bool bt_action_in_search_bar(enum bt_action a)
{
    return a == BT_ACTION_SEARCH_CASE || a == BT_ACTION_SEARCH_REGEX;
}

/* A key binding; an empty name means the action has no key ("none" in the file). */
struct bt_key {
    unsigned mods;               /* BT_MOD_* */
    char name[BT_KEY_NAME_MAX];  /* as SDL_GetKeyName() spells it: "PageUp", "C", "=" */
};

/* Where a value came from, for --print-config and error messages. */
enum bt_origin_kind { BT_FROM_DEFAULT, BT_FROM_FILE, BT_FROM_FLAG };
struct bt_origin {
    uint8_t kind;  /* enum bt_origin_kind */
    uint32_t line; /* BT_FROM_FILE: the line in cfg->config_path */
};

#define BT_CONFIG_KEYS 66
/* What Ctrl+Shift+P runs: the history in less, in a new boundterm ($BOUNDTERM is this one). */
#define BT_PIPE_HISTORY_DEFAULT "\"$BOUNDTERM\" --pass-stdin -e less +G" /* entries of the key table in config.c (checked there) */
#define BT_PATH_BYTES 1024
#define BT_TERM_BYTES 64

struct bt_config_env;

/* Plain data (about 5 KiB, no heap): copy it, keep it, drop it; nothing to free. */
struct bt_config {
    enum bt_mode mode;
    bool print_config;        /* --print-config: print the effective configuration, exit 0 */
    int cols, rows;           /* size: the screen in cells */
    uint64_t scrollback_ram;  /* the store's RAM budget in bytes */
    uint64_t scrollback_disk; /* the store's disk budget in bytes; 0 = never spill */
    char spill_dir[BT_PATH_BYTES];  /* directory for the store's (unlinked) spill files */
    uint32_t page_size;       /* raw bytes at which the store seals a page */
    enum sb_codec codec, cold_codec; /* cold_codec SB_CODEC_NONE: no idle recompression */
    int codec_level, cold_level;
    char font[BT_PATH_BYTES]; /* a font file; "" = the shipped DejaVu Sans Mono */
    int font_size;            /* pixels */
    uint32_t foreground, background; /* 0xRRGGBB */
    uint32_t palette[16];     /* 0xRRGGBB, the 16 base colours */
    enum bt_cursor_shape cursor_shape;
    bool cursor_blink;
    int cursor_blink_timeout; /* seconds after the last key the cursor blinks; 0: for ever */
    char shell[BT_PATH_BYTES]; /* run when no -e is given */
    char term[BT_TERM_BYTES];  /* $TERM for the child */
    /* Where Ctrl+Shift+S saves the history: a strftime(3) pattern, "~/" expanded; "" means
     * ~/boundterm-%Y%m%d-%H%M%S.txt (/tmp without $HOME). */
    char save_path[BT_PATH_BYTES];
    char url_launcher[BT_PATH_BYTES]; /* opens a link's URL (its one argument); "" = none */
    enum bt_paste_filter paste_filter;
    bool paste_confirm_multiline; /* ask before a paste with newlines runs line by line */
    bool title_shows_res;         /* the window title ends with " - RES x MiB" */
    bool command_stats;           /* a command's time, status and peak RSS on its end row */
    char pipe_history[BT_PATH_BYTES]; /* run by sh -c with the history on its stdin; "" none */
    bool pass_stdin;              /* --pass-stdin: the program reads boundterm's stdin */
    bool single_instance;         /* a second boundterm opens its window in the first */
    bool wait;                    /* --wait: ... and waits for that window to close */
    const char *const *env_extra; /* "NAME=value" for the program, before TERM (a request's) */
    enum bt_bell bell;            /* flash, the urgency hint when unfocused, or nothing */
    uint64_t osc52_max;           /* the most bytes a program may copy (OSC 52); 0: none */
    enum bt_osc52_read osc52_read;
    struct bt_key keys[BT_ACTION_COUNT];
    const char *stats_path;   /* --stats FILE ("-" = stdout), or NULL */
    const char *dump_path;    /* --dump-scrollback FILE ("-" = stdout), or NULL */
    bool dump_ansi;           /* --dump-format ansi: the dump keeps colours as SGR sequences */
    const char *const *argv;  /* the program after -e and its arguments, NULL-terminated */
    /* What a reload needs: the file, and the command line and environment to apply again. */
    char config_path[BT_PATH_BYTES]; /* the file (read or looked for); "" without $HOME */
    bool config_loaded;              /* it existed and was read */
    bool config_explicit;            /* it came from --config, so it must exist */
    struct bt_origin origin[BT_CONFIG_KEYS];
    int argc;
    char *const *args;
    const struct bt_config_env *env;
};

/* What parsing needs from the outside world, passed in so tests can vary it. */
struct bt_config_env {
    const char *xdg_runtime_dir; /* the default spill directory when set and not empty */
    const char *display;         /* $DISPLAY: with either of these set, no --headless */
    const char *wayland_display; /* means the window */
    const char *xdg_config_home; /* where the config file is looked for, */
    const char *home;            /* else $HOME/.config; neither set: no file */
    const char *shell;           /* $SHELL, the default shell ("/bin/sh" when unset) */
    const char *font_dir;        /* $BOUNDTERM_FONT_DIR: the shipped fonts' directory, first */
    const char *frame_log;       /* $BOUNDTERM_FRAME_LOG: the window logs each frame's times */
    bool render_geometry;        /* $BOUNDTERM_GEOMETRY=1, or $SDL_RENDER_DRIVER names a */
                                 /* renderer other than software: an SDL renderer draws */
    bool xshm_off;               /* $BOUNDTERM_XSHM=0: frames through SDL's window surface */
    bool short_slice_off;        /* $BOUNDTERM_SHORT_SLICE=0: the kernel's default slices */
    int x11_keys;                /* $BOUNDTERM_X11_KEYS: 0 never, 1 always, else (-1) keys */
                                 /* from X unless an input method may be in use: */
    const char *xmodifiers;      /* $XMODIFIERS, */
    const char *sdl_im_module;   /* $SDL_IM_MODULE, */
    const char *ibus_address;    /* $IBUS_ADDRESS */
    const char *sdl_videodriver; /* $SDL_VIDEODRIVER: a driver asked for is not a fallback */
    /* The store's minimum RAM budget for the configured page size and codecs: */
    uint64_t (*store_min_ram)(const struct sb_config *sc); /* sb_config_floor_ram; when NULL, */
    uint64_t (*min_ram)(uint64_t ram_budget); /* this one, blind to them (tests' stand-in) */
};

/* Fills env from the process environment, with the store's own minimum RAM budget. */
void bt_config_env_from_process(struct bt_config_env *env);

/* The smallest RAM budget the store accepts: the least b with b >= env->min_ram(b). */
uint64_t bt_config_min_ram(const struct bt_config_env *env);

/*
 * Builds the configuration from the defaults, the config file (--config FILE,
 * or $XDG_CONFIG_HOME/boundterm/boundterm.conf, or ~/.config/...; a missing
 * default file is fine) and argv (argv[0] is the program name). Returns false
 * with a one-line message (no newline) in err, naming the file and line or
 * the flag, which the caller reports before exiting with status 2. out keeps
 * pointers into argv and env, which must outlive it; out is untouched on failure.
 */
bool bt_config_parse(struct bt_config *out, int argc, char *const *argv,
                     const struct bt_config_env *env, char *err, size_t errlen);

/*
 * Re-reads current's config file and applies current's flags over it again
 * (SIGUSR1). Returns true with the new configuration in out, or false with a
 * one-line message in err and out untouched: the caller keeps current.
 */
bool bt_config_reload(const struct bt_config *current, struct bt_config *out, char *err,
                      size_t errlen);

/*
 * After a reload: a one-line note in buf naming the keys that differ between
 * running and next but wait for the next start (all but the two budgets), or
 * "" when there are none.
 */
void bt_config_reload_note(const struct bt_config *running, const struct bt_config *next,
                           char *buf, size_t cap);

/* The built-in defaults for env (no file, no flags); the start of a parse. */
void bt_config_defaults(struct bt_config *cfg, const struct bt_config_env *env);

/*
 * Applies the text of a config file over cfg (name is how messages call the
 * file), then the checks that span keys. Returns false with a one-line
 * message in err; cfg may be partly changed then. For tests and the fuzzer.
 */
bool bt_config_apply_text(struct bt_config *cfg, const char *name, const char *text,
                          size_t len, char *err, size_t errlen);

/* Fills sc with the store settings cfg asks for (budgets, spill_dir, page size, codecs). */
void bt_config_store(const struct bt_config *cfg, struct sb_config *sc);

/*
 * Writes the effective configuration to f, one "key = value  # from ..."
 * line per key; the output is itself a valid config file.
 */
void bt_config_print(const struct bt_config *cfg, FILE *f);

/*
 * Parses a SIZE (see the top of this file) into *out. Returns NULL, or why the
 * text is refused, as the end of a sentence that starts with the quoted text.
 */
const char *bt_parse_size(const char *text, uint64_t *out);

/*
 * Parses a key binding ("Ctrl+Shift+C", "Shift+PageUp", "Ctrl++", "none") into
 * *out with the key name in SDL's spelling. Returns NULL or why it is refused.
 */
const char *bt_parse_key(const char *text, struct bt_key *out);

/* Writes the i-th key name bt_parse_key accepts (SDL's spelling) to buf; false past the end. */
bool bt_config_key_name(size_t i, char *buf, size_t cap);

/* The --help text, every flag with its default. */
const char *bt_config_help(void);

/* The version, e.g. "0.1.0". */
const char *bt_config_version(void);

#endif
