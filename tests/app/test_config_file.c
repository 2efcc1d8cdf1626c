/*
 * config.c, the file side: tables of good lines (checked through what
 * --print-config prints for the key, origin included) and bad lines (each
 * exact one-line message), key bindings, precedence of defaults < file <
 * flags, the file's place ($XDG_CONFIG_HOME, ~/.config, --config), a reload,
 * and --print-config output read back as a config file.
 */
#include "config.h"
#include "../unit/check.h"

#include <sys/stat.h>
#include <unistd.h>

#define K 1024ull
#define M (1024ull * K)
#define G (1024ull * M)

#define NOT_A_SIZE "is not a size (expected bytes with an optional K, M or G suffix)"

static char tmp[256]; /* a private directory: $HOME and $XDG_CONFIG_HOME point into it */

/* A store whose minimum does not depend on the budget. */
static uint64_t min_fixed(uint64_t ram_budget)
{
    return 320 * K;
}

/* The environment of these tests: no display, $HOME in tmp, no XDG_CONFIG_HOME. */
static struct bt_config_env test_env(void)
{
    return (struct bt_config_env){.xdg_runtime_dir = "/run/user/1000", .home = tmp,
                                  .shell = "/bin/bash", .min_ram = min_fixed};
}

/* Writes text to path (creating its directory); the test stops if it cannot. */
static void write_file(const char *path, const char *text)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", path);
    for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    REQUIRE(fclose(f) == 0);
}

/* What --print-config prints after "key = " for key (value and origin), in buf. */
static const char *printed(const struct bt_config *cfg, const char *key, char *buf, size_t cap)
{
    char *out = NULL, want[64];
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    bt_config_print(cfg, f);
    fclose(f);
    snprintf(want, sizeof(want), "\n%s = ", key);
    const char *at = strstr(out, want);
    snprintf(buf, cap, "(no line for %s)", key);
    if (at) {
        at += strlen(want);
        snprintf(buf, cap, "%.*s", (int)strcspn(at, "\n"), at);
    }
    free(out);
    return buf;
}

