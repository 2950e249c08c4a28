/* posix/capacity.c - capacity.h on Linux: statvfs of /dev/shm. */
#include "../capacity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "internal.h"

int spy_shm_capacity(spy_capacity *out, spy_err *err) {
    struct statvfs v;

    memset(out, 0, sizeof *out);
    snprintf(out->where, sizeof out->where, "%s", SPY__SHM_DIR);
    if (statvfs(SPY__SHM_DIR, &v) != 0)
        return spy_err_set(err, errno == ENOENT ? SPY_ENOENT : SPY_EIO, errno,
                           "%s: statvfs: %s", SPY__SHM_DIR, strerror(errno));
    out->total = (uint64_t)v.f_blocks * v.f_frsize;
    out->used = (uint64_t)(v.f_blocks - v.f_bfree) * v.f_frsize;
    out->avail = (uint64_t)v.f_bavail * v.f_frsize;
    return 0;
}
