/*
 * SDL keyboard events -> the engine's input (term_key, term_key_text), and the window's own
 * shortcuts. Which bytes a key sends is the engine's business (src/term/input.c: legacy
 * xterm, modifyOtherKeys, the kitty protocol); this file only says which key it was, with
 * which modifiers, and what text it typed.
 */
#ifndef BT_UI_EVENTS_H
#define BT_UI_EVENTS_H

#include <stdbool.h>

#include <SDL.h>

#include "config.h"
#include "term.h"

#define EVENTS_BINDINGS_MAX (BT_ACTION_COUNT + 2)

/* The window's shortcuts as keycodes: the configured ones plus Shift+Insert (paste). */
struct events_bindings {
    struct {
        SDL_Keycode sym;
        unsigned mods; /* BT_MOD_* */
        enum bt_action action;
    } b[EVENTS_BINDINGS_MAX];
    int n;
};

/*
 * Builds the bindings from the configuration's (keys: BT_ACTION_COUNT entries,
 * key names as SDL spells them). Names SDL does not know are left out, with a
 * log line each.
 */
void events_bind(struct events_bindings *eb, const struct bt_key *keys);

/*
 * The window's shortcut for a key press, or BT_ACTION_NONE to pass the key on. The search
 * bar's own actions count only while it is open (search_bar).
 */
enum bt_action events_shortcut(const struct events_bindings *eb, const SDL_Keysym *key,
                               bool search_bar);

/* True for a key that is only a modifier (Shift, Ctrl, Alt, Super...). */
bool events_is_modifier(const SDL_Keysym *key);

/* TERM_MOD_* bits of SDL modifier state. */
unsigned events_mods(Uint16 kmod);

/*
 * SDL reports a key that types text twice: SDL_KEYDOWN (which key, which modifiers) and then
 * SDL_TEXTINPUT (what it typed, after the layout and the input method). The engine wants both
 * at once (kitty's protocol reports the key, xterm's Ctrl+key the control, Alt+key the text),
 * so the key waits here until its text arrives or the events run out (events_flush).
 */
struct events_keys {
    bool pending;          /* a text key waits for its SDL_TEXTINPUT */
    uint32_t base;
    unsigned mods;
    enum term_key_event ev;
    bool swallow_text;     /* the last key went out whole: drop the text SDL makes of it */
    SDL_Scancode down[16]; /* keys whose press went to the program (their release may too) */
    int ndown;
};

/*
 * A key press or release that is not a shortcut, for the engine (or held until its text
 * comes). True when it went to the program, or will with its text.
 */
bool events_key(struct events_keys *ek, struct term *t, const SDL_KeyboardEvent *e);

/* SDL_TEXTINPUT: the held key's text, or text from the input method; true when it was sent. */
bool events_text(struct events_keys *ek, struct term *t, const char *utf8);

/* Sends a held key without text (Ctrl+A types none); call when an event batch ends. */
bool events_flush(struct events_keys *ek, struct term *t);

#endif
