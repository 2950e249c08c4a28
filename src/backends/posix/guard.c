/* posix/guard.c - spy_copy_guarded: memory copies that survive SIGSEGV and
 * SIGBUS.
 *
 * The handler is installed once, on first use, with SA_SIGINFO|SA_ONSTACK.
 * While a copy is armed (a thread-local flag), a fault siglongjmps back to
 * the copy, which returns SPY_EFAULT. A fault while not armed is a genuine
 * crash elsewhere: the handler hands it to the previous handler (for
 * example AddressSanitizer's, which ASan installs before main and which we
 * therefore replace and chain to) or, if there was none, restores the
 * default action and re-raises, so the process still dies of the signal. */
#include "../guard.h"

#include <setjmp.h>
#include <stdatomic.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct sigaction old_segv, old_bus;
/* 0: not installed, 1: being installed by one thread, 2: installed. */
static atomic_int install_state;

static _Thread_local sigjmp_buf guard_jmp;
static _Thread_local volatile sig_atomic_t guard_armed;
static _Thread_local int fault_sig, fault_code;
static _Thread_local uintptr_t fault_addr;
static _Thread_local int altstack_done;
/* Thread-local, not malloc'd: the kernel is its only other user. */
static _Thread_local unsigned char altstack_mem[64 * 1024];

const char *spy__signal_name(int sig) {
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    default:
        return "signal";
    }
}

spy_fault_kind spy__fault_kind(int sig, int code) {
    if (sig == SIGBUS)
        return SPY_FAULT_NOBACKING;
    if (sig == SIGSEGV && code == SEGV_MAPERR)
        return SPY_FAULT_UNMAPPED;
    return sig == 0 ? SPY_FAULT_NONE : SPY_FAULT_PROT;
}

const char *spy__code_name(int sig, int code) {
    if (sig == SIGSEGV) {
        switch (code) {
        case SEGV_MAPERR:
            return "SEGV_MAPERR";
        case SEGV_ACCERR:
            return "SEGV_ACCERR";
#ifdef SEGV_PKUERR
        case SEGV_PKUERR:
            return "SEGV_PKUERR";
#endif
        }
    } else if (sig == SIGBUS) {
        switch (code) {
        case BUS_ADRALN:
            return "BUS_ADRALN";
        case BUS_ADRERR:
            return "BUS_ADRERR";
        case BUS_OBJERR:
            return "BUS_OBJERR";
        }
    }
    if (code == SI_USER)
        return "SI_USER";
    if (code == SI_KERNEL)
        return "SI_KERNEL";
    return "unknown";
}

static void guard_handler(int sig, siginfo_t *info, void *uctx) {
    struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;

    /* Only a fault the kernel raised for an access is ours to catch
     * (si_code > 0: SEGV_*, BUS_*, SI_KERNEL); a SIGSEGV sent with kill()
     * while a copy happens to be armed is not a fault of the copy. */
    if (guard_armed && info->si_code > 0) {
        guard_armed = 0;
        fault_sig = sig;
        fault_code = info->si_code;
        fault_addr = (uintptr_t)info->si_addr;
        siglongjmp(guard_jmp, 1);
    }
    if ((old->sa_flags & SA_SIGINFO) != 0 && old->sa_sigaction != NULL) {
        old->sa_sigaction(sig, info, uctx);
        return;
    }
    if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
        return;
    }
    /* No one else wants it: die of the signal as if we were never here.
     * Returning re-executes the faulting instruction under SIG_DFL; the
     * raise covers signals sent with kill(). */
    signal(sig, SIG_DFL);
    raise(sig);
}

/* An alternate stack lets the handler run even when the fault is a stack
 * overflow. Kept if one exists already (ASan installs its own). */
static void ensure_altstack(void) {
    stack_t cur, ss;
    if (altstack_done)
        return;
    altstack_done = 1;
    if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE) == 0)
        return;
    ss.ss_size = sizeof altstack_mem;
    ss.ss_sp = altstack_mem; /* lives exactly as long as the thread */
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
}

/* Installs the handler exactly once per process. Two threads making their
 * first guarded copy at once must not both call sigaction: the second
 * would record our own handler as the "previous" one, and a fault outside
 * a copy would then chain to itself forever instead of crashing. The
 * loser of the race waits the few microseconds until the winner is done. */
static void install(void) {
    struct sigaction sa;
    int expect = 0;
    if (atomic_load(&install_state) == 2)
        return;
    if (!atomic_compare_exchange_strong(&install_state, &expect, 1)) {
        while (atomic_load(&install_state) != 2)
            sched_yield();
        return;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = guard_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    atomic_store(&install_state, 2);
}

int spy_copy_guarded(void *dst, const volatile void *src, size_t len,
                     spy_fault *out) {
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (len == 0)
        return 0;
    ensure_altstack();
    install();
    /* sigsetjmp(.., 1) saves the signal mask so the siglongjmp out of the
     * handler unblocks nothing by accident and restores it exactly. */
    if (sigsetjmp(guard_jmp, 1) != 0) {
        if (out != NULL) {
            out->sig = fault_sig;
            out->code = fault_code;
            out->sig_name = spy__signal_name(fault_sig);
            out->code_name = spy__code_name(fault_sig, fault_code);
            out->kind = spy__fault_kind(fault_sig, fault_code);
            out->addr = (uint64_t)fault_addr;
        }
        return SPY_EFAULT;
    }
    guard_armed = 1;
    atomic_signal_fence(memory_order_seq_cst);
    /* memcpy is an opaque call the compiler cannot move across the flag
     * updates; leaving it by siglongjmp is safe because it holds no locks
     * and allocates nothing. The volatile qualifier only says the bytes
     * may change under us, which a copy tolerates. */
    memcpy(dst, (const void *)src, len);
    atomic_signal_fence(memory_order_seq_cst);
    guard_armed = 0;
    return 0;
}
