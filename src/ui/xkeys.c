/*
 * Keys straight from the X connection (xkeys.h): which keys are taken, how an X key event
 * becomes SDL's events, and when the path stays off.
 */
#include "xkeys.h"

#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* X11's keysym values, so that the table below needs no X headers to be tested. */
#define KS_BACKSPACE 0xff08ul
#define KS_TAB 0xff09ul
#define KS_RETURN 0xff0dul
#define KS_ESCAPE 0xff1bul
#define KS_HOME 0xff50ul
#define KS_LEFT 0xff51ul
#define KS_UP 0xff52ul
#define KS_RIGHT 0xff53ul
#define KS_DOWN 0xff54ul
#define KS_PAGE_UP 0xff55ul
#define KS_PAGE_DOWN 0xff56ul
#define KS_END 0xff57ul
#define KS_INSERT 0xff63ul
#define KS_F1 0xffbeul
#define KS_F12 0xffc9ul
#define KS_DELETE 0xfffful
#define KS_UNICODE 0x01000000ul

SDL_Keycode xkeys_sym(unsigned long ks)
{
    static const struct {
        unsigned long ks;
        SDL_Keycode sym;
    } special[] = {
        {KS_BACKSPACE, SDLK_BACKSPACE}, {KS_TAB, SDLK_TAB},       {KS_RETURN, SDLK_RETURN},
        {KS_ESCAPE, SDLK_ESCAPE},       {KS_HOME, SDLK_HOME},     {KS_LEFT, SDLK_LEFT},
        {KS_UP, SDLK_UP},               {KS_RIGHT, SDLK_RIGHT},   {KS_DOWN, SDLK_DOWN},
        {KS_PAGE_UP, SDLK_PAGEUP},      {KS_PAGE_DOWN, SDLK_PAGEDOWN}, {KS_END, SDLK_END},
        {KS_INSERT, SDLK_INSERT},       {KS_DELETE, SDLK_DELETE},
    };
    if ((ks >= 0x20 && ks <= 0x7e) || (ks >= 0xa0 && ks <= 0xff))
        return (SDL_Keycode)ks; /* Latin-1: the keysym is the character */
    if ((ks & 0xff000000ul) == KS_UNICODE) {
        unsigned long cp = ks & 0xfffffful;
        return cp >= 0xa0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)
                   ? (SDL_Keycode)cp : SDLK_UNKNOWN;
    }
    if (ks >= KS_F1 && ks <= KS_F12)
        return SDLK_F1 + (SDL_Keycode)(ks - KS_F1);
    for (size_t i = 0; i < sizeof special / sizeof *special; i++)
        if (special[i].ks == ks)
            return special[i].sym;
    return SDLK_UNKNOWN;
}

/* True when a directory holds anything but . and .. (IBus's bus addresses, one per display). */
static bool dir_has_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool any = false;
    struct dirent *e;
    while (!any && (e = readdir(d)))
        any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return any;
}

bool xkeys_input_method(const struct bt_config_env *env)
{
    const char *mods = env->xmodifiers, *sdl = env->sdl_im_module;
    if ((sdl && *sdl) || env->ibus_address)
        return true;
    if (mods && *mods && strcmp(mods, "@im=none") != 0)
        return true; /* an XIM server (or fcitx, which SDL reaches over D-Bus) */
    /* SDL tries IBus whenever its daemon runs: it leaves its address under ~/.config. */
    char path[4096];
    const char *xdg = env->xdg_config_home, *home = env->home;
    int n = xdg && *xdg ? snprintf(path, sizeof path, "%s/ibus/bus", xdg)
                        : snprintf(path, sizeof path, "%s/.config/ibus/bus", home ? home : "");
    return n > 0 && (size_t)n < sizeof path && dir_has_entries(path);
}

#if defined(BT_HAVE_X11) && defined(SDL_VIDEO_DRIVER_X11)

#include <SDL_syswm.h>
#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#define XKEYS_WINDOWS 64

struct xkeys {
    Display *dpy;
    struct {
        Window xid;
        Uint32 id; /* SDL's window id */
    } win[XKEYS_WINDOWS];
    int nwin;
    unsigned char down[SDL_NUM_SCANCODES / 8]; /* keys down (by scancode): a press repeats */
    int repeat_code;        /* a release dropped as autorepeat's: this keycode's press repeats */
    bool filtering;         /* release_filter is SDL's event filter */
    bool detectable;        /* the server sends no release for autorepeat (XKB; SDL asks) */
};

