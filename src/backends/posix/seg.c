/* posix/seg.c - seg.h on POSIX/Linux: /dev/shm objects, System V
 * segments and mapped files; opening, stat, reading (pread, or the
 * guarded copy of common.c), refresh, flush, unlink; and the helpers the
 * other posix/ files share (the /dev/shm descriptor, stat to
 * spy_seg_info). Listing is in posix/list.c, the process helpers and the
 * hold in posix/process.c.
 *
 * errno is translated to SPY_E* codes here and nowhere else. */
#include "../seg.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common.h"
#include "../procmem.h"
#include "internal.h"
#include "viaproc.h"

#define SHM_DIR SPY__SHM_DIR

/* c first: common.c reaches it through a spy_seg pointer. A System V
 * segment opened for writing is attached whole: its window is the whole
 * segment. Opened read-only it is never held attached: sysv reads it. */
struct spy_seg {
    spy__seg_common c;
    spy_name_form form;
    int fd;                  /* POSIX objects and files; -1 for System V */
    int shmid;               /* System V; -1 otherwise */
    spy__sysv_reader *sysv;  /* System V opened read-only; else NULL */
    char link[SPY_NAME_MAX]; /* file: a symlink's target, as opened; or "" */
    spy__via *via;           /* memory named through a process (viaproc.h); else
                                NULL. With via->how SPY__VIA_PROCESS, fd is -1 and
                                the bytes are that process's mapping (procmem.h). */
};
_Static_assert(offsetof(struct spy_seg, c) == 0, "see common.h");

/* A window can fault only when the object shrank under us (SIGBUS). */
const char spy__seg_fault_words[] = "the object shrank while in use";

/* ---- small helpers ------------------------------------------------------ */

/* The descriptor is opened by the first caller; listing's second thread
 * (posix/list.c) starts after the main thread has called this. */
int spy__shm_dirfd(void) {
    static int fd = -1;
    if (fd < 0)
        fd = open(SHM_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd;
}

typedef struct id_name {
    uint32_t id;
    char name[64];
} id_name;

/* Owner and group names are looked up once per id: 10,000 objects of one
 * user cost one getpwuid. The cache is static and unlocked, so this is not
 * thread-safe (neither is getpwuid): only the main thread fills
 * spy_seg_info (listing's second thread reads /proc maps only). */
static void lookup_name(uint32_t id, int group, char *out, size_t cap) {
    static id_name cache[2][32];
    static int used[2];
    int i, g = group ? 1 : 0;

    for (i = 0; i < used[g]; i++) {
        if (cache[g][i].id == id) {
            size_t n = strlen(cache[g][i].name);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, cache[g][i].name, n);
            out[n] = '\0';
            return;
        }
    }
    if (group) {
        struct group *gr = getgrgid((gid_t)id);
        if (gr != NULL)
            snprintf(out, cap, "%s", gr->gr_name);
        else
            snprintf(out, cap, "%u", (unsigned)id);
    } else {
        struct passwd *pw = getpwuid((uid_t)id);
        if (pw != NULL)
            snprintf(out, cap, "%s", pw->pw_name);
        else
            snprintf(out, cap, "%u", (unsigned)id);
    }
    if (used[g] < 32) {
        cache[g][used[g]].id = id;
        snprintf(cache[g][used[g]].name, sizeof cache[g][0].name, "%s", out);
        used[g]++;
    }
}

const char *spy__file_type(mode_t m) {
    if (S_ISLNK(m))
        return "symbolic link";
    if (S_ISDIR(m))
        return "directory";
    if (S_ISFIFO(m))
        return "FIFO";
    if (S_ISSOCK(m))
        return "socket";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "device";
    return "special file";
}

void spy__fill_from_stat(spy_seg_info *info, const struct stat *st) {
    info->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
    info->allocated = (uint64_t)st->st_blocks * 512u;
    info->mode = (uint32_t)(st->st_mode & 07777);
    info->uid = st->st_uid;
    info->gid = st->st_gid;
    lookup_name(st->st_uid, 0, info->owner, sizeof info->owner);
    lookup_name(st->st_gid, 1, info->group, sizeof info->group);
    info->atime = (int64_t)st->st_atim.tv_sec;
    info->mtime = (int64_t)st->st_mtim.tv_sec;
    info->ctime = (int64_t)st->st_ctim.tv_sec;
    info->dev = (uint64_t)st->st_dev;
    info->ino = (uint64_t)st->st_ino;
    info->removed = spy__stat_removed(st);
}

