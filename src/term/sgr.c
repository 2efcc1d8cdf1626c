/*
 * A style written back as SGR parameters: for the ANSI dump (export.c), which any terminal
 * must read back, and for DECRQSS (reply.c), which answers in xterm's form.
 */
#include <stdio.h>

#include "term.h"

/* Appends ";code" for colour c (30 foreground, 40 background) in the form asked. */
static int put_color(char *out, sb_color c, int base, enum term_sgr_form form)
{
    uint32_t v = c & 0xffffffu;
    bool colons = form == TERM_SGR_XTERM;
    if (SB_COLOR_KIND(c) == SB_COLOR_KIND_RGB)
        return sprintf(out, colons ? ";%d:2::%u:%u:%u" : ";%d;2;%u;%u;%u", base + 8, v >> 16,
                       v >> 8 & 0xff, v & 0xff);
    if (SB_COLOR_KIND(c) != SB_COLOR_KIND_PALETTE)
        return 0;
    if (v < 8)
        return sprintf(out, ";%u", base + v);
    if (v < 16) /* the bright colours' own codes, as most programs write them */
        return sprintf(out, ";%u", base + 60 + v - 8);
    return sprintf(out, colons ? ";%d:5:%u" : ";%d;5;%u", base + 8, v);
}

size_t term_sgr_params(char *out, sb_color fg, sb_color bg, uint32_t attrs,
                       enum term_sgr_form form)
{
    static const char *const underline[] = {"", ";4", ";21", ";4:3"};
    static const struct { uint32_t attr; const char *code; } flags[] = {
        {SB_ATTR_BOLD, ";1"},  {SB_ATTR_DIM, ";2"},     {SB_ATTR_ITALIC, ";3"},
        {SB_ATTR_BLINK, ";5"}, {SB_ATTR_REVERSE, ";7"}, {SB_ATTR_CONCEAL, ";8"},
        {SB_ATTR_STRIKE, ";9"}, {SB_ATTR_OVERLINE, ";53"},
    };
    int n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (attrs & flags[i].attr)
            n += sprintf(out + n, "%s", flags[i].code);
    n += sprintf(out + n, "%s", underline[(attrs & SB_ATTR_UNDERLINE_MASK) >>
                                          SB_ATTR_UNDERLINE_SHIFT]);
    unsigned font = (attrs & SB_ATTR_FONT_MASK) >> SB_ATTR_FONT_SHIFT;
    if (font)
        n += sprintf(out + n, ";%u", 10 + font);
    n += put_color(out + n, fg, 30, form);
    n += put_color(out + n, bg, 40, form);
    return (size_t)n;
}
