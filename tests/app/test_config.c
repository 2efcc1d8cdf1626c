/*
 * config.c: tables of good and bad sizes and command lines, with the exact
 * one-line messages, plus the display-dependent default mode.
 */
#include "config.h"
#include "../unit/check.h"

#define K 1024ull
#define M (1024ull * K)
#define G (1024ull * M)
#define MIN_RAM (320 * K)

#define NOT_A_SIZE "is not a size (expected bytes with an optional K, M or G suffix)"

/* A store whose minimum does not depend on the budget. */
static uint64_t min_fixed(uint64_t ram_budget)
{
    return MIN_RAM;
}

/* Like the real store: a base plus a sliver of the budget (its arena chunks), capped. */
static uint64_t min_growing(uint64_t ram_budget)
{
    uint64_t chunk = ram_budget / 64 < 64 * K ? 64 * K : ram_budget / 64 > M ? M : ram_budget / 64;
    return 8 * M + 2 * chunk;
}

static const struct bt_config_env env_plain = {
    .xdg_runtime_dir = "/run/user/1000", .min_ram = min_fixed};

static void test_sizes(void)
{
    static const struct {
        const char *text;
        uint64_t value;
        const char *why; /* NULL: accepted */
    } cases[] = {
        {"0", 0, NULL},
        {"4096", 4096, NULL},
        {"4096B", 4096, NULL},
        {"64K", 64 * K, NULL},
        {"64k", 64 * K, NULL},
        {"64KiB", 64 * K, NULL},
        {"64M", 64 * M, NULL},
        {"64m", 64 * M, NULL},
        {"64MiB", 64 * M, NULL},
        {"64mib", 64 * M, NULL},
        {"1G", G, NULL},
        {"3GiB", 3 * G, NULL},
        {"2T", 2048 * G, NULL},
        {"18446744073709551615", UINT64_MAX, NULL},
        {"16777215T", 16777215ull << 40, NULL},
        {"", 0, NOT_A_SIZE},
        {"12Q", 0, NOT_A_SIZE},
        {"-5M", 0, NOT_A_SIZE},
        {"+5M", 0, NOT_A_SIZE},
        {" 5M", 0, NOT_A_SIZE},
        {"5M ", 0, NOT_A_SIZE},
        {"5 M", 0, NOT_A_SIZE},
        {"1.5G", 0, NOT_A_SIZE},
        {"M", 0, NOT_A_SIZE},
        {"5MM", 0, NOT_A_SIZE},
        {"5Mi", 0, NOT_A_SIZE},
        {"5b", 0, NOT_A_SIZE},
        {"0x10", 0, NOT_A_SIZE},
        {"64MB", 0, "is ambiguous (sizes are powers of 1024: write e.g. 64M or 64MiB)"},
        {"18446744073709551616", 0, "is too large"},
        {"99999999999999999999999", 0, "is too large"},
        {"16777216T", 0, "is too large"},
        {"17179869184G", 0, "is too large"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 12345;
        const char *why = bt_parse_size(cases[i].text, &v);
        if (cases[i].why) {
            CHECK_STR(why, cases[i].why);
            CHECK_EQ(v, 12345); /* untouched on failure */
        } else {
            CHECK_STR(why ? why : "ok", "ok");
            CHECK_EQ(v, cases[i].value);
        }
        if ((cases[i].why == NULL) != (why == NULL))
            fprintf(stderr, "  size case '%s'\n", cases[i].text);
    }
}

/* Counts argv entries. */
static int count(const char *const *argv)
{
    int n = 0;
    while (argv[n])
        n++;
    return n;
}

struct good {
    const char *args[16];
    enum bt_mode mode;
    int cols, rows;
    uint64_t ram, disk;
    const char *spill, *stats, *dump;
    int nprog; /* words after -e */
};

static void test_good_lines(void)
{
    static const struct good cases[] = {
        {{"--headless", "-e", "cat", NULL}, BT_MODE_HEADLESS, 80, 24, 64 * M, G,
         "/run/user/1000", NULL, NULL, 1},
        {{"-e", "cat", NULL}, BT_MODE_HEADLESS, 80, 24, 64 * M, G, "/run/user/1000", NULL, NULL,
         1},
        {{"--headless", "--size", "132x43", "--scrollback-ram", "32M", "--scrollback-disk", "0",
          "--stats", "s.json", "--dump-scrollback", "-", "-e", "od", "-cx", NULL},
         BT_MODE_HEADLESS, 132, 43, 32 * M, 0, "/run/user/1000", "s.json", "-", 2},
        {{"--headless", "--size=1x1", "--scrollback-ram=1G", "--scrollback-disk=10GiB",
          "--spill-dir=/tmp", "--stats=-", "--dump-scrollback=d.txt", "-e", "sh", "-c",
          "exit 3", NULL},
         BT_MODE_HEADLESS, 1, 1, G, 10 * G, "/tmp", "-", "d.txt", 3},
        {{"--scrollback-ram", "1M", "--scrollback-ram", "2M", "-e", "x", NULL}, BT_MODE_HEADLESS,
         80, 24, 2 * M, G, "/run/user/1000", NULL, NULL, 1},
        {{"--scrollback-ram", "320K", "-e", "x", NULL}, BT_MODE_HEADLESS, 80, 24, 320 * K, G,
         "/run/user/1000", NULL, NULL, 1},
        /* everything after -e belongs to the program, flags included */
        {{"-e", "prog", "--size", "bogus", "--help", "-e", NULL}, BT_MODE_HEADLESS, 80, 24,
         64 * M, G, "/run/user/1000", NULL, NULL, 5},
        {{"--size", "65535x256", "-e", "x", NULL}, BT_MODE_HEADLESS, 65535, 256, 64 * M, G,
         "/run/user/1000", NULL, NULL, 1},
        {{"--help", NULL}, BT_MODE_HELP, 80, 24, 64 * M, G, "/run/user/1000", NULL, NULL, 0},
        {{"-h", "--bogus", NULL}, BT_MODE_HELP, 80, 24, 64 * M, G, "/run/user/1000", NULL, NULL,
         0},
        {{"--version", NULL}, BT_MODE_VERSION, 80, 24, 64 * M, G, "/run/user/1000", NULL, NULL, 0},
        {{"-V", NULL}, BT_MODE_VERSION, 80, 24, 64 * M, G, "/run/user/1000", NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct good *c = &cases[i];
        const char *argv[18] = {"boundterm"};
        memcpy(argv + 1, c->args, sizeof(c->args));
        struct bt_config cfg;
        char err[256] = "";
        bool ok = bt_config_parse(&cfg, count(argv), (char *const *)argv, &env_plain, err,
                                  sizeof(err));
        CHECK_STR(ok ? "ok" : err, "ok");
        if (!ok)
            continue;
        CHECK_EQ(cfg.mode, c->mode);
        CHECK_EQ(cfg.cols, c->cols);
        CHECK_EQ(cfg.rows, c->rows);
        CHECK_EQ(cfg.scrollback_ram, c->ram);
        CHECK_EQ(cfg.scrollback_disk, c->disk);
        CHECK_STR(cfg.spill_dir, c->spill);
        CHECK_STR(cfg.stats_path ? cfg.stats_path : "(none)", c->stats ? c->stats : "(none)");
        CHECK_STR(cfg.dump_path ? cfg.dump_path : "(none)", c->dump ? c->dump : "(none)");
        CHECK_EQ(cfg.argv ? count(cfg.argv) : 0, c->nprog);
        if (c->nprog)
            CHECK(cfg.argv == (const char *const *)argv + count(argv) - c->nprog);
    }
}

static void test_bad_lines(void)
{
    static const struct {
        const char *args[8];
        const char *err;
    } cases[] = {
        {{"--headless", "--scrollback-ram", "12Q", "-e", "cat", NULL},
         "boundterm: --scrollback-ram: '12Q' " NOT_A_SIZE},
        {{"--scrollback-ram=-5M", "-e", "cat", NULL},
         "boundterm: --scrollback-ram: '-5M' " NOT_A_SIZE},
        {{"--scrollback-disk", "1.5G", "-e", "cat", NULL},
         "boundterm: --scrollback-disk: '1.5G' " NOT_A_SIZE},
        {{"--scrollback-disk", "99999999999999999999", "-e", "cat", NULL},
         "boundterm: --scrollback-disk: '99999999999999999999' is too large"},
        {{"--scrollback-ram", "64MB", "-e", "cat", NULL},
         "boundterm: --scrollback-ram: '64MB' is ambiguous (sizes are powers of 1024: write e.g. "
         "64M or 64MiB)"},
        {{"--scrollback-ram", "100K", "-e", "cat", NULL},
         "boundterm: --scrollback-ram: '100K' is below the minimum RAM budget of 320K (327680 "
         "bytes)"},
        {{"--scrollback-ram", "0", "-e", "cat", NULL},
         "boundterm: --scrollback-ram: '0' is below the minimum RAM budget of 320K (327680 "
         "bytes)"},
        {{"--scrollback-ram=", "-e", "cat", NULL}, "boundterm: --scrollback-ram needs a value"},
        {{"-e", "cat", "--scrollback-ram", NULL}, NULL}, /* fine: the flag is cat's */
        {{"--scrollback-ram", NULL}, "boundterm: --scrollback-ram needs a value"},
        {{"--size", "80", "-e", "cat", NULL},
         "boundterm: --size: '80' is not a screen size (expected COLSxROWS such as 80x24, each "
         "1-65535, at most 16777216 cells)"},
        {{"--size=0x24", "-e", "cat", NULL}, "boundterm: --size: '0x24' is not a screen size "
         "(expected COLSxROWS such as 80x24, each 1-65535, at most 16777216 cells)"},
        {{"--size=80x24x", "-e", "cat", NULL}, "boundterm: --size: '80x24x' is not a screen "
         "size (expected COLSxROWS such as 80x24, each 1-65535, at most 16777216 cells)"},
        {{"--size=65536x1", "-e", "cat", NULL}, "boundterm: --size: '65536x1' is not a screen "
         "size (expected COLSxROWS such as 80x24, each 1-65535, at most 16777216 cells)"},
        {{"--size=65535x65535", "-e", "cat", NULL}, "boundterm: --size: '65535x65535' is not a "
         "screen size (expected COLSxROWS such as 80x24, each 1-65535, at most 16777216 cells)"},
        {{"--size=80X24", "-e", "cat", NULL}, "boundterm: --size: '80X24' is not a screen size "
         "(expected COLSxROWS such as 80x24, each 1-65535, at most 16777216 cells)"},
        {{"--spill-dir", "/nonexistent/dir", "-e", "cat", NULL},
         "boundterm: --spill-dir: '/nonexistent/dir' is not a writable directory (No such file "
         "or directory)"},
        {{"--spill-dir", "/dev/null", "-e", "cat", NULL},
         "boundterm: --spill-dir: '/dev/null' is not a writable directory (not a directory)"},
        {{"--stats", "", "-e", "cat", NULL}, "boundterm: --stats needs a value"},
        {{"--dump-scrollback", NULL}, "boundterm: --dump-scrollback needs a value"},
        {{"--headless=yes", "-e", "cat", NULL}, "boundterm: --headless takes no value"},
        {{"--bogus", "-e", "cat", NULL}, "boundterm: unknown option '--bogus' (see boundterm "
         "--help)"},
        {{"--size-x=1", "-e", "cat", NULL}, "boundterm: unknown option '--size-x=1' (see "
         "boundterm --help)"},
        {{"cat", NULL}, "boundterm: unexpected argument 'cat' (the program goes after -e)"},
        {{"--headless", "-e", NULL}, "boundterm: -e needs a program to run"},
        {{"-e", "", NULL}, "boundterm: -e needs a program to run"},
        {{"--headless", NULL}, "boundterm: headless mode needs -e PROGRAM (see --help)"},
        {{NULL}, "boundterm: headless mode needs -e PROGRAM (see --help)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *argv[10] = {"boundterm"};
        memcpy(argv + 1, cases[i].args, sizeof(cases[i].args));
        struct bt_config cfg = {.cols = -7};
        char err[256] = "";
        bool ok = bt_config_parse(&cfg, count(argv), (char *const *)argv, &env_plain, err,
                                  sizeof(err));
        CHECK_STR(ok ? "(accepted)" : err, cases[i].err ? cases[i].err : "(accepted)");
        if (!ok)
            CHECK_EQ(cfg.cols, -7); /* nothing written on failure */
        CHECK(strchr(err, '\n') == NULL);
    }
}

/* Without --headless the display decides; the spill default follows $XDG_RUNTIME_DIR. */
static void test_env(void)
{
    static const struct {
        const char *xdg, *display, *wayland;
        enum bt_mode mode;
        const char *spill;
    } cases[] = {
        {NULL, NULL, NULL, BT_MODE_HEADLESS, "/tmp"},
        {"", "", "", BT_MODE_HEADLESS, "/tmp"},
        {"/run/user/7", ":0", NULL, BT_MODE_WINDOW, "/run/user/7"},
        {NULL, NULL, "wayland-0", BT_MODE_WINDOW, "/tmp"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bt_config_env env = {.xdg_runtime_dir = cases[i].xdg, .display = cases[i].display,
                                    .wayland_display = cases[i].wayland, .min_ram = min_fixed};
        const char *argv[] = {"boundterm", "-e", "x", NULL};
        const char *headless[] = {"boundterm", "--headless", "-e", "x", NULL};
        struct bt_config cfg;
        char err[256] = "";
        REQUIRE(bt_config_parse(&cfg, 3, (char *const *)argv, &env, err, sizeof(err)));
        CHECK_EQ(cfg.mode, cases[i].mode);
        CHECK_STR(cfg.spill_dir, cases[i].spill);
        REQUIRE(bt_config_parse(&cfg, 4, (char *const *)headless, &env, err, sizeof(err)));
        CHECK_EQ(cfg.mode, BT_MODE_HEADLESS);
    }
    /* With a display, no -e is fine: the window runs $SHELL. */
    struct bt_config_env env = {.display = ":0", .min_ram = min_fixed};
    const char *argv[] = {"boundterm", NULL};
    struct bt_config cfg;
    char err[256] = "";
    CHECK(bt_config_parse(&cfg, 1, (char *const *)argv, &env, err, sizeof(err)));
    CHECK(cfg.argv == NULL);
}

/* The process's switches of the window, read where everything else of the environment is. */
static void test_env_from_process(void)
{
    static const struct {
        const char *value;
        bool off;
        int keys;
    } cases[] = {{NULL, false, -1}, {"0", true, 0}, {"1", false, 1}, {"yes", false, -1},
                 {"", false, -1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        static const char *const vars[] = {"BOUNDTERM_XSHM", "BOUNDTERM_SHORT_SLICE",
                                           "BOUNDTERM_X11_KEYS"};
        for (size_t v = 0; v < 3; v++)
            if (cases[i].value)
                setenv(vars[v], cases[i].value, 1);
            else
                unsetenv(vars[v]);
        struct bt_config_env env;
        bt_config_env_from_process(&env);
        CHECK_EQ(env.xshm_off, cases[i].off);
        CHECK_EQ(env.short_slice_off, cases[i].off);
        CHECK_EQ(env.x11_keys, cases[i].keys);
    }
    setenv("XMODIFIERS", "@im=ibus", 1);
    setenv("SDL_IM_MODULE", "fcitx", 1);
    setenv("IBUS_ADDRESS", "unix:path=/x", 1);
    setenv("SDL_VIDEODRIVER", "x11", 1);
    struct bt_config_env env;
    bt_config_env_from_process(&env);
    CHECK_STR(env.xmodifiers, "@im=ibus");
    CHECK_STR(env.sdl_im_module, "fcitx");
    CHECK_STR(env.ibus_address, "unix:path=/x");
    CHECK_STR(env.sdl_videodriver, "x11");
    static const char *const im[] = {"XMODIFIERS", "SDL_IM_MODULE", "IBUS_ADDRESS",
                                     "SDL_VIDEODRIVER", "BOUNDTERM_XSHM",
                                     "BOUNDTERM_SHORT_SLICE", "BOUNDTERM_X11_KEYS"};
    for (size_t v = 0; v < sizeof(im) / sizeof(im[0]); v++)
        unsetenv(im[v]);
    bt_config_env_from_process(&env);
    CHECK(env.xmodifiers == NULL && env.sdl_im_module == NULL && env.ibus_address == NULL &&
          env.sdl_videodriver == NULL);
}

/* Every flag of the table appears in --help, and a message is cut safely when err is small. */
static void test_help_and_truncation(void)
{
    const char *help = bt_config_help();
    static const char *const names[] = {"--headless", "--size", "--scrollback-ram",
                                        "--scrollback-disk", "--spill-dir", "--stats",
                                        "--dump-scrollback", "-e", "--help", "--version"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        CHECK(strstr(help, names[i]) != NULL);
    CHECK(strlen(bt_config_version()) > 0);
    const char *argv[] = {"boundterm", "--scrollback-ram", "12Q", NULL};
    struct bt_config cfg;
    char err[16];
    CHECK(!bt_config_parse(&cfg, 3, (char *const *)argv, &env_plain, err, sizeof(err)));
    CHECK_STR(err, "boundterm: --sc");
}

/* The minimum reported is the smallest budget accepted, even when it grows with the budget. */
static void test_min_ram_fixed_point(void)
{
    struct bt_config_env env = {.min_ram = min_growing};
    uint64_t min = bt_config_min_ram(&env);
    CHECK(min >= min_growing(min));
    CHECK(min - 1 < min_growing(min - 1));
    char small[32], exact[32], err[256];
    snprintf(small, sizeof(small), "%llu", (unsigned long long)min - 1);
    snprintf(exact, sizeof(exact), "%llu", (unsigned long long)min);
    const char *bad[] = {"boundterm", "--scrollback-ram", small, "-e", "x", NULL};
    const char *good[] = {"boundterm", "--scrollback-ram", exact, "-e", "x", NULL};
    struct bt_config cfg;
    CHECK(!bt_config_parse(&cfg, 5, (char *const *)bad, &env, err, sizeof(err)));
    CHECK(strstr(err, exact) != NULL);
    CHECK(bt_config_parse(&cfg, 5, (char *const *)good, &env, err, sizeof(err)));
    CHECK_EQ(cfg.scrollback_ram, min);
}

int main(void)
{
    test_min_ram_fixed_point();
    test_sizes();
    test_good_lines();
    test_bad_lines();
    test_env();
    test_env_from_process();
    test_help_and_truncation();
    return check_done();
}
