/*
 * Unit tests for the disk side of the store (spill.c): round trips across
 * segments, authentication of every byte and of the record's place, release
 * and reclaiming, what the files look like from outside, the fault seam, a
 * real filesystem running full, and unusable directories. Deterministic: data
 * comes from a fixed generator, faults from the seam.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "spill.h"

#define ERRLEN 192

/* ---- Helpers ----------------------------------------------------------- */

/* Fills buf with bytes that depend only on (id, i), so any record can be re-made. */
static void fill(unsigned char *buf, size_t len, uint64_t id)
{
    uint64_t x = id * 0x9e3779b97f4a7c15ull + 1;

    for (size_t i = 0; i < len; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (unsigned char)(x >> 56);
    }
}

/* The length of test record i: a spread of small, mid and empty sizes, one oversized. */
static size_t len_for(uint64_t i)
{
    if (i == 0)
        return 0;
    if (i == 17)
        return 10000; /* larger than the 4096-byte segments used below */
    return (size_t)((i * 2654435761u) % 1500);
}

/* Makes a fresh private directory under /tmp into dir. */
static void make_dir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/bt-spill-XXXXXX");
    REQUIRE(mkdtemp(dir) != NULL);
}

/* Removes a test directory; it must be empty, which shows no file was left named. */
static void remove_dir(const char *dir)
{
    CHECK_EQ(rmdir(dir), 0);
}

/* Writes record id (made by fill) and returns its location; REQUIREs success. */
static struct spill_loc put(struct spill *s, uint64_t id, size_t len)
{
    unsigned char *buf = malloc(len ? len : 1);
    char err[ERRLEN] = "";
    struct spill_loc loc;
    int rc;

    REQUIRE(buf);
    fill(buf, len, id);
    rc = spill_write(s, id, len ? buf : NULL, len, &loc, err, sizeof err);
    if (rc)
        fprintf(stderr, "put %llu: %s\n", (unsigned long long)id, err);
    REQUIRE(rc == 0);
    free(buf);
    return loc;
}

/* Reads record id back and compares it; returns the spill_read result. */
static int get(struct spill *s, uint64_t id, const struct spill_loc *loc)
{
    unsigned char *want = malloc(loc->len + 1u), *got = malloc(loc->len + 1u);
    char err[ERRLEN] = "";
    int rc;

    REQUIRE(want && got);
    fill(want, loc->len, id);
    rc = spill_read(s, id, loc, got, err, sizeof err);
    if (rc == 0 && memcmp(want, got, loc->len) != 0)
        rc = 1; /* authenticated yet different: must never happen */
    free(want);
    free(got);
    return rc;
}

/* The size of fd's file as the kernel sees it. */
static long long file_size(int fd)
{
    struct stat st;

    return fstat(fd, &st) == 0 ? (long long)st.st_size : -1;
}

/* ---- Round trips ------------------------------------------------------- */

/* Many records of varied sizes, across segments, read back intact and in any order. */
static void test_round_trip(void)
{
    enum { N = 200 };
    struct spill_loc locs[N];
    struct spill *s;
    char dir[64], err[ERRLEN];
    uint64_t bytes = 0;

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 4096, NULL, &s, err, sizeof err) == 0);
    CHECK_EQ(spill_segments(s), 0);
    CHECK_EQ(spill_disk_bytes(s), 0);
    for (uint64_t i = 0; i < N; i++) {
        locs[i] = put(s, i, len_for(i));
        bytes += spill_record_bytes(len_for(i));
        CHECK_EQ(locs[i].len, len_for(i));
    }
    CHECK_EQ(spill_disk_bytes(s), bytes);
    CHECK(spill_segments(s) > 10);
    for (uint64_t i = N; i-- > 0;)
        CHECK_EQ(get(s, i, &locs[i]), 0);
    /* The oversized record sits alone, at the start of its own segment. */
    CHECK_EQ(locs[17].offset, 0);
    CHECK(locs[16].segment != locs[17].segment);
    CHECK(locs[18].segment != locs[17].segment);
    /* No segment grows past its limit unless it holds a single record. */
    for (uint64_t i = 1; i < N; i++) {
        if (locs[i].offset > 0)
            CHECK(locs[i].offset + spill_record_bytes(locs[i].len) <= 4096);
    }
    spill_destroy(s);
    remove_dir(dir);
}

/* An empty record is allowed: it round-trips and is still authenticated. */
static void test_empty_record(void)
{
    struct spill *s;
    struct spill_loc loc;
    char dir[64], err[ERRLEN];
    unsigned char out[1];

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 4096, NULL, &s, err, sizeof err) == 0);
    CHECK_EQ(spill_write(s, 5, NULL, 0, &loc, err, sizeof err), 0);
    CHECK_EQ(loc.len, 0);
    CHECK_EQ(spill_disk_bytes(s), spill_record_bytes(0));
    CHECK_EQ(spill_record_bytes(0), 40);
    CHECK_EQ(spill_read(s, 5, &loc, out, err, sizeof err), 0);
    CHECK_EQ(spill_read(s, 5, &loc, NULL, err, sizeof err), 0);
    CHECK_EQ(spill_read(s, 6, &loc, out, err, sizeof err), SB_ERR_CORRUPT);
    spill_destroy(s);
    remove_dir(dir);
}

