/* fault.h - plain data about memory faults and the mappings around an
 * address: what the backends observe (guard, probe, demo) and what
 * explain.c turns into words. Pure C11, no OS types. */
#ifndef SPY_FAULT_H
#define SPY_FAULT_H

#include <stdint.h>

/* What a fault means, whatever the system called it. */
typedef enum spy_fault_kind {
    SPY_FAULT_NONE = 0,
    SPY_FAULT_UNMAPPED,  /* nothing at the address (SEGV_MAPERR; MEM_FREE) */
    SPY_FAULT_PROT,      /* there, not for this access (SEGV_ACCERR;
                            PAGE_NOACCESS, read-only, reserved, guard) */
    SPY_FAULT_NOBACKING, /* mapped, but the object cannot supply the page
                            (SIGBUS; EXCEPTION_IN_PAGE_ERROR) */
} spy_fault_kind;

typedef struct spy_fault {
    int sig;               /* SIGSEGV, SIGBUS; the exception code on
                              Windows; 0 if no fault */
    int code;              /* si_code; ExceptionInformation[0] on Windows */
    const char *sig_name;  /* "SIGSEGV", "SIGBUS", "EXCEPTION_..." */
    const char *code_name; /* "SEGV_MAPERR", "BUS_ADRERR", "write access" */
    uint64_t addr;         /* faulting address */
    spy_fault_kind kind;   /* what it means, for judging and explaining */
} spy_fault;

/* One mapping of this process, as /proc/self/maps (or VirtualQuery) says. */
typedef struct spy_map_entry {
    uint64_t start, end, offset;
    char perms[5];  /* "r-xp", "rw-s", "---p" */
    char path[256]; /* file, "[stack]", "[heap]", "" when anonymous */
} spy_map_entry;

/* Where an address lies in this process. */
typedef struct spy_region {
    int inside;       /* addr lies in `at` */
    spy_map_entry at; /* valid when inside */
    int has_below;    /* nearest mapping below addr (when not inside) */
    spy_map_entry below;
    int has_above; /* nearest mapping above addr (when not inside) */
    spy_map_entry above;
    int64_t file_size; /* size of at.path now when it is a file, else -1 */
    /* The file system of at.path now (when file_size >= 0): has_fs_free
     * set when it could be measured (statvfs), fs_free the bytes it can
     * still allocate, fs_tmpfs 1 when it is a tmpfs (/dev/shm). A SIGBUS
     * inside the file on a full file system is not a truncation. */
    int has_fs_free;
    uint64_t fs_free;
    int fs_tmpfs;
    /* Windows only: VirtualQuery of the address itself, in Win32 words
     * ("MEM_FREE", "PAGE_READONLY", "PAGE_READWRITE|PAGE_GUARD",
     * "MEM_MAPPED"); all "" on POSIX, where /proc/self/maps is the truth. */
    char vq_state[16];
    char vq_protect[48];
    char vq_type[16];
    uint64_t vq_max; /* highest user address (Windows), 0 on POSIX */
} spy_region;

#endif
