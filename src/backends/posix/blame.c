/* posix/blame.c - hardware watchpoints in every thread of every process
 * that maps a segment (backends/blame.h), through perf_event_open.
 *
 * One perf event per (thread, watched address): PERF_TYPE_BREAKPOINT,
 * sample_period 1, samples of IP, TID, TIME (CLOCK_MONOTONIC) and ADDR,
 * user space only. Each event has its own ring buffer of 1 + 8 pages (the
 * metadata page and 32 KiB of data: ~800 samples of 40 bytes, 8 ms of
 * slack at 100,000 hits a second from one thread). Small on purpose: an
 * unprivileged user's locked perf memory is kernel.perf_event_mlock_kb
 * (516 KiB) plus RLIMIT_MEMLOCK for ALL its events, so when a ring cannot
 * be mapped we retry with half as many pages down to 1 + 1 before giving
 * the thread up. A privileged blame (root, CAP_PERFMON; root also has
 * CAP_IPC_LOCK, which lifts that limit) takes 1 + 32 pages (128 KiB,
 * ~3,300 samples): measured here, two writers trapping ~70,000 times a
 * second each on 2 busy cores lost 1.5% of their samples with 8 pages
 * (blame was off the CPU for longer than 8 ms) and none with 64. The
 * ring is read while the thread runs: data_head with acquire, data_tail
 * stored with release (the kernel's documented protocol); the watched
 * thread is never stopped, its only cost is the trap on a hit.
 *
 * New threads: attr.inherit is NOT used. The kernel refuses to mmap a
 * per-task (cpu == -1) inherited event ("Don't allow mmap() of inherited
 * per-task counters", perf_mmap in kernel/events/core.c), and inherit
 * only follows threads created by the watched thread after arming, not
 * new processes. Instead spy_blame_rescan lists every mapper's
 * /proc/PID/task and arms the threads not armed yet, and every
 * FULL_SCAN_MS re-reads who maps the segment at all (every process's
 * /proc/PID/maps: the costly part, ~5 ms here, so not every 100 ms); a
 * thread that writes before the next rescan (~100 ms), or a process
 * before the next full one (~500 ms), goes unseen for those writes. Exited
 * threads: their event reports POLLHUP; its ring is drained and the event
 * closed. A mapping that went away (munmap) has its events closed at the
 * rescan.
 *
 * The blaming process itself (which maps the segment to read values) is
 * never armed. */
#include "../blame.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../mappers.h"

#define BUSY_NAP_NS 2000000L /* 2 ms between drains while hits flow */
#define RING_PAGES 8         /* data pages (a power of two) */
#define RING_PAGES_PRIV 32   /* for root / CAP_IPC_LOCK: no mlock limit */
#define RING_PAGES_MIN 1
#define MAX_RECORD 256 /* our records are 40 bytes; LOST is 24 */
#define PROC_MAPS 8
/* A full rescan reads every process's /proc/PID/maps (a few ms with a few
 * hundred processes); the rescans in between only list the threads of
 * the processes already known to map the segment. */
#define FULL_SCAN_MS 500

typedef struct bp_proc {
    int pid;
    char comm[64];
    unsigned long gen; /* the rescan that last saw it map the segment */
    int refused;       /* counted in stats.refused once */
    /* its mappings of the segment at the last full scan (the first
     * PROC_MAPS of them), for the threads-only rescans in between */
    struct {
        uint64_t start, end, offset;
    } map[PROC_MAPS];
    unsigned nmap;
} bp_proc;

typedef struct bp_watch {
    int fd;
    void *ring; /* 1 + npages pages */
    size_t ring_len;
    uint64_t mask; /* data bytes - 1 */
    int pid, tid;
    unsigned slot;
    uint64_t addr;
    unsigned long gen; /* last rescan its mapping was seen */
    int hup;
    uint64_t throttled_at; /* time of a PERF_RECORD_THROTTLE not yet
                              followed by its UNTHROTTLE, or 0 */
} bp_watch;

