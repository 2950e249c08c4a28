/* seginfo.h - plain data describing a segment and the processes mapping it.
 *
 * Pure C11: shared by core, cli, tui and the backends. No OS types. */
#ifndef SPY_SEGINFO_H
#define SPY_SEGINFO_H

#include <stddef.h>
#include <stdint.h>

#define SPY_NAME_MAX 4096

typedef enum spy_kind {
    SPY_KIND_POSIX = 0,   /* shm_open object (/dev/shm on Linux) */
    SPY_KIND_SEM,         /* POSIX named semaphore (/dev/shm/sem.NAME) */
    SPY_KIND_SYSV,        /* System V segment */
    SPY_KIND_FILE,        /* any file mapped with file:PATH */
    SPY_KIND_WIN_SECTION, /* Windows named file-mapping section */
    SPY_KIND_OTHER,       /* an entry that is not a usable object */
    SPY_KIND_MEMFD,       /* memfd_create object (Linux): no path, a name */
    SPY_KIND_ANON,        /* shared memory with no name at all: MAP_SHARED |
                             MAP_ANONYMOUS shared across fork (Linux), an
                             unnamed pagefile-backed section (Windows) */
} spy_kind;

/* memfd seals (F_GET_SEALS), with Linux's values so a backend can copy
 * the bits. */
#define SPY_SEAL_SEAL 0x1u          /* no more seals may be added */
#define SPY_SEAL_SHRINK 0x2u        /* the size may not shrink */
#define SPY_SEAL_GROW 0x4u          /* the size may not grow */
#define SPY_SEAL_WRITE 0x8u         /* the contents may not change */
#define SPY_SEAL_FUTURE_WRITE 0x10u /* no new writable mapping */

/* System V status bits, kept apart from the permission bits: the kernel
 * keeps them in shm_perm.mode above 0777, and ipcs/lsipc show them in
 * their STATUS column. */
#define SPY_SYSV_DEST 1u   /* SHM_DEST: removed (IPC_RMID) while attached */
#define SPY_SYSV_LOCKED 2u /* SHM_LOCKED: locked in memory (SHM_LOCK) */

/* One object, as listed or stat'ed. Times are seconds since the epoch and
 * -1 where unknown; nattch is -1 where unknown, and then nattch_min is
 * what is known: the mapping processes that were seen, a lower bound
 * (processes that could not be inspected may map it too). */