void spy__fill_from_shmid(spy_seg_info *info, int shmid,
                          const struct shmid_ds *ds) {
    snprintf(info->name, sizeof info->name, "sysv:%d", shmid);
    info->kind = SPY_KIND_SYSV;
    info->size = (uint64_t)ds->shm_segsz;
    /* The bits above 0777 are status, not permission: SHM_DEST (IPC_RMID
     * while attached: the key is then IPC_PRIVATE, 0) and SHM_LOCKED. */
    info->mode = (uint32_t)(ds->shm_perm.mode & 0777);
    info->sysv_status =
        ((ds->shm_perm.mode & SHM_DEST) ? SPY_SYSV_DEST : 0) |
        ((ds->shm_perm.mode & SHM_LOCKED) ? SPY_SYSV_LOCKED : 0);
    info->removed = (ds->shm_perm.mode & SHM_DEST) != 0;
    info->uid = ds->shm_perm.uid;
    info->gid = ds->shm_perm.gid;
    lookup_name(info->uid, 0, info->owner, sizeof info->owner);
    lookup_name(info->gid, 1, info->group, sizeof info->group);
    info->cuid = ds->shm_perm.cuid;
    info->cgid = ds->shm_perm.cgid;
    lookup_name(info->cuid, 0, info->cowner, sizeof info->cowner);
    lookup_name(info->cgid, 1, info->cgroup, sizeof info->cgroup);
    info->atime = (int64_t)ds->shm_atime;
    info->dtime = (int64_t)ds->shm_dtime;
    /* System V keeps no modification time: shm_ctime (last IPC_SET or
     * creation) stands in for both mtime and ctime. */
    info->mtime = (int64_t)ds->shm_ctime;
    info->ctime = (int64_t)ds->shm_ctime;
    info->nattch = (int32_t)ds->shm_nattch;
    info->nattch_min = info->nattch;
    info->dev = 0;
    info->ino = (uint64_t)(uint32_t)shmid;
    /* The key's 32-bit pattern (0..0xffffffff), as spy_name_parse keeps
     * the id of "key:0x...": key_t is signed, and a key with the top bit
     * set must not become a negative number. */
    info->key = (int64_t)(uint32_t)ds->shm_perm.__key;
    info->shmid = shmid;
    info->cpid = (int32_t)ds->shm_cpid;
    info->lpid = (int32_t)ds->shm_lpid;
}

/* The sentence for a failed open of a POSIX object or file. */
static int open_error(const char *name, int e, int dirfd, const char *rel,
                      spy_err *err) {
    struct stat st;
    switch (e) {
    case ENOENT:
        return spy_err_set(err, SPY_ENOENT, e, "%s: no such %s", name,
                           dirfd >= 0 ? "shared memory object" : "file");
    case EACCES:
    case EPERM:
        if (fstatat(dirfd >= 0 ? dirfd : AT_FDCWD, rel, &st,
                    AT_SYMLINK_NOFOLLOW) == 0) {
            char owner[64];
            lookup_name(st.st_uid, 0, owner, sizeof owner);
            return spy_err_set(err, SPY_EACCES, e,
                               "%s: permission denied (mode %04o, owner %s)",
                               name, (unsigned)(st.st_mode & 07777), owner);
        }
        return spy_err_set(err, SPY_EACCES, e, "%s: permission denied", name);
    case EEXIST:
        return spy_err_set(err, SPY_EEXIST, e,
                           "%s: already exists (use --force to reuse it)",
                           name);
    case ELOOP:
        return spy_err_set(err, SPY_ETYPE, e,
                           "%s: is a symbolic link (not followed)", name);
    case EISDIR:
        return spy_err_set(err, SPY_ETYPE, e, "%s: is a directory", name);
    case ENXIO:
        return spy_err_set(err, SPY_ETYPE, e,
                           "%s: is a FIFO or device, not shared memory", name);
    case ENAMETOOLONG:
        return spy_err_set(err, SPY_EINVAL, e, "%s: name too long", name);
    case EROFS:
        return spy_err_set(err, SPY_EROFS, e, "%s: read-only file system",
                           name);
    case ENOSPC:
        return spy_err_set(err, SPY_EIO, e, "%s: no space left", name);
    default:
        return spy_err_set(err, SPY_EIO, e, "%s: %s", name, strerror(e));
    }
}

static int map_error(const char *name, int e, uint64_t len, spy_err *err) {
    if (e == ENOMEM)
        return spy_err_set(err, SPY_ENOMEM, e,
                           "%s: cannot map %" PRIu64 " bytes: out of memory "
                           "or address space",
                           name, len);
    if (e == EACCES)
        return spy_err_set(err, SPY_EACCES, e, "%s: permission denied", name);
    return spy_err_set(err, SPY_EIO, e, "%s: mmap: %s", name, strerror(e));
}

/* ---- POSIX objects and files --------------------------------------------- */

/* Objects and files are mapped a window at a time (SPY__WINDOW, common.h),
 * so mapping never fails for want of address space. */
static void unmap_window(spy_seg *s) {
    if (s->c.addr != NULL && s->shmid < 0)
        munmap(s->c.addr, (size_t)s->c.win_len);
    if (s->shmid < 0) {
        s->c.addr = NULL;
        s->c.win_off = s->c.win_len = 0;
    }
}

/* Makes the window holding offset off current. System V segments are
 * attached whole at open and always have it. */
