/* posix/shared.c - every shared mapping on the host (shared.h).
 *
 * A process's shared mappings come from the PROCMAP_QUERY ioctl of its
 * /proc/PID/maps (Linux 6.11): asked for shared mappings only, the kernel
 * skips the private ones (nearly all of a process's mappings) without
 * formatting them, and writes the path of the shared ones only. Where the
 * ioctl is missing (ENOTTY or EINVAL on the first call: an older kernel;
 * remembered for the rest of the process's life) or fails for one
 * process, the maps text is read whole (spy__slurp_fd) and only the lines
 * whose permissions end in 's' are parsed, by hand. Both give the same
 * fields: the kernel fills the ioctl's from the same vma as the text line
 * (start, end, offset, device and inode of the file, VM_MAYSHARE as 's',
 * the path by d_path with its " (deleted)"), except that the text escapes
 * a newline in a path as "\012". test_shared compares the two ways on
 * live processes (SPY__SCAN_MAPS_TEXT forces the text).
 *
 * Objects live in one open-addressing hash table keyed by (device,
 * inode), their paths in one text arena and their uses in one array, so a
 * mapping costs no allocation. The uses are grouped by object once at the
 * end. */
#include "shared.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../thread.h"
#include "internal.h"

/* The PROCMAP_QUERY ioctl of /proc/PID/maps (Linux 6.11), declared here
 * as the kernel's UAPI header include/uapi/linux/fs.h has it (struct
 * procmap_query, enum procmap_query_flags), under our own names so the
 * build works with older headers and does not clash with newer ones. The
 * layout is ABI: 104 bytes, the size the ioctl number encodes
 * (0xc0686611). */
struct spy__procmap_query {
    uint64_t size;          /* in: sizeof this struct */
    uint64_t query_flags;   /* in: SPY__PMQ_* */
    uint64_t query_addr;    /* in */
    uint64_t vma_start;     /* out */
    uint64_t vma_end;       /* out */
    uint64_t vma_flags;     /* out: SPY__PMQ_VMA_* */
    uint64_t vma_page_size; /* out */
    uint64_t vma_offset;    /* out: 0 without a file */
    uint64_t inode;         /* out: 0 without a file */
    uint32_t dev_major;     /* out */
    uint32_t dev_minor;     /* out */
    uint32_t vma_name_size; /* in/out: room, then bytes with the NUL */
    uint32_t build_id_size; /* in/out */
    uint64_t vma_name_addr; /* in */
    uint64_t build_id_addr; /* in */
};
_Static_assert(sizeof(struct spy__procmap_query) == 104,
               "struct procmap_query is 104 bytes");
#define SPY__PROCMAP_QUERY _IOWR('f', 17, struct spy__procmap_query)
enum {
    SPY__PMQ_VMA_READABLE = 0x01,
    SPY__PMQ_VMA_WRITABLE = 0x02,
    SPY__PMQ_VMA_EXECUTABLE = 0x04,
    SPY__PMQ_VMA_SHARED = 0x08, /* VM_MAYSHARE: the 's' of the text */
    SPY__PMQ_COVERING_OR_NEXT_VMA = 0x10,
    SPY__PMQ_FILE_BACKED_VMA = 0x20
};

/* The ioctl answered ENOTTY or EINVAL: this kernel lacks it. */
static atomic_int procmap_query_missing;

typedef struct tagged_use {
    uint32_t obj;
    spy__use u;
} tagged_use;

typedef struct scan_ctx {
    spy__shared_set *s;
    unsigned what;    /* SPY__SCAN_* */
    int procfd;       /* /proc */
    int map_files_ok; /* 0 once map_files refused us (no capability) */
    /* getdents64 buffer of scan_fds: aligned for struct dirent64 */
    _Alignas(uint64_t) char dents[32768];
    char name[4096]; /* a vma's path from PROCMAP_QUERY (PATH_MAX) */
    size_t objcap;
    size_t *pathoff; /* per object: its path's offset in text */
    size_t textlen, textcap;
    tagged_use *tu;
    size_t ntu, tucap;
    uint64_t shm_dev;
    int have_shm_dev;
    int oom;
} scan_ctx;

