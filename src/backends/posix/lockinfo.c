/* posix/lockinfo.c - lockinfo.h on Linux: futex waiters from
 * /proc/PID/task/TID/syscall of every process mapping the segment, and
 * thread ids from /proc/TID/status. */
#include "../lockinfo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/escape.h"
#include "../mappers.h"
#include "internal.h"

/* The futex system call's number as /proc/PID/syscall writes it: the
 * number of the thread's own architecture. */
#if defined(__x86_64__)
#define SPY__SYS_FUTEX 202
#elif defined(__aarch64__) || defined(__riscv)
#define SPY__SYS_FUTEX 98
#elif defined(__i386__) || defined(__arm__)
#define SPY__SYS_FUTEX 240
#else
#define SPY__SYS_FUTEX (-1) /* unknown here: no waiter is ever matched */
#endif

/* One mapping of the segment in one process. */
typedef struct span {
    int32_t pid;
    uint64_t start, end, offset;
} span;

typedef struct spans {
    span *v;
    size_t n, cap;
    int oom;
} spans;

static int collect_span(const spy_mapper *m, void *arg) {
    spans *s = arg;
    if (m->handle_only || m->fd >= 0 || m->end <= m->start)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        span *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return s->oom = 1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].pid = m->pid;
    s->v[s->n].start = m->start;
    s->v[s->n].end = m->end;
    s->v[s->n].offset = m->offset;
    s->n++;
    return 0;
}

static int by_pid(const void *a, const void *b) {
    const span *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static int add_waiter(spy_waiters *w, size_t *cap, const spy_waiter *x) {
    if (w->n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        spy_waiter *v = realloc(w->v, c * sizeof *v);
        if (v == NULL)
            return -1;
        w->v = v;
        *cap = c;
    }
    w->v[w->n++] = *x;
    return 0;
}

/* The process's command, escaped, into out (32 bytes). */
static void comm_of(int pid, char *out, size_t cap) {
    char raw[64];
    spy__proc_comm(pid, raw, sizeof raw);
    spy_escape(raw, out, cap);
}

/* Reads /proc/PID/task/TID/syscall into buf. 1: read; 0: the thread is
 * gone; -1: not readable (permission). */
static int read_syscall(int pid, const char *tid, char *buf, size_t cap) {
    char path[320];
    ssize_t n;
    int fd;
    snprintf(path, sizeof path, "/proc/%d/task/%s/syscall", pid, tid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ESRCH ? 0 : -1;
    n = read(fd, buf, cap - 1);
    if (n < 0) {
        int e = errno;
        close(fd);
        return e == ESRCH || e == ENOENT ? 0 : -1;
    }
    close(fd);
    buf[n] = '\0';
    return 1;
}

/* Looks at every thread of process p->pid (whose mappings of the segment
 * are p[0..n)) and adds those asleep in futex() on a word inside one of
 * them. Returns -1 on ENOMEM. */
static int scan_process(const span *p, size_t n, spy_waiters *w, size_t *cap) {
    char path[64], buf[256], comm[32] = "";
    struct dirent *d;
    DIR *dir;
    int pid = p[0].pid;

    snprintf(path, sizeof path, "/proc/%d/task", pid);
    dir = opendir(path);
    if (dir == NULL) {
        if (errno != ENOENT && errno != ESRCH)
            w->unreadable++;
        return 0;
    }
    while ((d = readdir(dir)) != NULL) {
        long nr;
        unsigned long long arg0;
        char *end;
        size_t i;
        int r;
        if (d->d_name[0] < '0' || d->d_name[0] > '9')
            continue;
        r = read_syscall(pid, d->d_name, buf, sizeof buf);
        if (r < 0)
            w->unreadable++;
        if (r <= 0)
            continue;
        /* "202 0x7f12... 0x80 ..." when in a system call; "running" or
         * "-1 SP PC" otherwise. */
        errno = 0;
        nr = strtol(buf, &end, 10);
        if (end == buf || nr != SPY__SYS_FUTEX || *end != ' ')
            continue;
        arg0 = strtoull(end + 1, &end, 16);
        for (i = 0; i < n; i++) {
            if (arg0 >= p[i].start && arg0 < p[i].end) {
                spy_waiter x;
                memset(&x, 0, sizeof x);
                x.pid = pid;
                x.tid = atoi(d->d_name);
                if (comm[0] == '\0')
                    comm_of(pid, comm, sizeof comm);
                memcpy(x.comm, comm, sizeof x.comm);
                x.off = arg0 - p[i].start + p[i].offset;
                if (add_waiter(w, cap, &x) != 0) {
                    closedir(dir);
                    return -1;
                }
                break;
            }
        }
    }
    closedir(dir);
    return 0;
}

int spy_futex_waiters(spy_seg *seg, spy_waiters *w, spy_err *err) {
    spy_seg_info *info = malloc(sizeof *info);
    spans s = {NULL, 0, 0, 0};
    size_t i, j, cap = 0;
    int rc;

    memset(w, 0, sizeof *w);
    if (info == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "futex waiters: out of memory");
    rc = spy_seg_stat(seg, info, err);
    if (rc == 0)
        rc = spy_mappers(info, collect_span, &s, NULL, err);
    if (rc == 0 && s.oom)
        rc = spy_err_set(err, SPY_ENOMEM, 0, "%s: futex waiters: out of memory",
                         info->name);
    if (rc == 0) {
        qsort(s.v, s.n, sizeof s.v[0], by_pid);
        for (i = 0; i < s.n; i = j) {
            for (j = i; j < s.n && s.v[j].pid == s.v[i].pid; j++)
                ;
            if (scan_process(&s.v[i], j - i, w, &cap) != 0) {
                rc =
                    spy_err_set(err, SPY_ENOMEM, 0,
                                "%s: futex waiters: out of memory", info->name);
                break;
            }
        }
    }
    if (rc != 0)
        spy_waiters_free(w);
    free(s.v);
    free(info);
    return rc;
}

void spy_waiters_free(spy_waiters *w) {
    free(w->v);
    memset(w, 0, sizeof *w);
}

int spy_thread_lookup(int32_t tid, spy_thread_who *out, spy_err *err) {
    char path[64], line[256];
    FILE *f;
    int tgid = -1;

    memset(out, 0, sizeof *out);
    if (tid <= 0)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "thread %ld: not a thread id (must be > 0)",
                           (long)tid);
    snprintf(path, sizeof path, "/proc/%ld/status", (long)tid);
    f = fopen(path, "re");
    if (f == NULL) {
        if (errno == ENOENT || errno == ESRCH)
            return 0; /* no such thread now */
        return spy_err_set(err, SPY_EACCES, errno, "thread %ld: %s: %s",
                           (long)tid, path, strerror(errno));
    }
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "Tgid:", 5) == 0) {
            tgid = atoi(line + 5);
            break;
        }
    fclose(f);
    if (tgid <= 0)
        return 0; /* it ended while we read */
    out->exists = 1;
    out->pid = tgid;
    comm_of(tgid, out->comm, sizeof out->comm);
    return 0;
}

