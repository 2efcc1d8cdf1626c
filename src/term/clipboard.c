/*
 * OSC 52: a program sets or asks for the clipboard (xterm's "Manipulate Selection Data").
 *   OSC 52 ; Pc ; Pd ST   Pc names selections: c the clipboard, p the primary selection;
 *                         s, and an empty Pc, mean the clipboard (xterm's "s" follows its
 *                         selectToClipboard; kitty and foot copy to the clipboard); q and the
 *                         cut buffers 0-7 are not kept. Pd is the text in base64, "?" to ask,
 *                         anything else empties the selection (as in xterm).
 * A copy larger than the limit (term_set_clipboard_limit) is refused whole; the text reaches
 * the front end as UTF-8 without NUL (a bad byte becomes U+FFFD). Asking goes to the front
 * end, whose policy decides; its answer comes back through term_clipboard_answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "utf8.h"
#include "vt_internal.h"

/* The selections Pc names (TERM_CLIP_* bits); 0 when it names none that is kept. */
static unsigned selections(const char *pc, size_t n)
{
    unsigned which = n == 0 ? TERM_CLIP_CLIPBOARD : 0;
    for (size_t i = 0; i < n; i++) {
        if (pc[i] == 'c' || pc[i] == 's')
            which |= TERM_CLIP_CLIPBOARD;
        else if (pc[i] == 'p')
            which |= TERM_CLIP_PRIMARY;
        else if (!strchr("q01234567", pc[i]))
            return 0; /* not a selection name: no OSC 52 xterm would take */
    }
    return which;
}

/* bytes[0..n) as UTF-8 without NUL into a malloc'd string at *out; its length, or -1. */
static long clean_text(const unsigned char *bytes, size_t n, char **out)
{
    char *s = malloc(n * 3 + 1);
    if (!s)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode((const char *)bytes + i, n - i, &cp);
        i += k;
        if (cp)
            o += utf8_encode(cp, s + o);
    }
    s[o] = '\0';
    *out = s;
    return (long)o;
}

/* Sets the selections to the text in base64 data[0..n) (or to nothing when it is not base64). */
static void copy(struct term *t, unsigned which, const char *data, size_t n)
{
    if (!t->cb.clipboard_set || n / 4 * 3 > t->clip_max + 2)
        return; /* no clipboard, or more than the limit (checked exactly below) */
    unsigned char *bytes = malloc(n / 4 * 3 + 3);
    size_t len = 0;
    char *text = NULL;
    if (!bytes)
        return;
    if (!base64_decode(data, n, bytes, &len))
        len = 0; /* not base64: the selection is emptied */
    long tlen = len <= t->clip_max ? clean_text(bytes, len, &text) : -1;
    if (tlen >= 0)
        t->cb.clipboard_set(t->user, which, text, (size_t)tlen);
    free(text);
    free(bytes);
}

void clip_osc(struct term *t, const char *text, size_t len, bool bel)
{
    const char *semi = memchr(text, ';', len);
    if (!semi)
        return;
    unsigned which = selections(text, (size_t)(semi - text));
    const char *data = semi + 1;
    size_t n = len - (size_t)(data - text);
    if (!which)
        return;
    if (n == 1 && data[0] == '?') {
        t->clip_bel = bel;
        if (t->cb.clipboard_get) /* one answer, for the clipboard when both are named */
            t->cb.clipboard_get(t->user, which & TERM_CLIP_CLIPBOARD ? TERM_CLIP_CLIPBOARD
                                                                     : TERM_CLIP_PRIMARY);
        return;
    }
    copy(t, which, data, n);
}

void term_set_clipboard_limit(struct term *t, size_t max)
{
    t->clip_max = max;
    size_t need = BASE64_ENCODED_LEN(max) + 16; /* "52;c;" and the data */
    scan_set_string_limit(&t->scan, ']', need > SCAN_STR_CAP_DEFAULT ? need
                                                                       : SCAN_STR_CAP_DEFAULT);
}

void term_clipboard_answer(struct term *t, unsigned which, const char *text, size_t len)
{
    if (!t->cb.output)
        return;
    if (len > t->clip_max)
        len = 0; /* more than a program may copy is more than it may read back */
    char *buf = malloc(BASE64_ENCODED_LEN(len) + 16);
    if (!buf)
        return;
    size_t n = (size_t)snprintf(buf, 16, "\x1b]52;%c;", which == TERM_CLIP_PRIMARY ? 'p' : 'c');
    n += base64_encode((const unsigned char *)text, len, buf + n);
    memcpy(buf + n, t->clip_bel ? "\a" : "\x1b\\", t->clip_bel ? 1 : 2);
    n += t->clip_bel ? 1 : 2;
    t->cb.output(t->user, buf, n);
    free(buf);
}
