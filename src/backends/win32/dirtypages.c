/* win32/dirtypages.c - soft-dirty pages on Windows (backends/dirtypages.h):
 * none. Windows has no per-process dirty bit a tool may read for another
 * process: GetWriteWatch works only on the caller's own MEM_WRITE_WATCH
 * regions, and QueryWorkingSetEx tells whether a page is valid and shared,
 * not whether it was written. */
#include "../dirtypages.h"

#include <string.h>

#define NO_DIRTY                                                               \
    "Windows keeps no dirty bit another process may read (GetWriteWatch "      \
    "sees only the caller's own memory): blame --pages is Linux-only"

int spy_dirty_clear(int pid, spy_err *err) {
    return spy_err_set(err, SPY_ENOTSUP, 0, "process %d: %s", pid, NO_DIRTY);
}

int spy_dirty_read(int pid, uint64_t start, size_t npages, uint8_t *dirty,
                   spy_err *err) {
    (void)start;
    if (dirty != NULL && npages > 0)
        memset(dirty, 0, npages);
    return spy_err_set(err, SPY_ENOTSUP, 0, "process %d: %s", pid, NO_DIRTY);
}