#if defined(__GLIBC__)
int spy_lock_native_mutex(spy_layout *l, uint32_t *idx, spy_err *err) {
    typedef struct __pthread_mutex_s data;
    spy_ltype t;
    spy_lmember m;
    uint32_t ti, tu, ts;
    int rc;

    memset(&t, 0, sizeof t);
    t.elem = SPY_LAYOUT_NONE;
    t.name = "int";
    t.kind = SPY_L_INT;
    t.size = sizeof(int);
    if ((rc = spy_layout_add_type(l, &t, &ti, err)) != 0)
        return rc;
    t.name = "unsigned int";
    t.kind = SPY_L_UINT;
    if ((rc = spy_layout_add_type(l, &t, &tu, err)) != 0)
        return rc;
    t.name = "struct __pthread_mutex_s";
    t.kind = SPY_L_STRUCT;
    t.size = sizeof(data);
    if ((rc = spy_layout_add_type(l, &t, &ts, err)) != 0)
        return rc;
    memset(&m, 0, sizeof m);
#define MEMBER(field, ty)                                                      \
    do {                                                                       \
        m.name = #field;                                                       \
        m.type = (ty);                                                         \
        m.offset = offsetof(data, field);                                      \
        if ((rc = spy_layout_add_member(l, ts, &m, err)) != 0)                 \
            return rc;                                                         \
    } while (0)
    MEMBER(__lock, ti);
    MEMBER(__count, tu);
    MEMBER(__owner, ti);
    MEMBER(__nusers, tu);
    MEMBER(__kind, ti);
#undef MEMBER
    t.name = "pthread_mutex_t";
    t.kind = SPY_L_UNION;
    t.size = sizeof(pthread_mutex_t);
    if ((rc = spy_layout_add_type(l, &t, idx, err)) != 0)
        return rc;
    m.name = "__data";
    m.type = ts;
    m.offset = offsetof(pthread_mutex_t, __data);
    return spy_layout_add_member(l, *idx, &m, err);
}
#else
int spy_lock_native_mutex(spy_layout *l, uint32_t *idx, spy_err *err) {
    (void)l;
    (void)idx;
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "pthread_mutex_t: this C library's layout is not "
                       "known (glibc only)");
}
#endif
