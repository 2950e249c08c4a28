/* locks.h - what a lock in a segment means, once for the CLI and the TUI:
 * the core's decoding of its bytes (core/locks.h) joined with the OS's
 * facts (backends/lockinfo.h) - who its owner thread is now, or that it
 * is gone, and which threads sleep on it - and the state of a named
 * semaphore (/dev/shm/sem.NAME), which needs no layout.
 *
 * A report owns its waiter array: spy_lock_report_free releases it. The
 * futex waiters of a segment are gathered once (spy_futex_waiters) and
 * handed to every report of that segment, so a dump with ten locks reads
 * each thread's syscall file once. */
#ifndef SPY_OPS_LOCKS_H
#define SPY_OPS_LOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "../backends/lockinfo.h"
#include "../backends/seg.h"
#include "../core/err.h"
#include "../core/json.h"
#include "../core/layout.h"
#include "../core/locks.h"

/* One lock, explained. */
typedef struct spy_lock_report {
    spy_lock_state st;  /* its bytes, decoded (st.kind NONE: no lock) */
    uint64_t off, size; /* where it lies in the segment */
    /* The owner (mutex; rwlock writer): looked up when st.owner_tid != 0 */
    int owner_looked_up;  /* 1: owner says who st.owner_tid is now */
    spy_thread_who owner; /* owner.exists 0: no such thread now */
    int owner_dead;       /* the lock is held by a thread that no longer
                             exists, or the kernel marked its owner dead
                             (robust mutex, st.owner_died) */
    int sees_all;         /* 0: shmspy runs in a PID namespace of its
                             own, so a missing owner may live outside */
    char lookup_error[SPY_ERR_MSG_MAX]; /* why the owner could not be looked up,
                                           or "" */
    /* Threads asleep in futex() on a word inside [off, off + size). */
    int waiters_known;   /* 0: the OS could not say (waiters_error) */
    spy_waiter *waiters; /* malloc'd copies; nwaiters of them */
    size_t nwaiters;
    size_t unreadable; /* threads of mappers that could not be read */
    char waiters_error[SPY_ERR_MSG_MAX];
} spy_lock_report;

/* Explains the lock field f of layout l whose bytes are p[0..n) (p[0] is
 * the byte at f->offset): the core's decoding, the owner's lookup and
 * the waiters among w (the segment's futex waiters from
 * spy_futex_waiters; NULL: not known, waiters_error says why_no_waiters
 * or "not looked for"). *out is initialised here; free it with
 * spy_lock_report_free whatever is returned. Errors: SPY_EINVAL when f is
 * not a lock type (out->st.kind NONE); SPY_ENOMEM. A failed owner lookup
 * is not an error of the call: lookup_error says it. */
int spy_lock_report_make(const spy_layout *l, const spy_lfield *f,
                         const uint8_t *p, size_t n, const spy_waiters *w,
                         const char *why_no_waiters, spy_lock_report *out,
                         spy_err *err);

/* The same, reading the field's bytes from the open segment seg and
 * gathering its futex waiters itself (one pass; use spy_lock_report_make
 * with one spy_futex_waiters for several locks). Errors: those of
 * spy_seg_read (SPY_ERANGE, SPY_EFAULT) and spy_lock_report_make. Where
 * the OS cannot list waiters (Windows) the report says so; not an error. */
int spy_lock_report_read(spy_seg *seg, const spy_layout *l, const spy_lfield *f,
                         spy_lock_report *out, spy_err *err);

/* Releases what r owns and empties it. */
void spy_lock_report_free(spy_lock_report *r);

/* One line about r, never a control character: "mutex: locked by tid
 * 4242 (pid 4242 worker), 1 waiter: tid 4250 (pid 4250 client)";
 * "mutex: locked; owner thread 1234 no longer exists: the lock is held by
 * a dead thread"; "semaphore: value 3, 0 waiters". */
void spy_lock_report_text(const spy_lock_report *r, char *out, size_t cap);

/* Writes r as one JSON object: {"lock": "mutex", "decoded": true,
 * "locked": true, "owner_tid": 4242, "owner": {"exists": true, "pid":
 * 4242, "comm": "worker"} | null, "owner_dead": false, ..., "waiters":
 * [{"pid", "tid", "comm", "offset"}] | null, "waiters_unreadable": 0}
 * (fields per kind are listed in the man page, LOCKS). */
void spy_lock_report_json(const spy_lock_report *r, spy_json *j);

/* A named semaphore's state, without any layout. */
typedef struct spy_sem_report {
    int decoded;          /* 0: its bytes could not be read (error) */
    uint32_t value;       /* sem_getvalue's answer */
    uint32_t waiters;     /* the count glibc keeps in the semaphore */
    int waiters_known;    /* 0: sleeping threads could not be listed */
    spy_waiter *sleepers; /* threads seen asleep on it (malloc'd) */
    size_t nsleepers;
    size_t unreadable;           /* threads of its mappers not readable */
    char error[SPY_ERR_MSG_MAX]; /* why not decoded, or "" */
} spy_sem_report;

/* Reads the named semaphore open as seg (kind SPY_KIND_SEM): its 32
 * bytes decoded by spy_lock_decode_sem, and the threads asleep on it.
 * *out is initialised here; free with spy_sem_report_free always.
 * Errors: those of spy_seg_read (a semaphore file shorter than 32 bytes
 * is SPY_ERANGE), SPY_ENOMEM. */
int spy_sem_report_read(spy_seg *seg, spy_sem_report *out, spy_err *err);

/* The same for the semaphore called name ("/sem.NAME" as listed), opened
 * read-only for the call. */
int spy_sem_report_of(const char *name, spy_sem_report *out, spy_err *err);

/* Releases what r owns and empties it. */
void spy_sem_report_free(spy_sem_report *r);

/* "value 3, 1 waiter (pid 4250 client)" or "value 1, 0 waiters". */
void spy_sem_report_text(const spy_sem_report *r, char *out, size_t cap);

/* Writes the members "sem_value", "sem_waiters" and "sem_waiting" (an
 * array of {"pid", "tid", "comm"}, null when not known) into the open
 * object of j. */
void spy_sem_report_json_members(const spy_sem_report *r, spy_json *j);

#endif
