/* posix/mappers.c - who maps what: one pass over /proc/[pid]/maps
 * (spy_mappers), one over /proc/[pid]/fd (spy_holders), and the maps
 * reading shared.c's pass of every process is built on.
 *
 * Mappings are matched by identity (device and inode), not by path, so an
 * object whose name was removed (" (deleted)") and processes that closed
 * their descriptor after mmap are still found. System V segments appear as
 * "/SYSV<key>" with the inode column equal to the shmid.
 *
 * Whether the object's name was removed is not read from that suffix: the
 * kernel prints " (deleted)" for every System V and memfd mapping, for a
 * shared /dev/zero mapping and for a file mapped through a name that was
 * renamed over (sem_open links a temporary name, then renames it). It is
 * the object's own state: its link count, SHM_DEST for System V. */
#include "../mappers.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "shared.h"

int spy__maps_parse(char *line, spy__maps_line *out) {
    unsigned long long start, end, offset, ino;
    unsigned maj, min;
    char perms[8];
    int pos = 0;
    size_t len;
    char *path;

    if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms,
               &offset, &maj, &min, &ino, &pos) < 7)
        return -1;
    out->start = start;
    out->end = end;
    out->offset = offset;
    memcpy(out->perms, perms, 4);
    out->perms[4] = '\0';
    out->dev = makedev(maj, min);
    out->ino = ino;
    path = line + pos;
    len = strlen(path);
    while (len > 0 && (path[len - 1] == '\n' || path[len - 1] == ' '))
        path[--len] = '\0';
    out->deleted = 0;
    if (len >= 10 && strcmp(path + len - 10, " (deleted)") == 0) {
        out->deleted = 1;
        path[len - 10] = '\0';
    }
    out->path = path;
    return 0;
}

void spy__proc_comm(int pid, char *buf, size_t cap) {
    char path[64];
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    f = fopen(path, "re");
    if (f == NULL || fgets(buf, (int)cap, f) == NULL) {
        snprintf(buf, cap, "?");
    } else {
        buf[strcspn(buf, "\n")] = '\0';
    }
    if (f != NULL)
        fclose(f);
}

