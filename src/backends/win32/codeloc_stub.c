/* codeloc_stub.c - TEMPORARY stand-in for codeloc.h until branch
 * m-codeloc's codeloc.c is merged (then this file is deleted): knows no
 * code location at all. */
#include "../codeloc.h"

#include <stdlib.h>

struct spy_codelocs {
    int unused;
};

int spy_codelocs_open(spy_codelocs **out, spy_err *err) {
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "codeloc: out of memory");
    return 0;
}

int spy_codeloc_prepare(spy_codelocs *c, int pid, spy_err *err) {
    (void)c;
    (void)pid;
    (void)err;
    return 0;
}

int spy_codeloc_find(spy_codelocs *c, int pid, uint64_t addr, spy_codeloc *out,
                     spy_err *err) {
    (void)c;
    (void)out;
    return spy_err_set(err, SPY_ENOENT, 0,
                       "process %d: 0x%llx: no code locations yet", pid,
                       (unsigned long long)addr);
}

void spy_codelocs_close(spy_codelocs *c) {
    free(c);
}