struct spy_blame {
    spy_seg_info info;
    spy_blame_opts o;
    int self;
    size_t page;
    bp_proc *procs;
    size_t nprocs, capprocs;
    bp_watch *w;
    size_t nw, capw;
    struct pollfd *pfd;
    size_t cappfd;
    spy_blame_hit *pending; /* collected, sorted, not yet delivered */
    size_t npending, cappending, ipending;
    int busy; /* the last drain found hits: nap, then drain again */
    unsigned long gen;
    uint64_t last_full; /* CLOCK_MONOTONIC ms of the last full scan */
    int hidden;         /* processes whose maps we may not read (last scan) */
    int priv;           /* CAP_PERFMON, CAP_SYS_ADMIN or root */
    int paranoid;       /* kernel.perf_event_paranoid, or -99 unknown */
    spy_blame_stats st;
};

static long perf_open(struct perf_event_attr *a, int tid) {
    return syscall(SYS_perf_event_open, a, tid, -1, -1,
                   (unsigned long)PERF_FLAG_FD_CLOEXEC);
}

static void attr_fill(struct perf_event_attr *a, const spy_blame_opts *o,
                      uint64_t addr) {
    memset(a, 0, sizeof *a);
    a->type = PERF_TYPE_BREAKPOINT;
    a->size = sizeof *a;
    a->bp_type = o->rw ? HW_BREAKPOINT_RW : HW_BREAKPOINT_W;
    a->bp_addr = addr;
    a->bp_len = o->len;
    a->sample_period = 1;
    a->sample_type =
        PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR;
    a->use_clockid = 1;
    a->clockid = CLOCK_MONOTONIC;
    a->exclude_kernel = 1;
    a->exclude_hv = 1;
    a->wakeup_events = 1;
}

static int read_int_file(const char *path, int *out) {
    FILE *f = fopen(path, "r");
    int ok;
    if (f == NULL)
        return -1;
    ok = fscanf(f, "%d", out) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

/* CAP_PERFMON (38), CAP_SYS_ADMIN (21) in our effective set, or uid 0. */
static int privileged(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long cap = 0;
    if (geteuid() == 0)
        return 1;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "CapEff: %llx", &cap) == 1)
            break;
    fclose(f);
    return (cap & (1ULL << 38)) != 0 || (cap & (1ULL << 21)) != 0;
}

static const char *paranoid_meaning(int p) {
    if (p >= 3)
        return "no perf events for unprivileged users, on kernels that "
               "enforce level 3";
    if (p == 2)
        return "unprivileged users may watch their own processes' user "
               "space only";
    if (p == 1)
        return "no kernel profiling for unprivileged users";
    return "everything allowed";
}

/* The one line for "perf_event_open refused us" (EACCES/EPERM) on
 * process pid (0: our own probe). */
static void refusal(const spy_blame *b, int pid, const char *comm, char *buf,
                    size_t cap) {
    if (!b->priv && b->paranoid >= 3) {
        snprintf(buf, cap,
                 "blame: kernel.perf_event_paranoid is %d (%s): run as root "
                 "or with CAP_PERFMON, or lower it to 2",
                 b->paranoid, paranoid_meaning(b->paranoid));
    } else if (pid > 0) {
        snprintf(buf, cap,
                 "blame: pid %d (%s) may not be watched: another user's "
                 "process needs ptrace read access (same user, or "
                 "CAP_SYS_PTRACE / root)%s",
                 pid, comm, b->priv ? "" : "; not privileged (CAP_PERFMON)");
    } else {
        snprintf(buf, cap,
                 "blame: perf_event_open refused (kernel.perf_event_paranoid "
                 "is %d: %s; not root, no CAP_PERFMON)",
                 b->paranoid, paranoid_meaning(b->paranoid));
    }
}

static void refuse(spy_blame *b, const char *why) {
    b->st.refused++;
    if (b->st.refused_why[0] == '\0')
        snprintf(b->st.refused_why, sizeof b->st.refused_why, "%s", why);
}

static bp_proc *proc_find(spy_blame *b, int pid) {
    size_t i;
    for (i = 0; i < b->nprocs; i++)
        if (b->procs[i].pid == pid)
            return &b->procs[i];
    return NULL;
}

static const char *proc_comm(const spy_blame *b, int pid) {
    size_t i;
    for (i = 0; i < b->nprocs; i++)
        if (b->procs[i].pid == pid)
            return b->procs[i].comm;
    return "";
}

