/* posix/list.c - listing: /dev/shm objects (with mapper and holder counts
 * from one /proc pass, shared.h, run beside the stat calls on a second
 * thread), System V segments from /proc/sysvipc/shm (shmctl SHM_STAT where
 * /proc lacks it), and from that same pass the memory named through a
 * process: POSIX objects removed but still mapped or held, memfds,
 * anonymous shared memory, files mapped shared. Rows come in that order.
 * A count is exact only when every process could be inspected. */
#include "../seg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <unistd.h>

#include "../thread.h"
#include "internal.h"
#include "shared.h"

#define SHM_DIR SPY__SHM_DIR

/* ---- listing
 * ------------------------------------------------------------------ */

/* The POSIX listing in three steps: read every name of /dev/shm, stat
 * them (and, for the mapper counts, scan /proc/[pid]/maps), then report
 * the rows in directory order. The middle step runs on two threads: a
 * helper scans the maps first, then both stat entries, taking blocks of
 * them from a shared counter; the kernel's path lookups and maps text are
 * nearly all of the time of listing 10,000 objects. The caller does the
 * mappers pass itself when the helper has not started it by the time the
 * stats are done (the helper may not get a core at once on a busy
 * machine), and everything when there is no helper (one CPU, or
 * pthread_create failed). */
typedef struct posix_entry {
    size_t name;    /* offset of the NUL-terminated name in names */
    int ok;         /* st is valid (0: removed before it was stat'ed) */
    struct stat st; /* lstat of the entry */
} posix_entry;

typedef struct posix_scan {
    int dirfd;
    const char *names;
    posix_entry *v;
    size_t n;
    atomic_size_t next;    /* first entry not yet taken */
    unsigned scan_what;    /* SPY__SCAN_*: the /proc pass to make, or 0 */
    atomic_int maps_taken; /* someone does (or did) the /proc pass */
    spy__shared_set *set;  /* its result */
    int scanned;           /* it succeeded */
} posix_scan;

#define STAT_BLOCK 128

static void stat_entries(posix_scan *sc) {
    for (;;) {
        size_t i = atomic_fetch_add(&sc->next, STAT_BLOCK), end;
        if (i >= sc->n)
            return;
        end = i + STAT_BLOCK < sc->n ? i + STAT_BLOCK : sc->n;
        for (; i < end; i++) {
            posix_entry *e = &sc->v[i];
            e->ok = fstatat(sc->dirfd, sc->names + e->name, &e->st,
                            AT_SYMLINK_NOFOLLOW) == 0;
        }
    }
}

/* The /proc pass, unless the other thread took it. */
static void count_mappers(posix_scan *sc) {
    if (sc->scan_what != 0 && atomic_exchange(&sc->maps_taken, 1) == 0)
        sc->scanned = spy__shared_scan(sc->scan_what, 0, sc->set, NULL) == 0;
}

static void scan_helper(void *arg) {
    posix_scan *sc = arg;
    count_mappers(sc);
    stat_entries(sc);
}

/* Reads every name of d but "." and ".." into sc (names in *names, grown
 * as needed). Returns 0, or -1 when out of memory. */
static int read_names(DIR *d, posix_scan *sc, char **names, size_t *cap) {
    size_t used = 0, vcap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name) + 1;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (*cap - used < len) {
            size_t ncap = *cap ? *cap * 2 : 65536;
            char *nb = realloc(*names, ncap);
            if (nb == NULL)
                return -1;
            *names = nb;
            *cap = ncap;
        }
        if (sc->n == vcap) {
            size_t ncap = vcap ? vcap * 2 : 256;
            posix_entry *nv = realloc(sc->v, ncap * sizeof *nv);
            if (nv == NULL)
                return -1;
            sc->v = nv;
            vcap = ncap;
        }
        memcpy(*names + used, de->d_name, len);
        sc->v[sc->n].name = used;
        sc->n++;
        used += len;
    }
    return 0;
}

/* The one /proc pass of a listing (shared.h) and what the rows made of
 * it need: which objects the /dev/shm rows already showed. */
typedef struct proc_pass {
    unsigned what;       /* SPY__SCAN_*; 0: no pass */
    spy__shared_set set; /* its result, when scanned */
    int scanned;
    unsigned char *listed; /* per object of set: shown as a /dev/shm row */
    int stopped;           /* the callback asked to stop */
} proc_pass;

