/* ui.h - what the views of the TUI share: the view interface, key tables,
 * the loop's services (view stack, message line, prompts, help) and
 * drawing helpers.
 *
 * Internal to src/tui/. Views follow one pattern: a constructor returns a
 * spy__view whose tick, draw and fini the loop in tui.c calls, and whose
 * key table (one row per key or group of keys: the keys, their help line
 * and their handler) the loop dispatches keys through; the help screen is
 * drawn from the same table, so a key cannot be handled without being
 * shown in the help, nor shown without being handled. */
#ifndef SPY_TUI_UI_H
#define SPY_TUI_UI_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/name.h"
#include "spy_curses.h"
#include "tui.h"

/* ---- views ---------------------------------------------------------- */

/* What a key handler (a row of a key table) did with a key. */
enum {
    SPY__KEY_IGNORED = 0, /* not handled: later rows and the loop may */
    SPY__KEY_DONE,        /* handled */
    SPY__KEY_BACK,        /* close this view (back to the one below) */
    SPY__KEY_QUIT         /* leave the program */
};

/* Key classes a row may bind besides single key codes (no curses key code
 * is negative). */
#define SPY__KC_HEX (-2)   /* a hex digit: 0-9 a-f A-F */
#define SPY__KC_PRINT (-3) /* printable ASCII, 0x20..0x7e */

/* Key codes one row binds at most. */
#define SPY__KEY_CODES 6

/* Kinds of view (spy__view.kind): the hex view's table serves the live
 * view and the replay of a recording, with a few rows for one of them
 * only (and the loop's rows differ a little by kind). Such a row says so
 * with a marker among its codes (never matched as a key), one per kind it
 * is for: SPY__KC_ONLY(SPY__KV_REPLAY). */
#define SPY__KV_OTHER 0  /* any other view (the browser, the probe) */
#define SPY__KV_LIVE 1   /* a live segment (watch) */
#define SPY__KV_REPLAY 2 /* a recording (replay) */
#define SPY__KC_ONLY(kind) (-16 - (kind))

typedef struct spy__view spy__view;

/* How far a movement row moves (its arg): a row binds the key back
 * first, then the key forth ("Up Down", "PgUp PgDn", "Home End"). */
enum { SPY__STEP_ONE = 0, SPY__STEP_PAGE, SPY__STEP_ALL };

/* A key as a row's handler gets it. */
typedef struct spy__keyhit {
    spy__view *view;
    void *self; /* view->self */
    int ch;     /* the key */
    int which;  /* which of the row's codes matched: 0, 1, ... */
    int arg;    /* the row's arg */
} spy__keyhit;

/* One row of a key table: the keys, what they do, and the handler, in the
 * manner of tmux's `bind -N`. codes ends at the first 0 (the key code 0 is
 * never bound). A row such as "PgUp PgDn" tells its keys apart by which,
 * never by naming key codes. The handler returns SPY__KEY_*;
 * SPY__KEY_IGNORED passes the key on to the later rows and then to the
 * loop's own table (a row may decline when it has nothing to do, as Esc
 * with no search running). */
typedef struct spy__key {
    const char *keys; /* as the help screen names them: "PgUp PgDn" */
    const char *help; /* what they do, one sentence (wrapped to fit) */
    int (*fn)(const spy__keyhit *k);
    int arg; /* for the handler: a SPY__STEP_*, or 0 */
    int codes[SPY__KEY_CODES];
} spy__key;

/* A key table: rows tried in order; the first that handles a key wins. */
typedef struct spy__keymap {
    const spy__key *row;
    size_t n;
} spy__keymap;

/* The keymap of a static array of rows. */
#define SPY__KEYMAP(rows)                                                      \
    { (rows), sizeof(rows) / sizeof(rows)[0] }

struct spy__view {
    void *self;       /* the view's own state */
    spy__keymap keys; /* the view's keys, dispatched and shown by the loop */
    int kind;         /* a SPY__KV_* kind (SPY__KV_OTHER: 0): rows marked
                         for other kinds only (SPY__KC_ONLY) are skipped */
    /* Does whatever is due at now (refresh data, a step of a search) and
     * returns the time at which it next wants to run or redraw. */
    uint64_t (*tick)(spy__view *v, uint64_t now);
    /* Set by a tick that knows its screen would look exactly as it was
     * drawn last (nothing read changed, nothing fading): the loop then
     * skips the draw. Views that leave it 0 are drawn every time. */
    int calm;
    /* Set by a tick whose draw can paint over its last frame (its layout
     * is as drawn last): the loop then erases the screen only when more
     * than the view's data changed (a key, a message, help, a prompt).
     * Views that leave it 0 are drawn on an erased screen every time. */
    int partial;
    /* Set by the loop for draw: 1 when the screen was erased (draw it
     * all), 0 when it still shows the last frame (draw what changed). */
    int erased;
    /* Draws the whole screen except the bottom (message) line. */
    void (*draw)(spy__view *v, uint64_t now);
    /* Frees the view and self. */
    void (*fini)(spy__view *v);
};

/* Makes v the current view, above the current one. The loop owns v from
 * now on and calls v->fini when it is closed. */
void spy__ui_push(spy__view *v);

/* The browser of every segment. NULL on allocation failure (err set). */
spy__view *spy__browser_new(const spy_tui_opts *o, spy_err *err);

/* The hex view of the object named n, opened (read-write if o->write,
 * falling back to read-only with a message when that is denied). NULL with
 * err set if the object cannot be opened at all. */
spy__view *spy__hexview_new(const spy_name *n, const spy_tui_opts *o,
                            spy_err *err);

