/* seg.h - the objects themselves: listing every named segment, and
 * opening, sizing, reading and writing one. Implemented by posix/seg.c +
 * posix/list.c or win32/seg.c + win32/list.c (the range and window logic
 * both share is in common.c). Every function returns 0 or a negative
 * SPY_E* code and fills *err (when non-NULL) with "<name>: <reason>". */
#ifndef SPY_SEG_H
#define SPY_SEG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/name.h"
#include "../core/seginfo.h"

/* ---- listing ---------------------------------------------------------- */

enum {
    SPY_LIST_POSIX = 1 << 0, /* POSIX objects and named semaphores (with
                                SPY_LIST_MAPPERS, also those removed but
                                still mapped, named pid:PID@ADDR) */
    SPY_LIST_SYSV = 1 << 1,  /* System V segments */
    SPY_LIST_WIN = 1 << 2,   /* Windows named sections */
    SPY_LIST_MEMFD = 1 << 3, /* memfd objects (Linux) */
    SPY_LIST_ANON = 1 << 4,  /* shared memory with no name: MAP_SHARED |
                                MAP_ANONYMOUS (Linux), unnamed sections
                                (Windows) */
    SPY_LIST_FILES = 1 << 5, /* regular files mapped shared (MAP_SHARED) */
    SPY_LIST_ALL = SPY_LIST_POSIX | SPY_LIST_SYSV | SPY_LIST_WIN |
                   SPY_LIST_MEMFD | SPY_LIST_ANON | SPY_LIST_FILES,
    SPY_LIST_MAPPERS = 1 << 8, /* fill nattch for POSIX objects too (one
                                  pass over every process's mappings) */
    SPY_LIST_HOLDERS = 1 << 9, /* fill holders too (one pass over every
                                  process's descriptors) */
};

/* Called once per object; return non-zero to stop the listing. The info
 * is valid only during the call. */
typedef int (*spy_list_cb)(const spy_seg_info *info, void *arg);

/* Lists the objects of the kinds in `flags` (kinds the platform lacks are
 * skipped silently). Entries that are not usable objects (symlinks, FIFOs,
 * directories...) are reported with kind SPY_KIND_OTHER and a problem text;
 * entries that vanish while listing are skipped. Errors only when a whole
 * source cannot be read (e.g. /dev/shm unreadable). */
int spy_backend_list(unsigned flags, spy_list_cb cb, void *arg, spy_err *err);

/* ---- opening ---------------------------------------------------------- */

typedef struct spy_seg spy_seg; /* opaque: fd + mapping, shmid + shmat, ... */

enum {
    SPY_O_WRITE = 1 << 0,  /* open and map read-write (default read-only) */
    SPY_O_CREATE = 1 << 1, /* create if missing (size and mode apply) */
    SPY_O_EXCL = 1 << 2,   /* with CREATE: fail with SPY_EEXIST if exists */
    SPY_O_NOMAP = 1 << 3,  /* do not map: for stat only */
    SPY_O_FOLLOW = 1 << 4, /* with WRITE or CREATE: follow a symlink that
                              is the last component of a file: path */
};

/* Opens (and unless SPY_O_NOMAP maps) the object named n. With
 * SPY_O_CREATE the object is created with exactly `mode` (umask ignored)
 * and sized to `size`; without SPY_O_EXCL an existing object is reused and
 * resized to `size` when size > 0. Symlinks are never followed inside
 * /dev/shm. A file: path opened for reading follows links; opened with
 * WRITE or CREATE, a symlink as its last component is refused (SPY_ETYPE)
 * unless SPY_O_FOLLOW, and even then one that fs.protected_symlinks would
 * refuse (SPY_EACCES: in a world-writable sticky directory, owned neither
 * by that directory's owner nor by the caller). Creating never goes
 * through a link. spy_seg_stat's link says where a followed link led.
 * Non-regular files are refused (SPY_ETYPE). A zero-size object opens with no
 * mapping (spy_seg_len 0).
 *
 * Memory named through a process (memfd:NAME, pid:PID@ADDR, fd:PID:N;
 * Linux) is reached the least privileged way that works: its own path if
 * it still has one, a descriptor a process holds (/proc/PID/fd/N), then
 * /proc/PID/map_files/START-END, then that process's memory limited to
 * the one mapping (offset 0 = the mapping's start, length = the
 * mapping's). Through a descriptor it is read like a POSIX object (object
 * offsets, st_size). A System V mapping opens as sysv:SHMID. When every
 * way is refused: SPY_EACCES with one line saying why and what would
 * allow it. SPY_O_CREATE is refused for these names (SPY_EINVAL). On
 * success *out owns the handle: free with spy_seg_close. */
int spy_seg_open(const spy_name *n, unsigned flags, uint64_t size,
                 uint32_t mode, spy_seg **out, spy_err *err);

/* Fresh metadata of an open object (fstat / IPC_STAT), in *info. */
int spy_seg_stat(spy_seg *s, spy_seg_info *info, spy_err *err);

/* Re-reads the object's size; if it changed, remaps to the new size.
 * *changed (if non-NULL) is set to 1 when the mapping changed. */