/* A record read for another page, at another offset or in another segment fails authentication. */
static void test_wrong_place(void)
{
    struct spill_loc a, b, c, d, wrong;
    struct spill *s;
    char dir[64], err[ERRLEN] = "";

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 300, NULL, &s, err, sizeof err) == 0);
    a = put(s, 1, 100);
    b = put(s, 2, 100);
    c = put(s, 3, 100); /* 3 * 140 > 300: a new segment */
    d = put(s, 4, 100);
    CHECK_EQ(a.segment, b.segment);
    CHECK(c.segment != a.segment);
    CHECK_EQ(c.offset, a.offset);
    CHECK_EQ(d.offset, b.offset);
    CHECK_EQ(spill_read(s, 2, &a, (unsigned char[100]){ 0 }, err, sizeof err), SB_ERR_CORRUPT);
    CHECK(strstr(err, "page 2 failed authentication") != NULL);
    wrong = b;
    wrong.offset = a.offset; /* a's bytes, asked for as page 2 at b's length */
    CHECK_EQ(get(s, 2, &wrong), SB_ERR_CORRUPT);
    wrong = a;
    wrong.segment = c.segment; /* same offset, other segment: a's own id does not help */
    CHECK_EQ(get(s, 1, &wrong), SB_ERR_CORRUPT);
    wrong = a;
    wrong.len = 99;
    CHECK_EQ(get(s, 1, &wrong), SB_ERR_CORRUPT);
    wrong = b;
    wrong.offset = b.offset + 1000; /* past the end */
    CHECK_EQ(get(s, 2, &wrong), SB_ERR_INVAL);
    wrong.segment = 999;
    CHECK_EQ(get(s, 2, &wrong), SB_ERR_INVAL);
    CHECK_EQ(get(s, 1, &a), 0);
    CHECK_EQ(get(s, 4, &d), 0);
    spill_destroy(s);
    remove_dir(dir);
}

/* Copies a record's raw bytes from one place on disk to another. */
static void copy_record(struct spill *s, const struct spill_loc *from, const struct spill_loc *to)
{
    size_t rec = spill_record_bytes(from->len);
    unsigned char *raw = malloc(rec);

    REQUIRE(raw && from->len == to->len);
    REQUIRE(pread(spill_segment_fd(s, from->segment), raw, rec, (off_t)from->offset) ==
            (ssize_t)rec);
    REQUIRE(pwrite(spill_segment_fd(s, to->segment), raw, rec, (off_t)to->offset) ==
            (ssize_t)rec);
    free(raw);
}

/*
 * The same page's record moved to another offset or segment fails: the place is
 * bound in, not only the page id (the store never rewrites a page id, but a
 * record moved on disk must not read back as the wrong version).
 */
static void test_moved_record(void)
{
    struct spill_loc a, b, c;
    struct spill *s;
    char dir[64], err[ERRLEN];
    unsigned char data[3][100], out[100];

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 300, NULL, &s, err, sizeof err) == 0);
    for (int i = 0; i < 3; i++)
        fill(data[i], 100, 50u + (unsigned)i);
    REQUIRE(spill_write(s, 7, data[0], 100, &a, err, sizeof err) == 0);
    REQUIRE(spill_write(s, 7, data[1], 100, &b, err, sizeof err) == 0);
    REQUIRE(spill_write(s, 7, data[2], 100, &c, err, sizeof err) == 0);
    REQUIRE(a.segment == b.segment && c.segment != a.segment && c.offset == a.offset);
    copy_record(s, &b, &a); /* same segment, other offset */
    CHECK_EQ(spill_read(s, 7, &a, out, err, sizeof err), SB_ERR_CORRUPT);
    CHECK_EQ(spill_read(s, 7, &b, out, err, sizeof err), 0);
    CHECK(memcmp(out, data[1], 100) == 0);
    copy_record(s, &c, &b); /* other segment, and b's offset */
    copy_record(s, &c, &a); /* other segment, same offset */
    CHECK_EQ(spill_read(s, 7, &a, out, err, sizeof err), SB_ERR_CORRUPT);
    CHECK_EQ(spill_read(s, 7, &b, out, err, sizeof err), SB_ERR_CORRUPT);
    CHECK_EQ(spill_read(s, 7, &c, out, err, sizeof err), 0);
    CHECK(memcmp(out, data[2], 100) == 0);
    spill_destroy(s);
    remove_dir(dir);
}

/* Reads the 24-byte nonce at the start of the record at loc. */
static void read_nonce(struct spill *s, const struct spill_loc *loc, unsigned char nonce[24])
{
    REQUIRE(pread(spill_segment_fd(s, loc->segment), nonce, 24, (off_t)loc->offset) == 24);
}

