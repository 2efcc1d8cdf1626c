/*
 * Derived rows: a row whose text another row above it already says, in another notation.
 *
 * `od -c -x` (the dump people flood terminals with, `od -cx /dev/urandom`) prints every 16
 * bytes twice: as characters on one row and as hex words on the next. The second row holds no
 * information the first does not, yet a compressor pays for it in full: it is random hex, 18
 * of the 46 bytes a pair of rows compresses to with LZMA. The cold tier stores such a row as a
 * kind instead of its text (page.h, format 4) and derives it again when read.
 *
 * The source row is od's character notation (-c): an offset of up to 16 digits (none with
 * -A n), then a 4-column field per byte: "   c" (printable ASCII and space), "  \n" (the
 * escapes \0 \a \b \f \n \r \t \v), " 377" (octal). A kind is a notation and the width of
 * the blank lead that stands under the offset (od keeps that at the offset's first width,
 * 7 or 6, when later offsets grow a digit). The notations are what od prints under it:
 *   DERIVE_OD_X2  -x, -t x2: the lead, then "    %04x" per two bytes, little endian, an
 *                 odd last byte with a zero;
 *   DERIVE_OD_X1  -t x1: the lead, then "  %02x" per byte.
 * A row is only ever stored as a kind when deriving it gives its text byte for byte, so a
 * row that merely looks like a dump loses nothing.
 */
#ifndef SB_DERIVE_H
#define SB_DERIVE_H

#include <stddef.h>
#include <stdint.h>

enum derive_notation {
    DERIVE_OD_X2 = 1,
    DERIVE_OD_X1 = 2,
};

#define DERIVE_NONE 0 /* the kind of a row whose text is stored */
#define DERIVE_LEAD_MAX 16
/* The kind of a notation under a lead of lead columns (<= DERIVE_LEAD_MAX). */
#define DERIVE_KIND(notation, lead) ((uint8_t)((notation) | (lead) << 2))

/* Whether kind is one derive_text knows. */
static inline int derive_kind_valid(uint8_t kind)
{
    return ((kind & 3) == DERIVE_OD_X2 || (kind & 3) == DERIVE_OD_X1) &&
           kind >> 2 <= DERIVE_LEAD_MAX;
}

/* The longest text a derived row can have (od -w at 80 bytes a row is 327 for -x). */
#define DERIVE_TEXT_MAX 1024u

/*
 * Writes the text of a row of kind derived from the source row's text src[0..src_len) into
 * dst (cap bytes). Its length, or SIZE_MAX when src is not a row od -c prints, the kind is
 * not valid or the text would not fit.
 */
size_t derive_text(uint8_t kind, const uint8_t *src, size_t src_len, uint8_t *dst, size_t cap);

/* The kind under which text[0..len) derives from src[0..src_len), or DERIVE_NONE. */
uint8_t derive_find(const uint8_t *src, size_t src_len, const uint8_t *text, size_t len);

#endif
