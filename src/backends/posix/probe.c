/* posix/probe.c - spy_probe and spy_addr_describe: touching an arbitrary
 * address of our own process without dying, and saying where it lies.
 *
 * Unlike posix/guard.c, whose handler stays installed for the life of the
 * process, the probe installs its SIGSEGV/SIGBUS handlers for the one
 * access and then puts back exactly what was there (ASan's handler, the
 * guard's, or the default) and the signal mask. */
#include "../guard.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#include "internal.h"

/* What the handler saw, and its stack: process-wide, as the handlers are,
 * so spy_probe is not reentrant and not thread-safe (guard.h). */
static sigjmp_buf probe_jmp;
static volatile sig_atomic_t probe_sig, probe_code;
static volatile uintptr_t probe_fault_addr;
static unsigned char probe_stack[64 * 1024];

static void probe_handler(int sig, siginfo_t *info, void *uctx) {
    (void)uctx;
    probe_sig = sig;
    probe_code = info->si_code;
    probe_fault_addr = (uintptr_t)info->si_addr;
    siglongjmp(probe_jmp, 1);
}

/* The deliberate access. It may touch any address (NULL included), so the
 * sanitizers are told not to check it: the fault guard is the checker. */
#if defined(__clang__)
__attribute__((noinline, no_sanitize("address", "undefined")))
#elif defined(__GNUC__)
__attribute__((noinline, no_sanitize_address, no_sanitize_undefined))
#endif
static void
probe_touch(volatile uint8_t *p, size_t len, int write, uint8_t *out) {
    size_t i;
    for (i = 0; i < len; i++) {
        uint8_t b = p[i];
        if (write)
            p[i] = b; /* the same value: access tested, memory kept */
        if (out != NULL)
            out[i] = b;
    }
}

int spy_probe(uint64_t addr, size_t len, int write, uint8_t *out,
              spy_fault *fault) {
    struct sigaction sa, old_segv, old_bus;
    stack_t ss, old_ss;
    sigset_t old_mask;
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr;
    int rc = 0;

    memset(fault, 0, sizeof *fault);
    sigprocmask(SIG_SETMASK, NULL, &old_mask);
    ss.ss_sp = probe_stack;
    ss.ss_size = sizeof probe_stack;
    ss.ss_flags = 0;
    sigaltstack(&ss, &old_ss);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = probe_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);

    if (sigsetjmp(probe_jmp, 1) == 0) {
        atomic_signal_fence(memory_order_seq_cst);
        probe_touch(p, len, write, out);
        atomic_signal_fence(memory_order_seq_cst);
    } else {
        fault->sig = probe_sig;
        fault->code = probe_code;
        fault->sig_name = spy__signal_name(probe_sig);
        fault->code_name = spy__code_name(probe_sig, probe_code);
        fault->kind = spy__fault_kind(probe_sig, probe_code);
        fault->addr = (uint64_t)probe_fault_addr;
        rc = SPY_EFAULT;
    }

    /* Put everything back as it was: handlers, alternate stack, mask
     * (siglongjmp restored the mask saved by sigsetjmp; this makes sure). */
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    if ((old_ss.ss_flags & SS_DISABLE) != 0) {
        ss.ss_flags = SS_DISABLE;
        sigaltstack(&ss, NULL);
    } else {
        sigaltstack(&old_ss, NULL);
    }
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    return rc;
}

static void copy_entry(spy_map_entry *e, const spy__maps_line *l) {
    e->start = l->start;
    e->end = l->end;
    e->offset = l->offset;
    memcpy(e->perms, l->perms, sizeof e->perms);
    snprintf(e->path, sizeof e->path, "%s%s", l->path,
             l->deleted ? " (deleted)" : "");
}

int spy_addr_describe(uint64_t addr, spy_region *out, spy_err *err) {
    FILE *f = fopen("/proc/self/maps", "re");
    char *line = NULL;
    size_t cap = 0;

    memset(out, 0, sizeof *out);
    out->file_size = -1;
    if (f == NULL)
        return spy_err_set(err, SPY_EIO, errno, "/proc/self/maps: %s",
                           strerror(errno));
    while (getline(&line, &cap, f) > 0) {
        spy__maps_line l;
        if (spy__maps_parse(line, &l) != 0)
            continue;
        if (addr >= l.start && addr < l.end) {
            out->inside = 1;
            copy_entry(&out->at, &l);
            if (l.ino != 0 && l.path[0] == '/' && !l.deleted) {
                struct stat st;
                struct statfs fs;
                if (stat(l.path, &st) == 0 && S_ISREG(st.st_mode))
                    out->file_size = (int64_t)st.st_size;
                /* How full its file system is: a hole's page is
                 * allocated on first touch, and a full tmpfs answers
                 * with SIGBUS (explain.c tells it from a truncation). */
                if (out->file_size >= 0 && statfs(l.path, &fs) == 0) {
                    out->has_fs_free = 1;
                    out->fs_free = (uint64_t)fs.f_bavail * (uint64_t)fs.f_bsize;
                    out->fs_tmpfs = fs.f_type == TMPFS_MAGIC;
                }
            }
            break;
        }
        if (l.end <= addr) {
            out->has_below = 1;
            copy_entry(&out->below, &l);
        } else if (!out->has_above) {
            out->has_above = 1;
            copy_entry(&out->above, &l);
            break; /* maps are sorted: the first one above is the nearest */
        }
    }
    free(line);
    fclose(f);
    return 0;
}
