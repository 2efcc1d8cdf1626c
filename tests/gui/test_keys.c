/*
 * The key table: SDL key events -> the bytes the program reads from the pty, through events.c
 * (which pairs a key with its SDL_TEXTINPUT, as the window does) and the engine's encoders,
 * in each encoding a program can ask for: legacy xterm (the default), xterm's modifyOtherKeys
 * 1 and 2, and the kitty keyboard protocol's flags. Then the mouse encodings, and the window's
 * shortcuts, which never reach the program. No display needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "events.h"
#include "term.h"
#include "xkeys.h"

static const char none_sent[] = ""; /* a row whose key sends nothing */
#define NONE none_sent

struct capture {
    char buf[256];
    size_t len;
};

/* Engine output callback: collects what would be written to the pty. */
static void on_output(void *user, const char *bytes, size_t len)
{
    struct capture *c = user;
    if (c->len + len < sizeof c->buf) {
        memcpy(c->buf + c->len, bytes, len);
        c->len += len;
    }
}

enum { PRESS, RELEASE, REPEAT };

struct key_case {
    const char *mode;  /* fed to the engine first: the program asking for an encoding */
    SDL_Keycode sym;
    Uint16 mod;
    const char *text;  /* the SDL_TEXTINPUT after the press, or NULL */
    int type;
    const char *bytes; /* what the program reads; NONE for nothing; "" is one NUL byte */
};

#define LEGACY ""
#define MOK1 "\x1b[>4;1m"
#define MOK2 "\x1b[>4;2m"
#define CTRL KMOD_LCTRL
#define SHIFT KMOD_LSHIFT
#define ALT KMOD_LALT
#define SUPER KMOD_LGUI

