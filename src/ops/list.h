/* list.h - the rows of `shmspy list` and of the TUI's browser, gathered
 * and ordered once: every object the backend lists, kept compactly (a
 * spy_seg_info holds a 4 KiB name; 10,000 copies would be 45 MiB), and
 * the orders both front ends offer. */
#ifndef SPY_OPS_LIST_H
#define SPY_OPS_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "../backends/lockinfo.h"
#include "../core/err.h"
#include "../core/seginfo.h"

/* With the SPY_LIST_* flags of backends/seg.h: read every named
 * semaphore's value and the threads asleep on it (sem_value ... of its
 * row). Each semaphore is opened and its mappers' threads are read, so
 * it is asked for by `list`, not by every refresh of a view. */
#define SPY_LIST_SEM_STATE (1u << 16)

/* One listed object: the fields of spy_seg_info that are shown. Texts
 * live in the spy_list's blocks and stay valid until spy_list_free. */
typedef struct spy_list_row {
    char *name;          /* canonical name, raw (for opening) */
    const char *problem; /* why it is unusable; "" when fine */
    spy_kind kind;
    uint64_t size;
    uint32_t mode, uid, gid;
    const char *owner, *group; /* shared by rows of the same owner */
    int64_t atime, mtime, ctime, key;
    int32_t nattch, shmid, cpid, lpid;
    int32_t nattch_min; /* spy_seg_info's: a lower bound when nattch < 0 */
    int removed;        /* spy_seg_info's (System V: SHM_DEST) */
    uint64_t dev, ino;  /* identity, for spy_mappers */
    /* System V only (see spy_seg_info): */
    uint32_t sysv_status, cuid, cgid;
    int64_t dtime;
    /* Memory named through a process (see spy_seg_info): */
    uint64_t allocated;  /* bytes behind it; 0 unknown */
    int32_t seals;       /* memfd: SPY_SEAL_* bits; -1 unknown or none */
    int32_t holders;     /* processes holding a descriptor; -1 unknown */
    int32_t holders_min; /* at least this many */
    const char *origin;  /* what it was or is called: "" when nothing */
    /* Named semaphores (kind SPY_KIND_SEM) listed with SPY_LIST_SEM_STATE
     * (ops/locks.h's spy_sem_report; -1, NULL and "" otherwise): */
    int64_t sem_value;             /* sem_getvalue's answer; -1 unknown */
    int64_t sem_waiters;           /* glibc's waiter count; -1 unknown */
    const spy_waiter *sem_waiting; /* threads seen asleep on it; NULL:
                                      not known */
    size_t sem_nwaiting;
    size_t sem_unreadable; /* threads of its mappers not readable */
    const char *sem_error; /* why the value is unknown, or "" */
} spy_list_row;

struct spy__text_block;

/* The rows of one listing. Owns its rows and their texts. */
typedef struct spy_list {
    spy_list_row *v;
    size_t n, cap;
    struct spy__text_block *texts; /* private */
    const char *owner, *group;     /* private: the last ones stored */
    int oom;                       /* private: a row could not be stored */
} spy_list;

/* The orders of a listing: by name (System V segments by id), by size
 * (largest first), by modification time (newest first), by mappers (most
 * first); ties go by name. */
typedef enum spy_list_order {
    SPY_ORDER_NAME,
    SPY_ORDER_SIZE,
    SPY_ORDER_TIME,
    SPY_ORDER_MAPPERS
} spy_list_order;

/* Lists the objects of the kinds in flags (SPY_LIST_* of backends/seg.h)
 * into *out (initialised here; free with spy_list_free in every case).
 * Rows are in the backend's order. A source that fails leaves the rows of
 * the others and the error in *err (its code returned); out of memory is
 * SPY_ENOMEM with no rows. */
int spy_list_gather(unsigned flags, spy_list *out, spy_err *err);

/* A view of row's semaphore state as a spy_sem_report (for its text and
 * JSON writers), borrowing row's memory: valid while the list is, and
 * never passed to spy_sem_report_free. 0 when row has no such state
 * (not a semaphore, or listed without SPY_LIST_SEM_STATE). */
struct spy_sem_report;
int spy_list_row_sem(const spy_list_row *row, struct spy_sem_report *view);

/* Frees the rows and texts of l and empties it. */
void spy_list_free(spy_list *l);

/* <0, 0, >0 as a comes before, with, after b in order o. */
int spy_list_row_cmp(const spy_list_row *a, const spy_list_row *b,
                     spy_list_order o);

/* Sorts l's rows in order o (reversed when reverse is set). */
void spy_list_sort(spy_list *l, spy_list_order o, int reverse);

/* The groups both front ends show rows in, in this order (list's text
 * sections fold REMOVED into POSIX, marking each such row). */
typedef enum spy_list_group {
    SPY_GROUP_POSIX,   /* POSIX objects, semaphores, other /dev/shm entries */
    SPY_GROUP_REMOVED, /* POSIX objects removed, still mapped or held */
    SPY_GROUP_SYSV,
    SPY_GROUP_WIN, /* Windows named sections */
    SPY_GROUP_MEMFD,
    SPY_GROUP_ANON,
    SPY_GROUP_FILE,
    SPY_GROUP_COUNT
} spy_list_group;

/* The group of row. */
spy_list_group spy_list_row_group(const spy_list_row *row);

/* The title of group g ("POSIX shared memory", "memfd", ...). A static
 * string. */
const char *spy_list_group_title(spy_list_group g);

/* Whether a listed object is unused: no process maps or holds it. */
typedef enum spy_unused {
    SPY_UNUSED_NO,     /* some process maps it (or it is not an object) */
    SPY_UNUSED_YES,    /* both counts are exact and 0 */
    SPY_UNUSED_UNKNOWN /* none seen, but a count is not exact: processes
                          could not be inspected, or were not counted */
} spy_unused;

/* Decides "unused" for row, for whatever acts on it (the coming `clean`):
 * unused means no process maps it AND none holds a descriptor to it, both
 * counts exact and 0; so a row listed without SPY_LIST_HOLDERS (holders
 * -1) or with processes that could not be inspected is at best
 * SPY_UNUSED_UNKNOWN, and a caller that removes objects must refuse on
 * it. Entries that are not objects (kind other), System V segments marked
 * for removal and objects already removed are never unused: there is
 * nothing to clean. System V segments have no descriptors: their nattch
 * alone decides. */
spy_unused spy_list_row_unused(const spy_list_row *row);

#endif
