/* posix_internal.h - what posix.c, proc_maps.c and guard_posix.c share.
 * Private to src/backends/. */
#ifndef SPY_POSIX_INTERNAL_H
#define SPY_POSIX_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

/* One parsed line of /proc/PID/maps. path points into the caller's line
 * buffer ("" for anonymous mappings). */
typedef struct spy__maps_line {
    uint64_t start, end, offset;
    char perms[5];
    uint64_t dev; /* makedev(major, minor) */
    uint64_t ino;
    const char *path;
    int deleted; /* path ended in " (deleted)" (removed from the line) */
} spy__maps_line;

/* Called for each file-backed mapping (inode != 0) of each process. Return
 * non-zero to stop the scan. */
typedef int (*spy__maps_cb)(int pid, const spy__maps_line *l, void *arg);

/* One pass over /proc/[0-9]*\/maps. *hidden (if non-NULL) counts processes
 * whose maps could not be read for lack of permission. Returns 0, or
 * SPY_EIO when /proc cannot be opened. */
int spy__maps_scan(spy__maps_cb cb, void *arg, int *hidden);

/* Parses one maps line in place; 0 on success, -1 if malformed. */
int spy__maps_parse(char *line, spy__maps_line *out);

/* Command name of pid from /proc/PID/comm into buf ("?" if unknown). */
void spy__proc_comm(int pid, char *buf, size_t cap);

/* Counts, for every inode on device dev, the distinct processes mapping
 * it. Returns a malloc'd array of n {ino, count} pairs sorted by ino (the
 * caller frees it), or NULL with *n = 0 when nothing maps or /proc is
 * unreadable (*ok = 0 then). */
typedef struct spy__ino_count {
    uint64_t ino;
    int32_t count;
    int32_t last_pid;
} spy__ino_count;
spy__ino_count *spy__maps_count(uint64_t dev, size_t *n, int *ok);

/* Names for a fault's signal and si_code ("SIGSEGV", "SEGV_MAPERR"). */
const char *spy__signal_name(int sig);
const char *spy__code_name(int sig, int code);

/* What a signal and si_code mean (SEGV_MAPERR: unmapped, SIGBUS: no
 * backing, other SIGSEGV: protection). */
spy_fault_kind spy__fault_kind(int sig, int code);

#endif