static const struct key_case keys[] = {
    /* legacy: what xterm sends without modifyOtherKeys (issue 12's list first) */
    {LEGACY, SDLK_RETURN, SHIFT, NULL, PRESS, "\r"},
    {LEGACY, SDLK_RETURN, CTRL, NULL, PRESS, "\r"},
    {LEGACY, SDLK_RETURN, CTRL | SHIFT, NULL, PRESS, "\r"},
    {LEGACY, SDLK_BACKSPACE, CTRL, NULL, PRESS, "\b"},
    {LEGACY, SDLK_BACKSPACE, 0, NULL, PRESS, "\x7f"},
    {LEGACY, SDLK_TAB, CTRL, NULL, PRESS, "\t"},
    {LEGACY, SDLK_TAB, SHIFT, NULL, PRESS, "\x1b[Z"},
    {LEGACY, SDLK_LGUI, SUPER, NULL, PRESS, NONE},
    {LEGACY, SDLK_RGUI, SUPER, NULL, RELEASE, NONE},
    {LEGACY, SDLK_LSHIFT, SHIFT, NULL, PRESS, NONE},
    {LEGACY, SDLK_RETURN, 0, NULL, PRESS, "\r"},
    {LEGACY, SDLK_KP_ENTER, 0, NULL, PRESS, "\r"},
    {LEGACY, SDLK_RETURN, ALT, NULL, PRESS, "\x1b\r"},
    {"\x1b[20h", SDLK_RETURN, 0, NULL, PRESS, "\r\n"},
    {LEGACY, SDLK_BACKSPACE, ALT, NULL, PRESS, "\x1b\x7f"},
    {LEGACY, SDLK_BACKSPACE, ALT | CTRL, NULL, PRESS, "\x1b\b"},
    {"\x1b[?67h", SDLK_BACKSPACE, 0, NULL, PRESS, "\b"},
    {"\x1b[?67h", SDLK_BACKSPACE, CTRL, NULL, PRESS, "\x7f"},
    {LEGACY, SDLK_TAB, 0, NULL, PRESS, "\t"},
    {LEGACY, SDLK_TAB, ALT, NULL, PRESS, "\x1b\t"},
    {LEGACY, SDLK_TAB, CTRL | SHIFT, NULL, PRESS, "\x1b[Z"},
    {LEGACY, SDLK_ESCAPE, 0, NULL, PRESS, "\x1b"},
    {LEGACY, SDLK_ESCAPE, ALT, NULL, PRESS, "\x1b\x1b"},
    {LEGACY, SDLK_UP, 0, NULL, PRESS, "\x1b[A"},
    {LEGACY, SDLK_DOWN, 0, NULL, PRESS, "\x1b[B"},
    {LEGACY, SDLK_RIGHT, 0, NULL, PRESS, "\x1b[C"},
    {LEGACY, SDLK_LEFT, 0, NULL, PRESS, "\x1b[D"},
    {"\x1b[?1h", SDLK_UP, 0, NULL, PRESS, "\x1bOA"},
    {"\x1b[?1h", SDLK_UP, CTRL, NULL, PRESS, "\x1b[1;5A"},
    {LEGACY, SDLK_UP, SHIFT, NULL, PRESS, "\x1b[1;2A"},
    {LEGACY, SDLK_LEFT, CTRL, NULL, PRESS, "\x1b[1;5D"},
    {LEGACY, SDLK_RIGHT, ALT, NULL, PRESS, "\x1b[1;3C"},
    {LEGACY, SDLK_DOWN, CTRL | SHIFT, NULL, PRESS, "\x1b[1;6B"},
    {LEGACY, SDLK_UP, SUPER, NULL, PRESS, "\x1b[1;9A"},
    {LEGACY, SDLK_HOME, 0, NULL, PRESS, "\x1b[H"},
    {LEGACY, SDLK_END, 0, NULL, PRESS, "\x1b[F"},
    {LEGACY, SDLK_PAGEUP, 0, NULL, PRESS, "\x1b[5~"},
    {LEGACY, SDLK_PAGEDOWN, 0, NULL, PRESS, "\x1b[6~"},
    {LEGACY, SDLK_INSERT, 0, NULL, PRESS, "\x1b[2~"},
    {LEGACY, SDLK_DELETE, 0, NULL, PRESS, "\x1b[3~"},
    {LEGACY, SDLK_PAGEUP, CTRL, NULL, PRESS, "\x1b[5;5~"},
    {LEGACY, SDLK_F1, 0, NULL, PRESS, "\x1bOP"},
    {LEGACY, SDLK_F4, 0, NULL, PRESS, "\x1bOS"},
    {LEGACY, SDLK_F1, CTRL, NULL, PRESS, "\x1b[1;5P"},
    {LEGACY, SDLK_F5, 0, NULL, PRESS, "\x1b[15~"},
    {LEGACY, SDLK_F6, 0, NULL, PRESS, "\x1b[17~"},
    {LEGACY, SDLK_F10, 0, NULL, PRESS, "\x1b[21~"},
    {LEGACY, SDLK_F11, 0, NULL, PRESS, "\x1b[23~"},
    {LEGACY, SDLK_F12, 0, NULL, PRESS, "\x1b[24~"},
    {LEGACY, SDLK_F5, SHIFT, NULL, PRESS, "\x1b[15;2~"},
    {LEGACY, SDLK_F13, 0, NULL, PRESS, "\x1b[1;2P"},
    {LEGACY, SDLK_F1, 0, NULL, REPEAT, "\x1bOP"},
    {LEGACY, SDLK_F1, 0, NULL, RELEASE, NONE},
    /* text keys */
    {LEGACY, SDLK_a, 0, "a", PRESS, "a"},
    {LEGACY, SDLK_a, SHIFT, "A", PRESS, "A"},
    {LEGACY, SDLK_a, 0, "a", RELEASE, NONE},
    {LEGACY, SDLK_a, CTRL, NULL, PRESS, "\x01"},
    {LEGACY, SDLK_a, CTRL | SHIFT, NULL, PRESS, "\x01"},
    {LEGACY, SDLK_c, CTRL, NULL, PRESS, "\x03"},
    {LEGACY, SDLK_d, KMOD_RCTRL, NULL, PRESS, "\x04"},
    {LEGACY, SDLK_z, CTRL, NULL, PRESS, "\x1a"},
    {LEGACY, SDLK_i, CTRL, NULL, PRESS, "\t"},
    {LEGACY, SDLK_m, CTRL, NULL, PRESS, "\r"},
    {LEGACY, SDLK_j, CTRL, NULL, PRESS, "\n"},
    {LEGACY, SDLK_LEFTBRACKET, CTRL, NULL, PRESS, "\x1b"},
    {LEGACY, SDLK_BACKSLASH, CTRL, NULL, PRESS, "\x1c"},
    {LEGACY, SDLK_SPACE, CTRL, NULL, PRESS, ""},
    {LEGACY, SDLK_2, CTRL, NULL, PRESS, ""},
    {LEGACY, SDLK_6, CTRL, NULL, PRESS, "\x1e"},
    {LEGACY, SDLK_SLASH, CTRL, NULL, PRESS, "\x1f"},
    {LEGACY, SDLK_1, CTRL, NULL, PRESS, "1"},
    {LEGACY, SDLK_c, CTRL | ALT, NULL, PRESS, "\x1b\x03"},
    {LEGACY, SDLK_a, ALT, "a", PRESS, "\x1b" "a"},
    {LEGACY, SDLK_a, ALT | SHIFT, "A", PRESS, "\x1b" "A"},
    {LEGACY, SDLK_a, ALT, NULL, PRESS, "\x1b" "a"},
    {LEGACY, SDLK_a, SUPER, "a", PRESS, "a"},
    {LEGACY, SDLK_e, 0, "\xc3\xa9", PRESS, "\xc3\xa9"},         /* a dead key composed it */
    {LEGACY, SDLK_q, KMOD_MODE, "@", PRESS, "@"},               /* AltGr */
    {LEGACY, SDLK_UNKNOWN, 0, "\xe6\x97\xa5", PRESS, "\xe6\x97\xa5"}, /* input method */
    {LEGACY, SDLK_KP_8, 0, NULL, PRESS, "\x1b[A"},              /* keypad without Num Lock */
    {LEGACY, SDLK_KP_9, 0, NULL, PRESS, "\x1b[5~"},
    {LEGACY, SDLK_KP_8, KMOD_NUM, "8", PRESS, "8"},             /* with Num Lock: once */
    {"\x1b=", SDLK_KP_5, KMOD_NUM, "5", PRESS, "\x1bOu"},       /* DECKPAM */
    {"\x1b=", SDLK_KP_ENTER, KMOD_NUM, NULL, PRESS, "\x1bOM"},
    {"\x1b=\x1b>", SDLK_KP_5, KMOD_NUM, "5", PRESS, "5"},
    /* modifyOtherKeys 1: keys without a well-known form carry their modifiers */
    {MOK1, SDLK_RETURN, SHIFT, NULL, PRESS, "\x1b[27;2;13~"},
    {MOK1, SDLK_RETURN, CTRL, NULL, PRESS, "\x1b[27;5;13~"},
    {MOK1, SDLK_RETURN, ALT, NULL, PRESS, "\x1b\r"},
    {MOK1, SDLK_TAB, CTRL, NULL, PRESS, "\x1b[27;5;9~"},
    {MOK1, SDLK_TAB, SHIFT, NULL, PRESS, "\x1b[Z"},
    {MOK1, SDLK_BACKSPACE, CTRL, NULL, PRESS, "\b"},
    {MOK1, SDLK_ESCAPE, SHIFT, NULL, PRESS, "\x1b[27;2;27~"},
    {MOK1, SDLK_a, CTRL, NULL, PRESS, "\x01"},
    {MOK1, SDLK_1, CTRL, NULL, PRESS, "\x1b[27;5;49~"},
    {MOK1, SDLK_a, ALT, "a", PRESS, "\x1b" "a"},
    {MOK1, SDLK_a, SHIFT, "A", PRESS, "A"},
    {MOK1, SDLK_UP, CTRL, NULL, PRESS, "\x1b[1;5A"},
    /* modifyOtherKeys 2: every modified key */
    {MOK2, SDLK_a, CTRL, NULL, PRESS, "\x1b[27;5;97~"},
    {MOK2, SDLK_a, ALT, "a", PRESS, "\x1b[27;3;97~"},
    {MOK2, SDLK_a, SHIFT, "A", PRESS, "\x1b[27;2;65~"},
    {MOK2, SDLK_1, SHIFT, "!", PRESS, "!"},
    {MOK2, SDLK_a, 0, "a", PRESS, "a"},
    {MOK2, SDLK_RETURN, ALT, NULL, PRESS, "\x1b[27;3;13~"},
    {MOK2, SDLK_TAB, SHIFT, NULL, PRESS, "\x1b[27;2;9~"},
    {MOK2, SDLK_BACKSPACE, CTRL, NULL, PRESS, "\b"},
    {MOK2, SDLK_BACKSPACE, CTRL | SHIFT, NULL, PRESS, "\x1b[27;6;8~"},
    {MOK2, SDLK_BACKSPACE, ALT, NULL, PRESS, "\x1b[27;3;127~"},
    {MOK2 "\x1b[>4m", SDLK_RETURN, SHIFT, NULL, PRESS, "\r"}, /* reset to the default */
    {MOK2 "\x1b[>4n", SDLK_a, CTRL, NULL, PRESS, "\x01"},     /* disabled */
    /* kitty, disambiguate (1) */
    {"\x1b[>1u", SDLK_ESCAPE, 0, NULL, PRESS, "\x1b[27u"},
    {"\x1b[>1u", SDLK_a, CTRL, NULL, PRESS, "\x1b[97;5u"},
    {"\x1b[>1u", SDLK_a, ALT, "a", PRESS, "\x1b[97;3u"},
    {"\x1b[>1u", SDLK_a, CTRL | SHIFT, NULL, PRESS, "\x1b[97;6u"},
    {"\x1b[>1u", SDLK_a, SHIFT, "A", PRESS, "A"},
    {"\x1b[>1u", SDLK_a, 0, "a", PRESS, "a"},
    {"\x1b[>1u", SDLK_a, 0, "a", RELEASE, NONE},
    {"\x1b[>1u", SDLK_RETURN, 0, NULL, PRESS, "\r"},
    {"\x1b[>1u", SDLK_RETURN, SHIFT, NULL, PRESS, "\x1b[13;2u"},
    {"\x1b[>1u", SDLK_BACKSPACE, CTRL, NULL, PRESS, "\x1b[127;5u"},
    {"\x1b[>1u", SDLK_TAB, SHIFT, NULL, PRESS, "\x1b[9;2u"},
    {"\x1b[>1u", SDLK_UP, 0, NULL, PRESS, "\x1b[A"},
    {"\x1b[>1u", SDLK_UP, CTRL, NULL, PRESS, "\x1b[1;5A"},
    {"\x1b[>1u", SDLK_F1, 0, NULL, PRESS, "\x1b[P"},
    {"\x1b[>1u", SDLK_F5, ALT, NULL, PRESS, "\x1b[15;3~"},
    {"\x1b[>1u", SDLK_F13, 0, NULL, PRESS, "\x1b[57376u"},
    {"\x1b[>1u", SDLK_KP_5, KMOD_NUM, "5", PRESS, "\x1b[57404u"},
    {"\x1b[>1u", SDLK_LGUI, SUPER, NULL, PRESS, NONE},
    {"\x1b[>1u", SDLK_a, SUPER, "a", PRESS, "\x1b[97;9u"},
    /* kitty, event types (1|2) */
    {"\x1b[>3u", SDLK_a, CTRL, NULL, RELEASE, "\x1b[97;5:3u"},
    {"\x1b[>3u", SDLK_UP, 0, NULL, RELEASE, "\x1b[1;1:3A"},
    {"\x1b[>3u", SDLK_UP, 0, NULL, REPEAT, "\x1b[1;1:2A"},
    {"\x1b[>3u", SDLK_a, 0, "a", RELEASE, NONE},
    {"\x1b[>3u", SDLK_RETURN, 0, NULL, RELEASE, NONE},
    {"\x1b[>1u", SDLK_UP, 0, NULL, REPEAT, "\x1b[A"},
    /* kitty, every key as an escape code (8), with text (16), alternate keys (4) */
    {"\x1b[>8u", SDLK_a, 0, "a", PRESS, "\x1b[97u"},
    {"\x1b[>8u", SDLK_a, SHIFT, "A", PRESS, "\x1b[97;2u"},
    {"\x1b[>8u", SDLK_RETURN, 0, NULL, PRESS, "\x1b[13u"},
    {"\x1b[>8u", SDLK_LSHIFT, SHIFT, NULL, PRESS, "\x1b[57441;2u"},
    {"\x1b[>8u", SDLK_LGUI, SUPER, NULL, PRESS, "\x1b[57444;9u"},
    {"\x1b[>24u", SDLK_a, 0, "a", PRESS, "\x1b[97;;97u"},
    {"\x1b[>24u", SDLK_a, SHIFT, "A", PRESS, "\x1b[97;2;65u"},
    {"\x1b[>5u", SDLK_a, CTRL | SHIFT, NULL, PRESS, "\x1b[97:65;6u"},
    {"\x1b[>5u", SDLK_1, ALT | SHIFT, "!", PRESS, "\x1b[49:33;4u"},
    /* the flags live on a stack per screen: the alternate screen starts without them */
    {"\x1b[>1u\x1b[?1049h", SDLK_a, CTRL, NULL, PRESS, "\x01"},
    {"\x1b[>1u\x1b[?1049h\x1b[?1049l", SDLK_a, CTRL, NULL, PRESS, "\x1b[97;5u"},
    {"\x1b[>1u\x1b[<u", SDLK_a, CTRL, NULL, PRESS, "\x01"},
    {"\x1b[>1u\x1b[=8;2u", SDLK_a, 0, "a", PRESS, "\x1b[97u"},
    {"\x1b[>1u\x1b" "c", SDLK_a, CTRL, NULL, PRESS, "\x01"},       /* RIS */
};