static size_t hash_of(uint64_t dev, uint64_t ino, size_t cap) {
    uint64_t h = (ino ^ (dev * 0xff51afd7ed558ccdu)) * 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 17) & (cap - 1);
}

/* The slot of (dev, ino) in the table: holding its index + 1, or 0. */
static uint32_t *slot_of(const spy__shared_set *s, uint64_t dev, uint64_t ino) {
    size_t i = hash_of(dev, ino, s->table_cap_);
    for (;;) {
        uint32_t *t = &s->table_[i];
        if (*t == 0 || (s->v[*t - 1].dev == dev && s->v[*t - 1].ino == ino))
            return t;
        i = (i + 1) & (s->table_cap_ - 1);
    }
}

static int grow_table(spy__shared_set *s) {
    size_t cap = s->table_cap_ ? s->table_cap_ * 2 : 1024, i;
    uint32_t *old = s->table_;
    size_t oldcap = s->table_cap_;
    s->table_ = calloc(cap, sizeof *s->table_);
    if (s->table_ == NULL) {
        s->table_ = old;
        return -1;
    }
    s->table_cap_ = cap;
    for (i = 0; i < oldcap; i++)
        if (old[i] != 0) {
            const spy__shared_obj *o = &s->v[old[i] - 1];
            *slot_of(s, o->dev, o->ino) = old[i];
        }
    free(old);
    return 0;
}