/* Nonces: one random prefix per spill, then a counter that only grows, so none repeats. */
static void test_nonces(void)
{
    enum { N = 64 };
    struct spill_loc locs[N], other;
    struct spill *s, *t;
    char dir[64], err[ERRLEN];
    unsigned char first[24], nonce[24];
    uint64_t prev = 0;

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 1000, NULL, &s, err, sizeof err) == 0);
    REQUIRE(spill_create(dir, 1000, NULL, &t, err, sizeof err) == 0);
    for (uint64_t i = 0; i < N; i++)
        locs[i] = put(s, i % 3, 200); /* page ids repeat: the nonces must not */
    read_nonce(s, &locs[0], first);
    for (int i = 0; i < N; i++) {
        uint64_t ctr = 0;

        read_nonce(s, &locs[i], nonce);
        CHECK(memcmp(nonce, first, 16) == 0);
        for (int b = 7; b >= 0; b--)
            ctr = ctr << 8 | nonce[16 + b];
        if (i > 0)
            CHECK(ctr > prev);
        prev = ctr;
    }
    other = put(t, 0, 200);
    read_nonce(t, &other, nonce);
    CHECK(memcmp(nonce, first, 16) != 0); /* another spill, another prefix (and key) */
    /* t's record for the same page at the same place still fails in s: another key. */
    REQUIRE(other.segment == locs[0].segment && other.offset == locs[0].offset);
    {
        unsigned char raw[240];

        REQUIRE(pread(spill_segment_fd(t, 0), raw, sizeof raw, 0) == (ssize_t)sizeof raw);
        REQUIRE(pwrite(spill_segment_fd(s, 0), raw, sizeof raw, 0) == (ssize_t)sizeof raw);
    }
    CHECK_EQ(get(s, 0, &locs[0]), SB_ERR_CORRUPT);
    CHECK_EQ(get(t, 0, &other), 0);
    spill_destroy(s);
    spill_destroy(t);
    remove_dir(dir);
}

/* Every single flipped byte of a record makes it fail, while its neighbours still read. */
static void test_flip_every_byte(void)
{
    struct spill_loc a, b, c;
    struct spill *s;
    char dir[64], err[ERRLEN];
    size_t rec = spill_record_bytes(100);
    unsigned corrupt = 0, neighbours_ok = 0;
    int fd;

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 65536, NULL, &s, err, sizeof err) == 0);
    a = put(s, 10, 100);
    b = put(s, 11, 100);
    c = put(s, 12, 100);
    REQUIRE(a.segment == b.segment && b.segment == c.segment);
    fd = spill_segment_fd(s, b.segment);
    REQUIRE(fd >= 0);
    for (size_t i = 0; i < rec; i++) {
        unsigned char byte, flipped;
        off_t off = (off_t)(b.offset + i);

        REQUIRE(pread(fd, &byte, 1, off) == 1);
        flipped = byte ^ (unsigned char)(1u << (i % 8));
        REQUIRE(pwrite(fd, &flipped, 1, off) == 1);
        corrupt += get(s, 11, &b) == SB_ERR_CORRUPT;
        neighbours_ok += get(s, 10, &a) == 0 && get(s, 12, &c) == 0;
        REQUIRE(pwrite(fd, &byte, 1, off) == 1);
    }
    CHECK_EQ(corrupt, rec);
    CHECK_EQ(neighbours_ok, rec);
    CHECK_EQ(get(s, 11, &b), 0);
    spill_destroy(s);
    remove_dir(dir);
}

/* ---- Release ----------------------------------------------------------- */

/* Disk bytes fall only when a segment's last record goes, whatever the release order. */
static void test_release(void)
{
    enum { N = 12 };
    struct spill_loc locs[N];
    struct spill *s;
    char dir[64], err[ERRLEN];
    size_t rec = spill_record_bytes(60);
    uint64_t before;

    make_dir(dir, sizeof dir);
    /* Four 100-byte records per segment: 400 reaches the limit exactly. */
    REQUIRE(rec == 100);
    REQUIRE(spill_create(dir, 400, NULL, &s, err, sizeof err) == 0);
    for (int i = 0; i < N; i++)
        locs[i] = put(s, (uint64_t)i, 60);
    CHECK_EQ(spill_segments(s), 3);
    CHECK_EQ(spill_disk_bytes(s), N * rec);
    CHECK_EQ(locs[3].segment, locs[0].segment);
    CHECK(locs[4].segment == locs[0].segment + 1);

    /* In order: segment 0 goes at its fourth release. */
    for (int i = 0; i < 3; i++) {
        spill_release(s, &locs[i]);
        CHECK_EQ(spill_disk_bytes(s), N * rec);
    }
    spill_release(s, &locs[3]);
    CHECK_EQ(spill_disk_bytes(s), 8 * rec);
    CHECK_EQ(spill_segments(s), 2);
    CHECK_EQ(spill_segment_fd(s, locs[0].segment), -1);
    CHECK_EQ(get(s, 0, &locs[0]), SB_ERR_INVAL); /* a released segment: an error, no crash */
    spill_release(s, &locs[0]);                  /* already closed: ignored */
    CHECK_EQ(spill_disk_bytes(s), 8 * rec);

    /* Out of order: the newest segment (the current one) empties first, then the middle one. */
    spill_release(s, &locs[9]);
    spill_release(s, &locs[11]);
    spill_release(s, &locs[5]);
    CHECK_EQ(spill_disk_bytes(s), 8 * rec);
    spill_release(s, &locs[8]);
    spill_release(s, &locs[10]);
    CHECK_EQ(spill_disk_bytes(s), 4 * rec);
    CHECK_EQ(spill_segments(s), 1);
    CHECK_EQ(get(s, 6, &locs[6]), 0);
    before = locs[11].segment;
    locs[0] = put(s, 100, 60); /* a fresh segment with a higher number */
    CHECK(locs[0].segment > before);
    CHECK_EQ(locs[0].offset, 0);
    CHECK_EQ(spill_segments(s), 2);
    spill_release(s, &locs[4]);
    spill_release(s, &locs[6]);
    spill_release(s, &locs[7]);
    CHECK_EQ(spill_disk_bytes(s), rec);
    CHECK_EQ(get(s, 100, &locs[0]), 0);
    spill_release(s, &locs[0]);
    CHECK_EQ(spill_disk_bytes(s), 0);
    CHECK_EQ(spill_segments(s), 0);
    spill_destroy(s);
    remove_dir(dir);
}