int spy__seg_map_window(spy_seg *s, uint64_t off, spy_err *err) {
    uint64_t start = off - off % SPY__WINDOW, len;
    void *p;
    if (s->c.addr != NULL && off >= s->c.win_off &&
        off < s->c.win_off + s->c.win_len)
        return 0;
    unmap_window(s);
    len = s->c.len - start < SPY__WINDOW ? s->c.len - start : SPY__WINDOW;
    p = mmap(NULL, (size_t)len, PROT_READ | (s->c.writable ? PROT_WRITE : 0),
             MAP_SHARED, s->fd, (off_t)start);
    if (p == MAP_FAILED)
        return map_error(s->c.name, errno, len, err);
    s->c.addr = p;
    s->c.win_off = start;
    s->c.win_len = len;
    return 0;
}

/* After a read-write open was refused: if the same open read-only works,
 * the sentence in *err says so, since reading is usually what was wanted.
 * The trial descriptor is closed at once (a regular file opened with
 * O_NONBLOCK has no side effect on open or close). */
static void hint_read_only(int dirfd, const char *rel, int oflags,
                           spy_err *err) {
    int fd = openat(dirfd, rel, (oflags & ~O_RDWR) | O_RDONLY);
    if (fd < 0)
        return;
    close(fd);
    if (err != NULL) {
        size_t l = strlen(err->msg);
        snprintf(err->msg + l, sizeof err->msg - l,
                 "; it can be opened read-only");
    }
}

/* ---- file: paths and symbolic links ---------------------------------------
 *
 * The one place of the link rule (internal.h, spy__open_path): a command
 * that changes an object never follows a link planted in the last
 * component of its file: path unless told to, and then not one that the
 * kernel's fs.protected_symlinks would refuse, even where that sysctl is
 * 0. */

/* Links followed in one chain before giving up, as the kernel's 40. */
#define LINK_HOPS 40

/* Opens the directory of path (relative to at) as *dirfd, for lookups
 * only; its text goes to dir and *base points at path's last component.
 * -1 with errno. */
static int open_parent(int at, const char *path, char *dir, size_t cap,
                       int *dirfd, const char **base) {
    const char *slash = strrchr(path, '/');
#ifdef O_PATH
    int how = O_PATH | O_DIRECTORY | O_CLOEXEC;
#else
    int how = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif

    if (slash == NULL)
        snprintf(dir, cap, ".");
    else
        snprintf(dir, cap, "%.*s", slash == path ? 1 : (int)(slash - path),
                 path);
    *base = slash == NULL ? path : slash + 1;
    *dirfd = openat(at, dir, how);
    return *dirfd < 0 ? -1 : 0;
}

/* 1 if following the link ls in the directory ds is what the kernel's
 * fs.protected_symlinks forbids: a link in a world-writable sticky
 * directory, owned neither by the directory's owner nor by the caller. */
static int protected_link(const struct stat *ls, const struct stat *ds) {
    return ls->st_uid != geteuid() &&
           (ds->st_mode & (S_ISVTX | S_IWOTH)) == (S_ISVTX | S_IWOTH) &&
           ds->st_uid != ls->st_uid;
}

/* The refusal of such a link: lnk (to to), in dir; hop 0 when lnk is the
 * named path itself, else a link it led to. */
static int protected_refusal(const char *name, int hop, const char *lnk,
                             const char *to, const struct stat *ls,
                             const char *dir, const struct stat *ds,
                             spy_err *err) {
    char lo[64], dno[64], through[SPY_NAME_MAX + 32];
    lookup_name(ls->st_uid, 0, lo, sizeof lo);
    lookup_name(ds->st_uid, 0, dno, sizeof dno);
    if (hop == 0)
        through[0] = '\0';
    else
        snprintf(through, sizeof through, " leads to %s, which", lnk);
    return spy_err_set(err, SPY_EACCES, 0,
                       "%s:%s is a symbolic link to %s owned by %s in the "
                       "world-writable sticky directory %s (owner %s): not "
                       "followed, even with --follow (as fs.protected_symlinks "
                       "forbids)",
                       name, through, to, lo, dir, dno);
}

/* Walks the chain of links in the last component of path for a change
 * (see spy__open_path) and opens what it ends at. */