/* The mapper and holder counts of an object into info: exact when every
 * process could be inspected, else -1 with the lower bound in *_min. */
static void fill_counts(const proc_pass *pp, const spy__shared_obj *o,
                        spy_seg_info *info) {
    int32_t m = o != NULL ? spy__shared_mappers(o) : 0;
    int32_t h = o != NULL ? spy__shared_holders(o) : 0;
    info->nattch_min = m;
    info->nattch = pp->set.hidden > 0 ? -1 : m;
    if (pp->what & SPY__SCAN_FDS) {
        info->holders_min = h;
        info->holders = pp->set.hidden > 0 ? -1 : h;
    } else {
        info->holders = -1;
        info->holders_min = 0;
    }
}

static int list_posix(unsigned flags, spy_list_cb cb, void *arg,
                      spy_seg_info *info, proc_pass *pp, spy_err *err) {
    int dfd = spy__shm_dirfd(), stop = 0, helper = 0, rc = 0;
    DIR *d;
    char *names = NULL;
    size_t names_cap = 0, i;
    posix_scan sc;
    spy_thread *th = NULL;

    (void)flags;
    if (dfd < 0) {
        if (errno == ENOENT)
            return 0; /* no /dev/shm: nothing to list */
        return spy_err_set(err, SPY_EIO, errno, "%s: %s", SHM_DIR,
                           strerror(errno));
    }
    /* A fresh descriptor: fdopendir takes ownership and readdir moves the
     * offset, and the cached one is used by openat elsewhere. */
    d = opendir(SHM_DIR);
    if (d == NULL)
        return spy_err_set(err, errno == EACCES ? SPY_EACCES : SPY_EIO, errno,
                           "%s: %s", SHM_DIR, strerror(errno));
    memset(&sc, 0, sizeof sc);
    sc.dirfd = dirfd(d);
    atomic_init(&sc.next, 0);
    atomic_init(&sc.maps_taken, 0);
    sc.scan_what = pp->what;
    sc.set = &pp->set;
    if (read_names(d, &sc, &names, &names_cap) != 0) {
        rc = spy_err_set(err, SPY_ENOMEM, ENOMEM, "list: out of memory");
        goto done;
    }
    sc.names = names;
    helper = (sc.scan_what != 0 || sc.n > STAT_BLOCK) && spy_cpu_count() > 1 &&
             spy_thread_start(scan_helper, &sc, &th, NULL) == 0;
    stat_entries(&sc);
    count_mappers(&sc);
    if (helper)
        spy_thread_join(th);
    pp->scanned = sc.scanned;
    if (pp->scanned && pp->set.n > 0)
        pp->listed = calloc(pp->set.n, 1);

    /* One record for every row: only what differs between rows is reset
     * (clearing all of its 4 KiB name per row cost more than the rest of
     * building the row). */
    spy_seg_info_init(info);
    for (i = 0; !stop && i < sc.n; i++) {
        const posix_entry *e = &sc.v[i];
        const char *name = names + e->name;
        if (!e->ok)
            continue; /* removed between readdir and fstatat */
        info->name[0] = '/';
        /* d_name is at most 255 bytes: it fits the 4 KiB name. */
        memcpy(info->name + 1, name, strlen(name) + 1);
        info->problem[0] = '\0';
        info->nattch = -1;
        info->nattch_min = 0;
        info->holders = -1;
        info->holders_min = 0;
        spy__fill_from_stat(info, &e->st);
        if (S_ISREG(e->st.st_mode)) {
            info->kind =
                strncmp(name, "sem.", 4) == 0 ? SPY_KIND_SEM : SPY_KIND_POSIX;
            /* A process whose maps we may not read may map it too: then
             * the count seen is only a lower bound, and nattch unknown. */
            if (pp->scanned) {
                const spy__shared_obj *o =
                    spy__shared_find(&pp->set, info->dev, info->ino);
                if (o != NULL && pp->listed != NULL)
                    pp->listed[o - pp->set.v] = 1;
                fill_counts(pp, o, info);
            }
        } else {
            info->kind = SPY_KIND_OTHER;
            if (S_ISLNK(e->st.st_mode)) {
                char target[128];
                ssize_t t =
                    readlinkat(dirfd(d), name, target, sizeof target - 1);
                target[t > 0 ? t : 0] = '\0';
                snprintf(info->problem, sizeof info->problem,
                         "symbolic link to %s (not followed)", target);
            } else {
                snprintf(info->problem, sizeof info->problem,
                         "%s, not shared memory",
                         spy__file_type(e->st.st_mode));
            }
        }
        stop = cb(info, arg);
    }
    pp->stopped = stop;
done:
    closedir(d);
    free(sc.v);
    free(names);
    return rc;
}

