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

/* Keys as the TUI knows them. PDCurses reports the numeric keypad by its
 * own codes (KEY_A1..KEY_C3 with Num Lock off, PADENTER, PADSLASH...), and
 * so does it for the arrow keys under Wine's console, which sends them
 * without the "enhanced key" flag. ncurses: unchanged. */
#if SPY_PDCURSES
static inline int spy__curses_key(int ch) {
    switch (ch) {
    case KEY_A1:
        return KEY_HOME;
    case KEY_A2:
        return KEY_UP;
    case KEY_A3:
        return KEY_PPAGE;
    case KEY_B1:
        return KEY_LEFT;
    case KEY_B3:
        return KEY_RIGHT;
    case KEY_C1:
        return KEY_END;
    case KEY_C2:
        return KEY_DOWN;
    case KEY_C3:
        return KEY_NPAGE;
    case PADENTER:
        return '\n';
    case PADSLASH:
        return '/';
    case PADSTAR:
        return '*';
    case PADMINUS:
        return '-';
    case PADPLUS:
        return '+';
    default:
        return ch;
    }
}
#define SPY_CURSES_KEY(ch) spy__curses_key(ch)
#else
#define SPY_CURSES_KEY(ch) (ch)
#endif

/* Home and End as terminals send them, whatever the terminfo entry in
 * use says: under tmux with TERM=xterm-256color they come as \e[1~ and
 * \e[4~ while the entry lists \eOH and \eOF, and ncurses then returns
 * Escape and three more keys (Escape clears the browser's filter). Each
 * form ncurses does not know yet is taught to it (define_key) so that it
 * arrives as KEY_HOME or KEY_END; a form the entry gives to another key,
 * or that begins another key's sequence, is left alone. A lone Escape
 * still comes at once: the TUI sets a short ESCDELAY. PDCurses reads key
 * events from the console, not byte sequences: nothing to do. */
#if !SPY_PDCURSES && defined(NCURSES_VERSION) && NCURSES_EXT_FUNCS
static inline void spy__curses_define_keys(void) {
    static const struct {
        const char *seq;
        int key;
    } forms[] = {
        {"\033[1~", KEY_HOME}, {"\033[7~", KEY_HOME}, {"\033OH", KEY_HOME},
        {"\033[H", KEY_HOME},  {"\033[4~", KEY_END},  {"\033[8~", KEY_END},
        {"\033OF", KEY_END},   {"\033[F", KEY_END},
    };
    size_t i;

    for (i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (key_defined(forms[i].seq) == 0)
            define_key(forms[i].seq, forms[i].key);
}
#define SPY_CURSES_DEFINE_KEYS() spy__curses_define_keys()
#else
#define SPY_CURSES_DEFINE_KEYS() ((void)0)
#endif

/* PDCurses clears the console's processed-input mode, so Ctrl-C arrives
 * as the key 3 instead of a signal: the TUI quits on it, as it does on
 * SIGINT. With ncurses (cbreak) the terminal turns it into SIGINT. */
#define SPY_CURSES_CTRL_C_IS_KEY SPY_PDCURSES

#endif