typedef struct spy_seg_info {
    char name[SPY_NAME_MAX]; /* canonical: "/foo", "sysv:123", "file:/x" */
    spy_kind kind;
    uint64_t size;      /* object size in bytes (st_size, shm_segsz) */
    uint64_t allocated; /* bytes of memory behind it (st_blocks * 512):
                           less than size when it has holes. For objects
                           with a descriptor (POSIX, memfd, files) 0 means
                           nothing allocated; elsewhere (System V,
                           Windows, reached only through a process's
                           memory) it is 0 and not known */
    uint32_t mode;      /* permission bits, 07777 */
    uint32_t uid, gid;  /* owner */
    char owner[64];     /* user name, or the uid in decimal */
    char group[64];     /* group name, or the gid in decimal */
    int64_t atime, mtime, ctime;
    int32_t nattch;     /* processes mapping it (SysV: shm_nattch) */
    int32_t nattch_min; /* at least this many (nattch when it is known) */
    int removed;        /* 1: the name is gone (no link left; System V:
                           SHM_DEST) and the memory lives on only for its
                           mappers; 0: not; -1: unknown */
    uint64_t dev, ino;  /* identity; SysV: dev 0, ino = shmid */
    int64_t key;        /* SysV key, 0 otherwise */
    int32_t shmid;      /* SysV id, -1 otherwise */
    int32_t cpid, lpid; /* SysV creator / last shmat pid, -1 otherwise */
    /* System V only (0, "" and -1 elsewhere): */
    uint32_t sysv_status;        /* SPY_SYSV_* */
    uint32_t cuid, cgid;         /* creator */
    char cowner[64], cgroup[64]; /* their names, or the ids in decimal */
    int64_t dtime;               /* last detach; 0: never */
    char problem[160];           /* why this entry is unusable; "" when fine */
    /* Windows sections only (0 and "" elsewhere): NtQuerySection's
     * SectionBasicInformation and VirtualQuery of a view of the section,
     * which stat shows side by side. */
    uint64_t win_max_size;    /* MaximumSize, as asked at creation */
    uint64_t win_region_size; /* RegionSize of a view: whole pages */
    int32_t win_handles;      /* open handles, shmspy's included; 0 unknown */
    char win_section[96];     /* allocation attributes: "SEC_COMMIT" */
    char win_region[96];      /* "MEM_COMMIT, PAGE_READONLY, MEM_MAPPED" */
    /* Memory named through a process (memfd, anon, removed-but-mapped,
     * Windows unnamed sections): */
    int32_t seals;       /* memfd: SPY_SEAL_* bits; -1 unknown or no memfd */
    int32_t holders;     /* processes holding a descriptor (or handle) to
                            it, mapping it or not; -1 unknown (not looked
                            for, or some could not be inspected) */
    int32_t holders_min; /* at least this many (holders when known) */
    char origin[256];    /* what it was or is called where its name is not
                            the way to open it: a memfd's name ("buf"), a
                            removed POSIX object's former name ("/x"), a
                            removed file's path, a Windows section's
                            backing file; "" otherwise */
    /* file: names whose last component is a symbolic link: its target as
     * readlink(2) gives it, else "". Last, and only its first byte is
     * cleared by spy_seg_info_init: listing 10,000 objects would otherwise
     * clear 40 MiB more. */
    char link[SPY_NAME_MAX];
} spy_seg_info;

/* One mapping of an object in one process. */
typedef struct spy_mapper {
    int32_t pid;
    char comm[64];       /* command name from /proc/PID/comm */
    char title[512];     /* process title, as `ps -o args` shows it (the
                            arguments joined by spaces); "" if unknown */
    uint64_t start, end; /* address range in that process */
    uint64_t offset;     /* offset into the object where it starts */
    char perms[5];       /* as in /proc/PID/maps: "rw-s" */
    int deleted;         /* the object's name was removed (1), not (0),
                            unknown (-1): the object's removed, not the
                            " (deleted)" of /proc/PID/maps */
    int handle_only;     /* Windows: holds a handle to the section; where
                            its views are is not known (start = end = 0) */
    uint64_t handle;     /* that handle's value, when handle_only */
    int32_t fd;          /* POSIX: >= 0 for a descriptor the process holds
                            (a holder; start = end = 0), -1 for a mapping */
} spy_mapper;

/* Short lower-case name of a kind: "posix", "sem", "sysv", "file",
 * "section", "memfd", "anon", "other". Never NULL. */
const char *spy_kind_name(spy_kind k);

/* Clears *info to "unknown" values (-1 times, nattch, ids, removed). */
void spy_seg_info_init(spy_seg_info *info);

/* The STATUS of a System V segment as lsipc writes it: "dest", "locked",
 * "dest,locked", or "" (SPY_SYSV_* bits in status). A static string. */
const char *spy_sysv_status_name(uint32_t status);

/* The seals of a memfd as a comma-separated list in the order of
 * SPY_SEAL_* ("seal,shrink,grow,write,future-write"), "none" for 0, "?"
 * for -1. Writes into buf (48 bytes are enough) and returns it. */
char *spy_seals_text(int32_t seals, char *buf, size_t cap);

/* A mapper count for a column: the number when it is known (nattch >= 0),
 * "N+" when at least N processes map the object and others could not be
 * inspected, "?" when none was seen and others could not be inspected.
 * Writes into buf (16 bytes are enough) and returns it. */
char *spy_nattch_text(int32_t nattch, int32_t nattch_min, char *buf,
                      size_t cap);

#endif
