/*
 * Input towards the program: keys, mouse, paste and focus, encoded by the engine itself from
 * the modes the program set (seq.c keeps them). The bytes leave through the output callback,
 * like answers to queries.
 *
 * Keys follow three encodings, chosen by the program:
 *   - legacy, the default: what xterm sends without modifyOtherKeys. Enter is CR whatever the
 *     modifiers (LNM: CR LF), Tab TAB but Shift+Tab CSI Z, Backspace DEL but Ctrl+Backspace ^H
 *     (DECBKM swaps them), Alt prefixes ESC, Ctrl maps a key to its C0 control (the VT100's
 *     table, as kitty's specification gives it), cursor and function keys carry modifiers as
 *     CSI 1 ; m X or CSI n ; m ~ (m = 1 + shift 1 + alt 2 + ctrl 4 + super 8);
 *   - xterm's modifyOtherKeys (CSI > 4 ; 1 m or ; 2 m): modified keys without a well-known
 *     legacy form, or in mode 2 every modified key, as CSI 27 ; m ; key ~ (vim, neovim,
 *     emacs; foot's tables are the reference for the details);
 *   - the kitty keyboard protocol (CSI > flags u, one stack per screen): CSI key ; m u and
 *     friends, with event types, alternate keys, all keys and their text when the flags ask
 *     (fish, neovim, helix, kakoune).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "vt_internal.h"

enum {
    KITTY_DISAMBIGUATE = 1,
    KITTY_EVENTS = 2,
    KITTY_ALTERNATES = 4,
    KITTY_ALL_KEYS = 8,
    KITTY_TEXT = 16,
};

/* Where input_key_bytes() collects what a key would send. */
struct term_capture {
    char *out;
    size_t cap, len;
};

/* Sends bytes to the program (or into the capture XTGETTCAP asked for). */
static void send(struct term *t, const char *bytes, size_t len)
{
    struct term_capture *c = t->capture;
    if (c) {
        size_t n = len < c->cap - 1 - c->len ? len : c->cap - 1 - c->len;
        memcpy(c->out + c->len, bytes, n);
        c->len += n;
        c->out[c->len] = 0;
    } else if (len && t->cb.output) {
        t->cb.output(t->user, bytes, len);
    }
}

static void send_str(struct term *t, const char *s)
{
    send(t, s, strlen(s));
}

/* xterm's modifier parameter: 1 + the modifier bits (shift 1, alt 2, ctrl 4, super 8). */
static int xmod(unsigned mods)
{
    return 1 + (int)(mods & 15u);
}

/* ---- The kitty keyboard protocol's flags stack ---------------------------- */

/* The stack of the screen shown (the alternate screen keeps its own). */
static struct kitty_keys *kitty_stack(struct term *t)
{
    return &t->modes.kitty[grid_altscreen(t->grid) ? 1 : 0];
}

uint8_t input_kitty_flags(const struct term *t)
{
    const struct kitty_keys *k = &t->modes.kitty[grid_altscreen(t->grid) ? 1 : 0];
    return k->flags[k->top];
}

/* Pushes flags; a full stack forgets its oldest entry (the specification's rule). */
static void kitty_push(struct kitty_keys *k, uint8_t flags)
{
    if (k->top + 1 >= KITTY_STACK) {
        memmove(k->flags, k->flags + 1, (KITTY_STACK - 1) * sizeof k->flags[0]);
        k->top = KITTY_STACK - 2;
    }
    k->flags[++k->top] = flags;
}

/* Pops n entries; popping past the bottom resets the flags. */
static void kitty_pop(struct kitty_keys *k, long n)
{
    if (n >= k->top + 1) {
        k->top = 0;
        k->flags[0] = 0;
    } else {
        k->top -= (int)n;
    }
}

