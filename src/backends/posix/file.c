/* posix/file.c - file.h on POSIX: the files of recordings. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../file.h"
#include "internal.h"

struct spy_file {
    int fd;
    int writing;
    uint64_t size;
    char *path; /* as given */
    char *tmp;  /* create_replace: the temporary beside path, else NULL */
};

/* The directory part of path ("." when there is none). */
static void dir_of(const char *path, char *dir, size_t cap) {
    char *slash;
    snprintf(dir, cap, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, cap, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

/* One line for errno e of `what` on path. */
static int sys_error(const char *path, int e, int creating, spy_err *err) {
    switch (e) {
    case EEXIST:
        return spy_err_set(err, SPY_EEXIST, e,
                           "%s: exists (use --force to replace it)", path);
    case EACCES:
    case EPERM:
        return spy_err_set(err, SPY_EACCES, e, "%s: permission denied (%s)",
                           path,
                           creating ? "no write permission on its directory"
                                    : "no read permission");
    case ENOENT:
        return spy_err_set(err, SPY_ENOENT, e, "%s: no such file or directory",
                           path);
    case ELOOP:
        return spy_err_set(err, SPY_ETYPE, e,
                           "%s: is a symbolic link: not followed", path);
    case EROFS:
        return spy_err_set(err, SPY_EROFS, e, "%s: read-only file system",
                           path);
    default:
        return spy_err_set(err, SPY_EIO, e, "%s: %s", path, strerror(e));
    }
}

static int new_file(const char *path, int fd, int writing, spy_file **out,
                    spy_err *err) {
    spy_file *f = calloc(1, sizeof *f);
    if (f == NULL || (f->path = strdup(path)) == NULL) {
        free(f);
        close(fd);
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    }
    f->fd = fd;
    f->writing = writing;
    *out = f;
    return 0;
}

int spy_file_create(const char *path, spy_file **out, spy_err *err) {
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return sys_error(path, errno, 1, err);
    return new_file(path, fd, 1, out, err);
}

int spy_file_create_replace(const char *path, spy_file **out, spy_err *err) {
    struct stat st;
    char *tmp;
    size_t n = strlen(path) + 32;
    unsigned i;
    int fd = -1, rc;

    if (lstat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return spy_err_set(err, SPY_ETYPE, 0,
                               "%s: is a %s: --force replaces only a "
                               "regular file",
                               path, spy__file_type(st.st_mode));
    } else if (errno != ENOENT) {
        return sys_error(path, errno, 0, err);
    }
    tmp = malloc(n);
    if (tmp == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    for (i = 0; i < 100 && fd < 0; i++) {
        snprintf(tmp, n, "%s.tmp%ld.%u", path, (long)getpid(), i);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
        if (fd < 0 && errno != EEXIST) {
            rc = sys_error(tmp, errno, 1, err);
            free(tmp);
            return rc;
        }
    }
    if (fd < 0) {
        rc = sys_error(tmp, EEXIST, 1, err);
        free(tmp);
        return rc;
    }
    rc = new_file(path, fd, 1, out, err);
    if (rc != 0) {
        unlink(tmp);
        free(tmp);
        return rc;
    }
    (*out)->tmp = tmp;
    return 0;
}

int spy_file_open_read(const char *path, spy_file **out, spy_err *err) {
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    int rc;
    if (fd < 0)
        return sys_error(path, errno, 0, err);
    if (fstat(fd, &st) != 0) {
        rc = sys_error(path, errno, 0, err);
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return spy_err_set(err, SPY_ETYPE, 0,
                           "%s: is a %s, not a recording file", path,
                           spy__file_type(st.st_mode));
    }
    rc = new_file(path, fd, 0, out, err);
    if (rc == 0)
        (*out)->size = (uint64_t)st.st_size;
    return rc;
}

int spy_file_pread(spy_file *f, uint64_t off, void *buf, size_t len,
                   spy_err *err) {
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t r = pread(f->fd, p, len, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return spy_err_set(err, SPY_EIO, errno, "%s: read: %s", f->path,
                               strerror(errno));
        if (r == 0)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: damaged at byte %llu: cut short "
                               "(truncated)",
                               f->path, (unsigned long long)off);
        p += r;
        off += (uint64_t)r;
        len -= (size_t)r;
    }
    return 0;
}

int spy_file_append(spy_file *f, const void *buf, size_t len, spy_err *err) {
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = write(f->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            return spy_err_set(err, SPY_EIO, e, "%s: write: %s", f->path,
                               strerror(e));
        }
        p += w;
        f->size += (uint64_t)w;
        len -= (size_t)w;
    }
    return 0;
}

int spy_file_sync(spy_file *f, spy_err *err) {
    if (fsync(f->fd) != 0 && errno != EINVAL)
        return spy_err_set(err, SPY_EIO, errno, "%s: fsync: %s", f->path,
                           strerror(errno));
    return 0;
}

uint64_t spy_file_size(const spy_file *f) {
    return f->size;
}

const char *spy_file_path(const spy_file *f) {
    return f->path;
}

static void free_file(spy_file *f) {
    free(f->path);
    free(f->tmp);
    free(f);
}

int spy_file_close(spy_file *f, spy_err *err) {
    int rc = 0;
    char dir[4096];
    if (f == NULL)
        return 0;
    if (close(f->fd) != 0 && f->writing)
        rc = spy_err_set(err, SPY_EIO, errno, "%s: close: %s", f->path,
                         strerror(errno));
    if (f->tmp != NULL) {
        if (rc == 0 && rename(f->tmp, f->path) != 0)
            rc = spy_err_set(err, SPY_EIO, errno,
                             "%s: cannot replace it (rename: %s)", f->path,
                             strerror(errno));
        if (rc != 0)
            unlink(f->tmp);
    }
    if (rc == 0 && f->writing) {
        int dfd;
        dir_of(f->path, dir, sizeof dir);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd); /* EINVAL on some file systems: nothing to do */
            close(dfd);
        }
    }
    free_file(f);
    return rc;
}

int spy_file_close_at(spy_file *f, uint64_t size, spy_err *err) {
    if (ftruncate(f->fd, (off_t)size) != 0) {
        int e = errno;
        spy_err_set(err, SPY_EIO, e, "%s: truncate: %s", f->path, strerror(e));
        (void)spy_file_close(f, NULL);
        return SPY_EIO;
    }
    f->size = size;
    (void)fsync(f->fd); /* what is kept is on disk when it can be */
    return spy_file_close(f, err);
}

void spy_file_discard(spy_file *f) {
    if (f == NULL)
        return;
    close(f->fd);
    if (f->writing)
        unlink(f->tmp != NULL ? f->tmp : f->path);
    free_file(f);
}

int spy_file_unlink(const char *path, spy_err *err) {
    if (unlink(path) != 0)
        return sys_error(path, errno, 1, err);
    return 0;
}
