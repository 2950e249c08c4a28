/* locks.h - what the bytes of a lock say: glibc's sem_t, pthread_mutex_t,
 * pthread_rwlock_t and pthread_cond_t.
 *
 * The mutex, rwlock and cond fields are found BY NAME in the layout
 * (glibc's own headers name them: __data.__lock, __data.__owner,
 * __data.__kind, __data.__count, __data.__readers, __data.__cur_writer,
 * __data.__wrefs ...), so their offsets come from the system's DWARF or a
 * layout file written from it, never from a table here. sem_t is opaque in
 * the headers (a union of char[32] and long): its internal layout on
 * 64-bit glibc (x86-64 and aarch64) is one 64-bit word, the value in the
 * low 32 bits and the number of waiters in the high 32 bits, and that is
 * the one layout written down here; named semaphores (/dev/shm/sem.NAME)
 * are read the same way without any layout.
 *
 * Who the owner is, whether it still lives and which threads wait is the
 * OS's answer (backends/locks.h); this file only reads bytes. */
#ifndef SPY_LOCKS_H
#define SPY_LOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"

typedef enum spy_lock_kind {
    SPY_LOCK_NONE = 0, /* not a lock type */
    SPY_LOCK_SEM,      /* sem_t */
    SPY_LOCK_MUTEX,    /* pthread_mutex_t */
    SPY_LOCK_RWLOCK,   /* pthread_rwlock_t */
    SPY_LOCK_COND      /* pthread_cond_t */
} spy_lock_kind;

typedef struct spy_lock_state {
    spy_lock_kind kind;
    int decoded; /* 0: the type is a lock but its fields were not
                    found (a hand-written layout without them) */
    /* sem_t */
    uint32_t sem_value;
    uint32_t sem_waiters; /* the count glibc keeps; backends add futex
                             waiters it sees */
    /* pthread_mutex_t */
    int locked;          /* mutex: lock word non-zero; rwlock: write- or
                            read-locked */
    int32_t owner_tid;   /* mutex, rwlock writer: thread id, 0 if none;
                            with owner_died (and not locked): the thread
                            that died holding it */
    int waiters_flag;    /* FUTEX_WAITERS set: someone sleeps on it */
    int owner_died;      /* FUTEX_OWNER_DIED set by the kernel for a robust
                            mutex whose owner exited holding it */
    int inconsistent;    /* __owner == PTHREAD_MUTEX_INCONSISTENT */
    uint32_t count;      /* recursive mutex: lock count */
    int mutex_type;      /* PTHREAD_MUTEX_NORMAL.. (kind & 3 when known) */
    int robust, pshared; /* kind bits 16 and 128 */
    /* pthread_rwlock_t */
    uint32_t readers; /* readers holding it */
    /* pthread_cond_t */
    uint32_t cond_waiters;
    uint64_t futex_off; /* segment offset of the word waiters sleep on */
} spy_lock_state;

/* The lock kind of type index t by its name (sem_t, pthread_mutex_t,
 * pthread_rwlock_t, pthread_cond_t, and their struct/union names in
 * glibc), SPY_LOCK_NONE otherwise. */
spy_lock_kind spy_lock_kind_of(const spy_layout *l, uint32_t t);
/* Decodes the lock field f from its bytes p (n bytes, p[0] at f->offset).
 * Returns the kind (SPY_LOCK_NONE when f is not a lock). */
spy_lock_kind spy_lock_decode(const spy_layout *l, const spy_lfield *f,
                              const uint8_t *p, size_t n, spy_lock_state *out);
/* A named semaphore's 32 bytes (sem.NAME) decoded without a layout. */
void spy_lock_decode_sem(const uint8_t *p, size_t n, spy_lock_state *out);
/* One line about s, without the OS's facts: "locked by tid 4242, waiters
 * flag set", "unlocked", "value 3, 0 waiters", "owner died holding it
 * (robust)". */
void spy_lock_text(const spy_lock_state *s, char *out, size_t cap);

#endif