void input_kitty_csi(struct term *t, const struct scan_csi *c)
{
    struct kitty_keys *k = kitty_stack(t);
    uint8_t flags = (uint8_t)(scan_param(c, 0, 0) & 31);
    switch (c->leader) {
    case '?':
        vt_reply(t, "\x1b[?%du", k->flags[k->top]);
        break;
    case '>':
        kitty_push(k, flags);
        break;
    case '<':
        kitty_pop(k, scan_param(c, 0, 1) < 1 ? 1 : scan_param(c, 0, 1));
        break;
    case '=': {
        long mode = scan_param(c, 1, 1);
        uint8_t *f = &k->flags[k->top];
        *f = mode == 2 ? (uint8_t)(*f | flags) : mode == 3 ? (uint8_t)(*f & ~flags) : flags;
        break;
    }
    default:
        break;
    }
}

void input_modkeys_csi(struct term *t, const struct scan_csi *c)
{
    long resource = scan_param(c, 0, -1);
    if (c->leader == '?' && c->final == 'm') { /* XTQMODKEYS */
        if (resource == 4)
            vt_reply(t, "\x1b[>4;%dm", t->modes.modify_other_keys);
        return;
    }
    if (resource != 4 && resource != -1)
        return; /* modifyKeyboard, modifyCursorKeys, modifyFunctionKeys: xterm's defaults */
    long value = c->final == 'n' ? 0 : scan_param(c, 1, 0); /* CSI > 4 n disables it */
    t->modes.modify_other_keys = value >= 0 && value <= 2 ? (int)value : 0;
}

/* ---- Formatting --------------------------------------------------------- */

/*
 * A kitty report: CSI code[:shifted] [; mods[:event]] [; text] final. A functional key written
 * with a letter (CSI 1 ; m A) drops the 1 when nothing follows it.
 */
static void kitty_report(struct term *t, uint32_t code, uint32_t shifted, unsigned mods,
                         enum term_key_event ev, const char *text, char final)
{
    char buf[160];
    size_t n = 0, cap = sizeof buf - 8, len = text ? strlen(text) : 0;
    bool mod_field = mods || ev != TERM_KEY_PRESS;
    n += (size_t)snprintf(buf, cap, "\x1b[");
    if (final == 'u' || final == '~' || mod_field || shifted || len)
        n += (size_t)snprintf(buf + n, cap - n, "%u", code);
    if (shifted)
        n += (size_t)snprintf(buf + n, cap - n, ":%u", shifted);
    if (mod_field || len)
        buf[n++] = ';';
    if (mod_field)
        n += (size_t)snprintf(buf + n, cap - n, "%d", xmod(mods));
    if (ev != TERM_KEY_PRESS)
        n += (size_t)snprintf(buf + n, cap - n, ":%d", (int)ev);
    if (len)
        buf[n++] = ';';
    for (size_t i = 0; i < len && n + 12 < cap;) {
        uint32_t cp;
        bool first = i == 0;
        i += utf8_decode(text + i, len - i, &cp);
        n += (size_t)snprintf(buf + n, cap - n, first ? "%u" : ":%u", cp);
    }
    buf[n++] = final;
    send(t, buf, n);
}

/* xterm's modifyOtherKeys report: CSI 27 ; m ; key ~. */
static void mok_report(struct term *t, unsigned mods, uint32_t key)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "\x1b[27;%d;%u~", xmod(mods), key);
    send(t, buf, (size_t)n);
}

/* ---- Keys that are not text ----------------------------------------------- */

/* How a cursor, editing or function key is written. */
struct fkey {
    enum term_key key;
    char final;      /* 'A'.. for CSI 1 ; m X, '~' for CSI num ; m ~ */
    uint16_t num;    /* the number before '~' */
    bool ss3;        /* unmodified: SS3 X (F1-F4 always, cursor keys with DECCKM) */
    bool cursor;     /* DECCKM chooses SS3 */
};