/* The columns /proc/sysvipc/shm has had since Linux 2.6 (later kernels
 * append rss and swap, which are ignored). */
static const char sysv_proc_header[] =
    "key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime";

/* Lists System V segments from /proc/sysvipc/shm, as ipcs -m does: unlike
 * SHM_STAT, it shows every segment of the IPC namespace, including those
 * we may not read. Returns 1 when the file was used (rows reported), 0
 * when it is missing or its header is not the one we know, so the caller
 * falls back to shmctl before anything was reported. */
static int list_sysv_proc(spy_list_cb cb, void *arg, spy_seg_info *info) {
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    char line[512], head[sizeof line];
    size_t hl = 0;
    const char *p;

    if (f == NULL)
        return 0;
    if (fgets(line, sizeof line, f) == NULL) {
        fclose(f);
        return 0;
    }
    /* Compare the header with single spaces, whatever the padding. */
    for (p = line; *p != '\0' && hl + 1 < sizeof head; p++)
        if (!(*p == ' ' || *p == '\n') || (hl > 0 && head[hl - 1] != ' '))
            head[hl++] = *p == '\n' ? ' ' : *p;
    head[hl] = '\0';
    if (strncmp(head, sysv_proc_header, sizeof sysv_proc_header - 1) != 0) {
        fclose(f);
        return 0;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        struct shmid_ds ds;
        int key, shmid, cpid, lpid;
        unsigned perms, uid, gid, cuid, cgid;
        unsigned long long size, nattch;
        long long atime, dtime, ctime;
        /* The kernel prints perms in octal, with SHM_DEST / SHM_LOCKED
         * above the permission bits; fill_from_shmid splits them. */
        if (sscanf(line, "%d %d %o %llu %d %d %llu %u %u %u %u %lld %lld %lld",
                   &key, &shmid, &perms, &size, &cpid, &lpid, &nattch, &uid,
                   &gid, &cuid, &cgid, &atime, &dtime, &ctime) != 14)
            continue;
        memset(&ds, 0, sizeof ds);
        ds.shm_perm.__key = (key_t)key;
        ds.shm_perm.mode = (unsigned short)perms;
        ds.shm_perm.uid = (uid_t)uid;
        ds.shm_perm.gid = (gid_t)gid;
        ds.shm_perm.cuid = (uid_t)cuid;
        ds.shm_perm.cgid = (gid_t)cgid;
        ds.shm_segsz = (size_t)size;
        ds.shm_cpid = (pid_t)cpid;
        ds.shm_lpid = (pid_t)lpid;
        ds.shm_nattch = (shmatt_t)nattch;
        ds.shm_atime = (time_t)atime;
        ds.shm_dtime = (time_t)dtime;
        ds.shm_ctime = (time_t)ctime;
        spy_seg_info_init(info);
        spy__fill_from_shmid(info, shmid, &ds);
        if (cb(info, arg))
            break;
    }
    fclose(f);
    return 1;
}

static int list_sysv(spy_list_cb cb, void *arg, spy_seg_info *info,
                     spy_err *err) {
    struct shm_info si;
    int maxid, i;

    (void)err;
    if (list_sysv_proc(cb, arg, info))
        return 0;
    /* Without /proc: SHM_INFO returns the highest used index; SHM_STAT
     * takes an index and returns the shmid, the walk ipcs -m makes then.
     * SHM_STAT skips segments we may not read; SHM_STAT_ANY (Linux 4.17)
     * does not, so it is tried first. */
    maxid = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&si);
    for (i = 0; i <= maxid; i++) {
        struct shmid_ds ds;
        int id = -1;
#ifdef SHM_STAT_ANY
        id = shmctl(i, SHM_STAT_ANY, &ds);
#endif
        if (id < 0)
            id = shmctl(i, SHM_STAT, &ds);
        if (id < 0)
            continue;
        spy_seg_info_init(info);
        spy__fill_from_shmid(info, id, &ds);
        if (cb(info, arg))
            break;
    }
    return 0;
}

