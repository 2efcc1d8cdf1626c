/*
 * Keys straight from the X connection, for a keystroke that reaches the program sooner.
 *
 * SDL turns each X key event into its own (X11_DispatchEvent: the input method's filter, a
 * lookup, a _NET_WM_USER_TIME property change, its event queue) and takes about 150 us of a
 * 2-core machine's time per key doing it, before the key's byte can go to the pty. Here the
 * key events at the head of Xlib's queue, for boundterm's windows, are taken first and made
 * into the same SDL_KEYDOWN / SDL_TEXTINPUT / SDL_KEYUP events SDL would have made, so the
 * rest of the window cannot tell them apart:
 *
 * - only keys whose unshifted symbol SDL's own keymap agrees on (text keys, and the editing,
 *   cursor and function keys); modifiers, the keypad, dead keys, anything else, and every key
 *   behind another kind of event stay SDL's, so SDL's modifier state (SDL_GetModState, which
 *   the events take) is exact and the order of events is kept;
 * - every key still passes the input method's filter (SDL's, registered on the window), so
 *   compose sequences work; a key it swallows is a key without text, as SDL reports it; the
 *   text of any other is what Xutf8LookupString gives outside a compose sequence (the ASCII
 *   byte of XLookupString, else the Latin-1 or Unicode character of the keysym at the event's
 *   level), without an input context of our own (Xlib's compose tables cost 0.5 MiB of RES);
 * - never while an input method that is not Xlib's own could be in use (SDL talks to IBus or
 *   fcitx over D-Bus), nor when BOUNDTERM_X11_KEYS=0: then SDL does everything as before.
 *
 * A key pressed through one path may be released through the other (the release came behind
 * a Shift let go or a mouse event): SDL's key events are seen here (xkeys_seen), which keeps
 * the keys down and the repeat flag of both paths; a release SDL would drop because it did not
 * see the press is made into SDL's SDL_KEYUP by SDL's event filter, which this path owns.
 */
#ifndef BT_UI_XKEYS_H
#define BT_UI_XKEYS_H

#include <stdbool.h>

#include <SDL.h>

struct xkeys;

struct bt_config_env;

/*
 * Direct keys for the windows on win's X connection; NULL (silently) when win is not on X11,
 * env says no (x11_keys 0) or an input method may be in use (x11_keys -1 and
 * xkeys_input_method), or out of memory. env NULL: as x11_keys -1 with nothing set.
 */
struct xkeys *xkeys_create(SDL_Window *win, const struct bt_config_env *env);
/* NULL is a no-op. */
void xkeys_destroy(struct xkeys *xk);

/* Takes win's keys from now on (false: no room, or not on this connection) / no longer. */
bool xkeys_add(struct xkeys *xk, SDL_Window *win);
void xkeys_remove(struct xkeys *xk, SDL_Window *win);

/* The window lost the keyboard: keys held now are released elsewhere, not repeated here. */
void xkeys_focus_lost(struct xkeys *xk);

/*
 * A key event SDL made itself: which keys are down, for the repeat flag of the next press
 * taken here (a key pressed through one path may be released through the other); a press's
 * repeat flag is set by the same rule (SDL's misses the keys taken here).
 */
void xkeys_seen(struct xkeys *xk, SDL_KeyboardEvent *e);

typedef void xkeys_deliver(void *user, const SDL_Event *e);

/*
 * Reads what the X connection has (once), and hands each key event at the head of the queue
 * to deliver as SDL would have made it (a press, then its text, if any; a release), until the
 * head is anything else. Returns how many X events it took; *more is false when Xlib's queue
 * is then empty (SDL would find nothing to read either), true otherwise and for NULL.
 */
int xkeys_take(struct xkeys *xk, xkeys_deliver *deliver, void *user, bool *more);

/*
 * The SDL key for an X keysym (its unshifted symbol), as SDL's keymap has it: the character
 * for Latin-1 and Unicode keysyms, SDLK_RETURN and the like for the keys this path takes;
 * SDLK_UNKNOWN for every other (the keypad, modifiers, dead keys, legacy non-Latin keysyms).
 */
SDL_Keycode xkeys_sym(unsigned long keysym);

/*
 * True when the environment (env's XMODIFIERS, SDL_IM_MODULE, IBUS_ADDRESS, and IBus's
 * address files under its XDG_CONFIG_HOME or HOME) says an input method other than Xlib's
 * may be in use.
 */
bool xkeys_input_method(const struct bt_config_env *env);

#if defined(BT_HAVE_X11)
#include <X11/Xlib.h>
/* win's X display and window; false when it is not on X11 (here and in xshm.c). */
bool x11_window_of(SDL_Window *win, Display **dpy, Window *xid);
#endif

#endif