struct shortcut_case {
    SDL_Keycode sym;
    Uint16 mod;
    enum bt_action action;
    bool bar; /* pressed with the search bar open */
};

static const struct shortcut_case shortcuts[] = {
    {SDLK_c, KMOD_LCTRL | KMOD_LSHIFT, BT_ACTION_COPY},
    {SDLK_v, KMOD_LCTRL | KMOD_LSHIFT, BT_ACTION_PASTE},
    {SDLK_m, KMOD_LCTRL | KMOD_LSHIFT, BT_ACTION_OVERLAY},
    {SDLK_k, KMOD_LCTRL | KMOD_LSHIFT, BT_ACTION_CLEAR_SCROLLBACK},
    {SDLK_EQUALS, KMOD_LCTRL, BT_ACTION_ZOOM_IN},
    {SDLK_EQUALS, KMOD_LCTRL | KMOD_LSHIFT, BT_ACTION_ZOOM_IN},
    {SDLK_MINUS, KMOD_LCTRL, BT_ACTION_ZOOM_OUT},
    {SDLK_0, KMOD_LCTRL, BT_ACTION_ZOOM_RESET},
    {SDLK_PAGEUP, KMOD_LSHIFT, BT_ACTION_SCROLL_PAGE_UP},
    {SDLK_PAGEDOWN, KMOD_RSHIFT, BT_ACTION_SCROLL_PAGE_DOWN},
    {SDLK_HOME, KMOD_LSHIFT, BT_ACTION_SCROLL_TOP},
    {SDLK_END, KMOD_LSHIFT, BT_ACTION_SCROLL_BOTTOM},
    {SDLK_c, KMOD_LCTRL, BT_ACTION_NONE},
    {SDLK_PAGEUP, 0, BT_ACTION_NONE},
    {SDLK_PAGEUP, KMOD_LCTRL | KMOD_LSHIFT, BT_ACTION_NONE},
    {SDLK_m, KMOD_LCTRL | KMOD_LSHIFT | KMOD_LALT, BT_ACTION_NONE},
    {SDLK_INSERT, KMOD_LSHIFT, BT_ACTION_PASTE},
    {SDLK_KP_PLUS, KMOD_LCTRL, BT_ACTION_ZOOM_IN},
    /* the search bar's own keys: only while it is open; the program gets them otherwise */
    {SDLK_c, KMOD_LALT, BT_ACTION_SEARCH_CASE, true},
    {SDLK_r, KMOD_RALT, BT_ACTION_SEARCH_REGEX, true},
    {SDLK_c, KMOD_LALT, BT_ACTION_NONE, false},
    {SDLK_r, KMOD_LALT, BT_ACTION_NONE, false},
    {SDLK_c, KMOD_LCTRL | KMOD_LSHIFT, BT_ACTION_COPY, true},
    {SDLK_c, KMOD_LALT | KMOD_LSHIFT, BT_ACTION_NONE, true},
};

