/*
 * Defaults < config file < flags -> struct bt_config (config.h).
 *
 * One table (keys[]) describes every key: its flat name, the section it
 * belongs to and its name there, its flag if it has one, and a setter and a
 * printer. The file parser, the flag parser and --print-config all walk that
 * table, so a key added there is read, overridden and printed everywhere.
 *
 * The file is INI-like: `key = value`, `# comment` lines, `[section]` headers.
 * Before any header every key is written by its flat name; inside [S] a key
 * of S may be written by its short name or its flat name; `S.key` works
 * anywhere. Values may be quoted ("..." with \" and \\); an unquoted value
 * ends at a `#` between blanks (or a blank and the line's end: colours are
 * #rrggbb), and is trimmed.
 *
 * Checks that span keys (codec levels, the RAM minimum for the page size and
 * codecs, two actions on one key) run once after the flags, so order never
 * matters; their message names where the offending value came from.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "term.h"

#ifndef BT_VERSION
#define BT_VERSION "unknown"
#endif

#define DEFAULT_COLS 80
#define DEFAULT_ROWS 24
#define DEFAULT_FONT_PX 15
#define FONT_PX_MIN 6
#define FONT_PX_MAX 72
#define BLINK_TIMEOUT_MAX 86400 /* a day: longer is "never", which 0 says */
#define MAX_DIM 65535       /* what a struct winsize holds */
#define MAX_CELLS (1 << 24) /* keeps a mistyped size from allocating gigabytes of grid */
#define FILE_MAX (1u << 20) /* a config file past this is a mistake, not a config */

#define SIZE_EXPECTED "is not a size (expected bytes with an optional K, M or G suffix)"

/* ---- Small helpers ----------------------------------------------------- */

/*
 * Writes a formatted one-line message into err; always returns false. Control
 * characters quoted from a file become '?', so the line stays one line and
 * cannot drive the terminal it is printed on.
 */
static bool fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    for (char *p = err; errlen && *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = '?';
    return false;
}

/* Copies src into a fixed buffer; false when it does not fit. */
static bool copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return false;
    memcpy(dst, src, n + 1);
    return true;
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

