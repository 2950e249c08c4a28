/* win32/capacity.c - capacity.h on Windows: sections, named or not, are
 * charged against the commit limit (RAM plus paging files), which
 * GlobalMemoryStatusEx reports as ullTotalPageFile / ullAvailPageFile. */
#include "../capacity.h"

#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "internal.h"

int spy_shm_capacity(spy_capacity *out, spy_err *err) {
    MEMORYSTATUSEX ms;

    memset(out, 0, sizeof *out);
    snprintf(out->where, sizeof out->where, "commit limit");
    ms.dwLength = sizeof ms;
    if (!GlobalMemoryStatusEx(&ms))
        return spy__win_error("commit limit", "GlobalMemoryStatusEx",
                              GetLastError(), err);
    out->total = (uint64_t)ms.ullTotalPageFile;
    out->avail = (uint64_t)ms.ullAvailPageFile;
    out->used = out->total - out->avail;
    return 0;
}
