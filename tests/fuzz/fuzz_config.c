/*
 * Fuzz target for the config file parser: arbitrary bytes as the text of a
 * config file, applied over the defaults. The parser must accept or refuse
 * with one line of text (no newline, NUL-terminated inside the buffer), never
 * read out of bounds; what it accepts must print and read back the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A store minimum that does not depend on the budget, so no store code runs. */
static uint64_t min_fixed(uint64_t ram_budget)
{
    return 320u << 10;
}

static const struct bt_config_env env = {.xdg_runtime_dir = "/tmp", .home = "/nonexistent",
                                         .shell = "/bin/sh", .min_ram = min_fixed};

/* Prints cfg into a malloc'd string (without the first, comment, line). */
static char *print(const struct bt_config *cfg)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        abort();
    bt_config_print(cfg, f);
    fclose(f);
    char *body = strdup(strchr(out, '\n') + 1);
    free(out);
    return body;
}

/* Blanks out the "  # from ..." origins, which differ between the two prints. */
static void strip_origins(char *s)
{
    for (char *p = s; (p = strstr(p, "  # from ")) != NULL;) {
        char *nl = strchr(p, '\n');
        memmove(p, nl, strlen(nl) + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy, so that reads past the end hit ASan's redzone. */
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    struct bt_config *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    char err[512];
    memset(err, 'x', sizeof(err));
    bt_config_defaults(a, &env);
    if (!bt_config_apply_text(a, "f.conf", text, size, err, sizeof(err))) {
        if (!memchr(err, '\0', sizeof(err)) || strchr(err, '\n') ||
            strncmp(err, "boundterm: ", 11) != 0)
            abort(); /* an error must be one line */
    } else {
        char *first = print(a);
        bt_config_defaults(b, &env);
        if (!bt_config_apply_text(b, "g.conf", first, strlen(first), err, sizeof(err)))
            abort(); /* what --print-config writes must read back */
        char *second = print(b);
        strip_origins(first);
        strip_origins(second);
        if (strcmp(first, second) != 0)
            abort();
        free(first);
        free(second);
    }
    free(a);
    free(b);
    free(text);
    return 0;
}
