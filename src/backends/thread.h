/* thread.h - threads and one monitor (a lock with a condition), for work
 * that runs on several cores (the parallel dump).
 *
 * Part of the OS boundary, like term.h: posix/thread.c (pthreads) and
 * win32/thread.c (CreateThread, SRWLOCK and CONDITION_VARIABLE). Nothing
 * outside src/backends/ names a pthread or a HANDLE. */
#ifndef SPY_THREAD_H
#define SPY_THREAD_H

#include "../core/err.h"

typedef struct spy_thread spy_thread;
typedef struct spy_monitor spy_monitor;

/* Starts fn(arg) on a new thread. On success *out is the thread, to be
 * given to spy_thread_join exactly once. Fails with SPY_ENOMEM (or
 * SPY_EIO) when the OS cannot start one; nothing then runs fn. */
int spy_thread_start(void (*fn)(void *arg), void *arg, spy_thread **out,
                     spy_err *err);

/* Waits for the thread to return from fn, then frees it. */
void spy_thread_join(spy_thread *t);

/* Number of processors this process may run on (at least 1). */
unsigned spy_cpu_count(void);

/* A lock and a condition variable together. spy_monitor_new stores a new
 * monitor in *out (SPY_ENOMEM when it cannot); free it, unlocked and with
 * no waiter, with spy_monitor_free. */
int spy_monitor_new(spy_monitor **out, spy_err *err);
void spy_monitor_free(spy_monitor *m);

/* Takes / releases the lock. Not recursive. */
void spy_monitor_lock(spy_monitor *m);
void spy_monitor_unlock(spy_monitor *m);

/* Releases the lock (which the caller holds), sleeps until a broadcast
 * (or spuriously), takes the lock again. Callers re-test their condition
 * in a loop. */
void spy_monitor_wait(spy_monitor *m);

/* Wakes every thread waiting on m. */
void spy_monitor_broadcast(spy_monitor *m);

#endif
