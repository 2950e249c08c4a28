/* TEMPORARY (l-locks): a local stand-in for core/locks.c until branch
 * l-core is merged; removed then. Only the named semaphore is decoded. */
#include <stdio.h>
#include <string.h>

#include "../core/locks.h"

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

spy_lock_kind spy_lock_kind_of(const spy_layout *l, uint32_t t) {
    return t < l->ntypes && strcmp(l->types[t].name, "pthread_mutex_t") == 0
               ? SPY_LOCK_MUTEX
               : SPY_LOCK_NONE;
}

static int word(const spy_layout *l, const spy_lfield *f, const uint8_t *p,
                size_t n, const char *path, uint32_t *v, uint64_t *off) {
    spy_lfield s;
    if (spy_layout_field(l, f->type, f->offset, f->size, path, &s, NULL) != 0 ||
        s.offset - f->offset + 4 > n)
        return -1;
    *v = le32(p + (s.offset - f->offset));
    if (off != NULL)
        *off = s.offset;
    return 0;
}

spy_lock_kind spy_lock_decode(const spy_layout *l, const spy_lfield *f,
                              const uint8_t *p, size_t n, spy_lock_state *out) {
    uint32_t lock, owner, kind, count;
    memset(out, 0, sizeof *out);
    out->kind = spy_lock_kind_of(l, f->type);
    if (out->kind == SPY_LOCK_NONE)
        return SPY_LOCK_NONE;
    if (word(l, f, p, n, "__data.__lock", &lock, &out->futex_off) != 0 ||
        word(l, f, p, n, "__data.__owner", &owner, NULL) != 0 ||
        word(l, f, p, n, "__data.__kind", &kind, NULL) != 0 ||
        word(l, f, p, n, "__data.__count", &count, NULL) != 0)
        return out->kind;
    out->decoded = 1;
    out->robust = (kind & 16) != 0;
    out->pshared = (kind & 128) != 0;
    out->mutex_type = (int)(kind & 3);
    out->count = count;
    out->inconsistent = owner == 0x7fffffff;
    if (out->robust) {
        out->owner_died = (lock & 0x40000000u) != 0;
        out->waiters_flag = (lock & 0x80000000u) != 0;
        out->owner_tid =
            (lock & 0x3fffffff) ? (int32_t)(lock & 0x3fffffff) : (int32_t)owner;
        out->locked = (lock & 0x3fffffff) != 0 || out->owner_died;
    } else {
        out->locked = lock != 0;
        out->waiters_flag = lock > 1;
        out->owner_tid = (int32_t)owner;
    }
    return out->kind;
}

void spy_lock_decode_sem(const uint8_t *p, size_t n, spy_lock_state *out) {
    memset(out, 0, sizeof *out);
    out->kind = SPY_LOCK_SEM;
    if (n < 8)
        return;
    out->decoded = 1;
    out->sem_value = le32(p);
    out->sem_waiters = le32(p + 4);
}

void spy_lock_text(const spy_lock_state *s, char *out, size_t cap) {
    if (s->kind == SPY_LOCK_MUTEX)
        snprintf(out, cap, "%s%d%s%s",
                 s->locked ? "locked by tid " : "unlocked",
                 s->locked ? (int)s->owner_tid : 0,
                 s->waiters_flag ? ", waiters flag set" : "",
                 s->owner_died ? ", owner died holding it (robust)" : "");
    else
        snprintf(out, cap, "value %u, %u waiters", (unsigned)s->sem_value,
                 (unsigned)s->sem_waiters);
}
