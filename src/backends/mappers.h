/* mappers.h - which processes map (or, on Windows, hold) an object, and
 * which hold a descriptor to it.
 * posix/mappers.c: one pass over /proc/PID/maps; win32/mappers.c: the
 * system handle table. */
#ifndef SPY_MAPPERS_H
#define SPY_MAPPERS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/seginfo.h"

/* ---- who maps it ------------------------------------------------------ */

typedef int (*spy_mapper_cb)(const spy_mapper *m, void *arg);

/* Calls cb for every mapping of the object described by info (matched by
 * device and inode, or shmid) in every process whose mappings we may read.
 * Processes we may not inspect are skipped; *hidden (if non-NULL) receives
 * how many were skipped for lack of permission. */
int spy_mappers(const spy_seg_info *info, spy_mapper_cb cb, void *arg,
                int *hidden, spy_err *err);

/* ---- who holds it ----------------------------------------------------- */

/* Calls cb for every process holding a descriptor (POSIX) or a handle
 * (Windows) to the object described by info, mapping it or not: the usual
 * shape of a leak. POSIX: every descriptor of every process is stat'ed
 * (/proc/PID/fd/N) and matched by device and inode, so a file held under
 * another path or a removed name is found too; the mapper has fd >= 0,
 * start = end = 0 and perms "" (System V segments have no descriptors:
 * none is reported). Windows: the section's handles, as spy_mappers gives
 * them (handle_only). Processes we may not inspect are skipped and counted
 * in *hidden (if non-NULL). The mapper is valid only during the call;
 * return non-zero from cb to stop. Errors: SPY_EIO when the processes
 * cannot be listed at all. */
int spy_holders(const spy_seg_info *info, spy_mapper_cb cb, void *arg,
                int *hidden, spy_err *err);

#endif