static const struct fkey fkeys[] = {
    {TERM_KEY_UP, 'A', 1, false, true},     {TERM_KEY_DOWN, 'B', 1, false, true},
    {TERM_KEY_RIGHT, 'C', 1, false, true},  {TERM_KEY_LEFT, 'D', 1, false, true},
    {TERM_KEY_HOME, 'H', 1, false, true},   {TERM_KEY_END, 'F', 1, false, true},
    {TERM_KEY_INS, '~', 2, false, false},   {TERM_KEY_DEL, '~', 3, false, false},
    {TERM_KEY_PAGEUP, '~', 5, false, false}, {TERM_KEY_PAGEDOWN, '~', 6, false, false},
    {TERM_KEY_FUNCTION_0 + 1, 'P', 1, true, false},
    {TERM_KEY_FUNCTION_0 + 2, 'Q', 1, true, false},
    {TERM_KEY_FUNCTION_0 + 3, 'R', 1, true, false},
    {TERM_KEY_FUNCTION_0 + 4, 'S', 1, true, false},
    {TERM_KEY_FUNCTION_0 + 5, '~', 15, false, false},
    {TERM_KEY_FUNCTION_0 + 6, '~', 17, false, false},
    {TERM_KEY_FUNCTION_0 + 7, '~', 18, false, false},
    {TERM_KEY_FUNCTION_0 + 8, '~', 19, false, false},
    {TERM_KEY_FUNCTION_0 + 9, '~', 20, false, false},
    {TERM_KEY_FUNCTION_0 + 10, '~', 21, false, false},
    {TERM_KEY_FUNCTION_0 + 11, '~', 23, false, false},
    {TERM_KEY_FUNCTION_0 + 12, '~', 24, false, false},
};

static const struct fkey *fkey_of(enum term_key key)
{
    for (size_t i = 0; i < sizeof fkeys / sizeof *fkeys; i++)
        if (fkeys[i].key == key)
            return &fkeys[i];
    return NULL;
}

/* A cursor, editing or function key in the legacy (and modifyOtherKeys) encoding. */
static void fkey_legacy(struct term *t, const struct fkey *k, unsigned mods)
{
    char buf[32];
    int n;
    if (mods)
        n = k->final == '~' ? snprintf(buf, sizeof buf, "\x1b[%u;%d~", k->num, xmod(mods))
                            : snprintf(buf, sizeof buf, "\x1b[1;%d%c", xmod(mods), k->final);
    else if (k->final == '~')
        n = snprintf(buf, sizeof buf, "\x1b[%u~", k->num);
    else
        n = snprintf(buf, sizeof buf, "\x1b%c%c",
                     k->ss3 || (k->cursor && t->modes.cursor_keys) ? 'O' : '[', k->final);
    send(t, buf, (size_t)n);
}

/* The kitty protocol's number for a key with no Unicode codepoint (its functional key table). */
static uint32_t kitty_number(enum term_key key)
{
    static const uint16_t kp[18] = {57399, 57400, 57401, 57402, 57403, 57404, 57405, 57406,
                                    57407, 57408, 57411, 57413, 57416, 57412, 57409, 57410,
                                    57414, 57415};
    switch (key) {
    case TERM_KEY_ENTER: return 13;
    case TERM_KEY_TAB: return 9;
    case TERM_KEY_BACKSPACE: return 127;
    case TERM_KEY_ESCAPE: return 27;
    case TERM_KEY_LEFT_SHIFT: return 57441;
    case TERM_KEY_LEFT_CTRL: return 57442;
    case TERM_KEY_LEFT_ALT: return 57443;
    case TERM_KEY_LEFT_SUPER: return 57444;
    case TERM_KEY_RIGHT_SHIFT: return 57447;
    case TERM_KEY_RIGHT_CTRL: return 57448;
    case TERM_KEY_RIGHT_ALT: return 57449;
    case TERM_KEY_RIGHT_SUPER: return 57450;
    case TERM_KEY_CAPS_LOCK: return 57358;
    case TERM_KEY_NUM_LOCK: return 57360;
    default: break;
    }
    if (key >= TERM_KEY_FUNCTION_0 + 13 && key <= TERM_KEY_FUNCTION_0 + 24)
        return 57376u + (uint32_t)(key - TERM_KEY_FUNCTION_0 - 13);
    if (key >= TERM_KEY_KP_0 && key < TERM_KEY_KP_0 + 18)
        return kp[key - TERM_KEY_KP_0];
    return 0;
}