static int starts(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static spy_kind kind_of(const scan_ctx *c, const char *path, uint64_t dev) {
    if (starts(path, "/SYSV"))
        return SPY_KIND_SYSV;
    if (starts(path, "/memfd:"))
        return SPY_KIND_MEMFD;
    if (strcmp(path, "/dev/zero") == 0 || strcmp(path, "/anon_hugepage") == 0)
        return SPY_KIND_ANON;
    if (starts(path, SPY__SHM_DIR "/") && c->have_shm_dev && dev == c->shm_dev)
        return starts(path, SPY__SHM_DIR "/sem.") ? SPY_KIND_SEM
                                                  : SPY_KIND_POSIX;
    return SPY_KIND_FILE;
}

/* The index of object (dev, ino), added with path[0..len) when new.
 * UINT32_MAX when out of memory. */
static uint32_t obj_get(scan_ctx *c, uint64_t dev, uint64_t ino,
                        const char *path, size_t len, int deleted) {
    spy__shared_set *s = c->s;
    spy__shared_obj *o;
    uint32_t *t;
    if ((s->n + 1) * 2 > s->table_cap_ && grow_table(s) != 0)
        return UINT32_MAX;
    t = slot_of(s, dev, ino);
    if (*t != 0)
        return *t - 1;
    if (s->n == c->objcap) {
        size_t ncap = c->objcap ? c->objcap * 2 : 256;
        spy__shared_obj *nv = realloc(s->v, ncap * sizeof *nv);
        size_t *np;
        if (nv == NULL)
            return UINT32_MAX;
        s->v = nv;
        np = realloc(c->pathoff, ncap * sizeof *np);
        if (np == NULL)
            return UINT32_MAX;
        c->pathoff = np;
        c->objcap = ncap;
    }
    if (c->textcap - c->textlen < len + 1) {
        size_t ncap = c->textcap ? c->textcap * 2 : 16384;
        char *nt;
        while (ncap - c->textlen < len + 1)
            ncap *= 2;
        nt = realloc(s->text_, ncap);
        if (nt == NULL)
            return UINT32_MAX;
        s->text_ = nt;
        c->textcap = ncap;
    }
    memcpy(s->text_ + c->textlen, path, len);
    s->text_[c->textlen + len] = '\0';
    c->pathoff[s->n] = c->textlen;
    o = &s->v[s->n];
    memset(o, 0, sizeof *o);
    o->dev = dev;
    o->ino = ino;
    o->deleted = deleted;
    o->seals = -1;
    o->kind = kind_of(c, s->text_ + c->textlen, dev);
    c->textlen += len + 1;
    *t = (uint32_t)++s->n;
    return (uint32_t)(s->n - 1);
}

static spy__use *use_add(scan_ctx *c, uint32_t obj) {
    tagged_use *t;
    if (c->ntu == c->tucap) {
        size_t ncap = c->tucap ? c->tucap * 2 : 1024;
        tagged_use *nv = realloc(c->tu, ncap * sizeof *nv);
        if (nv == NULL)
            return NULL;
        c->tu = nv;
        c->tucap = ncap;
    }
    t = &c->tu[c->ntu++];
    memset(t, 0, sizeof *t);
    t->obj = obj;
    return &t->u;
}

static const char *hex(const char *p, const char *end, uint64_t *v) {
    uint64_t x = 0;
    for (; p < end; p++) {
        char ch = *p;
        if (ch >= '0' && ch <= '9')
            x = x * 16 + (uint64_t)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            x = x * 16 + (uint64_t)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            x = x * 16 + (uint64_t)(ch - 'A' + 10);
        else
            break;
    }
    *v = x;
    return p;
}

/* Splits " (deleted)" off [path, path + *len). */
static int cut_deleted(const char *path, size_t *len) {
    if (*len >= 10 && memcmp(path + *len - 10, " (deleted)", 10) == 0) {
        *len -= 10;
        return 1;
    }
    return 0;
}

/* Keeps the stat of object obj (and its seals when fd >= 0 and it is a
 * memfd) when it matches the object's identity. */
static void keep_reached(scan_ctx *c, uint32_t obj, const struct stat *st,
                         int fd) {
    spy__shared_obj *o = &c->s->v[obj];
    if (o->reached || (uint64_t)st->st_dev != o->dev ||
        (uint64_t)st->st_ino != o->ino)
        return;
    o->st = *st;
    o->reached = 1;
    if (fd >= 0 && o->kind == SPY_KIND_MEMFD) {
        int seals = fcntl(fd, F_GET_SEALS);
        o->seals = seals >= 0 ? (int32_t)seals : -1;
    }
}

/* SPY__SCAN_REACH for a mapping [start, end) of pid that uses object obj:
 * a memfd is opened through map_files (for its seals), an anonymous
 * object stat'ed. Once map_files refuses, it is not tried again. */
static void reach_mapping(scan_ctx *c, int pid, uint32_t obj, uint64_t start,
                          uint64_t end) {
    const spy__shared_obj *o = &c->s->v[obj];
    char path[96];
    struct stat st;
    int fd;
    if (!(c->what & SPY__SCAN_REACH) || !c->map_files_ok || o->reached ||
        (o->kind != SPY_KIND_MEMFD && o->kind != SPY_KIND_ANON))
        return;
    snprintf(path, sizeof path, "%d/map_files/%llx-%llx", pid,
             (unsigned long long)start, (unsigned long long)end);
    if (o->kind == SPY_KIND_ANON) {
        if (fstatat(c->procfd, path, &st, 0) == 0)
            keep_reached(c, obj, &st, -1);
        else if (errno == EPERM || errno == EACCES)
            c->map_files_ok = 0;
        return;
    }
    fd = openat(c->procfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == EPERM || errno == EACCES)
            c->map_files_ok = 0;
        return;
    }
    if (fstat(fd, &st) == 0)
        keep_reached(c, obj, &st, fd);
    close(fd);
}

/* One shared mapping of pid: a use of object (dev, ino) whose path is
 * [path, path + len), " (deleted)" included. 0, or -1 when out of
 * memory. */
static int mapping_add(scan_ctx *c, int pid, uint64_t start, uint64_t stop,
                       uint64_t offset, const char *perms, uint64_t dev,
                       uint64_t ino, const char *path, size_t len) {
    int deleted = cut_deleted(path, &len);
    uint32_t obj = obj_get(c, dev, ino, path, len, deleted);
    spy__use *u;
    if (obj == UINT32_MAX || (u = use_add(c, obj)) == NULL)
        return -1;
    u->pid = pid;
    u->fd = -1;
    u->start = start;
    u->end = stop;
    u->offset = offset;
    memcpy(u->perms, perms, 4);
    u->perms[4] = '\0';
    reach_mapping(c, pid, obj, start, stop);
    return 0;
}