/* Prints bytes with escapes, for failure messages. */
static void show(const char *label, const char *b, size_t n)
{
    fprintf(stderr, "  %s \"", label);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, (unsigned char)b[i] < 0x20 || (unsigned char)b[i] >= 0x7f ? "\\x%02x"
                                                                                   : "%c",
                (unsigned char)b[i]);
    fprintf(stderr, "\"\n");
}

/* Compares what was captured with the expected bytes; resets the capture. */
static bool expect(struct capture *c, const char *want, size_t want_len, const char *what)
{
    bool ok = c->len == want_len && !memcmp(c->buf, want, want_len);
    if (!ok) {
        fprintf(stderr, "FAIL %s\n", what);
        show("want", want, want_len);
        show("got ", c->buf, c->len);
    }
    c->len = 0;
    return ok;
}

/* Feeds one SDL key event (and its text) as the window does. */
static void key_event(struct events_keys *ek, struct term *t, Uint32 type, SDL_Keycode sym,
                      Uint16 mod, bool repeat, const char *text)
{
    SDL_KeyboardEvent e = {.type = type, .repeat = repeat, .keysym = {
        .sym = sym, .mod = mod, .scancode = SDL_GetScancodeFromKey(sym)}};
    if (sym == SDLK_UNKNOWN) /* text from an input method: no key event */
        e.keysym.scancode = SDL_SCANCODE_UNKNOWN;
    else
        events_key(ek, t, &e);
    if (text)
        events_text(ek, t, text);
    events_flush(ek, t);
}