int spy_seg_refresh(spy_seg *s, int *changed, spy_err *err);

/* The object's size in bytes, as of open or the last spy_seg_refresh.
 * Its bytes are reached only through spy_seg_read / spy_seg_write: the
 * backend maps a window at a time (64 MiB for files and POSIX objects), so
 * huge objects cost little address space and a shrinking object is a
 * result, never a crash. */
uint64_t spy_seg_len(const spy_seg *s);

/* Copies len bytes at off into dst under a fault guard. SPY_ERANGE if the
 * range is outside the mapping; SPY_EFAULT if the access faulted (the object
 * shrank under us). A System V segment opened read-only is never held
 * attached: it is read through the memory of a process that maps it, and
 * attached only when none can be read, for the one read (spy_seg_access
 * says which). */
int spy_seg_read(spy_seg *s, uint64_t off, void *dst, size_t len, spy_err *err);

/* Where the data is, at or after off (off < spy_seg_len): *data is the
 * first offset >= off that may hold non-zero bytes and *hole the end of
 * that data (the next hole, or spy_seg_len); the bytes between off and
 * *data are a hole and read as zeros. Holes are skipped without reading
 * or mapping them (SEEK_DATA / SEEK_HOLE). Where the system cannot tell
 * (System V, file systems without them), everything is data: *data = off,
 * *hole = spy_seg_len. SPY_EFAULT if the object shrank below off. A hole
 * may be written to right after the call: callers show a snapshot. */
int spy_seg_next_data(spy_seg *s, uint64_t off, uint64_t *data, uint64_t *hole,
                      spy_err *err);

/* Writes len bytes at off, guarded like spy_seg_read. SPY_EROFS if the
 * segment was opened read-only. */
int spy_seg_write(spy_seg *s, uint64_t off, const void *src, size_t len,
                  spy_err *err);

/* msync / FlushViewOfFile of the whole mapping. */
int spy_seg_flush(spy_seg *s, spy_err *err);

/* 1 if spy_seg_read may be called on s from several threads at once
 * (reads of POSIX objects and files: positioned reads of one descriptor),
 * else 0 (System V segments, Windows sections: reads go through the one
 * mapped window). */
int spy_seg_parallel_reads(const spy_seg *s);

/* How the bytes of an open segment are reached: what spy_seg_read does
 * (and so what it changes that others can see). */
typedef enum spy_access_kind {
    SPY_ACCESS_NONE,        /* not read at all (opened for metadata only) */
    SPY_ACCESS_DESCRIPTOR,  /* pread of the object's descriptor */
    SPY_ACCESS_VIEW,        /* a view of the object mapped by shmspy */
    SPY_ACCESS_PROCESS,     /* System V: through the memory of a process
                               that maps it, at its address (procmem.h) */
    SPY_ACCESS_ATTACH_EACH, /* System V: attached read-only for one read,
                               detached before the read returns */
    SPY_ACCESS_ATTACHED,    /* System V: attached for as long as it is open
                               (opened for writing) */
    SPY_ACCESS_HOLDER_FD,   /* memory named through a process: a descriptor
                               a process holds, reopened through
                               /proc/PID/fd/N, then read as DESCRIPTOR */
    SPY_ACCESS_MAP_FILES,   /* memory named through a process: opened
                               through /proc/PID/map_files/START-END */
    /* (memory named through a process reached only through that
       process's memory is SPY_ACCESS_PROCESS: offset 0 is the mapping's
       start, addr) */
} spy_access_kind;

typedef struct spy_access {
    spy_access_kind kind;
    int32_t pid;    /* PROCESS: whose memory; HOLDER_FD: whose descriptor;
                       MAP_FILES: whose mapping; else 0 */
    char comm[64];  /* that process's command name (raw: escape to print) */
    uint64_t addr;  /* PROCESS, MAP_FILES: where the mapping starts in that
                       process */
    int32_t fd;     /* HOLDER_FD: the descriptor number; else 0 */
    char text[320]; /* the sentence for stat and messages (holds comm raw) */
} spy_access;

/* Says in *out how spy_seg_read reaches s's bytes now. For a System V
 * segment opened read-only, even with SPY_O_NOMAP, this chooses the
 * process to read through when none is chosen yet (one pass over every
 * process's mappings, and a one-byte read of its memory to learn whether
 * it is allowed); it never attaches. A choice can change later: the
 * process exits, or a process appears where none mapped it. Returns 0;
 * *out is always filled. */
int spy_seg_access(spy_seg *s, spy_access *out, spy_err *err);

/* 1 if this open created the object, else 0. */
int spy_seg_created(const spy_seg *s);

/* 1 if mapped read-write. */
int spy_seg_writable(const spy_seg *s);

/* The canonical name the segment was opened with. */
const char *spy_seg_name(const spy_seg *s);

/* Unmaps and closes; s may be NULL. Does not unlink. */
void spy_seg_close(spy_seg *s);

/* Removes the name (shm_unlink, IPC_RMID, unlink). Processes that map the
 * object keep their mapping. */
int spy_seg_unlink(const spy_name *n, spy_err *err);

#endif
