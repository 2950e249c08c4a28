/* clean.h - `shmspy clean`, once for every front end: the POSIX objects,
 * named semaphores and System V segments that nothing maps or holds,
 * listed with age and size, and removed only when asked, each removal
 * journalled by the inject transaction (ops/inject.h, fault unlink) so
 * that `shmspy inject undo JOURNAL` restores name, bytes and mode.
 *
 * What is a candidate: a row of spy_list_gather (POSIX, System V,
 * mappers and holders counted) that spy_list_row_unused does not call
 * used, of the kinds asked, whose name matches the pattern and whose age
 * is at least the one asked. What is removed (with yes): only candidates
 * whose count is exact and 0 (SPY_UNUSED_YES), and only after a re-check
 * of the open object just before its journal is written: the same device
 * and inode as listed (System V: the same shmid), and no process mapping
 * or holding it now (System V: the kernel's attach count is 0 and the
 * segment is not marked for removal). The
 * window left is the journal's write and the unlink itself: a process
 * that opens the object in between keeps it, under no name (inject undo
 * then refuses, as the name's new object is not the journalled one only
 * if someone re-created it). */
#ifndef SPY_OPS_CLEAN_H
#define SPY_OPS_CLEAN_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/seginfo.h"

/* Kinds clean looks at. */
enum {
    SPY_CLEAN_POSIX = 1, /* POSIX objects and named semaphores */
    SPY_CLEAN_SYSV = 2,  /* System V segments */
    SPY_CLEAN_ALL = 3
};

/* What to clean. */
typedef struct spy_clean_req {
    const char *pattern; /* shell glob (* ? [..]) on the name; NULL: all.
                            A pattern without a leading '/' is also tried
                            on a POSIX name without its '/' */
    int have_older;      /* only objects at least older_than seconds old */
    int64_t older_than;
    unsigned kinds;          /* SPY_CLEAN_* */
    int yes;                 /* remove; otherwise only list */
    const char *journal_dir; /* where journals go; NULL: the current
                                directory */
    int trust_namespace;     /* in a PID namespace of its own, count only
                                its processes (see spy_clean_run) */
} spy_clean_req;

/* One candidate, as reported to the callback (valid during the call). */
typedef struct spy_clean_item {
    const char *name; /* canonical, raw (escape it to show it) */
    spy_kind kind;
    uint64_t size;
    int64_t age;         /* seconds: now - mtime (POSIX); now - the later
                            of ctime and dtime (System V); -1 unknown */
    int exact;           /* 1: nothing maps or holds it, counted exactly;
                            0: none seen but some processes could not be
                            inspected (never removed) */
    const char *unsure;  /* when exact is 0: why ("some processes could
                            not be inspected", "this is a PID namespace
                            of its own: ..."); "" otherwise */
    int removed;         /* removed now (yes) */
    const char *journal; /* the journal of the removal, "" when none */
    const char *reason;  /* why it was not removed, "" when it was or
                            when not asked to (dry run) */
} spy_clean_item;

/* Receives each candidate in name order; a nonzero return stops. */
typedef int (*spy_clean_cb)(const spy_clean_item *it, void *arg);

/* Summary of a run. */
typedef struct spy_clean_done {
    size_t candidates; /* items reported */
    size_t removed;    /* of them removed */
    size_t refused;    /* with yes: not removed (unknown count, used again,
                          too large to journal, error) */
} spy_clean_done;

/* Lists (and with q->yes removes) the candidates of q, calling cb for
 * each. In a PID namespace of its own (spy_sees_all_processes), processes
 * outside it may map a POSIX object of a /dev/shm they share unseen: such
 * an object's count is not exact (never removed) unless
 * q->trust_namespace says only this namespace's processes use it (a
 * container with its own /dev/shm). System V counts are the kernel's
 * attach counts, exact in every namespace. Returns 0, or the listing's error (a
 * source that could not be listed, SPY_ENOMEM) before any candidate is
 * reported; a failing removal is not an error of the run: it is the item's
 * reason, counted in refused. */
int spy_clean_run(const spy_clean_req *q, spy_clean_cb cb, void *arg,
                  spy_clean_done *done, spy_err *err);

/* Parses a duration: a number with an optional unit s, m, h or d ("90s",
 * "30m", "1h", "2d"; no unit: seconds) into *secs. SPY_EINVAL with a
 * sentence otherwise. */
int spy_clean_parse_duration(const char *s, int64_t *secs, spy_err *err);

/* 1 if name matches the shell glob pattern (*, ?, [abc], [a-z], [!x],
 * backslash escapes), else 0. '/' is an ordinary character. */
int spy_clean_glob(const char *pattern, const char *name);

#endif
