/* posix/inject.c - the OS side of `shmspy inject`: objects reached
 * through a descriptor (pread/pwrite/ftruncate/fchmod) and the
 * identity-checked unlink. Memory named through a process (memfd:,
 * pid:, fd:) is reached as viaproc.h says: through a descriptor like any
 * object, or only through the process's memory, where bytes can be
 * changed but not the size or mode; it has no name to unlink. System V
 * segments (sysv:ID, key:0xKEY, or a pid: name inside one) are read as
 * sysv_read.c does (through a process that maps it, else a short
 * attach), written through a short attach, chmodded with IPC_SET and
 * removed with IPC_RMID. */
#include "../inject.h"
#include "../procmem.h"
#include "internal.h"
#include "viaproc.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SHM_DIR SPY__SHM_DIR

struct spy_obj {
    char name[SPY_NAME_MAX]; /* canonical, for messages */
    int dirfd;               /* /dev/shm for plain names, else AT_FDCWD */
    char rel[SPY_NAME_MAX];  /* the name relative to dirfd */
    int fd;                  /* -1 when via->how is SPY__VIA_PROCESS */
    spy__via *via;           /* memfd:, pid:, fd: names; else NULL */
    /* System V: */
    int shmid;                  /* the segment; -1 for anything else */
    uint32_t key;               /* its key (0: IPC_PRIVATE) */
    spy__sysv_reader *sysv;     /* reads it */
    char lasting[SPY_NAME_MAX]; /* spy_obj_lasting_name */
};

static int is_sysv_name(const spy_name *n) {
    return n->form == SPY_NAME_SYSV_ID || n->form == SPY_NAME_SYSV_KEY;
}

/* Fills o for segment shmid (o->name set): its key, the lasting name and
 * a reader. SPY_ENOENT when it is gone, SPY_EACCES when it may not be
 * read (IPC_STAT needs read permission, as an attach would). */
