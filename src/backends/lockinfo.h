/* lockinfo.h - the OS's facts about locks inside a segment: which threads
 * sleep on a futex word in it, and who a thread id is.
 *
 * posix/lockinfo.c reads /proc/PID/task/TID/syscall of every process that
 * maps the segment (the futex syscall and its first argument, the word's
 * address in that process, turned into a segment offset through the
 * process's own mapping of the segment) and /proc/TID/status. Reading
 * another user's syscall file needs the ptrace read-access rule
 * (CAP_SYS_PTRACE, or same user and kernel.yama.ptrace_scope allowing it):
 * threads that could not be read are counted, never guessed.
 * win32/lockinfo.c answers SPY_ENOTSUP (no futexes; Windows locks in
 * shared memory are not decoded). */
#ifndef SPY_LOCKINFO_H
#define SPY_LOCKINFO_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/layout.h"
#include "seg.h"

typedef struct spy_waiter {
    int pid, tid;
    char comm[32]; /* the thread's process's command, escaped for a
                      terminal */
    uint64_t off;  /* segment offset of the futex word it sleeps on */
} spy_waiter;

typedef struct spy_waiters {
    spy_waiter *v; /* malloc'd; spy_waiters_free releases it */
    size_t n;
    size_t unreadable; /* threads of mappers whose syscall file we could
                          not read (permission) */
} spy_waiters;

/* Fills w with every thread blocked in futex() on a word inside the open
 * segment seg, in any process that maps it. Errors: SPY_ENOTSUP where
 * there is no such facility; SPY_ENOMEM. */
int spy_futex_waiters(spy_seg *seg, spy_waiters *w, spy_err *err);
void spy_waiters_free(spy_waiters *w);

typedef struct spy_thread_who {
    int exists;    /* 1: a thread with this id runs now */
    int pid;       /* its process (thread group) */
    char comm[32]; /* the process's command, escaped */
} spy_thread_who;

/* Who thread id tid is now. exists 0 when no such thread: for a lock
 * owner, that means the owner died holding it (or the id is from another
 * PID namespace: the caller says so when spy_sees_all_processes is 0). */
int spy_thread_lookup(int32_t tid, spy_thread_who *out, spy_err *err);

/* Appends glibc's pthread_mutex_t to layout l as the C library shmspy was
 * built against lays it out (offsetof and sizeof from its headers): the
 * scalar types it needs, a struct "struct __pthread_mutex_s" with __lock,
 * __count, __owner, __nusers and __kind, and a union "pthread_mutex_t"
 * with member __data of it; *idx gets the union's index. For shmspy's
 * own experiments and tests, whose processes are built with the same
 * headers: a user's program is described by its own debug information
 * (layoutsrc.h). Call it where the builder may start a new type (no
 * struct awaiting members). Errors: SPY_ENOMEM, SPY_ERANGE from the
 * builder; SPY_ENOTSUP where there is no glibc (Windows). */
int spy_lock_native_mutex(spy_layout *l, uint32_t *idx, spy_err *err);

#endif