static void test_good_lines(void)
{
    static const struct {
        const char *text, *key, *want;
    } cases[] = {
        {"scrollback_ram = 32M", "scrollback_ram", "32M  # from t.conf:1"},
        {"  scrollback_ram=32MiB   ", "scrollback_ram", "32M  # from t.conf:1"},
        {"scrollback_ram = \"32M\"  # quoted", "scrollback_ram", "32M  # from t.conf:1"},
        {"scrollback_ram = 33554433", "scrollback_ram", "33554433  # from t.conf:1"},
        {"[scrollback]\nram = 1G", "scrollback_ram", "1G  # from t.conf:2"},
        {"[scrollback]\nscrollback_disk = 0", "scrollback_disk", "0  # from t.conf:2"},
        {"scrollback.disk = 2G", "scrollback_disk", "2G  # from t.conf:1"},
        {"[font]\nscrollback.ram = 2M", "scrollback_ram", "2M  # from t.conf:2"},
        {"[ scrollback ]\npage_size = 256K", "page_size", "256K  # from t.conf:2"},
        {"page_size = 4096", "page_size", "4K  # from t.conf:1"},
        {"codec = lz4", "codec", "lz4  # from t.conf:1"},
        {"codec = XZ", "codec", "xz  # from t.conf:1"},
        {"codec = xz", "codec_level", "1  # from default"},
        {"codec = none", "codec_level", "0  # from default"},
        {"codec_level = 3", "codec_level", "3  # from t.conf:1"},
        {"codec_level = -5", "codec_level", "-5  # from t.conf:1"},
        {"cold_codec = zstd", "cold_level", "19  # from default"},
        {"cold_codec = none", "cold_codec", "none  # from t.conf:1"},
        {"cold_codec = none\ncold_level = 99", "cold_level", "99  # from t.conf:2"},
        {"cold_level = 9", "cold_level", "9  # from t.conf:1"},
        {"spill_dir = /tmp", "spill_dir", "/tmp  # from t.conf:1"},
        {"font = ", "font", "\"\"  # from t.conf:1"},
        {"font = \"\"", "font", "\"\"  # from t.conf:1"},
        {"font_size = 20", "font_size", "20  # from t.conf:1"},
        {"[font]\nsize = 6", "font_size", "6  # from t.conf:2"},
        {"[font]\nfont_size = 72", "font_size", "72  # from t.conf:2"},
        {"foreground = #A0b0C0", "foreground", "#a0b0c0  # from t.conf:1"},
        {"background = #000000 # black", "background", "#000000  # from t.conf:1"},
        {"background = #000000\t# black", "background", "#000000  # from t.conf:1"},
        {"[colors]\nbackground=#102030", "background", "#102030  # from t.conf:2"},
        {"palette = #010203, #040506", "palette1", "#040506  # from t.conf:1"},
        {"palette = #010203,#040506", "palette2", "#00cd00  # from default"},
        {"palette = #000001,#000002,#000003,#000004,#000005,#000006,#000007,#000008,"
         "#000009,#00000a,#00000b,#00000c,#00000d,#00000e,#00000f,#000010",
         "palette15", "#000010  # from t.conf:1"},
        {"palette15 = #123456", "palette15", "#123456  # from t.conf:1"},
        {"[colors]\npalette3 = #123456", "palette3", "#123456  # from t.conf:2"},
        {"cursor_shape = BAR", "cursor_shape", "bar  # from t.conf:1"},
        {"[cursor]\nshape = underline", "cursor_shape", "underline  # from t.conf:2"},
        {"cursor_blink = no", "cursor_blink", "false  # from t.conf:1"},
        {"cursor_blink = off", "cursor_blink", "false  # from t.conf:1"},
        {"cursor_blink = 0", "cursor_blink", "false  # from t.conf:1"},
        {"[cursor]\nblink = Yes", "cursor_blink", "true  # from t.conf:2"},
        {"", "cursor_blink_timeout", "10  # from default"},
        {"cursor_blink_timeout = 0", "cursor_blink_timeout", "0  # from t.conf:1"},
        {"[cursor]\nblink_timeout = 86400", "cursor_blink_timeout", "86400  # from t.conf:2"},
        {"paste_filter = RAW", "paste_filter", "raw  # from t.conf:1"},
        {"[terminal]\npaste_filter = safe", "paste_filter", "safe  # from t.conf:2"},
        {"paste_confirm_multiline = yes", "paste_confirm_multiline", "true  # from t.conf:1"},
        {"title_shows_res = on", "title_shows_res", "true  # from t.conf:1"},
        {"cursor_blink = off\ntitle_shows_res = on", "cursor_blink", "false  # from t.conf:1"},
        {"bell = urgent", "bell", "urgent  # from t.conf:1"},
        {"[terminal]\nbell = None", "bell", "none  # from t.conf:2"},
        {"osc52_max = 64M", "osc52_max", "64M  # from t.conf:1"},
        {"osc52_max = 0", "osc52_max", "0  # from t.conf:1"},
        {"osc52_read = ASK", "osc52_read", "ask  # from t.conf:1"},
        {"osc52_read = allow", "osc52_read", "allow  # from t.conf:1"},
        {"url_launcher = firefox", "url_launcher", "firefox  # from t.conf:1"},
        {"url_launcher = none", "url_launcher", "none  # from t.conf:1"},
        {"shell = /bin/zsh", "shell", "/bin/zsh  # from t.conf:1"},
        {"shell = \"/opt/my shell/zsh\"", "shell", "/opt/my shell/zsh  # from t.conf:1"},
        {"shell = \"/opt/a # b\"", "shell", "\"/opt/a # b\"  # from t.conf:1"},
        {"shell = \"/opt/\\\"q\\\\\"", "shell", "/opt/\"q\\  # from t.conf:1"},
        {"term = foot", "term", "foot  # from t.conf:1"},
        {"[terminal]\nterm = xterm-256color", "term", "xterm-256color  # from t.conf:2"},
        {"size = 132x43", "size", "132x43  # from t.conf:1"},
        {"[terminal]\nsize=10x5", "size", "10x5  # from t.conf:2"},
        {"key_copy = ctrl+alt+c", "key_copy", "Ctrl+Alt+C  # from t.conf:1"},
        {"", "key_search_case", "Alt+C  # from default"},
        {"", "key_search_regex", "Alt+R  # from default"},
        /* a shortcut set on a search bar key takes it; the bar's default gives way */
        {"key_copy = Alt+C", "key_copy", "Alt+C  # from t.conf:1"},
        {"key_copy = Alt+C", "key_search_case", "none  # from default"},
        {"[keys]\nsearch_regex = Ctrl+Shift+C", "key_copy", "none  # from default"},
        {"[keys]\nsearch_regex = Ctrl+Shift+C", "key_search_regex", "Ctrl+Shift+C  # from t.conf:2"},
        {"[keys]\ncopy = none\npaste = Ctrl+Shift+C", "key_paste", "Ctrl+Shift+C  # from t.conf:3"},
        {"[keys]\ncopy = NONE", "key_copy", "none  # from t.conf:2"},
        {"keys.zoom_in = Ctrl++", "key_zoom_in", "Ctrl++  # from t.conf:1"},
        {"key_zoom_in = Ctrl+Keypad +", "key_zoom_in", "Ctrl+Keypad +  # from t.conf:1"},
        {"key_search = Super+F3", "key_search", "Super+F3  # from t.conf:1"},
        {"key_overlay = shift+control+pgup", "key_overlay", "Ctrl+Shift+PageUp  # from t.conf:1"},
        {"key_overlay = F12", "key_overlay", "F12  # from t.conf:1"},
        {"key_clear_scrollback = Ctrl+Shift+Delete", "key_clear_scrollback",
         "Ctrl+Shift+Delete  # from t.conf:1"},
        {"# c\n\n  # d\r\nterm = vt100\r\n", "term", "vt100  # from t.conf:4"},
        {"term = a\nterm = b", "term", "b  # from t.conf:2"},
        {"", "term", "xterm-256color  # from default"},
        {"\n\n", "key_copy", "Ctrl+Shift+C  # from default"},
        {"[keys]", "key_scroll_page_up", "Shift+PageUp  # from default"},
        {"", "key_zoom_in", "Ctrl+=  # from default"},
        {"", "shell", "/bin/bash  # from default"},
        {"", "spill_dir", "/run/user/1000  # from default"},
        {"", "scrollback_ram", "64M  # from default"},
        {"", "palette4", "#0000ee  # from default"},
    };
    struct bt_config_env env = test_env();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bt_config cfg;
        char err[512] = "", got[1200];
        bt_config_defaults(&cfg, &env);
        bool ok = bt_config_apply_text(&cfg, "t.conf", cases[i].text, strlen(cases[i].text),
                                       err, sizeof(err));
        CHECK_STR(ok ? "ok" : err, "ok");
        CHECK_STR(printed(&cfg, cases[i].key, got, sizeof(got)), cases[i].want);
    }
}