/* Reset closes everything, keeps working, and old locations never match new records. */
static void test_reset(void)
{
    struct spill_loc a, b;
    struct spill *s;
    char dir[64], err[ERRLEN];
    uint64_t ram_empty;

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 4096, NULL, &s, err, sizeof err) == 0);
    ram_empty = spill_ram_bytes(s);
    for (uint64_t i = 0; i < 50; i++)
        a = put(s, i, 900);
    put(s, 77, 20000);
    CHECK(spill_ram_bytes(s) >= ram_empty + 20000);
    spill_reset(s);
    CHECK_EQ(spill_disk_bytes(s), 0);
    CHECK_EQ(spill_segments(s), 0);
    CHECK_EQ(spill_ram_bytes(s), ram_empty);
    CHECK_EQ(get(s, 49, &a), SB_ERR_INVAL);
    b = put(s, 49, 900);
    CHECK(b.segment > a.segment);
    CHECK_EQ(get(s, 49, &b), 0);
    spill_reset(s);
    spill_reset(s);
    spill_destroy(s);
    spill_destroy(NULL);
    remove_dir(dir);
}

/* RAM stays O(open segments) + scratch: thousands of records add nothing per record. */
static void test_ram(void)
{
    struct spill *s;
    char dir[64], err[ERRLEN];
    uint64_t after_first;

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 1u << 20, NULL, &s, err, sizeof err) == 0);
    put(s, 0, 1000);
    after_first = spill_ram_bytes(s);
    for (uint64_t i = 1; i < 3000; i++)
        put(s, i, 1000);
    CHECK(spill_segments(s) >= 3);
    CHECK_EQ(spill_ram_bytes(s), after_first);
    printf("ram: %llu bytes with %u segments, %llu on disk\n",
           (unsigned long long)spill_ram_bytes(s), spill_segments(s),
           (unsigned long long)spill_disk_bytes(s));
    spill_destroy(s);
    remove_dir(dir);
}

/* ---- The files --------------------------------------------------------- */

/* Checks that fd is an unnamed, owner-only file made in dir. */
static void check_unlinked(int fd, const char *dir)
{
    char link[64], target[4096];
    ssize_t n;
    struct stat st;

    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, target, sizeof target - 1);
    REQUIRE(n > 0);
    target[n] = '\0';
    CHECK(strncmp(target, dir, strlen(dir)) == 0);
    CHECK(strchr(target, '#') != NULL ||
          (n > 10 && strcmp(target + n - 10, " (deleted)") == 0));
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK_EQ(st.st_nlink, 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* Reports whether needle occurs anywhere in fd's bytes. */
static bool file_contains(int fd, const void *needle, size_t nlen)
{
    long long size = file_size(fd);
    unsigned char *raw = malloc(size > 0 ? (size_t)size : 1);
    bool found;

    REQUIRE(raw && size >= 0);
    REQUIRE(pread(fd, raw, (size_t)size, 0) == size);
    found = memmem(raw, (size_t)size, needle, nlen) != NULL;
    free(raw);
    return found;
}

/* Segments are unlinked, 0600, close-on-exec, and hold no plaintext. */
static void test_files(void)
{
    static const char marker[] = "BOUNDTERM-PLAINTEXT-MARKER";
    struct spill_loc loc;
    struct spill *s;
    char dir[64], err[ERRLEN], page[2048];
    unsigned char back[sizeof page];
    int fd;

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 1u << 16, NULL, &s, err, sizeof err) == 0);
    for (size_t i = 0; i + sizeof marker <= sizeof page; i += sizeof marker)
        memcpy(page + i, marker, sizeof marker);
    memset(page + sizeof page - 100, 0, 100); /* a long zero run, too */
    REQUIRE(spill_write(s, 1, page, sizeof page, &loc, err, sizeof err) == 0);
    fd = spill_segment_fd(s, loc.segment);
    REQUIRE(fd >= 0);
    check_unlinked(fd, dir);
    CHECK_EQ(file_size(fd), spill_record_bytes(sizeof page));
    CHECK(!file_contains(fd, marker, strlen(marker)));
    CHECK(!file_contains(fd, (char[32]){ 0 }, 32));
    CHECK(file_contains(fd, "", 0)); /* the helper itself works */
    CHECK_EQ(spill_read(s, 1, &loc, back, err, sizeof err), 0);
    CHECK(memcmp(back, page, sizeof page) == 0);
    spill_destroy(s);
    remove_dir(dir);
}

