/* posix/viaproc.h - memory named through a process (memfd:NAME,
 * pid:PID@ADDR, fd:PID:N): which object the name means, and the least
 * privileged way to reach its bytes. Private to src/backends/posix/
 * (seg.c, inject.c).
 *
 * Resolving reads /proc/PID/maps and /proc/PID/fd of the named process
 * (memfd:NAME: of every process, through posix/shared.h). Reaching it
 * tries, in order:
 *   1. the path itself, when the mapping's path still names the same
 *      object (a /dev/shm object or a file not removed): no privilege
 *      beyond the file's own mode;
 *   2. a descriptor of a process that holds the object, reopened through
 *      /proc/HPID/fd/N (ptrace read access to HPID, and the file's mode);
 *   3. /proc/PID/map_files/START-END (CAP_SYS_ADMIN or
 *      CAP_CHECKPOINT_RESTORE);
 *   4. the process's memory (procmem.h: ptrace attach access), limited to
 *      the one mapping: offset 0 is the mapping's start.
 * 1-3 give a descriptor of the object itself: offsets are object offsets
 * and the size is st_size, exactly as for a POSIX object. */
#ifndef SPY_POSIX_VIAPROC_H
#define SPY_POSIX_VIAPROC_H

#include <stdint.h>

#include "../../core/err.h"
#include "../../core/name.h"
#include "../../core/seginfo.h"
#include "../seg.h"

/* How spy__via_open reached the object. */
typedef enum spy__via_how {
    SPY__VIA_NONE,
    SPY__VIA_PATH,      /* the mapping's path, opened by name */
    SPY__VIA_HOLDER_FD, /* /proc/hpid/fd/hfd reopened */
    SPY__VIA_MAP_FILES, /* /proc/pid/map_files/start-end opened */
    SPY__VIA_PROCESS    /* the process's memory, [start, end) */
} spy__via_how;

/* A name resolved, and (after spy__via_open) how it is reached. */
typedef struct spy__via {
    char name[SPY_NAME_MAX];     /* canonical text of the name, for messages */
    int32_t pid;                 /* the process named (memfd: a mapper or
                                    holder found by the scan) */
    uint32_t puid;               /* that process's real uid */
    int has_map;                 /* a shared mapping of it is known in pid: */
    uint64_t start, end, offset; /* that mapping, offset in the object */
    char perms[5];               /* its permissions ("rw-s") */
    uint64_t dev, ino;           /* the object's identity */
    spy_kind kind;               /* MEMFD, ANON, POSIX, SEM, FILE or SYSV */
    int removed; /* POSIX or FILE: its path no longer names it */
    int shmid;   /* SYSV: the segment's id (the maps inode); else -1 */
    int32_t fd;  /* fd:PID:N: N; else -1 */
    char path[SPY_NAME_MAX]; /* as maps or readlink show it, without
                                " (deleted)" */
    char origin[256];        /* spy_seg_info.origin: a memfd's name, a
                                removed object's former name or path */
    /* Holders known: processes holding a descriptor of the object. */
    int32_t hold_pid[8], hold_fd[8];
    int nhold;
    int scanned; /* every process's descriptors were looked at */
    /* Set by spy__via_open: */
    spy__via_how how;
    int32_t hpid, hfd; /* HOLDER_FD: whose descriptor */
    char opened[96];   /* the path opened ("/proc/1/fd/5") */
    int pidfd;         /* the process, pinned from the start of resolving:
                          tells when it exits (-1 where pidfd_open is
                          missing); closed by spy__via_release */
    uint64_t started;  /* its start time (/proc/PID/stat, clock ticks
                          since boot), taken with the pidfd: where there is
                          no pidfd, the same pid with the same start time
                          is the same process */
    int mem_fd;        /* PROCESS, opened for writing: /proc/PID/mem,
                          opened while pidfd said the process lived, so it
                          holds that process's memory and never a
                          successor's; -1 otherwise */
} spy__via;

/* Resolves n (SPY_NAME_MEMFD, SPY_NAME_PID_ADDR or SPY_NAME_PID_FD) into
 * *v. Errors, one line "<name>: <why>": SPY_ENOENT no such process (its
 * text holds "process P: no such process"), no shared mapping at that
 * address (listing a few that exist), no such descriptor, no memfd of
 * that name (listing those that exist); SPY_ETYPE a private mapping or a
 * descriptor that is no regular file ("is a socket, not shared memory");
 * SPY_EEXIST several memfds share the name (the candidates listed by
 * pid:/fd: names); SPY_EACCES the process's maps or descriptors may not
 * be read (owner and what would allow it). */
int spy__via_resolve(const spy_name *n, spy__via *v, spy_err *err);

/* Reaches the object v resolved to, the least privileged way first (see
 * the top of this file), read-write when writing. On success v->how says
 * how; for PATH, HOLDER_FD and MAP_FILES *fd is a new descriptor (the
 * caller closes it), for PROCESS *fd is -1 and a one-byte read of the
 * mapping has worked. SPY_EACCES when every way is refused: one line
 * naming why and what would allow it (another user's process and its
 * owner, kernel.yama.ptrace_scope, CAP_SYS_PTRACE, CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE). SYSV objects are not opened here (the caller
 * opens sysv:SHMID). */
int spy__via_open(spy__via *v, int writing, int *fd, spy_err *err);

/* 1 unless the process named has exited since spy__via_resolve pinned
 * it (its pidfd; without one, its pid no longer has the start time it
 * had): a read that worked read that very process, not another that got
 * its pid meanwhile. */
int spy__via_alive(const spy__via *v);

/* Writes len bytes at addr (within [start, end)) into the memory of the
 * process v was opened through (PROCESS, opened for writing): a pwrite of
 * the /proc/PID/mem descriptor pinned by spy__via_open, which can reach
 * no other process. SPY_EROFS when v was not opened for writing, SPY_ERANGE
 * outside the mapping, SPY_EFAULT when the range is no longer mapped,
 * SPY_ENOENT when the process has exited; *err names "process PID". */
int spy__via_write(const spy__via *v, uint64_t addr, const void *src,
                   size_t len, spy_err *err);

/* Closes what spy__via_resolve and spy__via_open kept (the pidfd, the
 * memory descriptor); v may be NULL. Does not free v. */
void spy__via_release(spy__via *v);

/* The sentence of spy_seg_access for v as opened, into out. */
void spy__via_access(const spy__via *v, spy_access *out);

/* Fills the fields of *info that a descriptor cannot tell (kind, name,
 * origin, removed) and, when fd < 0, the size (the mapping's length),
 * owner (the process's uid) and identity from v. With fd >= 0 the caller
 * has filled size, mode, owner and times from fstat; seals come from
 * F_GET_SEALS. */
void spy__via_fill_info(const spy__via *v, int fd, spy_seg_info *info);

/* F_GET_SEALS of fd as SPY_SEAL_* bits, or -1 (no memfd, or no seals
 * support). */
int32_t spy__via_seals(int fd);

#endif
