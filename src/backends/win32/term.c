/* win32/term.c - term.h on Windows (for the PDCurses TUI): console control
 * events become quit requests; an unhandled exception restores the
 * terminal before the process dies as it would have. */
#include <conio.h>
#include <io.h>
#include <stdio.h>

#include "../term.h"
#include "internal.h"

static void (*term_restore)(void);
static volatile LONG term_quit;
static LPTOP_LEVEL_EXCEPTION_FILTER term_prev_filter;
static int term_installed;

static BOOL WINAPI term_ctrl(DWORD type) {
    /* Ctrl-C 2 (SIGINT), Ctrl-Break 21 (SIGBREAK), close and the rest 15
     * (SIGTERM): the numbers the C runtime uses. */
    LONG sig = type == CTRL_C_EVENT ? 2 : type == CTRL_BREAK_EVENT ? 21 : 15;
    InterlockedCompareExchange(&term_quit, sig, 0);
    return TRUE;
}

/* Unhandled exceptions only: the fault guard's vectored handler has
 * already declined them. */
static LONG WINAPI term_filter(EXCEPTION_POINTERS *ep) {
    void (*r)(void) = term_restore;
    term_restore = NULL;
    if (r != NULL)
        r();
    return term_prev_filter != NULL ? term_prev_filter(ep)
                                    : EXCEPTION_CONTINUE_SEARCH;
}

/* PDCurses only polls GetNumberOfConsoleInputEvents until a key is there.
 * Wine's console on a Unix terminal (wine 8) starts reading that terminal
 * on the first read or peek of the input, not on a count: without this
 * peek no key ever arrives there. On Windows it is a no-op. */
static void term_start_input(void) {
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    INPUT_RECORD rec;
    DWORD n;

    if (in != NULL && in != INVALID_HANDLE_VALUE &&
        GetFileType(in) == FILE_TYPE_CHAR)
        (void)PeekConsoleInputW(in, &rec, 1, &n);
}

int spy_term_hooks_install(void (*restore)(void), spy_err *err) {
    term_restore = restore;
    term_start_input();
    if (term_installed)
        return 0;
    if (!SetConsoleCtrlHandler(term_ctrl, TRUE))
        return spy__win_error("terminal", "SetConsoleCtrlHandler",
                              GetLastError(), err);
    term_prev_filter = SetUnhandledExceptionFilter(term_filter);
    term_installed = 1;
    return 0;
}

void spy_term_hooks_remove(void) {
    if (!term_installed)
        return;
    SetConsoleCtrlHandler(term_ctrl, FALSE);
    SetUnhandledExceptionFilter(term_prev_filter);
    term_restore = NULL;
    term_installed = 0;
}

int spy_term_quit_requested(void) {
    return (int)term_quit;
}

/* The console has no XON/XOFF flow control: nothing to turn off. */
void spy_term_flow_control_off(void) {
}

void spy_term_flow_control_restore(void) {
}

int spy_term_isatty(int which) {
    return _isatty(which == 0 ? _fileno(stdin) : _fileno(stdout)) != 0;
}

int spy_term_stdin_foreground(void) {
    return _isatty(_fileno(stdin)) != 0;
}

int spy_term_enter_pressed(void) {
    int any = 0;

    if (!_isatty(_fileno(stdin)))
        return 0;
    while (_kbhit()) {
        (void)_getch();
        any = 1;
    }
    return any;
}