/* The handler of the probe key of every view: asks for an address
 * (spy_parse_u64 syntax) and opens the probe view: where the address lies
 * in this process, what reading 8 bytes there did, and the explanation
 * `shmspy probe` prints (probe.c). */
int spy__probe_ask(const spy__keyhit *k);

/* Opens the probe view on addr at once (no prompt), note (may be NULL)
 * added as its last paragraph: why this address, what to expect. */
void spy__probe_open(uint64_t addr, const char *note);

/* Asks for a fault against the object n (disp: its name, safe to draw),
 * the prompt starting with init (may be NULL): "flip OFF [BIT]",
 * "truncate SIZE", "chmod MODE" or "unlink"; then asks y/N, writes and
 * fsyncs the journal as `shmspy inject` does, and only then changes the
 * object; the message line shows the journal and the undo command
 * (inject.c). */
void spy__inject_ask(const spy_name *n, const char *disp, const char *init);

/* ---- the message line and prompts ------------------------------------ */

/* Shows a message on the bottom line for a few seconds; is_error draws
 * it as an error. */
void spy__ui_msg(int is_error, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Takes the message off the bottom line (a key that worked makes the
 * last message stale: "live again", an error of an earlier try). */
void spy__ui_msg_clear(void);

/* Called with the text typed at a prompt, or NULL if it was cancelled. */
typedef void (*spy__prompt_cb)(void *self, const char *text);

/* Starts reading a line on the bottom line after label, holding init
 * (may be NULL) shown selected: the first typed character replaces it,
 * Backspace, Right or End keep it to edit. done is called with the text
 * on Enter (NULL on Escape); change, if not NULL, after every edit
 * (filter as you type). Only one prompt is active at a time. */
void spy__prompt_line(const char *label, const char *init, spy__prompt_cb done,
                      spy__prompt_cb change, void *self);

/* Asks a yes/no question; done gets "y" for y/Y and NULL for anything
 * else. */
void spy__prompt_confirm(const char *question, spy__prompt_cb done, void *self);

/* Non-zero while a prompt is active; it then takes every key. */
int spy__prompt_active(void);

/* Feeds one key to the active prompt. */
void spy__prompt_key(int ch);

/* Draws the prompt on line y and places the cursor in it. */
void spy__prompt_draw(int y);

/* Cancels the prompt without calling its callbacks (its view closes). */
void spy__prompt_drop(void);

/* Offers ch to the rows of m that bind it, in order, until one handles it
 * (keys.c); rows not for v->kind (spy__keys_for) are skipped. Returns
 * SPY__KEY_IGNORED if none did. */
int spy__keys_dispatch(spy__keymap m, spy__view *v, int ch);

/* 1 if row k is for views of kind `kind`: it has no SPY__KC_ONLY marker,
 * or one naming that kind. */
int spy__keys_for(const spy__key *k, int kind);

/* Draws the help screen over the current screen: every row of the view's
 * table that is for its kind, then the loop's rows for its kind (the keys
 * of every view), each key column as the row names it and the help wrapped
 * to the width (help.c). */
void spy__help_draw(spy__keymap view, int kind, spy__keymap loop);

/* ---- drawing --------------------------------------------------------- */

/* Roles of text on screen, mapped to colours or, in monochrome, to
 * bold/reverse/underline. */
typedef enum spy__role {
    SPY__R_NORMAL = 0,
    SPY__R_BAR,     /* title and status bars */
    SPY__R_BAR_HI,  /* emphasised text inside a bar */
    SPY__R_BANNER,  /* warnings above the data: shrunk, unlinked */
    SPY__R_ERROR,   /* error messages */
    SPY__R_LABEL,   /* offsets, column heads, field names */
    SPY__R_SELECT,  /* selected row */
    SPY__R_CURSOR,  /* the byte under the cursor */
    SPY__R_MATCH,   /* search match */
    SPY__R_CHANGE1, /* a change fading out (oldest) ... */
    SPY__R_CHANGE2,
    SPY__R_CHANGE3,
    SPY__R_CHANGE4, /* ... a change just now */
    SPY__R_COUNT
} spy__role;

/* Number of fade levels, SPY__R_CHANGE1 .. SPY__R_CHANGE4. */
#define SPY__FADE_LEVELS 4

/* Chooses colours or monochrome attributes (call after start_color). */
void spy__attr_init(int color);

/* The curses attributes of a role. */
chtype spy__attr(spy__role r);

/* Copies untrusted text s into out (cap bytes) in a form safe to draw:
 * control characters and every non-ASCII byte escaped (spy_escape, then
 * \xNN for bytes the narrow curses library cannot draw). */
void spy__safe(const char *s, char *out, size_t cap);

/* spy__safe for an object name: a leading "Local\" or "Global\" (the
 * Windows namespaces) keeps its backslash, as the CLI prints it. */
void spy__safe_name(const char *name, char *out, size_t cap);

/* Draws at (y, x) at most w columns of the printf-formatted text in role
 * r; with fill, pads with spaces to exactly w columns. The text must be
 * ASCII (pass untrusted text through spy__safe). Returns the columns
 * drawn. */
int spy__put(int y, int x, int w, spy__role r, int fill, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* "4096" below 10^9, else "64.0 GiB"-style, into buf (32 bytes). */
const char *spy__fmt_size(uint64_t n, char *buf, size_t cap);

/* Local time "YYYY-MM-DD HH:MM:SS" (or "-" if t < 0) into buf. */
const char *spy__fmt_time(int64_t t, char *buf, size_t cap);

/* "rw-r--r--" for the permission bits of mode, into buf (12 bytes). */
const char *spy__fmt_mode(uint32_t mode, char *buf, size_t cap);

#endif
