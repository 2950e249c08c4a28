/* win32/lockinfo.c - lockinfo.h on Windows: there are no futexes, and
 * Windows locks kept in shared memory (SRWLOCK, critical sections) are
 * not decoded, so both questions are answered SPY_ENOTSUP. */
#include "../lockinfo.h"

#include <string.h>

int spy_futex_waiters(spy_seg *seg, spy_waiters *w, spy_err *err) {
    (void)seg;
    memset(w, 0, sizeof *w);
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "futex waiters: not available on Windows (it has no "
                       "futexes; its locks in shared memory are not decoded)");
}

void spy_waiters_free(spy_waiters *w) {
    memset(w, 0, sizeof *w);
}

int spy_thread_lookup(int32_t tid, spy_thread_who *out, spy_err *err) {
    memset(out, 0, sizeof *out);
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "thread %ld: looking up a lock owner's thread is not "
                       "available on Windows (its locks in shared memory are "
                       "not decoded)",
                       (long)tid);
}

int spy_lock_native_mutex(spy_layout *l, uint32_t *idx, spy_err *err) {
    (void)l;
    (void)idx;
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "pthread_mutex_t: Windows has no glibc mutexes");
}
