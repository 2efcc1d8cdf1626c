/*
 * typing_latency: keystroke to changed pixels, as a person typing into a terminal sees it.
 *
 * usage: typing_latency WINDOW_ID [KEYS [HEIGHT [LOG]]]
 *
 * Sends KEYS (default 100) key presses with XTEST, one at a time with a pause between them
 * (an idle terminal), and after each polls the window's top HEIGHT pixels (default 64) with
 * XGetImage until they change: the program inside must echo what it reads (bench/
 * typing_latency.sh runs `stty raw -echo; exec cat`). Prints the median and p95; with LOG,
 * appends each key's latency in ms to that file, one a line in the order typed. Keys that
 * changed nothing within a second count as lost.
 */
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The window's top rows as a malloc'd copy of their pixels; NULL on failure. */
static char *grab(Display *d, Window w, unsigned width, unsigned height, size_t *len)
{
    XImage *im = XGetImage(d, w, 0, 0, width, height, AllPlanes, ZPixmap);
    if (!im)
        return NULL;
    *len = (size_t)im->bytes_per_line * (size_t)im->height;
    char *copy = malloc(*len);
    if (copy)
        memcpy(copy, im->data, *len);
    XDestroyImage(im);
    return copy;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: typing_latency WINDOW_ID [KEYS [HEIGHT [LOG]]]\n");
        return 2;
    }
    Window w = (Window)strtoul(argv[1], NULL, 0);
    int keys = argc > 2 ? atoi(argv[2]) : 100;
    unsigned height = argc > 3 ? (unsigned)atoi(argv[3]) : 64;
    Display *d = XOpenDisplay(NULL);
    if (!d) {
        fprintf(stderr, "typing_latency: no display\n");
        return 1;
    }
    XWindowAttributes wa;
    if (!XGetWindowAttributes(d, w, &wa)) {
        fprintf(stderr, "typing_latency: no window %s\n", argv[1]);
        return 1;
    }
    unsigned width = (unsigned)wa.width;
    height = height < (unsigned)wa.height ? height : (unsigned)wa.height;
    static const KeySym letters[] = {XK_a, XK_s, XK_d, XK_f, XK_j, XK_k, XK_l, XK_e};
    double *lat = calloc((size_t)keys, sizeof *lat);
    int got = 0, lost = 0;
    for (int k = 0; k < keys; k++) {
        size_t len0, len;
        char *before = grab(d, w, width, height, &len0);
        KeyCode code = XKeysymToKeycode(d, letters[k % 8]);
        double t0 = now_ms();
        XTestFakeKeyEvent(d, code, True, 0);
        XTestFakeKeyEvent(d, code, False, 0);
        XFlush(d);
        bool changed = false;
        while (!changed && now_ms() - t0 < 1000) {
            char *after = grab(d, w, width, height, &len);
            changed = before && after && (len != len0 || memcmp(before, after, len) != 0);
            free(after);
        }
        if (changed)
            lat[got++] = now_ms() - t0;
        else
            lost++;
        free(before);
        usleep(60 * 1000); /* let the terminal go idle again */
    }
    FILE *log = argc > 4 ? fopen(argv[4], "a") : NULL;
    if (argc > 4 && !log)
        fprintf(stderr, "typing_latency: %s: cannot append to it\n", argv[4]);
    for (int i = 0; log && i < got; i++)
        fprintf(log, "%.3f\n", lat[i]);
    if (log && fclose(log) != 0)
        fprintf(stderr, "typing_latency: %s: not written\n", argv[4]);
    qsort(lat, (size_t)got, sizeof *lat, cmp);
    if (got)
        printf("keys %d, lost %d, median %.2f ms, p95 %.2f ms, min %.2f, max %.2f\n", got, lost,
               lat[got / 2], lat[got * 95 / 100], lat[0], lat[got - 1]);
    else
        printf("keys 0, lost %d\n", lost);
    XCloseDisplay(d);
    free(lat);
    return got ? 0 : 1;
}
