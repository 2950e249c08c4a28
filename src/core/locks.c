/* locks.c - glibc's locks read from their bytes (see locks.h).
 *
 * The meaning of the words, from glibc's nptl (2.25 and later):
 * - pthread_mutex_t.__data.__lock: 0 free; a normal mutex 1 locked, 2
 *   locked with sleepers. A robust or priority-inheritance mutex keeps the
 *   owner's thread id in it (the kernel's futex protocol) with
 *   FUTEX_WAITERS (bit 31) when someone sleeps and FUTEX_OWNER_DIED (bit
 *   30), set by the kernel when the owner exited holding it. __owner is the
 *   owner's tid for every kind, PTHREAD_MUTEX_INCONSISTENT (INT_MAX) once
 *   an owner died and the next one did not call
 *   pthread_mutex_consistent, INT_MAX - 1 when it is not recoverable.
 *   __kind: type in bits 0-1, robust 16, prio-inherit 32, prio-protect
 *   64, process-shared 128.
 * - pthread_rwlock_t.__data.__readers: bit 0 write phase, bit 1 write
 *   locked, bit 2 readers waiting, readers count from bit 3; __cur_writer
 *   the writer's tid; both readers and writers sleep on __wrphase_futex,
 *   writers also on __writers_futex (bit 31 set when used).
 * - pthread_cond_t.__data.__wrefs: waiters from bit 3 (bits 0-2 are
 *   flags); waiters sleep on __g_signals.
 * - sem_t (64-bit): one 64-bit word, value in the low 32 bits, waiters in
 *   the high 32, then an int `private`: glibc's LLL_SHARED (128) when
 *   process-shared, LLL_PRIVATE (0) when not. */
#include "locks.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define MUTEX_INCONSISTENT INT_MAX
#define MUTEX_NOTRECOVERABLE (INT_MAX - 1)
#define KIND_ROBUST 16
#define KIND_PI 32
#define KIND_PSHARED 128
#define RW_WRLOCKED 2u
#define RW_RWAITING 4u
#define RW_READER_SHIFT 3
#define RW_FUTEX_USED 0x80000000u
#define COND_WREFS_SHIFT 3

static const struct {
    const char *name;
    spy_lock_kind kind;
    int inner; /* the __data struct itself: fields without "__data." */
} names[] = {
    {"sem_t", SPY_LOCK_SEM, 0},
    {"pthread_mutex_t", SPY_LOCK_MUTEX, 0},
    {"struct __pthread_mutex_s", SPY_LOCK_MUTEX, 1},
    {"pthread_rwlock_t", SPY_LOCK_RWLOCK, 0},
    {"struct __pthread_rwlock_arch_t", SPY_LOCK_RWLOCK, 1},
    {"pthread_cond_t", SPY_LOCK_COND, 0},
    {"struct __pthread_cond_s", SPY_LOCK_COND, 1},
};

static int lookup(const spy_layout *l, uint32_t t, int *inner) {
    size_t i;

    if (t >= l->ntypes)
        return -1;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(l->types[t].name, names[i].name) == 0) {
            if (inner != NULL)
                *inner = names[i].inner;
            return (int)i;
        }
    return -1;
}

spy_lock_kind spy_lock_kind_of(const spy_layout *l, uint32_t t) {
    int i = lookup(l, t, NULL);

    return i < 0 ? SPY_LOCK_NONE : names[i].kind;
}

