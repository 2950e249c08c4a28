/* tui.c - the one loop of the TUI: setting up and restoring the terminal,
 * the stack of views, timers, key dispatch (the view's key table, then
 * the loop's own: help, redraw, back, quit), the message line.
 *
 * The loop never spins: it waits for a key with a timeout that ends when
 * the current view next has something to do (its refresh rate, a fading
 * highlight, a message expiring). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../backends/term.h"
#include "hexview.h"
#include "ui.h"

#define MAX_VIEWS 4
#define MSG_MS 5000
#define MAX_WAIT_MS 1000
/* Input that keeps failing at once instead of timing out is closed. */
#define EOF_STREAK 20

static struct {
    SCREEN *scr;
    volatile int active; /* curses owns the terminal */
    int atexit_done;
    spy__view *stack[MAX_VIEWS];
    int depth;
    int help;
    char msg[SPY_ERR_MSG_MAX];
    int msg_err;
    uint64_t msg_until;
    int input_closed;
    int early;
    int dirty;     /* something outside the view changed: draw */
    int msg_shown; /* the message line showed a message at the last draw */
} U;

/* Puts the terminal back; safe to call twice, from atexit and from the
 * fatal-signal hook. */
static void restore_terminal(void) {
    if (U.active) {
        U.active = 0;
        endwin();
        spy_term_flow_control_restore();
    }
}

void spy__ui_msg(int is_error, const char *fmt, ...) {
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(U.msg, sizeof U.msg, fmt, ap);
    va_end(ap);
    U.msg_err = is_error;
    U.msg_until = spy_monotonic_ms() + MSG_MS;
    U.dirty = 1;
}

void spy__ui_msg_clear(void) {
    if (U.msg[0] != '\0') {
        U.msg[0] = '\0';
        U.dirty = 1;
    }
}

void spy__ui_push(spy__view *v) {
    if (U.depth == MAX_VIEWS) {
        v->fini(v);
        spy__ui_msg(1, "too many views open");
        return;
    }
    U.stack[U.depth++] = v;
    U.dirty = 1;
}

static void pop(void) {
    spy__view *v;

    if (U.depth == 0)
        return;
    v = U.stack[--U.depth];
    spy__prompt_drop();
    U.help = 0;
    v->fini(v);
    U.dirty = 1;
}

