/* spy_curses.h - the one place that picks the curses library.
 *
 * ncurses everywhere but Windows, PDCurses there. Every file of src/tui/
 * that draws includes this header and nothing else curses-related, and
 * keeps to the subset both libraries provide; the few differences are
 * papered over here. */
#ifndef SPY_CURSES_H
#define SPY_CURSES_H

#ifdef _WIN32
/* PDCurses: ask for the ncurses-compatible mouse interface (getmouse). */
#define NCURSES_MOUSE_VERSION 2
#include <curses.h>
#define SPY_PDCURSES 1
#else
#include <ncurses.h>
#define SPY_PDCURSES 0
#endif

/* Wheel "buttons": button 4 is always there, button 5 only with the newer
 * mouse protocol. Zero where the library lacks them. */
#ifdef BUTTON4_PRESSED
#define SPY_WHEEL_UP BUTTON4_PRESSED
#else
#define SPY_WHEEL_UP 0
#endif
#ifdef BUTTON5_PRESSED
#define SPY_WHEEL_DOWN BUTTON5_PRESSED
#else
#define SPY_WHEEL_DOWN 0
#endif

/* After KEY_RESIZE, PDCurses wants to be told to adopt the new size;
 * ncurses has already done so. */
#if SPY_PDCURSES
#define SPY_CURSES_RESIZED() resize_term(0, 0)
#else
#define SPY_CURSES_RESIZED() ((void)0)
#endif

#endif
