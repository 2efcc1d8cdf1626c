/*
 * Keyboard events (events.h). The shortcut and key tables are data, so the key
 * table test walks the same rows the window uses.
 */
#include "events.h"

#include <stddef.h>
#include <stdio.h>

/* Adds one binding. */
static void bind(struct events_bindings *eb, SDL_Keycode sym, unsigned mods, enum bt_action a)
{
    if (eb->n < EVENTS_BINDINGS_MAX && sym != SDLK_UNKNOWN && a != BT_ACTION_NONE)
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
        bind(eb, sym, keys[i].mods, (enum bt_action)i);
    }
    bind(eb, SDLK_INSERT, BT_MOD_SHIFT, BT_ACTION_PASTE);
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

enum bt_action events_shortcut(const struct events_bindings *eb, const SDL_Keysym *key,
                               bool search_bar)
{
    unsigned held = bt_mods(key->mod);
    for (int i = 0; i < eb->n; i++) {
        if (bt_action_in_search_bar(eb->b[i].action) && !search_bar)
            continue; /* the key goes to the program */
        unsigned want = eb->b[i].mods;
        bool plus = eb->b[i].sym == SDLK_EQUALS || eb->b[i].sym == SDLK_PLUS;
        unsigned h = plus ? held & ~BT_MOD_SHIFT : held; /* Shift makes + from = */
        if (same_key(eb->b[i].sym, key->sym) && h == (plus ? want & ~BT_MOD_SHIFT : want))
            return eb->b[i].action;
    }
    return BT_ACTION_NONE;
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
    if (kmod & KMOD_GUI)
        m |= TERM_MOD_SUPER;
    return m;
}

struct keymap {
    SDL_Keycode sym;
    enum term_key key;
};

static const struct keymap keys[] = {
    {SDLK_RETURN, TERM_KEY_ENTER},     {SDLK_TAB, TERM_KEY_TAB},
    {SDLK_BACKSPACE, TERM_KEY_BACKSPACE}, {SDLK_ESCAPE, TERM_KEY_ESCAPE},
    {SDLK_UP, TERM_KEY_UP},            {SDLK_DOWN, TERM_KEY_DOWN},
    {SDLK_LEFT, TERM_KEY_LEFT},        {SDLK_RIGHT, TERM_KEY_RIGHT},
    {SDLK_INSERT, TERM_KEY_INS},       {SDLK_DELETE, TERM_KEY_DEL},
    {SDLK_HOME, TERM_KEY_HOME},        {SDLK_END, TERM_KEY_END},
    {SDLK_PAGEUP, TERM_KEY_PAGEUP},    {SDLK_PAGEDOWN, TERM_KEY_PAGEDOWN},
    {SDLK_LSHIFT, TERM_KEY_LEFT_SHIFT}, {SDLK_RSHIFT, TERM_KEY_RIGHT_SHIFT},
    {SDLK_LCTRL, TERM_KEY_LEFT_CTRL},  {SDLK_RCTRL, TERM_KEY_RIGHT_CTRL},
    {SDLK_LALT, TERM_KEY_LEFT_ALT},    {SDLK_RALT, TERM_KEY_RIGHT_ALT},
    {SDLK_LGUI, TERM_KEY_LEFT_SUPER},  {SDLK_RGUI, TERM_KEY_RIGHT_SUPER},
    {SDLK_CAPSLOCK, TERM_KEY_CAPS_LOCK}, {SDLK_NUMLOCKCLEAR, TERM_KEY_NUM_LOCK},
    {SDLK_KP_ENTER, TERM_KEY_KP_ENTER},
};

/* The keypad without Num Lock: its keys move the cursor (SDL sends no text for them). */
static const struct keymap keypad_nav[] = {
    {SDLK_KP_8, TERM_KEY_UP},      {SDLK_KP_2, TERM_KEY_DOWN},     {SDLK_KP_4, TERM_KEY_LEFT},
    {SDLK_KP_6, TERM_KEY_RIGHT},   {SDLK_KP_7, TERM_KEY_HOME},     {SDLK_KP_1, TERM_KEY_END},
    {SDLK_KP_9, TERM_KEY_PAGEUP},  {SDLK_KP_3, TERM_KEY_PAGEDOWN}, {SDLK_KP_0, TERM_KEY_INS},
    {SDLK_KP_PERIOD, TERM_KEY_DEL},
};