/* One maps line [p, end): kept only when shared (perms "...s"). */
static int maps_line(scan_ctx *c, int pid, const char *p, const char *end) {
    uint64_t start, stop, offset, dev, ino;
    const char *q, *perms, *path;
    size_t len;

    q = hex(p, end, &start);
    if (q >= end || *q != '-')
        return 0;
    q = hex(q + 1, end, &stop);
    if (end - q < 6 || *q != ' ' || q[4] != 's')
        return 0;
    perms = q + 1;
    q = hex(q + 6, end, &offset);
    if (spy__quick_dev_ino(p, end, &dev, &ino) != 0 || ino == 0)
        return 0;
    /* Past " dev inode" to the path, after its padding. */
    q++;
    while (q < end && *q != ' ')
        q++; /* dev */
    while (q < end && *q == ' ')
        q++;
    while (q < end && *q != ' ')
        q++; /* inode */
    while (q < end && *q == ' ')
        q++;
    path = q;
    len = (size_t)(end - q);
    return mapping_add(c, pid, start, stop, offset, perms, dev, ino, path, len);
}

/* 0: done (or the process is gone); 2: the process has no memory at all
 * (a kernel thread, or gone); 1: read the maps text instead (the ioctl is
 * missing, or failed for this process: the uses it added are taken back);
 * -1: out of memory. fd: the process's open maps file. */
static int query_maps(scan_ctx *c, int fd, int pid) {
    struct spy__procmap_query q;
    size_t mark = c->ntu;
    uint64_t addr = 0;
    int first = 1;
    for (;;) {
        char perms[4];
        memset(&q, 0, sizeof q);
        q.size = sizeof q;
        q.query_flags = SPY__PMQ_COVERING_OR_NEXT_VMA | SPY__PMQ_VMA_SHARED |
                        SPY__PMQ_FILE_BACKED_VMA;
        q.query_addr = addr;
        q.vma_name_addr = (uint64_t)(uintptr_t)c->name;
        q.vma_name_size = sizeof c->name;
        if (ioctl(fd, SPY__PROCMAP_QUERY, &q) != 0) {
            if (errno == ESRCH)
                return first ? 2 : 0; /* no memory (kernel thread), gone */
            if (errno == ENOENT)
                return 0; /* no shared mapping after addr */
            if (first && (errno == ENOTTY || errno == EINVAL))
                atomic_store(&procmap_query_missing, 1);
            c->ntu = mark;
            return 1;
        }
        first = 0;
        addr = q.vma_end;
        if (q.inode == 0 || q.vma_name_size == 0)
            continue; /* as the text's inode 0 lines */
        perms[0] = (q.vma_flags & SPY__PMQ_VMA_READABLE) ? 'r' : '-';
        perms[1] = (q.vma_flags & SPY__PMQ_VMA_WRITABLE) ? 'w' : '-';
        perms[2] = (q.vma_flags & SPY__PMQ_VMA_EXECUTABLE) ? 'x' : '-';
        perms[3] = 's';
        if (mapping_add(c, pid, q.vma_start, q.vma_end, q.vma_offset, perms,
                        (uint64_t)makedev(q.dev_major, q.dev_minor), q.inode,
                        c->name, q.vma_name_size - 1) != 0)
            return -1;
    }
}

/* 0, or 1 when permission was refused, or 2 when the process has no
 * memory (a kernel thread, or it is gone: it holds no descriptor either),
 * or -1 when out of memory. text: read the maps text even if the ioctl
 * works. */
static int scan_maps(scan_ctx *c, int procfd, int pid, int text, char **buf,
                     size_t *cap) {
    char path[32];
    const char *p, *end;
    ssize_t n;
    int fd, r, e;

    snprintf(path, sizeof path, "%d/maps", pid);
    fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == EACCES || errno == EPERM;
    if (!text &&
        !atomic_load_explicit(&procmap_query_missing, memory_order_relaxed)) {
        r = query_maps(c, fd, pid);
        if (r != 1) {
            close(fd);
            if (r >= 0)
                c->s->queried++;
            return r;
        }
    }
    n = spy__slurp_fd(fd, buf, cap);
    e = errno;
    close(fd);
    if (n < 0) {
        if (e == ENOMEM)
            return -1;
        return e == EACCES || e == EPERM;
    }
    if (n == 0)
        return 2;
    for (p = *buf, end = *buf + n; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        if (maps_line(c, pid, p, le) != 0)
            return -1;
        p = le + 1;
    }
    return 0;
}