static void test_bad_lines(void)
{
    static const struct {
        const char *text, *err;
    } cases[] = {
        {"scrollback_ram = 12Q",
         "boundterm: t.conf:1: scrollback_ram: '12Q' " NOT_A_SIZE},
        {"scrollback_ram = -5M", "boundterm: t.conf:1: scrollback_ram: '-5M' " NOT_A_SIZE},
        {"scrollback_disk = -1", "boundterm: t.conf:1: scrollback_disk: '-1' " NOT_A_SIZE},
        {"\n[scrollback]\ndisk = 1.5G", "boundterm: t.conf:3: disk: '1.5G' " NOT_A_SIZE},
        {"scrollback_ram = 64MB", "boundterm: t.conf:1: scrollback_ram: '64MB' is ambiguous "
         "(sizes are powers of 1024: write e.g. 64M or 64MiB)"},
        {"scrollback_disk = 99999999999999999999",
         "boundterm: t.conf:1: scrollback_disk: '99999999999999999999' is too large"},
        {"scrollback_ram = 100K", "boundterm: t.conf:1: scrollback_ram: '100K' is below the "
         "minimum RAM budget of 320K (327680 bytes)"},
        {"[scrollback]\nram = 1K", "boundterm: t.conf:2: scrollback_ram: '1K' is below the "
         "minimum RAM budget of 320K (327680 bytes)"},
        {"scrollback_ram =", "boundterm: t.conf:1: scrollback_ram: '' is empty (expected a "
         "value)"},
        {"fnot_size = 12", "boundterm: t.conf:1: unknown key 'fnot_size' (did you mean "
         "'font_size'?)"},
        {"scrollback-ram = 1M", "boundterm: t.conf:1: unknown key 'scrollback-ram' (did you "
         "mean 'scrollback_ram'?)"},
        {"[scrollback]\nrma = 1M", "boundterm: t.conf:2: unknown key 'rma' (did you mean "
         "'scrollback_ram'?)"},
        {"palette16 = #000000", "boundterm: t.conf:1: unknown key 'palette16' (did you mean "
         "'palette1'?)"},
        {"Scrollback_RAM = 1G", "boundterm: t.conf:1: unknown key 'Scrollback_RAM' (did you "
         "mean 'scrollback_ram'?)"},
        {"colour = #000000", "boundterm: t.conf:1: unknown key 'colour' (boundterm "
         "--print-config lists every key)"},
        {"ram = 1M", "boundterm: t.conf:1: unknown key 'ram' (boundterm --print-config lists "
         "every key)"},
        {"font.ram = 1M", "boundterm: t.conf:1: unknown key 'font.ram' (did you mean 'term'?)"},
        {"[colors]\nshell = x", "boundterm: t.conf:2: 'shell' belongs in [terminal], not "
         "[colors]"},
        {"[fonts]", "boundterm: t.conf:1: unknown section '[fonts]' (expected scrollback, "
         "font, colors, cursor, terminal or keys)"},
        {"[font", "boundterm: t.conf:1: '[font' is not a section header (expected [name])"},
        {"[font] x", "boundterm: t.conf:1: '[font] x' is not a section header (expected "
         "[name])"},
        {"just words", "boundterm: t.conf:1: 'just words' is not a setting (expected "
         "key = value)"},
        {" = 5", "boundterm: t.conf:1: a setting without a key (expected key = value)"},
        {"foreground = red", "boundterm: t.conf:1: foreground: 'red' is not a colour "
         "(expected #rrggbb)"},
        {"foreground = #12345", "boundterm: t.conf:1: foreground: '#12345' is not a colour "
         "(expected #rrggbb)"},
        {"background = #1234567", "boundterm: t.conf:1: background: '#1234567' is not a "
         "colour (expected #rrggbb)"},
        {"palette0 = #12345g", "boundterm: t.conf:1: palette0: '#12345g' is not a colour "
         "(expected #rrggbb)"},
        {"palette = #000000,#zzzzzz", "boundterm: t.conf:1: palette: '#000000,#zzzzzz' is not "
         "a palette (expected up to 16 #rrggbb colours separated by commas)"},
        {"palette = #000000,", "boundterm: t.conf:1: palette: '#000000,' is not a palette "
         "(expected up to 16 #rrggbb colours separated by commas)"},
        {"palette=#0,#0", "boundterm: t.conf:1: palette: '#0,#0' is not a palette (expected "
         "up to 16 #rrggbb colours separated by commas)"},
        {"font = /nonexistent/x.ttf", "boundterm: t.conf:1: font: '/nonexistent/x.ttf' is not "
         "a readable font file (No such file or directory)"},
        {"font = /tmp", "boundterm: t.conf:1: font: '/tmp' is not a readable font file (not a "
         "regular file)"},
        {"font_size = 5", "boundterm: t.conf:1: font_size: '5' is not a font size (expected a "
         "whole number of pixels from 6 to 72)"},
        {"[font]\nsize = 12.5", "boundterm: t.conf:2: size: '12.5' is not a font size "
         "(expected a whole number of pixels from 6 to 72)"},
        {"spill_dir = /nonexistent", "boundterm: t.conf:1: spill_dir: '/nonexistent' is not a "
         "writable directory (No such file or directory)"},
        {"spill_dir = /dev/null", "boundterm: t.conf:1: spill_dir: '/dev/null' is not a "
         "writable directory (not a directory)"},
        {"cursor_blink = maybe", "boundterm: t.conf:1: cursor_blink: 'maybe' is not a boolean "
         "(expected true or false)"},
        {"cursor_blink_timeout = 86401", "boundterm: t.conf:1: cursor_blink_timeout: '86401' is "
         "not a number of seconds (expected a whole number from 0, never stop blinking, to "
         "86400)"},
        {"cursor_blink_timeout = -1", "boundterm: t.conf:1: cursor_blink_timeout: '-1' is not a "
         "number of seconds (expected a whole number from 0, never stop blinking, to 86400)"},
        {"cursor_blink_timeout = 1.5", "boundterm: t.conf:1: cursor_blink_timeout: '1.5' is not "
         "a number of seconds (expected a whole number from 0, never stop blinking, to 86400)"},
        {"cursor_shape = beam", "boundterm: t.conf:1: cursor_shape: 'beam' is not a cursor "
         "shape (expected block, underline or bar)"},
        {"paste_filter = none", "boundterm: t.conf:1: paste_filter: 'none' is not one of safe "
         "or raw"},
        {"bell = loud", "boundterm: t.conf:1: bell: 'loud' is not one of flash, urgent or none"},
        {"osc52_max = 65M",
         "boundterm: t.conf:1: osc52_max: '65M' is too large (expected at most 64M; 0 turns "
         "copying off)"},
        {"osc52_read = yes", "boundterm: t.conf:1: osc52_read: 'yes' is not one of deny, ask or "
                             "allow"},
        {"url_launcher = \"sh -c\"", "boundterm: t.conf:1: url_launcher: 'sh -c' is one "
         "program, without arguments or spaces (the link is its one argument)"},
        {"paste_confirm_multiline = 2", "boundterm: t.conf:1: paste_confirm_multiline: '2' is "
         "not a boolean (expected true or false)"},
        {"key_copy = Ctrl+Shift+Foo", "boundterm: t.conf:1: key_copy: 'Ctrl+Shift+Foo' is not "
         "a key binding (unknown key name; expected e.g. Ctrl+Shift+C, Shift+PageUp, Ctrl+= or "
         "none)"},
        {"key_copy = Hyper+C", "boundterm: t.conf:1: key_copy: 'Hyper+C' is not a key binding "
         "(unknown key name; expected e.g. Ctrl+Shift+C, Shift+PageUp, Ctrl+= or none)"},
        {"key_copy = Ctrl+", "boundterm: t.conf:1: key_copy: 'Ctrl+' is not a key binding "
         "(expected modifiers and a key, such as Ctrl+Shift+C, or none)"},
        {"[keys]\ncopy = Ctrl", "boundterm: t.conf:2: copy: 'Ctrl' is not a key binding (a "
         "modifier needs a key after it, such as Ctrl+Shift+C)"},
        {"key_copy = Ctrl+Shift+V", "boundterm: t.conf:1: key_copy: 'Ctrl+Shift+V' is already "
         "bound to key_paste (set key_paste = none to free it)"},
        {"key_search = shift+pageup", "boundterm: t.conf:1: key_search: 'Shift+PageUp' is "
         "already bound to key_scroll_page_up (set key_scroll_page_up = none to free it)"},
        {"key_search_case = Ctrl+Shift+R\nkey_search_regex = Ctrl+Shift+R", "boundterm: t.conf:2: "
         "key_search_regex: 'Ctrl+Shift+R' is already bound to key_search_case (set "
         "key_search_case = none to free it)"},
        {"key_copy = Alt+R\nkey_search_regex = Alt+R", "boundterm: t.conf:2: key_search_regex: "
         "'Alt+R' is already bound to key_copy (set key_copy = none to free it)"},
        {"codec = brotli", "boundterm: t.conf:1: codec: 'brotli' is not a codec (expected "
         "zstd, lz4, xz or none)"},
        {"cold_codec = ", "boundterm: t.conf:1: cold_codec: '' is empty (expected a value)"},
        {"codec_level = fast", "boundterm: t.conf:1: codec_level: 'fast' is not a level "
         "(expected a whole number)"},
        {"codec_level = 30", "boundterm: t.conf:1: codec_level: '30' is not a level of zstd "
         "(expected -7 to 22)"},
        {"codec = xz\ncodec_level = 12", "boundterm: t.conf:2: codec_level: '12' is not a "
         "level of xz (expected 0 to 9)"},
        {"cold_level = 13\ncold_codec = lz4", "boundterm: t.conf:1: cold_level: '13' is not "
         "a level of lz4 (expected 0 to 12)"},
        {"page_size = 1K", "boundterm: t.conf:1: page_size: '1K' is not a page size (expected "
         "4K to 16M)"},
        {"page_size = 32M", "boundterm: t.conf:1: page_size: '32M' is not a page size "
         "(expected 4K to 16M)"},
        {"size = 80by24", "boundterm: t.conf:1: size: '80by24' is not a screen size (expected "
         "COLSxROWS such as 80x24, each 1-65535, at most 16777216 cells)"},
        {"term = xterm 256", "boundterm: t.conf:1: term: 'xterm 256' is not a terminal type "
         "(expected at most 63 letters, digits, '-', '+', '.' or '_', such as xterm-256color)"},
        {"shell = ", "boundterm: t.conf:1: shell: '' is empty (expected a value)"},
        {"term = \"abc", "boundterm: t.conf:1: term: the value has no closing quote"},
        {"shell = \"/bin/sh\x1b[31m\"", "boundterm: t.conf:1: shell: '/bin/sh?[31m' holds a "
         "control character"},
        {"term = \"abc\" x", "boundterm: t.conf:1: term: the value has text after the closing "
         "quote"},
        {"term = ok\nterm = bad one\nterm = ok", "boundterm: t.conf:2: term: 'bad one' is not "
         "a terminal type (expected at most 63 letters, digits, '-', '+', '.' or '_', such as "
         "xterm-256color)"},
    };
    struct bt_config_env env = test_env();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bt_config cfg;
        char err[512] = "";
        bt_config_defaults(&cfg, &env);
        bool ok = bt_config_apply_text(&cfg, "t.conf", cases[i].text, strlen(cases[i].text),
                                       err, sizeof(err));
        CHECK_STR(ok ? "(accepted)" : err, cases[i].err);
        CHECK(strchr(err, '\n') == NULL);
    }
    /* A NUL byte inside a line. */
    struct bt_config cfg;
    char err[256];
    bt_config_defaults(&cfg, &env);
    CHECK(!bt_config_apply_text(&cfg, "t.conf", "term = a\nterm = b\0c\n", 19, err,
                                sizeof(err)));
    CHECK_STR(err, "boundterm: t.conf:2: the line holds a NUL byte");
}

