/* The versions of the libraries the store runs with, for boundterm --version. */
#include <lz4.h>
#include <lzma.h>
#include <sodium.h>
#include <stdio.h>
#include <zstd.h>

#include "boundterm/scrollback.h"

const char *sb_library_versions(void)
{
    static char buf[160];
    snprintf(buf, sizeof buf, "zstd %s, lz4 %s, xz %s, libsodium %s", ZSTD_versionString(),
             LZ4_versionString(), lzma_version_string(), sodium_version_string());
    return buf;
}