static int sysv_setup(spy_obj *o, int shmid, spy_err *err) {
    struct shmid_ds ds;
    o->shmid = shmid;
    if (shmctl(shmid, IPC_STAT, &ds) != 0)
        return spy__sysv_error(o->name, errno, err);
    o->key = (uint32_t)ds.shm_perm.__key;
    if (o->key != 0)
        snprintf(o->lasting, sizeof o->lasting, "key:0x%" PRIx32, o->key);
    else
        snprintf(o->lasting, sizeof o->lasting, "sysv:%d", shmid);
    o->sysv = spy__sysv_reader_new(shmid, (uint64_t)ds.shm_segsz, o->name);
    if (o->sysv == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    return 0;
}

/* Opens the segment named sysv:ID or key:0xKEY. */
static int open_sysv(const spy_name *n, spy_obj *o, spy_obj **out,
                     spy_err *err) {
    int shmid = (int)n->id, rc;
    spy_name_format(n, o->name, sizeof o->name);
    o->dirfd = AT_FDCWD;
    if (n->form == SPY_NAME_SYSV_KEY &&
        (shmid = shmget((key_t)(uint32_t)n->id, 0, 0)) < 0) {
        rc = spy__sysv_error(o->name, errno, err);
        free(o);
        return rc;
    }
    if ((rc = sysv_setup(o, shmid, err)) != 0) {
        spy_obj_close(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* Resolves n to a directory and a relative name. */
static int locate(const spy_name *n, spy_obj *o, spy_err *err) {
    int shm_fd;
    spy_name_format(n, o->name, sizeof o->name);
    if (n->form == SPY_NAME_PLAIN) {
        if ((shm_fd = spy__shm_dirfd()) < 0)
            return spy_err_set(err, SPY_EIO, errno, "%s: cannot open: %s",
                               SHM_DIR, strerror(errno));
        o->dirfd = shm_fd;
        snprintf(o->rel, sizeof o->rel, "%s", n->text + 1);
        return 0;
    }
    if (n->form == SPY_NAME_FILE) {
        o->dirfd = AT_FDCWD;
        snprintf(o->rel, sizeof o->rel, "%s", n->text);
        return 0;
    }
    if (spy_name_via_process(n))
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: memory named through a process cannot be "
                           "created again (it has no name of its own)",
                           o->name);
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "%s: inject works on POSIX shared memory objects, "
                       "file: paths, System V segments and memfd:, pid: and "
                       "fd: names",
                       o->name);
}

static int open_failed(const spy_obj *o, int e, spy_err *err) {
    int plain = o->dirfd != AT_FDCWD;
    switch (e) {
    case ENOENT:
        return spy_err_set(err, SPY_ENOENT, e, "%s: no such %s", o->name,
                           plain ? "shared memory object" : "file");
    case EACCES:
    case EPERM:
        return spy_err_set(err, SPY_EACCES, e, "%s: permission denied",
                           o->name);
    case EEXIST:
        return spy_err_set(err, SPY_EEXIST, e, "%s: exists", o->name);
    case ELOOP:
        return spy_err_set(err, SPY_ETYPE, e,
                           "%s: is a symbolic link (not followed)", o->name);
    case EISDIR:
        return spy_err_set(err, SPY_ETYPE, e, "%s: is a directory", o->name);
    case ENXIO:
        return spy_err_set(err, SPY_ETYPE, e,
                           "%s: is a FIFO or device, not shared memory",
                           o->name);
    case EROFS:
        return spy_err_set(err, SPY_EROFS, e, "%s: read-only file system",
                           o->name);
    default:
        return spy_err_set(err, SPY_EIO, e, "%s: %s", o->name, strerror(e));
    }
}

static int finish_open(spy_obj *o, spy_obj **out, spy_err *err) {
    struct stat st;
    if (fstat(o->fd, &st) != 0) {
        int e = errno;
        spy_obj_close(o);
        return spy_err_set(err, SPY_EIO, e, "fstat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        int rc = spy_err_set(err, SPY_ETYPE, 0,
                             "%s: not a regular file or shared memory object",
                             o->name);
        spy_obj_close(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* Opens memory named through a process (viaproc.h). */
static int open_via(const spy_name *n, int how, spy_obj *o, spy_obj **out,
                    spy_err *err) {
    int rc;
    spy_name_format(n, o->name, sizeof o->name);
    o->dirfd = AT_FDCWD;
    o->via = malloc(sizeof *o->via);
    if (o->via == NULL) {
        free(o);
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    }
    rc = spy__via_resolve(n, o->via, err);
    if (rc == 0 && o->via->kind == SPY_KIND_SYSV) {
        /* A System V mapping: the segment itself, by its id. */
        int shmid = o->via->shmid;
        spy__via_release(o->via);
        free(o->via);
        o->via = NULL;
        if ((rc = sysv_setup(o, shmid, err)) != 0) {
            spy_obj_close(o);
            return rc;
        }
        *out = o;
        return 0;
    }
    if (rc == 0)
        rc = spy__via_open(o->via, (how & SPY_OBJ_WRITE) != 0, &o->fd, err);
    if (rc != 0) {
        spy_obj_close(o);
        return rc;
    }
    if (o->fd < 0) {
        *out = o; /* the process's memory: no descriptor to check */
        return 0;
    }
    return finish_open(o, out, err);
}

int spy_obj_open(const spy_name *n, int how, spy_obj **out, spy_err *err) {
    spy_obj *o = calloc(1, sizeof *o);
    int flags = O_CLOEXEC | O_NONBLOCK |
                ((how & SPY_OBJ_WRITE) != 0 ? O_RDWR : O_RDONLY),
        rc;
    *out = NULL;
    if (o == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    o->fd = o->shmid = -1;
    if (spy_name_via_process(n))
        return open_via(n, how, o, out, err);
    if (is_sysv_name(n))
        return open_sysv(n, o, out, err);
    if ((rc = locate(n, o, err)) != 0) {
        free(o);
        return rc;
    }
    if (o->dirfd == AT_FDCWD) {
        /* A file: path, under the link rule of spy_seg_open. */
        unsigned path_how =
            ((how & SPY_OBJ_CHANGE) != 0 ? SPY__PATH_CHANGE : 0) |
            ((how & SPY_OBJ_FOLLOW) != 0 ? SPY__PATH_FOLLOW : 0);
        rc = spy__open_path(o->name, o->rel, flags, path_how, NULL, 0, &o->fd,
                            err);
        if (rc != 0) {
            free(o);
            return rc;
        }
        return finish_open(o, out, err);
    }
    flags |= O_NOFOLLOW; /* never leave /dev/shm through a symlink */
    o->fd = openat(o->dirfd, o->rel, flags);
    if (o->fd < 0) {
        rc = open_failed(o, errno, err);
        free(o);
        return rc;
    }
    return finish_open(o, out, err);
}

/* Creates the segment of n: by key, or (sysv:ID) a new private one while
 * ID itself is gone or marked for removal. */
static int create_sysv(const spy_name *n, uint32_t mode, uint64_t size,
                       spy_obj *o, spy_obj **out, spy_err *err) {
    key_t key = IPC_PRIVATE;
    struct shmid_ds ds;
    int shmid, rc = 0, e;
    spy_name_format(n, o->name, sizeof o->name);
    o->dirfd = AT_FDCWD;
    if (size == 0 || size > (uint64_t)SIZE_MAX)
        rc = spy_err_set(err, SPY_ERANGE, 0,
                         "%s: a System V segment needs a size of at least 1 "
                         "byte",
                         o->name);
    else if (n->form == SPY_NAME_SYSV_KEY)
        key = (key_t)(uint32_t)n->id;
    else if (shmctl((int)n->id, IPC_STAT, &ds) == 0 &&
             !(ds.shm_perm.mode & SHM_DEST))
        rc = spy_err_set(err, SPY_EEXIST, 0, "%s: exists", o->name);
    if (rc == 0 &&
        (shmid = shmget(key, (size_t)size,
                        IPC_CREAT | IPC_EXCL | (int)(mode & 0777))) < 0) {
        e = errno;
        rc = e == EEXIST
                 ? spy_err_set(err, SPY_EEXIST, e, "%s: exists", o->name)
                 : spy__sysv_error(o->name, e, err);
    }
    if (rc != 0) {
        free(o);
        return rc;
    }
    if ((rc = sysv_setup(o, shmid, err)) != 0) {
        shmctl(shmid, IPC_RMID, NULL);
        spy_obj_close(o);
        return rc;
    }
    *out = o;
    return 0;
}

int spy_obj_create(const spy_name *n, uint32_t mode, uint64_t size,
                   spy_obj **out, spy_err *err) {
    spy_obj *o = calloc(1, sizeof *o);
    int rc;
    *out = NULL;
    if (o == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    o->fd = o->shmid = -1;
    if (is_sysv_name(n))
        return create_sysv(n, mode, size, o, out, err);
    if ((rc = locate(n, o, err)) != 0) {
        free(o);
        return rc;
    }
    o->fd = openat(
        o->dirfd, o->rel,
        O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_RDWR | O_CREAT | O_EXCL, 0600);
    if (o->fd < 0) {
        rc = open_failed(o, errno, err);
        free(o);
        return rc;
    }
    if (fchmod(o->fd, (mode_t)(mode & 07777)) != 0) {
        int e = errno;
        unlinkat(o->dirfd, o->rel, 0);
        spy_obj_close(o);
        return spy_err_set(err, SPY_EIO, e, "chmod: %s", strerror(e));
    }
    if (size > (uint64_t)INT64_MAX || ftruncate(o->fd, (off_t)size) != 0) {
        int e = size > (uint64_t)INT64_MAX ? EFBIG : errno;
        rc = spy_err_set(err, SPY_EIO, e, "%s: cannot set the size: %s",
                         o->name, strerror(e));
        unlinkat(o->dirfd, o->rel, 0);
        spy_obj_close(o);
        return rc;
    }
    return finish_open(o, out, err);
}

int spy_obj_stat(spy_obj *o, spy_obj_state *st, spy_err *err) {
    struct stat s;
    if (o->shmid >= 0) {
        struct shmid_ds ds;
        if (shmctl(o->shmid, IPC_STAT, &ds) != 0)
            return spy__sysv_error(o->name, errno, err);
        st->dev = 0; /* as /proc/PID/maps and the listing identify it */
        st->ino = (uint64_t)(uint32_t)o->shmid;
        st->size = (uint64_t)ds.shm_segsz;
        st->mode = (uint32_t)(ds.shm_perm.mode & 0777);
        return 0;
    }
    if (o->fd < 0 && o->via != NULL) {
        /* The mapping is the object: its identity, its length. */
        st->dev = o->via->dev;
        st->ino = o->via->ino;
        st->size = o->via->end - o->via->start;
        st->mode = 0;
        return 0;
    }
    if (fstat(o->fd, &s) != 0)
        return spy_err_set(err, SPY_EIO, errno, "%s: fstat: %s", o->name,
                           strerror(errno));
    st->dev = (uint64_t)s.st_dev;
    st->ino = (uint64_t)s.st_ino;
    st->size = (uint64_t)s.st_size;
    st->mode = (uint32_t)(s.st_mode & 07777);
    return 0;
}

/* transfer() for a System V segment: read as sysv_read.c does; written
 * through an attach held for this one copy (a segment's size is fixed:
 * the copy cannot fault once the range is checked). */
static int sysv_transfer(spy_obj *o, uint64_t off, uint8_t *p, size_t len,
                         int writing, spy_err *err) {
    struct shmid_ds ds;
    void *at;
    if (shmctl(o->shmid, IPC_STAT, &ds) != 0)
        return spy__sysv_error(o->name, errno, err);
    if (off > (uint64_t)ds.shm_segsz || len > (uint64_t)ds.shm_segsz - off)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s: ends before the bytes to %s", o->name,
                           writing ? "write" : "read");
    if (len == 0)
        return 0;
    if (!writing)
        return spy__sysv_reader_read(o->sysv, off, p, len, err);
    if ((at = shmat(o->shmid, NULL, 0)) == (void *)-1) {
        int e = errno;
        if (e == EACCES)
            return spy_err_set(err, SPY_EROFS, e,
                               "%s: may not be attached for writing", o->name);
        return spy__sysv_error(o->name, e, err);
    }
    memcpy((uint8_t *)at + off, p, len);
    shmdt(at);
    /* The reader keeps the bytes of its last attach while no other
     * process attaches (the last pid is then ours): this write must not
     * leave it serving the old ones. */
    spy__sysv_reader_free(o->sysv);
    o->sysv = spy__sysv_reader_new(o->shmid, (uint64_t)ds.shm_segsz, o->name);
    if (o->sysv == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    return 0;
}

/* Moves exactly len bytes between buf and o at off: pread when reading,
 * pwrite when writing, resumed after short transfers and EINTR. */
static int transfer(spy_obj *o, uint64_t off, uint8_t *p, size_t len,
                    int writing, spy_err *err) {
    if (o->shmid >= 0)
        return sysv_transfer(o, off, p, len, writing, err);
    if (o->fd < 0 && o->via != NULL) {
        const spy__via *v = o->via;
        int rc = !spy__via_alive(v)
                     ? spy_err_set(err, SPY_ENOENT, ESRCH,
                                   "process %d has exited", (int)v->pid)
                 : off > v->end - v->start
                     ? spy_err_set(err, SPY_ERANGE, 0, "offset too large")
                 : writing ? spy__via_write(v, v->start + off, p, len, err)
                           : spy_procmem_read(v->pid, v->start, v->end,
                                              v->start + off, p, len, err);
        if (rc != 0 && err != NULL) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            spy_err_set(err, rc, err->sys, "%s: %s", o->name, why);
        }
        return rc;
    }
    while (len > 0) {
        ssize_t n;
        if (off > (uint64_t)INT64_MAX)
            return spy_err_set(err, SPY_ERANGE, 0, "%s: offset too large",
                               o->name);
        n = writing ? pwrite(o->fd, p, len, (off_t)off)
                    : pread(o->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 && !writing)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "%s: ends before the bytes to read (it "
                               "shrank)",
                               o->name);
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            return spy_err_set(err, writing && e == EBADF ? SPY_EROFS : SPY_EIO,
                               e, "%s: %s: %s", o->name,
                               writing ? "write" : "read", strerror(e));
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int spy_obj_read(spy_obj *o, uint64_t off, void *buf, size_t len,
                 spy_err *err) {
    return transfer(o, off, buf, len, 0, err);
}

int spy_obj_write(spy_obj *o, uint64_t off, const void *buf, size_t len,
                  spy_err *err) {
    /* Only written from: the cast serves the one loop. */
    return transfer(o, off, (uint8_t *)(uintptr_t)buf, len, 1, err);
}

/* Memory reached only through a process's memory has no size or mode to
 * change. */
static int not_through_memory(const spy_obj *o, const char *what,
                              spy_err *err) {
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "%s: reached only through process %d's memory: its %s "
                       "cannot be changed (a descriptor of it would be "
                       "needed)",
                       o->name, (int)o->via->pid, what);
}

/* The refusal of a size change the memfd's seals forbid, or 0. */
static int sealed_size(const spy_obj *o, uint64_t size, spy_err *err) {
    struct stat st;
    int32_t seals;
    if (o->via == NULL || o->via->kind != SPY_KIND_MEMFD ||
        fstat(o->fd, &st) != 0 || (seals = spy__via_seals(o->fd)) < 0)
        return 0;
    if (size < (uint64_t)st.st_size && (seals & SPY_SEAL_SHRINK))
        return spy_err_set(err, SPY_EACCES, EPERM,
                           "%s: sealed against shrinking (F_SEAL_SHRINK): "
                           "cannot truncate",
                           o->name);
    if (size > (uint64_t)st.st_size && (seals & SPY_SEAL_GROW))
        return spy_err_set(err, SPY_EACCES, EPERM,
                           "%s: sealed against growing (F_SEAL_GROW): "
                           "cannot grow",
                           o->name);
    return 0;
}

/* A System V segment's size is set once, by shmget. */
static int sysv_fixed_size(const spy_obj *o, spy_err *err) {
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "%s: a System V segment's size is fixed when it is "
                       "created: it cannot be truncated",
                       o->name);
}

int spy_obj_truncate(spy_obj *o, uint64_t size, spy_err *err) {
    int rc;
    if (o->shmid >= 0)
        return sysv_fixed_size(o, err);
    if (o->fd < 0 && o->via != NULL)
        return not_through_memory(o, "size", err);
    if (size > (uint64_t)INT64_MAX)
        return spy_err_set(err, SPY_ERANGE, 0, "%s: size too large", o->name);
    if ((rc = sealed_size(o, size, err)) != 0)
        return rc;
    while (ftruncate(o->fd, (off_t)size) != 0) {
        int e = errno;
        if (e == EINTR)
            continue;
        return spy_err_set(
            err, e == EINVAL || e == EBADF ? SPY_EACCES : SPY_EIO, e,
            "%s: cannot change the size: %s", o->name, strerror(e));
    }
    return 0;
}

/* The refusal of a mode a System V segment cannot hold, or 0. */
static int sysv_mode_bits(const spy_obj *o, uint32_t mode, spy_err *err) {
    if ((mode & ~(uint32_t)0777) == 0)
        return 0;
    return spy_err_set(err, SPY_EINVAL, 0,
                       "%s: a System V segment has 9 permission bits: "
                       "mode %04o has others",
                       o->name, (unsigned)mode);
}

/* IPC_SET of the permission bits; owner and group are kept. */
static int sysv_chmod(spy_obj *o, uint32_t mode, spy_err *err) {
    struct shmid_ds ds;
    int rc;
    if ((rc = sysv_mode_bits(o, mode, err)) != 0)
        return rc;
    if (shmctl(o->shmid, IPC_STAT, &ds) != 0)
        return spy__sysv_error(o->name, errno, err);
    ds.shm_perm.mode = (ds.shm_perm.mode & ~0777u) | (mode & 0777);
    if (shmctl(o->shmid, IPC_SET, &ds) != 0) {
        int e = errno;
        if (e == EPERM)
            return spy_err_set(err, SPY_EACCES, e,
                               "%s: cannot change the mode: only its owner, "
                               "its creator or CAP_SYS_ADMIN may",
                               o->name);
        return spy__sysv_error(o->name, e, err);
    }
    return 0;
}

/* IPC_RMID of a segment still the one opened and not yet marked. */
static int sysv_unlink(spy_obj *o, spy_err *err) {
    struct shmid_ds ds;
    if (shmctl(o->shmid, IPC_STAT, &ds) != 0)
        return spy__sysv_error(o->name, errno, err);
    if (ds.shm_perm.mode & SHM_DEST)
        return spy_err_set(err, SPY_ENOENT, 0,
                           "%s: already marked for removal (it goes when its "
                           "last process detaches)",
                           o->name);
    if (o->key != 0 && (uint32_t)ds.shm_perm.__key != o->key)
        return spy_err_set(err, SPY_EEXIST, 0,
                           "%s: the key now refers to another segment",
                           o->name);
    if (shmctl(o->shmid, IPC_RMID, NULL) != 0) {
        int e = errno;
        if (e == EPERM)
            return spy_err_set(err, SPY_EACCES, e,
                               "%s: cannot remove it: only its owner, its "
                               "creator or CAP_SYS_ADMIN may",
                               o->name);
        return spy__sysv_error(o->name, e, err);
    }
    return 0;
}

int spy_obj_chmod(spy_obj *o, uint32_t mode, spy_err *err) {
    if (o->shmid >= 0)
        return sysv_chmod(o, mode, err);
    if (o->fd < 0 && o->via != NULL)
        return not_through_memory(o, "mode", err);
    if (fchmod(o->fd, (mode_t)(mode & 07777)) != 0) {
        int e = errno;
        return spy_err_set(err, e == EPERM ? SPY_EACCES : SPY_EIO, e,
                           "%s: cannot change the mode: %s", o->name,
                           strerror(e));
    }
    return 0;
}

/* A memfd:, pid: or fd: name has nothing to unlink. */
static int no_name(const spy_obj *o, spy_err *err) {
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "%s: names memory through a process: it has no "
                       "name to remove (it lives while a process holds "
                       "or maps it)",
                       o->name);
}

int spy_obj_can(spy_obj *o, spy_obj_op op, uint64_t value, spy_err *err) {
    switch (op) {
    case SPY_OBJ_OP_SIZE:
        if (o->shmid >= 0)
            return sysv_fixed_size(o, err);
        if (o->fd < 0 && o->via != NULL)
            return not_through_memory(o, "size", err);
        return sealed_size(o, value, err);
    case SPY_OBJ_OP_MODE:
        if (o->shmid >= 0)
            return sysv_mode_bits(o, (uint32_t)value, err);
        if (o->fd < 0 && o->via != NULL)
            return not_through_memory(o, "mode", err);
        return 0;
    case SPY_OBJ_OP_UNLINK:
        if (o->shmid >= 0) {
            struct shmid_ds ds;
            if (shmctl(o->shmid, IPC_STAT, &ds) != 0)
                return spy__sysv_error(o->name, errno, err);
            if (ds.shm_perm.mode & SHM_DEST)
                return spy_err_set(err, SPY_ENOENT, 0,
                                   "%s: already marked for removal (it goes "
                                   "when its last process detaches)",
                                   o->name);
            return 0;
        }
        return o->via != NULL ? no_name(o, err) : 0;
    default:
        return 0;
    }
}

int spy_obj_unlink(spy_obj *o, spy_err *err) {
    struct stat by_name, by_fd;
    if (o->shmid >= 0)
        return sysv_unlink(o, err);
    if (o->via != NULL)
        return no_name(o, err);
    if (fstat(o->fd, &by_fd) != 0)
        return spy_err_set(err, SPY_EIO, errno, "%s: fstat: %s", o->name,
                           strerror(errno));
    if (fstatat(o->dirfd, o->rel, &by_name, AT_SYMLINK_NOFOLLOW) != 0)
        return open_failed(o, errno, err);
    if (by_name.st_dev != by_fd.st_dev || by_name.st_ino != by_fd.st_ino)
        return spy_err_set(err, SPY_EEXIST, 0,
                           "%s: the name now refers to another object",
                           o->name);
    if (unlinkat(o->dirfd, o->rel, 0) != 0)
        return open_failed(o, errno, err);
    return 0;
}

const char *spy_obj_name(const spy_obj *o) {
    return o->name;
}

const char *spy_obj_lasting_name(const spy_obj *o) {
    return o->shmid >= 0 ? o->lasting : o->name;
}

void spy_obj_close(spy_obj *o) {
    if (o == NULL)
        return;
    if (o->fd >= 0)
        close(o->fd);
    spy__via_release(o->via);
    free(o->via);
    spy__sysv_reader_free(o->sysv);
    free(o);
}
