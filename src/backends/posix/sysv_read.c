/* posix/sysv_read.c - reading a System V segment without holding it
 * attached.
 *
 * An attachment is visible to everyone: shmat and shmdt change the
 * segment's shm_nattch, shm_lpid and shm_atime/shm_dtime, and programs act
 * on them (PostgreSQL refuses to start while its segment's shm_nattch is
 * above zero; `ipcs -p`/`-t` report them). So a segment opened read-only
 * is read through the memory of a process that already maps it, at that
 * process's address (procmem.h), which changes none of them. It is
 * attached only when no such process can be read (none maps it, or
 * reading their memory is refused), and then for one read: attach, copy,
 * detach, before the read returns.
 *
 * The process is found in /proc/PID/maps, where a System V mapping shows
 * the path "/SYSV<key> (deleted)" and the segment's shmid as its inode.
 * When it exits or unmaps the segment, the next read chooses another. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../guard.h"
#include "../procmem.h"
#include "../process.h"

/* While attaching for each read, the mappings of every process are looked
 * at again at most this often (only when shm_nattch says someone attached:
 * with none, no process can map it). */
#define RESCAN_MS 1000

/* A short attach keeps a copy of the bytes it read, up to this many, for
 * as long as no one else attaches: unattached memory cannot change. */
#define SNAP_MAX ((size_t)1 << 20)

typedef struct candidate {
    int32_t pid;
    uint64_t start, end;
} candidate;

struct spy__sysv_reader {
    int shmid;
    uint64_t len; /* shm_segsz */
    const char *name;
    int scanned;      /* the mappings have been looked at */
    uint64_t scan_ms; /* when, spy_monotonic_ms */
    /* The process read through, when have is set. */
    int have;
    int32_t pid;
    uint64_t start, end;
    char comm[64];
    int pidfd; /* tells when pid exits; -1 where pidfd_open is missing */
    /* The first process whose memory the last scan was refused, or 0. */
    int32_t refused_pid;
    char refused_comm[64];
    /* The bytes of the last short attach at snap_off (snap_len 0: none). */
    uint8_t *snap;
    uint64_t snap_off;
    size_t snap_len;
};

spy__sysv_reader *spy__sysv_reader_new(int shmid, uint64_t len,
                                       const char *name) {
    spy__sysv_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->shmid = shmid;
    r->len = len;
    r->name = name;
    r->pidfd = -1;
    return r;
}

/* A descriptor that becomes readable when pid exits, or -1. With it, a
 * read that worked is known to have read that very process, not another
 * that got its pid after it exited. */
static int open_pidfd(int32_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* 1 unless the process behind pidfd has exited (1 too without pidfd). */
static int alive(int pidfd) {
    struct pollfd p;
    if (pidfd < 0)
        return 1;
    p.fd = pidfd;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) == 0;
}

static void forget(spy__sysv_reader *r) {
    if (r->pidfd >= 0)
        close(r->pidfd);
    r->pidfd = -1;
    r->have = 0;
}

typedef struct scan_ctx {
    const spy__sysv_reader *r;
    int32_t self;
    candidate *v;
    size_t n, cap;
} scan_ctx;

static int collect(int pid, const spy__maps_line *l, void *arg) {
    scan_ctx *c = arg;
    if (pid == c->self || l->ino != (uint64_t)(uint32_t)c->r->shmid ||
        strncmp(l->path, "/SYSV", 5) != 0)
        return 0;
    /* shmat maps the whole segment from its start. A process that has
     * since unmapped or split part of it is passed over. */
    if (l->offset != 0 || l->end < l->start || l->end - l->start < c->r->len)
        return 0;
    if (c->n > 0 && c->v[c->n - 1].pid == pid)
        return 0; /* one mapping per process is enough */
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        candidate *v = realloc(c->v, cap * sizeof *v);
        if (v == NULL)
            return 1; /* choose among those found so far */
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].pid = pid;
    c->v[c->n].start = l->start;
    c->v[c->n].end = l->end;
    c->n++;
    return 0;
}

/* Looks at every process's mappings and chooses the first process that
 * maps the segment and whose memory may be read (a one-byte read says
 * so). Leaves have unset when there is none; refused_pid then names a
 * process that maps it but could not be read. */
static void choose(spy__sysv_reader *r) {
    scan_ctx c;
    size_t i;

    forget(r);
    memset(&c, 0, sizeof c);
    c.r = r;
    c.self = (int32_t)getpid();
    r->refused_pid = 0;
    r->scanned = 1;
    r->scan_ms = spy_monotonic_ms();
    /* A /proc that cannot be read leaves no candidate: attach instead. */
    (void)spy__maps_scan(collect, &c, NULL);
    for (i = 0; i < c.n && !r->have; i++) {
        const candidate *k = &c.v[i];
        int fd = open_pidfd(k->pid), rc;
        uint8_t b;
        rc = spy_procmem_read(k->pid, k->start, k->end, k->start, &b, 1, NULL);
        if (rc == 0 && alive(fd)) {
            r->have = 1;
            r->pid = k->pid;
            r->start = k->start;
            r->end = k->end;
            r->pidfd = fd;
            spy__proc_comm(k->pid, r->comm, sizeof r->comm);
            continue;
        }
        if (fd >= 0)
            close(fd);
        if (rc == SPY_EACCES && r->refused_pid == 0) {
            r->refused_pid = k->pid;
            spy__proc_comm(k->pid, r->refused_comm, sizeof r->refused_comm);
        }
    }
    free(c.v);
}

