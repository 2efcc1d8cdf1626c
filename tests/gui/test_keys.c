/*
 * The key table: SDL key + modifiers -> the bytes the program reads from the
 * pty, through events.c and the engine (libvterm's keyboard encoder), plus the
 * window's shortcuts, which must never reach the program. No display needed.
 */
#include <stdio.h>
#include <string.h>

#include <SDL.h>

#include "events.h"
#include "term.h"

struct capture {
    char buf[64];
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

struct key_case {
    SDL_Keycode sym;
    Uint16 mod;
    const char *bytes; /* NULL: left to SDL_TEXTINPUT */
};

static const struct key_case keys[] = {
    {SDLK_RETURN, 0, "\r"},
    {SDLK_KP_ENTER, 0, "\r"},
    {SDLK_RETURN, KMOD_LALT, "\x1b\r"},
    {SDLK_BACKSPACE, 0, "\x7f"},
    {SDLK_BACKSPACE, KMOD_LALT, "\x1b\x7f"},
    {SDLK_TAB, 0, "\t"},
    {SDLK_TAB, KMOD_LSHIFT, "\x1b[Z"},
    {SDLK_ESCAPE, 0, "\x1b"},
    {SDLK_UP, 0, "\x1b[A"},
    {SDLK_DOWN, 0, "\x1b[B"},
    {SDLK_RIGHT, 0, "\x1b[C"},
    {SDLK_LEFT, 0, "\x1b[D"},
    {SDLK_UP, KMOD_LSHIFT, "\x1b[1;2A"},
    {SDLK_LEFT, KMOD_LCTRL, "\x1b[1;5D"},
    {SDLK_RIGHT, KMOD_LALT, "\x1b[1;3C"},
    {SDLK_DOWN, KMOD_LCTRL | KMOD_LSHIFT, "\x1b[1;6B"},
    {SDLK_HOME, 0, "\x1b[H"},
    {SDLK_END, 0, "\x1b[F"},
    {SDLK_PAGEUP, 0, "\x1b[5~"},
    {SDLK_PAGEDOWN, 0, "\x1b[6~"},
    {SDLK_INSERT, 0, "\x1b[2~"},
    {SDLK_DELETE, 0, "\x1b[3~"},
    {SDLK_PAGEUP, KMOD_LCTRL, "\x1b[5;5~"},
    {SDLK_F1, 0, "\x1bOP"},
    {SDLK_F2, 0, "\x1bOQ"},
    {SDLK_F3, 0, "\x1bOR"},
    {SDLK_F4, 0, "\x1bOS"},
    {SDLK_F5, 0, "\x1b[15~"},
    {SDLK_F6, 0, "\x1b[17~"},
    {SDLK_F7, 0, "\x1b[18~"},
    {SDLK_F8, 0, "\x1b[19~"},
    {SDLK_F9, 0, "\x1b[20~"},
    {SDLK_F10, 0, "\x1b[21~"},
    {SDLK_F11, 0, "\x1b[23~"},
    {SDLK_F12, 0, "\x1b[24~"},
    {SDLK_F5, KMOD_LSHIFT, "\x1b[15;2~"},
    {SDLK_a, KMOD_LCTRL, "\x01"},
    {SDLK_c, KMOD_LCTRL, "\x03"},
    {SDLK_d, KMOD_RCTRL, "\x04"},
    {SDLK_z, KMOD_LCTRL, "\x1a"},
    {SDLK_i, KMOD_LCTRL, "\t"},
    {SDLK_m, KMOD_LCTRL, "\r"},
    {SDLK_j, KMOD_LCTRL, "\n"},
    {SDLK_LEFTBRACKET, KMOD_LCTRL, "\x1b"},
    {SDLK_BACKSLASH, KMOD_LCTRL, "\x1c"},
    {SDLK_SPACE, KMOD_LCTRL, ""}, /* NUL: compared by length below */
    {SDLK_c, KMOD_LCTRL | KMOD_LALT, "\x1b\x03"},
    {SDLK_KP_8, 0, "\x1b[A"},            /* keypad without Num Lock */
    {SDLK_KP_9, 0, "\x1b[5~"},
    {SDLK_KP_8, KMOD_NUM, NULL},          /* with Num Lock: the digit comes as text */
    {SDLK_a, 0, NULL},
    {SDLK_a, KMOD_LSHIFT, NULL},
    {SDLK_a, KMOD_LALT, NULL},
    {SDLK_1, 0, NULL},
};

struct text_case {
    const char *text;
    Uint16 mod;
    const char *bytes;
};

static const struct text_case texts[] = {
    {"a", 0, "a"},
    {"A", KMOD_LSHIFT, "A"},
    {"a", KMOD_LALT, "\x1b" "a"},
    {"A", KMOD_LALT | KMOD_LSHIFT, "\x1b" "A"},
    {"\xc3\xa9", 0, "\xc3\xa9"},
    {"\xe6\x97\xa5", KMOD_LALT, "\x1b\xe6\x97\xa5"},
    {"x", KMOD_LCTRL, ""}, /* sent by the key press, not twice */
};

struct shortcut_case {
    SDL_Keycode sym;
    Uint16 mod;
    enum ui_action action;
};

static const struct shortcut_case shortcuts[] = {
    {SDLK_c, KMOD_LCTRL | KMOD_LSHIFT, UI_COPY},
    {SDLK_v, KMOD_LCTRL | KMOD_LSHIFT, UI_PASTE},
    {SDLK_m, KMOD_LCTRL | KMOD_LSHIFT, UI_OVERLAY},
    {SDLK_k, KMOD_LCTRL | KMOD_LSHIFT, UI_CLEAR},
    {SDLK_EQUALS, KMOD_LCTRL, UI_ZOOM_IN},
    {SDLK_EQUALS, KMOD_LCTRL | KMOD_LSHIFT, UI_ZOOM_IN},
    {SDLK_MINUS, KMOD_LCTRL, UI_ZOOM_OUT},
    {SDLK_0, KMOD_LCTRL, UI_ZOOM_RESET},
    {SDLK_PAGEUP, KMOD_LSHIFT, UI_PAGE_UP},
    {SDLK_PAGEDOWN, KMOD_RSHIFT, UI_PAGE_DOWN},
    {SDLK_HOME, KMOD_LSHIFT, UI_TOP},
    {SDLK_END, KMOD_LSHIFT, UI_BOTTOM},
    {SDLK_c, KMOD_LCTRL, UI_NONE},
    {SDLK_PAGEUP, 0, UI_NONE},
    {SDLK_PAGEUP, KMOD_LCTRL | KMOD_LSHIFT, UI_NONE},
    {SDLK_m, KMOD_LCTRL | KMOD_LSHIFT | KMOD_LALT, UI_NONE},
    {SDLK_INSERT, KMOD_LSHIFT, UI_PASTE},
    {SDLK_KP_PLUS, KMOD_LCTRL, UI_ZOOM_IN},
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

/* Compares what was captured with the expected bytes (len = strlen, or 1 for NUL). */
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

/* Runs the key rows; the number that failed. */
static int run_keys(struct term *t, struct capture *cap)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const struct key_case *k = &keys[i];
        SDL_Keysym ks = {.sym = k->sym, .mod = k->mod};
        char what[96];
        snprintf(what, sizeof what, "key %s mod 0x%x", SDL_GetKeyName(k->sym), k->mod);
        bool sent = events_key(t, &ks);
        if (sent != (k->bytes != NULL)) {
            fprintf(stderr, "FAIL %s: %s\n", what, sent ? "sent, expected text" : "not sent");
            failed++;
            cap->len = 0;
            continue;
        }
        size_t n = k->bytes ? (k->sym == SDLK_SPACE ? 1 : strlen(k->bytes)) : 0;
        failed += !expect(cap, k->bytes ? k->bytes : "", n, what);
    }
    return failed;
}