/* Every key name the parser knows reads back as itself; modifiers print in one order. */
static void test_key_names(void)
{
    size_t n = 0;
    for (char name[BT_KEY_NAME_MAX]; bt_config_key_name(n, name, sizeof(name)); n++) {
        struct bt_key k;
        char text[64];
        snprintf(text, sizeof(text), "Ctrl+Alt+%s", name);
        CHECK(bt_parse_key(text, &k) == NULL);
        CHECK_EQ(k.mods, BT_MOD_CTRL | BT_MOD_ALT);
        CHECK_STR(k.name, name);
    }
    CHECK(n > 120);
    struct bt_key k;
    CHECK(bt_parse_key("super+shift+alt+ctrl+enter", &k) == NULL);
    CHECK_EQ(k.mods, BT_MOD_SHIFT | BT_MOD_CTRL | BT_MOD_ALT | BT_MOD_SUPER);
    CHECK_STR(k.name, "Return");
    CHECK(bt_parse_key("+", &k) == NULL);
    CHECK_STR(k.name, "+");
    CHECK_EQ(k.mods, 0);
    CHECK(bt_parse_key("Shift+Esc", &k) == NULL);
    CHECK_STR(k.name, "Escape");
    CHECK(bt_parse_key("Ctrl+Minus", &k) == NULL);
    CHECK_STR(k.name, "-");
    CHECK(bt_parse_key("", &k) != NULL);
    CHECK(bt_parse_key("Ctrl+Shift+", &k) != NULL);
    CHECK(bt_parse_key("Ctrl+ C", &k) != NULL);
}

