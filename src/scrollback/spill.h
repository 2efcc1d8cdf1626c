/*
 * Spill: the disk side of the store. Compressed pages that leave RAM are
 * sealed with XChaCha20-Poly1305 (key made at start, held only in locked,
 * non-dumpable memory) and appended to segment files that are never linked
 * into the filesystem (O_TMPFILE, else unlinked right after creation), mode
 * 0600. A segment is closed, which frees its space, once every page in it has
 * been released, so disk use is the sum of the open segments' sizes.
 *
 * On-disk record: nonce (24 bytes) then ciphertext (len + 16 byte tag). The
 * nonce is a random 16-byte prefix made at create followed by a 64-bit
 * counter (little-endian), so no nonce repeats under one key. The associated
 * data is page id (u64 LE), length (u32 LE), segment (u32 LE) and record
 * offset (u64 LE), so a record read back at the wrong place, or for another
 * page, fails authentication.
 *
 * A record goes into the current segment when it fits under that segment's
 * size limit; otherwise a new segment is opened (a record larger than the
 * limit gets a segment to itself). Segment numbers only grow, even across
 * spill_reset(), so a stale location finds a closed segment, never a newer record.
 *
 * RAM: the struct, a segment table spanning the oldest to the newest open
 * segment, one scratch buffer as big as the largest record (ciphertext only:
 * plaintext is never copied), and the key's locked pages.
 *
 * Not thread-safe: the store calls it under its lock.
 */
#ifndef SB_SPILL_H
#define SB_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "boundterm/scrollback.h"
#include "seams.h"

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
 * NULL; it is copied (its user pointer must outlive the spill). The caller
 * owns *out. SB_ERR_INVAL for a NULL dir or segment_bytes 0.
 */
int spill_create(const char *dir, uint64_t segment_bytes, const struct sb_io *io,
                 struct spill **out, char *err, size_t errlen);
/* Closes every segment and wipes the key. NULL is a no-op. */
void spill_destroy(struct spill *s);

/*
 * Encrypts len bytes and appends them as page_id's record. Returns 0 and the
 * location, or SB_ERR_IO / SB_ERR_NOSPC (nothing is counted then) with the
 * reason in err. len 0 is allowed (buf may then be NULL); len above
 * SPILL_MAX_LEN is SB_ERR_INVAL; SB_ERR_NOMEM if the scratch buffer can't grow.
 */
int spill_write(struct spill *s, uint64_t page_id, const void *buf, size_t len,
                struct spill_loc *loc, char *err, size_t errlen);

/*
 * Reads page_id's record back into out (room for loc->len bytes) and checks
 * it. 0, SB_ERR_IO (read failed or short), or SB_ERR_CORRUPT (failed
 * authentication: a flipped bit, a wrong place). SB_ERR_INVAL for a location
 * in a closed (released) segment or past a segment's end. out is unspecified
 * after a failure.
 */
int spill_read(struct spill *s, uint64_t page_id, const struct spill_loc *loc, void *out,
               char *err, size_t errlen);

/*
 * The page at loc is gone; a segment with no pages left is closed. A location
 * in a segment already closed is ignored; releasing one record twice is the
 * caller's bug and is not detected.
 */
void spill_release(struct spill *s, const struct spill_loc *loc);

/* Closes every segment (clear). The key is kept. */
void spill_reset(struct spill *s);

/* Changes the nominal segment size for segments opened from now on; 0 is ignored. */
void spill_set_segment_bytes(struct spill *s, uint64_t segment_bytes);

/* Bytes in open segments. */
uint64_t spill_disk_bytes(const struct spill *s);
/* Open segments. */
uint32_t spill_segments(const struct spill *s);

/*
 * Bytes of RAM the spill holds: the struct, the directory name, the segment
 * table, the scratch buffer and the key's locked pages. The store counts them
 * against its RAM budget.
 */
uint64_t spill_ram_bytes(const struct spill *s);

/* Largest plaintext a record may hold (its length is stored as a u32). */
#define SPILL_MAX_LEN (UINT32_MAX - 64u)

/* ---- For tests only ----------------------------------------------------- */

/* The fd of segment seq, or -1 when it is closed or unknown. */
int spill_segment_fd(const struct spill *s, uint32_t seq);

/* Where the key lives, to check its page's protection and dump flags. */
const void *spill_key_addr(const struct spill *s);

/*
 * The fallback open for filesystems without O_TMPFILE: mkostemp in dir, then
 * unlink and fchmod 0600. Returns the fd, or -1 with errno set.
 */
int spill_open_mkostemp(const char *dir);

#endif