/* The descriptors of pid that lead to a memfd or a /dev/shm object:
 * /proc/PID/fd listed with getdents64 (a listing of a process's
 * descriptors that leaves room in the buffer is complete: the kernel
 * fills it until the descriptors or the room run out, so no second call
 * is needed to see the end), a readlinkat per descriptor and a fstatat of
 * those that match. 0, 1 when permission was refused, -1 when out of
 * memory. */
static int scan_fds(scan_ctx *c, int procfd, int pid) {
    char path[32], link[4096];
    int d, rc = 0, refused = 0;

    snprintf(path, sizeof path, "%d/fd", pid);
    d = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0)
        return errno == EACCES || errno == EPERM;
    for (;;) {
        long n = syscall(SYS_getdents64, d, c->dents, sizeof c->dents);
        long off;
        if (n <= 0)
            break;
        for (off = 0; rc == 0 && off < n;) {
            const struct dirent64 *de =
                (const struct dirent64 *)(void *)(c->dents + off);
            struct stat st;
            ssize_t len;
            size_t l;
            int deleted, memfd, f;
            uint32_t obj;
            spy__use *u;
            off += de->d_reclen;
            if (de->d_name[0] < '0' || de->d_name[0] > '9')
                continue;
            len = readlinkat(d, de->d_name, link, sizeof link - 1);
            if (len < 0 && (errno == EACCES || errno == EPERM))
                refused = 1; /* a listing we may not follow */
            if (len <= 0)
                continue;
            link[len] = '\0';
            memfd = starts(link, "/memfd:");
            if (!memfd && !starts(link, SPY__SHM_DIR "/"))
                continue;
            if (fstatat(d, de->d_name, &st, 0) != 0)
                continue; /* closed meanwhile */
            l = (size_t)len;
            deleted = cut_deleted(link, &l);
            obj = obj_get(c, (uint64_t)st.st_dev, (uint64_t)st.st_ino, link, l,
                          deleted);
            if (obj == UINT32_MAX || (u = use_add(c, obj)) == NULL) {
                rc = -1;
                break;
            }
            /* SPY__SCAN_REACH: a memfd not reached yet (through the
             * mapping of this process that came first, say) is opened
             * for its seals; keep_reached checks it is still the object
             * the stat saw. */
            if (memfd && (c->what & SPY__SCAN_REACH) && !c->s->v[obj].reached &&
                (f = openat(d, de->d_name, O_RDONLY | O_CLOEXEC | O_NOCTTY)) >=
                    0) {
                if (fstat(f, &st) == 0)
                    keep_reached(c, obj, &st, f);
                close(f);
            }
            u->pid = pid;
            u->fd = atoi(de->d_name);
        }
        if (rc != 0 || (size_t)n + 512 <= sizeof c->dents)
            break;
    }
    close(d);
    return rc != 0 ? rc : refused;
}