static int open_for_change(const char *name, const char *path, int oflags,
                           unsigned how, int *fd, spy_err *err) {
    char cur[SPY_NAME_MAX], to[SPY_NAME_MAX], dir[SPY_NAME_MAX];
    const char *base;
    struct stat ls, ds;
    int at = AT_FDCWD, dirfd, hop, e, rc = 0;
    ssize_t n;

    snprintf(cur, sizeof cur, "%s", path);
    for (hop = 0;; hop++) {
        e = open_parent(at, cur, dir, sizeof dir, &dirfd, &base) != 0 ? errno
                                                                      : 0;
        if (at != AT_FDCWD)
            close(at);
        if (e != 0)
            return open_error(name, e, -1, path, err);
        at = dirfd;
        if (*base == '\0') /* "dir/": a directory, which the open refuses */
            base = ".";
        if (fstatat(dirfd, base, &ls, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISLNK(ls.st_mode))
            break;
        n = readlinkat(dirfd, base, to, sizeof to - 1);
        to[n < 0 ? 0 : n] = '\0';
        if ((how & SPY__PATH_FOLLOW) == 0)
            rc = spy_err_set(err, SPY_ETYPE, 0,
                             "%s: is a symbolic link to %s: not followed "
                             "when writing (--follow follows it)",
                             name, to);
        else if (n <= 0)
            rc = open_error(name, errno, -1, path, err);
        else if (hop == LINK_HOPS)
            rc = spy_err_set(err, SPY_EIO, ELOOP,
                             "%s: too many levels of symbolic links", name);
        else if (fstat(dirfd, &ds) != 0)
            rc = open_error(name, errno, -1, path, err);
        else if (protected_link(&ls, &ds))
            rc = protected_refusal(name, hop, cur, to, &ls, dir, &ds, err);
        if (rc != 0) {
            close(dirfd);
            return rc;
        }
        /* A relative target is relative to the link's directory: go on
         * from there. */
        memcpy(cur, to, (size_t)n + 1);
    }
    /* The last component is no link (or does not exist): O_NOFOLLOW keeps
     * it so if a link is swapped in after the check. */
    *fd = openat(dirfd, base, oflags | O_NOFOLLOW);
    e = errno;
    close(dirfd);
    if (*fd >= 0)
        return 0;
    if (hop > 0 && (e == EACCES || e == EPERM))
        return spy_err_set(err, SPY_EACCES, e,
                           "%s: permission denied (on %s, where its symbolic "
                           "link leads)",
                           name, cur);
    return open_error(name, e, -1, path, err);
}

int spy__open_path(const char *name, const char *path, int oflags, unsigned how,
                   char *link, size_t cap, int *fd, spy_err *err) {
    struct stat ls;
    ssize_t n;

    *fd = -1;
    if (link != NULL && cap > 0)
        link[0] = '\0';
    /* Where a link leads, for stat and the notes of dump and read. */
    if (link != NULL && cap > 1 &&
        fstatat(AT_FDCWD, path, &ls, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(ls.st_mode) && (n = readlink(path, link, cap - 1)) >= 0)
        link[n] = '\0';
    if (how & SPY__PATH_CHANGE)
        return open_for_change(name, path, oflags, how, fd, err);
    /* Reading follows links, as every reader does. */
    *fd = openat(AT_FDCWD, path, oflags);
    return *fd >= 0 ? 0 : open_error(name, errno, -1, path, err);
}

static int fd_opened(spy_seg *s, unsigned flags, uint64_t size, uint32_t mode,
                     spy_err *err);

static int open_fd(spy_seg *s, const spy_name *n, unsigned flags, uint64_t size,
                   uint32_t mode, spy_err *err) {
    int plain = n->form == SPY_NAME_PLAIN;
    int dirfd = plain ? spy__shm_dirfd() : AT_FDCWD;
    const char *rel = plain ? n->text + 1 : n->text;
    int oflags = O_CLOEXEC | O_NONBLOCK | (s->c.writable ? O_RDWR : O_RDONLY);
    int e;

    if (plain && dirfd < 0)
        return spy_err_set(err, SPY_EIO, errno, "%s: cannot open: %s", SHM_DIR,
                           strerror(errno));
    /* Inside /dev/shm a symlink is never followed. A file: path is the
     * user's own and resolves normally. */
    if (plain)
        oflags |= O_NOFOLLOW;
    s->fd = -1;
    if (flags & SPY_O_CREATE) {
        s->fd = openat(dirfd, rel, oflags | O_CREAT | O_EXCL, mode & 07777);
        if (s->fd >= 0) {
            s->c.created = 1;
        } else if (errno != EEXIST || (flags & SPY_O_EXCL)) {
            return open_error(s->c.name, errno, plain ? dirfd : -1, rel, err);
        }
    }
    if (s->fd < 0 && !plain) {
        /* The link rule of every command that changes an object. */
        unsigned how =
            (flags & (SPY_O_WRITE | SPY_O_CREATE)) != 0 ? SPY__PATH_CHANGE : 0;
        int rc = spy__open_path(
            s->c.name, rel, oflags,
            how | ((flags & SPY_O_FOLLOW) != 0 ? SPY__PATH_FOLLOW : 0), s->link,
            sizeof s->link, &s->fd, err);
        if (rc == SPY_EACCES && s->c.writable && err != NULL && err->sys != 0)
            hint_read_only(dirfd, rel, oflags, err);
        if (rc != 0)
            return rc;
    } else if (s->fd < 0) {
        s->fd = openat(dirfd, rel, oflags);
        if (s->fd < 0) {
            int rc;
            e = errno;
            rc = open_error(s->c.name, e, dirfd, rel, err);
            if (rc == SPY_EACCES && s->c.writable)
                hint_read_only(dirfd, rel, oflags, err);
            return rc;
        }
    }
    return fd_opened(s, flags, size, mode, err);
}

/* After s->fd is open: checks it is a regular file, applies the mode and
 * size of a creation, and maps the first window. */
static int fd_opened(spy_seg *s, unsigned flags, uint64_t size, uint32_t mode,
                     spy_err *err) {
    struct stat st;
    int e;

    if (fstat(s->fd, &st) != 0) {
        e = errno;
        return spy_err_set(err, SPY_EIO, e, "%s: fstat: %s", s->c.name,
                           strerror(e));
    }
    if (!S_ISREG(st.st_mode))
        return spy_err_set(err, SPY_ETYPE, 0, "%s: is a %s, not shared memory",
                           s->c.name, spy__file_type(st.st_mode));
    if (s->c.created && fchmod(s->fd, mode & 07777) != 0) {
        e = errno;
        return spy_err_set(err, SPY_EIO, e, "%s: fchmod: %s", s->c.name,
                           strerror(e));
    }
    if ((flags & SPY_O_CREATE) && size > 0 && (uint64_t)st.st_size != size) {
        if (size > (uint64_t)INT64_MAX)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "%s: cannot size to %" PRIu64 " bytes: larger "
                               "than the largest file size (%" PRId64 ")",
                               s->c.name, size, INT64_MAX);
        if (ftruncate(s->fd, (off_t)size) != 0) {
            e = errno;
            return spy_err_set(err,
                               e == EFBIG || e == EINVAL ? SPY_ERANGE : SPY_EIO,
                               e, "%s: cannot size to %" PRIu64 " bytes: %s",
                               s->c.name, size, strerror(e));
        }
        st.st_size = (off_t)size;
    }
    s->c.len = (uint64_t)st.st_size;
    /* Map the first window now: permission problems show at open, and a
     * process holding the object (write --hold) is seen as a mapper. */
    return s->c.len == 0 || s->c.nomap ? 0 : spy__seg_map_window(s, 0, err);
}

/* ---- System V -------------------------------------------------------------
 */

int spy__sysv_error(const char *name, int e, spy_err *err) {
    switch (e) {
    case EINVAL:
    case EIDRM:
    case ENOENT:
        return spy_err_set(err, SPY_ENOENT, e, "%s: no such System V segment",
                           name);
    case EACCES:
    case EPERM:
        return spy_err_set(err, SPY_EACCES, e, "%s: permission denied", name);
    case EEXIST:
        return spy_err_set(err, SPY_EEXIST, e,
                           "%s: already exists (use --force to reuse it)",
                           name);
    case ENOMEM:
    case ENOSPC:
        return spy_err_set(err, SPY_ENOMEM, e,
                           "%s: the system's System V limits are reached",
                           name);
    default:
        return spy_err_set(err, SPY_EIO, e, "%s: %s", name, strerror(e));
    }
}

static int open_sysv(spy_seg *s, const spy_name *n, unsigned flags,
                     uint64_t size, uint32_t mode, spy_err *err) {
    struct shmid_ds ds;
    void *p;

    if (n->form == SPY_NAME_SYSV_ID) {
        if (flags & SPY_O_CREATE)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: a segment is created by key "
                               "(key:0xKEY), not by id",
                               s->c.name);
        s->shmid = (int)n->id;
    } else {
        key_t key = (key_t)n->id;
        s->shmid = -1;
        if (flags & SPY_O_CREATE) {
            if (size == 0 || size > (uint64_t)SIZE_MAX)
                return spy_err_set(err, SPY_ERANGE, 0,
                                   "%s: a System V segment needs a size "
                                   "of at least 1 byte",
                                   s->c.name);
            s->shmid = shmget(key, (size_t)size,
                              IPC_CREAT | IPC_EXCL | (int)(mode & 0777));
            if (s->shmid >= 0)
                s->c.created = 1;
            else if (errno != EEXIST || (flags & SPY_O_EXCL))
                return spy__sysv_error(s->c.name, errno, err);
        }
        if (s->shmid < 0) {
            s->shmid = shmget(key, 0, 0);
            if (s->shmid < 0)
                return spy__sysv_error(s->c.name, errno, err);
        }
    }
    if (shmctl(s->shmid, IPC_STAT, &ds) != 0)
        return spy__sysv_error(s->c.name, errno, err);
    /* IPC_STAT needs read permission, as a read-only attach would: a
     * segment we may not read is refused here, at open. */
    if (!s->c.writable) {
        s->sysv =
            spy__sysv_reader_new(s->shmid, (uint64_t)ds.shm_segsz, s->c.name);
        if (s->sysv == NULL)
            return spy_err_set(err, SPY_ENOMEM, errno, "out of memory");
        if (!s->c.nomap)
            s->c.len = (uint64_t)ds.shm_segsz;
        return 0;
    }
    if (s->c.nomap || ds.shm_segsz == 0)
        return 0;
    p = shmat(s->shmid, NULL, 0);
    if (p == (void *)-1)
        return spy__sysv_error(s->c.name, errno, err);
    s->c.addr = p;
    s->c.len = (uint64_t)ds.shm_segsz;
    s->c.win_off = 0;
    s->c.win_len = s->c.len;
    return 0;
}

