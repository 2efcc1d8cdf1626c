/*
 * Keyboard events (events.h). The shortcut and key tables are data, so the key
 * table test walks the same rows the window uses.
 */
#include "events.h"

#include <stddef.h>
#include <stdio.h>

/* The window action of each configurable one. */
static const enum ui_action action_of[BT_ACTION_COUNT] = {
    [BT_ACTION_SCROLL_PAGE_UP] = UI_PAGE_UP,   [BT_ACTION_SCROLL_PAGE_DOWN] = UI_PAGE_DOWN,
    [BT_ACTION_SCROLL_TOP] = UI_TOP,           [BT_ACTION_SCROLL_BOTTOM] = UI_BOTTOM,
    [BT_ACTION_COPY] = UI_COPY,                [BT_ACTION_PASTE] = UI_PASTE,
    [BT_ACTION_ZOOM_IN] = UI_ZOOM_IN,          [BT_ACTION_ZOOM_OUT] = UI_ZOOM_OUT,
    [BT_ACTION_ZOOM_RESET] = UI_ZOOM_RESET,    [BT_ACTION_OVERLAY] = UI_OVERLAY,
    [BT_ACTION_CLEAR_SCROLLBACK] = UI_CLEAR,   [BT_ACTION_SEARCH] = UI_SEARCH,
    [BT_ACTION_SAVE_HISTORY] = UI_SAVE,
};

/* Adds one binding. */
static void bind(struct events_bindings *eb, SDL_Keycode sym, unsigned mods, enum ui_action a)
{
    if (eb->n < EVENTS_BINDINGS_MAX && sym != SDLK_UNKNOWN && a != UI_NONE)
        eb->b[eb->n++] = (__typeof__(eb->b[0])){sym, mods, a};
}

void events_bind(struct events_bindings *eb, const struct bt_key *keys)
{
    eb->n = 0;
    for (int i = 0; i < BT_ACTION_COUNT; i++) {
        if (!keys[i].name[0])
            continue; /* "none" */
        SDL_Keycode sym = SDL_GetKeyFromName(keys[i].name);
        if (sym == SDLK_UNKNOWN)
            fprintf(stderr, "boundterm: key binding: SDL knows no key '%s'\n", keys[i].name);
        bind(eb, sym, keys[i].mods, action_of[i]);
    }
    bind(eb, SDLK_INSERT, BT_MOD_SHIFT, UI_PASTE);
}

/* BT_MOD_* bits of SDL modifier state. */
static unsigned bt_mods(Uint16 kmod)
{
    return ((kmod & KMOD_SHIFT) ? BT_MOD_SHIFT : 0) | ((kmod & KMOD_CTRL) ? BT_MOD_CTRL : 0) |
           ((kmod & KMOD_ALT) ? BT_MOD_ALT : 0) | ((kmod & KMOD_GUI) ? BT_MOD_SUPER : 0);
}

/* "=" and "+" share a key on most layouts: Ctrl+= also answers to Ctrl++ and keypad +. */
static bool same_key(SDL_Keycode bound, SDL_Keycode sym)
{
    if (bound == sym)
        return true;
    bool plus = sym == SDLK_PLUS || sym == SDLK_EQUALS || sym == SDLK_KP_PLUS;
    return plus && (bound == SDLK_EQUALS || bound == SDLK_PLUS);
}

enum ui_action events_shortcut(const struct events_bindings *eb, const SDL_Keysym *key)
{
    unsigned held = bt_mods(key->mod);
    for (int i = 0; i < eb->n; i++) {
        unsigned want = eb->b[i].mods;
        bool plus = eb->b[i].sym == SDLK_EQUALS || eb->b[i].sym == SDLK_PLUS;
        unsigned h = plus ? held & ~BT_MOD_SHIFT : held; /* Shift makes + from = */
        if (same_key(eb->b[i].sym, key->sym) && h == (plus ? want & ~BT_MOD_SHIFT : want))
            return eb->b[i].action;
    }
    return UI_NONE;
}

bool events_is_modifier(const SDL_Keysym *key)
{
    switch (key->sym) {
    case SDLK_LSHIFT: case SDLK_RSHIFT: case SDLK_LCTRL: case SDLK_RCTRL: case SDLK_LALT:
    case SDLK_RALT: case SDLK_LGUI: case SDLK_RGUI: case SDLK_MODE: case SDLK_CAPSLOCK:
    case SDLK_NUMLOCKCLEAR:
        return true;
    default:
        return false;
    }
}

unsigned events_mods(Uint16 kmod)
{
    unsigned m = 0;
    if (kmod & KMOD_SHIFT)
        m |= TERM_MOD_SHIFT;
    if (kmod & KMOD_ALT)
        m |= TERM_MOD_ALT;
    if (kmod & KMOD_CTRL)
        m |= TERM_MOD_CTRL;
    return m;
}

struct keymap {
    SDL_Keycode sym;
    enum term_key key;
};

