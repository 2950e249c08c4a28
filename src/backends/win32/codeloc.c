/* win32/codeloc.c - code locations on Windows (backends/codeloc.h): not
 * offered. blame is Linux-only (hardware watchpoints in another process
 * need a debugger attachment there), so nothing here would be asked; every
 * call but open and close answers SPY_ENOTSUP with one sentence. */
#include "../codeloc.h"

#include <stdlib.h>
#include <string.h>

struct spy_codelocs {
    int unused;
};

#define NO_CODELOC "code locations are read on Linux only"

int spy_codelocs_open(spy_codelocs **out, spy_err *err) {
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "code locations: out of memory");
    return 0;
}

int spy_codeloc_prepare(spy_codelocs *c, int pid, spy_err *err) {
    (void)c;
    return spy_err_set(err, SPY_ENOTSUP, 0, "process %d: %s", pid, NO_CODELOC);
}

int spy_codeloc_find(spy_codelocs *c, int pid, uint64_t addr, spy_codeloc *out,
                     spy_err *err) {
    (void)c;
    (void)addr;
    memset(out, 0, sizeof *out);
    return spy_err_set(err, SPY_ENOTSUP, 0, "process %d: %s", pid, NO_CODELOC);
}

void spy_codelocs_close(spy_codelocs *c) {
    free(c);
}
