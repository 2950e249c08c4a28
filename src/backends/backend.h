/* backend.h - the ONLY operating-system boundary of shmspy.
 *
 * One implementation per OS family, chosen by CMake: posix.c (+ the
 * Linux-only proc_maps.c, guard_posix.c) or win32.c. Nothing outside
 * src/backends/ includes an OS header. OS handles live inside the opaque
 * spy_seg. Every function returns 0 or a negative SPY_E* code and fills
 * *err (when non-NULL) with a sentence "<name>: <reason>". */
#ifndef SPY_BACKEND_H
#define SPY_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "../err.h"
#include "../name.h"
#include "../seginfo.h"

/* ---- listing ---------------------------------------------------------- */

enum {
    SPY_LIST_POSIX = 1 << 0, /* POSIX objects and named semaphores */
    SPY_LIST_SYSV = 1 << 1,  /* System V segments */
    SPY_LIST_WIN = 1 << 2,   /* Windows named sections */
    SPY_LIST_ALL = SPY_LIST_POSIX | SPY_LIST_SYSV | SPY_LIST_WIN,
    SPY_LIST_MAPPERS = 1 << 8, /* fill nattch for POSIX objects too (one
                                  pass over every process's mappings) */
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
};

/* Opens (and unless SPY_O_NOMAP maps) the object named n. With
 * SPY_O_CREATE the object is created with exactly `mode` (umask ignored)
 * and sized to `size`; without SPY_O_EXCL an existing object is reused and
 * resized to `size` when size > 0. Symlinks are never followed; non-regular
 * files are refused (SPY_ETYPE). A zero-size object opens with no mapping
 * (spy_seg_len 0). On success *out owns the handle: free with
 * spy_seg_close. */
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
 * shrank under us). */
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

/* ---- who maps it ------------------------------------------------------ */

typedef int (*spy_mapper_cb)(const spy_mapper *m, void *arg);

/* Calls cb for every mapping of the object described by info (matched by
 * device and inode, or shmid) in every process whose mappings we may read.
 * Processes we may not inspect are skipped; *hidden (if non-NULL) receives
 * how many were skipped for lack of permission. */
int spy_mappers(const spy_seg_info *info, spy_mapper_cb cb, void *arg,
                int *hidden, spy_err *err);

/* ---- guarded memory access -------------------------------------------- */

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

/* Copies len bytes from src to dst; if reading src (or writing dst)
 * faults, stops and returns SPY_EFAULT with *out describing the fault
 * (out may be NULL). Never crashes the process for a fault inside the
 * copied ranges. Thread-safe per thread. */
int spy_copy_guarded(void *dst, const volatile void *src, size_t len,
                     spy_fault *out);

/* ---- probing an arbitrary address ---------------------------------------- */

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
    /* Windows only: VirtualQuery of the address itself, in Win32 words
     * ("MEM_FREE", "PAGE_READONLY", "PAGE_READWRITE|PAGE_GUARD",
     * "MEM_MAPPED"); all "" on POSIX, where /proc/self/maps is the truth. */
    char vq_state[16];
    char vq_protect[48];
    char vq_type[16];
    uint64_t vq_max; /* highest user address (Windows), 0 on POSIX */
} spy_region;

/* Describes addr from this process's own memory map. Errors: SPY_EIO when
 * the map cannot be read. */
int spy_addr_describe(uint64_t addr, spy_region *out, spy_err *err);

/* Accesses len bytes (1..4096) at addr in this process under a fault
 * guard installed for this call only: SIGSEGV and SIGBUS handlers (with
 * an alternate stack) replace the previous ones, and the previous handlers
 * and the signal mask are restored before returning. Reading copies the
 * bytes to out (len bytes). With write set, each byte is read and written
 * back unchanged, which tests write access without changing memory.
 * Returns 0 when the access worked, SPY_EFAULT with *fault filled when it
 * faulted at fault->addr. */
int spy_probe(uint64_t addr, size_t len, int write, uint8_t *out,
              spy_fault *fault);

/* ---- classroom experiments ------------------------------------------------
 */

/* What one experiment really observed. Which fields mean what is listed
 * per experiment in src/cli/cmd_demo.c; unused fields stay 0 / "". */
typedef struct spy_demo_obs {
    int faulted; /* an access faulted; fault describes it */
    spy_fault fault;
    int err;           /* errno / GetLastError() of a failing call, or 0 */
    char err_name[32]; /* "EINVAL", "ENOENT", "ERROR_MAPPED_ALIGNMENT" */
    int64_t v[4];      /* numbers: sizes, values, counts */
    uint64_t addr[2];  /* addresses: here / in another process */
    char text[2][64];  /* strings read back */
} spy_demo_obs;

/* Runs the experiment called name (the scenario names of `shmspy demo`),
 * with real objects, processes and faults, and fills *o with what was
 * observed. Everything created is removed again. SPY_EINVAL for an
 * unknown name; SPY_EIO when the experiment could not be set up. */
int spy_demo_experiment(const char *name, spy_demo_obs *o, spy_err *err);

/* 1 if this system runs the experiment called name, else 0 (Windows runs
 * the ones that make sense there: no fork, no SIGBUS, no unlink). */
int spy_demo_available(const char *name);