void spy__proc_title(int pid, const char *comm, char *buf, size_t cap) {
    char path[64];
    size_t len = 0, i;
    int fd;

    buf[0] = '\0';
    if (cap < 2)
        return;
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    while (len < cap - 1) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    while (len > 0 && buf[len - 1] == '\0')
        len--;
    for (i = 0; i < len; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[len] = '\0';
    if (len == 0)
        snprintf(buf, cap, "[%s]", comm);
}

int spy__is_pid_dir(const char *s) {
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static unsigned hexval(char c) {
    return isdigit((unsigned char)c)
               ? (unsigned)(c - '0')
               : (unsigned)(tolower((unsigned char)c) - 'a' + 10);
}

/* The device and inode columns of a maps line, read without sscanf: a
 * cheap look that lets the scans skip anonymous mappings. 0 on success. */
int spy__quick_dev_ino(const char *p, const char *end, uint64_t *dev,
                       uint64_t *ino) {
    unsigned maj = 0, min = 0;
    uint64_t v = 0;
    int field;
    /* Skip "start-end perms offset ". */
    for (field = 0; field < 3; field++) {
        while (p < end && *p != ' ')
            p++;
        while (p < end && *p == ' ')
            p++;
    }
    for (; p < end && isxdigit((unsigned char)*p); p++)
        maj = maj * 16 + hexval(*p);
    if (p >= end || *p++ != ':')
        return -1;
    for (; p < end && isxdigit((unsigned char)*p); p++)
        min = min * 16 + hexval(*p);
    if (p >= end || *p++ != ' ')
        return -1;
    for (; p < end && isdigit((unsigned char)*p); p++)
        v = v * 10 + (uint64_t)(*p - '0');
    *dev = makedev(maj, min);
    *ino = v;
    return 0;
}

ssize_t spy__slurp_fd(int fd, char **buf, size_t *cap) {
    size_t len = 0;
    for (;;) {
        ssize_t r;
        if (*cap - len < 4096) {
            size_t ncap = *cap ? *cap * 2 : 65536;
            char *nb = realloc(*buf, ncap);
            if (nb == NULL) {
                errno = ENOMEM;
                return -1;
            }
            *buf = nb;
            *cap = ncap;
        }
        r = read(fd, *buf + len, *cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        len += (size_t)r;
    }
    (*buf)[len] = '\0';
    return (ssize_t)len;
}

/* Reads all of /proc/PID/maps into *buf (grown as needed) with read(2):
 * one or a few large reads instead of stdio's 4 KiB ones. Returns the
 * length, or -1 with errno set. */
ssize_t spy__slurp_maps(int procfd, int pid, char **buf, size_t *cap) {
    char path[32];
    ssize_t n;
    int fd, e;

    snprintf(path, sizeof path, "%d/maps", pid);
    fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = spy__slurp_fd(fd, buf, cap);
    e = errno;
    close(fd);
    errno = e;
    return n;
}

/* Whether /proc hides other users' processes from us altogether
 * (hidepid=2 "invisible", hidepid=4 "ptraceable"): they are then not even
 * listed, so no EACCES tells that some could not be inspected. */
int spy__proc_hides_pids(void) {
    FILE *f;
    char line[4096];
    int hides = 0;
    if (geteuid() == 0)
        return 0;
    f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL)
        return 0;
    while (!hides && fgets(line, sizeof line, f) != NULL) {
        char mnt[256];
        const char *opts = strstr(line, " - proc ");
        if (opts == NULL ||
            sscanf(line, "%*d %*d %*u:%*u %*s %255s", mnt) != 1 ||
            strcmp(mnt, "/proc") != 0)
            continue;
        hides = strstr(opts, "hidepid=2") != NULL ||
                strstr(opts, "hidepid=4") != NULL ||
                strstr(opts, "hidepid=invisible") != NULL ||
                strstr(opts, "hidepid=ptraceable") != NULL;
    }
    fclose(f);
    return hides;
}

int spy__maps_scan(spy__maps_cb cb, void *arg, int *hidden) {
    DIR *d = opendir("/proc");
    struct dirent *de;
    char *buf = NULL;
    size_t cap = 0;
    int stop = 0;

    if (hidden != NULL)
        *hidden = 0;
    if (d == NULL)
        return SPY_EIO;
    while (!stop && (de = readdir(d)) != NULL) {
        char *p, *end;
        ssize_t n;
        int pid;
        if (!spy__is_pid_dir(de->d_name))
            continue;
        pid = atoi(de->d_name);
        n = spy__slurp_maps(dirfd(d), pid, &buf, &cap);
        if (n < 0) {
            if ((errno == EACCES || errno == EPERM) && hidden != NULL)
                (*hidden)++;
            continue; /* ENOENT, ESRCH: the process exited meanwhile */
        }
        for (p = buf, end = buf + n; !stop && p < end;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            char *next = nl != NULL ? nl + 1 : end;
            uint64_t dev, ino;
            spy__maps_line l;
            if (nl != NULL)
                *nl = '\0';
            if (spy__quick_dev_ino(p, nl != NULL ? nl : end, &dev, &ino) == 0 &&
                ino != 0 && spy__maps_parse(p, &l) == 0 && l.ino != 0)
                stop = cb(pid, &l, arg);
            p = next;
        }
    }
    free(buf);
    closedir(d);
    /* Processes /proc does not show count as one that could not be
     * inspected: how many there are is not known. */
    if (hidden != NULL && *hidden == 0 && spy__proc_hides_pids())
        *hidden = 1;
    return 0;
}

typedef struct match_ctx {
    const spy_seg_info *info;
    spy_mapper_cb cb;
    void *arg;
    int comm_pid;
    char comm[64];
    char title[sizeof((spy_mapper *)0)->title];
} match_ctx;

/* Whether device dev is that of a mounted filesystem. */
static int dev_mounted(uint64_t dev) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    int found = 0;
    if (f == NULL)
        return 1; /* cannot tell: take the link count at its word */
    while (!found && fgets(line, sizeof line, f) != NULL) {
        unsigned maj, min;
        if (sscanf(line, "%*d %*d %u:%u", &maj, &min) == 2 &&
            makedev(maj, min) == dev)
            found = 1;
    }
    fclose(f);
    return found;
}

int spy__stat_removed(const struct stat *st) {
    if (st->st_nlink > 0)
        return 0;
    return dev_mounted((uint64_t)st->st_dev);
}

/* Whether the object behind one mapping has lost its name, when the
 * object's own record does not say: the link count of the file through
 * /proc/PID/map_files (readable with CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE only). -1 when it cannot be known. */
static int removed_of_mapping(int pid, const spy__maps_line *l) {
    char path[96];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/map_files/%llx-%llx", pid,
             (unsigned long long)l->start, (unsigned long long)l->end);
    if (stat(path, &st) != 0)
        return -1;
    return spy__stat_removed(&st);
}

