/* posix/term.c - terminal services for the TUI on POSIX systems: signal
 * hooks that restore the terminal, flow control, and isatty. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* sigaction under -std=c11 */
#endif
#include "../term.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const int fatal_sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
static const int quit_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

#define NFATAL (sizeof fatal_sigs / sizeof fatal_sigs[0])
#define NQUIT (sizeof quit_sigs / sizeof quit_sigs[0])

static struct sigaction old_fatal[NFATAL];
static struct sigaction old_quit[NQUIT];
static int installed;
static void (*volatile restore_fn)(void);
static volatile sig_atomic_t quit_sig;
static volatile sig_atomic_t restoring;

/* Restores the terminal once, reinstates what was there before us and
 * raises the signal again. The signal is blocked while we run, so the
 * raise is delivered, to the old disposition, as soon as we return; a
 * hardware fault simply happens again at the same instruction. */
static void on_fatal(int sig) {
    void (*fn)(void) = restore_fn;
    size_t i;

    if (fn != NULL && !restoring) {
        restoring = 1;
        fn();
    }
    for (i = 0; i < NFATAL; i++) {
        if (fatal_sigs[i] == sig) {
            sigaction(sig, &old_fatal[i], NULL);
            break;
        }
    }
    raise(sig);
}

static void on_quit(int sig) {
    if (quit_sig == 0)
        quit_sig = sig;
}

int spy_term_hooks_install(void (*restore)(void), spy_err *err) {
    struct sigaction sa;
    size_t i;

    restore_fn = restore;
    restoring = 0;
    quit_sig = 0;
    if (installed)
        return 0;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_fatal;
    for (i = 0; i < NFATAL; i++) {
        if (sigaction(fatal_sigs[i], &sa, &old_fatal[i]) != 0) {
            int e = errno;
            while (i-- > 0)
                sigaction(fatal_sigs[i], &old_fatal[i], NULL);
            return spy_err_set(err, SPY_EIO, e, "signal hooks: %s",
                               strerror(e));
        }
    }
    /* No SA_RESTART: a request interrupts the input wait at once. */
    sa.sa_handler = on_quit;
    for (i = 0; i < NQUIT; i++)
        sigaction(quit_sigs[i], &sa, &old_quit[i]);
    installed = 1;
    return 0;
}

void spy_term_hooks_remove(void) {
    struct sigaction cur;
    size_t i;

    if (!installed)
        return;
    restore_fn = NULL;
    for (i = 0; i < NQUIT; i++)
        sigaction(quit_sigs[i], &old_quit[i], NULL);
    for (i = 0; i < NFATAL; i++) {
        /* Someone (the fault guard) chained on top of us: stay, inert. */
        if (sigaction(fatal_sigs[i], NULL, &cur) != 0 ||
            cur.sa_handler != on_fatal)
            return;
    }
    for (i = 0; i < NFATAL; i++)
        sigaction(fatal_sigs[i], &old_fatal[i], NULL);
    installed = 0;
}

int spy_term_quit_requested(void) {
    return (int)quit_sig;
}

/* The flow control bits found by spy_term_flow_control_off, and on which
 * terminal (-1: nothing to restore). */
static volatile sig_atomic_t flow_fd = -1;
static tcflag_t flow_bits;

/* The terminal curses uses: standard output, else standard input. */
static int term_fd(void) {
    if (isatty(STDOUT_FILENO))
        return STDOUT_FILENO;
    return isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
}

void spy_term_flow_control_off(void) {
    struct termios t;
    int fd = term_fd();

    if (flow_fd >= 0 || fd < 0 || tcgetattr(fd, &t) != 0)
        return; /* (already off by us: keep what was found first) */
    flow_bits = t.c_iflag & (IXON | IXOFF);
    if (flow_bits == 0)
        return; /* already off: nothing to change or restore */
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
    if (tcsetattr(fd, TCSADRAIN, &t) == 0)
        flow_fd = fd;
}

void spy_term_flow_control_restore(void) {
    struct termios t;
    int fd = flow_fd;

    if (fd < 0)
        return;
    flow_fd = -1;
    if (tcgetattr(fd, &t) != 0)
        return;
    t.c_iflag = (t.c_iflag & ~(tcflag_t)(IXON | IXOFF)) | flow_bits;
    tcsetattr(fd, TCSANOW, &t); /* never wait: a signal handler may call */
}

int spy_term_isatty(int which) {
    return isatty(which == 0 ? STDIN_FILENO : STDOUT_FILENO);
}

int spy_term_stdin_foreground(void) {
    return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

int spy_term_enter_pressed(void) {
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    char buf[256];
    ssize_t n;

    if (!spy_term_stdin_foreground())
        return 0;
    if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
        return 0;
    /* Canonical mode: readable means a whole line (or Ctrl-D). */
    n = read(STDIN_FILENO, buf, sizeof buf);
    return n > 0;
}
