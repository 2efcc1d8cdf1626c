/*
 * The colours a program may ask for and change, as xterm lets it (ctlseqs, "Operating System
 * Commands"):
 *   OSC 4 ; c ; spec [; c ; spec ...]   palette entry c (0-255); spec "?" asks for it
 *   OSC 10 .. 19 ; spec [; spec ...]    10 foreground, 11 background, 12 cursor, 17 selection
 *                                       background, 19 selection foreground; each further spec
 *                                       goes to the next number (OSC 10;?;? asks for 10 and 11)
 *   OSC 104 [; c ...]                   resets palette entries (all of them without c)
 *   OSC 110, 111, 112, 117, 119         reset 10, 11, 12, 17, 19
 * A spec is rgb:R/G/B (1 to 4 hex digits a channel) or #RGB, #RRGGBB, #RRRGGGBBB,
 * #RRRRGGGGBBBB. A reply is rgb:rrrr/gggg/bbbb, ended as the query was (BEL or ST); it holds
 * only numbers the engine formats, never the request's own bytes. 13-16 and 18 (pointer and
 * Tektronix colours) are not kept: asked for, they get no reply, as an unknown colour in xterm.
 */
#include <stdio.h>
#include <string.h>

#include "vt_internal.h"

void term_colors_default(struct term_colors *c)
{
    static const uint32_t base16[16] = {
        0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
        0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
    };
    static const uint8_t level[6] = {0, 95, 135, 175, 215, 255};
    memcpy(c->rgb, base16, sizeof base16);
    for (unsigned i = 16; i < 232; i++) { /* the 6x6x6 cube */
        unsigned k = i - 16;
        c->rgb[i] = (uint32_t)level[k / 36] << 16 | (uint32_t)level[k / 6 % 6] << 8 | level[k % 6];
    }
    for (unsigned i = 232; i < 256; i++) { /* 24 greys */
        uint32_t g = 8 + 10 * (i - 232);
        c->rgb[i] = g << 16 | g << 8 | g;
    }
    c->rgb[TERM_COLOR_FG] = 0xd0d0d0;
    c->rgb[TERM_COLOR_BG] = 0x181818;
    c->rgb[TERM_COLOR_CURSOR] = 0xd0d0d0;
    c->rgb[TERM_COLOR_SELECT_BG] = 0x3b5b8c;
    c->rgb[TERM_COLOR_SELECT_FG] = 0xffffff;
}

void term_set_colors(struct term *t, const struct term_colors *c)
{
    t->default_colors = *c;
    t->colors = *c;
    grid_touch_rows(t->grid);
}

const struct term_colors *term_colors(const struct term *t)
{
    return &t->colors;
}

/* ---- Parsing a colour spec ----------------------------------------------- */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* n (1-4) hex digits at s as an 8-bit channel, scaled as XParseColor does; -1 when not hex. */
static int channel(const char *s, size_t n)
{
    unsigned v = 0, max = (1u << (4 * n)) - 1;
    for (size_t i = 0; i < n; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (unsigned)d;
    }
    return (int)((v * 255 + max / 2) / max);
}

/* rgb:R/G/B, each channel 1 to 4 hex digits. */
static bool parse_rgb(const char *s, size_t n, uint32_t *rgb)
{
    uint32_t out = 0;
    for (int k = 0; k < 3; k++) {
        size_t len = 0;
        while (len < n && s[len] != '/')
            len++;
        if (len < 1 || len > 4 || (k < 2) != (len < n))
            return false;
        int v = channel(s, len);
        if (v < 0)
            return false;
        out = out << 8 | (uint32_t)v;
        s += len + (k < 2);
        n -= len + (k < 2);
    }
    *rgb = out;
    return true;
}

/* #RGB, #RRGGBB, #RRRGGGBBB or #RRRRGGGGBBBB (the digits after '#'). */
static bool parse_hash(const char *s, size_t n, uint32_t *rgb)
{
    if (n == 0 || n % 3 || n > 12)
        return false;
    size_t w = n / 3;
    uint32_t out = 0;
    for (int k = 0; k < 3; k++) {
        /* XParseColor takes #RGB as the high digits of each channel: #f80 is #f08000 */
        unsigned v = 0;
        for (size_t i = 0; i < w; i++) {
            int d = hex_digit(s[k * w + i]);
            if (d < 0)
                return false;
            v = v << 4 | (unsigned)d;
        }
        out = out << 8 | (w == 1 ? v << 4 : v >> (4 * (w - 2)));
    }
    *rgb = out;
    return true;
}

bool colors_parse(const char *s, size_t n, uint32_t *rgb)
{
    if (n > 4 && !strncmp(s, "rgb:", 4))
        return parse_rgb(s + 4, n - 4, rgb);
    if (n > 1 && s[0] == '#')
        return parse_hash(s + 1, n - 1, rgb);
    return false;
}