static void watch_close(bp_watch *w) {
    if (w->ring != NULL)
        munmap(w->ring, w->ring_len);
    if (w->fd >= 0)
        close(w->fd);
    w->ring = NULL;
    w->fd = -1;
}

static bp_watch *watch_find(spy_blame *b, int tid, uint64_t addr) {
    size_t i;
    for (i = 0; i < b->nw; i++)
        if (b->w[i].tid == tid && b->w[i].addr == addr)
            return &b->w[i];
    return NULL;
}

/* Arms thread tid of pid at addr (slot). 0, or -errno. */
static int watch_arm(spy_blame *b, int pid, int tid, unsigned slot,
                     uint64_t addr) {
    struct perf_event_attr a;
    bp_watch w;
    long fd;
    size_t pages;

    if (b->nw == b->capw) {
        size_t cap = b->capw ? b->capw * 2 : 16;
        bp_watch *nw = realloc(b->w, cap * sizeof *nw);
        if (nw == NULL)
            return -ENOMEM;
        b->w = nw;
        b->capw = cap;
    }
    attr_fill(&a, &b->o, addr);
    fd = perf_open(&a, tid);
    if (fd < 0)
        return -errno;
    memset(&w, 0, sizeof w);
    w.fd = (int)fd;
    for (pages = b->priv ? RING_PAGES_PRIV : RING_PAGES;
         pages >= RING_PAGES_MIN; pages /= 2) {
        w.ring_len = (pages + 1) * b->page;
        w.ring =
            mmap(NULL, w.ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, w.fd, 0);
        if (w.ring != MAP_FAILED)
            break;
        w.ring = NULL;
        if (errno != EPERM && errno != ENOMEM)
            break;
    }
    if (w.ring == NULL) {
        int err = errno;
        close(w.fd);
        return -(err != 0 ? err : ENOMEM);
    }
    w.mask = pages * b->page - 1;
    w.pid = pid;
    w.tid = tid;
    w.slot = slot;
    w.addr = addr;
    w.gen = b->gen;
    b->w[b->nw++] = w;
    return 0;
}

/* One mapping of the segment in process m->pid: arms every thread for
 * every watched offset inside it. */
typedef struct scan_ctx {
    spy_blame *b;
    int fatal; /* -ENOMEM */
} scan_ctx;

/* Arms every thread of p at every watched offset inside the mapping
 * [start, end) at object offset moff. -ENOMEM when out of memory. */
static int arm_threads(spy_blame *b, bp_proc *p, uint64_t start, uint64_t end,
                       uint64_t moff) {
    char path[64], why[256];
    unsigned s;
    DIR *d;
    struct dirent *de;
    int refused_here = 0;

    snprintf(path, sizeof path, "/proc/%d/task", p->pid);
    d = opendir(path);
    if (d == NULL)
        return 0; /* gone meanwhile */
    while ((de = readdir(d)) != NULL) {
        char *endp;
        long tid = strtol(de->d_name, &endp, 10);
        if (de->d_name[0] == '.' || *endp != '\0' || tid <= 0)
            continue;
        for (s = 0; s < b->o.noff; s++) {
            uint64_t off = b->o.off[s], addr;
            bp_watch *w;
            int rc;
            if (off < moff || off - moff >= end - start)
                continue;
            addr = start + (off - moff);
            if ((w = watch_find(b, (int)tid, addr)) != NULL) {
                w->gen = b->gen;
                continue;
            }
            rc = watch_arm(b, p->pid, (int)tid, s, addr);
            if (rc == 0 || rc == -ESRCH)
                continue; /* armed, or the thread just exited */
            if (rc == -ENOMEM && b->nw == b->capw) {
                closedir(d);
                return rc;
            }
            if (refused_here++ || p->refused)
                continue; /* one refusal per process */
            if (rc == -EACCES || rc == -EPERM)
                refusal(b, p->pid, p->comm, why, sizeof why);
            else if (rc == -ENOSPC)
                snprintf(why, sizeof why,
                         "blame: pid %d (%s) thread %ld: no free debug "
                         "register (at most %d watches per thread)",
                         p->pid, p->comm, tid, SPY_BLAME_MAX_WATCH);
            else
                snprintf(why, sizeof why,
                         "blame: pid %d (%s) thread %ld: perf_event_open: %s",
                         p->pid, p->comm, tid, strerror(-rc));
            refuse(b, why);
            p->refused = 1;
        }
    }
    closedir(d);
    return 0;
}

