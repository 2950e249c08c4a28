/* mappers.h - which processes map (or, on Windows, hold) an object.
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

#endif
