/*
 * Asks an X window to close as a window manager does (WM_PROTOCOLS / WM_DELETE_WINDOW),
 * for session.sh: the X server has no window manager there, and xdotool's windowclose
 * destroys the window instead of asking. usage: wm_close WINDOW_ID
 */
#include <stdio.h>
#include <stdlib.h>

#include <X11/Xlib.h>

int main(int argc, char **argv)
{
    Display *d = argc == 2 ? XOpenDisplay(NULL) : NULL;
    if (!d) {
        fprintf(stderr, "usage: wm_close WINDOW_ID (with $DISPLAY set)\n");
        return 2;
    }
    Window w = (Window)strtoul(argv[1], NULL, 0);
    XEvent e = {0};
    e.xclient.type = ClientMessage;
    e.xclient.window = w;
    e.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
    e.xclient.format = 32;
    e.xclient.data.l[0] = (long)XInternAtom(d, "WM_DELETE_WINDOW", False);
    e.xclient.data.l[1] = CurrentTime;
    Status ok = XSendEvent(d, w, False, NoEventMask, &e);
    XCloseDisplay(d);
    return ok ? 0 : 1;
}
