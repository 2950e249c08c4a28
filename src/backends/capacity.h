/* capacity.h - how full the memory behind shared memory is: the tmpfs of
 * /dev/shm on Linux (statvfs), the commit limit (paging file plus RAM) on
 * Windows, where unnamed and named sections are charged. A sparse object
 * on a full tmpfs raises SIGBUS when a hole is touched, though nothing was
 * truncated: list and stat say how much room is left, and stat warns
 * when an object's holes are larger than it.
 *
 * posix/capacity.c, win32/capacity.c. */
#ifndef SPY_CAPACITY_H
#define SPY_CAPACITY_H

#include <stdint.h>

#include "../core/err.h"

typedef struct spy_capacity {
    char where[64]; /* what was measured: "/dev/shm", "commit limit" */
    uint64_t total; /* bytes it can hold */
    uint64_t used;  /* bytes in use */
    uint64_t avail; /* bytes an unprivileged process may still fill */
} spy_capacity;

/* Fills *out. SPY_ENOENT when there is nothing to measure (no /dev/shm),
 * SPY_EIO when it cannot be read; *err says which. */
int spy_shm_capacity(spy_capacity *out, spy_err *err);

#endif
