/* changes.c - change tracking for the visible window of the hex view.
 *
 * Pure C11. The window is a few KiB at most (what fits on a screen), so a
 * byte array and a timestamp array of that length are all the state; an
 * update is one pass over the window, with memcmp skipping equal runs. */
#include "changes.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_FADE_MS 2000
#define BUCKET_MS (1000 / SPY_CHANGES_BUCKETS)
/* Length of the runs compared with memcmp before looking at single bytes. */
#define RUN 64

static void stats_clear(spy_changes *c) {
    size_t i;

    c->have_last = 0;
    c->last_off = 0;
    c->last_ms = 0;
    c->total = 0;
    for (i = 0; i < SPY_CHANGES_BUCKETS; i++) {
        c->bucket_id[i] = UINT64_MAX;
        c->bucket_n[i] = 0;
    }
}

void spy_changes_init(spy_changes *c, uint32_t fade_ms) {
    memset(c, 0, sizeof *c);
    c->fade_ms = fade_ms != 0 ? fade_ms : DEFAULT_FADE_MS;
    stats_clear(c);
}

void spy_changes_free(spy_changes *c) {
    free(c->prev);
    free(c->when);
    c->prev = NULL;
    c->when = NULL;
    c->cap = 0;
    c->len = 0;
}

void spy_changes_reset(spy_changes *c) {
    c->base = 0;
    c->len = 0;
    stats_clear(c);
}

/* Makes room for n entries, keeping the current ones. 0 or -1. */
static int reserve(spy_changes *c, size_t n) {
    uint8_t *p;
    uint64_t *w;
    size_t cap;

    if (n <= c->cap)
        return 0;
    cap = c->cap != 0 ? c->cap : 256;
    while (cap < n)
        cap = cap > SIZE_MAX / 2 ? n : cap * 2;
    if (cap > SIZE_MAX / sizeof *w)
        return -1;
    p = realloc(c->prev, cap);
    if (p == NULL)
        return -1;
    c->prev = p;
    w = realloc(c->when, cap * sizeof *w);
    if (w == NULL)
        return -1;
    c->when = w;
    c->cap = cap;
    return 0;
}

/* Adds n changed bytes to the per-second counter at now_ms. */
static void count(spy_changes *c, uint64_t n, uint64_t now_ms) {
    uint64_t id = now_ms / BUCKET_MS;
    size_t slot = (size_t)(id % SPY_CHANGES_BUCKETS);

    if (c->bucket_id[slot] != id) {
        c->bucket_id[slot] = id;
        c->bucket_n[slot] = 0;
    }
    c->bucket_n[slot] += n;
}

long spy_changes_update(spy_changes *c, uint64_t base, const uint8_t *bytes,
                        size_t len, uint64_t now_ms) {
    uint64_t ov_lo, ov_hi, old_end = c->base + c->len, end = base + len;
    size_t i, keep_at = 0, keep_n = 0, lo_i = 0, hi_i = 0;
    uint64_t first = UINT64_MAX;
    long changed = 0;

    if (reserve(c, len) != 0) {
        spy_changes_reset(c);
        return -1;
    }
    /* Move the part of the old window that stays visible to its place in
     * the new one; everything else becomes a fresh baseline. */
    ov_lo = base > c->base ? base : c->base;
    ov_hi = end < old_end ? end : old_end;
    if (c->len != 0 && ov_lo < ov_hi) {
        keep_at = (size_t)(ov_lo - base);
        keep_n = (size_t)(ov_hi - ov_lo);
        if (base != c->base) {
            size_t from = (size_t)(ov_lo - c->base);
            memmove(c->prev + keep_at, c->prev + from, keep_n);
            memmove(c->when + keep_at, c->when + from,
                    keep_n * sizeof *c->when);
        }
    }
    for (i = 0; i < keep_at; i++)
        c->when[i] = 0;
    for (i = keep_at + keep_n; i < len; i++)
        c->when[i] = 0;
    if (keep_at > 0)
        memcpy(c->prev, bytes, keep_at);
    if (keep_at + keep_n < len)
        memcpy(c->prev + keep_at + keep_n, bytes + keep_at + keep_n,
               len - keep_at - keep_n);

    /* Compare what stayed, a run at a time. */
    lo_i = keep_at;
    hi_i = keep_at + keep_n;
    for (i = lo_i; i < hi_i;) {
        size_t n = hi_i - i < RUN ? hi_i - i : RUN, j;
        if (memcmp(c->prev + i, bytes + i, n) == 0) {
            i += n;
            continue;
        }
        for (j = i; j < i + n; j++) {
            if (c->prev[j] != bytes[j]) {
                c->prev[j] = bytes[j];
                c->when[j] = now_ms + 1;
                if (first == UINT64_MAX)
                    first = base + j;
                changed++;
            }
        }
        i += n;
    }
    c->base = base;
    c->len = len;
    if (changed > 0) {
        c->have_last = 1;
        c->last_off = first;
        c->last_ms = now_ms;
        c->total += (uint64_t)changed;
        count(c, (uint64_t)changed, now_ms);
    }
    return changed;
}

uint64_t spy_changes_age(const spy_changes *c, uint64_t off, uint64_t now_ms) {
    uint64_t w;

    if (off < c->base || off - c->base >= c->len)
        return UINT64_MAX;
    w = c->when[off - c->base];
    if (w == 0)
        return UINT64_MAX;
    w--;
    return now_ms > w ? now_ms - w : 0;
}

int spy_changes_level(const spy_changes *c, uint64_t off, uint64_t now_ms,
                      int levels) {
    uint64_t age = spy_changes_age(c, off, now_ms), left;

    if (levels <= 0 || age >= c->fade_ms)
        return 0;
    left = c->fade_ms - age; /* 1 .. fade_ms */
    /* Ceiling of levels * left / fade_ms: levels at age 0, 1 at the end. */
    return (int)(((uint64_t)levels * left + c->fade_ms - 1) / c->fade_ms);
}

int spy_changes_active(const spy_changes *c, uint64_t now_ms) {
    /* now_ms may be a fade clock rounded down to before the last change:
     * that change is still lit, not 2^64 ms old. */
    return c->have_last &&
           (now_ms < c->last_ms || now_ms - c->last_ms < c->fade_ms);
}

uint64_t spy_changes_rate(const spy_changes *c, uint64_t now_ms) {
    uint64_t id = now_ms / BUCKET_MS, sum = 0;
    size_t i;

    for (i = 0; i < SPY_CHANGES_BUCKETS; i++) {
        uint64_t b = c->bucket_id[i];
        if (b != UINT64_MAX && b <= id && id - b < SPY_CHANGES_BUCKETS)
            sum += c->bucket_n[i];
    }
    return sum;
}