/* Runs one key row on a fresh engine; false when the bytes differ. */
static bool run_key(const struct key_case *k)
{
    struct capture cap = {0};
    struct term_callbacks cb = {.output = on_output};
    struct term *t = term_create(24, 80, &cb, &cap);
    struct events_keys ek = {0};
    if (!t)
        return false;
    term_feed(t, k->mode, strlen(k->mode));
    if (k->type != PRESS) /* a release or repeat follows a press that went out */
        key_event(&ek, t, SDL_KEYDOWN, k->sym, k->mod, false, k->text);
    cap.len = 0;
    key_event(&ek, t, k->type == RELEASE ? SDL_KEYUP : SDL_KEYDOWN, k->sym, k->mod,
              k->type == REPEAT, k->type == RELEASE ? NULL : k->text);
    char what[128];
    static const char *const types[] = {"press", "release", "repeat"};
    snprintf(what, sizeof what, "mode %s key %s mod 0x%x %s", k->mode[0] ? k->mode + 1 : "legacy",
             SDL_GetKeyName(k->sym), k->mod, types[k->type]);
    bool none = k->bytes == NONE;
    size_t n = none ? 0 : k->bytes[0] ? strlen(k->bytes) : 1;
    bool ok = expect(&cap, none ? "" : k->bytes, n, what);
    term_destroy(t);
    return ok;
}