/* ---- memory named through a process (shared.h) ----------------------- */

/* The first mapping use of o (the lowest pid's lowest address), or NULL. */
static const spy__use *first_mapping(const spy__shared_obj *o) {
    size_t i;
    for (i = 0; i < o->nuses; i++)
        if (o->uses[i].fd < 0)
            return &o->uses[i];
    return NULL;
}

static const spy__use *first_holder(const spy__shared_obj *o) {
    size_t i;
    for (i = 0; i < o->nuses; i++)
        if (o->uses[i].fd >= 0)
            return &o->uses[i];
    return NULL;
}

/* The path under /proc by which use u reaches its object: a holder's
 * /proc/PID/fd/N, or a mapping's /proc/PID/map_files/START-END. */
static void use_path(const spy__use *u, char *buf, size_t cap) {
    if (u->fd >= 0)
        snprintf(buf, cap, "/proc/%d/fd/%d", (int)u->pid, (int)u->fd);
    else
        snprintf(buf, cap, "/proc/%d/map_files/%llx-%llx", (int)u->pid,
                 (unsigned long long)u->start, (unsigned long long)u->end);
}

/* Stats the object o through the first of its uses (holders first: they
 * need no capability) that leads to it, into *st. With fd non-NULL the
 * object is opened read-only instead and *fd receives the descriptor
 * (the caller closes it): for F_GET_SEALS. 0, or -1 when no way works. */
static int reach(const spy__shared_obj *o, struct stat *st, int *fd) {
    int pass;
    for (pass = 0; pass < 2; pass++) {
        size_t i;
        for (i = 0; i < o->nuses; i++) {
            const spy__use *u = &o->uses[i];
            char path[96];
            if ((u->fd >= 0) != (pass == 0))
                continue;
            use_path(u, path, sizeof path);
            if (fd != NULL) {
                int f = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (f < 0)
                    continue;
                if (fstat(f, st) == 0 && (uint64_t)st->st_dev == o->dev &&
                    (uint64_t)st->st_ino == o->ino) {
                    *fd = f;
                    return 0;
                }
                close(f);
            } else if (stat(path, st) == 0 && (uint64_t)st->st_dev == o->dev &&
                       (uint64_t)st->st_ino == o->ino) {
                return 0;
            }
        }
    }
    return -1;
}

/* Fills size, owner and times of o into info: from the object itself when
 * it can be reached (st), else the extent of its largest mapping and the
 * uid of the process mapping it. */
static void fill_reached(spy_seg_info *info, const spy__shared_obj *o,
                         const struct stat *st, int reached) {
    if (reached) {
        struct stat s = *st;
        s.st_nlink = 1; /* removed is the caller's: spare mountinfo */
        spy__fill_from_stat(info, &s);
    } else {
        const spy__use *u = first_mapping(o);
        struct stat ps;
        char path[32];
        size_t i;
        uint64_t size = 0;
        for (i = 0; i < o->nuses; i++)
            if (o->uses[i].fd < 0 &&
                o->uses[i].end - o->uses[i].start + o->uses[i].offset > size)
                size = o->uses[i].end - o->uses[i].start + o->uses[i].offset;
        snprintf(path, sizeof path, "/proc/%d",
                 (int)(u != NULL ? u->pid : o->uses[0].pid));
        memset(&ps, 0, sizeof ps);
        if (stat(path, &ps) == 0) {
            ps.st_mode = (ps.st_mode & ~(mode_t)07777) | 0600;
            ps.st_size = 0;
            ps.st_blocks = 0;
            ps.st_nlink = 1;
            spy__fill_from_stat(info, &ps);
            info->mode = 0;
            info->atime = info->mtime = info->ctime = -1;
        }
        info->size = size;
        info->allocated = 0;
    }
    info->dev = o->dev;
    info->ino = o->ino;
}

/* Names o through its lowest-pid mapping ("pid:PID@0xSTART"), else its
 * lowest-pid holder ("fd:PID:N"). 0, or -1 when it has neither. */