/* Reads through the chosen process; when it has exited, unmapped the
 * segment or refuses us, chooses another and tries again. 0 on success,
 * -1 when no process could be read. */
static int via_process(spy__sysv_reader *r, uint64_t off, void *dst,
                       size_t len) {
    int tries;
    for (tries = 0; tries < 4 && r->have; tries++) {
        if (spy_procmem_read(r->pid, r->start, r->end, r->start + off, dst, len,
                             NULL) == 0 &&
            alive(r->pidfd))
            return 0;
        choose(r);
    }
    return -1;
}

/* After a short attach: keeps the bytes read, if no one else had the
 * segment attached when it was detached. shm_lpid is set by every attach
 * and detach (and by a process that exits while attached), so as long as
 * it stays our pid with shm_nattch 0, no one has attached since and the
 * bytes are as read. */
static void remember(spy__sysv_reader *r, uint64_t off, const void *src,
                     size_t len) {
    struct shmid_ds ds;
    r->snap_len = 0;
    if (len > SNAP_MAX || shmctl(r->shmid, IPC_STAT, &ds) != 0 ||
        ds.shm_nattch != 0 || ds.shm_lpid != getpid())
        return;
    if (r->snap == NULL && (r->snap = malloc(SNAP_MAX)) == NULL)
        return;
    memcpy(r->snap, src, len);
    r->snap_off = off;
    r->snap_len = len;
}

/* The short attach: attach read-only, copy under the fault guard, detach.
 * Served from the copy of the last one when nothing has attached since. */
static int attach_read(spy__sysv_reader *r, uint64_t off, void *dst, size_t len,
                       spy_err *err) {
    struct shmid_ds ds;
    spy_fault f;
    void *p;
    int rc;

    if (shmctl(r->shmid, IPC_STAT, &ds) != 0)
        return spy__sysv_error(r->name, errno, err);
    if (ds.shm_nattch > 0) {
        /* Someone attached: perhaps a process we can read through. */
        if (!r->scanned || spy_monotonic_ms() - r->scan_ms >= RESCAN_MS) {
            choose(r);
            if (via_process(r, off, dst, len) == 0)
                return 0;
        }
    } else if (ds.shm_lpid == getpid() && r->snap_len > 0 &&
               off >= r->snap_off && len <= r->snap_len &&
               off - r->snap_off <= r->snap_len - len) {
        memcpy(dst, r->snap + (off - r->snap_off), len);
        return 0;
    }
    p = shmat(r->shmid, NULL, SHM_RDONLY);
    if (p == (void *)-1)
        return spy__sysv_error(r->name, errno, err);
    rc = spy_copy_guarded(dst, (const uint8_t *)p + off, len, &f);
    shmdt(p);
    if (rc != 0) {
        r->snap_len = 0;
        return spy_err_set(err, SPY_EFAULT, 0,
                           "%s: the memory could not be read (%s)", r->name,
                           f.sig_name);
    }
    remember(r, off, dst, len);
    return 0;
}

int spy__sysv_reader_read(spy__sysv_reader *r, uint64_t off, void *dst,
                          size_t len, spy_err *err) {
    if (!r->scanned)
        choose(r);
    if (r->have && via_process(r, off, dst, len) == 0)
        return 0;
    return attach_read(r, off, dst, len, err);
}

void spy__sysv_reader_access(spy__sysv_reader *r, spy_access *out) {
    struct shmid_ds ds;

    memset(out, 0, sizeof *out);
    if (!r->have)
        choose(r);
    if (r->have) {
        out->kind = SPY_ACCESS_PROCESS;
        out->pid = r->pid;
        out->addr = r->start;
        snprintf(out->comm, sizeof out->comm, "%s", r->comm);
        snprintf(out->text, sizeof out->text,
                 "read through the memory of PID %d (%s) at 0x%" PRIx64
                 ", not attached",
                 (int)r->pid, r->comm, r->start);
        return;
    }
    out->kind = SPY_ACCESS_ATTACH_EACH;
    if (r->refused_pid != 0)
        snprintf(out->text, sizeof out->text,
                 "attached for each read: reading the memory of PID %d (%s), "
                 "which maps it, was refused (no ptrace access)",
                 (int)r->refused_pid, r->refused_comm);
    else if (shmctl(r->shmid, IPC_STAT, &ds) == 0 && ds.shm_nattch > 0)
        snprintf(out->text, sizeof out->text,
                 "attached for each read: its %lu attachment%s belong%s to "
                 "processes that cannot be inspected",
                 (unsigned long)ds.shm_nattch, ds.shm_nattch == 1 ? "" : "s",
                 ds.shm_nattch == 1 ? "s" : "");
    else
        snprintf(out->text, sizeof out->text,
                 "attached for each read: nothing else maps it");
}

void spy__sysv_reader_free(spy__sysv_reader *r) {
    if (r == NULL)
        return;
    forget(r);
    free(r->snap);
    free(r);
}