/* Parses a whole decimal integer with an optional minus sign; false when it is not one. */
static bool parse_int(const char *s, long lo, long hi, int *out)
{
    bool neg = *s == '-', overflow = false;
    uint64_t v;
    s += neg;
    if (!parse_digits(&s, &v, &overflow) || *s || v > (uint64_t)INT_MAX)
        return false;
    long x = neg ? -(long)v : (long)v;
    if (x < lo || x > hi)
        return false;
    *out = (int)x;
    return true;
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

/* Writes a size the way a person would type it: the largest exact suffix. */
static void format_size(char *buf, size_t cap, uint64_t v)
{
    static const char suffix[] = "TGMK";
    for (int i = 0; i < 4; i++) {
        int shift = 40 - 10 * i;
        if (v && v % (1ull << shift) == 0) {
            snprintf(buf, cap, "%llu%c", (unsigned long long)(v >> shift), suffix[i]);
            return;
        }
    }
    snprintf(buf, cap, "%llu", (unsigned long long)v);
}

/* Expands a leading "~/" with $HOME into buf; value itself when there is nothing to expand. */
static const char *expand_home(const struct bt_config *cfg, const char *value, char *buf,
                               size_t cap)
{
    const char *home = cfg->env ? cfg->env->home : NULL;
    if (strncmp(value, "~/", 2) != 0 || !home || !*home)
        return value;
    snprintf(buf, cap, "%s%s", home, value + 1);
    return buf;
}

/* ---- Key bindings ------------------------------------------------------- */

/* Key names in SDL's spelling (SDL_GetKeyName), besides single printable characters. */
static const char *const named_keys[] = {
    "Return", "Escape", "Backspace", "Tab", "Space", "Insert", "Delete", "Home", "End",
    "PageUp", "PageDown", "Up", "Down", "Left", "Right", "F1", "F2", "F3", "F4", "F5", "F6",
    "F7", "F8", "F9", "F10", "F11", "F12", "F13", "F14", "F15", "F16", "F17", "F18", "F19",
    "F20", "F21", "F22", "F23", "F24", "PrintScreen", "ScrollLock", "Pause", "Menu",
    "Keypad 0", "Keypad 1", "Keypad 2", "Keypad 3", "Keypad 4", "Keypad 5", "Keypad 6",
    "Keypad 7", "Keypad 8", "Keypad 9", "Keypad +", "Keypad -", "Keypad *", "Keypad /",
    "Keypad .", "Keypad Enter",
};

/* Other spellings people write, and SDL's name for each. */
static const char *const key_aliases[][2] = {
    {"Enter", "Return"}, {"Esc", "Escape"}, {"PgUp", "PageUp"}, {"PgDn", "PageDown"},
    {"PgDown", "PageDown"}, {"Del", "Delete"}, {"Ins", "Insert"}, {"Plus", "+"},
    {"Minus", "-"}, {"Equal", "="}, {"Equals", "="},
};

static const struct {
    const char *name;
    unsigned bit;
} modifiers[] = {
    {"Ctrl", BT_MOD_CTRL}, {"Control", BT_MOD_CTRL}, {"Alt", BT_MOD_ALT},
    {"Shift", BT_MOD_SHIFT}, {"Super", BT_MOD_SUPER},
};

/* Printable ASCII but space and the lower-case letters: the one-character key names. */
static const char single_keys[] = "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "[\\]^_`{|}~";

bool bt_config_key_name(size_t i, char *buf, size_t cap)
{
    size_t named = sizeof(named_keys) / sizeof(named_keys[0]);
    if (i < named)
        return snprintf(buf, cap, "%s", named_keys[i]) > 0;
    i -= named;
    if (i >= sizeof(single_keys) - 1)
        return false;
    return snprintf(buf, cap, "%c", single_keys[i]) > 0;
}

/* The modifier bit of a name (any case), or 0. */
static unsigned modifier_bit(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(modifiers) / sizeof(modifiers[0]); i++)
        if (strlen(modifiers[i].name) == len && strncasecmp(modifiers[i].name, name, len) == 0)
            return modifiers[i].bit;
    return 0;
}

/* Writes SDL's spelling of a key name (any case, aliases allowed) to out; false if no key. */
static bool canonical_key(const char *name, char out[BT_KEY_NAME_MAX])
{
    if (name[0] && name[1] == '\0' && strchr(single_keys, toupper((unsigned char)name[0]))) {
        out[0] = (char)toupper((unsigned char)name[0]);
        out[1] = '\0';
        return true;
    }
    for (size_t i = 0; i < sizeof(named_keys) / sizeof(named_keys[0]); i++)
        if (strcasecmp(name, named_keys[i]) == 0)
            return copy_str(out, BT_KEY_NAME_MAX, named_keys[i]);
    for (size_t i = 0; i < sizeof(key_aliases) / sizeof(key_aliases[0]); i++)
        if (strcasecmp(name, key_aliases[i][0]) == 0)
            return copy_str(out, BT_KEY_NAME_MAX, key_aliases[i][1]);
    return false;
}

const char *bt_parse_key(const char *text, struct bt_key *out)
{
    struct bt_key k = {0};
    if (strcasecmp(text, "none") == 0) {
        *out = k;
        return NULL;
    }
    const char *s = text;
    /* A '+' at the start of what is left is the key itself ("Ctrl++"), never a separator. */
    for (const char *plus; *s && (plus = strchr(s + 1, '+')) != NULL; s = plus + 1) {
        unsigned bit = modifier_bit(s, (size_t)(plus - s));
        if (!bit)
            break; /* "Keypad +": the rest is one key name */
        k.mods |= bit;
    }
    if (!*s)
        return "is not a key binding (expected modifiers and a key, such as Ctrl+Shift+C, "
               "or none)";
    if (!canonical_key(s, k.name))
        return modifier_bit(s, strcspn(s, "+")) && strchr(s, '+') == NULL
                   ? "is not a key binding (a modifier needs a key after it, such as Ctrl+Shift+C)"
                   : "is not a key binding (unknown key name; expected e.g. Ctrl+Shift+C, "
                     "Shift+PageUp, Ctrl+= or none)";
    *out = k;
    return NULL;
}

/* Writes a binding as bt_parse_key reads it back ("Ctrl+Shift+C", "none"). */
static void format_key(char *buf, size_t cap, const struct bt_key *k)
{
    static const struct { unsigned bit; const char *name; } order[] = {
        {BT_MOD_CTRL, "Ctrl+"}, {BT_MOD_ALT, "Alt+"}, {BT_MOD_SHIFT, "Shift+"},
        {BT_MOD_SUPER, "Super+"},
    };
    if (!k->name[0]) {
        snprintf(buf, cap, "none");
        return;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (k->mods & order[i].bit)
            strncat(buf, order[i].name, cap - strlen(buf) - 1);
    strncat(buf, k->name, cap - strlen(buf) - 1);
}

/* ---- The key table ------------------------------------------------------ */

struct key;
/* Sets a key from its text; NULL, or why the text is refused (maybe written into why). */
typedef const char *(*key_setter)(struct bt_config *cfg, const struct key *k, const char *value,
                                  char *why, size_t whylen);
/* Writes a key's value as the file would spell it. */
typedef void (*key_printer)(const struct bt_config *cfg, const struct key *k, char *buf,
                            size_t cap);

struct key {
    const char *name;    /* the flat name */
    const char *section; /* the [section] it belongs to */
    const char *short_name; /* its name inside that section */
    const char *flag;    /* its command-line flag, or NULL */
    key_setter set;
    key_printer print;   /* NULL: an alias of other keys, not printed */
    int arg;             /* which one: palette index, action, 1 for the cold tier */
    bool empty_ok;       /* an empty value is allowed (and means the default behaviour) */
};

/* Setter for the two budgets. */
static const char *set_budget(struct bt_config *cfg, const struct key *k, const char *value,
                              char *why, size_t whylen)
{
    uint64_t v;
    const char *bad = bt_parse_size(value, &v);
    if (bad)
        return bad;
    *(k->arg ? &cfg->scrollback_disk : &cfg->scrollback_ram) = v;
    return NULL;
}

/* Printer for the two budgets. */
static void print_budget(const struct bt_config *cfg, const struct key *k, char *buf, size_t cap)
{
    format_size(buf, cap, k->arg ? cfg->scrollback_disk : cfg->scrollback_ram);
}

/* Setter for page_size: a size the store accepts for a page. */
static const char *set_page_size(struct bt_config *cfg, const struct key *k, const char *value,
                                 char *why, size_t whylen)
{
    uint64_t v;
    const char *bad = bt_parse_size(value, &v);
    if (bad)
        return bad;
    if (v < SB_PAGE_BYTES_MIN || v > SB_PAGE_BYTES_MAX)
        return "is not a page size (expected 4K to 16M)";
    cfg->page_size = (uint32_t)v;
    return NULL;
}

/* Printer for page_size. */
static void print_page_size(const struct bt_config *cfg, const struct key *k, char *buf,
                            size_t cap)
{
    format_size(buf, cap, cfg->page_size);
}

/* Setter for codec and cold_codec. */
static const char *set_codec(struct bt_config *cfg, const struct key *k, const char *value,
                             char *why, size_t whylen)
{
    int c = sb_codec_from_name(value);
    if (c < 0)
        return "is not a codec (expected zstd, lz4, xz or none)";
    *(k->arg ? &cfg->cold_codec : &cfg->codec) = (enum sb_codec)c;
    return NULL;
}

/* Printer for codec and cold_codec. */
static void print_codec(const struct bt_config *cfg, const struct key *k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", sb_codec_name(k->arg ? cfg->cold_codec : cfg->codec));
}

/* Setter for the two levels; the range depends on the codec, so it is checked at the end. */
static const char *set_level(struct bt_config *cfg, const struct key *k, const char *value,
                             char *why, size_t whylen)
{
    int v;
    if (!parse_int(value, -1000, 1000, &v))
        return "is not a level (expected a whole number)";
    *(k->arg ? &cfg->cold_level : &cfg->codec_level) = v;
    return NULL;
}

/* Printer for the two levels. */
static void print_level(const struct bt_config *cfg, const struct key *k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%d", k->arg ? cfg->cold_level : cfg->codec_level);
}

/* Why path is not a directory we can create files in, or NULL. */
static const char *check_dir(const char *path, char *why, size_t whylen)
{
    struct stat st;
    const char *reason = NULL;
    if (stat(path, &st) < 0)
        reason = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        reason = "not a directory";
    else if (access(path, W_OK | X_OK) < 0)
        reason = strerror(errno);
    if (!reason)
        return NULL;
    snprintf(why, whylen, "is not a writable directory (%s)", reason);
    return why;
}

/* Setter for spill_dir: an existing directory we can create files in. */
static const char *set_spill_dir(struct bt_config *cfg, const struct key *k, const char *value,
                                 char *why, size_t whylen)
{
    char buf[BT_PATH_BYTES];
    const char *path = expand_home(cfg, value, buf, sizeof(buf));
    const char *bad = check_dir(path, why, whylen);
    if (bad)
        return bad;
    return copy_str(cfg->spill_dir, sizeof(cfg->spill_dir), path) ? NULL : "is too long";
}

/* Setter for font: a readable regular file, or "" for the shipped font. */
static const char *set_font(struct bt_config *cfg, const struct key *k, const char *value,
                            char *why, size_t whylen)
{
    char buf[BT_PATH_BYTES];
    const char *path = expand_home(cfg, value, buf, sizeof(buf));
    struct stat st;
    const char *reason = NULL;
    if (*path && stat(path, &st) < 0)
        reason = strerror(errno);
    else if (*path && !S_ISREG(st.st_mode))
        reason = "not a regular file";
    else if (*path && access(path, R_OK) < 0)
        reason = strerror(errno);
    if (reason) {
        snprintf(why, whylen, "is not a readable font file (%s)", reason);
        return why;
    }
    return copy_str(cfg->font, sizeof(cfg->font), path) ? NULL : "is too long";
}

/* Setter for shell: a program, looked up in $PATH by the child like any -e program. */
static const char *set_shell(struct bt_config *cfg, const struct key *k, const char *value,
                             char *why, size_t whylen)
{
    char buf[BT_PATH_BYTES];
    const char *path = expand_home(cfg, value, buf, sizeof(buf));
    return copy_str(cfg->shell, sizeof(cfg->shell), path) ? NULL : "is too long";
}

/* Setter for url_launcher: the program links open with (none: no link opens), run without a
 * shell. */
static const char *set_url_launcher(struct bt_config *cfg, const struct key *k,
                                    const char *value, char *why, size_t whylen)
{
    if (!strcmp(value, "none")) {
        cfg->url_launcher[0] = 0;
        return NULL;
    }
    char buf[BT_PATH_BYTES];
    const char *path = expand_home(cfg, value, buf, sizeof(buf));
    if (strpbrk(path, " \t"))
        return "is one program, without arguments or spaces (the link is its one argument)";
    return copy_str(cfg->url_launcher, sizeof(cfg->url_launcher), path) ? NULL : "is too long";
}

/* Setter for pipe_history: a shell command (sh -c), or none. */
static const char *set_pipe_history(struct bt_config *cfg, const struct key *k,
                                    const char *value, char *why, size_t whylen)
{
    if (!strcmp(value, "none")) {
        cfg->pipe_history[0] = 0;
        return NULL;
    }
    return copy_str(cfg->pipe_history, sizeof(cfg->pipe_history), value) ? NULL : "is too long";
}

/* Setter for save_path: a file name pattern; its directory is checked when saving. */
static const char *set_save_path(struct bt_config *cfg, const struct key *k, const char *value,
                                 char *why, size_t whylen)
{
    char buf[BT_PATH_BYTES];
    const char *path = expand_home(cfg, value, buf, sizeof(buf));
    return copy_str(cfg->save_path, sizeof(cfg->save_path), path) ? NULL : "is too long";
}

/* Printer for the string keys. */
static void print_string(const struct bt_config *cfg, const struct key *k, char *buf, size_t cap)
{
    const char *s = k->set == set_spill_dir ? cfg->spill_dir : k->set == set_font ? cfg->font
                    : k->set == set_shell ? cfg->shell : k->set == set_save_path ? cfg->save_path
                    : k->set == set_url_launcher ? cfg->url_launcher
                    : k->set == set_pipe_history ? cfg->pipe_history : cfg->term;
    bool none = (k->set == set_url_launcher || k->set == set_pipe_history) && !s[0];
    snprintf(buf, cap, "%s", none ? "none" : s);
}

/* Setter for term: a terminfo name. */
static const char *set_term(struct bt_config *cfg, const struct key *k, const char *value,
                            char *why, size_t whylen)
{
    size_t n = strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "-+._");
    if (value[n] || n >= sizeof(cfg->term))
        return "is not a terminal type (expected at most 63 letters, digits, '-', '+', '.' "
               "or '_', such as xterm-256color)";
    memcpy(cfg->term, value, n + 1);
    return NULL;
}

/* Setter for font_size, in pixels. */
static const char *set_font_size(struct bt_config *cfg, const struct key *k, const char *value,
                                 char *why, size_t whylen)
{
    if (!parse_int(value, FONT_PX_MIN, FONT_PX_MAX, &cfg->font_size))
        return "is not a font size (expected a whole number of pixels from 6 to 72)";
    return NULL;
}

/* Setter for cursor_blink_timeout, in seconds (0: the cursor blinks for ever). */
static const char *set_blink_timeout(struct bt_config *cfg, const struct key *k,
                                     const char *value, char *why, size_t whylen)
{
    if (!parse_int(value, 0, BLINK_TIMEOUT_MAX, &cfg->cursor_blink_timeout))
        return "is not a number of seconds (expected a whole number from 0, never stop "
               "blinking, to 86400)";
    return NULL;
}

/* Printer for cursor_blink_timeout. */
static void print_blink_timeout(const struct bt_config *cfg, const struct key *k, char *buf,
                                size_t cap)
{
    snprintf(buf, cap, "%d", cfg->cursor_blink_timeout);
}

/* Printer for font_size. */
static void print_font_size(const struct bt_config *cfg, const struct key *k, char *buf,
                            size_t cap)
{
    snprintf(buf, cap, "%d", cfg->font_size);
}

/* Setter for size, COLSxROWS. */
static const char *set_size(struct bt_config *cfg, const struct key *k, const char *value,
                            char *why, size_t whylen)
{
    uint64_t cols = 0, rows = 0;
    bool overflow = false;
    const char *s = value;
    if (parse_digits(&s, &cols, &overflow) && *s++ == 'x' &&
        parse_digits(&s, &rows, &overflow) && *s == '\0' && cols >= 1 && rows >= 1 &&
        cols <= MAX_DIM && rows <= MAX_DIM && cols * rows <= MAX_CELLS) {
        cfg->cols = (int)cols;
        cfg->rows = (int)rows;
        return NULL;
    }
    snprintf(why, whylen, "is not a screen size (expected COLSxROWS such as 80x24, each 1-%d, "
             "at most %d cells)", MAX_DIM, MAX_CELLS);
    return why;
}

/* Printer for size. */
static void print_size(const struct bt_config *cfg, const struct key *k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%dx%d", cfg->cols, cfg->rows);
}

/* Parses "#rrggbb" into *rgb; false when it is anything else. */
static bool parse_color(const char *s, size_t len, uint32_t *rgb)
{
    if (len != 7 || s[0] != '#' || strspn(s + 1, "0123456789abcdefABCDEF") < 6)
        return false;
    *rgb = (uint32_t)strtoul(s + 1, NULL, 16) & 0xffffffu;
    return true;
}

/* The colour a key sets: foreground, background or a palette entry. */
static uint32_t *color_of(struct bt_config *cfg, const struct key *k)
{
    return k->arg < 0 ? (k->arg == -1 ? &cfg->foreground : &cfg->background)
                      : &cfg->palette[k->arg];
}

/* Setter for one colour. */
static const char *set_color(struct bt_config *cfg, const struct key *k, const char *value,
                             char *why, size_t whylen)
{
    if (!parse_color(value, strlen(value), color_of(cfg, k)))
        return "is not a colour (expected #rrggbb)";
    return NULL;
}

/* Printer for one colour. */
static void print_color(const struct bt_config *cfg, const struct key *k, char *buf, size_t cap)
{
    snprintf(buf, cap, "#%06x", (unsigned)*color_of((struct bt_config *)cfg, k));
}

/* Setter for palette: up to 16 colours separated by commas, from palette0 on. */
static const char *set_palette(struct bt_config *cfg, const struct key *k, const char *value,
                               char *why, size_t whylen)
{
    uint32_t pal[16];
    int n = 0;
    for (const char *s = value;; n++) {
        s += strspn(s, " \t");
        size_t len = strcspn(s, ",");
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (n == 16 || !parse_color(s, len, &pal[n]))
            return "is not a palette (expected up to 16 #rrggbb colours separated by commas)";
        s += strcspn(s, ",");
        if (!*s++)
            break;
    }
    memcpy(cfg->palette, pal, sizeof(pal[0]) * (size_t)(n + 1));
    return NULL;
}

/* Setter for cursor_shape. */
static const char *set_cursor_shape(struct bt_config *cfg, const struct key *k,
                                    const char *value, char *why, size_t whylen)
{
    static const char *const names[] = {"block", "underline", "bar"};
    for (int i = 0; i < 3; i++) {
        if (strcasecmp(value, names[i]) == 0) {
            cfg->cursor_shape = (enum bt_cursor_shape)i;
            return NULL;
        }
    }
    return "is not a cursor shape (expected block, underline or bar)";
}

/* Printer for cursor_shape. */
static void print_cursor_shape(const struct bt_config *cfg, const struct key *k, char *buf,
                               size_t cap)
{
    static const char *const names[] = {"block", "underline", "bar"};
    snprintf(buf, cap, "%s", names[cfg->cursor_shape]);
}

/* The boolean a key sets (k->arg: 0 cursor_blink, 1 paste_confirm_multiline, 2 title_shows_res,
 * 3 command_stats, 4 single_instance). */
static bool *bool_field(struct bt_config *cfg, const struct key *k)
{
    bool *fields[] = {&cfg->cursor_blink, &cfg->paste_confirm_multiline, &cfg->title_shows_res,
                      &cfg->command_stats, &cfg->single_instance};
    return fields[k->arg];
}

/* Setter for a boolean key. */
static const char *set_bool(struct bt_config *cfg, const struct key *k, const char *value,
                            char *why, size_t whylen)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
            *bool_field(cfg, k) = strcasecmp(value, yes[i]) == 0;
            return NULL;
        }
    }
    return "is not a boolean (expected true or false)";
}

/* Printer for a boolean key. */
static void print_bool(const struct bt_config *cfg, const struct key *k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", *bool_field((struct bt_config *)cfg, k) ? "true" : "false");
}

/* The words a choice key takes (k->arg: 0 paste_filter, 1 bell, 2 osc52_read), in enum order. */
static const char *const *choice_words(const struct key *k, int *n)
{
    static const char *const paste[] = {"safe", "raw"}, *const bell[] = {"flash", "urgent",
                                                                          "none"};
    static const char *const osc52_read[] = {"deny", "ask", "allow"};
    static const char *const *const words[] = {paste, bell, osc52_read};
    static const int count[] = {2, 3, 3};
    *n = count[k->arg];
    return words[k->arg];
}

/* The enum a choice key sets. */
static int *choice_field(struct bt_config *cfg, const struct key *k)
{
    int *fields[] = {(int *)&cfg->paste_filter, (int *)&cfg->bell, (int *)&cfg->osc52_read};
    return fields[k->arg];
}

/* Setter for osc52_max: a size up to BT_OSC52_MAX_LIMIT, 0 to refuse every copy. */
static const char *set_osc52_max(struct bt_config *cfg, const struct key *k, const char *value,
                                 char *why, size_t whylen)
{
    uint64_t v;
    const char *bad = bt_parse_size(value, &v);
    if (bad)
        return bad;
    if (v > BT_OSC52_MAX_LIMIT)
        return "is too large (expected at most 64M; 0 turns copying off)";
    cfg->osc52_max = v;
    return NULL;
}

/* Printer for osc52_max. */
static void print_osc52_max(const struct bt_config *cfg, const struct key *k, char *buf,
                            size_t cap)
{
    format_size(buf, cap, cfg->osc52_max);
}

/* Setter for a key that takes one of a few words. */
static const char *set_choice(struct bt_config *cfg, const struct key *k, const char *value,
                              char *why, size_t whylen)
{
    int n;
    const char *const *words = choice_words(k, &n);
    for (int i = 0; i < n; i++)
        if (strcasecmp(value, words[i]) == 0) {
            *choice_field(cfg, k) = i;
            return NULL;
        }
    snprintf(why, whylen, "is not one of %s%s%s%s%s", words[0], n > 2 ? ", " : " or ", words[1],
             n > 2 ? " or " : "", n > 2 ? words[2] : "");
    return why;
}

/* Printer for a choice key. */
static void print_choice(const struct bt_config *cfg, const struct key *k, char *buf, size_t cap)
{
    int n;
    snprintf(buf, cap, "%s", choice_words(k, &n)[*choice_field((struct bt_config *)cfg, k)]);
}

/* Setter for a key binding. */
static const char *set_binding(struct bt_config *cfg, const struct key *k, const char *value,
                               char *why, size_t whylen)
{
    return bt_parse_key(value, &cfg->keys[k->arg]);
}

/* Printer for a key binding. */
static void print_binding(const struct bt_config *cfg, const struct key *k, char *buf, size_t cap)
{
    format_key(buf, cap, &cfg->keys[k->arg]);
}

#define PAL(i) {"palette" #i, "colors", "palette" #i, NULL, set_color, print_color, i, false}
#define BIND(name, action) \
    {"key_" name, "keys", name, NULL, set_binding, print_binding, action, false}

static const struct key keys[] = {
    {"scrollback_ram", "scrollback", "ram", "--scrollback-ram", set_budget, print_budget, 0,
     false},
    {"scrollback_disk", "scrollback", "disk", "--scrollback-disk", set_budget, print_budget, 1,
     false},
    {"spill_dir", "scrollback", "spill_dir", "--spill-dir", set_spill_dir, print_string, 0,
     false},
    {"page_size", "scrollback", "page_size", "--page-size", set_page_size, print_page_size, 0,
     false},
    {"codec", "scrollback", "codec", "--codec", set_codec, print_codec, 0, false},
    {"codec_level", "scrollback", "codec_level", NULL, set_level, print_level, 0, false},
    {"cold_codec", "scrollback", "cold_codec", NULL, set_codec, print_codec, 1, false},
    {"cold_level", "scrollback", "cold_level", NULL, set_level, print_level, 1, false},
    {"font", "font", "file", "--font", set_font, print_string, 0, true},
    {"font_size", "font", "size", "--font-size", set_font_size, print_font_size, 0, false},
    {"foreground", "colors", "foreground", NULL, set_color, print_color, -1, false},
    {"background", "colors", "background", NULL, set_color, print_color, -2, false},
    {"palette", "colors", "palette", NULL, set_palette, NULL, 0, false},
    PAL(0), PAL(1), PAL(2), PAL(3), PAL(4), PAL(5), PAL(6), PAL(7),
    PAL(8), PAL(9), PAL(10), PAL(11), PAL(12), PAL(13), PAL(14), PAL(15),
    {"cursor_shape", "cursor", "shape", NULL, set_cursor_shape, print_cursor_shape, 0, false},
    {"cursor_blink", "cursor", "blink", NULL, set_bool, print_bool, 0, false},
    {"cursor_blink_timeout", "cursor", "blink_timeout", NULL, set_blink_timeout,
     print_blink_timeout, 0, false},
    {"shell", "terminal", "shell", NULL, set_shell, print_string, 0, false},
    {"term", "terminal", "term", NULL, set_term, print_string, 0, false},
    {"size", "terminal", "size", "--size", set_size, print_size, 0, false},
    {"save_path", "terminal", "save_path", NULL, set_save_path, print_string, 0, true},
    {"paste_filter", "terminal", "paste_filter", NULL, set_choice, print_choice, 0, false},
    {"paste_confirm_multiline", "terminal", "paste_confirm_multiline", NULL, set_bool,
     print_bool, 1, false},
    {"title_shows_res", "terminal", "title_shows_res", NULL, set_bool, print_bool, 2, false},
    {"bell", "terminal", "bell", NULL, set_choice, print_choice, 1, false},
    {"osc52_max", "terminal", "osc52_max", NULL, set_osc52_max, print_osc52_max, 0, false},
    {"osc52_read", "terminal", "osc52_read", NULL, set_choice, print_choice, 2, false},
    {"url_launcher", "terminal", "url_launcher", NULL, set_url_launcher, print_string, 0, false},
    {"command_stats", "terminal", "command_stats", NULL, set_bool, print_bool, 3, false},
    {"pipe_history", "terminal", "pipe_history", NULL, set_pipe_history, print_string, 0, false},
    {"single_instance", "terminal", "single_instance", NULL, set_bool, print_bool, 4, false},
    BIND("scroll_page_up", BT_ACTION_SCROLL_PAGE_UP),
    BIND("scroll_page_down", BT_ACTION_SCROLL_PAGE_DOWN),
    BIND("scroll_top", BT_ACTION_SCROLL_TOP),
    BIND("scroll_bottom", BT_ACTION_SCROLL_BOTTOM),
    BIND("copy", BT_ACTION_COPY),
    BIND("paste", BT_ACTION_PASTE),
    BIND("zoom_in", BT_ACTION_ZOOM_IN),
    BIND("zoom_out", BT_ACTION_ZOOM_OUT),
    BIND("zoom_reset", BT_ACTION_ZOOM_RESET),
    BIND("overlay", BT_ACTION_OVERLAY),
    BIND("clear_scrollback", BT_ACTION_CLEAR_SCROLLBACK),
    BIND("search", BT_ACTION_SEARCH),
    BIND("save_history", BT_ACTION_SAVE_HISTORY),
    BIND("search_case", BT_ACTION_SEARCH_CASE),
    BIND("search_regex", BT_ACTION_SEARCH_REGEX),
    BIND("prev_prompt", BT_ACTION_PREV_PROMPT),
    BIND("next_prompt", BT_ACTION_NEXT_PROMPT),
    BIND("copy_output", BT_ACTION_COPY_OUTPUT),
    BIND("pipe_history", BT_ACTION_PIPE_HISTORY),
    BIND("new_window", BT_ACTION_NEW_WINDOW),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS == BT_CONFIG_KEYS, "BT_CONFIG_KEYS must count keys[]");

static const char *const sections[] = {"scrollback", "font", "colors", "cursor", "terminal",
                                       "keys"};

/* The index of a key in keys[]. */
static size_t key_index(const struct key *k)
{
    return (size_t)(k - keys);
}

/* The key named by the flat name; NULL when there is none. */
static const struct key *key_by_name(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/*
 * The key a file line names: "S.key" anywhere; inside [S] (section not NULL)
 * a key of S by its short or flat name; before any section, the flat name.
 */
static const struct key *key_lookup(const char *section, const char *name)
{
    const char *dot = strchr(name, '.');
    size_t slen = dot ? (size_t)(dot - name) : 0;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        if (dot) {
            if (strlen(k->section) == slen && strncmp(k->section, name, slen) == 0 &&
                (strcmp(dot + 1, k->short_name) == 0 || strcmp(dot + 1, k->name) == 0))
                return k;
        } else if (!section ? strcmp(name, k->name) == 0
                            : strcmp(k->section, section) == 0 &&
                                  (strcmp(name, k->short_name) == 0 ||
                                   strcmp(name, k->name) == 0)) {
            return k;
        }
    }
    return NULL;
}

/* ---- Suggestions -------------------------------------------------------- */

/* Edit distance of a and b, case ignored (insertions, deletions, substitutions); at most 99. */
static unsigned edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned row[64];
    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned up = row[j], best = diag + (tolower((unsigned char)a[i - 1]) !=
                                                 tolower((unsigned char)b[j - 1]));
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* The flat name nearest to name (or short name, inside its section); NULL if none is close. */
static const char *nearest_key(const char *section, const char *name)
{
    const char *best = NULL;
    unsigned best_d = 99, limit = strlen(name) < 6 ? 2 : 3;
    const char *dot = strchr(name, '.');
    const char *bare = dot ? dot + 1 : name;
    for (size_t i = 0; i < NKEYS; i++) {
        unsigned d = edit_distance(bare, keys[i].name);
        if (section && strcmp(section, keys[i].section) == 0) {
            unsigned ds = edit_distance(bare, keys[i].short_name);
            d = ds < d ? ds : d;
        }
        if (d < best_d) {
            best_d = d;
            best = keys[i].name;
        }
    }
    return best_d <= limit ? best : NULL;
}

/* ---- Applying one value ------------------------------------------------- */

/* Where a value came from, for messages: "FILE:LINE" or the flag. */
struct where {
    const char *file; /* NULL for a flag */
    unsigned line;
    const char *flag;
    const char *as_written; /* the key as the file wrote it */
};

/* The file name as messages show it: $HOME shortened to ~. */
static const char *display_path(const struct bt_config *cfg, const char *path, char *buf,
                                size_t cap)
{
    const char *home = cfg->env ? cfg->env->home : NULL;
    size_t n = home ? strlen(home) : 0;
    if (n > 1 && strncmp(path, home, n) == 0 && path[n] == '/') {
        snprintf(buf, cap, "~%s", path + n);
        return buf;
    }
    return path;
}

/* Whether s holds a control character other than a tab (a stray CR, an escape). */
static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((*s > 0 && *s < ' ' && *s != '\t') || *s == 0x7f)
            return true;
    return false;
}

/* Sets key k from value and records its origin; false with the one-line message. */
static bool apply_value(struct bt_config *cfg, const struct key *k, const char *value,
                        const struct where *w, char *err, size_t errlen)
{
    char why[256];
    const char *bad = NULL;
    if (!*value && !k->empty_ok)
        bad = "is empty (expected a value)";
    else if (has_control(value))
        bad = "holds a control character";
    else
        bad = k->set(cfg, k, value, why, sizeof(why));
    if (bad && w->file)
        return fail(err, errlen, "boundterm: %s:%u: %s: '%s' %s", w->file, w->line,
                    w->as_written, value, bad);
    if (bad)
        return fail(err, errlen, "boundterm: %s: '%s' %s", w->flag, value, bad);
    struct bt_origin o = {w->file ? BT_FROM_FILE : BT_FROM_FLAG, w->line};
    if (k->set == set_palette) { /* an alias: the entries it set carry the origin */
        size_t first = key_index(key_by_name("palette0")), n = 1;
        for (const char *p = value; (p = strchr(p, ',')) != NULL; p++)
            n++;
        for (size_t i = 0; i < n; i++)
            cfg->origin[first + i] = o;
    }
    cfg->origin[key_index(k)] = o;
    return true;
}

/* ---- The file ----------------------------------------------------------- */

/* Trims blanks at both ends of s in place; returns the new start. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Unquotes a value in place: "..." with \" and \\, or unquoted up to a " # " comment. */
static const char *unquote(char *v, char **out)
{
    if (*v != '"') {
        for (char *p = v; *p; p++) {
            if (p > v && *p == '#' && (p[-1] == ' ' || p[-1] == '\t') &&
                (p[1] == ' ' || p[1] == '\t' || p[1] == '\0')) {
                *p = '\0';
                break;
            }
        }
        *out = trim(v);
        return NULL;
    }
    char *w = v, *r = v + 1;
    for (; *r && *r != '"'; r++) {
        if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
            r++;
        *w++ = *r;
    }
    if (*r != '"')
        return "has no closing quote";
    char *rest = r + 1;
    rest += strspn(rest, " \t");
    if (*rest && *rest != '#')
        return "has text after the closing quote";
    *w = '\0';
    *out = v;
    return NULL;
}

/* Handles a "[section]" line; false with the message. */
static bool parse_section(char *line, const char **section, const struct where *w,
                          char *err, size_t errlen)
{
    char *end = strchr(line, ']');
    if (!end || *trim(end + 1) != '\0')
        return fail(err, errlen, "boundterm: %s:%u: '%s' is not a section header (expected "
                    "[name])", w->file, w->line, line);
    *end = '\0';
    char *name = trim(line + 1);
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        if (strcmp(name, sections[i]) == 0) {
            *section = sections[i];
            return true;
        }
    }
    return fail(err, errlen, "boundterm: %s:%u: unknown section '[%s]' (expected scrollback, "
                "font, colors, cursor, terminal or keys)", w->file, w->line, name);
}

/* The message for a key no table entry matches, with the nearest name when there is one. */
static bool unknown_key(const char *section, const char *name, const struct where *w,
                        char *err, size_t errlen)
{
    const char *near = nearest_key(section, name);
    const struct key *flat = strchr(name, '.') ? NULL : key_by_name(name);
    if (flat && section)
        return fail(err, errlen, "boundterm: %s:%u: '%s' belongs in [%s], not [%s]", w->file,
                    w->line, name, flat->section, section);
    if (near)
        return fail(err, errlen, "boundterm: %s:%u: unknown key '%s' (did you mean '%s'?)",
                    w->file, w->line, name, near);
    return fail(err, errlen, "boundterm: %s:%u: unknown key '%s' (boundterm --print-config "
                "lists every key)", w->file, w->line, name);
}

/* Parses one line (NUL-terminated, no newline) of the file. */
static bool parse_line(struct bt_config *cfg, char *line, const char **section, struct where *w,
                       char *err, size_t errlen)
{
    line = trim(line);
    if (!*line || *line == '#')
        return true;
    if (*line == '[')
        return parse_section(line, section, w, err, errlen);
    char *eq = strchr(line, '=');
    if (!eq)
        return fail(err, errlen, "boundterm: %s:%u: '%s' is not a setting (expected "
                    "key = value)", w->file, w->line, line);
    *eq = '\0';
    char *name = trim(line), *value;
    if (!*name)
        return fail(err, errlen, "boundterm: %s:%u: a setting without a key (expected "
                    "key = value)", w->file, w->line);
    const struct key *k = key_lookup(*section, name);
    if (!k)
        return unknown_key(*section, name, w, err, errlen);
    const char *bad = unquote(trim(eq + 1), &value);
    w->as_written = name;
    if (bad)
        return fail(err, errlen, "boundterm: %s:%u: %s: the value %s", w->file, w->line, name,
                    bad);
    return apply_value(cfg, k, value, w, err, errlen);
}

static bool config_check(const struct bt_config *cfg, char *err, size_t errlen);
static void settle_levels(struct bt_config *cfg);
static void settle_bindings(struct bt_config *cfg);

/* Applies text line by line; the checks that span keys are left to the caller. */
static bool apply_lines(struct bt_config *cfg, const char *name, const char *text, size_t len,
                        char *err, size_t errlen)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return fail(err, errlen, "boundterm: %s: out of memory", name);
    memcpy(copy, text, len);
    copy[len] = '\0';
    struct where w = {.file = name};
    const char *section = NULL;
    bool ok = true;
    char *line = copy;
    for (unsigned n = 1; ok && line <= copy + len; n++) {
        char *nl = memchr(line, '\n', (size_t)(copy + len - line));
        size_t llen = (size_t)((nl ? nl : copy + len) - line);
        w.line = n;
        if (memchr(line, '\0', llen))
            ok = fail(err, errlen, "boundterm: %s:%u: the line holds a NUL byte", name, n);
        else if (nl)
            *nl = '\0';
        if (ok)
            ok = parse_line(cfg, line, &section, &w, err, errlen);
        if (!nl)
            break;
        line = nl + 1;
    }
    free(copy);
    return ok;
}

bool bt_config_apply_text(struct bt_config *cfg, const char *name, const char *text,
                          size_t len, char *err, size_t errlen)
{
    cfg->config_loaded = copy_str(cfg->config_path, sizeof(cfg->config_path), name);
    if (!apply_lines(cfg, name, text, len, err, errlen))
        return false;
    settle_levels(cfg);
    settle_bindings(cfg);
    return config_check(cfg, err, errlen);
}

/* Reads the whole file at path into a malloc'd buffer; NULL with errno set. */
static char *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0)
        goto fail;
    if (S_ISDIR(st.st_mode) || st.st_size > FILE_MAX) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EFBIG;
        goto fail;
    }
    size_t cap = (size_t)st.st_size + 1, got = 0;
    buf = malloc(cap);
    if (!buf)
        goto fail;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got == cap) { /* it grew while we read it: a half-written file is not a config */
        errno = EAGAIN;
        goto fail;
    }
    *len = got;
    close(fd);
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

/* Reads and applies the config file, if there is one; false with the message. */
static bool load_file(struct bt_config *cfg, char *err, size_t errlen)
{
    char shown[BT_PATH_BYTES + 2];
    const char *name = display_path(cfg, cfg->config_path, shown, sizeof(shown));
    size_t len = 0;
    if (!cfg->config_path[0])
        return true;
    char *text = read_file(cfg->config_path, &len);
    if (!text && errno == ENOENT && !cfg->config_explicit)
        return true; /* no file is a fine configuration */
    if (!text && cfg->config_explicit)
        return fail(err, errlen, "boundterm: --config: '%s' cannot be read (%s)", name,
                    strerror(errno));
    if (!text)
        return fail(err, errlen, "boundterm: %s: cannot be read (%s)", name, strerror(errno));
    cfg->config_loaded = true;
    bool ok = apply_lines(cfg, name, text, len, err, errlen);
    free(text);
    return ok;
}

/* ---- Checks that span keys ---------------------------------------------- */

/* A level left at its default follows its codec, wherever the codec was set. */
static void settle_levels(struct bt_config *cfg)
{
    if (cfg->origin[key_index(key_by_name("codec_level"))].kind == BT_FROM_DEFAULT)
        cfg->codec_level = sb_codec_default_level(cfg->codec, false);
    if (cfg->origin[key_index(key_by_name("cold_level"))].kind == BT_FROM_DEFAULT)
        cfg->cold_level = sb_codec_default_level(cfg->cold_codec, true);
}

/* The prefix of a message about key k: "boundterm: FILE:LINE: key" or "boundterm: --flag". */
static void origin_prefix(const struct bt_config *cfg, const struct key *k, char *buf,
                          size_t cap)
{
    const struct bt_origin *o = &cfg->origin[key_index(k)];
    char shown[BT_PATH_BYTES + 2];
    if (o->kind == BT_FROM_FILE)
        snprintf(buf, cap, "boundterm: %s:%u: %s",
                 display_path(cfg, cfg->config_path, shown, sizeof(shown)), (unsigned)o->line,
                 k->name);
    else if (o->kind == BT_FROM_FLAG && k->flag)
        snprintf(buf, cap, "boundterm: %s", k->flag);
    else
        snprintf(buf, cap, "boundterm: %s (the default)", k->name);
}

/* Checks a level against its codec's range; false with the message. */
static bool check_level(const struct bt_config *cfg, bool cold, char *err, size_t errlen)
{
    enum sb_codec c = cold ? cfg->cold_codec : cfg->codec;
    int level = cold ? cfg->cold_level : cfg->codec_level, lo, hi;
    if (!sb_codec_levels(c, &lo, &hi) || (level >= lo && level <= hi))
        return true;
    char prefix[BT_PATH_BYTES + 64];
    origin_prefix(cfg, key_by_name(cold ? "cold_level" : "codec_level"), prefix,
                  sizeof(prefix));
    return fail(err, errlen, "%s: '%d' is not a level of %s (expected %d to %d)", prefix, level,
                sb_codec_name(c), lo, hi);
}

/* The store's minimum for a RAM budget b with cfg's page size and codecs. */
static uint64_t min_ram_at(const struct bt_config *cfg, uint64_t b)
{
    const struct bt_config_env *env = cfg->env;
    if (!env->store_min_ram)
        return env->min_ram(b);
    struct sb_config sc;
    bt_config_store(cfg, &sc);
    sc.ram_budget = b;
    return env->store_min_ram(&sc);
}

/* The least b with b >= min_ram_at(cfg, b): the minimum grows by a sliver of the budget. */
static uint64_t min_ram_fixed_point(const struct bt_config *cfg)
{
    uint64_t b = min_ram_at(cfg, 0);
    for (int i = 0; i < 100; i++) {
        uint64_t m = min_ram_at(cfg, b);
        if (m <= b)
            break;
        b = m;
    }
    return b;
}

/* The RAM budget holds the store's minimum; false with the message. */
static bool check_ram(const struct bt_config *cfg, char *err, size_t errlen)
{
    if (cfg->scrollback_ram >= min_ram_at(cfg, cfg->scrollback_ram))
        return true;
    uint64_t min = min_ram_fixed_point(cfg);
    char prefix[BT_PATH_BYTES + 64], value[32];
    origin_prefix(cfg, &keys[0], prefix, sizeof(prefix));
    format_size(value, sizeof(value), cfg->scrollback_ram);
    return fail(err, errlen, "%s: '%s' is below the minimum RAM budget of %lluK (%llu bytes)",
                prefix, value, (unsigned long long)((min + 1023) / 1024),
                (unsigned long long)min);
}

/* Whether actions a and b are bound to the same key. */
static bool same_binding(const struct bt_config *cfg, int a, int b)
{
    const struct bt_key *ka = &cfg->keys[a], *kb = &cfg->keys[b];
    return ka->name[0] && ka->mods == kb->mods && strcasecmp(ka->name, kb->name) == 0;
}

/*
 * A search bar action and another that share a key, one of them set and the other by
 * default: the default gives way (so a file that binds Alt+C to a shortcut of its own keeps
 * working, and a bar key set on purpose takes the key from a default shortcut).
 */
static void settle_bindings(struct bt_config *cfg)
{
    size_t first = key_index(key_by_name("key_scroll_page_up"));
    for (int a = 0; a < BT_ACTION_COUNT; a++) {
        for (int b = 0; b < BT_ACTION_COUNT; b++) {
            if (bt_action_in_search_bar(a) == bt_action_in_search_bar(b) ||
                !same_binding(cfg, a, b))
                continue;
            bool a_default = cfg->origin[first + (size_t)a].kind == BT_FROM_DEFAULT;
            bool b_default = cfg->origin[first + (size_t)b].kind == BT_FROM_DEFAULT;
            if (a_default && !b_default)
                cfg->keys[a].name[0] = '\0';
        }
    }
}

/* No two actions share a key (after settle_bindings); the later-set one is named. */
static bool check_bindings(const struct bt_config *cfg, char *err, size_t errlen)
{
    const struct key *first = key_by_name("key_scroll_page_up");
    for (int a = 0; a < BT_ACTION_COUNT; a++) {
        for (int b = a + 1; b < BT_ACTION_COUNT; b++) {
            if (!same_binding(cfg, a, b))
                continue;
            bool b_later = cfg->origin[key_index(first + b)].kind >=
                           cfg->origin[key_index(first + a)].kind;
            const struct key *k = b_later ? first + b : first + a, *o = b_later ? first + a
                                                                                : first + b;
            char prefix[BT_PATH_BYTES + 64], text[64];
            origin_prefix(cfg, k, prefix, sizeof(prefix));
            format_key(text, sizeof(text), &cfg->keys[k->arg]);
            return fail(err, errlen, "%s: '%s' is already bound to %s (set %s = none to free "
                        "it)", prefix, text, o->name, o->name);
        }
    }
    return true;
}

/* Checks that span keys. */
static bool config_check(const struct bt_config *cfg, char *err, size_t errlen)
{
    return check_level(cfg, false, err, errlen) && check_level(cfg, true, err, errlen) &&
           check_ram(cfg, err, errlen) && check_bindings(cfg, err, errlen);
}

/* ---- Defaults ----------------------------------------------------------- */

static const struct bt_key default_keys[BT_ACTION_COUNT] = {
    [BT_ACTION_SCROLL_PAGE_UP] = {BT_MOD_SHIFT, "PageUp"},
    [BT_ACTION_SCROLL_PAGE_DOWN] = {BT_MOD_SHIFT, "PageDown"},
    [BT_ACTION_SCROLL_TOP] = {BT_MOD_SHIFT, "Home"},
    [BT_ACTION_SCROLL_BOTTOM] = {BT_MOD_SHIFT, "End"},
    [BT_ACTION_COPY] = {BT_MOD_CTRL | BT_MOD_SHIFT, "C"},
    [BT_ACTION_PASTE] = {BT_MOD_CTRL | BT_MOD_SHIFT, "V"},
    [BT_ACTION_ZOOM_IN] = {BT_MOD_CTRL, "="},
    [BT_ACTION_ZOOM_OUT] = {BT_MOD_CTRL, "-"},
    [BT_ACTION_ZOOM_RESET] = {BT_MOD_CTRL, "0"},
    [BT_ACTION_OVERLAY] = {BT_MOD_CTRL | BT_MOD_SHIFT, "M"},
    [BT_ACTION_CLEAR_SCROLLBACK] = {BT_MOD_CTRL | BT_MOD_SHIFT, "K"},
    [BT_ACTION_SEARCH] = {BT_MOD_CTRL | BT_MOD_SHIFT, "F"},
    [BT_ACTION_SAVE_HISTORY] = {BT_MOD_CTRL | BT_MOD_SHIFT, "S"},
    [BT_ACTION_SEARCH_CASE] = {BT_MOD_ALT, "C"},
    [BT_ACTION_SEARCH_REGEX] = {BT_MOD_ALT, "R"},
    [BT_ACTION_PREV_PROMPT] = {BT_MOD_CTRL | BT_MOD_SHIFT, "Z"},
    [BT_ACTION_NEXT_PROMPT] = {BT_MOD_CTRL | BT_MOD_SHIFT, "X"},
    [BT_ACTION_COPY_OUTPUT] = {BT_MOD_CTRL | BT_MOD_SHIFT, "G"},
    [BT_ACTION_PIPE_HISTORY] = {BT_MOD_CTRL | BT_MOD_SHIFT, "P"},
    [BT_ACTION_NEW_WINDOW] = {BT_MOD_CTRL | BT_MOD_SHIFT, "N"},
};

/* The config file's usual place: $XDG_CONFIG_HOME/boundterm/..., else ~/.config/boundterm/... */
static void default_config_path(struct bt_config *cfg, const struct bt_config_env *env)
{
    const char *xdg = env->xdg_config_home, *home = env->home;
    int n = 0;
    if (xdg && *xdg == '/')
        n = snprintf(cfg->config_path, sizeof(cfg->config_path), "%s/boundterm/boundterm.conf",
                     xdg);
    else if (home && *home)
        n = snprintf(cfg->config_path, sizeof(cfg->config_path),
                     "%s/.config/boundterm/boundterm.conf", home);
    if (n < 0 || (size_t)n >= sizeof(cfg->config_path))
        cfg->config_path[0] = '\0'; /* too long to be real: behave as if there is none */
}

void bt_config_defaults(struct bt_config *cfg, const struct bt_config_env *env)
{
    bool display = (env->display && *env->display) ||
                   (env->wayland_display && *env->wayland_display);
    const char *runtime = env->xdg_runtime_dir && *env->xdg_runtime_dir ? env->xdg_runtime_dir
                                                                        : "/tmp";
    const char *shell = env->shell && *env->shell ? env->shell : "/bin/sh";
    memset(cfg, 0, sizeof(*cfg));
    cfg->mode = display ? BT_MODE_WINDOW : BT_MODE_HEADLESS;
    cfg->cols = DEFAULT_COLS;
    cfg->rows = DEFAULT_ROWS;
    struct sb_config store; /* the store's defaults are the configuration's */
    sb_config_defaults(&store);
    cfg->scrollback_ram = store.ram_budget;
    cfg->scrollback_disk = store.disk_budget;
    if (!copy_str(cfg->spill_dir, sizeof(cfg->spill_dir), runtime))
        copy_str(cfg->spill_dir, sizeof(cfg->spill_dir), "/tmp");
    cfg->page_size = store.page_bytes;
    cfg->codec = store.codec;
    cfg->cold_codec = store.cold_codec;
    cfg->font_size = DEFAULT_FONT_PX;
    struct term_colors colors; /* the engine's: xterm's palette, light on dark */
    term_colors_default(&colors);
    cfg->foreground = colors.rgb[TERM_COLOR_FG];
    cfg->background = colors.rgb[TERM_COLOR_BG];
    memcpy(cfg->palette, colors.rgb, sizeof(cfg->palette));
    cfg->cursor_blink = true;
    cfg->cursor_blink_timeout = 10; /* GNOME's; kitty 15 s, Alacritty 5 s */
    cfg->osc52_max = 1u << 20;
    cfg->osc52_read = BT_OSC52_DENY;
    copy_str(cfg->url_launcher, sizeof(cfg->url_launcher), "xdg-open");
    copy_str(cfg->pipe_history, sizeof(cfg->pipe_history), BT_PIPE_HISTORY_DEFAULT);
    cfg->command_stats = true;
    if (!copy_str(cfg->shell, sizeof(cfg->shell), shell))
        copy_str(cfg->shell, sizeof(cfg->shell), "/bin/sh");
    copy_str(cfg->term, sizeof(cfg->term), "xterm-256color");
    memcpy(cfg->keys, default_keys, sizeof(cfg->keys));
    cfg->env = env;
    default_config_path(cfg, env);
    settle_levels(cfg);
}

void bt_config_store(const struct bt_config *cfg, struct sb_config *sc)
{
    sb_config_defaults(sc);
    sc->ram_budget = cfg->scrollback_ram;
    sc->disk_budget = cfg->scrollback_disk;
    sc->spill_dir = cfg->spill_dir;
    sc->page_bytes = cfg->page_size;
    sc->codec = cfg->codec;
    sc->codec_level = cfg->codec_level;
    sc->cold_codec = cfg->cold_codec;
    sc->cold_level = cfg->cold_level;
    /* the store wants a cold block of at least a page */
    sc->cold_bytes = cfg->page_size > sc->cold_bytes ? cfg->page_size : sc->cold_bytes;
    sc->background = true;
}

/* ---- Flags -------------------------------------------------------------- */

struct flag {
    const char *name;
    bool value;      /* takes a value */
    bool early;      /* applied before the file is read */
};

/* Flags that set no key; those that do are in keys[]. */
static const struct flag plain_flags[] = {
    {"--headless", false, false}, {"--print-config", false, true}, {"--config", true, true},
    {"--stats", true, false},     {"--dump-scrollback", true, false},
    {"--dump-format", true, false}, {"--pass-stdin", false, false},
    {"--single-instance", false, false}, {"--wait", false, false},
};

static const char help_text[] =
    "usage: boundterm [OPTIONS] [-e PROGRAM [ARGS...]]\n"
    "       boundterm --stress [--bytes SIZE | --duration SECONDS] [--plot FILE.svg]\n"
    "                [OPTIONS] [-e PROGRAM [ARGS...]]\n"
    "       boundterm --print-config | --help | --version\n"
    "\n"
    "A terminal whose scrollback stays within byte budgets: rows past the screen are\n"
    "compressed in RAM, spilled encrypted to disk, and only then dropped. Without a\n"
    "display (or with --headless) it runs PROGRAM on a pseudo-terminal, no window.\n"
    "\n"
    "  --config FILE           the config file (default\n"
    "                          $XDG_CONFIG_HOME/boundterm/boundterm.conf, else\n"
    "                          ~/.config/boundterm/boundterm.conf; none is fine)\n"
    "  --print-config          print the effective configuration and where each\n"
    "                          value came from, then exit\n"
    "  --headless              no window: process the output, write stats and a dump,\n"
    "                          exit with PROGRAM's status (the default without\n"
    "                          a display)\n"
    "  --size COLSxROWS        screen size in cells (default 80x24)\n"
    "  --scrollback-ram SIZE   RAM budget of the scrollback (default 64M)\n"
    "  --scrollback-disk SIZE  disk budget for spilled scrollback; 0 = never spill\n"
    "                          (default 1G)\n"
    "  --spill-dir DIR         where spill files go, unlinked and encrypted\n"
    "                          (default $XDG_RUNTIME_DIR, else /tmp)\n"
    "  --page-size SIZE        scrollback page size, 4K to 16M (default 64K)\n"
    "  --codec NAME            codec of fresh pages: zstd, lz4, xz or none\n"
    "                          (default zstd)\n"
    "  --font FILE             font file (default: the shipped DejaVu Sans Mono)\n"
    "  --font-size PX          font size in pixels, 6 to 72 (default 15)\n"
    "  --stats FILE            write a JSON line of figures every second and at exit\n"
    "                          (- = standard output)\n"
    "  --dump-scrollback FILE  at exit, write the scrollback then the screen as text,\n"
    "                          one row per line (- = standard output)\n"
    "  --dump-format FORMAT    text (default) or ansi: the dump keeps colours and\n"
    "                          attributes as SGR sequences, links as OSC 8\n"
    "  --stress                run od -cx /dev/urandom (or PROGRAM) headless under\n"
    "                          the budgets, sample RES, print a summary; exit 0 only\n"
    "                          when RES stayed within start + RAM budget + 8 MiB\n"
    "  --bytes SIZE            with --stress: stop after SIZE of output (default 1G)\n"
    "  --duration SECONDS      with --stress: stop after SECONDS\n"
    "  --plot FILE.svg         with --stress: chart RES, the budget and stored bytes\n"
    "  --sessions N            with --stress: N sessions in one process sharing the\n"
    "                          budgets (--bytes counts all); a summary per session\n"
    "  --pass-stdin            PROGRAM reads boundterm's standard input (a pipe, say)\n"
    "                          instead of the terminal, as in ... | boundterm\n"
    "                          --pass-stdin -e less (keys still reach it: /dev/tty)\n"
    "  --single-instance       open the window in this user's running boundterm\n"
    "                          (one process, one budget), and exit\n"
    "  --wait                  with --single-instance: wait for that window to close\n"
    "                          and exit with its program's status\n"
    "  -e PROGRAM [ARGS...]    the program to run (default: the shell); everything\n"
    "                          after -e is its own\n"
    "  -h, --help              this text\n"
    "  -V, --version           the version\n"
    "\n"
    "SIZE is bytes with an optional K, M, G or T suffix, in powers of 1024\n"
    "(64M = 64MiB). Flags also take the form --flag=value and win over the config\n"
    "file; every key of the file is in docs/CONFIG.md and in --print-config's\n"
    "output. SIGUSR1 re-reads the file and applies new scrollback budgets at once.\n"
    "Exit status: PROGRAM's own, 127 when it cannot be executed, 128+N after signal\n"
    "N, 2 for a bad command line or config file, 125 when boundterm itself fails\n"
    "(say, it cannot create the --stats or --dump-scrollback file).\n";

const char *bt_config_help(void)
{
    return help_text;
}

const char *bt_config_version(void)
{
    return BT_VERSION;
}

/* True when environment variable name is set to value. */
static bool env_is(const char *name, const char *value)
{
    const char *v = getenv(name);
    return v && strcmp(v, value) == 0;
}

void bt_config_env_from_process(struct bt_config_env *env)
{
    env->xdg_runtime_dir = getenv("XDG_RUNTIME_DIR");
    env->display = getenv("DISPLAY");
    env->wayland_display = getenv("WAYLAND_DISPLAY");
    env->xdg_config_home = getenv("XDG_CONFIG_HOME");
    env->home = getenv("HOME");
    env->shell = getenv("SHELL");
    env->font_dir = getenv("BOUNDTERM_FONT_DIR");
    env->frame_log = getenv("BOUNDTERM_FRAME_LOG");
    const char *geometry = getenv("BOUNDTERM_GEOMETRY");
    const char *driver = getenv("SDL_RENDER_DRIVER");
    env->render_geometry = (geometry && geometry[0] == '1') ||
                           (driver && *driver && strcmp(driver, "software") != 0);
    env->xshm_off = env_is("BOUNDTERM_XSHM", "0");
    env->short_slice_off = env_is("BOUNDTERM_SHORT_SLICE", "0");
    bool keys_off = env_is("BOUNDTERM_X11_KEYS", "0"), keys_on = env_is("BOUNDTERM_X11_KEYS", "1");
    env->x11_keys = keys_off ? 0 : keys_on ? 1 : -1;
    env->xmodifiers = getenv("XMODIFIERS");
    env->sdl_im_module = getenv("SDL_IM_MODULE");
    env->ibus_address = getenv("IBUS_ADDRESS");
    env->sdl_videodriver = getenv("SDL_VIDEODRIVER");
    env->min_ram = NULL;
    env->store_min_ram = sb_config_floor_ram; /* the store scales its parts down to it */
}

uint64_t bt_config_min_ram(const struct bt_config_env *env)
{
    struct bt_config cfg;
    bt_config_defaults(&cfg, env);
    return min_ram_fixed_point(&cfg);
}

/* The length of a flag's name in arg ("--name" or "--name=value"). */
static size_t flag_len(const char *arg)
{
    return strcspn(arg, "=");
}

/* The plain flag named by arg, or NULL. */
static const struct flag *plain_flag(const char *arg)
{
    size_t len = flag_len(arg);
    for (size_t i = 0; i < sizeof(plain_flags) / sizeof(plain_flags[0]); i++)
        if (strlen(plain_flags[i].name) == len && strncmp(arg, plain_flags[i].name, len) == 0)
            return &plain_flags[i];
    return NULL;
}

/* The key whose flag arg names, or NULL. */
static const struct key *key_flag(const char *arg)
{
    size_t len = flag_len(arg);
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].flag && strlen(keys[i].flag) == len && strncmp(arg, keys[i].flag, len) == 0)
            return &keys[i];
    return NULL;
}

/* The value of the flag at argv[*i], from "--flag=value" or the next word; NULL if none. */
static const char *flag_value(int argc, char *const *argv, int *i, const char *name,
                              char *err, size_t errlen)
{
    const char *eq = strchr(argv[*i], '=');
    const char *value = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
    if (!value || !*value) {
        fail(err, errlen, "boundterm: %s needs a value", name);
        return NULL;
    }
    return value;
}

/* Applies a flag that sets no key. */
static bool apply_plain(struct bt_config *cfg, const struct flag *f, const char *value,
                        char *err, size_t errlen)
{
    if (strcmp(f->name, "--headless") == 0)
        cfg->mode = BT_MODE_HEADLESS;
    else if (strcmp(f->name, "--pass-stdin") == 0)
        cfg->pass_stdin = true;
    else if (strcmp(f->name, "--single-instance") == 0)
        cfg->single_instance = true;
    else if (strcmp(f->name, "--wait") == 0)
        cfg->wait = true;
    else if (strcmp(f->name, "--print-config") == 0)
        cfg->print_config = true;
    else if (strcmp(f->name, "--stats") == 0)
        cfg->stats_path = value;
    else if (strcmp(f->name, "--dump-scrollback") == 0)
        cfg->dump_path = value;
    else if (strcmp(f->name, "--dump-format") == 0 && strcmp(value, "text") != 0 &&
             strcmp(value, "ansi") != 0)
        return fail(err, errlen, "boundterm: --dump-format: '%s' is not text or ansi", value);
    else if (strcmp(f->name, "--dump-format") == 0)
        cfg->dump_ansi = strcmp(value, "ansi") == 0;
    else if (!copy_str(cfg->config_path, sizeof(cfg->config_path), value))
        return fail(err, errlen, "boundterm: --config: '%s' is too long", value);
    else
        cfg->config_explicit = true;
    return true;
}

/*
 * Applies the flag at argv[*i]: early ones (--config, --print-config) in the
 * first pass, the rest in the second, so flags win over the file read between.
 */
static bool apply_flag(struct bt_config *cfg, int argc, char *const *argv, int *i, bool early,
                       char *err, size_t errlen)
{
    const char *arg = argv[*i];
    const struct flag *f = plain_flag(arg);
    const struct key *k = f ? NULL : key_flag(arg);
    if (!f && !k)
        return fail(err, errlen, "boundterm: unknown option '%s' (see boundterm --help)", arg);
    const char *name = f ? f->name : k->flag;
    if (f && !f->value) {
        if (strchr(arg, '='))
            return fail(err, errlen, "boundterm: %s takes no value", f->name);
        return (f->early != early) || apply_plain(cfg, f, NULL, err, errlen);
    }
    const char *value = flag_value(argc, argv, i, name, err, errlen);
    if (!value)
        return false;
    if (f)
        return (f->early != early) || apply_plain(cfg, f, value, err, errlen);
    struct where w = {.flag = k->flag};
    return early || apply_value(cfg, k, value, &w, err, errlen);
}

/* One pass over argv; stops at -e (recording the program) and at --help or --version. */
static bool flags_pass(struct bt_config *cfg, int argc, char *const *argv, bool early,
                       char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            cfg->mode = BT_MODE_HELP;
            return true;
        } else if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
            cfg->mode = BT_MODE_VERSION;
            return true;
        } else if (strcmp(arg, "-e") == 0) {
            if (i + 1 >= argc || !*argv[i + 1])
                return fail(err, errlen, "boundterm: -e needs a program to run");
            cfg->argv = (const char *const *)&argv[i + 1];
            return true;
        } else if (arg[0] != '-') {
            return fail(err, errlen, "boundterm: unexpected argument '%s' (the program goes "
                        "after -e)", arg);
        } else if (!apply_flag(cfg, argc, argv, &i, early, err, errlen)) {
            return false;
        }
    }
    return true;
}

/* Whether the command line only asks for --help or --version. */
static bool info_only(const struct bt_config *cfg)
{
    return cfg->mode == BT_MODE_HELP || cfg->mode == BT_MODE_VERSION;
}

bool bt_config_parse(struct bt_config *out, int argc, char *const *argv,
                     const struct bt_config_env *env, char *err, size_t errlen)
{
    struct bt_config *cfg = malloc(sizeof(*cfg));
    bool ok = false;
    if (!cfg)
        return fail(err, errlen, "boundterm: out of memory");
    bt_config_defaults(cfg, env);
    cfg->argc = argc;
    cfg->args = argv;
    if (!flags_pass(cfg, argc, argv, true, err, errlen))
        goto done;
    if (!info_only(cfg) && (!load_file(cfg, err, errlen) ||
                            !flags_pass(cfg, argc, argv, false, err, errlen)))
        goto done;
    settle_levels(cfg);
    settle_bindings(cfg);
    if (!info_only(cfg) && !config_check(cfg, err, errlen))
        goto done;
    if (!info_only(cfg) && !cfg->print_config && cfg->mode == BT_MODE_HEADLESS && !cfg->argv) {
        fail(err, errlen, "boundterm: headless mode needs -e PROGRAM (see --help)");
        goto done;
    }
    *out = *cfg;
    ok = true;
done:
    free(cfg);
    return ok;
}

bool bt_config_reload(const struct bt_config *current, struct bt_config *out, char *err,
                      size_t errlen)
{
    return bt_config_parse(out, current->argc, current->args, current->env, err, errlen);
}

/* ---- Printing ----------------------------------------------------------- */

void bt_config_reload_note(const struct bt_config *running, const struct bt_config *next,
                           char *buf, size_t cap)
{
    char a[BT_PATH_BYTES + 64], b[BT_PATH_BYTES + 64], shown[BT_PATH_BYTES + 2];
    size_t len = 0, n = 0;
    buf[0] = '\0';
    for (size_t i = 2; i < NKEYS; i++) { /* keys[0..1], the budgets, apply at once */
        if (!keys[i].print)
            continue;
        keys[i].print(running, &keys[i], a, sizeof(a));
        keys[i].print(next, &keys[i], b, sizeof(b));
        if (strcmp(a, b) == 0)
            continue;
        if (n++ == 0)
            len = (size_t)snprintf(buf, cap, "boundterm: %s: only the scrollback budgets change "
                                   "while running; these wait for the next start:",
                                   display_path(next, next->config_path, shown, sizeof(shown)));
        if (len < cap)
            len += (size_t)snprintf(buf + len, cap - len, "%s %s", n > 1 ? "," : "",
                                    keys[i].name);
    }
}

/* Writes value for the file: bare when it reads back as is, else quoted with escapes. */
static void print_value(FILE *f, const char *value)
{
    size_t n = strlen(value);
    bool bare = n > 0 && value[0] != '"' && value[0] != ' ' && value[n - 1] != ' ' &&
                !strstr(value, " #") && !strstr(value, "\t#") && !strchr(value, '\t');
    if (bare) {
        fputs(value, f);
        return;
    }
    fputc('"', f);
    for (const char *p = value; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* cfg as the store will run it: the parts sb_config_fit() scales down for a small budget. */
static void fitted(const struct bt_config *cfg, struct bt_config *out)
{
    struct sb_config sc;
    bt_config_store(cfg, &sc);
    sb_config_fit(&sc);
    *out = *cfg;
    out->page_size = sc.page_bytes;
    out->codec = sc.codec;
    out->codec_level = sc.codec_level;
    out->cold_codec = sc.cold_codec;
    if (sc.cold_codec != SB_CODEC_NONE) /* a level of no codec means nothing */
        out->cold_level = sc.cold_level;
}

void bt_config_print(const struct bt_config *cfg, FILE *f)
{
    char shown[BT_PATH_BYTES + 2], value[BT_PATH_BYTES + 64], set[BT_PATH_BYTES + 64];
    struct bt_config fit;
    fitted(cfg, &fit);
    const char *path = display_path(cfg, cfg->config_path, shown, sizeof(shown));
    fprintf(f, "# boundterm %s; config file: %s%s\n", BT_VERSION, cfg->config_path[0] ? path
            : "(none: neither $XDG_CONFIG_HOME nor $HOME is set)",
            cfg->config_path[0] && !cfg->config_loaded ? " (not found)" : "");
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        const struct bt_origin *o = &cfg->origin[i];
        if (!k->print)
            continue;
        k->print(&fit, k, value, sizeof(value));
        k->print(cfg, k, set, sizeof(set));
        fprintf(f, "%s = ", k->name);
        print_value(f, value);
        if (o->kind == BT_FROM_FILE)
            fprintf(f, "  # from %s:%u", path, (unsigned)o->line);
        else if (o->kind == BT_FROM_FLAG)
            fprintf(f, "  # from %s", k->flag);
        else
            fprintf(f, "  # from default");
        if (strcmp(value, set) != 0) /* the value is the one the store will use */
            fprintf(f, ", scaled down for scrollback_ram (was %s)", set);
        fputc('\n', f);
    }
}