static uint64_t load(const uint8_t *p, size_t n, int be) {
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (be)
            v = (v << 8) | p[i];
        else
            v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

/* Reads the 4-byte integer field `name` (under __data. unless inner) of
 * lock field f; its segment offset in *off. 0, or -1 when the layout does
 * not have it (or the bytes do not hold it). */
static int word(const spy_layout *l, const spy_lfield *f, int inner,
                const uint8_t *p, size_t n, const char *name, uint32_t *v,
                uint64_t *off) {
    char path[64];
    spy_lfield w;

    snprintf(path, sizeof path, "%s%s", inner ? "" : "__data.", name);
    if (spy_layout_field(l, f->type, f->offset, n, path, &w, NULL) != 0)
        return -1;
    if (w.size != 4 || w.bit_size != 0 || w.offset < f->offset ||
        w.offset - f->offset + 4 > n)
        return -1;
    *v = (uint32_t)load(p + (w.offset - f->offset), 4, l->big_endian);
    if (off != NULL)
        *off = w.offset;
    return 0;
}

static void decode_mutex(const spy_layout *l, const spy_lfield *f, int inner,
                         const uint8_t *p, size_t n, spy_lock_state *s) {
    uint32_t lock, owner, kind = 0, count;
    int32_t sowner;

    if (word(l, f, inner, p, n, "__lock", &lock, &s->futex_off) != 0 ||
        word(l, f, inner, p, n, "__owner", &owner, NULL) != 0)
        return;
    s->decoded = 1;
    sowner = (int32_t)owner;
    if (word(l, f, inner, p, n, "__kind", &kind, NULL) == 0) {
        s->mutex_type = (int)(kind & 3);
        s->robust = (kind & KIND_ROBUST) != 0;
        s->pshared = (kind & KIND_PSHARED) != 0;
    }
    if (word(l, f, inner, p, n, "__count", &count, NULL) == 0)
        s->count = count;
    s->inconsistent =
        sowner == MUTEX_INCONSISTENT || sowner == MUTEX_NOTRECOVERABLE;
    if (s->robust || (kind & KIND_PI) != 0) {
        /* The lock word is the futex protocol's: tid and two flags. */
        s->locked = (lock & FUTEX_TID_MASK) != 0;
        s->waiters_flag = (lock & FUTEX_WAITERS) != 0;
        s->owner_died = (lock & FUTEX_OWNER_DIED) != 0;
        if (s->locked)
            s->owner_tid = (int32_t)(lock & FUTEX_TID_MASK);
        else if (s->owner_died && !s->inconsistent)
            s->owner_tid = sowner; /* the thread that died holding it */
    } else {
        s->locked = lock != 0;
        s->waiters_flag = lock > 1;
        if (s->locked && !s->inconsistent)
            s->owner_tid = sowner;
    }
    if (!s->locked && !s->owner_died)
        s->count = 0;
}

static void decode_rwlock(const spy_layout *l, const spy_lfield *f, int inner,
                          const uint8_t *p, size_t n, spy_lock_state *s) {
    uint32_t readers, writer = 0, wrphase = 0, wfutex = 0;

    if (word(l, f, inner, p, n, "__readers", &readers, NULL) != 0 ||
        word(l, f, inner, p, n, "__wrphase_futex", &wrphase, &s->futex_off) !=
            0)
        return;
    s->decoded = 1;
    (void)word(l, f, inner, p, n, "__cur_writer", &writer, NULL);
    (void)word(l, f, inner, p, n, "__writers_futex", &wfutex, NULL);
    s->readers = readers >> RW_READER_SHIFT;
    s->locked = s->readers > 0 || (readers & RW_WRLOCKED) != 0;
    if (readers & RW_WRLOCKED)
        s->owner_tid = (int32_t)writer;
    s->waiters_flag = (readers & RW_RWAITING) != 0 ||
                      (wfutex & RW_FUTEX_USED) != 0 ||
                      (wrphase & RW_FUTEX_USED) != 0;
    {
        uint32_t shared;
        if (word(l, f, inner, p, n, "__shared", &shared, NULL) == 0)
            s->pshared = shared != 0;
    }
}

static void decode_cond(const spy_layout *l, const spy_lfield *f, int inner,
                        const uint8_t *p, size_t n, spy_lock_state *s) {
    uint32_t wrefs, sig;

    if (word(l, f, inner, p, n, "__wrefs", &wrefs, NULL) != 0)
        return;
    s->decoded = 1;
    s->cond_waiters = wrefs >> COND_WREFS_SHIFT;
    s->pshared = (wrefs & 1) != 0;
    if (word(l, f, inner, p, n, "__g_signals[0]", &sig, &s->futex_off) != 0)
        s->futex_off = 0;
}

/* The 64-bit sem_t word, in byte order be. */
static void decode_sem(const uint8_t *p, size_t n, int be, uint64_t base,
                       spy_lock_state *s) {
    uint64_t v;

    s->kind = SPY_LOCK_SEM;
    if (n < 8)
        return;
    v = load(p, 8, be);
    s->decoded = 1;
    s->sem_value = (uint32_t)(v & 0xffffffffu);
    s->sem_waiters = (uint32_t)(v >> 32);
    /* The futex is the value's 32-bit half. */
    s->futex_off = base + (be ? 4 : 0);
    if (n >= 12)
        s->pshared = load(p + 8, 4, be) != 0;
}

spy_lock_kind spy_lock_decode(const spy_layout *l, const spy_lfield *f,
                              const uint8_t *p, size_t n, spy_lock_state *out) {
    int inner = 0, i;

    memset(out, 0, sizeof *out);
    if (f->bit_size != 0)
        return SPY_LOCK_NONE;
    i = lookup(l, f->type, &inner);
    if (i < 0)
        return SPY_LOCK_NONE;
    out->kind = names[i].kind;
    if (p == NULL)
        return out->kind;
    switch (out->kind) {
    case SPY_LOCK_SEM:
        /* Only the 64-bit layout is known (32-bit glibc differs). */
        if (l->pointer_size == 8)
            decode_sem(p, n < f->size ? n : (size_t)f->size, l->big_endian,
                       f->offset, out);
        break;
    case SPY_LOCK_MUTEX:
        decode_mutex(l, f, inner, p, n, out);
        break;
    case SPY_LOCK_RWLOCK:
        decode_rwlock(l, f, inner, p, n, out);
        break;
    case SPY_LOCK_COND:
        decode_cond(l, f, inner, p, n, out);
        break;
    case SPY_LOCK_NONE:
        break;
    }
    return out->kind;
}

void spy_lock_decode_sem(const uint8_t *p, size_t n, spy_lock_state *out) {
    const uint16_t one = 1;
    uint8_t b[2];

    memcpy(b, &one, 2);
    memset(out, 0, sizeof *out);
    /* A named semaphore was written by this machine: host byte order. */
    decode_sem(p, n, b[0] == 0, 0, out);
}

static const char *mutex_type_name(int t) {
    static const char *const n[] = {"normal", "recursive", "errorcheck",
                                    "adaptive"};
    return n[t & 3];
}

void spy_lock_text(const spy_lock_state *s, char *out, size_t cap) {
    size_t o = 0;

    if (cap == 0)
        return;
    out[0] = '\0';
#define PUT(...)                                                               \
    do {                                                                       \
        if (o < cap) {                                                         \
            int k_ = snprintf(out + o, cap - o, __VA_ARGS__);                  \
            o += k_ > 0 ? (size_t)k_ : 0;                                      \
        }                                                                      \
    } while (0)
    switch (s->kind) {
    case SPY_LOCK_NONE:
        PUT("not a lock");
        return;
    case SPY_LOCK_SEM:
        if (!s->decoded)
            PUT("semaphore (layout unknown)");
        else
            PUT("value %u, %u waiter%s", s->sem_value, s->sem_waiters,
                s->sem_waiters == 1 ? "" : "s");
        return;
    case SPY_LOCK_MUTEX:
        if (!s->decoded) {
            PUT("mutex (its fields are not in the layout)");
            return;
        }
        if (s->inconsistent)
            PUT("inconsistent: an owner died and it was not made "
                "consistent");
        else if (s->owner_died && !s->locked)
            PUT("owner died holding it (robust), tid %d", (int)s->owner_tid);
        else if (s->locked && s->owner_tid != 0)
            PUT("locked by tid %d", (int)s->owner_tid);
        else if (s->locked)
            PUT("locked");
        else
            PUT("unlocked");
        if (s->locked && s->mutex_type == 1)
            PUT(", count %u", s->count);
        if (s->waiters_flag)
            PUT(", waiters flag set");
        PUT(" (%s%s%s)", mutex_type_name(s->mutex_type),
            s->robust ? ", robust" : "", s->pshared ? ", shared" : "");
        return;
    case SPY_LOCK_RWLOCK:
        if (!s->decoded) {
            PUT("rwlock (its fields are not in the layout)");
            return;
        }
        if (s->owner_tid != 0)
            PUT("write-locked by tid %d", (int)s->owner_tid);
        else if (s->readers > 0)
            PUT("read-locked by %u reader%s", s->readers,
                s->readers == 1 ? "" : "s");
        else if (s->locked)
            PUT("write-locked");
        else
            PUT("unlocked");
        if (s->waiters_flag)
            PUT(", waiters");
        return;
    case SPY_LOCK_COND:
        if (!s->decoded)
            PUT("condition (its fields are not in the layout)");
        else
            PUT("%u waiter%s", s->cond_waiters,
                s->cond_waiters == 1 ? "" : "s");
        return;
    }
#undef PUT
}
