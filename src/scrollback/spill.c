/*
 * Spill: compressed pages that leave RAM, sealed and appended to segment
 * files that never have a name in the filesystem.
 *
 * Segments are numbered by a counter that only grows. The segment table is an
 * array covering seq first_seq .. first_seq + nsegs - 1: every open segment
 * lies in that span, and closed ones at either end are trimmed, so the table
 * stays as small as the span between the oldest and newest live segment.
 * A segment is open exactly while it holds live records (plus the moment
 * between opening it and its first write landing).
 *
 * Record layout and associated data: see spill.h. The key sits in
 * sodium_malloc memory (guard pages, mlock, MADV_DONTDUMP) and is
 * PROT_NONE except while a record is being sealed or opened.
 */
#include "spill.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define PREFIX_BYTES 16
#define AD_BYTES 24
#define SCRATCH_ROUND 4096u

_Static_assert(NONCE_BYTES == PREFIX_BYTES + 8, "nonce = 16-byte prefix + 64-bit counter");

struct segment {
    int fd;         /* -1 once closed */
    uint32_t live;  /* records not yet released */
    uint64_t size;  /* bytes of whole records appended */
    uint64_t limit; /* segment_bytes when it was opened */
};

struct spill {
    char *dir;
    uint64_t segment_bytes;
    struct sb_io io;

    unsigned char *key; /* sodium_malloc, PROT_NONE between uses */
    unsigned char nonce_prefix[PREFIX_BYTES];
    uint64_t nonce_counter;

    unsigned char *scratch; /* nonce || ciphertext of one record */
    size_t scratch_cap;

    struct segment *segs; /* seq first_seq + i at segs[i] */
    uint32_t nsegs, segs_cap, first_seq;
    uint32_t next_seq;
    bool have_cur; /* cur_seq is open and takes appends */
    uint32_t cur_seq;

    uint32_t open_segments;
    uint64_t disk_bytes;
};

/* Formats a one-line reason into err, which may be NULL or empty. */
__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen,
                                                          const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Maps an errno from open or write to the store's error: a full disk is not a broken one. */
static int errno_to_sb(int e)
{
    return (e == ENOSPC || e == EDQUOT) ? SB_ERR_NOSPC : SB_ERR_IO;
}

/* Record size: the nonce, the ciphertext and its tag. */
size_t spill_record_bytes(size_t len)
{
    return NONCE_BYTES + len + TAG_BYTES;
}

/* ---- Files ------------------------------------------------------------- */

