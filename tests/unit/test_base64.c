/*
 * src/util/base64.h: RFC 4648's test vectors both ways, padding left out, what is refused,
 * and a round trip of every length up to 64 bytes of every byte value.
 */
#include <string.h>

#include "base64.h"
#include "check.h"

static const struct { const char *plain, *coded; } vectors[] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

static const char *const refused[] = {
    "Z", "Zg=", "Zg===", "Zm9v=", "Z=g=", "Zm 9v", "Zm9v\n", "Zm-v", "Zm_v", "Zm9vYg=a", "====",
    "Zm9v\xc3\xa9",
};

static bool decodes_to(const char *coded, const char *want, size_t want_len)
{
    unsigned char out[64];
    size_t len = 0;
    return base64_decode(coded, strlen(coded), out, &len) && len == want_len &&
           memcmp(out, want, len) == 0;
}

int main(void)
{
    char buf[128];
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        size_t n = base64_encode((const unsigned char *)vectors[i].plain,
                                 strlen(vectors[i].plain), buf);
        CHECK(n == strlen(vectors[i].coded) && memcmp(buf, vectors[i].coded, n) == 0);
        CHECK(decodes_to(vectors[i].coded, vectors[i].plain, strlen(vectors[i].plain)));
    }
    CHECK(decodes_to("Zg", "f", 1));      /* padding left out */
    CHECK(decodes_to("Zm8", "fo", 2));
    CHECK(decodes_to("Zm9vYg", "foob", 4));
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        unsigned char out[64];
        size_t len;
        if (base64_decode(refused[i], strlen(refused[i]), out, &len))
            fprintf(stderr, "accepted %s\n", refused[i]);
        CHECK(!base64_decode(refused[i], strlen(refused[i]), out, &len));
    }
    unsigned char in[64], back[64];
    for (size_t n = 0; n <= sizeof in; n++) {
        for (size_t i = 0; i < n; i++)
            in[i] = (unsigned char)(i * 37 + n * 11);
        size_t len = 0, k = base64_encode(in, n, buf);
        CHECK(k == BASE64_ENCODED_LEN(n));
        CHECK(base64_decode(buf, k, back, &len) && len == n && memcmp(in, back, n) == 0);
    }
    return check_done();
}