/* Flags win over the file, the file over the defaults, key by key. */
static void test_precedence(void)
{
    char path[512], got[1200], err[512] = "";
    struct bt_config_env env = test_env();
    snprintf(path, sizeof(path), "%s/.config/boundterm/boundterm.conf", tmp);
    write_file(path, "scrollback_ram = 32M\nfont_size = 20\n[scrollback]\ncodec = lz4\n");
    const char *argv[] = {"boundterm", "--scrollback-ram", "48M", "--codec=xz", "-e", "x", NULL};
    struct bt_config cfg;
    REQUIRE(bt_config_parse(&cfg, 6, (char *const *)argv, &env, err, sizeof(err)));
    CHECK_EQ(cfg.scrollback_ram, 48 * M);
    CHECK_EQ(cfg.font_size, 20);
    CHECK_EQ(cfg.codec, SB_CODEC_XZ);
    CHECK_EQ(cfg.scrollback_disk, G);
    CHECK_STR(printed(&cfg, "scrollback_ram", got, sizeof(got)), "48M  # from --scrollback-ram");
    CHECK_STR(printed(&cfg, "font_size", got, sizeof(got)),
              "20  # from ~/.config/boundterm/boundterm.conf:2");
    CHECK_STR(printed(&cfg, "codec", got, sizeof(got)), "xz  # from --codec");
    CHECK_STR(printed(&cfg, "scrollback_disk", got, sizeof(got)), "1G  # from default");
    CHECK(cfg.config_loaded);

    /* $XDG_CONFIG_HOME wins over ~/.config; a relative one is ignored, as the spec says. */
    char xdg[300];
    snprintf(xdg, sizeof(xdg), "%s/xdg", tmp);
    snprintf(path, sizeof(path), "%s/boundterm/boundterm.conf", xdg);
    write_file(path, "font_size = 30\n");
    env.xdg_config_home = xdg;
    REQUIRE(bt_config_parse(&cfg, 6, (char *const *)argv, &env, err, sizeof(err)));
    CHECK_EQ(cfg.font_size, 30);
    CHECK_EQ(cfg.codec, SB_CODEC_XZ);
    env.xdg_config_home = "relative";
    REQUIRE(bt_config_parse(&cfg, 6, (char *const *)argv, &env, err, sizeof(err)));
    CHECK_EQ(cfg.font_size, 20);

    /* --config names the file; then neither usual place is read. */
    char other[512];
    snprintf(other, sizeof(other), "%s/other.conf", tmp);
    write_file(other, "font_size = 40\n");
    const char *with[] = {"boundterm", "--config", other, "-e", "x", NULL};
    REQUIRE(bt_config_parse(&cfg, 5, (char *const *)with, &env, err, sizeof(err)));
    CHECK_EQ(cfg.font_size, 40);
    CHECK_EQ(cfg.scrollback_ram, 64 * M);
    char want[600];
    snprintf(want, sizeof(want), "40  # from ~/other.conf:1");
    CHECK_STR(printed(&cfg, "font_size", got, sizeof(got)), want);
    /* Flag order does not matter: --config after the flags it is overridden by. */
    const char *late[] = {"boundterm", "--font-size", "9", "--config", other, "-e", "x", NULL};
    REQUIRE(bt_config_parse(&cfg, 7, (char *const *)late, &env, err, sizeof(err)));
    CHECK_EQ(cfg.font_size, 9);
}