/* ---- memory named through a process --------------------------------------
 */

/* Writes into the mapping of the process the segment is read through. */
static int write_process(spy_seg *s, uint64_t off, const void *src, size_t len,
                         spy_err *err) {
    const spy__via *v = s->via;
    int rc;
    /* Never into another process that got the pid after ours exited. */
    if (!spy__via_alive(v))
        return spy_err_set(err, SPY_EFAULT, ESRCH,
                           "%s: the mapping went away while in use (process "
                           "%d exited); nothing written",
                           s->c.name, (int)v->pid);
    rc = spy__via_write(v, v->start + off, src, len, err);
    if (rc != 0 && err != NULL) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        spy_err_set(err, rc, err->sys, "%s: %s", s->c.name, why);
    }
    return rc;
}

/* Opens memfd:NAME, pid:PID@ADDR or fd:PID:N (viaproc.h). */
static int open_via(spy_seg *s, const spy_name *n, unsigned flags,
                    spy_err *err) {
    int rc;

    if (flags & SPY_O_CREATE)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: memory named through a process cannot be "
                           "created (create a POSIX object instead)",
                           s->c.name);
    s->via = malloc(sizeof *s->via);
    if (s->via == NULL)
        return spy_err_set(err, SPY_ENOMEM, errno, "out of memory");
    rc = spy__via_resolve(n, s->via, err);
    if (rc != 0)
        return rc;
    if (s->via->kind == SPY_KIND_SYSV) {
        spy_name sysv;
        memset(&sysv, 0, sizeof sysv);
        sysv.form = SPY_NAME_SYSV_ID;
        sysv.id = s->via->shmid;
        return open_sysv(s, &sysv, flags & ~(unsigned)SPY_O_CREATE, 0, 0, err);
    }
    rc = spy__via_open(s->via, s->c.writable, &s->fd, err);
    if (rc != 0)
        return rc;
    if (s->fd >= 0)
        return fd_opened(s, flags & ~(unsigned)SPY_O_CREATE, 0, 0, err);
    /* Only the process's memory: the object is that one mapping. */
    s->c.len = s->c.nomap ? 0 : s->via->end - s->via->start;
    if (s->c.writable)
        s->c.write_direct = write_process;
    return 0;
}

