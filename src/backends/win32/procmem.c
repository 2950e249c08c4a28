/* win32/procmem.c - procmem.h on Windows: not available yet. Sections have
 * no attach count for a view to disturb, so nothing on Windows needs it
 * today; ReadProcessMemory would be the way. */
#include "../procmem.h"

int spy_procmem_read(int32_t pid, uint64_t start, uint64_t end, uint64_t addr,
                     void *dst, size_t len, spy_err *err) {
    (void)start;
    (void)end;
    (void)addr;
    (void)dst;
    (void)len;
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "process %d: reading another process's memory is not "
                       "supported on Windows",
                       (int)pid);
}