/* The modifier bit a modifier key sets (kitty reports it held in its own press and release). */
static unsigned own_modifier(enum term_key key)
{
    switch (key) {
    case TERM_KEY_LEFT_SHIFT: case TERM_KEY_RIGHT_SHIFT: return TERM_MOD_SHIFT;
    case TERM_KEY_LEFT_CTRL: case TERM_KEY_RIGHT_CTRL: return TERM_MOD_CTRL;
    case TERM_KEY_LEFT_ALT: case TERM_KEY_RIGHT_ALT: return TERM_MOD_ALT;
    case TERM_KEY_LEFT_SUPER: case TERM_KEY_RIGHT_SUPER: return TERM_MOD_SUPER;
    default: return 0;
    }
}

/* A key that is not text under the kitty protocol; false when nothing is reported. */
static bool key_kitty(struct term *t, enum term_key key, unsigned mods, enum term_key_event ev,
                      uint8_t flags)
{
    bool all = flags & KITTY_ALL_KEYS;
    bool c0 = key == TERM_KEY_ENTER || key == TERM_KEY_TAB || key == TERM_KEY_BACKSPACE;
    if (ev == TERM_KEY_RELEASE && (!(flags & KITTY_EVENTS) || (c0 && !all)))
        return false;
    if (!(flags & KITTY_EVENTS) && ev == TERM_KEY_REPEAT)
        ev = TERM_KEY_PRESS;
    if (own_modifier(key) && !all)
        return false; /* modifier keys alone are reported only with "all keys" */
    mods |= own_modifier(key);
    if (c0 && !mods && !all) {
        send_str(t, key == TERM_KEY_ENTER ? "\r" : key == TERM_KEY_TAB ? "\t" : "\x7f");
        return true;
    }
    const struct fkey *k = fkey_of(key);
    if (k)
        kitty_report(t, k->final == '~' ? k->num : 1, 0, mods, ev, NULL, k->final);
    else if (kitty_number(key))
        kitty_report(t, kitty_number(key), 0, mods, ev, NULL, 'u');
    else
        return false;
    return true;
}

/* Enter, Tab, Backspace and Escape without the kitty protocol. */
static void c0_key(struct term *t, enum term_key key, unsigned mods)
{
    int mok = t->modes.modify_other_keys;
    bool alt = mods & TERM_MOD_ALT, ctrl = mods & TERM_MOD_CTRL, shift = mods & TERM_MOD_SHIFT;
    const char *esc = alt ? "\x1b" : "";
    char buf[16];
    switch (key) {
    case TERM_KEY_ENTER:
        if (mods && (mok == 2 || (mok == 1 && mods != TERM_MOD_ALT))) {
            mok_report(t, mods, 13);
            return;
        }
        snprintf(buf, sizeof buf, "%s%s", esc, t->modes.newline ? "\r\n" : "\r");
        break;
    case TERM_KEY_TAB:
        if (mods && (mok == 2 || (mok == 1 && mods != TERM_MOD_ALT && mods != TERM_MOD_SHIFT))) {
            mok_report(t, mods, 9);
            return;
        }
        snprintf(buf, sizeof buf, "%s%s", esc, shift ? "\x1b[Z" : "\t");
        break;
    case TERM_KEY_BACKSPACE: {
        bool bs = t->modes.backarrow_bs != ctrl; /* Ctrl gives the other one */
        if (mok == 2 && mods && mods != TERM_MOD_CTRL) {
            mok_report(t, mods, bs ? 8 : 127);
            return;
        }
        snprintf(buf, sizeof buf, "%s%c", esc, bs ? '\b' : 0x7f);
        break;
    }
    default: /* Escape */
        if (mods && mods != TERM_MOD_ALT && mok) {
            mok_report(t, mods, 27);
            return;
        }
        snprintf(buf, sizeof buf, "%s\x1b", esc);
        break;
    }
    send_str(t, buf);
}

/* A keypad key without the kitty protocol: SS3 forms in application keypad mode, else text. */
static void keypad_key(struct term *t, enum term_key key, unsigned mods)
{
    static const char text[] = "0123456789*+,-./\r=", app[] = "pqrstuvwxyjklmnoMX";
    int i = key - TERM_KEY_KP_0;
    if (key == TERM_KEY_KP_ENTER && !t->modes.keypad) {
        c0_key(t, TERM_KEY_ENTER, mods);
    } else if (t->modes.keypad && !mods) {
        char buf[4] = {'\x1b', 'O', app[i], 0};
        send_str(t, buf);
    } else {
        char buf[2] = {text[i], 0};
        term_key_text(t, (uint32_t)text[i], buf, mods, TERM_KEY_PRESS);
    }
}