/* An O_TMPFILE segment cannot be given a name afterwards (O_EXCL). */
static void test_not_linkable(void)
{
    struct spill_loc loc;
    struct spill *s;
    char dir[64], err[ERRLEN], link[64], name[128];

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 4096, NULL, &s, err, sizeof err) == 0);
    loc = put(s, 1, 10);
    snprintf(link, sizeof link, "/proc/self/fd/%d", spill_segment_fd(s, loc.segment));
    snprintf(name, sizeof name, "%s/linked", dir);
    CHECK(linkat(AT_FDCWD, link, AT_FDCWD, name, AT_SYMLINK_FOLLOW) < 0);
    unlink(name);
    spill_destroy(s);
    remove_dir(dir);
}

/* The fallback for filesystems without O_TMPFILE leaves no name behind either. */
static void test_mkostemp_fallback(void)
{
    char dir[64];
    int fd;

    make_dir(dir, sizeof dir);
    fd = spill_open_mkostemp(dir);
    REQUIRE(fd >= 0);
    check_unlinked(fd, dir);
    CHECK_EQ(pwrite(fd, "x", 1, 0), 1);
    close(fd);
    remove_dir(dir); /* fails if the file were still named */
    errno = 0;
    CHECK_EQ(spill_open_mkostemp("/nonexistent-bt-dir"), -1);
    CHECK_EQ(errno, ENOENT);
}

/* Finds the /proc/self/smaps entry holding addr; fills perms and VmFlags. */
static bool smaps_for(const void *addr, char perms[8], char *flags, size_t flen)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    bool in = false, found = false;
    uintptr_t a = (uintptr_t)addr;

    REQUIRE(f);
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char p[8];

        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, p) == 3) {
            in = a >= lo && a < hi;
            if (in)
                memcpy(perms, p, 8);
        } else if (in && strncmp(line, "VmFlags:", 8) == 0) {
            snprintf(flags, flen, "%s", line + 8);
            found = true;
            break;
        }
    }
    fclose(f);
    return found;
}

/* The key's page is unreadable between uses and marked to stay out of core dumps. */
static void test_key_memory(void)
{
    struct spill *s;
    char dir[64], err[ERRLEN], perms[8] = "", flags[512] = "";

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 4096, NULL, &s, err, sizeof err) == 0);
    put(s, 1, 100); /* a use, so the protection has been toggled back */
    REQUIRE(smaps_for(spill_key_addr(s), perms, flags, sizeof flags));
    CHECK_STR(perms, "---p");
    CHECK(strstr(flags, " dd") != NULL);
    if (!strstr(flags, " lo"))
        printf("note: key page not mlocked (RLIMIT_MEMLOCK?): VmFlags:%s", flags);
    spill_destroy(s);
    remove_dir(dir);
}

/* ---- The fault seam ---------------------------------------------------- */

enum wmode { W_REAL, W_FAIL, W_HALF_THEN_FAIL, W_ALWAYS_HALF, W_EINTR };
enum rmode { R_REAL, R_FAIL, R_SHORT, R_EINTR };

struct fault {
    enum wmode w;
    int w_errno; /* for W_FAIL / W_HALF_THEN_FAIL; 0: return 0 (no progress) */
    bool w_done_half;
    enum rmode r;
    int r_errno;
    bool r_done_short;
    int eintr_left;
    int open_errno; /* non-zero: open_spill fails with it */
    int opens, writes, reads;
};