/* The keypad with Num Lock, in the engine's order: 0-9 * + , - . / Enter =. */
static const SDL_Keycode keypad[] = {
    SDLK_KP_0, SDLK_KP_1, SDLK_KP_2, SDLK_KP_3, SDLK_KP_4, SDLK_KP_5, SDLK_KP_6, SDLK_KP_7,
    SDLK_KP_8, SDLK_KP_9, SDLK_KP_MULTIPLY, SDLK_KP_PLUS, SDLK_KP_COMMA, SDLK_KP_MINUS,
    SDLK_KP_PERIOD, SDLK_KP_DIVIDE, SDLK_KP_ENTER, SDLK_KP_EQUALS,
};

/* The engine key for an SDL key that types no text of its own, or TERM_KEY_NONE. */
static enum term_key key_of(SDL_Keycode sym, Uint16 mod)
{
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (keys[i].sym == sym)
            return keys[i].key;
    for (size_t i = 0; !(mod & KMOD_NUM) && i < sizeof keypad_nav / sizeof *keypad_nav; i++)
        if (keypad_nav[i].sym == sym)
            return keypad_nav[i].key;
    for (size_t i = 0; i < sizeof keypad / sizeof *keypad; i++)
        if (keypad[i] == sym)
            return (enum term_key)(TERM_KEY_KP_0 + (int)i);
    if (sym >= SDLK_F1 && sym <= SDLK_F12)
        return (enum term_key)(TERM_KEY_FUNCTION_0 + 1 + (int)(sym - SDLK_F1));
    if (sym >= SDLK_F13 && sym <= SDLK_F24)
        return (enum term_key)(TERM_KEY_FUNCTION_0 + 13 + (int)(sym - SDLK_F13));
    return TERM_KEY_NONE;
}

/* True for an SDL keycode that is a character (a key that types text). */
static bool is_text_key(SDL_Keycode sym)
{
    return sym >= 0x20 && sym != 0x7f && !(sym & SDLK_SCANCODE_MASK);
}

/* Remembers that a key's press went to the program (so that its release may follow). */
static void note_down(struct events_keys *ek, SDL_Scancode sc, bool down)
{
    int i = 0;
    while (i < ek->ndown && ek->down[i] != sc)
        i++;
    if (down && i == ek->ndown && ek->ndown < (int)(sizeof ek->down / sizeof *ek->down))
        ek->down[ek->ndown++] = sc;
    else if (!down && i < ek->ndown)
        ek->down[i] = ek->down[--ek->ndown];
}

/* True when a release belongs to a press that went to the program. */
static bool was_down(const struct events_keys *ek, SDL_Scancode sc)
{
    for (int i = 0; i < ek->ndown; i++)
        if (ek->down[i] == sc)
            return true;
    return false;
}

bool events_flush(struct events_keys *ek, struct term *t)
{
    if (!ek->pending)
        return false;
    ek->pending = false;
    /* a plain key that typed nothing may yet type through the input method: leave it to that */
    if (!(ek->mods & (TERM_MOD_CTRL | TERM_MOD_ALT | TERM_MOD_SUPER)))
        return false;
    return term_key_text(t, ek->base, "", ek->mods, ek->ev);
}

bool events_key(struct events_keys *ek, struct term *t, const SDL_KeyboardEvent *e)
{
    bool press = e->type == SDL_KEYDOWN;
    enum term_key_event ev = !press ? TERM_KEY_RELEASE : e->repeat ? TERM_KEY_REPEAT
                                                                   : TERM_KEY_PRESS;
    unsigned mods = events_mods(e->keysym.mod);
    events_flush(ek, t);
    ek->swallow_text = false;
    if (!press && !was_down(ek, e->keysym.scancode))
        return false; /* a shortcut's release, or a key pressed before the window had focus */
    note_down(ek, e->keysym.scancode, press);
    enum term_key k = key_of(e->keysym.sym, e->keysym.mod);
    if (k != TERM_KEY_NONE) {
        ek->swallow_text = press; /* the keypad's digits come as text too */
        return term_key(t, k, mods, ev);
    }
    if (!is_text_key(e->keysym.sym))
        return false;
    if (!press)
        return term_key_text(t, (uint32_t)e->keysym.sym, "", mods, ev);
    ek->pending = true;
    ek->base = (uint32_t)e->keysym.sym;
    ek->mods = mods;
    ek->ev = ev;
    return true;
}

bool events_text(struct events_keys *ek, struct term *t, const char *utf8)
{
    if (ek->swallow_text) {
        ek->swallow_text = false;
        return false;
    }
    if (!ek->pending) /* composed by the input method: no key of its own */
        return term_key_text(t, 0, utf8, 0, TERM_KEY_PRESS);
    ek->pending = false;
    return term_key_text(t, ek->base, utf8, ek->mods, ek->ev);
}