bool term_key(struct term *t, enum term_key key, unsigned mods, enum term_key_event ev)
{
    uint8_t flags = input_kitty_flags(t);
    if (flags & (KITTY_DISAMBIGUATE | KITTY_ALL_KEYS))
        return key_kitty(t, key, mods, ev, flags);
    if (ev == TERM_KEY_RELEASE || own_modifier(key) || key == TERM_KEY_CAPS_LOCK ||
        key == TERM_KEY_NUM_LOCK)
        return false; /* legacy encodings report presses of keys that do something */
    const struct fkey *k = fkey_of(key);
    if (k)
        fkey_legacy(t, k, mods);
    else if (key >= TERM_KEY_FUNCTION_0 + 13 && key <= TERM_KEY_FUNCTION_0 + 24)
        fkey_legacy(t, fkey_of(key - 12), mods | TERM_MOD_SHIFT); /* xterm: F13 = Shift+F1 */
    else if (key >= TERM_KEY_KP_0 && key < TERM_KEY_KP_0 + 18)
        keypad_key(t, key, mods);
    else if (key >= TERM_KEY_ENTER && key <= TERM_KEY_ESCAPE)
        c0_key(t, key, mods);
    else
        return false;
    return true;
}

size_t input_key_bytes(struct term *t, enum term_key key, unsigned mods, char *out, size_t cap)
{
    struct term_capture c = {out, cap, 0};
    if (cap == 0)
        return 0;
    out[0] = 0;
    t->capture = &c;
    term_key(t, key, mods, TERM_KEY_PRESS);
    t->capture = NULL;
    return c.len;
}

/* ---- Keys that type text --------------------------------------------------- */

/* The C0 control Ctrl turns a key into (the VT100's table, as kitty gives it), or -1. */
static int ctrl_byte(uint32_t base)
{
    if (base >= 'a' && base <= 'z')
        return (int)(base - 'a' + 1);
    switch (base) {
    case ' ': case '2': case '@': return 0;
    case '3': case '[': return 27;
    case '4': case '\\': return 28;
    case '5': case ']': return 29;
    case '6': case '^': case '~': return 30;
    case '7': case '/': case '_': return 31;
    case '8': case '?': return 127;
    default: return -1;
    }
}

/* The character a key typed: its text's only codepoint, else the key, shifted for a-z. */
static uint32_t typed_char(uint32_t base, const char *text, unsigned mods)
{
    size_t len = text ? strlen(text) : 0;
    uint32_t cp;
    if (len && utf8_decode(text, len, &cp) == len)
        return cp;
    if ((mods & TERM_MOD_SHIFT) && base >= 'a' && base <= 'z')
        return base - 'a' + 'A';
    return base;
}

/* Sends what a text key types in the legacy encoding (xterm without modifyOtherKeys). */
static void text_legacy(struct term *t, uint32_t base, const char *text, unsigned mods)
{
    char buf[2 + UTF8_MAX];
    size_t n = 0;
    if (mods & TERM_MOD_ALT)
        buf[n++] = '\x1b';
    int c = mods & TERM_MOD_CTRL ? ctrl_byte(base) : -1;
    if (c >= 0) {
        buf[n++] = (char)c;
        send(t, buf, n);
        return;
    }
    if (text && *text && !(mods & TERM_MOD_CTRL)) {
        send(t, buf, n);
        send_str(t, text);
        return;
    }
    uint32_t ch = typed_char(base, text, mods);
    if (!ch)
        return;
    n += utf8_encode(ch, buf + n);
    send(t, buf, n);
}

