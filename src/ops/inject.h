/* inject.h - the inject transaction, once for every front end: `shmspy
 * inject` and the TUI's inject prompt both build a spy_inject_req and
 * call spy_inject_run; `shmspy inject undo` calls spy_inject_undo.
 *
 * Order of work for every fault: check the request; open the object and
 * read its identity, size and mode; check offsets and sizes against it;
 * read the original bytes into a journal; write the journal durably
 * (O_EXCL, fsync); only then change the object. Anything that fails before
 * the last step leaves the object untouched, and what the object cannot
 * take (a sealed memfd's size, a System V segment's size, the name of
 * memory reached through a process) is refused before the journal. A
 * change that fails after it removes the journal when nothing changed.
 * Every name form backends/inject.h opens: the journal records the
 * identity (device + inode; System V: 0 + shmid) and the name it is
 * found by again (a System V segment's key). */
#ifndef SPY_OPS_INJECT_H
#define SPY_OPS_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/journal.h"
#include "../core/name.h"

/* Bytes one `inject corrupt` may change. */
#define SPY_INJECT_CORRUPT_MAX 4096

/* One fault to inject. Fields a fault does not use stay 0. */
typedef struct spy_inject_req {
    spy_inject_kind kind;
    spy_name name;
    uint64_t off;      /* flip, set, corrupt: first byte (have_off) */
    uint64_t len;      /* corrupt: bytes to choose from (have_len) */
    uint64_t k;        /* corrupt: how many distinct bytes to change */
    uint64_t bit;      /* flip: which bit, 0..7 */
    uint64_t seed;     /* corrupt: the seed (have_seed, else drawn) */
    uint64_t new_size; /* truncate */
    uint32_t new_mode; /* chmod */
    int have_off, have_len, have_seed;
    uint8_t *payload; /* set: the bytes to write (malloc'd; owned by the
                         request, freed by spy_inject_req_free) */
    size_t payload_len;
    const char *journal; /* the journal's path; NULL: a fresh default
                            name in the current directory */
    int follow; /* a file: path's last symlink may be followed (--follow;
                   see spy_seg_open for the link rule) */
    /* Optional: called once the object is open and its journal planned
     * (j holds its identity, size and saved bytes), before the journal is
     * written and the object changed. A nonzero return (with err set)
     * aborts the inject with nothing written or changed. `shmspy clean`
     * re-checks here that the object is still the unused one it listed. */
    int (*recheck)(const spy_journal *j, void *arg, spy_err *err);
    void *recheck_arg;
} spy_inject_req;

/* Frees what q owns (the payload); q may be reused after spy_inject_req
 * init by memset. */
void spy_inject_req_free(spy_inject_req *q);

/* Checks q on its own, before any object is touched: the bit is 0..7,
 * corrupt's count 1..4096 and its length at least 1, set's bytes 1..1 MiB.
 * SPY_EINVAL with a sentence (the front end shows it as a usage error). */
int spy_inject_check(const spy_inject_req *q, spy_err *err);

/* What an inject did. */
typedef struct spy_inject_done {
    spy_journal j;      /* the journal written (the object's original
                           state and every change) */
    char journal[4096]; /* its path */
    int journalled;     /* 1 once the journal is on disk; back to 0 when
                           the change then failed having changed nothing
                           (the journal was removed) */
} spy_inject_done;

/* Runs the fault q (see the order of work above). On success, and on a
 * failure after the journal was written (d->journalled), *d describes it.
 * When the change itself fails, the error says what happened to the
 * journal: removed when nothing was changed (truncate, chmod and unlink
 * are one system call; a byte fault's ranges are read back), else kept
 * with how many changes were written. A corrupt without have_seed
 * draws a seed (spy_entropy) and records it in q and the journal. The
 * caller frees *d with spy_inject_done_free in every case. */
int spy_inject_run(spy_inject_req *q, spy_inject_done *d, spy_err *err);

/* Frees what *d holds. */
void spy_inject_done_free(spy_inject_done *d);

/* One line (no newline) saying what the journalled fault changed: "byte 8
 * was 0x68, now 0x6a", "4 bytes at offset 100 overwritten", "50 bytes
 * changed (seed 7)", "size 8192 -> 1000 bytes", "mode 0600 -> 0444",
 * "name removed; processes that map it keep the memory" (System V:
 * "segment removed (IPC_RMID); ..."). */
void spy_inject_describe(const spy_journal *j, char *out, size_t cap);

/* What an undo did. */
typedef struct spy_undo_done {
    spy_journal j;               /* the journal undone */
    int already;                 /* the bytes were the original ones already:
                                    nothing was written */
    size_t changed_since;        /* bytes the inject changed that had been
                                    written over since (now restored too) */
    uint64_t new_ino;            /* unlink: the inode of the recreated object
                                    (System V: its new shmid) */
    char new_name[SPY_NAME_MAX]; /* unlink: the name it is found by now
                                    (a private System V segment:
                                    "sysv:NEWID") */
} spy_undo_done;

/* Undoes the journal at path: restores bytes, size, mode, or recreates an
 * unlinked object (O_EXCL, never over a new object of the same name; a
 * System V segment with its key, size and mode and a new shmid, or, key
 * IPC_PRIVATE, as a new private segment: each such undo makes one). It
 * refuses when the name no longer refers to the journalled object (device
 * and inode) and checks every range before writing any byte. A file: path
 * whose last component is a symlink is followed only when follow is set
 * (as for spy_inject_run). The caller frees *d with spy_undo_done_free in
 * every case. */
int spy_inject_undo(const char *path, int follow, spy_undo_done *d,
                    spy_err *err);

/* Frees what *d holds. */
void spy_undo_done_free(spy_undo_done *d);

#endif