static const struct keymap keys[] = {
    {SDLK_RETURN, TERM_KEY_ENTER},     {SDLK_KP_ENTER, TERM_KEY_ENTER},
    {SDLK_TAB, TERM_KEY_TAB},          {SDLK_BACKSPACE, TERM_KEY_BACKSPACE},
    {SDLK_ESCAPE, TERM_KEY_ESCAPE},    {SDLK_UP, TERM_KEY_UP},
    {SDLK_DOWN, TERM_KEY_DOWN},        {SDLK_LEFT, TERM_KEY_LEFT},
    {SDLK_RIGHT, TERM_KEY_RIGHT},      {SDLK_INSERT, TERM_KEY_INS},
    {SDLK_DELETE, TERM_KEY_DEL},       {SDLK_HOME, TERM_KEY_HOME},
    {SDLK_END, TERM_KEY_END},          {SDLK_PAGEUP, TERM_KEY_PAGEUP},
    {SDLK_PAGEDOWN, TERM_KEY_PAGEDOWN},
};

/* The keypad without Num Lock: its keys move the cursor (SDL sends no text for them). */
static const struct keymap keypad_nav[] = {
    {SDLK_KP_8, TERM_KEY_UP},      {SDLK_KP_2, TERM_KEY_DOWN},     {SDLK_KP_4, TERM_KEY_LEFT},
    {SDLK_KP_6, TERM_KEY_RIGHT},   {SDLK_KP_7, TERM_KEY_HOME},     {SDLK_KP_1, TERM_KEY_END},
    {SDLK_KP_9, TERM_KEY_PAGEUP},  {SDLK_KP_3, TERM_KEY_PAGEDOWN}, {SDLK_KP_0, TERM_KEY_INS},
    {SDLK_KP_PERIOD, TERM_KEY_DEL},
};

/* The engine key for a non-text SDL key, or TERM_KEY_NONE. */
static enum term_key key_of(SDL_Keycode sym, Uint16 mod)
{
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (keys[i].sym == sym)
            return keys[i].key;
    for (size_t i = 0; !(mod & KMOD_NUM) && i < sizeof keypad_nav / sizeof *keypad_nav; i++)
        if (keypad_nav[i].sym == sym)
            return keypad_nav[i].key;
    if (sym >= SDLK_F1 && sym <= SDLK_F12)
        return (enum term_key)(TERM_KEY_FUNCTION_0 + 1 + (int)(sym - SDLK_F1));
    return TERM_KEY_NONE;
}

/* The traditional control byte for Ctrl+sym where libvterm would send CSI u instead, or 0. */
static uint32_t classic_ctrl(SDL_Keycode sym)
{
    switch (sym) {
    case SDLK_i: return 0x09;
    case SDLK_j: return 0x0a;
    case SDLK_m: return 0x0d;
    case SDLK_LEFTBRACKET: return 0x1b;
    case SDLK_2: case SDLK_SPACE: return 0x00 + 0x100; /* NUL, marked to tell it from "none" */
    case SDLK_SLASH: return 0x1f;
    default: return 0;
    }
}

bool events_key(struct term *t, const SDL_Keysym *key)
{
    unsigned mods = events_mods(key->mod);
    enum term_key k = key_of(key->sym, key->mod);
    if (k != TERM_KEY_NONE) {
        term_keyboard_key(t, k, mods);
        return true;
    }
    if (!(mods & TERM_MOD_CTRL) || key->sym < 0x20 || key->sym > 0x7e)
        return false; /* text: SDL_TEXTINPUT brings it */
    uint32_t classic = classic_ctrl(key->sym);
    if (classic)
        term_keyboard_unichar(t, classic & 0xff, mods & TERM_MOD_ALT);
    else
        term_keyboard_unichar(t, (uint32_t)key->sym, mods);
    return true;
}

/* Decodes one UTF-8 codepoint at *s (advancing it); 0xFFFD for bad bytes. */
static uint32_t utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    int n = p[0] < 0x80 ? 0 : p[0] >= 0xf0 ? 3 : p[0] >= 0xe0 ? 2 : p[0] >= 0xc0 ? 1 : -1;
    uint32_t c = n <= 0 ? p[0] : p[0] & (0x3fu >> n);
    if (n < 0) {
        (*s)++;
        return 0xfffd;
    }
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *s += i;
            return 0xfffd;
        }
        c = c << 6 | (p[i] & 0x3f);
    }
    *s += n + 1;
    return c;
}

void events_text(struct term *t, const char *utf8, Uint16 kmod)
{
    if (kmod & KMOD_CTRL)
        return; /* Ctrl combinations were sent from the key press */
    bool alt = (kmod & KMOD_ALT) != 0;
    while (*utf8) {
        uint32_t c = utf8_next(&utf8);
        if (alt && c >= 0x80) { /* libvterm's Alt prefix truncates c to a byte */
            term_keyboard_key(t, TERM_KEY_ESCAPE, 0);
            term_keyboard_unichar(t, c, 0);
        } else {
            term_keyboard_unichar(t, c, alt ? TERM_MOD_ALT : 0);
        }
    }
}
