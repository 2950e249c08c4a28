/* changes.h - which bytes of a visible window changed, and how long ago.
 *
 * Pure C11. The hex view hands the tracker the bytes it just read for the
 * window on screen; the tracker compares them with the previous read of
 * the same offsets and remembers, per byte, when it last changed, so that
 * the view can highlight a change and let it fade. Only the window is kept:
 * memory and work per update are proportional to what is visible, never to
 * the size of the segment.
 *
 * Times are caller-supplied monotonic milliseconds (spy_monotonic_ms), so
 * the module is testable without a clock. */
#ifndef SPY_CHANGES_H
#define SPY_CHANGES_H

#include <stddef.h>
#include <stdint.h>

/* Buckets of the bytes-changed-per-second counter (each 1/N second). */
#define SPY_CHANGES_BUCKETS 10

/* The tracker. Callers read the fields documented as such and change
 * nothing directly. */
typedef struct spy_changes {
    /* Read-only for callers. */
    uint64_t base;     /* offset of the window's first byte */
    size_t len;        /* bytes in the window */
    uint32_t fade_ms;  /* how long a change stays lit */
    int have_last;     /* a change has been seen since the last reset */
    uint64_t last_off; /* lowest offset changed by the latest update
                          that changed anything */
    uint64_t last_ms;  /* when that update happened */
    uint64_t total;    /* bytes changed since the last reset */
    /* Private. */
    size_t cap;     /* allocated entries of prev and when */
    uint8_t *prev;  /* last seen byte values, len of them */
    uint64_t *when; /* per byte: time of last change + 1, 0 = never */
    uint64_t bucket_id[SPY_CHANGES_BUCKETS]; /* now_ms / bucket width, or
                                                UINT64_MAX when unused */
    uint64_t bucket_n[SPY_CHANGES_BUCKETS];  /* bytes changed in it */
} spy_changes;

/* Prepares an empty tracker whose changes fade over fade_ms milliseconds
 * (0 means 2000). Release it with spy_changes_free. */
void spy_changes_init(spy_changes *c, uint32_t fade_ms);

/* Frees the tracker's buffers; *c may be initialised again afterwards. */
void spy_changes_free(spy_changes *c);

/* Forgets every byte and statistic (a different object is now shown): the
 * next update is a baseline in which nothing counts as changed. Keeps the
 * buffers and the fade time. */
void spy_changes_reset(spy_changes *c);

/* Records a fresh read of len bytes at offset base, taken at now_ms.
 * Bytes at offsets also present in the previous window are compared with
 * their previous value: a difference marks the byte changed at now_ms. Bytes
 * new to the window (the view scrolled, the window grew) are a baseline and
 * do not count as changed; bytes no longer in the window are forgotten.
 * Returns the number of bytes that changed, or -1 if memory for the window
 * could not be allocated (the tracker is then reset). bytes may be NULL only
 * when len is 0. */
long spy_changes_update(spy_changes *c, uint64_t base, const uint8_t *bytes,
                        size_t len, uint64_t now_ms);

/* Milliseconds since the byte at offset off last changed, or UINT64_MAX if
 * it is outside the window or has not changed while in it. */
uint64_t spy_changes_age(const spy_changes *c, uint64_t off, uint64_t now_ms);

/* How lit the byte at off is: `levels` right after it changed, falling
 * linearly to 1 just before fade_ms has passed, then 0. levels > 0. */
int spy_changes_level(const spy_changes *c, uint64_t off, uint64_t now_ms,
                      int levels);

/* Non-zero while some byte of the window is still fading (the view must
 * keep redrawing until then). A now_ms before the last change (a clock
 * rounded down) counts as fading. */
int spy_changes_active(const spy_changes *c, uint64_t now_ms);

/* Bytes of the window that changed during the last second before now_ms,
 * counted per update (a byte changing in three updates counts three). */
uint64_t spy_changes_rate(const spy_changes *c, uint64_t now_ms);

#endif
