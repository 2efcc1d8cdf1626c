/*
 * The window's pixels on X11 through MIT-SHM, with no round trip a frame (xshm.h).
 */
#include "xshm.h"
#include "xkeys.h"

#include <stdlib.h>
#include <string.h>

#if defined(BT_HAVE_XSHM)

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <sys/ipc.h>
#include <sys/shm.h>

struct xshm {
    Display *dpy;
    Window xid;
    Visual *visual;
    int depth;
    GC gc;
    XShmSegmentInfo seg;
    XImage *img;            /* NULL until the first surface, and after a failure */
    SDL_Surface *surf;      /* over img's pixels */
    unsigned long last_put; /* the request number of the last frame's last put; 0: none */
    unsigned long waits;    /* frames that waited for the server (wait_done) */
};

/* XShmAttach's error (a display that cannot reach our memory) comes back asynchronously. */
static bool attach_failed;

static int note_attach_error(Display *dpy, XErrorEvent *e)
{
    (void)dpy;
    (void)e;
    attach_failed = true;
    return 0;
}

/* True for a visual whose 32-bit pixels are SDL's xRGB8888 in this host's byte order. */
static bool visual_fits(const Visual *v, int depth)
{
    return (depth == 24 || depth == 32) && v->red_mask == 0xff0000 &&
           v->green_mask == 0xff00 && v->blue_mask == 0xff;
}

struct xshm *xshm_create(SDL_Window *win)
{
    Display *dpy;
    Window xid;
    XWindowAttributes wa;
    if (!x11_window_of(win, &dpy, &xid) || !XShmQueryExtension(dpy) ||
        !XGetWindowAttributes(dpy, xid, &wa) || !visual_fits(wa.visual, wa.depth))
        return NULL;
    struct xshm *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->dpy = dpy;
    x->xid = xid;
    x->visual = wa.visual;
    x->depth = wa.depth;
    x->gc = XCreateGC(dpy, xid, 0, NULL);
    x->seg.shmid = -1;
    return x;
}

/* Until the server is done with the pixels last sent: at once when an event said so. */
static void wait_done(struct xshm *x)
{
    if (!x->last_put)
        return;
    if ((long)(LastKnownRequestProcessed(x->dpy) - x->last_put) < 0) {
        XSync(x->dpy, False);
        x->waits++;
    }
    x->last_put = 0;
}

static void image_close(struct xshm *x)
{
    if (!x->img)
        return;
    wait_done(x);
    XShmDetach(x->dpy, &x->seg);
    XSync(x->dpy, False); /* detached before the memory goes */
    shmdt(x->seg.shmaddr);
    x->img->data = NULL;
    XDestroyImage(x->img);
    x->img = NULL;
    SDL_FreeSurface(x->surf);
    x->surf = NULL;
}

/* The segment for img, attached by the server; false (nothing left) when it cannot be. */
static bool segment_attach(struct xshm *x, XImage *img)
{
    x->seg.shmid = shmget(IPC_PRIVATE, (size_t)img->bytes_per_line * (size_t)img->height,
                          IPC_CREAT | 0600);
    if (x->seg.shmid < 0)
        return false;
    x->seg.shmaddr = img->data = shmat(x->seg.shmid, NULL, 0);
    x->seg.readOnly = False;
    bool ok = x->seg.shmaddr != (char *)-1;
    if (ok) {
        XSync(x->dpy, False); /* errors of earlier requests are not the attach's */
        attach_failed = false;
        XErrorHandler old = XSetErrorHandler(note_attach_error);
        ok = XShmAttach(x->dpy, &x->seg);
        XSync(x->dpy, False);
        XSetErrorHandler(old);
        ok = ok && !attach_failed;
        if (!ok)
            shmdt(x->seg.shmaddr);
    }
    shmctl(x->seg.shmid, IPC_RMID, NULL); /* freed when the last one detaches */
    img->data = NULL;
    return ok;
}

static bool image_open(struct xshm *x, int w, int h)
{
    XImage *img = XShmCreateImage(x->dpy, x->visual, (unsigned)x->depth, ZPixmap, NULL, &x->seg,
                                  (unsigned)w, (unsigned)h);
    const int host_lsb = SDL_BYTEORDER == SDL_LIL_ENDIAN ? LSBFirst : MSBFirst;
    if (!img || img->bits_per_pixel != 32 || img->byte_order != host_lsb ||
        !segment_attach(x, img)) {
        if (img)
            XDestroyImage(img);
        return false;
    }
    img->data = x->seg.shmaddr;
    x->img = img;
    x->surf = SDL_CreateRGBSurfaceWithFormatFrom(img->data, w, h, 32, img->bytes_per_line,
                                                 SDL_PIXELFORMAT_RGB888);
    if (!x->surf) {
        image_close(x);
        return false;
    }
    return true;
}

SDL_Surface *xshm_surface(struct xshm *x, int w, int h)
{
    if (w <= 0 || h <= 0)
        return NULL;
    if (x->img && (x->img->width != w || x->img->height != h))
        image_close(x);
    if (!x->img && !image_open(x, w, h))
        return NULL;
    wait_done(x);
    return x->surf;
}

void xshm_put(struct xshm *x, const SDL_Rect *rects, int n)
{
    if (!x->img || n <= 0)
        return;
    for (int i = 0; i < n; i++)
        XShmPutImage(x->dpy, x->xid, x->gc, x->img, rects[i].x, rects[i].y, rects[i].x,
                     rects[i].y, (unsigned)rects[i].w, (unsigned)rects[i].h, False);
    x->last_put = NextRequest(x->dpy) - 1;
    XFlush(x->dpy);
}

unsigned long xshm_waits(const struct xshm *x)
{
    return x->waits;
}

void xshm_destroy(struct xshm *x)
{
    if (!x)
        return;
    image_close(x);
    XFreeGC(x->dpy, x->gc);
    free(x);
}

#else /* without Xlib and XShm: SDL's surface */

struct xshm *xshm_create(SDL_Window *win)
{
    (void)win;
    return NULL;
}

void xshm_destroy(struct xshm *x)
{
    (void)x;
}

SDL_Surface *xshm_surface(struct xshm *x, int w, int h)
{
    (void)x;
    (void)w;
    (void)h;
    return NULL;
}

void xshm_put(struct xshm *x, const SDL_Rect *rects, int n)
{
    (void)x;
    (void)rects;
    (void)n;
}

unsigned long xshm_waits(const struct xshm *x)
{
    (void)x;
    return 0;
}

#endif
