/* term.h - the few terminal services the TUI needs from the OS.
 *
 * Part of the OS boundary, one implementation per OS family: posix/term.c
 * and win32/term.c. The TUI uses it to restore the terminal on every way
 * out, fatal signals included, and to turn termination requests into an
 * orderly quit. */
#ifndef SPY_TERM_H
#define SPY_TERM_H

#include "../core/err.h"

/* Installs the process's signal hooks for the TUI. On a fatal signal
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) restore() is called once, the
 * signal's previous disposition is reinstated and the signal raised again,
 * so the process still dies (and dumps core, or lets a sanitizer report)
 * as it would have. SIGINT, SIGTERM, SIGHUP and SIGQUIT only record a
 * request to quit, read with spy_term_quit_requested: the TUI then leaves
 * through its normal path. restore() runs inside a signal handler: it
 * should do no more than put the terminal back. Install before the first
 * guarded memory access, so that the fault guard (which chains to the
 * handler it found) sees these hooks as the previous handler. Calling it
 * again replaces restore(). */
int spy_term_hooks_install(void (*restore)(void), spy_err *err);

/* Puts back the dispositions found by spy_term_hooks_install, unless the
 * fault guard has been installed on top of ours since (then our fatal hooks
 * stay, inert: restore() is forgotten). */
void spy_term_hooks_remove(void);

/* The signal number of the first termination request (SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT) received since the hooks were installed, or 0. */
int spy_term_quit_requested(void);

/* Turns software flow control off on the terminal (the one on standard
 * output, else standard input): with IXON, Ctrl-S stops the terminal's
 * output, so a live view would freeze, its writes blocked, until Ctrl-Q;
 * with IXOFF the terminal driver would send Ctrl-S itself. The bits found
 * are kept for spy_term_flow_control_restore. Call after the curses
 * library has set its modes, and tell it to adopt the result (curses:
 * def_prog_mode), or it puts flow control back when it resumes. No-op
 * without a terminal, and on Windows, whose console has no flow control. */
void spy_term_flow_control_off(void);

/* Puts IXON and IXOFF back as spy_term_flow_control_off found them, once;
 * the other settings are left alone. Async-signal-safe: restore hooks may
 * call it (after curses' endwin, which restores the rest). */
void spy_term_flow_control_restore(void);

/* Non-zero if standard input (which 0) or standard output (which 1) is a
 * terminal. */
int spy_term_isatty(int which);

/* For a command that runs until told (record --ring): 1 if the user has
 * pressed Enter on the terminal of standard input since the last call
 * (what was typed is consumed), else 0. Never blocks, and never reads
 * unless standard input is a terminal and this process is in its
 * foreground (a job started with `&` would otherwise be stopped by
 * SIGTTIN). On Windows: any key pressed in the console. */
int spy_term_enter_pressed(void);

/* 1 if standard input is a terminal and this process is in its
 * foreground (where spy_term_enter_pressed can see a key), else 0. */
int spy_term_stdin_foreground(void);

#endif
