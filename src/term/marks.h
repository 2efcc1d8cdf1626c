/*
 * Combining characters as libvterm 0.1.4 sees them (marks.c has the table and its origin).
 */
#ifndef BT_MARKS_H
#define BT_MARKS_H

#include <stdbool.h>
#include <stdint.h>

/* True when libvterm 0.1.4 joins cp to the glyph before it (width 0). */
bool marks_is_combining(uint32_t cp);

#endif