/* The shortcut rows, bound as configured; the number that failed. */
static int run_shortcuts(const struct events_bindings *eb)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof shortcuts / sizeof *shortcuts; i++) {
        SDL_Keysym ks = {.sym = shortcuts[i].sym, .mod = shortcuts[i].mod};
        enum bt_action a = events_shortcut(eb, &ks, shortcuts[i].bar);
        if (a != shortcuts[i].action) {
            fprintf(stderr, "FAIL shortcut %s mod 0x%x: action %d, want %d\n",
                    SDL_GetKeyName(ks.sym), ks.mod, a, shortcuts[i].action);
            failed++;
        }
    }
    return failed;
}

struct mouse_case {
    const char *mode;
    int row, col, button; /* button 0: a move only */
    bool pressed;
    unsigned mods;
    const char *bytes;
};

static const struct mouse_case mice[] = {
    /* htop and ncurses' XM: SGR encoding and clicks in one sequence */
    {"\x1b[?1006;1000h", 2, 4, 1, true, 0, "\x1b[<0;5;3M"},
    {"\x1b[?1006;1000h", 2, 4, 1, false, 0, "\x1b[<0;5;3m"},
    {"\x1b[?1006;1000h", 2, 4, 3, true, TERM_MOD_CTRL, "\x1b[<18;5;3M"},
    {"\x1b[?1006;1000h", 2, 4, 4, true, 0, "\x1b[<64;5;3M"},
    {"\x1b[?1006;1000h", 2, 4, 5, false, 0, ""},               /* the wheel has no release */
    {"\x1b[?1006;1000h", 7, 9, 0, false, 0, ""},               /* 1000 reports no motion */
    {"\x1b[?1006;1003h", 7, 9, 0, false, TERM_MOD_SHIFT, "\x1b[<39;10;8M"},
    {"\x1b[?1000h", 2, 4, 1, true, 0, "\x1b[M \x25#"},
    {"\x1b[?1000h", 2, 4, 2, false, TERM_MOD_ALT, "\x1b[M+\x25#"},
    {"\x1b[?1000h", 2, 300, 1, true, 0, ""},                   /* past X10's 223 columns */
    {"\x1b[?1000;1005h", 2, 300, 1, true, 0, "\x1b[M \xc5\x8d#"},
    {"\x1b[?1000;1015h", 2, 4, 1, true, 0, "\x1b[32;5;3M"},
    {"\x1b[?9h", 2, 4, 1, true, TERM_MOD_CTRL, "\x1b[M \x25#"},  /* X10: no modifiers */
    {"\x1b[?9h", 2, 4, 1, false, 0, ""},                       /* nor releases */
    {"", 2, 4, 1, true, 0, ""},
};

