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
    (void)l;
    (void)t;
    return SPY_LOCK_NONE;
}

spy_lock_kind spy_lock_decode(const spy_layout *l, const spy_lfield *f,
                              const uint8_t *p, size_t n, spy_lock_state *out) {
    (void)l;
    (void)f;
    (void)p;
    (void)n;
    memset(out, 0, sizeof *out);
    return SPY_LOCK_NONE;
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
    snprintf(out, cap, "value %u, %u waiters", (unsigned)s->sem_value,
             (unsigned)s->sem_waiters);
}