/* A named temporary file, unlinked at once; only for filesystems without O_TMPFILE. */
int spill_open_mkostemp(const char *dir)
{
    char path[PATH_MAX];
    int fd, e;

    if ((size_t)snprintf(path, sizeof path, "%s/.boundterm-spill-XXXXXX", dir) >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* Unlink first so that a failing fchmod cannot leave a named file behind. */
    if (unlink(path) < 0 || fchmod(fd, 0600) < 0) {
        e = errno;
        unlink(path);
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/*
 * The default open_spill: an O_TMPFILE (O_EXCL: it can never be linked in
 * later), else the mkostemp fallback on filesystems that refuse O_TMPFILE.
 */
static int open_default(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    int e;

    if (fd < 0) {
        if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
            return spill_open_mkostemp(dir);
        return -1;
    }
    /* The umask can only narrow 0600, but say it outright. */
    if (fchmod(fd, 0600) < 0) {
        e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Opens a segment file through the seam; -1 with errno set on failure. */
static int open_file(struct spill *s)
{
    if (s->io.open_spill)
        return s->io.open_spill(s->io.user, s->dir);
    return open_default(s->dir);
}

/* Writes all of buf at off, retrying EINTR and partial writes; -1 with errno on failure. */
static int pwrite_all(struct spill *s, int fd, const unsigned char *buf, size_t len, off_t off)
{
    while (len > 0) {
        ssize_t n = s->io.pwrite ? s->io.pwrite(s->io.user, fd, buf, len, off)
                                 : pwrite(fd, buf, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO; /* no progress: a short write that will not finish */
            return -1;
        }
        buf += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

/* Reads all of len bytes at off, retrying EINTR; -1 with errno (EIO for end of file). */
static int pread_all(struct spill *s, int fd, unsigned char *buf, size_t len, off_t off)
{
    while (len > 0) {
        ssize_t n = s->io.pread ? s->io.pread(s->io.user, fd, buf, len, off)
                                : pread(fd, buf, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

/* ---- The segment table ------------------------------------------------- */

/* The table entry for seq, or NULL when seq is outside the table. */
static struct segment *seg_get(const struct spill *s, uint32_t seq)
{
    uint32_t i = seq - s->first_seq;

    if (s->nsegs == 0 || i >= s->nsegs)
        return NULL;
    return &s->segs[i];
}

/* Drops closed entries at both ends so the table spans only open segments. */
static void table_trim(struct spill *s)
{
    uint32_t lead = 0;

    while (s->nsegs > 0 && s->segs[s->nsegs - 1].fd < 0)
        s->nsegs--;
    while (lead < s->nsegs && s->segs[lead].fd < 0)
        lead++;
    if (lead > 0) {
        memmove(s->segs, s->segs + lead, (s->nsegs - lead) * sizeof *s->segs);
        s->nsegs -= lead;
        s->first_seq += lead;
    }
}

/* Appends an entry for seq (the newest), filling any gap with closed entries. */
static struct segment *table_append(struct spill *s, uint32_t seq)
{
    uint32_t need, i;

    if (s->nsegs == 0)
        s->first_seq = seq;
    need = seq - s->first_seq + 1;
    if (need > s->segs_cap) {
        uint32_t cap = s->segs_cap ? s->segs_cap : 8;
        struct segment *segs;

        while (cap < need)
            cap *= 2;
        segs = realloc(s->segs, cap * sizeof *segs);
        if (!segs)
            return NULL;
        s->segs = segs;
        s->segs_cap = cap;
    }
    for (i = s->nsegs; i < need; i++)
        s->segs[i] = (struct segment){ .fd = -1 };
    s->nsegs = need;
    return &s->segs[need - 1];
}

/* Closes one segment, which frees its space, and takes it out of the figures. */
static void seg_close(struct spill *s, uint32_t seq)
{
    struct segment *g = seg_get(s, seq);

    if (!g || g->fd < 0)
        return;
    close(g->fd);
    g->fd = -1;
    s->disk_bytes -= g->size;
    s->open_segments--;
    g->size = 0;
    g->live = 0;
    if (s->have_cur && s->cur_seq == seq)
        s->have_cur = false;
    table_trim(s);
}

/* Opens a new segment and makes it current; 0 or an SB_ERR_* with the reason. */
static int seg_open(struct spill *s, char *err, size_t errlen)
{
    struct segment *g;
    int fd, e;

    fd = open_file(s);
    if (fd < 0) {
        e = errno;
        set_err(err, errlen, "spill open: %s (%s)", strerror(e), s->dir);
        return errno_to_sb(e);
    }
    g = table_append(s, s->next_seq);
    if (!g) {
        close(fd);
        set_err(err, errlen, "spill open: out of memory for the segment table");
        return SB_ERR_NOMEM;
    }
    *g = (struct segment){ .fd = fd, .limit = s->segment_bytes };
    s->cur_seq = s->next_seq++;
    s->have_cur = true;
    s->open_segments++;
    return 0;
}

/* The segment a record of rec bytes goes to, opening one when the current one is full. */
static int seg_for_record(struct spill *s, size_t rec, uint32_t *seq, char *err, size_t errlen)
{
    struct segment *g = s->have_cur ? seg_get(s, s->cur_seq) : NULL;
    int rc;

    /* A fresh segment takes any record, so one larger than the limit gets a segment alone. */
    if (g && g->fd >= 0 &&
        (g->size == 0 || (g->size < g->limit && rec <= g->limit - g->size))) {
        *seq = s->cur_seq;
        return 0;
    }
    s->have_cur = false; /* full: it stays open until its records are released */
    rc = seg_open(s, err, errlen);
    if (rc == 0)
        *seq = s->cur_seq;
    return rc;
}

/* ---- Crypto ------------------------------------------------------------ */

/* Grows the scratch buffer to hold n bytes; false when out of memory. */
static bool scratch_reserve(struct spill *s, size_t n)
{
    unsigned char *p;
    size_t cap;

    if (n <= s->scratch_cap)
        return true;
    cap = (n + SCRATCH_ROUND - 1) / SCRATCH_ROUND * SCRATCH_ROUND;
    p = realloc(s->scratch, cap);
    if (!p)
        return false;
    s->scratch = p;
    s->scratch_cap = cap;
    return true;
}

/* Stores v little-endian in n bytes at p. */
static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Builds the associated data that ties a record to its page and its place. */
static void make_ad(unsigned char ad[AD_BYTES], uint64_t page_id, const struct spill_loc *loc)
{
    put_le(ad, page_id, 8);
    put_le(ad + 8, loc->len, 4);
    put_le(ad + 12, loc->segment, 4);
    put_le(ad + 16, loc->offset, 8);
}

/* Makes the key readable for one operation; false if the protection could not change. */
static bool key_open(struct spill *s)
{
    return sodium_mprotect_readonly(s->key) == 0;
}

/* Puts the key back behind PROT_NONE. */
static void key_close(struct spill *s)
{
    sodium_mprotect_noaccess(s->key);
}

/* Seals len bytes into scratch as nonce || ciphertext; 0 or an SB_ERR_*. */
static int seal(struct spill *s, uint64_t page_id, const void *buf, const struct spill_loc *loc,
                char *err, size_t errlen)
{
    unsigned char ad[AD_BYTES];
    static const unsigned char empty[1];

    if (s->nonce_counter == UINT64_MAX) {
        set_err(err, errlen, "spill write: nonce counter exhausted");
        return SB_ERR_IO;
    }
    memcpy(s->scratch, s->nonce_prefix, PREFIX_BYTES);
    put_le(s->scratch + PREFIX_BYTES, s->nonce_counter++, 8);
    make_ad(ad, page_id, loc);
    if (!key_open(s)) {
        set_err(err, errlen, "spill write: cannot unprotect the key: %s", strerror(errno));
        return SB_ERR_NOMEM;
    }
    crypto_aead_xchacha20poly1305_ietf_encrypt(s->scratch + NONCE_BYTES, NULL,
                                               buf ? buf : empty, loc->len, ad, sizeof ad,
                                               NULL, s->scratch, s->key);
    key_close(s);
    return 0;
}

/* Opens the record in scratch into out; 0, SB_ERR_CORRUPT or SB_ERR_NOMEM. */
static int unseal(struct spill *s, uint64_t page_id, const struct spill_loc *loc, void *out,
                  char *err, size_t errlen)
{
    unsigned char ad[AD_BYTES], dummy[1];
    int rc;

    make_ad(ad, page_id, loc);
    if (!key_open(s)) {
        set_err(err, errlen, "spill read: cannot unprotect the key: %s", strerror(errno));
        return SB_ERR_NOMEM;
    }
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out ? out : dummy, NULL, NULL,
                                                    s->scratch + NONCE_BYTES,
                                                    (unsigned long long)loc->len + TAG_BYTES,
                                                    ad, sizeof ad, s->scratch, s->key);
    key_close(s);
    if (rc != 0) {
        set_err(err, errlen,
                "spill read: page %llu failed authentication (segment %u offset %llu)",
                (unsigned long long)page_id, loc->segment, (unsigned long long)loc->offset);
        return SB_ERR_CORRUPT;
    }
    return 0;
}

/* ---- Lifetime ---------------------------------------------------------- */

/* Checks that dir exists, is a directory and is writable; 0 or SB_ERR_IO with the reason. */
static int check_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    if (stat(dir, &st) < 0) {
        set_err(err, errlen, "spill dir %s: %s", dir, strerror(errno));
        return SB_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode)) {
        set_err(err, errlen, "spill dir %s: %s", dir, strerror(ENOTDIR));
        return SB_ERR_IO;
    }
    if (access(dir, W_OK | X_OK) < 0) {
        set_err(err, errlen, "spill dir %s: %s", dir, strerror(errno));
        return SB_ERR_IO;
    }
    return 0;
}

/* Opens and closes one file, so a directory we cannot use fails now rather than mid-run. */
static int probe_dir(struct spill *s, char *err, size_t errlen)
{
    int fd = open_file(s);

    if (fd < 0) {
        int e = errno;
        set_err(err, errlen, "spill dir %s: cannot create a file: %s", s->dir, strerror(e));
        return errno_to_sb(e);
    }
    close(fd);
    return 0;
}

/* Makes the key and nonce prefix; 0 or an SB_ERR_* with the reason. */
static int make_key(struct spill *s, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        set_err(err, errlen, "spill: libsodium failed to initialise");
        return SB_ERR_IO;
    }
    s->key = sodium_malloc(KEY_BYTES);
    if (!s->key) {
        set_err(err, errlen, "spill: cannot allocate the key: %s", strerror(errno));
        return SB_ERR_NOMEM;
    }
    crypto_aead_xchacha20poly1305_ietf_keygen(s->key);
    /*
     * sodium_malloc's sodium_mlock advises MADV_DONTDUMP when libsodium was built with
     * madvise (Debian's is); repeat it so another build cannot put the key in a core dump.
     */
    madvise((void *)((uintptr_t)s->key & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1)),
            (size_t)sysconf(_SC_PAGESIZE), MADV_DONTDUMP);
    randombytes_buf(s->nonce_prefix, sizeof s->nonce_prefix);
    if (sodium_mprotect_noaccess(s->key) != 0) {
        set_err(err, errlen, "spill: cannot protect the key: %s", strerror(errno));
        return SB_ERR_NOMEM;
    }
    return 0;
}

/* Checks the directory, makes the key, and proves a file can be made there. */
int spill_create(const char *dir, uint64_t segment_bytes, const struct sb_io *io,
                 struct spill **out, char *err, size_t errlen)
{
    struct spill *s;
    int rc;

    *out = NULL;
    if (!dir || segment_bytes == 0) {
        set_err(err, errlen, "spill: %s", dir ? "segment size 0" : "no directory");
        return SB_ERR_INVAL;
    }
    rc = check_dir(dir, err, errlen);
    if (rc)
        return rc;
    s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        set_err(err, errlen, "spill: out of memory");
        return SB_ERR_NOMEM;
    }
    s->segment_bytes = segment_bytes;
    if (io)
        s->io = *io;
    rc = make_key(s, err, errlen);
    if (rc == 0)
        rc = probe_dir(s, err, errlen);
    if (rc) {
        spill_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Closes every segment and gives the table and scratch memory back; the key stays. */
void spill_reset(struct spill *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        if (s->segs[i].fd >= 0)
            close(s->segs[i].fd);
    }
    free(s->segs);
    free(s->scratch);
    s->segs = NULL;
    s->scratch = NULL;
    s->nsegs = s->segs_cap = s->open_segments = 0;
    s->scratch_cap = 0;
    s->disk_bytes = 0;
    s->have_cur = false;
}

/* Closes everything and wipes the key. */
void spill_destroy(struct spill *s)
{
    if (!s)
        return;
    spill_reset(s);
    sodium_free(s->key); /* unprotects, zeroes and unlocks; NULL is fine */
    sodium_memzero(s->nonce_prefix, sizeof s->nonce_prefix);
    free(s->dir);
    free(s);
}

/* ---- Records ----------------------------------------------------------- */

/*
 * Undoes a failed append: nothing of it stays counted, a partial record is cut
 * off the file (best effort) and a segment left with no records is closed.
 */
static void undo_append(struct spill *s, uint32_t seq)
{
    struct segment *g = seg_get(s, seq);

    if (ftruncate(g->fd, (off_t)g->size) < 0) {
        /* Harmless: the next record overwrites from g->size. */
    }
    if (g->live == 0)
        seg_close(s, seq);
}

/* Says why a write failed, in the form "spill write: <strerror> (<dir>)". */
static int write_error(struct spill *s, int e, char *err, size_t errlen)
{
    set_err(err, errlen, "spill write: %s (%s)", strerror(e), s->dir);
    return errno_to_sb(e);
}

/* Seals buf and appends it to the current segment; nothing is counted unless all of it landed. */
int spill_write(struct spill *s, uint64_t page_id, const void *buf, size_t len,
                struct spill_loc *loc, char *err, size_t errlen)
{
    size_t rec = spill_record_bytes(len);
    struct spill_loc at;
    struct segment *g;
    uint32_t seq;
    int rc;

    if (len > SPILL_MAX_LEN) {
        set_err(err, errlen, "spill write: record of %zu bytes is too large", len);
        return SB_ERR_INVAL;
    }
    if (!scratch_reserve(s, rec)) {
        set_err(err, errlen, "spill write: out of memory for %zu bytes", rec);
        return SB_ERR_NOMEM;
    }
    rc = seg_for_record(s, rec, &seq, err, errlen);
    if (rc)
        return rc;
    g = seg_get(s, seq);
    at = (struct spill_loc){ .segment = seq, .len = (uint32_t)len, .offset = g->size };
    rc = seal(s, page_id, buf, &at, err, errlen);
    if (rc == 0 && pwrite_all(s, g->fd, s->scratch, rec, (off_t)g->size) < 0)
        rc = write_error(s, errno, err, errlen);
    if (rc) {
        undo_append(s, seq);
        return rc;
    }
    g->size += rec;
    g->live++;
    s->disk_bytes += rec;
    if (g->size >= g->limit)
        s->have_cur = false;
    *loc = at;
    return 0;
}

/* Reads the record at loc into scratch and opens it into out. */
int spill_read(struct spill *s, uint64_t page_id, const struct spill_loc *loc, void *out,
               char *err, size_t errlen)
{
    const struct segment *g = seg_get(s, loc->segment);
    size_t rec = spill_record_bytes(loc->len);

    if (!g || g->fd < 0) {
        set_err(err, errlen, "spill read: segment %u is closed", loc->segment);
        return SB_ERR_INVAL;
    }
    if (loc->len > SPILL_MAX_LEN || loc->offset > g->size || rec > g->size - loc->offset) {
        set_err(err, errlen, "spill read: record at %llu+%zu is past segment %u's end",
                (unsigned long long)loc->offset, rec, loc->segment);
        return SB_ERR_INVAL;
    }
    if (!scratch_reserve(s, rec)) {
        set_err(err, errlen, "spill read: out of memory for %zu bytes", rec);
        return SB_ERR_NOMEM;
    }
    if (pread_all(s, g->fd, s->scratch, rec, (off_t)loc->offset) < 0) {
        set_err(err, errlen, "spill read: %s (segment %u offset %llu)", strerror(errno),
                loc->segment, (unsigned long long)loc->offset);
        return SB_ERR_IO;
    }
    return unseal(s, page_id, loc, out, err, errlen);
}

/* Counts one record gone; the segment closes (freeing its space) with its last record. */
void spill_release(struct spill *s, const struct spill_loc *loc)
{
    struct segment *g = seg_get(s, loc->segment);

    if (!g || g->fd < 0 || g->live == 0)
        return;
    if (--g->live == 0)
        seg_close(s, loc->segment);
}

/* ---- Figures and settings ---------------------------------------------- */

/* Segments already open keep the limit they were opened with. */
void spill_set_segment_bytes(struct spill *s, uint64_t segment_bytes)
{
    if (segment_bytes > 0)
        s->segment_bytes = segment_bytes;
}

/* Kept as a running sum, so the store can ask on every eviction. */
uint64_t spill_disk_bytes(const struct spill *s)
{
    return s ? s->disk_bytes : 0;
}

/* Open segments, each one fd. */
uint32_t spill_segments(const struct spill *s)
{
    return s ? s->open_segments : 0;
}

/* What the spill holds in RAM; see spill.h for the parts. */
uint64_t spill_ram_bytes(const struct spill *s)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

    if (!s)
        return 0;
    /* The key: sodium_malloc touches its header page and the locked data page. */
    return sizeof *s + strlen(s->dir) + 1 + (uint64_t)s->segs_cap * sizeof *s->segs +
           s->scratch_cap + 2 * page;
}

/* Test access to a segment's fd. */
int spill_segment_fd(const struct spill *s, uint32_t seq)
{
    const struct segment *g = seg_get(s, seq);

    return g ? g->fd : -1;
}

/* Test access to where the key lives (its address, not its bytes). */
const void *spill_key_addr(const struct spill *s)
{
    return s->key;
}
