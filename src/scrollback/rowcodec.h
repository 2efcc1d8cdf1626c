/*
 * Row codec: one row <-> compact bytes, split into two streams so that a page
 * of rows compresses like plain text.
 *
 * text stream: the row's cells as UTF-8, one or more codepoints per cell, an
 *   empty cell (chars[0] == 0) as a single NUL byte, continuation cells of wide
 *   characters left out, and trailing blank cells (empty, width 1, default
 *   attrs and colours) left out.
 * meta stream: for each row,
 *   varint text_len     bytes of this row in the text stream
 *   varint body_len     bytes of the rest of this row's meta
 *   body:
 *     varint ncols      columns of the row (incl. trailing blanks)
 *     byte   flags      SB_ROW_WRAPPED and the marks (SB_ROW_MARK_*) as they are; 0x02 (the
 *                       bit of SB_ROW_LOST, which is never stored): the command section
 *                       follows; 0x80: the links section follows
 *     exceptions, each a varint count then its entries in column order:
 *     multi: cells holding 2..SB_MAX_CHARS codepoints, one varint each:
 *              gap << 3 | (codepoints - 2)
 *            where the column is (previous entry's column + 1, or 0) + gap.
 *     wide:  cells of width 2, one varint each: gap, where the column is
 *            (previous entry's column + 2, or 0) + gap. The column after a
 *            wide cell is its continuation (width 0, chars 0, the wide cell's
 *            attrs and colours) and has no text.
 *     runs:  style runs tiling columns 0.. from the left, each
 *              varint length (columns, >= 1)  varint attrs  colour fg  colour bg
 *            a colour being a kind byte (0 default, 1 palette, 2 RGB) then 0, 1
 *            (index) or 3 (r, g, b) bytes. Columns after the last run have the
 *            default style.
 *     links: only when flags has 0x80 (the row has hyperlinks): varint count of
 *            URIs (1..255), each a varint length and its bytes (printable ASCII,
 *            each URI once, numbered 1.. in the order the cells first use them);
 *            then varint count of spans, each varint gap (from the previous
 *            span's end, or 0), varint length (>= 1), varint number. Spans do
 *            not split a wide character and neighbours have different numbers.
 *     command: only when flags has 0x02 (and SB_ROW_MARK_END): varint exit status + 1 (0:
 *            not known), varint duration in ms, varint peak RSS in KiB.
 * Every multi-byte number is an unsigned LEB128 varint of at most 32 bits.
 *
 * A plain row of default-style text has the body "ncols 00 00 00 00": seven
 * meta bytes for 80 columns, six of them the same on every such row.
 *
 * The encoding is canonical, and the decoder refuses whatever the encoder
 * could not have written: overlong varints or UTF-8, adjacent runs of equal
 * style, a last run of default style, a run ending inside a wide character,
 * runs or entries past the text, a trailing blank cell left in the text, and
 * bytes left over. So encode(decode(bytes)) == bytes whenever decode succeeds.
 */
#ifndef SB_ROWCODEC_H
#define SB_ROWCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"

/* Upper bounds of the bytes one row of ncols cells can take in each stream. */
size_t rowcodec_text_bound(uint32_t ncols);
size_t rowcodec_meta_bound(uint32_t ncols);
/* The meta bound of a row with its hyperlinks. */
size_t rowcodec_row_meta_bound(const struct sb_row *row);

/*
 * Checks a row as pushed by a caller: returns 0, or SB_ERR_INVAL for a
 * malformed cell (codepoint, width, attrs, colour) or ncols > SB_MAX_COLS.
 */
int rowcodec_validate(const struct sb_cell *cells, uint32_t ncols, uint32_t flags);
/* The same for a row with hyperlinks: its URIs and the cells' numbers of them checked too. */
int rowcodec_validate_row(const struct sb_row *row);

/*
 * Encodes a validated row, appending to text and meta, which must have room
 * for the bounds above. Sets *text_len and *meta_len to the bytes written.
 */
void rowcodec_encode(const struct sb_cell *cells, uint32_t ncols, uint32_t flags, uint8_t *text,
                     size_t *text_len, uint8_t *meta, size_t *meta_len);
/* The same for a validated row with hyperlinks (meta room: rowcodec_row_meta_bound). */
void rowcodec_encode_row(const struct sb_row *row, uint8_t *text, size_t *text_len,
                         uint8_t *meta, size_t *meta_len);

/*
 * A plain row given as its text stream: cells of one codepoint each, width
 * 1, default attributes and colours; UTF-8 with an empty cell as a NUL byte
 * and trailing empty cells left out. validate returns 0 or SB_ERR_INVAL (bad
 * UTF-8, more codepoints than ncols, a trailing NUL, bad flags); encode
 * writes exactly what rowcodec_encode would for those cells (text room: len,
 * meta room: rowcodec_meta_bound(0) + 8).
 */
int rowcodec_validate_plain(const char *text, size_t len, uint32_t ncols, uint32_t flags);
void rowcodec_encode_plain(const char *text, size_t len, uint32_t ncols, uint32_t flags,
                           uint8_t *out_text, size_t *text_len, uint8_t *meta, size_t *meta_len);

/*
 * Reads the two leading varints of a row's meta without decoding it: the row
 * takes *meta_used bytes of meta (both varints and the body) and *text_len
 * bytes of text. Returns 0, or SB_ERR_CORRUPT when meta is truncated or the
 * numbers are impossible.
 */
int rowcodec_skip(const uint8_t *meta, size_t meta_avail, size_t *meta_used, size_t *text_len);

/*
 * A row's meta without its leading text length, the rest (a packed cold page, page.h):
 * rowcodec_len_bytes says how many bytes that length takes at the start of a row's meta;
 * rowcodec_skip_rest locates a rest (it takes *used bytes; SB_ERR_CORRUPT as rowcodec_skip);
 * rowcodec_join_len writes a row's meta from its text length and its rest into out (room for
 * 5 + rest_len bytes) and returns the bytes written.
 */
size_t rowcodec_len_bytes(uint32_t text_len);
int rowcodec_skip_rest(const uint8_t *rest, size_t avail, size_t *used);
size_t rowcodec_join_len(uint32_t text_len, const uint8_t *rest, size_t rest_len, uint8_t *out);

/*
 * Decodes one row whose meta starts at meta and whose text starts at text
 * (as located by rowcodec_skip). Validates everything and never reads past
 * meta_avail / text_avail: SB_ERR_CORRUPT for bytes no encoder made,
 * SB_ERR_NOMEM if out cannot grow. On failure out holds no columns.
 * Unused chars[] slots and the padding of every cell are zero.
 */
int rowcodec_decode(const uint8_t *meta, size_t meta_avail, const uint8_t *text, size_t text_avail,
                    struct sb_row *out);

#endif