static int on_mapper(const spy_mapper *m, void *arg) {
    scan_ctx *c = arg;
    spy_blame *b = c->b;
    bp_proc *p;

    if (m->pid == b->self || m->fd >= 0 || m->handle_only || m->end <= m->start)
        return 0;
    p = proc_find(b, m->pid);
    if (p == NULL) {
        if (b->nprocs == b->capprocs) {
            size_t cap = b->capprocs ? b->capprocs * 2 : 8;
            bp_proc *np = realloc(b->procs, cap * sizeof *np);
            if (np == NULL) {
                c->fatal = -ENOMEM;
                return 1;
            }
            b->procs = np;
            b->capprocs = cap;
        }
        p = &b->procs[b->nprocs++];
        memset(p, 0, sizeof *p);
        p->pid = m->pid;
        snprintf(p->comm, sizeof p->comm, "%s", m->comm);
    }
    if (p->gen != b->gen)
        p->nmap = 0; /* first mapping of this scan */
    p->gen = b->gen;
    if (p->nmap < PROC_MAPS) {
        p->map[p->nmap].start = m->start;
        p->map[p->nmap].end = m->end;
        p->map[p->nmap].offset = m->offset;
        p->nmap++;
    }
    if (arm_threads(b, p, m->start, m->end, m->offset) != 0) {
        c->fatal = -ENOMEM;
        return 1;
    }
    return 0;
}

static void count_armed(spy_blame *b) {
    size_t i, j;
    b->st.threads = 0;
    b->st.processes = 0;
    for (i = 0; i < b->nw; i++) {
        int first_tid = 1, first_pid = 1;
        for (j = 0; j < i; j++) {
            if (b->w[j].tid == b->w[i].tid)
                first_tid = 0;
            if (b->w[j].pid == b->w[i].pid)
                first_pid = 0;
        }
        b->st.threads += (unsigned)first_tid;
        b->st.processes += (unsigned)first_pid;
    }
}

/* ---- reading the rings ---------------------------------------------- */

static int pending_push(spy_blame *b, const spy_blame_hit *h) {
    if (b->npending == b->cappending) {
        size_t cap = b->cappending ? b->cappending * 2 : 256;
        spy_blame_hit *np = realloc(b->pending, cap * sizeof *np);
        if (np == NULL)
            return -1;
        b->pending = np;
        b->cappending = cap;
    }
    b->pending[b->npending++] = *h;
    return 0;
}

/* Moves every complete record of w's ring into b->pending (samples) or
 * the lost count, then frees the space for the kernel. */