bool x11_window_of(SDL_Window *win, Display **dpy, Window *xid)
{
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (!SDL_GetWindowWMInfo(win, &info) || info.subsystem != SDL_SYSWM_X11)
        return false;
    *dpy = info.info.x11.display;
    *xid = info.info.x11.window;
    return true;
}

struct xkeys *xkeys_create(SDL_Window *win, const struct bt_config_env *env)
{
    int mode = env ? env->x11_keys : -1;
    if (mode == 0 || (mode != 1 && env && xkeys_input_method(env)))
        return NULL;
    Display *dpy;
    Window xid;
    if (!x11_window_of(win, &dpy, &xid))
        return NULL;
    struct xkeys *xk = calloc(1, sizeof *xk);
    if (!xk)
        return NULL;
    xk->dpy = dpy;
    xk->repeat_code = -1;
    Bool supported = False;
    xk->detectable = XkbGetDetectableAutoRepeat(dpy, &supported) && supported;
    if (!xkeys_add(xk, win)) {
        free(xk);
        return NULL;
    }
    return xk;
}

void xkeys_destroy(struct xkeys *xk)
{
    if (xk && xk->filtering) {
        SDL_SetEventFilter(NULL, NULL);
        SDL_EventState(SDL_SYSWMEVENT, SDL_DISABLE);
    }
    free(xk);
}

bool xkeys_add(struct xkeys *xk, SDL_Window *win)
{
    Display *dpy;
    Window xid;
    if (!xk || xk->nwin == XKEYS_WINDOWS || !x11_window_of(win, &dpy, &xid) || dpy != xk->dpy)
        return false;
    xk->win[xk->nwin].xid = xid;
    xk->win[xk->nwin].id = SDL_GetWindowID(win);
    xk->nwin++;
    return true;
}

void xkeys_remove(struct xkeys *xk, SDL_Window *win)
{
    Uint32 id = SDL_GetWindowID(win);
    for (int i = 0; xk && i < xk->nwin; i++)
        if (xk->win[i].id == id) {
            xk->win[i] = xk->win[--xk->nwin];
            return;
        }
}

static bool is_down(const struct xkeys *xk, SDL_Scancode code)
{
    return xk->down[code / 8] & (1u << (code % 8));
}

static void set_down(struct xkeys *xk, SDL_Scancode code, bool down)
{
    if (down)
        xk->down[code / 8] |= (unsigned char)(1u << (code % 8));
    else
        xk->down[code / 8] &= (unsigned char)~(1u << (code % 8));
}

void xkeys_focus_lost(struct xkeys *xk)
{
    if (xk) {
        memset(xk->down, 0, sizeof xk->down);
        xk->repeat_code = -1;
    }
}

void xkeys_seen(struct xkeys *xk, SDL_KeyboardEvent *e)
{
    if (!xk || e->keysym.scancode >= SDL_NUM_SCANCODES)
        return;
    bool press = e->type == SDL_KEYDOWN;
    /* SDL's own flag goes by its state, which misses the keys taken here */
    if (press)
        e->repeat = is_down(xk, e->keysym.scancode);
    set_down(xk, e->keysym.scancode, press);
}

/* SDL's id of the window an X event is for; 0 when it is none of ours. */
static Uint32 window_id(const struct xkeys *xk, Window xid)
{
    for (int i = 0; i < xk->nwin; i++)
        if (xk->win[i].xid == xid)
            return xk->win[i].id;
    return 0;
}

/*
 * The SDL key and scancode of an X key event, from its unshifted symbol in the event's group;
 * false unless SDL's keymap has that key on a scancode of its own (then SDL takes the event).
 */
static bool key_of(const XKeyEvent *k, SDL_Keycode *sym, SDL_Scancode *sc)
{
    if (k->keycode < 8 || k->keycode > 255)
        return false; /* 0: text an input method composed, for SDL's context */
    unsigned group = XkbGroupForCoreState(k->state);
    KeySym ks = XkbKeycodeToKeysym(k->display, (KeyCode)k->keycode, group, 0);
    if (ks == NoSymbol && group)
        ks = XkbKeycodeToKeysym(k->display, (KeyCode)k->keycode, 0, 0);
    SDL_Keycode want = xkeys_sym(ks);
    if (want == SDLK_UNKNOWN)
        return false;
    SDL_Scancode s = SDL_GetScancodeFromKey(want);
    if (s == SDL_SCANCODE_UNKNOWN || SDL_GetKeyFromScancode(s) != want)
        return false;
    *sym = want;
    *sc = s;
    return true;
}

