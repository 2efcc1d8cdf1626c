/*
 * Spill: the disk side of the store. Compressed pages that leave RAM are
 * sealed with XChaCha20-Poly1305 (key made at start, held only in locked,
 * non-dumpable memory) and appended to segment files that are never linked
 * into the filesystem (O_TMPFILE, else unlinked right after creation), mode
 * 0600. A segment is closed, which frees its space, once every page in it has
 * been released, so disk use is the sum of the open segments' sizes.
 *
 * On-disk record: nonce (24 bytes) then ciphertext (len + 16 byte tag). The
 * page id and length are bound in as associated data, so a record read back
 * at the wrong place fails authentication.
 */
#ifndef SB_SPILL_H
#define SB_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"

struct spill;

/* Where a page lives on disk. */
struct spill_loc {
    uint32_t segment; /* segment sequence number */
    uint32_t len;     /* plaintext (compressed page) length */
    uint64_t offset;  /* record offset in the segment */
};

/* Bytes a record of len plaintext bytes takes on disk. */
size_t spill_record_bytes(size_t len);

/*
 * Creates the disk side for dir with segments of about segment_bytes. The
 * directory is checked (exists, is a directory, writable) and a test file is
 * opened. Returns 0, or an SB_ERR_* with a one-line reason in err. io may be
 * NULL. The caller owns *out.
 */
int spill_create(const char *dir, uint64_t segment_bytes, const struct sb_io *io, struct spill **out,
                 char *err, size_t errlen);
/* Closes every segment and wipes the key. NULL is a no-op. */
void spill_destroy(struct spill *s);

/*
 * Encrypts len bytes and appends them as page_id's record. Returns 0 and the
 * location, or SB_ERR_IO / SB_ERR_NOSPC (nothing is counted then) with the
 * reason in err.
 */
int spill_write(struct spill *s, uint64_t page_id, const void *buf, size_t len,
                struct spill_loc *loc, char *err, size_t errlen);

/*
 * Reads page_id's record back into out (room for loc->len bytes) and checks
 * it. 0, SB_ERR_IO (read failed or short), or SB_ERR_CORRUPT (failed
 * authentication: a flipped bit, a wrong place).
 */
int spill_read(struct spill *s, uint64_t page_id, const struct spill_loc *loc, void *out,
               char *err, size_t errlen);

/* The page at loc is gone; a segment with no pages left is closed. */
void spill_release(struct spill *s, const struct spill_loc *loc);

/* Closes every segment (clear). The key is kept. */
void spill_reset(struct spill *s);

/* Changes the nominal segment size for segments opened from now on. */
void spill_set_segment_bytes(struct spill *s, uint64_t segment_bytes);

/* Bytes in open segments. */
uint64_t spill_disk_bytes(const struct spill *s);
/* Open segments. */
uint32_t spill_segments(const struct spill *s);

#endif