/* ---- OSC ------------------------------------------------------------------- */

/* The slot OSC number ps names (10-19), or -1 for the colours the engine does not keep. */
static int dynamic_slot(long ps)
{
    switch (ps) {
    case 10: return TERM_COLOR_FG;
    case 11: return TERM_COLOR_BG;
    case 12: return TERM_COLOR_CURSOR;
    case 17: return TERM_COLOR_SELECT_BG;
    case 19: return TERM_COLOR_SELECT_FG;
    default: return -1;
    }
}

/* Writes "OSC prefix rgb:rrrr/gggg/bbbb" ended as the query was. */
static void reply_color(struct term *t, const char *prefix, uint32_t rgb, bool bel)
{
    unsigned r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;
    vt_reply(t, "\x1b]%srgb:%04x/%04x/%04x%s", prefix, r * 0x101, g * 0x101, b * 0x101,
             bel ? "\a" : "\x1b\\");
}

/* A set changes what is drawn everywhere, history included: every row is redrawn. */
static void set_slot(struct term *t, int slot, uint32_t rgb)
{
    if (t->colors.rgb[slot] == rgb)
        return;
    t->colors.rgb[slot] = rgb;
    grid_touch_rows(t->grid);
}

/* One spec for slot: "?" asks (prefix names it in the reply), anything else sets. */
static void apply_spec(struct term *t, int slot, const char *prefix, const char *spec,
                       size_t n, bool bel)
{
    uint32_t rgb;
    if (n == 1 && spec[0] == '?')
        reply_color(t, prefix, t->colors.rgb[slot], bel);
    else if (colors_parse(spec, n, &rgb))
        set_slot(t, slot, rgb);
}

/* The next ';'-separated field of [*s, end): its start and length; false at the end. */
static bool next_field(const char **s, const char *end, const char **field, size_t *n)
{
    if (*s > end)
        return false;
    const char *semi = memchr(*s, ';', (size_t)(end - *s));
    const char *stop = semi ? semi : end;
    *field = *s;
    *n = (size_t)(stop - *s);
    *s = stop + 1;
    return true;
}

/* A palette index: 1-3 decimal digits, 0-255; -1 otherwise. */
static int palette_index(const char *s, size_t n)
{
    if (n < 1 || n > 3)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= 255 ? v : -1;
}

/* OSC 4 ; c ; spec ...: pairs, in order; a bad index skips its pair. */
static void osc_palette(struct term *t, const char *s, const char *end, bool bel)
{
    const char *index, *spec;
    size_t ni, ns;
    while (next_field(&s, end, &index, &ni) && next_field(&s, end, &spec, &ns)) {
        int i = palette_index(index, ni);
        char prefix[8];
        if (i < 0)
            continue;
        snprintf(prefix, sizeof prefix, "4;%d;", i);
        apply_spec(t, i, prefix, spec, ns, bel);
    }
}

/* OSC 104 [; c ...]: resets the entries named, or the whole palette. */
static void osc_palette_reset(struct term *t, const char *s, const char *end, bool has_args)
{
    const char *index;
    size_t ni;
    if (!has_args) {
        for (int i = 0; i < 256; i++)
            set_slot(t, i, t->default_colors.rgb[i]);
        return;
    }
    while (next_field(&s, end, &index, &ni)) {
        int i = palette_index(index, ni);
        if (i >= 0)
            set_slot(t, i, t->default_colors.rgb[i]);
    }
}

/* OSC 10-19 ; spec [; spec ...]: each further spec goes to the next number. */
static void osc_dynamic(struct term *t, long ps, const char *s, const char *end, bool bel)
{
    const char *spec;
    size_t ns;
    for (; ps <= 19 && next_field(&s, end, &spec, &ns); ps++) {
        int slot = dynamic_slot(ps);
        char prefix[8];
        if (slot < 0)
            continue;
        snprintf(prefix, sizeof prefix, "%ld;", ps);
        apply_spec(t, slot, prefix, spec, ns, bel);
    }
}

bool colors_osc(struct term *t, long ps, const char *text, size_t len, bool has_args, bool bel)
{
    const char *end = text + len;
    if (ps == 4 && has_args)
        osc_palette(t, text, end, bel);
    else if (ps >= 10 && ps <= 19 && has_args)
        osc_dynamic(t, ps, text, end, bel);
    else if (ps == 104)
        osc_palette_reset(t, text, end, has_args);
    else if (dynamic_slot(ps - 100) >= 0)
        set_slot(t, dynamic_slot(ps - 100), t->default_colors.rgb[dynamic_slot(ps - 100)]);
    else
        return false;
    return true;
}
