/* posix/shared.h - every shared mapping of every process, grouped into
 * objects: one pass over /proc/[pid]/maps keeping the mappings with 's'
 * in their permissions (MAP_SHARED: POSIX objects, memfds, anonymous
 * shared memory, System V segments, files), and optionally one pass over
 * /proc/[pid]/fd for descriptors that hold a memfd or a /dev/shm object
 * without mapping it. Objects are keyed by device and inode, so a parent
 * and its child sharing one anonymous region are one object with two
 * uses. Private to src/backends/posix/ (list.c, mappers.c). */
#ifndef SPY_POSIX_SHARED_H
#define SPY_POSIX_SHARED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../../core/err.h"
#include "../../core/seginfo.h"

/* One use of an object by one process: a mapping (fd -1) or a descriptor
 * it holds (fd >= 0; start = end = offset = 0, perms ""). */
typedef struct spy__use {
    int32_t pid;
    int32_t fd;
    uint64_t start, end, offset;
    char perms[5];
} spy__use;

/* One object. kind is SPY_KIND_POSIX or SPY_KIND_SEM (a path in /dev/shm
 * on /dev/shm's device), SPY_KIND_MEMFD ("/memfd:NAME"), SPY_KIND_ANON
 * (MAP_SHARED | MAP_ANONYMOUS: "/dev/zero", "/anon_hugepage"),
 * SPY_KIND_SYSV ("/SYSV<key>"; ino is the shmid) or SPY_KIND_FILE
 * (anything else mapped shared, device files included). */
typedef struct spy__shared_obj {
    uint64_t dev, ino;
    spy_kind kind;
    const char *path; /* as maps or readlink show it, without " (deleted)":
                         "/dev/shm/x", "/memfd:buf", "/dev/zero",
                         "/SYSV00001234", "/home/u/f" (owned by the set) */
    int deleted;      /* the " (deleted)" suffix was there (the kernel adds
                         it to every memfd, anon and System V path too) */
    spy__use *uses;   /* sorted by pid, then fd, then start */
    size_t nuses;
    int reached;   /* st is the object's own stat, taken during the scan
                      through one of its uses (SPY__SCAN_REACH) */
    int32_t seals; /* a memfd's F_GET_SEALS read then, else -1 */
    struct stat st;
} spy__shared_obj;

typedef struct spy__shared_set {
    spy__shared_obj *v; /* in no particular order */
    size_t n;
    int hidden;  /* processes whose maps or descriptors could not be read
                    for lack of permission (1 when /proc hides processes) */
    int queried; /* processes whose shared mappings came from the
                    PROCMAP_QUERY ioctl (the others': the maps text) */
    /* private: */
    spy__use *uses_;
    char *text_;
    uint32_t *table_;
    size_t table_cap_;
} spy__shared_set;

enum {
    SPY__SCAN_MAPS = 1,
    SPY__SCAN_FDS = 2,
    /* Read the maps text even where the PROCMAP_QUERY ioctl works: the
     * older kernels' way, forced so tests can compare the two ways on the
     * same processes. Not for anything but tests. */
    SPY__SCAN_MAPS_TEXT = 4,
    /* Reach each memfd and anonymous object once during the scan, by the
     * use that found it first (a holder's /proc/PID/fd/N, a mapping's
     * /proc/PID/map_files/START-END, which needs CAP_SYS_ADMIN or
     * CAP_CHECKPOINT_RESTORE): its stat into st (reached), a memfd's
     * seals too. The listing's rows need them; the scan's two threads
     * get them cheaper than the rows one by one. */
    SPY__SCAN_REACH = 8
};

/* Scans every process (only_pid 0) or only process only_pid: its shared
 * mappings with SPY__SCAN_MAPS, its descriptors to memfds and /dev/shm
 * objects with SPY__SCAN_FDS (a readlink per descriptor, a stat of those
 * that match). The shared mappings come from the PROCMAP_QUERY ioctl of
 * /proc/PID/maps (Linux 6.11), which hands over only the shared ones,
 * else from the maps text (older kernels, or when the ioctl fails for a
 * process); both give the same objects, paths and uses, except that the
 * text escapes a newline in a path as "\012" and the ioctl does not.
 * Processes that exit meanwhile are skipped. *out is initialised here;
 * free it with spy__shared_free in every case. Returns 0, SPY_EIO when
 * /proc cannot be listed, SPY_ENOMEM. */
int spy__shared_scan(unsigned what, int32_t only_pid, spy__shared_set *out,
                     spy_err *err);

/* The object with identity (dev, ino) in s, or NULL. A pointer into s. */
const spy__shared_obj *spy__shared_find(const spy__shared_set *s, uint64_t dev,
                                        uint64_t ino);

/* The number of distinct processes mapping o (fd -1 uses), and holding a
 * descriptor to it (fd >= 0 uses). */
int32_t spy__shared_mappers(const spy__shared_obj *o);
int32_t spy__shared_holders(const spy__shared_obj *o);

/* Frees what s owns and empties it; s may be empty. */
void spy__shared_free(spy__shared_set *s);

/* ---- the fast maps reading of mappers.c, shared with shared.c ---- */

/* Reads all of PID/maps under procfd (a descriptor of the /proc
 * directory) into *buf (grown as needed, NUL-terminated). Returns the
 * length, or -1 with errno set. */
ssize_t spy__slurp_maps(int procfd, int pid, char **buf, size_t *cap);

/* Reads fd from its offset to its end into *buf (grown as needed,
 * NUL-terminated), as spy__slurp_maps does; fd stays open. Returns the
 * length, or -1 with errno set. */
ssize_t spy__slurp_fd(int fd, char **buf, size_t *cap);

/* The device and inode columns of the maps line [p, end) without sscanf.
 * 0 on success, -1 if malformed. */
int spy__quick_dev_ino(const char *p, const char *end, uint64_t *dev,
                       uint64_t *ino);

/* 1 if s is all digits (a /proc entry that is a process). */
int spy__is_pid_dir(const char *s);

/* Whether /proc hides other users' processes from us (hidepid). */
int spy__proc_hides_pids(void);

#endif
