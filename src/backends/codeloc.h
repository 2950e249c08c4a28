/* codeloc.h - where in a process's code an address is: module, function
 * and source line, from the DWARF of its executable and shared libraries
 * (elfutils' libdwfl over /proc/PID/maps), or the module and offset when
 * there is no debug information (issue 18).
 *
 * posix/codeloc.c; win32/codeloc.c answers the module only or SPY_ENOTSUP.
 * A process's modules are reported once and kept (keyed by pid and its
 * start time), so a hit from a process that has since exited is still
 * symbolized when its modules were seen first: call spy_codeloc_prepare
 * when a process is armed.
 *
 * module_off is the address less the module's lowest mapped address: for
 * shared libraries and PIE executables the address addr2line takes. The
 * strings are raw bytes (a path or symbol may hold anything): escape them
 * before showing. A process seen first by spy_codeloc_find is prepared
 * then. Separate debug files are found by build id in the local debug
 * directories; debuginfod (the network) is never asked. */
#ifndef SPY_CODELOC_H
#define SPY_CODELOC_H

#include <stdint.h>

#include "../core/err.h"

typedef struct spy_codeloc {
    char module[256];    /* path of the file the address is in, or "" */
    uint64_t module_off; /* the address's offset in that module */
    char function[128];  /* "" when unknown */
    uint64_t func_off;   /* the address's offset in the function */
    char file[256];      /* source file, "" when unknown */
    int line;            /* 0 when unknown */
} spy_codeloc;

typedef struct spy_codelocs spy_codelocs;

/* A symbolizer cache. Errors: SPY_ENOMEM. */
int spy_codelocs_open(spy_codelocs **out, spy_err *err);
/* Reads process pid's modules now (while it lives). */
int spy_codeloc_prepare(spy_codelocs *c, int pid, spy_err *err);
/* Where address addr of process pid is. Fills what it can; returns 0 even
 * with only the module known; SPY_ENOENT when the address is in no
 * module known for pid. */
int spy_codeloc_find(spy_codelocs *c, int pid, uint64_t addr, spy_codeloc *out,
                     spy_err *err);
void spy_codelocs_close(spy_codelocs *c);

#endif