static void test_file_errors(void)
{
    char path[512], err[512] = "";
    struct bt_config_env env = test_env();
    struct bt_config cfg = {.cols = -7};
    /* No file at all is fine; an explicit --config that is missing is not. */
    struct bt_config_env nohome = {.min_ram = min_fixed};
    const char *plain[] = {"boundterm", "-e", "x", NULL};
    CHECK(bt_config_parse(&cfg, 3, (char *const *)plain, &nohome, err, sizeof(err)));
    CHECK_STR(cfg.config_path, "");
    const char *missing[] = {"boundterm", "--config", "/nonexistent/b.conf", "-e", "x", NULL};
    CHECK(!bt_config_parse(&cfg, 5, (char *const *)missing, &env, err, sizeof(err)));
    CHECK_STR(err, "boundterm: --config: '/nonexistent/b.conf' cannot be read (No such file "
              "or directory)");
    const char *dir[] = {"boundterm", "--config", "/tmp", "-e", "x", NULL};
    CHECK(!bt_config_parse(&cfg, 5, (char *const *)dir, &env, err, sizeof(err)));
    CHECK_STR(err, "boundterm: --config: '/tmp' cannot be read (Is a directory)");
    const char *noval[] = {"boundterm", "--config", NULL};
    CHECK(!bt_config_parse(&cfg, 2, (char *const *)noval, &env, err, sizeof(err)));
    CHECK_STR(err, "boundterm: --config needs a value");

    /* The usual file, bad: named with ~, as a person would type it. */
    snprintf(path, sizeof(path), "%s/.config/boundterm/boundterm.conf", tmp);
    write_file(path, "# budgets\n\nscrollback_ram = 12Q\n");
    cfg.cols = -7;
    CHECK(!bt_config_parse(&cfg, 3, (char *const *)plain, &env, err, sizeof(err)));
    CHECK_STR(err, "boundterm: ~/.config/boundterm/boundterm.conf:3: scrollback_ram: '12Q' "
              NOT_A_SIZE);
    CHECK_EQ(cfg.cols, -7); /* untouched on failure */
    /* --help and --version still work with a broken file. */
    const char *help[] = {"boundterm", "--help", NULL};
    CHECK(bt_config_parse(&cfg, 2, (char *const *)help, &env, err, sizeof(err)));
    CHECK_EQ(cfg.mode, BT_MODE_HELP);
    /* A flag does not excuse a bad line: the file is wrong either way. */
    const char *over[] = {"boundterm", "--scrollback-ram", "1G", "-e", "x", NULL};
    CHECK(!bt_config_parse(&cfg, 5, (char *const *)over, &env, err, sizeof(err)));
    /* A bad flag is named as the flag. */
    write_file(path, "\n");
    static const struct {
        const char *flag, *value, *err;
    } flags[] = {
        {"--font", "/nonexistent.ttf", "boundterm: --font: '/nonexistent.ttf' is not a readable "
         "font file (No such file or directory)"},
        {"--font-size", "99", "boundterm: --font-size: '99' is not a font size (expected a "
         "whole number of pixels from 6 to 72)"},
        {"--codec", "br", "boundterm: --codec: 'br' is not a codec (expected zstd, lz4, xz or "
         "none)"},
        {"--page-size", "1K", "boundterm: --page-size: '1K' is not a page size (expected 4K to "
         "16M)"},
        {"--page-size", "12Q", "boundterm: --page-size: '12Q' " NOT_A_SIZE},
        {"--spill-dir", "/dev/null", "boundterm: --spill-dir: '/dev/null' is not a writable "
         "directory (not a directory)"},
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        const char *argv[] = {"boundterm", flags[i].flag, flags[i].value, "-e", "x", NULL};
        CHECK(!bt_config_parse(&cfg, 5, (char *const *)argv, &env, err, sizeof(err)));
        CHECK_STR(err, flags[i].err);
    }
    unlink(path);
}

