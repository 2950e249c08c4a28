/* proc_maps.c - who maps what: one pass over /proc/[pid]/maps.
 *
 * Mappings are matched by identity (device and inode), not by path, so an
 * object whose name was removed (" (deleted)") and processes that closed
 * their descriptor after mmap are still found. System V segments appear as
 * "/SYSV<key>" with the inode column equal to the shmid. */
#include "backend.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "posix_internal.h"

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

static int is_pid_dir(const char *s) {
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

int spy__maps_scan(spy__maps_cb cb, void *arg, int *hidden) {
    DIR *d = opendir("/proc");
    struct dirent *de;
    char *line = NULL;
    size_t cap = 0;
    int stop = 0;

    if (hidden != NULL)
        *hidden = 0;
    if (d == NULL)
        return SPY_EIO;
    while (!stop && (de = readdir(d)) != NULL) {
        char path[64];
        FILE *f;
        int pid;
        if (!is_pid_dir(de->d_name))
            continue;
        pid = atoi(de->d_name);
        snprintf(path, sizeof path, "/proc/%d/maps", pid);
        f = fopen(path, "re");
        if (f == NULL) {
            if ((errno == EACCES || errno == EPERM) && hidden != NULL)
                (*hidden)++;
            continue; /* ENOENT: the process exited meanwhile */
        }
        while (!stop && getline(&line, &cap, f) > 0) {
            spy__maps_line l;
            if (spy__maps_parse(line, &l) != 0 || l.ino == 0)
                continue;
            stop = cb(pid, &l, arg);
        }
        if (ferror(f) && (errno == EACCES || errno == EPERM) && hidden != NULL)
            (*hidden)++;
        fclose(f);
    }
    free(line);
    closedir(d);
    return 0;
}

typedef struct match_ctx {
    const spy_seg_info *info;
    spy_mapper_cb cb;
    void *arg;
    int comm_pid;
    char comm[64];
} match_ctx;

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
        c->comm_pid = pid;
    }
    memset(&m, 0, sizeof m);
    m.pid = pid;
    snprintf(m.comm, sizeof m.comm, "%s", c->comm);
    m.start = l->start;
    m.end = l->end;
    m.offset = l->offset;
    memcpy(m.perms, l->perms, sizeof m.perms);
    m.deleted = l->deleted;
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

typedef struct count_ctx {
    uint64_t dev;
    spy__ino_count *v;
    size_t n, cap;
    int oom;
} count_ctx;

static int count_one(int pid, const spy__maps_line *l, void *arg) {
    count_ctx *c = arg;
    size_t i;
    if (l->dev != c->dev)
        return 0;
    for (i = 0; i < c->n; i++) {
        if (c->v[i].ino == l->ino) {
            if (c->v[i].last_pid != pid) {
                c->v[i].count++;
                c->v[i].last_pid = pid;
            }
            return 0;
        }
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        spy__ino_count *v = realloc(c->v, cap * sizeof *v);
        if (v == NULL) {
            c->oom = 1;
            return 1;
        }
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].ino = l->ino;
    c->v[c->n].count = 1;
    c->v[c->n].last_pid = pid;
    c->n++;
    return 0;
}

static int by_ino(const void *a, const void *b) {
    const spy__ino_count *x = a, *y = b;
    return (x->ino > y->ino) - (x->ino < y->ino);
}

spy__ino_count *spy__maps_count(uint64_t dev, size_t *n, int *ok) {
    count_ctx c;
    memset(&c, 0, sizeof c);
    c.dev = dev;
    *ok = spy__maps_scan(count_one, &c, NULL) == 0 && !c.oom;
    if (!*ok) {
        free(c.v);
        *n = 0;
        return NULL;
    }
    if (c.n > 1)
        qsort(c.v, c.n, sizeof c.v[0], by_ino);
    *n = c.n;
    return c.v;
}
