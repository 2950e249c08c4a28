/* capacity.h - the one rule for "this object's holes cannot all be
 * backed": used by `stat` (and whatever else shows an object) so that the
 * warning says the same everywhere. */
#ifndef SPY_OPS_CAPACITY_H
#define SPY_OPS_CAPACITY_H

#include <stddef.h>
#include <stdint.h>

#include "../core/seginfo.h"

/* The capacity check of one object. */
typedef struct spy_capacity_check {
    int known;      /* 1: holes and avail are measured (POSIX objects and
                       named semaphores on a tmpfs that could be statvfs'ed);
                       0: nothing can be said (other kinds, no capacity) */
    uint64_t holes; /* bytes of the object no memory backs yet:
                       size - allocated (0 when allocated >= size) */
    uint64_t avail; /* bytes the file system can still back */
    int warn;       /* holes > avail: touching every hole cannot succeed,
                       some touch raises SIGBUS though nothing was
                       truncated */
} spy_capacity_check;

/* Decides the capacity check of the object s (its size and allocated,
 * st_blocks * 512 for POSIX objects, where 0 means "no page allocated",
 * not "unknown") against have_avail/avail, the free bytes of /dev/shm
 * (spy_shm_capacity; have_avail 0 when that failed). Fills *out; never
 * fails. */
void spy_capacity_decide(const spy_seg_info *s, int have_avail, uint64_t avail,
                         spy_capacity_check *out);

/* Decides for s with the capacity measured now (spy_shm_capacity). */
void spy_capacity_check_now(const spy_seg_info *s, spy_capacity_check *out);

/* The warning line for a check with warn set, without newline:
 * "3.0 MiB of this object are holes and /dev/shm has 1.0 MiB free:
 * touching them raises SIGBUS although nothing was truncated". */
void spy_capacity_warning(const spy_capacity_check *c, char *buf, size_t cap);

#endif
