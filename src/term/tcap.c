/*
 * XTGETTCAP (DCS + q Pt ST): a program asks for terminfo or termcap capabilities by name (hex
 * encoded, ';' between names) and gets their values, as xterm answers with allowTcapOps:
 *   DCS 1 + r name=value ; name=value ST   names and values hex encoded (values uppercase);
 *   DCS 0 + r ST                            the first name is not one boundterm knows.
 * xterm stops at the first unknown name after a known one, leaving the ';' before it: kept.
 * A name is echoed only when it is in the table below, never the request's own bytes.
 *
 * What is answered: the name (TN) and colours (Co, RGB) xterm answers, the keys as the
 * terminal would send them now (DECCKM and the keyboard protocol applied, as xterm's "the
 * value xterm would send"), and the capabilities of xterm-256color and its common extensions
 * that boundterm implements (Smulx for curly underlines, Ss/Se, Ms, Sync, ...), as foot and
 * kitty answer them. A boolean is answered by its name alone (foot, kitty).
 */
#include <stdio.h>
#include <string.h>

#include "vt_internal.h"

/* A capability with a fixed value; NULL for a boolean. Values are terminfo strings as bytes. */
struct tcap_fixed {
    const char *name;
    const char *value;
};

static const struct tcap_fixed fixed[] = {
    {"Co", "256"}, {"colors", "256"}, {"RGB", "8"}, {"pairs", "65536"}, {"it", "8"},
    {"am", NULL}, {"bce", NULL}, {"ccc", NULL}, {"km", NULL}, {"mir", NULL}, {"msgr", NULL},
    {"npc", NULL}, {"xenl", NULL}, {"AX", NULL}, {"XT", NULL},
    {"Smulx", "\x1b[4:%p1%dm"}, {"Ss", "\x1b[%p1%d q"}, {"Se", "\x1b[2 q"},
    {"Ms", "\x1b]52;%p1%s;%p2%s\a"}, {"Sync", "\x1b[?2026%?%p1%{1}%-%tl%eh%;"},
    {"BD", "\x1b[?2004l"}, {"BE", "\x1b[?2004h"}, {"PS", "\x1b[200~"}, {"PE", "\x1b[201~"},
    {"Cs", "\x1b]12;%p1%s\a"}, {"Cr", "\x1b]112\a"}, {"E3", "\x1b[3J"},
    {"XM", "\x1b[?1006;1000%?%p1%{1}%=%th%el%;"}, {"rep", "%p1%c\x1b[%p2%{1}%-%db"},
    {"Smol", "\x1b[53m"}, {"Rmol", "\x1b[55m"}, {"smxx", "\x1b[9m"}, {"rmxx", "\x1b[29m"},
    {"setrgbf", "\x1b[38;2;%p1%d;%p2%d;%p3%dm"}, {"setrgbb", "\x1b[48;2;%p1%d;%p2%d;%p3%dm"},
    {"fsl", "\a"}, {"tsl", "\x1b]2;"},
};

/* A key capability: the key, with the modifiers xterm's parameter (1 + bits) names. */
struct tcap_key {
    const char *name;
    enum term_key key;
};

static const struct tcap_key keys[] = {
    {"kcuu1", TERM_KEY_UP},   {"ku", TERM_KEY_UP},         {"kcud1", TERM_KEY_DOWN},
    {"kd", TERM_KEY_DOWN},    {"kcuf1", TERM_KEY_RIGHT},   {"kr", TERM_KEY_RIGHT},
    {"kcub1", TERM_KEY_LEFT}, {"kl", TERM_KEY_LEFT},       {"khome", TERM_KEY_HOME},
    {"kh", TERM_KEY_HOME},    {"kend", TERM_KEY_END},      {"@7", TERM_KEY_END},
    {"kich1", TERM_KEY_INS},  {"kI", TERM_KEY_INS},        {"kdch1", TERM_KEY_DEL},
    {"kD", TERM_KEY_DEL},     {"kpp", TERM_KEY_PAGEUP},    {"kP", TERM_KEY_PAGEUP},
    {"knp", TERM_KEY_PAGEDOWN}, {"kN", TERM_KEY_PAGEDOWN}, {"kbs", TERM_KEY_BACKSPACE},
    {"kb", TERM_KEY_BACKSPACE}, {"kent", TERM_KEY_KP_ENTER}, {"@8", TERM_KEY_KP_ENTER},
};

/* Extended names of modified keys: kUP5 is Ctrl+Up (xterm's parameter 5); no digit is Shift. */
static const struct tcap_key modified[] = {
    {"kUP", TERM_KEY_UP},     {"kDN", TERM_KEY_DOWN},    {"kRIT", TERM_KEY_RIGHT},
    {"kLFT", TERM_KEY_LEFT},  {"kHOM", TERM_KEY_HOME},   {"kEND", TERM_KEY_END},
    {"kIC", TERM_KEY_INS},    {"kDC", TERM_KEY_DEL},     {"kNXT", TERM_KEY_PAGEDOWN},
    {"kPRV", TERM_KEY_PAGEUP},
};

/* The termcap names of F11-F63 after k1-k9 and k; (F1-F10). */
static const char fkey_termcap[] = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr";