static int name_via_process(const spy__shared_obj *o, char *buf, size_t cap) {
    const spy__use *u = first_mapping(o);
    if (u != NULL) {
        snprintf(buf, cap, "pid:%d@0x%llx", (int)u->pid,
                 (unsigned long long)u->start);
        return 0;
    }
    u = first_holder(o);
    if (u == NULL)
        return -1;
    snprintf(buf, cap, "fd:%d:%d", (int)u->pid, (int)u->fd);
    return 0;
}

static int by_path(const void *a, const void *b) {
    const spy__shared_obj *const *x = a, *const *y = b;
    return strcmp((*x)->path, (*y)->path);
}

/* The objects of set of kind k, sorted by path (so memfds of one name are
 * neighbours). malloc'd; NULL with *n = 0 when none or out of memory. */
static const spy__shared_obj **of_kind(const spy__shared_set *set, spy_kind k,
                                       size_t *n) {
    const spy__shared_obj **v;
    size_t i, m = 0;
    *n = 0;
    for (i = 0; i < set->n; i++)
        m += set->v[i].kind == k;
    if (m == 0 || (v = malloc(m * sizeof *v)) == NULL)
        return NULL;
    for (i = 0; i < set->n; i++)
        if (set->v[i].kind == k)
            v[(*n)++] = &set->v[i];
    qsort(v, *n, sizeof *v, by_path);
    return v;
}

static void reset_row(spy_seg_info *info) {
    spy_seg_info_init(info); /* each row writes its own name */
}

/* memfd rows: "memfd:NAME" when no other memfd on the host has NAME. */
static int list_memfd(const proc_pass *pp, spy_list_cb cb, void *arg,
                      spy_seg_info *info) {
    size_t n, i;
    const spy__shared_obj **v = of_kind(&pp->set, SPY_KIND_MEMFD, &n);
    int stop = 0;
    for (i = 0; !stop && i < n; i++) {
        const spy__shared_obj *o = v[i];
        const char *label = o->path + strlen("/memfd:");
        int unique = (i == 0 || strcmp(v[i - 1]->path, o->path) != 0) &&
                     (i + 1 == n || strcmp(v[i + 1]->path, o->path) != 0);
        struct stat st;
        int fd = -1, reached;
        reset_row(info);
        info->kind = SPY_KIND_MEMFD;
        if (unique)
            snprintf(info->name, sizeof info->name, "memfd:%s", label);
        else if (name_via_process(o, info->name, sizeof info->name) != 0)
            continue;
        snprintf(info->origin, sizeof info->origin, "%s", label);
        if (o->reached) { /* during the scan (SPY__SCAN_REACH) */
            st = o->st;
            reached = 1;
            info->seals = o->seals;
        } else {
            reached = reach(o, &st, &fd) == 0;
        }
        fill_reached(info, o, &st, reached);
        if (fd >= 0) {
            int seals = fcntl(fd, F_GET_SEALS);
            info->seals = seals >= 0 ? (int32_t)seals : -1;
            close(fd);
        }
        info->removed = 0;
        fill_counts(pp, o, info);
        stop = cb(info, arg);
    }
    free(v);
    return stop;
}

/* anon rows, and files mapped shared (kind k): anon named by the lowest-pid
 * mapping; a file by its path while that path still leads to it, else
 * through a process with the path as origin. Device files are skipped. */
static int list_mapped(const proc_pass *pp, spy_kind k, spy_list_cb cb,
                       void *arg, spy_seg_info *info) {
    size_t n, i;
    const spy__shared_obj **v = of_kind(&pp->set, k, &n);
    int stop = 0;
    for (i = 0; !stop && i < n; i++) {
        const spy__shared_obj *o = v[i];
        struct stat st;
        int reached = 0;
        reset_row(info);
        info->kind = k;
        if (k == SPY_KIND_FILE && stat(o->path, &st) == 0 &&
            (uint64_t)st.st_dev == o->dev && (uint64_t)st.st_ino == o->ino) {
            if (!S_ISREG(st.st_mode))
                continue;
            snprintf(info->name, sizeof info->name, "file:%s", o->path);
            reached = 1;
            info->removed = 0;
        } else {
            if (name_via_process(o, info->name, sizeof info->name) != 0)
                continue;
            if (o->reached) { /* during the scan (SPY__SCAN_REACH) */
                st = o->st;
                reached = 1;
            } else {
                reached = reach(o, &st, NULL) == 0;
            }
            if (k == SPY_KIND_FILE) {
                if (reached && !S_ISREG(st.st_mode))
                    continue;
                snprintf(info->origin, sizeof info->origin, "%s", o->path);
                info->removed = 1;
            } else {
                info->removed = 0;
            }
        }
        fill_reached(info, o, &st, reached);
        fill_counts(pp, o, info);
        stop = cb(info, arg);
    }
    free(v);
    return stop;
}

