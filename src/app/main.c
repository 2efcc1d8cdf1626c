/*
 * boundterm's entry point: the command line decides the mode, and main hands
 * over to it. A bad command line is reported in one line with exit status 2,
 * before anything starts.
 */
#include <stdio.h>
#include <sys/prctl.h>

#include "config.h"
#include "headless.h"
#include "instance.h"
#include "stress.h"
#include "term.h"
#ifdef BT_HAVE_WINDOW
#include "window.h"
#endif

int main(int argc, char **argv)
{
    struct bt_config_env env;
    struct bt_config cfg;
    char err[512];
    /*
     * The spill key lives only in this process's memory: no other process of the same user
     * may read it through /proc/PID/mem or ptrace, and no core dump may hold it. (The child
     * is dumpable again after its execve, as any program.)
     */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        perror("boundterm: prctl(PR_SET_DUMPABLE)");
    if (stress_requested(argc, argv)) /* takes its own flags, then parses the rest as usual */
        return stress_main(argc, argv);
    bt_config_env_from_process(&env);
    if (!bt_config_parse(&cfg, argc, argv, &env, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (cfg.print_config && cfg.mode != BT_MODE_HELP && cfg.mode != BT_MODE_VERSION) {
        bt_config_print(&cfg, stdout); /* the effective configuration; nothing starts */
        return fflush(stdout) == 0 ? 0 : 125;
    }
    switch (cfg.mode) {
    case BT_MODE_HELP:
        fputs(bt_config_help(), stdout);
        return 0;
    case BT_MODE_VERSION:
        printf("boundterm %s\n", bt_config_version());
#ifdef BT_HAVE_WINDOW
        printf("libvterm %s, %s, %s\n", term_vterm_version(), window_library_versions(),
               sb_library_versions());
#else
        printf("libvterm %s, %s (no window)\n", term_vterm_version(), sb_library_versions());
#endif
        return 0;
    case BT_MODE_WINDOW:
#ifdef BT_HAVE_WINDOW
    {
        int status;
        if (cfg.single_instance && instance_hand_off(&cfg, cfg.wait, &status))
            return status; /* the running boundterm opened the window */
        return window_run(&cfg);
    }
#else
        fprintf(stderr, "boundterm: this build has no window (SDL2, FreeType or fontconfig "
                        "was missing); run boundterm --headless -e PROGRAM\n");
        return 2;
#endif
    case BT_MODE_HEADLESS:
        break;
    }
    int cell_w = 0, cell_h = 0; /* what a window would have, for queries in pixels */
#ifdef BT_HAVE_WINDOW
    if (!window_cell_pixels(&cfg, &cell_w, &cell_h))
        cell_w = cell_h = 0;
#endif
    return headless_run(&cfg, cell_w, cell_h);
}