/* The argument by which shmspy re-executes itself to play the other
 * process of an experiment where there is no fork (Windows):
 * `shmspy SPY_DEMO_CHILD ROLE [ARG]`. */
#define SPY_DEMO_CHILD "--demo-child"

/* Runs that other process's part (argv[0] is ROLE) and returns the exit
 * status. On POSIX, where experiments fork, it says so and returns 2. */
int spy_demo_child(int argc, char **argv);

/* Which family of systems this build is for: the CLI words its lessons
 * accordingly ("SIGSEGV" or "access violation"). */
typedef enum spy_platform {
    SPY_PLATFORM_POSIX,
    SPY_PLATFORM_WINDOWS
} spy_platform;
spy_platform spy_platform_get(void);

/* ---- process helpers -------------------------------------------------- */

/* Process-wide setup, called once by main before any output: SIGPIPE is
 * ignored, so writing to a closed pipe (`shmspy dump | head`) becomes an
 * EPIPE write error that the CLI ends on quietly instead of dying. An
 * unset TZ is set to the system zone so that local times are computed
 * without a stat per call. */
void spy_process_init(void);

/* The system page size in bytes. */
uint64_t spy_page_size(void);

/* Catches SIGINT, SIGTERM and SIGHUP (Ctrl-C / Ctrl-Break and console
 * close on Windows) from now on, for a later spy_hold_wait: call it before
 * creating what the hold will own, so a signal that arrives meanwhile is
 * remembered (the wait then returns at once) instead of killing the
 * process with the object left behind. Optional: spy_hold_wait arms
 * itself; it also restores the previous handlers. */
int spy_hold_arm(spy_err *err);

/* Blocks until Enter or end-of-file on standard input, or SIGINT, SIGTERM
 * or SIGHUP. *why is set to a static string naming the reason ("Enter",
 * "end of input", "SIGTERM", ...). */
int spy_hold_wait(const char **why, spy_err *err);

/* Current time as seconds since the epoch, and monotonic milliseconds. */
int64_t spy_now(void);
uint64_t spy_monotonic_ms(void);

/* ---- fault injection (inject_posix.c) -------------------------------------
 * `shmspy inject` works on a descriptor, not a mapping: bytes are read and
 * written with pread/pwrite, which every process mapping the object sees at
 * once and which cannot fault when the object shrinks. POSIX objects and
 * file: paths only (they have the device + inode identity the journal
 * records); other name forms are SPY_ENOTSUP. */

typedef struct spy_obj spy_obj; /* opaque: the descriptor and the name */

/* Identity and state of an open object, from fstat. */
typedef struct spy_obj_state {
    uint64_t dev, ino; /* identity */
    uint64_t size;     /* bytes */
    uint32_t mode;     /* permission bits, 07777 */
} spy_obj_state;

/* Opens the existing object n (read-write when write is set) with the same
 * safety rules as spy_seg_open: no symlink followed inside /dev/shm, a
 * FIFO never blocks, anything but a regular file is SPY_ETYPE. *out owns
 * the descriptor: free with spy_obj_close. */
int spy_obj_open(const spy_name *n, int write, spy_obj **out, spy_err *err);

/* Creates n exclusively (SPY_EEXIST if the name exists) with exactly
 * mode, whatever the umask, open read-write. */
int spy_obj_create(const spy_name *n, uint32_t mode, spy_obj **out,
                   spy_err *err);

/* Current identity, size and mode of o (fstat). */
int spy_obj_stat(spy_obj *o, spy_obj_state *st, spy_err *err);

/* Reads exactly len bytes at off; SPY_ERANGE if the object ends first. */
int spy_obj_read(spy_obj *o, uint64_t off, void *buf, size_t len, spy_err *err);

/* Writes exactly len bytes at off (o opened for writing). */
int spy_obj_write(spy_obj *o, uint64_t off, const void *buf, size_t len,
                  spy_err *err);

/* Sets the size (ftruncate) / the permission bits (fchmod) of o. */
int spy_obj_truncate(spy_obj *o, uint64_t size, spy_err *err);
int spy_obj_chmod(spy_obj *o, uint32_t mode, spy_err *err);

/* Removes o's name, but only while the name still refers to o (same
 * device and inode): SPY_ENOENT if the name is gone, SPY_EEXIST if it now
 * names another object. Processes mapping o keep their memory. */
int spy_obj_unlink(spy_obj *o, spy_err *err);

/* Canonical name o was opened with. */
const char *spy_obj_name(const spy_obj *o);

/* Closes o; o may be NULL. */
void spy_obj_close(spy_obj *o);

/* Writes len bytes to a NEW file at path (SPY_EEXIST rather than replace
 * one), mode 0600, then fsyncs the file and its directory, so that the
 * data is on disk before the caller goes on. A failed write removes the
 * partial file. */
int spy_durable_create(const char *path, const void *data, size_t len,
                       spy_err *err);

/* Reads the regular file at path, at most max bytes (SPY_ERANGE if it is
 * larger), into a new malloc'd buffer *out of *len bytes; the caller frees
 * it. */
int spy_file_slurp(const char *path, size_t max, char **out, size_t *len,
                   spy_err *err);

/* Some bits that differ from run to run (time, pid): the default seed of
 * `inject corrupt`. Not for cryptography. */
uint64_t spy_entropy(void);

/* This process's id, for unique default file names. */
long spy_self_pid(void);

#endif