/* True when this release is autorepeat's: the same key pressed again at the same time. */
static bool release_repeats(struct xkeys *xk, const XKeyEvent *k)
{
    /* With detectable autorepeat a release is a release: no read of the connection to see */
    if (xk->detectable || XEventsQueued(xk->dpy, QueuedAfterReading) == 0)
        return false;
    XEvent next;
    XPeekEvent(xk->dpy, &next);
    return next.type == KeyPress && next.xkey.keycode == k->keycode && next.xkey.time == k->time;
}

/* Writes code point cp as UTF-8 with a NUL to out (5 bytes); its length. */
static int utf8_put(char *out, unsigned long cp)
{
    int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (int i = n - 1; i > 0; i--, cp >>= 6)
        out[i] = (char)(0x80 | (cp & 0x3f));
    out[0] = (char)(n == 1 ? cp : lead[n] | cp);
    out[n] = '\0';
    return n;
}

/*
 * The text a press types (text[5]: "" for none), as Xutf8LookupString makes it when nothing
 * is being composed: XLookupString's byte when it is ASCII (a control character for Ctrl+key),
 * else the character of the keysym at the event's level when that is Latin-1 or Unicode.
 * False for a keysym only SDL's input context can spell (a legacy non-Latin one): SDL's key.
 */
static bool key_text(XKeyEvent *k, char *text)
{
    char buf[8];
    KeySym ks = NoSymbol;
    int n = XLookupString(k, buf, sizeof buf, &ks, NULL);
    text[0] = '\0';
    if (n == 1 && (unsigned char)buf[0] < 0x80) {
        text[0] = buf[0];
        text[1] = '\0';
        return true;
    }
    if (n > 1)
        return false; /* a string bound to the keysym */
    if (ks >= 0xa0 && ks <= 0xff) {
        utf8_put(text, ks);
        return true;
    }
    if ((ks & 0xff000000ul) == KS_UNICODE && xkeys_sym(ks) != SDLK_UNKNOWN) {
        utf8_put(text, ks & 0xfffffful);
        return true;
    }
    return n == 0 && (ks == NoSymbol || ks >= 0xff00); /* a key that types nothing */
}

/* What a taken key becomes: its window, key and (for a press) text. */
struct taken {
    Uint32 id;
    SDL_Keycode sym;
    SDL_Scancode sc;
    char text[5];
};

/* True for a key event for one of our windows that this path can take; fills *t. */
static bool takeable(const struct xkeys *xk, XEvent *ev, struct taken *t)
{
    if (ev->type != KeyPress && ev->type != KeyRelease)
        return false;
    t->id = window_id(xk, ev->xkey.window);
    t->text[0] = '\0';
    return t->id && key_of(&ev->xkey, &t->sym, &t->sc) &&
           (ev->type == KeyRelease || key_text(&ev->xkey, t->text));
}

/* The SDL_KEYDOWN or SDL_KEYUP SDL would make of a taken key, with SDL's modifiers now. */
static SDL_Event key_event(const struct taken *t, bool press, bool repeat)
{
    SDL_Event e = {0};
    e.key.type = press ? SDL_KEYDOWN : SDL_KEYUP;
    e.key.timestamp = SDL_GetTicks();
    e.key.windowID = t->id;
    e.key.state = press ? SDL_PRESSED : SDL_RELEASED;
    e.key.repeat = press && repeat;
    e.key.keysym.scancode = t->sc;
    e.key.keysym.sym = t->sym;
    e.key.keysym.mod = (Uint16)SDL_GetModState();
    return e;
}

/* Delivers one taken X key event as SDL's events. */
static void deliver_key(struct xkeys *xk, XEvent *ev, const struct taken *t,
                        xkeys_deliver *deliver, void *user)
{
    bool press = ev->type == KeyPress;
    /* The input method's filter (compose): a key it takes is reported without text. */
    bool filtered = XFilterEvent(ev, None);
    SDL_Event e = key_event(t, press,
                            is_down(xk, t->sc) || xk->repeat_code == (int)ev->xkey.keycode);
    xk->repeat_code = -1;
    set_down(xk, t->sc, press);
    deliver(user, &e);
    /* SDL sends no control characters as text */
    if (!press || filtered || (unsigned char)t->text[0] < ' ' || t->text[0] == 0x7f)
        return;
    SDL_Event te = {0};
    te.text.type = SDL_TEXTINPUT;
    te.text.timestamp = e.key.timestamp;
    te.text.windowID = t->id;
    memcpy(te.text.text, t->text, sizeof t->text);
    deliver(user, &te);
}

