/*
 * Sends key presses and releases with XTEST in one write to the X server, so that the
 * window reads them together (xdotool flushes each event on its own). keys.sh uses it for
 * orders a person makes only now and then: Shift released before the letter it shifted.
 *
 * usage: xtest_burst [+KEYSYM | -KEYSYM]...  (+ presses, - releases; "+shift_L -shift_L")
 */
#include <stdio.h>
#include <string.h>

#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>

int main(int argc, char **argv)
{
    Display *d = argc > 1 ? XOpenDisplay(NULL) : NULL;
    if (!d) {
        fprintf(stderr, "usage: xtest_burst [+KEYSYM | -KEYSYM]... (with $DISPLAY set)\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        KeySym ks = strlen(argv[i]) > 1 ? XStringToKeysym(argv[i] + 1) : NoSymbol;
        KeyCode code = ks != NoSymbol ? XKeysymToKeycode(d, ks) : 0;
        if (!code || (argv[i][0] != '+' && argv[i][0] != '-')) {
            fprintf(stderr, "xtest_burst: %s: not +KEYSYM or -KEYSYM of a key here\n", argv[i]);
            XCloseDisplay(d);
            return 2;
        }
        XTestFakeKeyEvent(d, code, argv[i][0] == '+', CurrentTime);
    }
    XSync(d, False);
    XCloseDisplay(d);
    return 0;
}
