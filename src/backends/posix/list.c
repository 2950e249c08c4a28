/* posix/list.c - listing: /dev/shm objects (with a mapper count from one
 * /proc pass, run beside the stat calls on a second thread) and System V
 * segments from /proc/sysvipc/shm (shmctl SHM_STAT where /proc lacks it).
 * A mapper count is exact only when every process could be inspected. */
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

#define SHM_DIR SPY__SHM_DIR

/* ---- listing
 * ------------------------------------------------------------------ */

static int32_t lookup_count(const spy__ino_count *v, size_t n, uint64_t ino) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].ino == ino)
            return v[mid].count;
        if (v[mid].ino < ino)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

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
    int mappers;           /* count the mappers of device dev too */
    atomic_int maps_taken; /* someone does (or did) the mappers pass */
    uint64_t dev;
    spy__ino_count *counts;
    size_t ncounts;
    int counted;
    int hidden; /* processes whose maps could not be read */
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

/* The mappers pass, unless the other thread took it. */
static void count_mappers(posix_scan *sc) {
    if (sc->mappers && atomic_exchange(&sc->maps_taken, 1) == 0)
        sc->counts =
            spy__maps_count(sc->dev, &sc->ncounts, &sc->counted, &sc->hidden);
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

static int list_posix(unsigned flags, spy_list_cb cb, void *arg,
                      spy_seg_info *info, spy_err *err) {
    int dfd = spy__shm_dirfd(), stop = 0, helper = 0, rc = 0;
    DIR *d;
    char *names = NULL;
    size_t names_cap = 0, i;
    posix_scan sc;
    spy_thread *th = NULL;
    struct stat dst;

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
    if ((flags & SPY_LIST_MAPPERS) && fstat(dfd, &dst) == 0) {
        sc.mappers = 1;
        sc.dev = (uint64_t)dst.st_dev;
    }
    if (read_names(d, &sc, &names, &names_cap) != 0) {
        rc = spy_err_set(err, SPY_ENOMEM, ENOMEM, "list: out of memory");
        goto done;
    }
    sc.names = names;
    helper = (sc.mappers || sc.n > STAT_BLOCK) && spy_cpu_count() > 1 &&
             spy_thread_start(scan_helper, &sc, &th, NULL) == 0;
    stat_entries(&sc);
    count_mappers(&sc);
    if (helper)
        spy_thread_join(th);

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
        spy__fill_from_stat(info, &e->st);
        if (S_ISREG(e->st.st_mode)) {
            info->kind =
                strncmp(name, "sem.", 4) == 0 ? SPY_KIND_SEM : SPY_KIND_POSIX;
            /* A process whose maps we may not read may map it too: then
             * the count seen is only a lower bound, and nattch unknown. */
            if (sc.counted) {
                info->nattch_min =
                    lookup_count(sc.counts, sc.ncounts, info->ino);
                info->nattch = sc.hidden > 0 ? -1 : info->nattch_min;
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
done:
    closedir(d);
    free(sc.counts);
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

int spy_backend_list(unsigned flags, spy_list_cb cb, void *arg, spy_err *err) {
    /* One record reused for every row: it holds a 4 KiB name. */
    spy_seg_info *info = malloc(sizeof *info);
    int rc = 0;
    if (info == NULL)
        return spy_err_set(err, SPY_ENOMEM, errno, "list: out of memory");
    if (flags & SPY_LIST_POSIX)
        rc = list_posix(flags, cb, arg, info, err);
    if (rc == 0 && (flags & SPY_LIST_SYSV))
        rc = list_sysv(cb, arg, info, err);
    free(info);
    return rc;
}