static int ring_drain(spy_blame *b, bp_watch *w) {
    struct perf_event_mmap_page *meta = w->ring;
    const uint8_t *data = (const uint8_t *)w->ring + b->page;
    uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
    uint64_t tail = meta->data_tail;
    int rc = 0;

    while (tail < head) {
        struct perf_event_header hdr;
        uint8_t rec[MAX_RECORD];
        size_t at = (size_t)(tail & w->mask), first;

        /* the header itself may wrap: copy byte-wise through the mask */
        first = w->mask + 1 - at;
        if (first >= sizeof hdr) {
            memcpy(&hdr, data + at, sizeof hdr);
        } else {
            memcpy(&hdr, data + at, first);
            memcpy((uint8_t *)&hdr + first, data, sizeof hdr - first);
        }
        if (hdr.size < sizeof hdr || tail + hdr.size > head)
            break; /* not written whole yet (cannot happen after head) */
        if (hdr.size <= sizeof rec) {
            if (first >= hdr.size) {
                memcpy(rec, data + at, hdr.size);
            } else {
                memcpy(rec, data + at, first);
                memcpy(rec + first, data, hdr.size - first);
            }
            if (hdr.type == PERF_RECORD_SAMPLE &&
                hdr.size >= sizeof hdr + 4 * 8) {
                /* ip; pid, tid; time; addr (the order of sample_type bits) */
                spy_blame_hit h;
                uint64_t ip, tm, addr;
                uint32_t pt[2];
                memcpy(&ip, rec + 8, 8);
                memcpy(pt, rec + 16, 8);
                memcpy(&tm, rec + 24, 8);
                memcpy(&addr, rec + 32, 8);
                memset(&h, 0, sizeof h);
                h.time_ns = tm;
                h.pid = (int)pt[0];
                h.tid = (int)pt[1];
                h.ip = ip;
                h.addr = addr != 0 ? addr : w->addr;
                h.slot = w->slot;
                h.off = b->o.off[w->slot];
                if (pending_push(b, &h) != 0)
                    rc = -1;
                else
                    b->st.hits++;
            } else if (hdr.type == PERF_RECORD_LOST &&
                       hdr.size >= sizeof hdr + 16) {
                uint64_t lost;
                memcpy(&lost, rec + 16, 8);
                b->st.lost += lost;
            } else if ((hdr.type == PERF_RECORD_THROTTLE ||
                        hdr.type == PERF_RECORD_UNTHROTTLE) &&
                       hdr.size >= sizeof hdr + 8) {
                /* { time, id, stream_id }: sampling stopped (and went on) */
                uint64_t tm;
                memcpy(&tm, rec + 8, 8);
                if (hdr.type == PERF_RECORD_THROTTLE) {
                    b->st.throttled++;
                    w->throttled_at = tm;
                } else if (w->throttled_at != 0) {
                    if (tm > w->throttled_at)
                        b->st.throttled_ns += tm - w->throttled_at;
                    w->throttled_at = 0;
                }
            }
        }
        tail += hdr.size;
    }
    __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
    return rc;
}

static int hit_cmp(const void *x, const void *y) {
    const spy_blame_hit *a = x, *b = y;
    return a->time_ns < b->time_ns ? -1 : a->time_ns > b->time_ns;
}

/* Drains every ring, closes the events of exited threads, and sorts what
 * came in by time. */
static int drain_all(spy_blame *b) {
    size_t i, keep = 0;
    int rc = 0;
    if (b->ipending == b->npending)
        b->ipending = b->npending = 0;
    i = b->npending;
    {
        size_t j;
        for (j = 0; j < b->nw; j++)
            if (ring_drain(b, &b->w[j]) != 0)
                rc = -1;
    }
    if (b->npending - i > 1)
        qsort(b->pending + i, b->npending - i, sizeof *b->pending, hit_cmp);
    for (i = 0; i < b->nw; i++) {
        if (b->w[i].hup) {
            watch_close(&b->w[i]);
            continue;
        }
        b->w[keep++] = b->w[i];
    }
    if (keep != b->nw) {
        b->nw = keep;
        count_armed(b);
    }
    return rc;
}

/* ---- the interface ---------------------------------------------------- */

static int check_opts(const spy_blame_opts *o, uint64_t seglen, spy_err *err) {
    unsigned i, j;
    if (o->noff == 0)
        return spy_err_set(err, SPY_EINVAL, 0, "blame: no offset to watch");
    if (o->noff > SPY_BLAME_MAX_WATCH)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "blame: at most %d offsets (the CPU's debug "
                           "registers), %u given",
                           SPY_BLAME_MAX_WATCH, o->noff);
    if (o->len != 1 && o->len != 2 && o->len != 4 && o->len != 8)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "blame: --len %u: a watch is 1, 2, 4 or 8 bytes "
                           "(larger ranges: --pages)",
                           o->len);
    for (i = 0; i < o->noff; i++) {
        if (o->off[i] % o->len != 0)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "blame: offset 0x%" PRIx64
                               " is not aligned to --len %u (the CPU watches "
                               "aligned ranges only)",
                               o->off[i], o->len);
        if (o->off[i] >= seglen || seglen - o->off[i] < o->len)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "blame: offset 0x%" PRIx64 " + %u is past the "
                               "end of the segment (%" PRIu64 " bytes)",
                               o->off[i], o->len, seglen);
        for (j = 0; j < i; j++)
            if (o->off[j] == o->off[i])
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "blame: offset 0x%" PRIx64 " given twice",
                                   o->off[i]);
    }
    return 0;
}

