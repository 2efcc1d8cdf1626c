/*
 * The window's pixels on X11 through MIT-SHM, with no round trip a frame.
 *
 * SDL's window surface sends a frame with XShmPutImage and then waits for the server
 * (XSync), so that the next frame does not write pixels the server is still reading: a
 * round trip and a wake-up every frame, and for a typed key one more than the key and its
 * echo. Here the frame is sent and flushed, and the wait moves to the next frame, which
 * waits only when nothing from the server since has said it is done: any event carries the
 * number of the last request the server processed, so while someone types, the next key's
 * event already says so.
 *
 * Only for a local display with MIT-SHM and a 32-bit xRGB visual in the host's byte order;
 * xshm_create() returns NULL otherwise, and the window uses SDL's surface (as it does
 * with BOUNDTERM_XSHM=0, when it does not ask).
 */
#ifndef BT_XSHM_H
#define BT_XSHM_H

#include <stdbool.h>

#include <SDL.h>

struct xshm;

/* The shared image for win (NULL: not X11, no MIT-SHM, another visual, or turned off). */
struct xshm *xshm_create(SDL_Window *win);
void xshm_destroy(struct xshm *x);

/*
 * A surface over the shared pixels, w x h, to draw the next frame into; NULL when they
 * cannot be had (the caller falls back to SDL's surface). A new surface (another size) holds
 * nothing of the last frame. Waits first until the server is done with the last frame's.
 */
SDL_Surface *xshm_surface(struct xshm *x, int w, int h);

/* Sends rectangles of the surface to the window, with one flush and no wait. */
void xshm_put(struct xshm *x, const SDL_Rect *rects, int n);

/* The frames that still waited for the server to finish with the last (for --stats). */
unsigned long xshm_waits(const struct xshm *x);

#endif
