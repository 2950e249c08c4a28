/* common.h - the middle that posix/seg.c and win32/seg.c share, in the
 * manner of libuv's uv-common.h: the mapped window every guarded read and
 * write goes through, the range check and its one message, and the calls
 * of seg.h that are the same on both systems (common.c). The edges stay
 * mirrored by name: each system's seg.c opens, maps and closes.
 *
 * Private to src/backends/: nothing here crosses seg.h. */
#ifndef SPY_BACKENDS_COMMON_H
#define SPY_BACKENDS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/seginfo.h"
#include "seg.h"

/* Objects, files and sections are mapped a window at a time, not whole: a
 * 64 GiB object costs one window of address space, and dumping 256 bytes
 * of it maps one window. 64 MiB is also a multiple of Windows' allocation
 * granularity (64 KiB), which MapViewOfFile offsets must be. */
#define SPY__WINDOW ((uint64_t)64 * 1024 * 1024)

/* What every open segment has, whatever the system. Each system's
 * struct spy_seg begins with one, as its member c, so a spy_seg is also
 * its spy__seg_common (a pointer to a structure points to its first
 * member). */
typedef struct spy__seg_common {
    char name[SPY_NAME_MAX]; /* canonical text, for messages */
    uint8_t *addr;           /* current window; NULL when none */
    uint64_t win_off;        /* object offset of the window */
    uint64_t win_len;        /* bytes in the window */
    uint64_t len;            /* object size as of open or the last refresh */
    int writable, created, nomap;
    /* When set, spy_seg_write calls this (range already checked) instead
     * of copying into a mapped window: memory reached only through
     * another process's address space. NULL otherwise. */
    int (*write_direct)(spy_seg *s, uint64_t off, const void *src, size_t len,
                        spy_err *err);
} spy__seg_common;

/* ---- what each system's seg.c provides -------------------------------- */

/* Makes the window holding offset off (< len) current in s->c.addr,
 * win_off and win_len, mapping it if needed (mmap, MapViewOfFile). */
int spy__seg_map_window(spy_seg *s, uint64_t off, spy_err *err);

/* How a fault inside the window is told: "the object shrank while in use"
 * (POSIX, where a shrinking object is the cause), "the memory could not
 * be accessed" (Windows). */
extern const char spy__seg_fault_words[];

/* ---- what common.c provides -------------------------------------------- */

/* 0 if [off, off + len) lies within the object's c->len bytes, else
 * SPY_ERANGE with the one message every range refusal of a segment uses:
 * "<name>: offset O + N bytes is past the end (L bytes)". */
int spy__seg_check_range(const spy__seg_common *c, uint64_t off, size_t len,
                         spy_err *err);

/* Copies len bytes between buf and the object at off (to the object when
 * to_seg is set), window by window, under the fault guard. The range must
 * have been checked. A fault becomes SPY_EFAULT with a sentence naming the
 * offset. */
int spy__seg_copy(spy_seg *s, uint64_t off, uint8_t *buf, size_t len,
                  int to_seg, spy_err *err);

#endif