/* A text key under modifyOtherKeys: CSI 27 ; m ; char ~ where xterm sends it (foot's rule). */
static bool text_mok(struct term *t, uint32_t base, const char *text, unsigned mods)
{
    int mok = t->modes.modify_other_keys;
    bool shift_letter = (mods & TERM_MOD_SHIFT) && base >= 'a' && base <= 'z';
    bool others = mods & ~(unsigned)TERM_MOD_SHIFT;
    bool ctrl_seq = base >= 0x40 && base <= 0x7f; /* Ctrl has a well-known control for it */
    if (!mok || !mods || !base)
        return false;
    if ((mok == 2 && (others || shift_letter)) || ((mods & TERM_MOD_CTRL) && !ctrl_seq)) {
        mok_report(t, mods, typed_char(base, text, mods));
        return true;
    }
    return false;
}

/* A text key under the kitty protocol; false when nothing is reported. */
static bool text_kitty(struct term *t, uint32_t base, const char *text, unsigned mods,
                       enum term_key_event ev, uint8_t flags)
{
    bool all = flags & KITTY_ALL_KEYS;
    bool chord = mods & (TERM_MOD_ALT | TERM_MOD_CTRL | TERM_MOD_SUPER);
    if (!all && (!chord || !base)) { /* text stays text; its releases are not reported */
        if (ev != TERM_KEY_RELEASE && text && *text)
            send_str(t, text);
        return ev != TERM_KEY_RELEASE && text && *text;
    }
    if (ev == TERM_KEY_RELEASE && !(flags & KITTY_EVENTS))
        return false;
    if (!(flags & KITTY_EVENTS) && ev == TERM_KEY_REPEAT)
        ev = TERM_KEY_PRESS;
    uint32_t shifted = 0, ch = typed_char(base, text, mods);
    if ((flags & KITTY_ALTERNATES) && (mods & TERM_MOD_SHIFT) && ch != base)
        shifted = ch;
    bool with_text = (flags & KITTY_TEXT) && ev != TERM_KEY_RELEASE && !chord;
    kitty_report(t, base, shifted, mods, ev, with_text ? text : NULL, 'u');
    return true;
}

bool term_key_text(struct term *t, uint32_t base, const char *text, unsigned mods,
                   enum term_key_event ev)
{
    uint8_t flags = input_kitty_flags(t);
    if (base >= 'A' && base <= 'Z')
        base += 'a' - 'A'; /* the key's own character is the unshifted one */
    if (flags & (KITTY_DISAMBIGUATE | KITTY_ALL_KEYS))
        return text_kitty(t, base, text, mods, ev, flags);
    if (ev == TERM_KEY_RELEASE)
        return false;
    if (mods == TERM_MOD_SUPER && !t->modes.modify_other_keys)
        mods = 0; /* xterm leaves Super alone: the key types its text */
    if (text_mok(t, base, text, mods))
        return true;
    if (!base && !(text && *text))
        return false;
    text_legacy(t, base, text, mods);
    return true;
}

/* ---- Mouse -------------------------------------------------------------- */

int term_mouse_mode(const struct term *t)
{
    switch (t->modes.mouse) {
    case 9:
    case 1000: return TERM_MOUSE_CLICK;
    case 1002: return TERM_MOUSE_DRAG;
    case 1003: return TERM_MOUSE_MOVE;
    default: return TERM_MOUSE_NONE;
    }
}

/* The button code's modifier bits: shift 4, meta (Alt) 8, ctrl 16. */
static int mouse_mods(unsigned mods)
{
    return (mods & TERM_MOD_SHIFT ? 4 : 0) | (mods & TERM_MOD_ALT ? 8 : 0) |
           (mods & TERM_MOD_CTRL ? 16 : 0);
}

/*
 * Writes one report in the encoding the program chose; nothing when a cell cannot be told.
 * Only SGR says which button was released: the others write button 3 with the modifiers.
 */