static int use_cmp(const void *a, const void *b) {
    const spy__use *x = a, *y = b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    if (x->fd != y->fd)
        return x->fd < y->fd ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

/* Groups the tagged uses by object into s->uses_ and points each object
 * at its slice. */
static int finish(scan_ctx *c) {
    spy__shared_set *s = c->s;
    size_t *at, i, sum = 0;
    if (s->n == 0)
        return 0;
    s->uses_ = malloc((c->ntu ? c->ntu : 1) * sizeof *s->uses_);
    at = calloc(s->n, sizeof *at);
    if (s->uses_ == NULL || at == NULL) {
        free(at);
        return -1;
    }
    for (i = 0; i < c->ntu; i++)
        s->v[c->tu[i].obj].nuses++;
    for (i = 0; i < s->n; i++) {
        at[i] = sum;
        s->v[i].uses = s->uses_ + sum;
        s->v[i].path = s->text_ + c->pathoff[i];
        sum += s->v[i].nuses;
    }
    for (i = 0; i < c->ntu; i++)
        s->uses_[at[c->tu[i].obj]++] = c->tu[i].u;
    for (i = 0; i < s->n; i++)
        if (s->v[i].nuses > 1)
            qsort(s->v[i].uses, s->v[i].nuses, sizeof(spy__use), use_cmp);
    free(at);
    return 0;
}

/* The processes to scan, shared by the scanning threads: each takes the
 * next block of PID_BLOCK pids, so a thread slowed by other work on its
 * core takes fewer. */
typedef struct scan_job {
    unsigned what;
    int procfd;
    const int *pids;
    size_t npids;
    atomic_size_t next;
} scan_job;

#define PID_BLOCK 8

/* Scans the job's processes into c until none is left (or memory runs
 * out: c->oom). */
static void scan_some(scan_job *j, scan_ctx *c) {
    char *buf = NULL;
    size_t cap = 0;
    while (!c->oom) {
        size_t i = atomic_fetch_add(&j->next, PID_BLOCK), end;
        if (i >= j->npids)
            break;
        end = i + PID_BLOCK < j->npids ? i + PID_BLOCK : j->npids;
        for (; i < end && !c->oom; i++) {
            int pid = j->pids[i], refused = 0, nomem = 0, r;
            if (j->what & SPY__SCAN_MAPS) {
                r = scan_maps(c, j->procfd, pid,
                              (j->what & SPY__SCAN_MAPS_TEXT) != 0, &buf, &cap);
                if (r < 0)
                    c->oom = 1;
                refused |= r == 1;
                nomem = r == 2;
            }
            /* A process without memory holds no descriptor either. */
            if (!c->oom && !refused && !nomem && (j->what & SPY__SCAN_FDS)) {
                r = scan_fds(c, j->procfd, pid);
                if (r < 0)
                    c->oom = 1;
                refused |= r > 0;
            }
            c->s->hidden += refused;
        }
    }
    free(buf);
}

typedef struct helper_arg {
    scan_job *job;
    scan_ctx *c;
} helper_arg;

static void scan_helper(void *arg) {
    helper_arg *h = arg;
    scan_some(h->job, h->c);
}

static void ctx_free(scan_ctx *c) {
    free(c->tu);
    free(c->pathoff);
}

/* Moves what the helper found (h, its set hs) into c: its objects added
 * or matched by identity, its uses re-tagged. 0, or -1 when out of
 * memory. h and hs are emptied either way. */
static int merge(scan_ctx *c, scan_ctx *h, spy__shared_set *hs) {
    uint32_t *map = NULL;
    size_t i;
    int rc = 0;
    if (hs->n > 0 && (map = malloc(hs->n * sizeof *map)) == NULL)
        rc = -1;
    for (i = 0; rc == 0 && i < hs->n; i++) {
        const char *path = hs->text_ + h->pathoff[i];
        map[i] = obj_get(c, hs->v[i].dev, hs->v[i].ino, path, strlen(path),
                         hs->v[i].deleted);
        if (map[i] == UINT32_MAX)
            rc = -1;
        else if (hs->v[i].reached && !c->s->v[map[i]].reached) {
            spy__shared_obj *o = &c->s->v[map[i]];
            o->st = hs->v[i].st;
            o->seals = hs->v[i].seals;
            o->reached = 1;
        }
    }
    for (i = 0; rc == 0 && i < h->ntu; i++) {
        spy__use *u = use_add(c, map[h->tu[i].obj]);
        if (u == NULL)
            rc = -1;
        else
            *u = h->tu[i].u;
    }
    c->s->hidden += hs->hidden;
    c->s->queried += hs->queried;
    free(map);
    ctx_free(h);
    spy__shared_free(hs);
    return rc;
}

/* Every process in /proc, into a malloc'd array (*n of them). NULL with
 * errno set when /proc cannot be listed or memory runs out. */
static int *list_pids(int procfd, size_t *n) {
    DIR *d;
    struct dirent *de;
    int *v = NULL, fd = dup(procfd);
    size_t cap = 0;
    *n = 0;
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (!spy__is_pid_dir(de->d_name))
            continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            int *nv = realloc(v, ncap * sizeof *nv);
            if (nv == NULL) {
                free(v);
                closedir(d);
                errno = ENOMEM;
                return NULL;
            }
            v = nv;
            cap = ncap;
        }
        v[(*n)++] = atoi(de->d_name);
    }
    closedir(d);
    if (v == NULL)
        v = malloc(sizeof *v); /* no process at all: an empty list */
    return v;
}

