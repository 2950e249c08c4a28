/* tui.h - entry points of the curses user interface.
 *
 * The TUI draws and handles keys; it gets data only from core and the
 * backend (backend.h, term.h) and never calls an OS API itself. */
#ifndef SPY_TUI_H
#define SPY_TUI_H

#include "../core/err.h"
#include "../core/name.h"

struct spy_typed;

typedef struct spy_tui_opts {
    unsigned hz; /* refresh rate, 1..60 (default 10) */
    int write;   /* open segments read-write (watch --write) */
    int force;   /* write even where the mode says read-only (--force) */
    int follow;  /* write through a file: path's last symlink (--follow) */
    /* watch --type ...: a layout loaded with spy_typed_load (ops/typed.h)
     * shown in the field pane from the start, or NULL. Not freed by the
     * TUI: it must outlive spy_tui_watch. */
    struct spy_typed *typed;
    uint64_t typed_base; /* the struct's segment offset (-s) */
    const char *field;   /* --field: the field the cursor starts on */
} spy_tui_opts;

/* Runs the browser of every segment (`shmspy` with no arguments) until the
 * user quits. Returns the process exit code (0, or 1 after a fatal error
 * already reported in *err). */
int spy_tui_browse(const spy_tui_opts *o, spy_err *err);

/* Runs the live hex view of one segment (`shmspy watch NAME`). Returns the
 * process exit code; errors opening NAME are reported in *err with code 1
 * before the screen is touched. */
int spy_tui_watch(const spy_name *n, const spy_tui_opts *o, spy_err *err);

/* `shmspy replay FILE` (issue 19): the hex view (and the field pane with
 * o->typed) over a recording, with a timeline: play/pause, speed, step to
 * the next change, jump to a time or to the next change of the byte or
 * field under the cursor. Read-only. Returns the exit code; a recording
 * that cannot be opened is reported in *err with code 1 before the screen
 * is touched. */
int spy_tui_replay(const char *path, const spy_tui_opts *o, spy_err *err);

/* The curses library this build's TUI uses, as one line for
 * `shmspy --version` ("ncurses 6.4.20221231", "PDCurses 3.9"), or NULL
 * when the build has no TUI (src/tui/none). A static string. */
const char *spy_tui_library(void);

#endif
