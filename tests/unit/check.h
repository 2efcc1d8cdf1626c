/*
 * A very small test harness: CHECK records a failure with its place and goes
 * on, so one run shows every broken expectation. A test program ends with
 * `return check_done();`, which prints "<name>: N passed, N failed" and
 * returns the exit status meson expects (0 or 1).
 */
#ifndef BT_CHECK_H
#define BT_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned check_passed_, check_failed_;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (cond) {                                                                 \
            check_passed_++;                                                        \
        } else {                                                                    \
            check_failed_++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

/* Integer equality with both values printed on failure. */
#define CHECK_EQ(a, b)                                                                   \
    do {                                                                                 \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                  \
        if (check_a_ == check_b_) {                                                      \
            check_passed_++;                                                             \
        } else {                                                                         \
            check_failed_++;                                                             \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", __FILE__, \
                    __LINE__, #a, #b, check_a_, check_b_);                               \
        }                                                                                \
    } while (0)

#define CHECK_STR(a, b)                                                                    \
    do {                                                                                   \
        const char *check_a_ = (a), *check_b_ = (b);                                       \
        if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) {                     \
            check_passed_++;                                                               \
        } else {                                                                           \
            check_failed_++;                                                               \
            fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
                    check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");       \
        }                                                                                  \
    } while (0)

/* Stops the test at once: for a failure that makes the rest meaningless. */
#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                   \
        }                                                                              \
        check_passed_++;                                                               \
    } while (0)

static inline int check_done_named(const char *name)
{
    printf("%s: %u passed, %u failed\n", name, check_passed_, check_failed_);
    return check_failed_ ? 1 : 0;
}

#define check_done() check_done_named(__FILE__)

#endif
