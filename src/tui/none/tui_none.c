/* tui_stub.c - the TUI entry points of a build without a curses library.
 *
 * CMake compiles this file instead of src/tui/ when it is configured for
 * Windows and cannot find PDCurses: the CLI works in full, and `shmspy`
 * without arguments or `shmspy watch` explain how to get the TUI. */
#include "../tui.h"

static int no_tui(spy_err *err) {
    spy_err_set(err, SPY_ENOTSUP, 0,
                "the TUI needs PDCurses, which this build did not find: "
                "see README (Windows); every other command works");
    return 1;
}

/* Always fails with the message above; exit code 1. */
int spy_tui_browse(const spy_tui_opts *o, spy_err *err) {
    (void)o;
    return no_tui(err);
}

/* Always fails with the message above; exit code 1. */
int spy_tui_watch(const spy_name *n, const spy_tui_opts *o, spy_err *err) {
    (void)n;
    (void)o;
    return no_tui(err);
}

/* Always fails with the message above; exit code 1. */
int spy_tui_replay(const char *path, const spy_tui_opts *o, spy_err *err) {
    (void)path;
    (void)o;
    return no_tui(err);
}

/* This build has no TUI: NULL. */
const char *spy_tui_library(void) {
    return NULL;
}