/* POSIX objects (and semaphores) removed from /dev/shm while a process
 * still maps or holds them: not among the rows of the directory, their
 * path marked " (deleted)", and no link left when they can be stat'ed (a
 * semaphore's maps line is marked too when sem_open renamed its file into
 * place, but it has its link). Named through a process; origin: "/name". */
static int list_removed(const proc_pass *pp, spy_list_cb cb, void *arg,
                        spy_seg_info *info) {
    size_t i;
    int stop = 0;
    for (i = 0; !stop && i < pp->set.n; i++) {
        const spy__shared_obj *o = &pp->set.v[i];
        struct stat st;
        int reached;
        if ((o->kind != SPY_KIND_POSIX && o->kind != SPY_KIND_SEM) ||
            !o->deleted || (pp->listed != NULL && pp->listed[i]))
            continue;
        reached = reach(o, &st, NULL) == 0;
        if (reached && st.st_nlink > 0)
            continue;
        reset_row(info);
        if (name_via_process(o, info->name, sizeof info->name) != 0)
            continue;
        info->kind = o->kind;
        snprintf(info->origin, sizeof info->origin, "%s",
                 o->path + strlen(SHM_DIR));
        fill_reached(info, o, &st, reached);
        /* Usable (it opens through its mapper): removed and origin say
         * what happened, not problem, which marks unusable entries. */
        info->removed = 1;
        fill_counts(pp, o, info);
        stop = cb(info, arg);
    }
    return stop;
}

int spy_backend_list(unsigned flags, spy_list_cb cb, void *arg, spy_err *err) {
    /* One record reused for every row: it holds a 4 KiB name. */
    spy_seg_info *info = malloc(sizeof *info);
    proc_pass pp;
    int rc = 0;
    if (info == NULL)
        return spy_err_set(err, SPY_ENOMEM, errno, "list: out of memory");
    memset(&pp, 0, sizeof pp);
    /* One /proc pass serves every kind: mapper counts of /dev/shm rows,
     * and the objects named through processes. */
    if (flags & (SPY_LIST_MAPPERS | SPY_LIST_MEMFD | SPY_LIST_ANON |
                 SPY_LIST_FILES | SPY_LIST_HOLDERS))
        pp.what =
            SPY__SCAN_MAPS | ((flags & SPY_LIST_HOLDERS) ? SPY__SCAN_FDS : 0) |
            ((flags & (SPY_LIST_MEMFD | SPY_LIST_ANON)) ? SPY__SCAN_REACH : 0);
    if (flags & SPY_LIST_POSIX)
        rc = list_posix(flags, cb, arg, info, &pp, err);
    else if (pp.what != 0)
        pp.scanned = spy__shared_scan(pp.what, 0, &pp.set, NULL) == 0;
    if (rc == 0 && !pp.stopped && pp.scanned && (flags & SPY_LIST_POSIX) &&
        (flags & SPY_LIST_MAPPERS))
        pp.stopped = list_removed(&pp, cb, arg, info);
    if (rc == 0 && !pp.stopped && (flags & SPY_LIST_SYSV))
        rc = list_sysv(cb, arg, info, err);
    if (rc == 0 && !pp.stopped && pp.scanned && (flags & SPY_LIST_MEMFD))
        pp.stopped = list_memfd(&pp, cb, arg, info);
    if (rc == 0 && !pp.stopped && pp.scanned && (flags & SPY_LIST_ANON))
        pp.stopped = list_mapped(&pp, SPY_KIND_ANON, cb, arg, info);
    if (rc == 0 && !pp.stopped && pp.scanned && (flags & SPY_LIST_FILES))
        pp.stopped = list_mapped(&pp, SPY_KIND_FILE, cb, arg, info);
    spy__shared_free(&pp.set);
    free(pp.listed);
    free(info);
    return rc;
}