static void mouse_report(struct term *t, int code, bool release)
{
    char buf[64];
    int n = 0, x = t->mouse.col + 1, y = t->mouse.row + 1;
    int plain = release ? 3 | (code & 28) : code;
    switch (t->modes.mouse_enc) {
    case 1006:
        n = snprintf(buf, sizeof buf, "\x1b[<%d;%d;%d%c", code, x, y, release ? 'm' : 'M');
        break;
    case 1015:
        n = snprintf(buf, sizeof buf, "\x1b[%d;%d;%dM", plain + 32, x, y);
        break;
    case 1005:
        if (x > 2015 || y > 2015)
            return;
        n = snprintf(buf, sizeof buf, "\x1b[M");
        n += (int)utf8_encode((uint32_t)(plain + 32), buf + n);
        n += (int)utf8_encode((uint32_t)(x + 32), buf + n);
        n += (int)utf8_encode((uint32_t)(y + 32), buf + n);
        break;
    default: /* X10 bytes: a cell past column or row 223 has no byte */
        if (x > 223 || y > 223)
            return;
        n = snprintf(buf, sizeof buf, "\x1b[M%c%c%c", (char)(plain + 32),
                     (char)(x + 32), (char)(y + 32));
        break;
    }
    send(t, buf, (size_t)n);
}

void term_mouse_move(struct term *t, int row, int col, unsigned mods)
{
    if (row == t->mouse.row && col == t->mouse.col)
        return;
    t->mouse.row = row;
    t->mouse.col = col;
    int mode = t->modes.mouse;
    unsigned held = t->mouse.buttons;
    if (!(mode == 1003 || (mode == 1002 && held)))
        return;
    int button = held & 1 ? 0 : held & 2 ? 1 : held & 4 ? 2 : 3;
    mouse_report(t, 32 + button + mouse_mods(mods), false);
}

void term_mouse_button(struct term *t, int button, bool pressed, unsigned mods)
{
    if (button < 1 || button > 5)
        return;
    bool wheel = button >= 4;
    if (button <= 3) {
        unsigned bit = 1u << (button - 1);
        t->mouse.buttons = pressed ? t->mouse.buttons | bit : t->mouse.buttons & ~bit;
    }
    int mode = t->modes.mouse;
    if (!mode || (wheel && !pressed) || t->mouse.row < 0)
        return;
    if (mode == 9) { /* X10: presses of the three buttons, no modifiers */
        if (pressed && !wheel)
            mouse_report(t, button - 1, false);
        return;
    }
    int code = (wheel ? 64 + button - 4 : button - 1) + mouse_mods(mods);
    mouse_report(t, code, !pressed);
}

void term_focus(struct term *t, bool focused)
{
    if (t->modes.focus)
        send_str(t, focused ? "\x1b[I" : "\x1b[O");
}

/* ---- Paste -------------------------------------------------------------- */

/* Writes a line end (CR) unless the last thing written was the CR of a CR LF pair. */
static size_t line_end(const char *text, size_t at, char *out)
{
    if (text[at] == '\n' && at > 0 && text[at - 1] == '\r')
        return 0;
    out[0] = '\r';
    return 1;
}

size_t term_paste_filter(const char *text, size_t len, enum term_paste_filter filter, char *out)
{
    size_t n = 0;
    for (size_t at = 0; at < len;) {
        if (text[at] == '\n' || text[at] == '\r') {
            n += line_end(text, at, out + n);
            at++;
            continue;
        }
        if (filter == TERM_PASTE_RAW) {
            out[n++] = text[at++];
            continue;
        }
        uint32_t cp;
        at += utf8_decode(text + at, len - at, &cp);
        if (cp == '\t' || !utf8_is_control(cp))
            n += utf8_encode(cp, out + n);
    }
    return n;
}

bool term_bracketed_paste(const struct term *t)
{
    return t->modes.bracketed_paste;
}

char *term_paste_encode(const struct term *t, const char *text, size_t len,
                        enum term_paste_filter filter, size_t *len_out)
{
    static const char start[] = "\x1b[200~", end[] = "\x1b[201~";
    bool bracket = t->modes.bracketed_paste;
    if (len > (SIZE_MAX - 16) / 3)
        return NULL;
    char *out = malloc(len * 3 + 16);
    if (!out)
        return NULL;
    size_t n = 0;
    if (bracket) {
        memcpy(out, start, sizeof start - 1);
        n = sizeof start - 1;
    }
    n += term_paste_filter(text, len, filter, out + n);
    if (bracket) {
        memcpy(out + n, end, sizeof end - 1);
        n += sizeof end - 1;
    }
    *len_out = n;
    return out;
}
