/* Saving the history to a file (Ctrl+Shift+S, window_internal.h): the name from save_path,
 * a temporary file renamed when complete, written in slices between frames. */
#include "window_internal.h"

/* The file name a save goes to now: the save_path pattern through strftime(3). */
static bool save_name(struct win *w, char *out, size_t cap)
{
    const char *home = w->cfg->env ? w->cfg->env->home : NULL;
    char pattern[BT_PATH_BYTES + 64];
    if (w->cfg->save_path[0])
        snprintf(pattern, sizeof pattern, "%s", w->cfg->save_path);
    else
        snprintf(pattern, sizeof pattern, "%s/boundterm-%%Y%%m%%d-%%H%%M%%S.txt",
                 home && *home ? home : "/tmp");
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return false;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* the pattern is the user's, on purpose */
    size_t n = strftime(out, cap, pattern, &tm);
#pragma GCC diagnostic pop
    return n > 0;
}

/* Opens a temporary file next to path (mode 0600), for a rename when complete. */
static FILE *save_tmp(const char *path, char *tmp, size_t cap)
{
    const char *slash = strrchr(path, '/');
    int dir = slash ? (int)(slash - path + 1) : 0;
    if (snprintf(tmp, cap, "%.*s.%s.XXXXXX", dir, path, path + dir) >= (int)cap)
        return NULL;
    int fd = mkstemp(tmp); /* 0600 */
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !f) {
        close(fd);
        unlink(tmp);
    }
    if (f)
        setvbuf(f, NULL, _IOFBF, 1u << 20);
    return f;
}

/* Ctrl+Shift+S: starts saving the history; it is written in slices between frames. */
void save_start(struct win *w)
{
    char err[sizeof w->msg + 64];
    if (w->exp) {
        message(w, "a save is already running");
        return;
    }
    if (!save_name(w, w->exp_path, sizeof w->exp_path)) {
        message(w, "save: the save_path pattern gives no file name");
        return;
    }
    w->exp_file = save_tmp(w->exp_path, w->exp_tmp, sizeof w->exp_tmp);
    if (!w->exp_file) {
        snprintf(err, sizeof err, "save: cannot create a file next to %s: %s", w->exp_path,
                 strerror(errno));
        message(w, err);
        return;
    }
    w->exp = export_create(session_store(w->s), session_term(w->s), w->exp_file,
                           w->cfg->dump_ansi, err, sizeof err);
    if (!w->exp) {
        fclose(w->exp_file);
        unlink(w->exp_tmp);
        message(w, err);
    }
}

/* Ends a save: the temporary file renamed into place, or removed; the outcome as a message. */
static void save_finish(struct win *w, enum export_state st)
{
    struct export_progress p;
    char text[sizeof w->msg];
    export_progress(w->exp, &p);
    bool ok = st == EXPORT_DONE && fclose(w->exp_file) == 0;
    if (st != EXPORT_DONE)
        fclose(w->exp_file);
    if (ok && rename(w->exp_tmp, w->exp_path) == 0) {
        int n = snprintf(text, sizeof text, "saved %" PRIu64 " rows to %s",
                         p.rows_written + p.screen_rows, w->exp_path);
        if (p.rows_skipped && n > 0 && (size_t)n < sizeof text)
            snprintf(text + n, sizeof text - (size_t)n, " (%" PRIu64 " older rows were dropped "
                     "while saving)", p.rows_skipped);
        w->saves++;
    } else {
        snprintf(text, sizeof text, "save to %s failed: %s", w->exp_path,
                 st == EXPORT_DONE ? strerror(errno) : export_error(w->exp));
        unlink(w->exp_tmp);
    }
    fprintf(stderr, "boundterm: %s\n", text);
    message(w, text);
    export_destroy(w->exp);
    w->exp = NULL;
    w->exp_file = NULL;
}

/* One slice of a save between frames; true while it has more to do. */
bool save_tick(struct win *w)
{
    if (!w->exp)
        return false;
    enum export_state st = export_step(w->exp, 0, SLICE_NS);
    if (st == EXPORT_RUNNING)
        return true;
    save_finish(w, st);
    return false;
}
