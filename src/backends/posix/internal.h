/* posix/internal.h - what the files of the POSIX backend share (seg.c,
 * list.c, mappers.c, guard.c, probe.c, inject.c). Private to
 * src/backends/posix/. */
#ifndef SPY_POSIX_INTERNAL_H
#define SPY_POSIX_INTERNAL_H

#include <stdint.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../../core/err.h"
#include "../../core/fault.h"
#include "../../core/seginfo.h"
#include "../seg.h"

/* Where POSIX shared memory objects live on Linux. */
#define SPY__SHM_DIR "/dev/shm"

/* /dev/shm opened once as a directory (O_DIRECTORY, close-on-exec): every
 * POSIX name is resolved relative to it, so no path component of a name
 * can lead elsewhere. -1 with errno set when it cannot be opened. The
 * descriptor is cached for the life of the process and never closed. */
int spy__shm_dirfd(void);

/* How spy__open_path opens a file: path. */
enum {
    SPY__PATH_CHANGE = 1, /* the caller will change the object (write,
                             resize, chmod): a symlink as the last
                             component is not followed... */
    SPY__PATH_FOLLOW = 2  /* ...unless this is set (--follow), and never
                             one that fs.protected_symlinks would refuse */
};

/* Opens the file at path (a file: name, shown as name in messages) with
 * the open(2) flags oflags (never O_CREAT) into *fd, applying the link
 * rule of shmspy for objects it changes, in this one place:
 *   - reading (no SPY__PATH_CHANGE) follows links as open(2) does;
 *   - changing refuses a symlink as the last component (SPY_EACCES,
 *     "is a symbolic link to T: not followed when writing") unless
 *     SPY__PATH_FOLLOW; with it, each link of the chain is checked as the
 *     kernel's fs.protected_symlinks does, whatever that sysctl says: a
 *     link in a world-writable sticky directory is refused unless its
 *     owner is the directory's owner or the caller (effective uid). The
 *     final open uses O_NOFOLLOW, so a link swapped in after the check is
 *     refused too. Links in directory components resolve as usual.
 * When the last component is a symlink, link (cap bytes) gets its target
 * text as readlink(2) gives it, else "". Returns 0 or a SPY_E* code with
 * err filled ("NAME: why"). */
int spy__open_path(const char *name, const char *path, int oflags, unsigned how,
                   char *link, size_t cap, int *fd, spy_err *err);

/* "symlink", "FIFO", "directory", ...: what a non-regular entry is. */
const char *spy__file_type(mode_t m);

/* Whether the object st describes lost its name: 1 when it has no link
 * left on a mounted filesystem (unlinked while open or mapped); 0 when it
 * has a link, and when it never had a name: a memfd, a shared /dev/zero
 * mapping or a System V segment lives on a kernel-internal mount (its
 * device is in no line of /proc/self/mountinfo) with no link either. */
int spy__stat_removed(const struct stat *st);

/* Fills the size, mode, owner, times and identity of *info from st. */
void spy__fill_from_stat(spy_seg_info *info, const struct stat *st);

/* Fills *info from a System V segment's IPC_STAT / SHM_STAT record. */
void spy__fill_from_shmid(spy_seg_info *info, int shmid,
                          const struct shmid_ds *ds);

/* One parsed line of /proc/PID/maps. path points into the caller's line
 * buffer ("" for anonymous mappings). */
typedef struct spy__maps_line {
    uint64_t start, end, offset;
    char perms[5];
    uint64_t dev; /* makedev(major, minor) */
    uint64_t ino;
    const char *path;
    int deleted; /* path ended in " (deleted)" (removed from the line):
                    the kernel prints it for System V, memfd, /dev/zero
                    and renamed files too, so it says nothing of whether
                    the object still has a name */
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

/* Process title of pid into buf, as `ps -o args` shows it: the arguments
 * of /proc/PID/cmdline joined by spaces, trailing NULs dropped (a title
 * set by overwriting argv, setproctitle-style, stays one string), "[comm]"
 * when it is empty (a kernel thread), "" when unreadable. Cut at cap - 1
 * bytes. */
void spy__proc_title(int pid, const char *comm, char *buf, size_t cap);

/* The sentence for errno e from a System V call on the segment named
 * name: SPY_ENOENT (EINVAL, EIDRM), SPY_EACCES, SPY_EEXIST, SPY_ENOMEM,
 * else SPY_EIO. Returns the code. */
int spy__sysv_error(const char *name, int e, spy_err *err);

/* Reading a System V segment without holding it attached (sysv_read.c):
 * through the memory of a process that maps it, else attached for one
 * read. One per segment opened read-only; not thread-safe. */
typedef struct spy__sysv_reader spy__sysv_reader;

/* A reader of segment shmid, len bytes (shm_segsz), named name in
 * messages (the pointer is kept: name must outlive the reader). Nothing is
 * scanned or read yet. NULL when out of memory. Free with
 * spy__sysv_reader_free. */
spy__sysv_reader *spy__sysv_reader_new(int shmid, uint64_t len,
                                       const char *name);

/* Copies len bytes at off (already range-checked) into dst. Errors:
 * SPY_ENOENT the segment is gone, SPY_EACCES it may not be attached,
 * SPY_EFAULT the copy faulted. */
int spy__sysv_reader_read(spy__sysv_reader *r, uint64_t off, void *dst,
                          size_t len, spy_err *err);

/* How the next read will go (see spy_seg_access). */
void spy__sysv_reader_access(spy__sysv_reader *r, spy_access *out);

void spy__sysv_reader_free(spy__sysv_reader *r);

/* Names for a fault's signal and si_code ("SIGSEGV", "SEGV_MAPERR"). */
const char *spy__signal_name(int sig);
const char *spy__code_name(int sig, int code);

/* What a signal and si_code mean (SEGV_MAPERR: unmapped, SIGBUS: no
 * backing, other SIGSEGV: protection). */
spy_fault_kind spy__fault_kind(int sig, int code);

#endif