/* xterm-256color's function keys 1-63: F1-F12 plain, then Shift, Ctrl, Ctrl+Shift, Alt, ... */
static bool function_key(int n, enum term_key *key, unsigned *mods)
{
    static const unsigned group[] = {0, TERM_MOD_SHIFT, TERM_MOD_CTRL,
                                     TERM_MOD_CTRL | TERM_MOD_SHIFT, TERM_MOD_ALT,
                                     TERM_MOD_ALT | TERM_MOD_SHIFT};
    if (n < 1 || n > 63)
        return false;
    *key = (enum term_key)(TERM_KEY_FUNCTION_0 + (n - 1) % 12 + 1);
    *mods = group[(n - 1) / 12];
    return true;
}

/* A number of 1-2 digits without a leading zero that makes up all of s, or -1. */
static int small_number(const char *s)
{
    if (s[0] < '1' || s[0] > '9' || (s[1] && (s[1] < '0' || s[1] > '9' || s[2])))
        return -1;
    return s[1] ? (s[0] - '0') * 10 + s[1] - '0' : s[0] - '0';
}

/* The key a capability name stands for. */
static bool key_of(const char *name, enum term_key *key, unsigned *mods)
{
    *mods = 0;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!strcmp(name, keys[i].name))
            return *key = keys[i].key, true;
    if (!strcmp(name, "kcbt") || !strcmp(name, "kB"))
        return *key = TERM_KEY_TAB, *mods = TERM_MOD_SHIFT, true;
    if (!strcmp(name, "kri") || !strcmp(name, "kind"))
        return *key = name[1] == 'r' ? TERM_KEY_UP : TERM_KEY_DOWN, *mods = TERM_MOD_SHIFT, true;
    for (size_t i = 0; i < sizeof modified / sizeof *modified; i++) {
        size_t len = strlen(modified[i].name);
        if (strncmp(name, modified[i].name, len))
            continue;
        int param = name[len] ? small_number(name + len) : 2;
        if (param < 2 || param > 8)
            return false;
        return *key = modified[i].key, *mods = (unsigned)param - 1, true;
    }
    if (!strncmp(name, "kf", 2))
        return function_key(small_number(name + 2), key, mods);
    if (name[0] == 'k' && name[1] && !name[2]) /* k1-k9, k; for F10 */
        return function_key(name[1] == ';' ? 10 : small_number(name + 1), key, mods);
    const char *at = name[0] == 'F' && name[1] && !name[2] ? strchr(fkey_termcap, name[1]) : 0;
    return at && function_key(11 + (int)(at - fkey_termcap), key, mods);
}

/* The value of capability name, into out (a boolean gives *boolean and ""); false if unknown. */
static bool value_of(struct term *t, const char *name, char *out, size_t cap, bool *boolean)
{
    *boolean = false;
    if (!strcmp(name, "TN") || !strcmp(name, "name")) {
        snprintf(out, cap, "%s", t->term_name);
        return true;
    }
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        if (strcmp(name, fixed[i].name))
            continue;
        *boolean = !fixed[i].value;
        snprintf(out, cap, "%s", fixed[i].value ? fixed[i].value : "");
        return true;
    }
    enum term_key key;
    unsigned mods;
    return key_of(name, &key, &mods) && input_key_bytes(t, key, mods, out, cap) > 0;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes the hex name hex[0..n) into out (NUL-terminated); false when it is not hex. */
static bool unhex(const char *hex, size_t n, char *out, size_t cap)
{
    if (n % 2 || n / 2 + 1 > cap)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return false;
        out[i / 2] = (char)(hi << 4 | lo);
    }
    out[n / 2] = 0;
    return true;
}

/* Appends s to out at *at, hex encoded with digits when given, else as is; false if full. */
static bool put(char *out, size_t cap, size_t *at, const char *s, const char *digits)
{
    for (; *s; s++) {
        if (*at + (digits ? 3 : 2) > cap)
            return false;
        if (digits) {
            out[(*at)++] = digits[(unsigned char)*s >> 4];
            out[(*at)++] = digits[(unsigned char)*s & 15];
        } else {
            out[(*at)++] = *s;
        }
    }
    out[*at] = 0;
    return true;
}

/* The reply's body (name=value;...) for the names in req; "" when the first is unknown. */
static void answer(struct term *t, const char *req, size_t n, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = 0;
    for (;;) {
        const char *semi = memchr(req, ';', n);
        size_t len = semi ? (size_t)(semi - req) : n;
        char name[32], value[128];
        bool boolean;
        if (!unhex(req, len, name, sizeof name) ||
            !value_of(t, name, value, sizeof value, &boolean))
            return;
        size_t mark = at;
        if (!put(out, cap, &at, name, "0123456789abcdef") ||
            (!boolean && (!put(out, cap, &at, "=", NULL) ||
                          !put(out, cap, &at, value, "0123456789ABCDEF")))) {
            out[mark] = 0; /* full: the reply ends before this name */
            return;
        }
        if (!semi || !put(out, cap, &at, ";", NULL)) /* xterm writes ';' before the next */
            return;
        req = semi + 1;
        n -= len + 1;
    }
}

void reply_tcap(struct term *t, const char *req, size_t n)
{
    char body[1024];
    answer(t, req, n, body, sizeof body);
    vt_reply(t, "\x1bP%c+r%s\x1b\\", body[0] ? '1' : '0', body);
}