/* Arms a watch on a variable of our own: says whether this kernel offers
 * hardware breakpoints to us at all. */
static int probe_self(spy_blame *b, spy_err *err) {
    static volatile uint64_t probe_word;
    struct perf_event_attr a;
    spy_blame_opts o;
    char why[256];
    long fd;
    memset(&o, 0, sizeof o);
    o.len = 8;
    attr_fill(&a, &o, (uint64_t)(uintptr_t)&probe_word);
    fd = perf_open(&a, 0);
    if (fd >= 0) {
        close((int)fd);
        return 0;
    }
    switch (errno) {
    case EACCES:
    case EPERM:
        refusal(b, 0, "", why, sizeof why);
        return spy_err_set(err, SPY_EACCES, errno, "%s", why);
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
    case ENOSYS:
        return spy_err_set(err, SPY_ENOTSUP, errno,
                           "blame: no hardware breakpoints on this machine "
                           "(perf_event_open: %s)",
                           strerror(errno));
    default:
        return spy_err_set(err, SPY_EIO, errno, "blame: perf_event_open: %s",
                           strerror(errno));
    }
}

int spy_blame_rescan(spy_blame *b, spy_err *err) {
    scan_ctx c = {b, 0};
    size_t i;
    unsigned k;
    int rc, hidden = 0;
    struct timespec ts;
    uint64_t now;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    if (b->last_full != 0 && now - b->last_full < FULL_SCAN_MS) {
        /* threads only, of the processes mapping it at the last full scan */
        for (i = 0; i < b->nprocs; i++) {
            bp_proc *p = &b->procs[i];
            if (p->gen != b->gen)
                continue;
            for (k = 0; k < p->nmap; k++)
                if (arm_threads(b, p, p->map[k].start, p->map[k].end,
                                p->map[k].offset) != 0)
                    return spy_err_set(err, SPY_ENOMEM, 0,
                                       "blame: out of memory");
        }
        count_armed(b);
        return 0;
    }
    b->last_full = now;
    b->gen++;
    rc = spy_mappers(&b->info, on_mapper, &c, &hidden, err);
    if (c.fatal != 0)
        return spy_err_set(err, SPY_ENOMEM, 0, "blame: out of memory");
    if (rc != 0)
        return rc;
    b->hidden = hidden;
    b->st.hidden = hidden > 0 ? (unsigned)hidden : 0;
    /* mappings that went away (munmap, or the process exited): let go,
     * after taking what their rings hold */
    for (i = 0; i < b->nw; i++)
        if (b->w[i].gen != b->gen)
            b->w[i].hup = 1;
    if (drain_all(b) != 0)
        return spy_err_set(err, SPY_ENOMEM, 0, "blame: out of memory");
    count_armed(b);
    return 0;
}

int spy_blame_start(spy_seg *seg, const spy_blame_opts *o, int allow_none,
                    spy_blame **out, spy_err *err) {
    spy_blame *b;
    int rc, other;
    long pg = sysconf(_SC_PAGESIZE);

    *out = NULL;
    if ((b = calloc(1, sizeof *b)) == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "blame: out of memory");
    b->o = *o;
    b->self = (int)getpid();
    b->page = pg > 0 ? (size_t)pg : 4096;
    b->priv = privileged();
    if (read_int_file("/proc/sys/kernel/perf_event_paranoid", &b->paranoid) !=
        0)
        b->paranoid = 2;
    if ((rc = check_opts(o, spy_seg_len(seg), err)) != 0 ||
        (rc = spy_seg_stat(seg, &b->info, err)) != 0 ||
        (rc = probe_self(b, err)) != 0 ||
        (rc = spy_blame_rescan(b, err)) != 0) {
        spy_blame_stop(b);
        return rc;
    }
    /* Another user's object that no process we may inspect maps: its
     * writers are that user's processes, out of our reach (waiting for a
     * mapper we could see would wait for ever). */
    other = b->nw == 0 && !b->priv && b->hidden > 0 &&
            b->info.uid != (uint32_t)geteuid();
    if (b->nw == 0 && (!allow_none || b->st.refused > 0 || other)) {
        if (b->st.refused > 0)
            rc = spy_err_set(err, SPY_EACCES, 0, "%s", b->st.refused_why);
        else if (other)
            rc = spy_err_set(
                err, SPY_EACCES, 0,
                "blame: %s belongs to uid %u and no process we may inspect "
                "maps it: another user's processes need CAP_SYS_PTRACE "
                "(ptrace read access) or CAP_PERFMON, or root "
                "(kernel.perf_event_paranoid is %d: %s)",
                b->info.name, (unsigned)b->info.uid, b->paranoid,
                paranoid_meaning(b->paranoid));
        else if (b->hidden > 0 && !b->priv)
            rc = spy_err_set(
                err, SPY_EACCES, 0,
                "blame: no process we may inspect maps %s; %d process%s of "
                "other users may (reading their /proc/PID/maps needs ptrace "
                "read access: CAP_SYS_PTRACE or root)",
                b->info.name, b->hidden, b->hidden == 1 ? "" : "es");
        else
            rc = spy_err_set(err, SPY_ENOENT, 0,
                             "blame: no process maps %s at the watched "
                             "offset%s",
                             b->info.name, o->noff == 1 ? "" : "s");
        spy_blame_stop(b);
        return rc;
    }
    *out = b;
    return 0;
}