/* open_spill for tests: fails on demand, else an O_TMPFILE like the real one. */
static int fault_open(void *user, const char *dir)
{
    struct fault *f = user;

    f->opens++;
    if (f->open_errno) {
        errno = f->open_errno;
        return -1;
    }
    return open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

/* pwrite for tests: fails, lands half a record first, or makes progress in halves. */
static ssize_t fault_pwrite(void *user, int fd, const void *buf, size_t len, off_t off)
{
    struct fault *f = user;

    f->writes++;
    switch (f->w) {
    case W_REAL:
        return pwrite(fd, buf, len, off);
    case W_FAIL:
        errno = f->w_errno;
        return -1;
    case W_HALF_THEN_FAIL:
        if (!f->w_done_half) {
            f->w_done_half = true;
            return pwrite(fd, buf, len / 2, off);
        }
        errno = f->w_errno;
        return f->w_errno ? -1 : 0;
    case W_ALWAYS_HALF:
        return pwrite(fd, buf, len > 1 ? len / 2 : len, off);
    case W_EINTR:
        if (f->eintr_left > 0) {
            f->eintr_left--;
            errno = EINTR;
            return -1;
        }
        return pwrite(fd, buf, len, off);
    }
    return -1;
}

/* pread for tests: fails, returns short then end of file, or is interrupted. */
static ssize_t fault_pread(void *user, int fd, void *buf, size_t len, off_t off)
{
    struct fault *f = user;

    f->reads++;
    switch (f->r) {
    case R_REAL:
        return pread(fd, buf, len, off);
    case R_FAIL:
        errno = f->r_errno;
        return -1;
    case R_SHORT:
        if (!f->r_done_short) {
            f->r_done_short = true;
            return pread(fd, buf, len / 2, off);
        }
        return 0;
    case R_EINTR:
        if (f->eintr_left > 0) {
            f->eintr_left--;
            errno = EINTR;
            return -1;
        }
        return pread(fd, buf, len, off);
    }
    return -1;
}

/* Tries one write under a pwrite fault and checks code, reason and that nothing was counted. */
static void expect_write_fault(struct spill *s, struct fault *f, enum wmode w, int e, int want,
                               const char *reason, uint64_t id)
{
    uint64_t bytes = spill_disk_bytes(s);
    uint32_t segs = spill_segments(s);
    struct spill_loc loc = { .segment = 4242 };
    unsigned char buf[300];
    char err[ERRLEN] = "";

    fill(buf, sizeof buf, id);
    *f = (struct fault){ .w = w, .w_errno = e };
    CHECK_EQ(spill_write(s, id, buf, sizeof buf, &loc, err, sizeof err), want);
    CHECK_STR(err, reason);
    CHECK_EQ(loc.segment, 4242); /* untouched */
    CHECK_EQ(spill_disk_bytes(s), bytes);
    CHECK_EQ(spill_segments(s), segs);
    *f = (struct fault){ 0 };
}

/* Write faults: EIO, ENOSPC, EDQUOT, partial records, no progress; then recovery. */
static void test_write_faults(void)
{
    struct fault f = { 0 };
    struct sb_io io = { fault_open, fault_pwrite, fault_pread, &f };
    struct spill_loc a, b, c;
    struct spill *s;
    char dir[64], err[ERRLEN], eio[160], enospc[160], edquot[160];
    int fd;

    make_dir(dir, sizeof dir);
    snprintf(eio, sizeof eio, "spill write: Input/output error (%s)", dir);
    snprintf(enospc, sizeof enospc, "spill write: No space left on device (%s)", dir);
    snprintf(edquot, sizeof edquot, "spill write: %s (%s)", strerror(EDQUOT), dir);
    REQUIRE(spill_create(dir, 4096, &io, &s, err, sizeof err) == 0);
    CHECK_EQ(f.opens, 1); /* the probe went through the seam */

    /* On a fresh segment: it is closed again, so the open count does not move either. */
    expect_write_fault(s, &f, W_FAIL, EIO, SB_ERR_IO, eio, 1);
    expect_write_fault(s, &f, W_HALF_THEN_FAIL, ENOSPC, SB_ERR_NOSPC, enospc, 1);

    a = put(s, 1, 300);
    fd = spill_segment_fd(s, a.segment);
    expect_write_fault(s, &f, W_FAIL, EIO, SB_ERR_IO, eio, 2);
    expect_write_fault(s, &f, W_FAIL, ENOSPC, SB_ERR_NOSPC, enospc, 2);
    expect_write_fault(s, &f, W_FAIL, EDQUOT, SB_ERR_NOSPC, edquot, 2);
    /* Half a record lands, then the disk fails: the file is cut back to whole records. */
    expect_write_fault(s, &f, W_HALF_THEN_FAIL, EIO, SB_ERR_IO, eio, 2);
    CHECK_EQ(file_size(fd), spill_disk_bytes(s));
    expect_write_fault(s, &f, W_HALF_THEN_FAIL, ENOSPC, SB_ERR_NOSPC, enospc, 2);
    CHECK_EQ(file_size(fd), spill_disk_bytes(s));
    /* A short write that makes no further progress is an I/O error, not a hang. */
    expect_write_fault(s, &f, W_HALF_THEN_FAIL, 0, SB_ERR_IO, eio, 2);
    CHECK_EQ(file_size(fd), spill_disk_bytes(s));

    /* Partial writes that keep progressing, and interruptions, are simply continued. */
    f = (struct fault){ .w = W_ALWAYS_HALF };
    b = put(s, 2, 300);
    CHECK(f.writes > 5);
    f = (struct fault){ .w = W_EINTR, .eintr_left = 3 };
    c = put(s, 3, 300);
    CHECK_EQ(f.writes, 4);
    f = (struct fault){ 0 };
    CHECK_EQ(b.offset, a.offset + spill_record_bytes(300));
    CHECK_EQ(spill_disk_bytes(s), 3 * spill_record_bytes(300));
    CHECK_EQ(file_size(fd), spill_disk_bytes(s));
    CHECK_EQ(get(s, 1, &a), 0);
    CHECK_EQ(get(s, 2, &b), 0);
    CHECK_EQ(get(s, 3, &c), 0);
    spill_destroy(s);
    remove_dir(dir);
}

/* Read faults: EIO and short reads are SB_ERR_IO with a reason; EINTR is retried. */
static void test_read_faults(void)
{
    struct fault f = { 0 };
    struct sb_io io = { NULL, NULL, fault_pread, &f };
    struct spill_loc a;
    struct spill *s;
    char dir[64], err[ERRLEN] = "";
    unsigned char out[500];

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 4096, &io, &s, err, sizeof err) == 0);
    a = put(s, 1, 500);
    f = (struct fault){ .r = R_FAIL, .r_errno = EIO };
    CHECK_EQ(spill_read(s, 1, &a, out, err, sizeof err), SB_ERR_IO);
    CHECK_STR(err, "spill read: Input/output error (segment 0 offset 0)");
    f = (struct fault){ .r = R_SHORT };
    err[0] = '\0';
    CHECK_EQ(spill_read(s, 1, &a, out, err, sizeof err), SB_ERR_IO);
    CHECK(strncmp(err, "spill read: ", 12) == 0);
    CHECK_EQ(f.reads, 2);
    f = (struct fault){ .r = R_EINTR, .eintr_left = 2 };
    CHECK_EQ(get(s, 1, &a), 0);
    CHECK_EQ(f.reads, 3);
    f = (struct fault){ 0 };
    CHECK_EQ(get(s, 1, &a), 0);
    CHECK_EQ(spill_disk_bytes(s), spill_record_bytes(500));
    spill_destroy(s);
    remove_dir(dir);
}

