/* library.c - which curses library the TUI was built with, for
 * `shmspy --version` (a bug report then says it). */
#include "spy_curses.h"
#include "tui.h"

#define SPY_STR_(x) #x
#define SPY_STR(x) SPY_STR_(x)

/* ncurses says its own version at run time (the library loaded, which may
 * be newer than the header); PDCurses is linked statically, so its header's
 * version is the library's. */
const char *spy_tui_library(void) {
#if SPY_PDCURSES
#if defined(PDC_VER_MAJOR) && defined(PDC_VER_MINOR)
    return "PDCurses " SPY_STR(PDC_VER_MAJOR) "." SPY_STR(PDC_VER_MINOR);
#else
    return "PDCurses";
#endif
#else
    return curses_version();
#endif
}
