/*
 * Input towards the program: keys, typed characters, mouse, bracketed paste and
 * focus, all through libvterm's keyboard and mouse API, so the bytes follow the
 * modes the program set (application cursor keys, mouse protocol, paste brackets).
 * The bytes leave through the engine's output callback, like answers to queries.
 *
 * Mouse mode: libvterm reports it only through the settermprop callback, which
 * the grid owns. term_input_init() puts a small watch between VTermState and the
 * grid: it forwards every state callback to the grid unchanged and remembers
 * VTERM_PROP_MOUSE on the way. The watch is the state's callback data, which is
 * how the functions below find it again.
 */
#include "term.h"

#include <stdio.h>
#include <stdlib.h>

#include <vterm.h>

_Static_assert(TERM_KEY_PAGEDOWN == (int)VTERM_KEY_PAGEDOWN, "term_key mirrors VTermKey");
_Static_assert(TERM_KEY_FUNCTION_0 == (int)VTERM_KEY_FUNCTION_0, "term_key mirrors VTermKey");
_Static_assert(TERM_KEY_KP_0 == (int)VTERM_KEY_KP_0, "term_key mirrors VTermKey");
_Static_assert(TERM_MOD_CTRL == (int)VTERM_MOD_CTRL, "term mods mirror VTermModifier");

#define WATCH_MAGIC 0x6d6f7573u /* "mous" */

/* Sits between VTermState and the grid; see the top of the file. */
struct watch {
    uint32_t magic;
    const VTermStateCallbacks *inner;
    void *inner_user;
    int mouse;
};

/* The watch installed on t's state, or NULL before term_input_init(). */
static struct watch *watch_of(const struct term *t)
{
    VTermState *st = vterm_obtain_state(term_vterm((struct term *)t));
    struct watch *w = vterm_state_get_cbdata(st);
    return w && w->magic == WATCH_MAGIC ? w : NULL;
}

static int w_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
    struct watch *w = user;
    return w->inner->putglyph(info, pos, w->inner_user);
}

static int w_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
    struct watch *w = user;
    return w->inner->movecursor(pos, oldpos, visible, w->inner_user);
}

static int w_scrollrect(VTermRect rect, int downward, int rightward, void *user)
{
    struct watch *w = user;
    return w->inner->scrollrect(rect, downward, rightward, w->inner_user);
}

static int w_moverect(VTermRect dest, VTermRect src, void *user)
{
    struct watch *w = user;
    return w->inner->moverect(dest, src, w->inner_user);
}

static int w_erase(VTermRect rect, int selective, void *user)
{
    struct watch *w = user;
    return w->inner->erase(rect, selective, w->inner_user);
}

static int w_initpen(void *user)
{
    struct watch *w = user;
    return w->inner->initpen(w->inner_user);
}

static int w_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
    struct watch *w = user;
    return w->inner->setpenattr(attr, val, w->inner_user);
}

/* The one callback the watch looks at: the mouse mode, then on to the grid. */
static int w_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    struct watch *w = user;
    if (prop == VTERM_PROP_MOUSE)
        w->mouse = val->number;
    return w->inner->settermprop(prop, val, w->inner_user);
}

static int w_bell(void *user)
{
    struct watch *w = user;
    return w->inner->bell(w->inner_user);
}

static int w_resize(int rows, int cols, VTermPos *delta, void *user)
{
    struct watch *w = user;
    return w->inner->resize(rows, cols, delta, w->inner_user);
}

static int w_setlineinfo(int row, const VTermLineInfo *newinfo, const VTermLineInfo *oldinfo,
                         void *user)
{
    struct watch *w = user;
    return w->inner->setlineinfo(row, newinfo, oldinfo, w->inner_user);
}

/* Builds the forwarding table: only the callbacks the grid has are forwarded. */
static void watch_table(const VTermStateCallbacks *in, VTermStateCallbacks *out)
{
    *out = (VTermStateCallbacks){
        .putglyph = in->putglyph ? w_putglyph : NULL,
        .movecursor = in->movecursor ? w_movecursor : NULL,
        .scrollrect = in->scrollrect ? w_scrollrect : NULL,
        .moverect = in->moverect ? w_moverect : NULL,
        .erase = in->erase ? w_erase : NULL,
        .initpen = in->initpen ? w_initpen : NULL,
        .setpenattr = in->setpenattr ? w_setpenattr : NULL,
        .settermprop = in->settermprop ? w_settermprop : NULL,
        .bell = in->bell ? w_bell : NULL,
        .resize = in->resize ? w_resize : NULL,
        .setlineinfo = in->setlineinfo ? w_setlineinfo : NULL,
    };
}

/* The watch and its callback table in one allocation. */
struct watch_block {
    struct watch w;
    VTermStateCallbacks table;
};

/* The grid's callbacks, which term_create() installed on the state. */
const VTermStateCallbacks *grid_state_callbacks(void);

bool term_input_init(struct term *t)
{
    if (watch_of(t))
        return true;
    VTermState *st = vterm_obtain_state(term_vterm(t));
    struct watch_block *b = calloc(1, sizeof *b);
    if (!b) {
        fprintf(stderr, "term: out of memory for the input watch\n");
        return false;
    }
    b->w = (struct watch){.magic = WATCH_MAGIC, .inner = grid_state_callbacks(),
                          .inner_user = vterm_state_get_cbdata(st)};
    watch_table(b->w.inner, &b->table);
    vterm_state_set_callbacks(st, &b->table, &b->w);
    return true;
}

void term_input_fini(struct term *t)
{
    struct watch *w = watch_of(t);
    if (!w)
        return;
    VTermState *st = vterm_obtain_state(term_vterm(t));
    vterm_state_set_callbacks(st, w->inner, w->inner_user);
    w->magic = 0;
    free(w); /* the first member of its block */
}

void term_keyboard_key(struct term *t, enum term_key key, unsigned mods)
{
    vterm_keyboard_key(term_vterm(t), (VTermKey)key, (VTermModifier)mods);
}

void term_keyboard_unichar(struct term *t, uint32_t c, unsigned mods)
{
    vterm_keyboard_unichar(term_vterm(t), c, (VTermModifier)mods);
}

int term_mouse_mode(const struct term *t)
{
    const struct watch *w = watch_of(t);
    return w ? w->mouse : TERM_MOUSE_NONE;
}

void term_mouse_move(struct term *t, int row, int col, unsigned mods)
{
    vterm_mouse_move(term_vterm(t), row, col, (VTermModifier)mods);
}

void term_mouse_button(struct term *t, int button, bool pressed, unsigned mods)
{
    vterm_mouse_button(term_vterm(t), button, pressed, (VTermModifier)mods);
}

void term_paste_start(struct term *t)
{
    vterm_keyboard_start_paste(term_vterm(t));
}

void term_paste_end(struct term *t)
{
    vterm_keyboard_end_paste(term_vterm(t));
}

void term_focus(struct term *t, bool focused)
{
    VTermState *st = vterm_obtain_state(term_vterm(t));
    if (focused)
        vterm_state_focus_in(st);
    else
        vterm_state_focus_out(st);
}