/*
 * SDL drops the release of a key it did not see pressed (no change of its keyboard state),
 * and a press taken here is one SDL did not see. When SDL reads such a release (it came behind
 * an event left to SDL, as when Shift is let go before the letter it shifted, in one read),
 * the program would never learn the key went up (the kitty protocol's release events) and its
 * next press would count as a repeat. SDL hands each X event it reads to this filter first
 * (SDL_SYSWMEVENT); such a release becomes here the SDL_KEYUP SDL would have made, in its
 * place in the queue. Every other raw event is dropped. With X only the main thread pushes
 * events, from within SDL_PumpEvents; other events pass untouched.
 */
static int release_filter(void *user, SDL_Event *e)
{
    if (e->type != SDL_SYSWMEVENT)
        return 1;
    struct xkeys *xk = user;
    const SDL_SysWMmsg *m = e->syswm.msg;
    if (m->subsystem != SDL_SYSWM_X11 || m->msg.x11.event.type != KeyRelease)
        return 0;
    XEvent ev = m->msg.x11.event;
    struct taken t;
    if (!takeable(xk, &ev, &t) || !is_down(xk, t.sc) || SDL_GetKeyboardState(NULL)[t.sc] ||
        release_repeats(xk, &ev.xkey))
        return 0; /* SDL makes its own SDL_KEYUP, or none for an autorepeat's release */
    *e = key_event(&t, false, false);
    return 1;
}

/*
 * Installs release_filter once SDL's queue is empty: SDL_SetEventFilter discards the events
 * queued when it is called.
 */
static void filter_releases(struct xkeys *xk)
{
    if (xk->filtering || SDL_HasEvents(SDL_FIRSTEVENT, SDL_LASTEVENT))
        return;
    SDL_EventState(SDL_SYSWMEVENT, SDL_ENABLE);
    SDL_SetEventFilter(release_filter, xk);
    xk->filtering = true;
}

int xkeys_take(struct xkeys *xk, xkeys_deliver *deliver, void *user, bool *more)
{
    int taken = 0;
    *more = true;
    if (!xk)
        return 0;
    filter_releases(xk);
    /* one read of the connection; what comes meanwhile wakes the loop's poll */
    int queued = XEventsQueued(xk->dpy, QueuedAfterReading);
    for (; queued > 0; queued = XEventsQueued(xk->dpy, QueuedAlready)) {
        XEvent ev;
        struct taken t;
        XPeekEvent(xk->dpy, &ev);
        if (!takeable(xk, &ev, &t))
            break;
        XNextEvent(xk->dpy, &ev);
        taken++;
        if (ev.type == KeyRelease && release_repeats(xk, &ev.xkey)) {
            xk->repeat_code = (int)ev.xkey.keycode; /* the press that follows repeats */
            continue;
        }
        deliver_key(xk, &ev, &t, deliver, user);
    }
    *more = queued > 0;
    return taken;
}

#else /* without Xlib: SDL takes every key */

struct xkeys *xkeys_create(SDL_Window *win, const struct bt_config_env *env)
{
    (void)win;
    (void)env;
    return NULL;
}

void xkeys_destroy(struct xkeys *xk)
{
    (void)xk;
}

bool xkeys_add(struct xkeys *xk, SDL_Window *win)
{
    (void)xk;
    (void)win;
    return false;
}

void xkeys_remove(struct xkeys *xk, SDL_Window *win)
{
    (void)xk;
    (void)win;
}

void xkeys_focus_lost(struct xkeys *xk)
{
    (void)xk;
}

void xkeys_seen(struct xkeys *xk, SDL_KeyboardEvent *e)
{
    (void)xk;
    (void)e;
}

int xkeys_take(struct xkeys *xk, xkeys_deliver *deliver, void *user, bool *more)
{
    (void)xk;
    (void)deliver;
    (void)user;
    *more = true;
    return 0;
}

#endif