int spy__shared_scan(unsigned what, int32_t only_pid, spy__shared_set *out,
                     spy_err *err) {
    scan_ctx *c = NULL, *hc = NULL;
    spy__shared_set hs;
    scan_job job;
    helper_arg ha;
    spy_thread *th = NULL;
    struct stat st;
    int *pids = NULL, helper = 0, oom = 0, e;

    memset(out, 0, sizeof *out);
    memset(&hs, 0, sizeof hs);
    memset(&job, 0, sizeof job);
    job.what = what;
    job.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (job.procfd < 0)
        return spy_err_set(err, SPY_EIO, errno,
                           "/proc: cannot list processes: %s", strerror(errno));
    if (only_pid != 0) {
        job.pids = &only_pid;
        job.npids = 1;
    } else if ((job.pids = pids = list_pids(job.procfd, &job.npids)) == NULL) {
        e = errno;
        close(job.procfd);
        if (e == ENOMEM)
            return spy_err_set(err, SPY_ENOMEM, ENOMEM,
                               "/proc: shared mappings: out of memory");
        return spy_err_set(err, SPY_EIO, e, "/proc: cannot list processes: %s",
                           strerror(e));
    }
    atomic_init(&job.next, 0);
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        oom = 1;
        goto done;
    }
    c->s = out;
    c->what = what;
    c->procfd = job.procfd;
    c->map_files_ok = 1;
    if (stat(SPY__SHM_DIR, &st) == 0) {
        c->shm_dev = (uint64_t)st.st_dev;
        c->have_shm_dev = 1;
    }
    /* A second thread takes half of the processes when there is a second
     * core: nearly all of the time is the kernel's, writing maps text and
     * resolving descriptors, and the processes are independent. */
    if (job.npids >= 2 * PID_BLOCK && spy_cpu_count() > 1 &&
        (hc = calloc(1, sizeof *hc)) != NULL) {
        hc->s = &hs;
        hc->what = what;
        hc->procfd = job.procfd;
        hc->map_files_ok = 1;
        hc->shm_dev = c->shm_dev;
        hc->have_shm_dev = c->have_shm_dev;
        ha.job = &job;
        ha.c = hc;
        helper = spy_thread_start(scan_helper, &ha, &th, NULL) == 0;
    }
    scan_some(&job, c);
    if (helper) {
        spy_thread_join(th);
        if (hc->oom)
            c->oom = 1;
        if (merge(c, hc, &hs) != 0)
            c->oom = 1;
    }
    if (!c->oom && finish(c) != 0)
        c->oom = 1;
    oom = c->oom;
done:
    if (c != NULL)
        ctx_free(c);
    free(c);
    if (hc != NULL && !helper)
        ctx_free(hc);
    free(hc);
    spy__shared_free(&hs);
    free(pids);
    close(job.procfd);
    if (oom) {
        spy__shared_free(out);
        return spy_err_set(err, SPY_ENOMEM, ENOMEM,
                           "/proc: shared mappings: out of memory");
    }
    if (only_pid == 0 && out->hidden == 0 && spy__proc_hides_pids())
        out->hidden = 1;
    return 0;
}

const spy__shared_obj *spy__shared_find(const spy__shared_set *s, uint64_t dev,
                                        uint64_t ino) {
    uint32_t *t;
    if (s->table_cap_ == 0)
        return NULL;
    t = slot_of(s, dev, ino);
    return *t != 0 ? &s->v[*t - 1] : NULL;
}

static int32_t count_pids(const spy__shared_obj *o, int holders) {
    int32_t n = 0, last = -1;
    size_t i;
    /* Uses are sorted by pid: count the changes of pid among the uses of
     * one sort. */
    for (i = 0; i < o->nuses; i++) {
        const spy__use *u = &o->uses[i];
        if ((u->fd >= 0) != holders || u->pid == last)
            continue;
        last = u->pid;
        n++;
    }
    return n;
}

int32_t spy__shared_mappers(const spy__shared_obj *o) {
    return count_pids(o, 0);
}

int32_t spy__shared_holders(const spy__shared_obj *o) {
    return count_pids(o, 1);
}

void spy__shared_free(spy__shared_set *s) {
    free(s->v);
    free(s->uses_);
    free(s->text_);
    free(s->table_);
    memset(s, 0, sizeof *s);
}