/* Runs the mouse rows; the number that failed. */
static int run_mice(void)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof mice / sizeof *mice; i++) {
        const struct mouse_case *m = &mice[i];
        struct capture cap = {0};
        struct term_callbacks cb = {.output = on_output};
        struct term *t = term_create(24, 400, &cb, &cap);
        if (!t)
            return failed + 1;
        term_feed(t, m->mode, strlen(m->mode));
        if (m->button) {
            term_mouse_move(t, m->row, m->col, m->mods);
            if (!m->pressed)
                term_mouse_button(t, m->button, true, m->mods);
            cap.len = 0;
            term_mouse_button(t, m->button, m->pressed, m->mods);
        } else {
            term_mouse_move(t, 0, 0, m->mods);
            cap.len = 0;
            term_mouse_move(t, m->row, m->col, m->mods);
        }
        char what[64];
        snprintf(what, sizeof what, "mouse row %zu", i);
        failed += !expect(&cap, m->bytes, strlen(m->bytes), what);
        term_destroy(t);
    }
    return failed;
}

/* Focus reports only when asked for. */
static int run_focus(void)
{
    struct capture cap = {0};
    struct term_callbacks cb = {.output = on_output};
    struct term *t = term_create(24, 80, &cb, &cap);
    int failed = 0;
    term_focus(t, false);
    failed += !expect(&cap, "", 0, "focus out, not asked");
    term_feed(t, "\x1b[?1004h", 8);
    term_focus(t, false);
    failed += !expect(&cap, "\x1b[O", 3, "focus out");
    term_focus(t, true);
    failed += !expect(&cap, "\x1b[I", 3, "focus in");
    term_destroy(t);
    return failed;
}