/* open_spill failures: at create they refuse the dir; later they fail only new segments. */
static void test_open_faults(void)
{
    struct fault f = { .open_errno = EACCES };
    struct sb_io io = { fault_open, NULL, NULL, &f };
    struct spill_loc a, b;
    struct spill *s = (struct spill *)1;
    char dir[64], err[ERRLEN] = "", want[160];
    uint64_t bytes;

    make_dir(dir, sizeof dir);
    CHECK_EQ(spill_create(dir, 400, &io, &s, err, sizeof err), SB_ERR_IO);
    CHECK(s == NULL);
    snprintf(want, sizeof want, "spill dir %s: cannot create a file: Permission denied", dir);
    CHECK_STR(err, want);
    f.open_errno = ENOSPC;
    CHECK_EQ(spill_create(dir, 400, &io, &s, err, sizeof err), SB_ERR_NOSPC);

    f = (struct fault){ 0 };
    REQUIRE(spill_create(dir, 400, &io, &s, err, sizeof err) == 0);
    a = put(s, 1, 100);
    f.open_errno = EMFILE;
    put(s, 2, 100); /* these still fit in the open segment: no open needed */
    CHECK_EQ(spill_write(s, 3, "x", 1, &b, err, sizeof err), 0);
    bytes = spill_disk_bytes(s);
    CHECK_EQ(spill_write(s, 4, (char[200]){ 0 }, 200, &b, err, sizeof err), SB_ERR_IO);
    snprintf(want, sizeof want, "spill open: Too many open files (%s)", dir);
    CHECK_STR(err, want);
    CHECK_EQ(spill_disk_bytes(s), bytes);
    CHECK_EQ(spill_segments(s), 1);
    f.open_errno = 0;
    b = put(s, 4, 200);
    CHECK(b.segment != a.segment);
    CHECK_EQ(get(s, 1, &a), 0);
    CHECK_EQ(get(s, 4, &b), 0);
    spill_destroy(s);
    remove_dir(dir);
}

/* ---- A real filesystem running full ----------------------------------- */

/* Fills a 1 MiB tmpfs until ENOSPC; earlier records stay readable and freed space is reused. */
static void test_tiny_fs(void)
{
    enum { MAX = 200, LEN = 16384 };
    struct spill_loc locs[MAX];
    struct spill *s;
    char dir[64], err[ERRLEN] = "";
    unsigned char buf[LEN];
    int n = 0, rc = 0, ok = 0;

    if (geteuid() != 0) {
        printf("skip tiny fs: not root\n");
        return;
    }
    make_dir(dir, sizeof dir);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700") != 0) {
        printf("skip tiny fs: mount tmpfs on %s: %s\n", dir, strerror(errno));
        remove_dir(dir);
        return;
    }
    /* From here on no REQUIRE: a failure must still unmount. */
    if (spill_create(dir, 65536, NULL, &s, err, sizeof err) != 0) {
        CHECK(!"spill_create on tmpfs");
        fprintf(stderr, "tiny fs: %s\n", err);
        goto out;
    }
    for (n = 0; n < MAX; n++) {
        fill(buf, LEN, (uint64_t)n);
        rc = spill_write(s, (uint64_t)n, buf, LEN, &locs[n], err, sizeof err);
        if (rc)
            break;
    }
    printf("tiny fs: %d records (%llu bytes, %u segments) before: %s\n", n,
           (unsigned long long)spill_disk_bytes(s), spill_segments(s), err);
    CHECK_EQ(rc, SB_ERR_NOSPC);
    CHECK(n > 10 && n < MAX);
    CHECK(strstr(err, "No space left on device") && strstr(err, dir));
    CHECK_EQ(spill_disk_bytes(s), (uint64_t)n * spill_record_bytes(LEN));
    for (int i = 0; i < n; i++)
        ok += get(s, (uint64_t)i, &locs[i]) == 0;
    CHECK_EQ(ok, n);
    /* Releasing the oldest segment gives its space back to the filesystem. */
    for (int i = 0; i < n && locs[i].segment == locs[0].segment; i++)
        spill_release(s, &locs[i]);
    fill(buf, LEN, 999);
    CHECK_EQ(spill_write(s, 999, buf, LEN, &locs[0], err, sizeof err), 0);
    CHECK_EQ(get(s, 999, &locs[0]), 0);
    spill_destroy(s);
