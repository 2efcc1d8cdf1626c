/*
 * Keyboard events (events.h). The shortcut and key tables are data, so the key
 * table test walks the same rows the window uses.
 */
#include "events.h"

#include <stddef.h>

struct shortcut {
    SDL_Keycode sym;
    Uint16 need; /* KMOD_CTRL, KMOD_SHIFT or both: each must be held */
    enum ui_action action;
};

static const struct shortcut shortcuts[] = {
    {SDLK_c, KMOD_CTRL | KMOD_SHIFT, UI_COPY},
    {SDLK_v, KMOD_CTRL | KMOD_SHIFT, UI_PASTE},
    {SDLK_m, KMOD_CTRL | KMOD_SHIFT, UI_OVERLAY},
    {SDLK_k, KMOD_CTRL | KMOD_SHIFT, UI_CLEAR},
    {SDLK_INSERT, KMOD_SHIFT, UI_PASTE},
    {SDLK_EQUALS, KMOD_CTRL, UI_ZOOM_IN},
    {SDLK_PLUS, KMOD_CTRL, UI_ZOOM_IN},
    {SDLK_KP_PLUS, KMOD_CTRL, UI_ZOOM_IN},
    {SDLK_MINUS, KMOD_CTRL, UI_ZOOM_OUT},
    {SDLK_KP_MINUS, KMOD_CTRL, UI_ZOOM_OUT},
    {SDLK_0, KMOD_CTRL, UI_ZOOM_RESET},
    {SDLK_KP_0, KMOD_CTRL, UI_ZOOM_RESET},
    {SDLK_PAGEUP, KMOD_SHIFT, UI_PAGE_UP},
    {SDLK_PAGEDOWN, KMOD_SHIFT, UI_PAGE_DOWN},
    {SDLK_HOME, KMOD_SHIFT, UI_TOP},
    {SDLK_END, KMOD_SHIFT, UI_BOTTOM},
};

/* True when exactly the modifiers in need are held (Shift does not matter for + and =). */
static bool held(Uint16 mod, Uint16 need, SDL_Keycode sym)
{
    if (mod & (KMOD_ALT | KMOD_GUI))
        return false;
    bool ctrl = (mod & KMOD_CTRL) != 0, shift = (mod & KMOD_SHIFT) != 0;
    if (ctrl != ((need & KMOD_CTRL) != 0))
        return false;
    return sym == SDLK_PLUS || sym == SDLK_EQUALS || shift == ((need & KMOD_SHIFT) != 0);
}

enum ui_action events_shortcut(const SDL_Keysym *key)
{
    for (size_t i = 0; i < sizeof shortcuts / sizeof *shortcuts; i++)
        if (shortcuts[i].sym == key->sym && held(key->mod, shortcuts[i].need, key->sym))
            return shortcuts[i].action;
    return UI_NONE;
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

/* The engine key for a non-text SDL key, or TERM_KEY_NONE. */
static enum term_key key_of(SDL_Keycode sym)
{
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (keys[i].sym == sym)
            return keys[i].key;
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
    enum term_key k = key_of(key->sym);
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