/* X keysyms -> the SDL key the direct path reports, and which keys it leaves to SDL. */
static int run_xkeys_sym(void)
{
    static const struct {
        unsigned long ks;
        SDL_Keycode sym;
    } rows[] = {
        {0x61, 'a'},  {0x20, ' '},  {0x7e, '~'},  {0xe9, 0xe9} /* eacute */,
        {0xff0d, SDLK_RETURN}, {0xff08, SDLK_BACKSPACE}, {0xff09, SDLK_TAB},
        {0xff1b, SDLK_ESCAPE}, {0xffff, SDLK_DELETE}, {0xff63, SDLK_INSERT},
        {0xff50, SDLK_HOME}, {0xff57, SDLK_END}, {0xff55, SDLK_PAGEUP}, {0xff56, SDLK_PAGEDOWN},
        {0xff51, SDLK_LEFT}, {0xff52, SDLK_UP}, {0xff53, SDLK_RIGHT}, {0xff54, SDLK_DOWN},
        {0xffbe, SDLK_F1}, {0xffc9, SDLK_F12},
        {0x10020ac, 0x20ac} /* a Unicode keysym: the euro sign */,
        /* SDL's: */
        {0xffca, SDLK_UNKNOWN} /* F13 */, {0xffb1, SDLK_UNKNOWN} /* KP_1 */,
        {0xff8d, SDLK_UNKNOWN} /* KP_Enter */, {0xffe1, SDLK_UNKNOWN} /* Shift_L */,
        {0xffe3, SDLK_UNKNOWN} /* Control_L */, {0xfe03, SDLK_UNKNOWN} /* ISO_Level3_Shift */,
        {0xfe51, SDLK_UNKNOWN} /* dead_acute */, {0xff20, SDLK_UNKNOWN} /* Multi_key */,
        {0x6c1, SDLK_UNKNOWN} /* Cyrillic_a, a legacy keysym */, {0x7f, SDLK_UNKNOWN},
        {0x1f, SDLK_UNKNOWN}, {0x0, SDLK_UNKNOWN}, {0x100d800, SDLK_UNKNOWN} /* a surrogate */,
        {0x1110000, SDLK_UNKNOWN} /* past Unicode */, {0x1000041, SDLK_UNKNOWN},
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        if (xkeys_sym(rows[i].ks) != rows[i].sym) {
            printf("xkeys_sym(0x%lx): 0x%x, want 0x%x\n", rows[i].ks,
                   (unsigned)xkeys_sym(rows[i].ks), (unsigned)rows[i].sym);
            failed++;
        }
    return failed;
}

/* When the direct path stays off: the environment of an input method. */
static int run_xkeys_input_method(void)
{
    char home[] = "/tmp/bt-xkeys-XXXXXX", bus[64], addr[96];
    if (!mkdtemp(home))
        return 1;
    snprintf(bus, sizeof bus, "%s/.config/ibus/bus", home);
    snprintf(addr, sizeof addr, "%s/machine-unix-0", bus);
    struct bt_config_env env = {.home = home, .x11_keys = -1};
    int failed = 0;
#define IM(want, what)                                                                    \
    do {                                                                                  \
        if (xkeys_input_method(&env) != (want)) {                                         \
            printf("xkeys_input_method: %s: %d, want %d\n", what, !(want), (want));        \
            failed++;                                                                     \
        }                                                                                 \
    } while (0)
    IM(false, "nothing set");
    env.xmodifiers = "@im=none";
    IM(false, "XMODIFIERS=@im=none");
    env.xmodifiers = "";
    IM(false, "XMODIFIERS empty");
    env.xmodifiers = "@im=ibus";
    IM(true, "XMODIFIERS=@im=ibus");
    env.xmodifiers = "@im=fcitx";
    IM(true, "XMODIFIERS=@im=fcitx");
    env.xmodifiers = NULL;
    env.sdl_im_module = "fcitx";
    IM(true, "SDL_IM_MODULE=fcitx");
    env.sdl_im_module = NULL;
    env.ibus_address = "unix:path=/tmp/x";
    IM(true, "IBUS_ADDRESS");
    env.ibus_address = NULL;
    char mk[160];
    snprintf(mk, sizeof mk, "mkdir -p %s", bus);
    if (system(mk) != 0)
        failed++;
    IM(false, "an empty ibus/bus");
    FILE *f = fopen(addr, "w");
    if (f)
        fclose(f);
    IM(true, "IBus's address file (the daemon runs)");
    env.xdg_config_home = "/nonexistent";
    IM(false, "XDG_CONFIG_HOME elsewhere");
    env.xdg_config_home = "";
    IM(true, "XDG_CONFIG_HOME empty: HOME's");
    env.xdg_config_home = NULL;
    env.home = NULL;
    IM(false, "neither XDG_CONFIG_HOME nor HOME");
#undef IM
    remove(addr);
    snprintf(mk, sizeof mk, "rm -rf %s", home);
    if (system(mk) != 0)
        failed++;
    return failed;
}

/* The store's minimum RAM budget, which the defaults do not need. */
static uint64_t min_ram(uint64_t budget)
{
    return 0;
}

int main(void)
{
    int failed = 0, n = (int)(sizeof keys / sizeof *keys);
    for (int i = 0; i < n; i++)
        failed += !run_key(&keys[i]);
    struct bt_config_env env = {.min_ram = min_ram};
    struct bt_config cfg;
    struct events_bindings eb;
    bt_config_defaults(&cfg, &env);
    events_bind(&eb, cfg.keys);
    failed += run_shortcuts(&eb) + run_mice() + run_focus() + run_xkeys_sym() +
              run_xkeys_input_method();
    printf("%s: %d key rows, %d failed\n", failed ? "FAIL" : "ok", n, failed);
    return failed ? 1 : 0;
}