static int screen_start(spy_err *err) {
    const char *nc = getenv("NO_COLOR");
    int color;

    if (!spy_term_isatty(1))
        return spy_err_set(err, SPY_EINVAL, 0,
                           "the TUI needs a terminal: standard output is "
                           "not one (try shmspy list or dump)");
#if !SPY_PDCURSES
    {
        const char *term = getenv("TERM");
        if (term == NULL || term[0] == '\0')
            return spy_err_set(err, SPY_EINVAL, 0,
                               "the TUI needs a terminal: TERM is not set");
    }
#else
    /* PDCurses reads keys from the console and, when standard input is
     * redirected, prints "Redirection is not supported" and exits. */
    if (!spy_term_isatty(0))
        return spy_err_set(err, SPY_EINVAL, 0,
                           "the TUI needs a console: standard input is "
                           "redirected (try shmspy list or dump)");
#endif
    U.scr = newterm(NULL, stdout, stdin);
    if (U.scr == NULL) {
        const char *term = getenv("TERM");
        char safe[128];
        spy__safe(term != NULL ? term : "", safe, sizeof safe);
        return spy_err_set(err, SPY_EINVAL, 0,
                           "cannot use the terminal (TERM=%s)", safe);
    }
    set_term(U.scr);
    U.active = 1;
    if (!U.atexit_done) {
        atexit(restore_terminal);
        U.atexit_done = 1;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    SPY_CURSES_DEFINE_KEYS(); /* Home and End in every common form */
    /* No look for typed keys in the middle of a screen update: ncurses
     * would flush what it has so far and poll standard input. */
    typeahead(-1);
#ifdef NCURSES_VERSION
    /* ncurses flushes its output after every cursor move until the
     * screen has once been left and resumed (its state stays "initial"
     * after newterm), so a live frame went out in a dozen small writes,
     * each waking the terminal, instead of one. Leaving and resuming
     * once, before anything is drawn, ends that. */
    endwin();
    refresh();
#endif
    /* Ctrl-S must not stop the display (the terminal's flow control);
     * curses adopts the mode, so that resuming keeps it off. */
    spy_term_flow_control_off();
    def_prog_mode();
    curs_set(0);
#ifdef NCURSES_VERSION
    set_escdelay(25); /* a lone Escape must not wait a second */
#endif
    mousemask(SPY_WHEEL_UP | SPY_WHEEL_DOWN | BUTTON1_PRESSED, NULL);
    mouseinterval(0);
    color = has_colors() && !(nc != NULL && nc[0] != '\0');
    if (color && start_color() != OK)
        color = 0;
    spy__attr_init(color);
    U.input_closed = 0;
    U.early = 0;
    U.dirty = 1;
    return 0;
}

static void screen_end(void) {
    restore_terminal();
    if (U.scr != NULL) {
        delscreen(U.scr);
        U.scr = NULL;
    }
}

/* ---- the loop's keys: every view has them, after its own ------------- */

static int key_help(const spy__keyhit *k) {
    (void)k;
    U.help = 1;
    return SPY__KEY_DONE;
}

static int key_redraw(const spy__keyhit *k) {
    (void)k;
    clearok(curscr, TRUE);
    return SPY__KEY_DONE;
}

static int key_back(const spy__keyhit *k) {
    (void)k;
    return SPY__KEY_BACK;
}

/* Escape goes back but never quits: a stray escape sequence must not end
 * the program. */
static int key_escape(const spy__keyhit *k) {
    (void)k;
    return U.depth > 1 ? SPY__KEY_BACK : SPY__KEY_DONE;
}

static int key_quit(const spy__keyhit *k) {
    (void)k;
    return SPY__KEY_QUIT;
}

static const spy__key loop_keys[] = {
    {"? F1", "this help (any key closes it)", key_help, 0, {'?', KEY_F(1)}},
    {"Ctrl-L", "redraw the screen", key_redraw, 0, {12}},
    {"q",
     "back to the list / quit",
     key_back,
     0,
     {'q', SPY__KC_ONLY(SPY__KV_OTHER), SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"q", "quit", key_back, 0, {'q', SPY__KC_ONLY(SPY__KV_REPLAY)}},
    {"Esc",
     "back to the list (never quits)",
     key_escape,
     0,
     {27, SPY__KC_ONLY(SPY__KV_OTHER), SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"Q", "quit shmspy", key_quit, 0, {'Q'}},
};

/* Draws unless the view says its screen is as drawn last and nothing
 * around it changed: a calm frame costs no curses work at all. */
static void draw(spy__view *v, uint64_t now) {
    int msg = U.msg[0] != '\0' && now < U.msg_until;
    if (v->calm && !U.dirty && msg == U.msg_shown && !U.help &&
        !spy__prompt_active())
        return;
    v->erased = !v->partial || U.dirty || msg != U.msg_shown || U.help ||
                spy__prompt_active();
    U.dirty = 0;
    U.msg_shown = msg;
    if (v->erased)
        erase();
    curs_set(0);
    v->draw(v, now);
    if (U.help) {
        spy__keymap loop = SPY__KEYMAP(loop_keys);
        spy__help_draw(v->keys, v->kind, loop);
    }
    if (spy__prompt_active()) {
        curs_set(1);
        spy__prompt_draw(LINES - 1);
    } else if (U.msg[0] != '\0' && now < U.msg_until) {
        spy__put(LINES - 1, 0, COLS, U.msg_err ? SPY__R_ERROR : SPY__R_NORMAL,
                 0, "%s", U.msg);
    } else if (U.input_closed) {
        spy__put(LINES - 1, 0, COLS, SPY__R_ERROR, 0,
                 "standard input is closed: keys are ignored; SIGINT or "
                 "SIGTERM quits");
    }
    refresh();
}

/* Returns 1 to leave the program. Resizes, the help screen and prompts
 * take a key before the tables: they are states of the loop, not keys. */
static int dispatch(spy__view *v, int ch) {
    int r;

    if (ch == KEY_RESIZE) {
        SPY_CURSES_RESIZED();
        return 0;
    }
    if (SPY_CURSES_CTRL_C_IS_KEY && ch == 3)
        return 1;
    if (U.help) {
        U.help = 0;
        return 0;
    }
    if (spy__prompt_active()) {
        spy__prompt_key(ch);
        return 0;
    }
    r = spy__keys_dispatch(v->keys, v, ch);
    if (r == SPY__KEY_IGNORED) {
        spy__keymap loop = SPY__KEYMAP(loop_keys);
        r = spy__keys_dispatch(loop, v, ch);
    }
    if (r == SPY__KEY_BACK)
        pop();
    return r == SPY__KEY_QUIT;
}

static void run(void) {
    while (U.depth > 0 && spy_term_quit_requested() == 0) {
        spy__view *v = U.stack[U.depth - 1];
        uint64_t now = spy_monotonic_ms(), next, t0, wait;
        int ch;

        next = v->tick(v, now);
        draw(v, now);
        t0 = spy_monotonic_ms();
        wait = next > t0 ? next - t0 : 0;
        if (U.msg_until > t0 && U.msg_until - t0 < wait)
            wait = U.msg_until - t0;
        if (wait > MAX_WAIT_MS)
            wait = MAX_WAIT_MS;
        if (U.input_closed) {
            napms(wait > 0 ? (int)wait : 1);
            continue;
        }
        timeout((int)wait);
        ch = SPY_CURSES_KEY(getch());
        if (ch == ERR) {
            /* A read that fails long before the timeout: end of input. */
            if (wait >= 40 && spy_monotonic_ms() - t0 < wait / 4) {
                if (++U.early >= EOF_STREAK) {
                    U.input_closed = 1;
                    U.dirty = 1; /* the bottom line says so */
                }
            } else {
                U.early = 0;
            }
            continue;
        }
        U.early = 0;
        U.dirty = 1; /* a key: whatever it did shows */
        if (dispatch(v, ch))
            break;
    }
    while (U.depth > 0)
        pop();
}

/* Runs view v (made before the screen starts, so that errors opening it
 * are printed on a plain terminal) until the user quits, with the
 * terminal hooks installed; tears everything down. */
static int run_view(spy__view *v, spy_err *err) {
    if (screen_start(err) != 0) {
        v->fini(v);
        spy_term_hooks_remove();
        return 1;
    }
    spy__ui_push(v);
    run();
    screen_end();
    spy_term_hooks_remove();
    return 0;
}

int spy_tui_browse(const spy_tui_opts *o, spy_err *err) {
    spy__view *v;

    if (spy_term_hooks_install(restore_terminal, err) != 0)
        return 1;
    if ((v = spy__browser_new(o, err)) == NULL) {
        spy_term_hooks_remove();
        return 1;
    }
    return run_view(v, err);
}

int spy_tui_watch(const spy_name *n, const spy_tui_opts *o, spy_err *err) {
    spy__view *v;

    /* The hooks go in before the first guarded read, so that the fault
     * guard chains to them. */
    if (spy_term_hooks_install(restore_terminal, err) != 0)
        return 1;
    if ((v = spy__hexview_new(n, o, err)) == NULL) {
        spy_term_hooks_remove();
        return 1;
    }
    return run_view(v, err);
}

int spy_tui_replay(const char *path, const spy_tui_opts *o, spy_err *err) {
    spy__view *v;

    if (spy_term_hooks_install(restore_terminal, err) != 0)
        return 1;
    /* The recording is checked before the screen starts: a damaged file
     * is one line on a plain terminal. */
    if ((v = spy__replay_new(path, o, err)) == NULL) {
        spy_term_hooks_remove();
        return 1;
    }
    return run_view(v, err);
}