out:
    CHECK_EQ(umount2(dir, 0), 0);
    remove_dir(dir);
}

/* ---- Directories ------------------------------------------------------- */

/* Missing, not a directory, bad arguments: refused with a clear reason. */
static void test_bad_dirs(void)
{
    struct spill *s = NULL;
    char dir[64], file[96], err[ERRLEN] = "", want[160];
    int fd;

    CHECK_EQ(spill_create("/nonexistent-bt-dir/x", 4096, NULL, &s, err, sizeof err), SB_ERR_IO);
    CHECK_STR(err, "spill dir /nonexistent-bt-dir/x: No such file or directory");
    CHECK(s == NULL);
    make_dir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/plain", dir);
    fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    close(fd);
    CHECK_EQ(spill_create(file, 4096, NULL, &s, err, sizeof err), SB_ERR_IO);
    snprintf(want, sizeof want, "spill dir %s: Not a directory", file);
    CHECK_STR(err, want);
    CHECK_EQ(spill_create(NULL, 4096, NULL, &s, err, sizeof err), SB_ERR_INVAL);
    CHECK_EQ(spill_create(dir, 0, NULL, &s, err, sizeof err), SB_ERR_INVAL);
    CHECK_EQ(spill_create(dir, 4096, NULL, &s, NULL, 0), 0); /* err may be NULL */
    spill_destroy(s);
    unlink(file);
    remove_dir(dir);
}

/* Tries spill_create on dir; returns 0 when it is refused as unwritable. */
static int refused_unwritable(const char *dir)
{
    struct spill *s = NULL;
    char err[ERRLEN] = "", want[160];
    int rc = spill_create(dir, 4096, NULL, &s, err, sizeof err);

    snprintf(want, sizeof want, "spill dir %s: Permission denied", dir);
    spill_destroy(s);
    if (rc != SB_ERR_IO || strcmp(err, want) != 0) {
        fprintf(stderr, "unwritable dir: rc %d, err \"%s\"\n", rc, err);
        return 1;
    }
    return 0;
}

/* A directory we may not write to is refused (as root: checked in a child that drops to nobody). */
static void test_unwritable_dir(void)
{
    char dir[64];
    pid_t pid;
    int status = 0;

    make_dir(dir, sizeof dir);
    REQUIRE(chmod(dir, 0500) == 0);
    if (geteuid() != 0) {
        CHECK_EQ(refused_unwritable(dir), 0);
    } else {
        /* Root bypasses permissions, so become nobody; the dir and /tmp stay reachable. */
        REQUIRE(chmod(dir, 0555) == 0);
        fflush(NULL);
        pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(77);
            _exit(refused_unwritable(dir));
        }
        REQUIRE(waitpid(pid, &status, 0) == pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
            printf("skip unwritable dir: cannot drop to nobody\n");
        else
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    REQUIRE(chmod(dir, 0700) == 0);
    remove_dir(dir);
}

/* The directory removed at run time: open segments keep working, new ones fail clearly. */
static void test_dir_removed(void)
{
    struct spill_loc a, b, c;
    struct spill *s;
    char dir[64], err[ERRLEN] = "", want[160];
    uint64_t bytes;

    make_dir(dir, sizeof dir);
    REQUIRE(spill_create(dir, 1000, NULL, &s, err, sizeof err) == 0);
    a = put(s, 1, 300);
    REQUIRE(rmdir(dir) == 0); /* possible only because no segment has a name */
    b = put(s, 2, 300);       /* still fits in the open segment */
    CHECK_EQ(b.segment, a.segment);
    bytes = spill_disk_bytes(s);
    CHECK_EQ(spill_write(s, 3, (char[600]){ 0 }, 600, &c, err, sizeof err), SB_ERR_IO);
    snprintf(want, sizeof want, "spill open: No such file or directory (%s)", dir);
    CHECK_STR(err, want);
    CHECK_EQ(spill_disk_bytes(s), bytes);
    CHECK_EQ(spill_segments(s), 1);
    CHECK_EQ(get(s, 1, &a), 0);
    CHECK_EQ(get(s, 2, &b), 0);
    spill_release(s, &a);
    spill_release(s, &b);
    CHECK_EQ(spill_disk_bytes(s), 0);
    spill_destroy(s);
}

int main(void)
{
    test_round_trip();
    test_empty_record();
    test_wrong_place();
    test_moved_record();
    test_nonces();
    test_flip_every_byte();
    test_release();
    test_reset();
    test_ram();
    test_files();
    test_not_linkable();
    test_mkostemp_fallback();
    test_key_memory();
    test_write_faults();
    test_read_faults();
    test_open_faults();
    test_tiny_fs();
    test_bad_dirs();
    test_unwritable_dir();
    test_dir_removed();
    return check_done();
}