/* Runs the text and shortcut rows (shortcuts bound as configured); the number that failed. */
static int run_text_and_shortcuts(struct term *t, struct capture *cap,
                                  const struct events_bindings *eb)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        events_text(t, texts[i].text, texts[i].mod);
        char what[64];
        snprintf(what, sizeof what, "text \"%s\" mod 0x%x", texts[i].text, texts[i].mod);
        failed += !expect(cap, texts[i].bytes, strlen(texts[i].bytes), what);
    }
    for (size_t i = 0; i < sizeof shortcuts / sizeof *shortcuts; i++) {
        SDL_Keysym ks = {.sym = shortcuts[i].sym, .mod = shortcuts[i].mod};
        enum ui_action a = events_shortcut(eb, &ks);
        if (a != shortcuts[i].action) {
            fprintf(stderr, "FAIL shortcut %s mod 0x%x: action %d, want %d\n",
                    SDL_GetKeyName(ks.sym), ks.mod, a, shortcuts[i].action);
            failed++;
        }
    }
    return failed;
}

/* Application cursor keys (DECCKM) change the arrows; bracketed paste wraps pastes. */
static int run_modes(struct term *t, struct capture *cap)
{
    int failed = 0;
    SDL_Keysym up = {.sym = SDLK_UP};
    term_feed(t, "\x1b[?1h", 5);
    events_key(t, &up);
    failed += !expect(cap, "\x1bOA", 3, "DECCKM up");
    term_feed(t, "\x1b[?1l\x1b[?2004h", 13);
    size_t n;
    char *pasted = term_paste_encode(t, "hi\n", 3, TERM_PASTE_SAFE, &n);
    cap->len = 0;
    if (pasted)
        on_output(cap, pasted, n);
    free(pasted);
    failed += !expect(cap, "\x1b[200~hi\r\x1b[201~", 15, "bracketed paste");
    term_feed(t, "\x1b[?1000h\x1b[?1006h", 16);
    failed += term_mouse_mode(t) != TERM_MOUSE_CLICK;
    term_mouse_move(t, 2, 4, 0);
    term_mouse_button(t, 1, true, 0);
    failed += !expect(cap, "\x1b[<0;5;3M", 9, "SGR mouse press");
    term_feed(t, "\x1b[?1000l", 8);
    failed += term_mouse_mode(t) != TERM_MOUSE_NONE;
    term_feed(t, "\x1b[?1004h", 8);
    term_focus(t, false);
    failed += !expect(cap, "\x1b[O", 3, "focus out");
    return failed;
}

/* The store's minimum RAM budget, which the defaults do not need. */
static uint64_t min_ram(uint64_t budget)
{
    return 0;
}

int main(void)
{
    struct capture cap = {0};
    struct term_callbacks cb = {.output = on_output};
    struct term *t = term_create(24, 80, &cb, &cap);
    if (!t) {
        fprintf(stderr, "test_keys: no terminal\n");
        return 1;
    }
    struct bt_config_env env = {.min_ram = min_ram};
    struct bt_config cfg;
    struct events_bindings eb;
    bt_config_defaults(&cfg, &env);
    events_bind(&eb, cfg.keys);
    int failed = run_keys(t, &cap) + run_text_and_shortcuts(t, &cap, &eb) + run_modes(t, &cap);
    term_destroy(t);
    printf("%s: %d failed\n", failed ? "FAIL" : "ok", failed);
    return failed ? 1 : 0;
}