/* Reads from the mapping of the process the segment is read through; a
 * mapping gone meanwhile is the EFAULT of a shrunk object. */
static int read_process(spy_seg *s, uint64_t off, void *dst, size_t len,
                        spy_err *err) {
    const spy__via *v = s->via;
    int rc = spy_procmem_read(v->pid, v->start, v->end, v->start + off, dst,
                              len, err);
    if (rc == 0 && !spy__via_alive(v))
        rc = SPY_ENOENT; /* the pid may be another process's by now */
    if (rc == SPY_EFAULT || rc == SPY_ENOENT)
        return spy_err_set(err, SPY_EFAULT, err != NULL ? err->sys : 0,
                           "%s: the mapping went away while in use (process "
                           "%d %s; offset %" PRIu64 ")",
                           s->c.name, (int)v->pid,
                           rc == SPY_ENOENT ? "exited" : "unmapped it", off);
    if (rc != 0 && err != NULL) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        spy_err_set(err, rc, err->sys, "%s: %s", s->c.name, why);
    }
    return rc;
}

/* ---- the interface ----------------------------------------------------------
 */

int spy_seg_open(const spy_name *n, unsigned flags, uint64_t size,
                 uint32_t mode, spy_seg **out, spy_err *err) {
    spy_seg *s;
    int rc;

    *out = NULL;
    if (n->form == SPY_NAME_WIN_LOCAL || n->form == SPY_NAME_WIN_GLOBAL ||
        n->form == SPY_NAME_WIN_HANDLE) {
        char canon[SPY_NAME_MAX];
        spy_name_format(n, canon, sizeof canon);
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: Windows sections exist only on Windows", canon);
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return spy_err_set(err, SPY_ENOMEM, errno, "out of memory");
    s->form = n->form;
    s->fd = -1;
    s->shmid = -1;
    s->c.writable = (flags & SPY_O_WRITE) != 0;
    s->c.nomap = (flags & SPY_O_NOMAP) != 0;
    spy_name_format(n, s->c.name, sizeof s->c.name);

    if (spy_name_via_process(n))
        rc = open_via(s, n, flags, err);
    else if (n->form == SPY_NAME_SYSV_ID || n->form == SPY_NAME_SYSV_KEY)
        rc = open_sysv(s, n, flags, size, mode, err);
    else
        rc = open_fd(s, n, flags, size, mode, err);
    if (rc != 0) {
        /* Leave nothing half-made behind. */
        if (s->c.created)
            spy_seg_unlink(n, NULL);
        spy_seg_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int spy_seg_stat(spy_seg *s, spy_seg_info *info, spy_err *err) {
    spy_seg_info_init(info);
    if (s->via != NULL && s->fd < 0 && s->shmid < 0) {
        spy__via_fill_info(s->via, -1, info);
        return 0;
    }
    if (s->shmid >= 0) {
        struct shmid_ds ds;
        if (shmctl(s->shmid, IPC_STAT, &ds) != 0)
            return spy__sysv_error(s->c.name, errno, err);
        spy__fill_from_shmid(info, s->shmid, &ds);
        return 0;
    } else {
        struct stat st;
        if (fstat(s->fd, &st) != 0)
            return spy_err_set(err, SPY_EIO, errno, "%s: fstat: %s", s->c.name,
                               strerror(errno));
        spy__fill_from_stat(info, &st);
        snprintf(info->name, sizeof info->name, "%s", s->c.name);
        snprintf(info->link, sizeof info->link, "%s", s->link);
        info->kind = s->form == SPY_NAME_FILE              ? SPY_KIND_FILE
                     : strncmp(s->c.name, "/sem.", 5) == 0 ? SPY_KIND_SEM
                                                           : SPY_KIND_POSIX;
        if (info->removed == 1)
            snprintf(info->problem, sizeof info->problem,
                     "the name was removed; the memory lives until the last "
                     "process unmaps it");
        if (s->via != NULL)
            spy__via_fill_info(s->via, s->fd, info);
        return 0;
    }
}

int spy_seg_refresh(spy_seg *s, int *changed, spy_err *err) {
    struct stat st;
    if (changed != NULL)
        *changed = 0;
    if (s->fd < 0 || s->c.nomap)
        return 0; /* System V segments never change size */
    if (fstat(s->fd, &st) != 0)
        return spy_err_set(err, SPY_EIO, errno, "%s: fstat: %s", s->c.name,
                           strerror(errno));
    if ((uint64_t)st.st_size == s->c.len)
        return 0;
    /* The next access maps a window that fits the new size. */
    unmap_window(s);
    s->c.len = (uint64_t)st.st_size;
    if (changed != NULL)
        *changed = 1;
    (void)err;
    return 0;
}

/* Reads through the descriptor (POSIX objects and files). pread copies
 * from the very pages a mapping shows, without the page faults and
 * unmaps of mapped windows (a third of a dump's time), and it cannot
 * fault: an object that shrank gives a short read, told here the way the
 * guard tells a SIGBUS. */
static int read_fd(const spy_seg *s, uint64_t off, uint8_t *buf, size_t len,
                   spy_err *err) {
    while (len > 0) {
        ssize_t n = pread(s->fd, buf, len, (off_t)off);
        struct stat st;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return spy_err_set(err, SPY_EIO, errno,
                               "%s: read at offset %" PRIu64 ": %s", s->c.name,
                               off, strerror(errno));
        if (n == 0)
            return spy_err_set(
                err, SPY_EFAULT, 0,
                "%s: the object shrank while in use (now %" PRIu64
                " bytes: offset %" PRIu64 " is past its end, where a "
                "mapping raises SIGBUS)",
                s->c.name, fstat(s->fd, &st) == 0 ? (uint64_t)st.st_size : 0,
                off);
        off += (uint64_t)n;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int spy_seg_read(spy_seg *s, uint64_t off, void *dst, size_t len,
                 spy_err *err) {
    int rc = spy__seg_check_range(&s->c, off, len, err);
    if (rc != 0 || len == 0)
        return rc;
    if (s->fd >= 0)
        return read_fd(s, off, dst, len, err);
    if (s->via != NULL && s->shmid < 0)
        return read_process(s, off, dst, len, err);
    if (s->sysv != NULL)
        return spy__sysv_reader_read(s->sysv, off, dst, len, err);
    /* System V opened for writing: the guarded copy from our attach. */
    return spy__seg_copy(s, off, dst, len, 0, err);
}

int spy_seg_next_data(spy_seg *s, uint64_t off, uint64_t *data, uint64_t *hole,
                      spy_err *err) {
    off_t d, h;
    struct stat st;

    *data = off;
    *hole = s->c.len;
    if (s->fd < 0 || off >= s->c.len)
        return 0; /* System V: all data */
    /* Every byte allocated: no holes, and no SEEK_HOLE, which on tmpfs
     * walks every page up to the hole (5 ms of a 256 MiB object). Extra
     * metadata blocks can only hide a hole, which is then read as the
     * zeros it holds. */
    if (fstat(s->fd, &st) == 0 && st.st_size > 0 &&
        (uint64_t)st.st_blocks * 512u >= (uint64_t)st.st_size)
        return 0;
    d = lseek(s->fd, (off_t)off, SEEK_DATA);
    if (d < 0) {
        if (errno != ENXIO)
            return 0; /* no SEEK_DATA here: all data */
        /* No data after off: a hole to the end, unless the object shrank
         * (then reading would have faulted: say so the same way). */
        if (fstat(s->fd, &st) == 0 && (uint64_t)st.st_size <= off)
            return spy_err_set(err, SPY_EFAULT, 0,
                               "%s: the object shrank while in use (now "
                               "%" PRIu64 " bytes)",
                               s->c.name, (uint64_t)st.st_size);
        *data = *hole = s->c.len;
        return 0;
    }
    h = lseek(s->fd, d, SEEK_HOLE);
    *data = (uint64_t)d < s->c.len ? (uint64_t)d : s->c.len;
    if (h > d && (uint64_t)h < s->c.len)
        *hole = (uint64_t)h;
    return 0;
}

int spy_seg_flush(spy_seg *s, spy_err *err) {
    if (s->shmid >= 0)
        return 0; /* System V memory has no backing file */
    if (s->c.addr != NULL &&
        msync(s->c.addr, (size_t)s->c.win_len, MS_SYNC) != 0)
        return spy_err_set(err, SPY_EIO, errno, "%s: msync: %s", s->c.name,
                           strerror(errno));
    /* msync covers the current window only; bytes written through earlier
     * windows (unmapped since, still dirty in the page cache) reach the
     * file with fdatasync. /dev/shm has no disk behind it. */
    if (s->form == SPY_NAME_FILE && s->c.writable && fdatasync(s->fd) != 0)
        return spy_err_set(err, SPY_EIO, errno, "%s: fdatasync: %s", s->c.name,
                           strerror(errno));
    return 0;
}

int spy_seg_access(spy_seg *s, spy_access *out, spy_err *err) {
    (void)err;
    memset(out, 0, sizeof *out);
    if (s->via != NULL && s->shmid < 0) {
        spy__via_access(s->via, out);
    } else if (s->sysv != NULL) {
        spy__sysv_reader_access(s->sysv, out);
    } else if (s->shmid >= 0 && s->c.addr == NULL) {
        out->kind = SPY_ACCESS_NONE;
        snprintf(out->text, sizeof out->text,
                 "not attached: opened for its metadata only");
    } else if (s->shmid >= 0) {
        out->kind = SPY_ACCESS_ATTACHED;
        /* A System V name is "sysv:ID" or "key:0xKEY": short. */
        snprintf(out->text, sizeof out->text,
                 "attached %.64s for writing: shm_nattch and shm_lpid change "
                 "while attached",
                 s->c.name);
    } else {
        out->kind = SPY_ACCESS_DESCRIPTOR;
        snprintf(out->text, sizeof out->text,
                 "read with pread from its descriptor (one window of it is "
                 "mapped while open)");
    }
    return 0;
}

int spy_seg_parallel_reads(const spy_seg *s) {
    /* read_fd: pread keeps no position; procmem keeps nothing. */
    return s->fd >= 0 || (s->via != NULL && s->shmid < 0);
}

void spy_seg_close(spy_seg *s) {
    if (s == NULL)
        return;
    if (s->c.addr != NULL) {
        if (s->shmid >= 0)
            shmdt(s->c.addr);
        else
            munmap(s->c.addr, (size_t)s->c.win_len);
    }
    if (s->fd >= 0)
        close(s->fd);
    spy__sysv_reader_free(s->sysv);
    spy__via_release(s->via);
    free(s->via);
    free(s);
}

int spy_seg_unlink(const spy_name *n, spy_err *err) {
    char canon[SPY_NAME_MAX];
    int shmid;

    if (spy_name_via_process(n)) {
        spy_name_format(n, canon, sizeof canon);
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: names memory through a process: it has no "
                           "name to remove (it lives while a process holds "
                           "or maps it)",
                           canon);
    }
    spy_name_format(n, canon, sizeof canon);
    switch (n->form) {
    case SPY_NAME_PLAIN:
        if (spy__shm_dirfd() < 0)
            return spy_err_set(err, SPY_EIO, errno, "%s: cannot open: %s",
                               SHM_DIR, strerror(errno));
        /* unlinkat removes a symlink itself, never its target. */
        if (unlinkat(spy__shm_dirfd(), n->text + 1, 0) != 0)
            return open_error(canon, errno, spy__shm_dirfd(), n->text + 1, err);
        return 0;
    case SPY_NAME_FILE:
        if (unlink(n->text) != 0)
            return open_error(canon, errno, -1, n->text, err);
        return 0;
    case SPY_NAME_SYSV_KEY:
        shmid = shmget((key_t)n->id, 0, 0);
        if (shmid < 0)
            return spy__sysv_error(canon, errno, err);
        break;
    case SPY_NAME_SYSV_ID:
        shmid = (int)n->id;
        break;
    default:
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: Windows sections exist only on Windows", canon);
    }
    if (shmctl(shmid, IPC_RMID, NULL) != 0)
        return spy__sysv_error(canon, errno, err);
    return 0;
}