/* The minimum RAM budget follows the page size and codecs when the store computes it. */
static void test_store_minimum(void)
{
    struct bt_config_env env = test_env();
    env.store_min_ram = sb_config_min_ram;
    struct bt_config cfg;
    char err[512];
    bt_config_defaults(&cfg, &env);
    uint64_t base = bt_config_min_ram(&env);
    struct sb_config sc;
    sb_config_defaults(&sc);
    sc.ram_budget = base;
    CHECK(base >= sb_config_min_ram(&sc));
    bt_config_defaults(&cfg, &env);
    CHECK(bt_config_apply_text(&cfg, "t.conf", "scrollback_ram = 16M\n", 21, err, sizeof(err)));
    bt_config_defaults(&cfg, &env);
    const char *big = "scrollback_ram = 16M\npage_size = 4M\n";
    CHECK(!bt_config_apply_text(&cfg, "t.conf", big, strlen(big), err, sizeof(err)));
    const char *want = "boundterm: t.conf:1: scrollback_ram: '16M' is below the minimum RAM "
                       "budget of ";
    CHECK(strncmp(err, want, strlen(want)) == 0);
    bt_config_defaults(&cfg, &env);
    const char *text = "page_size = 1M\ncodec = lz4\ncold_codec = none\nscrollback_disk = 0\n";
    CHECK(bt_config_apply_text(&cfg, "t.conf", text, strlen(text), err, sizeof(err)));
    bt_config_store(&cfg, &sc);
    CHECK_EQ(sc.page_bytes, M);
    CHECK_EQ(sc.codec, SB_CODEC_LZ4);
    CHECK_EQ(sc.codec_level, 1);
    CHECK_EQ(sc.cold_codec, SB_CODEC_NONE);
    CHECK_EQ(sc.disk_budget, 0);
    CHECK_EQ(sc.ram_budget, 64 * M);
    CHECK(sc.cold_bytes >= sc.page_bytes);
    CHECK_STR(sc.spill_dir, "/run/user/1000");
}

/* A reload sees the file's new values, keeps the flags' and fails without touching out. */
static void test_reload(void)
{
    char path[512], err[512] = "";
    struct bt_config_env env = test_env();
    snprintf(path, sizeof(path), "%s/reload.conf", tmp);
    write_file(path, "scrollback_ram = 32M\nscrollback_disk = 64M\n");
    const char *argv[] = {"boundterm", "--config", path, "--scrollback-disk", "0", "-e", "x",
                          NULL};
    struct bt_config cur, next;
    REQUIRE(bt_config_parse(&cur, 7, (char *const *)argv, &env, err, sizeof(err)));
    CHECK_EQ(cur.scrollback_ram, 32 * M);
    CHECK_EQ(cur.scrollback_disk, 0);
    write_file(path, "scrollback_ram = 8M\nscrollback_disk = 1G\n");
    REQUIRE(bt_config_reload(&cur, &next, err, sizeof(err)));
    CHECK_EQ(next.scrollback_ram, 8 * M);
    CHECK_EQ(next.scrollback_disk, 0); /* the flag still wins */
    CHECK(next.argv == cur.argv);
    char note[512];
    bt_config_reload_note(&cur, &next, note, sizeof(note));
    CHECK_STR(note, ""); /* budgets only */
    write_file(path, "scrollback_ram = 8M\ncodec = lz4\nfont_size = 9\n");
    REQUIRE(bt_config_reload(&cur, &next, err, sizeof(err)));
    bt_config_reload_note(&cur, &next, note, sizeof(note));
    CHECK_STR(note, "boundterm: ~/reload.conf: only the scrollback budgets change while "
              "running; these wait for the next start: codec, font_size");
    bt_config_reload_note(&cur, &next, note, 20);
    CHECK_STR(note, "boundterm: ~/reload");
    write_file(path, "scrollback_ram = 8Q\n");
    next.cols = -7;
    CHECK(!bt_config_reload(&cur, &next, err, sizeof(err)));
    CHECK_EQ(next.cols, -7);
    char want[700];
    snprintf(want, sizeof(want), "boundterm: ~/reload.conf:1: scrollback_ram: '8Q' " NOT_A_SIZE);
    CHECK_STR(err, want);
    unlink(path);
    CHECK(!bt_config_reload(&cur, &next, err, sizeof(err))); /* --config: it must exist */
}