static int match_one(int pid, const spy__maps_line *l, void *arg) {
    match_ctx *c = arg;
    spy_mapper m;

    if (c->info->kind == SPY_KIND_SYSV) {
        if (strncmp(l->path, "/SYSV", 5) != 0 ||
            l->ino != (uint64_t)(uint32_t)c->info->shmid)
            return 0;
    } else if (l->dev != c->info->dev || l->ino != c->info->ino) {
        return 0;
    }
    if (c->comm_pid != pid) {
        spy__proc_comm(pid, c->comm, sizeof c->comm);
        spy__proc_title(pid, c->comm, c->title, sizeof c->title);
        c->comm_pid = pid;
    }
    memset(&m, 0, sizeof m);
    m.fd = -1;
    m.pid = pid;
    snprintf(m.comm, sizeof m.comm, "%s", c->comm);
    memcpy(m.title, c->title, sizeof m.title);
    m.start = l->start;
    m.end = l->end;
    m.offset = l->offset;
    memcpy(m.perms, l->perms, sizeof m.perms);
    /* A mapping shares the object's identity, so the object's own
     * record decides (its fstat st_nlink, or SHM_DEST); a System V
     * segment's internal file says nothing of its key. */
    m.deleted = c->info->removed >= 0            ? c->info->removed
                : c->info->kind == SPY_KIND_SYSV ? -1
                                                 : removed_of_mapping(pid, l);
    return c->cb(&m, c->arg);
}

int spy_mappers(const spy_seg_info *info, spy_mapper_cb cb, void *arg,
                int *hidden, spy_err *err) {
    match_ctx c;
    c.info = info;
    c.cb = cb;
    c.arg = arg;
    c.comm_pid = -1;
    c.comm[0] = '\0';
    if (spy__maps_scan(match_one, &c, hidden) != 0)
        return spy_err_set(err, SPY_EIO, errno,
                           "/proc: cannot list processes: %s", strerror(errno));
    return 0;
}

int spy_holders(const spy_seg_info *info, spy_mapper_cb cb, void *arg,
                int *hidden, spy_err *err) {
    DIR *d;
    struct dirent *de;
    int stop = 0, seen_hidden = 0, refused;

    if (hidden != NULL)
        *hidden = 0;
    if (info->kind == SPY_KIND_SYSV)
        return 0;
    d = opendir("/proc");
    if (d == NULL)
        return spy_err_set(err, SPY_EIO, errno,
                           "/proc: cannot list processes: %s", strerror(errno));
    while (!stop && (de = readdir(d)) != NULL) {
        char path[64], comm[64], title[sizeof((spy_mapper *)0)->title];
        struct dirent *fe;
        DIR *fd_dir;
        int pid, named = 0;
        if (!spy__is_pid_dir(de->d_name))
            continue;
        pid = atoi(de->d_name);
        snprintf(path, sizeof path, "/proc/%d/fd", pid);
        fd_dir = opendir(path);
        if (fd_dir == NULL) {
            if (errno == EACCES || errno == EPERM)
                seen_hidden++;
            continue;
        }
        refused = 0;
        while (!stop && (fe = readdir(fd_dir)) != NULL) {
            struct stat st;
            spy_mapper m;
            if (!isdigit((unsigned char)fe->d_name[0]))
                continue;
            if (fstatat(dirfd(fd_dir), fe->d_name, &st, 0) != 0) {
                /* Listed but not to be followed: this process could hold
                 * it unseen (counted once, below). */
                refused |= errno == EACCES || errno == EPERM;
                continue;
            }
            if ((uint64_t)st.st_dev != info->dev ||
                (uint64_t)st.st_ino != info->ino)
                continue;
            if (!named) {
                spy__proc_comm(pid, comm, sizeof comm);
                spy__proc_title(pid, comm, title, sizeof title);
                named = 1;
            }
            memset(&m, 0, sizeof m);
            m.pid = pid;
            m.fd = atoi(fe->d_name);
            snprintf(m.comm, sizeof m.comm, "%s", comm);
            memcpy(m.title, title, sizeof m.title);
            m.deleted = info->removed >= 0 ? info->removed : -1;
            stop = cb(&m, arg);
        }
        closedir(fd_dir);
        seen_hidden += refused;
    }
    closedir(d);
    if (seen_hidden == 0 && spy__proc_hides_pids())
        seen_hidden = 1;
    if (hidden != NULL)
        *hidden = seen_hidden;
    return 0;
}
