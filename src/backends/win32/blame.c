/* win32/blame.c - blame.h on Windows: not offered. A hardware watchpoint
 * in another process means setting its threads' debug registers
 * (SetThreadContext Dr0-Dr3, Dr7), and the resulting single-step
 * exceptions are delivered only to a debugger attached to that process
 * (DebugActiveProcess), which stops every thread at each event and, when
 * the debugger exits, kills the process unless DebugSetProcessKillOnExit
 * was cleared: not the "never stops a process" promise of blame. */
#include "../blame.h"

#define NOT_HERE                                                               \
    "blame: Linux only: a hardware watchpoint in another process needs a "     \
    "debugger attached to it on Windows"

int spy_blame_start(spy_seg *seg, const spy_blame_opts *o, int allow_none,
                    spy_blame **out, spy_err *err) {
    (void)seg;
    (void)o;
    (void)allow_none;
    *out = NULL;
    return spy_err_set(err, SPY_ENOTSUP, 0, NOT_HERE);
}

int spy_blame_rescan(spy_blame *b, spy_err *err) {
    (void)b;
    return spy_err_set(err, SPY_ENOTSUP, 0, NOT_HERE);
}

int spy_blame_wait(spy_blame *b, int timeout_ms, spy_blame_cb cb, void *arg,
                   spy_err *err) {
    (void)b;
    (void)timeout_ms;
    (void)cb;
    (void)arg;
    return spy_err_set(err, SPY_ENOTSUP, 0, NOT_HERE);
}

void spy_blame_stats_get(const spy_blame *b, spy_blame_stats *out) {
    (void)b;
    *out = (spy_blame_stats){0};
}

size_t spy_blame_pids(const spy_blame *b, int *out, size_t cap) {
    (void)b;
    (void)out;
    (void)cap;
    return 0;
}

void spy_blame_stop(spy_blame *b) {
    (void)b;
}