/* --print-config's output is a config file that gives the same configuration back. */
static void test_print_round_trip(void)
{
    char path[512], err[512] = "";
    struct bt_config_env env = test_env();
    env.xdg_runtime_dir = "/tmp"; /* the printed spill_dir must exist to be read back */
    snprintf(path, sizeof(path), "%s/rt.conf", tmp);
    write_file(path, "scrollback_ram = 100000000\npage_size = 128K\ncodec = lz4\n"
               "cold_level = 3\nfont_size = 11\nforeground = #010203\npalette = #aabbcc\n"
               "cursor_shape = bar\ncursor_blink = false\nshell = \"/x y/ # z\"\nterm = foot\n"
               "[keys]\ncopy = none\nzoom_in = Ctrl++\nsearch = Alt+Keypad Enter\n");
    const char *argv[] = {"boundterm", "--config", path, "--size", "100x30", "-e", "x", NULL};
    struct bt_config a, b;
    REQUIRE(bt_config_parse(&a, 7, (char *const *)argv, &env, err, sizeof(err)));
    char *out = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    FILE *f = open_memstream(&out, &len);
    bt_config_print(&a, f);
    fclose(f);
    write_file(path, out);
    const char *plain[] = {"boundterm", "--config", path, "-e", "x", NULL};
    bool ok = bt_config_parse(&b, 5, (char *const *)plain, &env, err, sizeof(err));
    CHECK_STR(ok ? "ok" : err, "ok");
    REQUIRE(ok);
    f = open_memstream(&again, &len2);
    bt_config_print(&b, f);
    fclose(f);
    /* The same values, line for line; only the origins differ. */
    unsigned lines = 0;
    for (char *p = out, *q = again; p && q; lines++) {
        char *pe = strstr(p, "  # from"), *qe = strstr(q, "  # from");
        if (!pe || !qe)
            break;
        CHECK_EQ(pe - p, qe - q);
        CHECK(strncmp(p, q, (size_t)(pe - p)) == 0);
        p = strchr(pe, '\n');
        q = strchr(qe, '\n');
        p = p ? p + 1 : NULL;
        q = q ? q + 1 : NULL;
    }
    CHECK_EQ(lines, BT_CONFIG_KEYS - 1); /* every key but the palette alias */
    CHECK(strstr(out, "shell = \"/x y/ # z\"  # from") != NULL);
    CHECK(strstr(out, "size = 100x30  # from --size\n") != NULL);
    CHECK(strstr(out, "key_search = Alt+Keypad Enter  # from") != NULL);
    CHECK(strncmp(out, "# boundterm ", 12) == 0);
    CHECK(b.scrollback_ram == 100000000 && b.cols == 100 && b.rows == 30);
    CHECK(memcmp(a.keys, b.keys, sizeof(a.keys)) == 0);
    CHECK(memcmp(a.palette, b.palette, sizeof(a.palette)) == 0);
    free(out);
    free(again);
    unlink(path);
}

/* --help: every flag, within 80 columns. */
static void test_help(void)
{
    static const char *const names[] = {"--config", "--print-config", "--font ",
                                        "--font-size", "--codec", "--page-size", "--headless",
                                        "--size", "--scrollback-ram", "--scrollback-disk",
                                        "--spill-dir", "--stats", "--dump-scrollback"};
    const char *help = bt_config_help();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        CHECK(strstr(help, names[i]) != NULL);
    for (const char *p = help; *p;) {
        size_t n = strcspn(p, "\n");
        CHECK(n <= 80);
        p += n + (p[n] == '\n');
    }
}

int main(void)
{
    snprintf(tmp, sizeof(tmp), "%s/bt-config-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                         : "/tmp");
    REQUIRE(mkdtemp(tmp) != NULL);
    test_good_lines();
    test_bad_lines();
    test_key_names();
    test_precedence();
    test_file_errors();
    test_store_minimum();
    test_reload();
    test_print_round_trip();
    test_help();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return check_done();
}