int spy_blame_wait(spy_blame *b, int timeout_ms, spy_blame_cb cb, void *arg,
                   spy_err *err) {
    size_t i;
    int n;

    if (b->ipending == b->npending) {
        if (b->cappfd < b->nw) {
            struct pollfd *np = realloc(b->pfd, b->nw * sizeof *np);
            if (np == NULL)
                return spy_err_set(err, SPY_ENOMEM, 0, "blame: out of memory");
            b->pfd = np;
            b->cappfd = b->nw;
        }
        for (i = 0; i < b->nw; i++) {
            b->pfd[i].fd = b->w[i].fd;
            b->pfd[i].events = POLLIN;
            b->pfd[i].revents = 0;
        }
        if (b->nw == 0) {
            if (timeout_ms > 0) {
                struct timespec ts = {timeout_ms / 1000,
                                      (long)(timeout_ms % 1000) * 1000000L};
                nanosleep(&ts, NULL);
            }
        } else if (b->busy && timeout_ms != 0) {
            /* Hits came in the last round: let the rings fill for a
             * moment and drain them without a poll, one wake-up per batch
             * rather than one per sample (the rings hold far more than
             * BUSY_NAP_NS of hits at any rate a writer reaches). */
            struct timespec ts = {0, BUSY_NAP_NS};
            nanosleep(&ts, NULL);
        } else {
            n = poll(b->pfd, (nfds_t)b->nw, timeout_ms);
            if (n < 0 && errno != EINTR)
                return spy_err_set(err, SPY_EIO, errno, "blame: poll: %s",
                                   strerror(errno));
            if (n > 0)
                for (i = 0; i < b->nw; i++)
                    if (b->pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL))
                        b->w[i].hup = 1;
        }
        if (drain_all(b) != 0)
            return spy_err_set(err, SPY_ENOMEM, 0, "blame: out of memory");
        b->busy = b->npending > 0;
    }
    while (b->ipending < b->npending) {
        spy_blame_hit *h = &b->pending[b->ipending++];
        int r;
        h->comm = proc_comm(b, h->pid);
        if (cb != NULL && (r = cb(h, arg)) != 0)
            return r;
    }
    return 0;
}

void spy_blame_stats_get(const spy_blame *b, spy_blame_stats *out) {
    *out = b->st;
}

size_t spy_blame_pids(const spy_blame *b, int *out, size_t cap) {
    size_t i, j, n = 0;
    for (i = 0; i < b->nw; i++) {
        for (j = 0; j < i; j++)
            if (b->w[j].pid == b->w[i].pid)
                break;
        if (j < i)
            continue;
        if (n < cap)
            out[n] = b->w[i].pid;
        n++;
    }
    return n;
}

void spy_blame_stop(spy_blame *b) {
    size_t i;
    if (b == NULL)
        return;
    for (i = 0; i < b->nw; i++)
        watch_close(&b->w[i]);
    free(b->w);
    free(b->procs);
    free(b->pfd);
    free(b->pending);
    free(b);
}
