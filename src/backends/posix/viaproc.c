/* posix/viaproc.c - viaproc.h: resolving memfd:NAME, pid:PID@ADDR and
 * fd:PID:N to an object, and reaching it the least privileged way.
 *
 * Only /proc is read: the named process's maps and descriptors, and for
 * memfd:NAME and holders in other processes the one scan of
 * posix/shared.h. errno becomes SPY_E* codes here. */
#include "viaproc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../procmem.h"
#include "internal.h"
#include "shared.h"

/* Capability bit numbers (linux/capability.h), checked in CapEff. */
#define CAP_BIT_SYS_PTRACE 19
#define CAP_BIT_SYS_ADMIN 21
#define CAP_BIT_CHECKPOINT_RESTORE 40

/* ---- small helpers ------------------------------------------------------ */

static void user_name(uint32_t uid, char *out, size_t cap) {
    struct passwd *pw = getpwuid((uid_t)uid);
    if (pw != NULL)
        snprintf(out, cap, "%s", pw->pw_name);
    else
        snprintf(out, cap, "uid %u", (unsigned)uid);
}

/* 1 if process pid exists (its /proc directory does). */
static int process_exists(int32_t pid, uint32_t *uid) {
    char path[32];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    if (stat(path, &st) != 0)
        return 0;
    if (uid != NULL)
        *uid = (uint32_t)st.st_uid;
    return 1;
}

/* The start time of pid (field 22 of /proc/PID/stat, after the command's
 * closing parenthesis), or 0 when it cannot be read (it has exited). */
static uint64_t start_time(int32_t pid) {
    char path[32], buf[1024], *p;
    unsigned long long t = 0;
    ssize_t n;
    int fd, field;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    p = strrchr(buf, ')');
    if (p == NULL)
        return 0;
    /* The space after ')' precedes field 3 (the state); the loop stops
     * at the one before field 22, the start time. */
    for (field = 2; field < 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    if (p == NULL || sscanf(p + 1, "%llu", &t) != 1)
        return 0;
    return (uint64_t)t;
}

/* kernel.yama.ptrace_scope, or -1 when Yama is absent. */
static int ptrace_scope(void) {
    FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
    int v = -1;
    if (f != NULL) {
        if (fscanf(f, "%d", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* 1 if our effective capabilities hold capability bit. */
static int have_cap(int bit) {
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    unsigned long long eff = 0;
    int found = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "CapEff: %llx", &eff) == 1) {
            found = 1;
            break;
        }
    fclose(f);
    return found && (eff >> bit) & 1u;
}

/* The one line for "every way was refused": who owns the process and what
 * would allow it. what says what we tried ("reach its memory", "read its
 * mappings"). */
static int refusal(const spy__via *v, const char *what, int map_files,
                   spy_err *err) {
    char owner[64], yama[160] = "", mf[128] = "";
    int scope = ptrace_scope();
    uint32_t me = (uint32_t)geteuid();

    user_name(v->puid, owner, sizeof owner);
    if (scope >= 1)
        snprintf(yama, sizeof yama, "; kernel.yama.ptrace_scope is %d (%s)",
                 scope,
                 scope == 1   ? "only a parent process may, without "
                                "CAP_SYS_PTRACE"
                 : scope == 2 ? "only with CAP_SYS_PTRACE"
                              : "no process may");
    if (map_files)
        snprintf(mf, sizeof mf,
                 "; /proc/%d/map_files needs CAP_SYS_ADMIN or "
                 "CAP_CHECKPOINT_RESTORE",
                 (int)v->pid);
    if (v->puid != me && me != 0)
        return spy_err_set(err, SPY_EACCES, EACCES,
                           "%s: cannot %s: process %d belongs to another "
                           "user (%s); it needs CAP_SYS_PTRACE or running "
                           "as %s%s%s",
                           v->name, what, (int)v->pid, owner, owner, mf, yama);
    return spy_err_set(err, SPY_EACCES, EACCES,
                       "%s: cannot %s: process %d (owner %s) refused ptrace "
                       "access (%s)%s%s",
                       v->name, what, (int)v->pid, owner,
                       have_cap(CAP_BIT_SYS_PTRACE)
                           ? "even with CAP_SYS_PTRACE"
                           : "it needs CAP_SYS_PTRACE, or the process is "
                             "not dumpable",
                       mf, yama);
}

static int no_process(const spy__via *v, spy_err *err) {
    return spy_err_set(err, SPY_ENOENT, ESRCH,
                       "%s: process %d: no such process", v->name, (int)v->pid);
}

/* Sets kind, removed, origin and shmid from the path a mapping or a
 * descriptor shows. */
static void classify(spy__via *v, int deleted) {
    const char *p = v->path;
    struct stat st;

    v->removed = 0;
    v->origin[0] = '\0';
    v->shmid = -1;
    if (strncmp(p, "/memfd:", 7) == 0) {
        v->kind = SPY_KIND_MEMFD;
        snprintf(v->origin, sizeof v->origin, "%.255s", p + 7);
        return;
    }
    if (strncmp(p, "/SYSV", 5) == 0) {
        v->kind = SPY_KIND_SYSV;
        v->shmid = (int)v->ino;
        return;
    }
    if (strcmp(p, "/dev/zero") == 0 || strcmp(p, "/anon_hugepage") == 0 ||
        p[0] != '/') {
        v->kind = SPY_KIND_ANON;
        return;
    }
    if (strncmp(p, SPY__SHM_DIR "/", sizeof SPY__SHM_DIR) == 0)
        v->kind = strncmp(p + sizeof SPY__SHM_DIR, "sem.", 4) == 0
                      ? SPY_KIND_SEM
                      : SPY_KIND_POSIX;
    else
        v->kind = SPY_KIND_FILE;
    /* The kernel says " (deleted)" when the name is gone; a path that
     * still names the same inode was renamed back or is fine. */
    if (deleted && (stat(p, &st) != 0 || (uint64_t)st.st_ino != v->ino))
        v->removed = 1;
    if (v->removed)
        snprintf(v->origin, sizeof v->origin, "%.255s",
                 v->kind == SPY_KIND_FILE ? p : p + sizeof SPY__SHM_DIR - 1);
}

/* Adds holder (pid, fd) once. */
static void add_holder(spy__via *v, int32_t pid, int32_t fd) {
    int i;
    for (i = 0; i < v->nhold; i++)
        if (v->hold_pid[i] == pid && v->hold_fd[i] == fd)
            return;
    if (v->nhold < (int)(sizeof v->hold_pid / sizeof v->hold_pid[0])) {
        v->hold_pid[v->nhold] = pid;
        v->hold_fd[v->nhold] = fd;
        v->nhold++;
    }
}

/* The descriptors of process pid that refer to (dev, ino): readlink
 * first (cheap), stat only those whose text matches the path. */
static void own_holders(spy__via *v) {
    char dir[48], lp[320], link[SPY_NAME_MAX];
    DIR *d;
    struct dirent *e;
    size_t plen = strlen(v->path);

    if (v->kind == SPY_KIND_ANON || v->kind == SPY_KIND_SYSV)
        return; /* no descriptor refers to these */
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)v->pid);
    d = opendir(dir);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        ssize_t n;
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(lp, sizeof lp, "%s/%s", dir, e->d_name);
        n = readlink(lp, link, sizeof link - 1);
        if (n < 0 || (size_t)n < plen || memcmp(link, v->path, plen) != 0)
            continue;
        if (stat(lp, &st) == 0 && (uint64_t)st.st_dev == v->dev &&
            (uint64_t)st.st_ino == v->ino)
            add_holder(v, v->pid, (int32_t)atoi(e->d_name));
    }
    closedir(d);
}

/* ---- resolving ---------------------------------------------------------- */

/* Opens /proc/PID/maps; the errors of a process we may not look at. */
static FILE *open_maps(spy__via *v, spy_err *err) {
    char path[48];
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)v->pid);
    f = fopen(path, "re");
    if (f != NULL)
        return f;
    if (errno == ENOENT || errno == ESRCH || !process_exists(v->pid, NULL))
        no_process(v, err);
    else if (errno == EACCES || errno == EPERM)
        refusal(v, "read its mappings", 0, err);
    else
        spy_err_set(err, SPY_EIO, errno, "%s: %s: %s", v->name, path,
                    strerror(errno));
    return NULL;
}

/* Finds the mapping of v->pid holding addr (want_dev/ino 0), or the first
 * shared mapping of (want_dev, want_ino) (addr ignored). */
static int find_mapping(spy__via *v, uint64_t addr, uint64_t want_dev,
                        uint64_t want_ino, spy_err *err) {
    FILE *f = open_maps(v, err);
    char *line = NULL, others[320] = "";
    size_t cap = 0, used = 0;
    int nothers = 0, found = 0, priv = 0, deleted = 0;
    spy__maps_line l;

    if (f == NULL)
        return err != NULL ? err->code : SPY_EIO;
    while (getline(&line, &cap, f) > 0) {
        if (spy__maps_parse(line, &l) != 0)
            continue;
        if (want_ino != 0) {
            if (l.dev != want_dev || l.ino != want_ino || l.perms[3] != 's')
                continue;
        } else if (addr < l.start || addr >= l.end) {
            if (l.perms[3] == 's' && nothers < 4 && used < sizeof others) {
                used += (size_t)snprintf(
                    others + used, sizeof others - used,
                    "%s0x%" PRIx64 "-0x%" PRIx64 " %.60s",
                    nothers > 0 ? ", " : "", l.start, l.end,
                    l.path[0] != '\0' ? l.path : "[anonymous]");
                nothers++;
            }
            continue;
        }
        if (l.perms[3] != 's') {
            priv = 1;
            snprintf(v->path, sizeof v->path, "%s",
                     l.path[0] != '\0' ? l.path : "[anonymous]");
            break;
        }
        found = 1;
        v->has_map = 1;
        v->start = l.start;
        v->end = l.end;
        v->offset = l.offset;
        memcpy(v->perms, l.perms, sizeof v->perms);
        v->dev = l.dev;
        v->ino = l.ino;
        deleted = l.deleted;
        snprintf(v->path, sizeof v->path, "%s", l.path);
        break;
    }
    free(line);
    fclose(f);
    if (found) {
        classify(v, deleted);
        return 0;
    }
    if (want_ino != 0)
        return 0; /* no mapping: only descriptors reach it */
    if (!process_exists(v->pid, NULL))
        return no_process(v, err);
    if (priv)
        return spy_err_set(err, SPY_ETYPE, 0,
                           "%s: the mapping at 0x%" PRIx64 " in process %d "
                           "(%.80s) is private, not shared memory",
                           v->name, addr, (int)v->pid, v->path);
    return spy_err_set(err, SPY_ENOENT, 0,
                       "%s: no shared mapping contains 0x%" PRIx64
                       " in process %d (%s%s%s)",
                       v->name, addr, (int)v->pid,
                       nothers > 0 ? "its shared mappings: " : "it has none",
                       others, nothers >= 4 ? ", ..." : "");
}

static int resolve_fd(spy__via *v, int32_t fdno, spy_err *err) {
    char lp[64], link[SPY_NAME_MAX];
    struct stat st;
    ssize_t n;
    size_t len;
    int deleted = 0;

    snprintf(lp, sizeof lp, "/proc/%d/fd/%d", (int)v->pid, (int)fdno);
    n = readlink(lp, link, sizeof link - 1);
    if (n < 0) {
        int e = errno;
        if (!process_exists(v->pid, NULL))
            return no_process(v, err);
        if (e == EACCES || e == EPERM)
            return refusal(v, "read its descriptors", 0, err);
        return spy_err_set(err, SPY_ENOENT, e,
                           "%s: process %d has no descriptor %d", v->name,
                           (int)v->pid, (int)fdno);
    }
    link[n] = '\0';
    len = (size_t)n;
    if (len >= 10 && strcmp(link + len - 10, " (deleted)") == 0) {
        deleted = 1;
        link[len - 10] = '\0';
    }
    snprintf(v->path, sizeof v->path, "%s", link);
    if (stat(lp, &st) != 0) {
        if (errno == EACCES || errno == EPERM)
            return refusal(v, "read its descriptors", 0, err);
        return spy_err_set(err, SPY_ENOENT, errno,
                           "%s: process %d has no descriptor %d", v->name,
                           (int)v->pid, (int)fdno);
    }
    if (!S_ISREG(st.st_mode))
        return spy_err_set(err, SPY_ETYPE, 0, "%s: is a %s, not shared memory",
                           v->name, spy__file_type(st.st_mode));
    v->dev = (uint64_t)st.st_dev;
    v->ino = (uint64_t)st.st_ino;
    v->fd = fdno;
    classify(v, deleted);
    add_holder(v, v->pid, fdno);
    /* A mapping of it in the same process, for map_files or memory; none
     * (or maps unreadable) leaves only the descriptor. */
    (void)find_mapping(v, 0, v->dev, v->ino, NULL);
    return 0;
}

/* The holders (fd >= 0 uses) of o, into v. */
static void holders_of(spy__via *v, const spy__shared_obj *o) {
    size_t i;
    for (i = 0; i < o->nuses; i++)
        if (o->uses[i].fd >= 0)
            add_holder(v, o->uses[i].pid, o->uses[i].fd);
}

/* Appends "text" to buf (cap bytes, used so far) with ", " between, at
 * most max items; counts them in *k. */
static void add_item(char *buf, size_t cap, size_t *used, int *k, int max,
                     const char *text) {
    if (*used >= cap)
        return;
    if (*k == max)
        *used += (size_t)snprintf(buf + *used, cap - *used, ", ...");
    else if (*k < max)
        *used += (size_t)snprintf(buf + *used, cap - *used, "%s%s",
                                  *k > 0 ? ", " : "", text);
    (*k)++;
}

/* The name a use of a memfd gives: pid:PID@0xSTART or fd:PID:N. */
static void use_name(const spy__use *u, char *buf, size_t cap) {
    if (u->fd >= 0)
        snprintf(buf, cap, "fd:%d:%d", (int)u->pid, (int)u->fd);
    else
        snprintf(buf, cap, "pid:%d@0x%" PRIx64, (int)u->pid, u->start);
}

/* memfd:NAME: every memfd whose path is "/memfd:NAME", from one scan of
 * every process's mappings and descriptors. */
static int resolve_memfd(spy__via *v, const char *want, spy_err *err) {
    spy__shared_set set;
    const spy__shared_obj *hit = NULL;
    char names[200] = "", cands[240] = "", one[48];
    size_t nu = 0, cu = 0, i, j;
    int nn = 0, nc = 0, nhit = 0, rc;

    rc = spy__shared_scan(SPY__SCAN_MAPS | SPY__SCAN_FDS, 0, &set, err);
    if (rc != 0) {
        spy__shared_free(&set);
        return rc;
    }
    for (i = 0; i < set.n; i++) {
        const spy__shared_obj *o = &set.v[i];
        if (o->kind != SPY_KIND_MEMFD || strncmp(o->path, "/memfd:", 7) != 0)
            continue;
        if (strcmp(o->path + 7, want) != 0) {
            add_item(names, sizeof names, &nu, &nn, 6, o->path + 7);
            continue;
        }
        if (o->nuses == 0)
            continue; /* never: an object is made by its first use */
        nhit++;
        if (hit == NULL || o->uses[0].pid < hit->uses[0].pid)
            hit = o;
        /* One name per object: its lowest-pid use. */
        if (o->nuses > 0) {
            use_name(&o->uses[0], one, sizeof one);
            add_item(cands, sizeof cands, &cu, &nc, 6, one);
        }
    }
    if (nhit == 0) {
        rc = spy_err_set(err, SPY_ENOENT, 0,
                         "%s: no memfd named '%s' (memfds: %s)%s", v->name,
                         want, nn > 0 ? names : "none seen",
                         set.hidden > 0 ? "; some processes could not be "
                                          "inspected"
                                        : "");
        spy__shared_free(&set);
        return rc;
    }
    if (nhit > 1) {
        rc = spy_err_set(err, SPY_EEXIST, 0,
                         "%s: %d memfds share this name; name one of them: %s",
                         v->name, nhit, cands);
        spy__shared_free(&set);
        return rc;
    }
    v->dev = hit->dev;
    v->ino = hit->ino;
    snprintf(v->path, sizeof v->path, "%.250s", hit->path);
    /* Its lowest-pid mapping, else its lowest-pid holder. */
    for (j = 0; j < hit->nuses && !v->has_map; j++) {
        const spy__use *u = &hit->uses[j];
        if (u->fd >= 0)
            continue;
        v->has_map = 1;
        v->pid = u->pid;
        v->start = u->start;
        v->end = u->end;
        v->offset = u->offset;
        memcpy(v->perms, u->perms, sizeof v->perms);
    }
    if (!v->has_map)
        v->pid = hit->uses[0].pid;
    holders_of(v, hit);
    v->scanned = 1; /* the scan above saw every descriptor */
    spy__shared_free(&set);
    process_exists(v->pid, &v->puid);
    classify(v, 1);
    return 0;
}

/* Holders of v's object in every process (memfds and /dev/shm objects:
 * what the scan's descriptor pass sees). */
static void other_holders(spy__via *v) {
    spy__shared_set set;
    const spy__shared_obj *o;
    if (v->kind != SPY_KIND_MEMFD && v->kind != SPY_KIND_POSIX &&
        v->kind != SPY_KIND_SEM)
        return;
    if (spy__shared_scan(SPY__SCAN_FDS, 0, &set, NULL) == 0 &&
        (o = spy__shared_find(&set, v->dev, v->ino)) != NULL)
        holders_of(v, o);
    spy__shared_free(&set);
}

int spy__via_resolve(const spy_name *n, spy__via *v, spy_err *err) {
    int rc;

    memset(v, 0, sizeof *v);
    v->fd = v->hpid = v->hfd = v->shmid = v->pidfd = v->mem_fd = -1;
    spy_name_format(n, v->name, sizeof v->name);
    if (n->form == SPY_NAME_MEMFD) {
        rc = resolve_memfd(v, n->text, err);
        if (rc != 0 || !v->has_map)
            return rc;
            /* Pin the mapper the scan found, then see that the pinned process
             * still maps the object there (the scan ran before the pin). */
#ifdef SYS_pidfd_open
        v->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)v->pid, 0);
#endif
        v->started = start_time(v->pid);
        v->has_map = 0; /* found again below, or only descriptors reach it */
        rc = find_mapping(v, v->start, v->dev, v->ino, err);
        if (rc == 0 && !spy__via_alive(v))
            rc = no_process(v, err);
        if (rc != 0)
            spy__via_release(v);
        return rc;
    }
    if (n->form != SPY_NAME_PID_ADDR && n->form != SPY_NAME_PID_FD)
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "%s: not a name of memory through a process here",
                           v->name);
    v->pid = (int32_t)n->id;
    if (!process_exists(v->pid, &v->puid))
        return no_process(v, err);
        /* Pin the process before reading its maps: if it exits meanwhile (and
         * its pid goes to another), the pidfd says so below. */
#ifdef SYS_pidfd_open
    v->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)v->pid, 0);
#endif
    v->started = start_time(v->pid);
    if (n->form == SPY_NAME_PID_FD)
        rc = resolve_fd(v, (int32_t)n->addr, err);
    else
        rc = find_mapping(v, n->addr, 0, 0, err);
    if (rc == 0 && !spy__via_alive(v))
        rc = no_process(v, err);
    if (rc != 0) {
        spy__via_release(v);
        return rc;
    }
    own_holders(v);
    return 0;
}

/* ---- reaching it --------------------------------------------------------- */

/* Opens path and keeps it only if it is the object (dev, ino). -1 with
 * errno (EXDEV for another object). */
static int open_checked(const spy__via *v, const char *path, int oflags) {
    struct stat st;
    int fd = open(path, oflags);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_ino != v->ino) {
        close(fd);
        errno = EXDEV;
        return -1;
    }
    return fd;
}

int spy__via_open(spy__via *v, int writing, int *fd, spy_err *err) {
    int oflags = O_CLOEXEC | O_NONBLOCK | (writing ? O_RDWR : O_RDONLY);
    int i, rc, refused = 0, mf_refused = 0;
    char path[96];
    uint8_t b;

    *fd = -1;
    v->how = SPY__VIA_NONE;
    /* 1. Its own path, when it still names it. */
    if ((v->kind == SPY_KIND_POSIX || v->kind == SPY_KIND_SEM ||
         v->kind == SPY_KIND_FILE) &&
        !v->removed && v->path[0] == '/') {
        *fd = open_checked(v, v->path, oflags | O_NOFOLLOW);
        if (*fd >= 0) {
            v->how = SPY__VIA_PATH;
            snprintf(v->opened, sizeof v->opened, "%.90s", v->path);
            return 0;
        }
        refused |= errno == EACCES || errno == EPERM;
    }
    /* 2. A descriptor some process holds: the named process's first, then
     * (one scan) any other's. */
    for (i = 0;; i++) {
        if (i == v->nhold && !v->scanned) {
            v->scanned = 1;
            other_holders(v); /* appends those not known yet */
        }
        if (i >= v->nhold)
            break;
        snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)v->hold_pid[i],
                 (int)v->hold_fd[i]);
        *fd = open_checked(v, path, oflags);
        if (*fd >= 0) {
            v->how = SPY__VIA_HOLDER_FD;
            v->hpid = v->hold_pid[i];
            v->hfd = v->hold_fd[i];
            snprintf(v->opened, sizeof v->opened, "%s", path);
            return 0;
        }
        refused |= errno == EACCES || errno == EPERM;
    }
    if (!v->has_map) {
        if (refused)
            return refusal(v, "open the descriptor", 0, err);
        return spy_err_set(err, SPY_ENOENT, 0,
                           "%s: process %d neither holds nor maps it any "
                           "more",
                           v->name, (int)v->pid);
    }
    /* 3. /proc/PID/map_files (CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE). */
    snprintf(path, sizeof path, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
             (int)v->pid, v->start, v->end);
    *fd = open_checked(v, path, oflags);
    if (*fd >= 0) {
        v->how = SPY__VIA_MAP_FILES;
        snprintf(v->opened, sizeof v->opened, "%s", path);
        return 0;
    }
    mf_refused = errno == EACCES || errno == EPERM;
    /* 4. The process's memory, that one mapping. */
    rc = spy_procmem_read(v->pid, v->start, v->end, v->start, &b, 1, NULL);
    if (rc == 0 && !spy__via_alive(v))
        rc = SPY_ENOENT;
    if (rc == 0 && writing) {
        /* Writes go through a descriptor of this process's memory, opened
         * while the pidfd says it lives: no check-then-write window. */
        if (v->pidfd < 0 && v->started == 0)
            return spy_err_set(err, SPY_ENOTSUP, 0,
                               "%s: writing through process %d's memory "
                               "needs a way to be sure the pid is still that "
                               "process (pidfd_open, or /proc/PID/stat)",
                               v->name, (int)v->pid);
        snprintf(path, sizeof path, "/proc/%d/mem", (int)v->pid);
        v->mem_fd = open(path, O_RDWR | O_CLOEXEC);
        if (v->mem_fd < 0)
            return refusal(v, "write its memory", mf_refused, err);
        if (!spy__via_alive(v))
            rc = SPY_ENOENT;
    }
    if (rc == 0) {
        v->how = SPY__VIA_PROCESS;
        snprintf(v->opened, sizeof v->opened, "/proc/%d/mem", (int)v->pid);
        return 0;
    }
    if (rc == SPY_ENOENT)
        return no_process(v, err);
    if (rc == SPY_EFAULT)
        return spy_err_set(err, SPY_EFAULT, 0,
                           "%s: process %d no longer maps 0x%" PRIx64, v->name,
                           (int)v->pid, v->start);
    return refusal(v, "reach its memory", mf_refused, err);
}

int spy__via_alive(const spy__via *v) {
    struct pollfd p;
    if (v->pidfd < 0)
        return v->started == 0 || start_time(v->pid) == v->started;
    p.fd = v->pidfd;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) == 0;
}

int spy__via_write(const spy__via *v, uint64_t addr, const void *src,
                   size_t len, spy_err *err) {
    const uint8_t *p = src;

    if (v->mem_fd < 0)
        return spy_err_set(err, SPY_EROFS, 0,
                           "process %d: its memory was not opened for writing",
                           (int)v->pid);
    if (addr < v->start || addr > v->end || len > v->end - addr)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "process %d: %zu bytes at 0x%" PRIx64
                           " are outside its mapping 0x%" PRIx64 "-0x%" PRIx64,
                           (int)v->pid, len, addr, v->start, v->end);
    while (len > 0) {
        ssize_t n = pwrite(v->mem_fd, p, len, (off_t)addr);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n == 0 ? ESRCH : errno;
            if (e == ESRCH || !spy__via_alive(v))
                return spy_err_set(err, SPY_ENOENT, e, "process %d: has exited",
                                   (int)v->pid);
            return spy_err_set(err, SPY_EFAULT, e,
                               "process %d: address 0x%" PRIx64
                               " is no longer mapped or not writable: %s",
                               (int)v->pid, addr, strerror(e));
        }
        addr += (uint64_t)n;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void spy__via_release(spy__via *v) {
    if (v != NULL && v->pidfd >= 0) {
        close(v->pidfd);
        v->pidfd = -1;
    }
    if (v != NULL && v->mem_fd >= 0) {
        close(v->mem_fd);
        v->mem_fd = -1;
    }
}

void spy__via_access(const spy__via *v, spy_access *out) {
    memset(out, 0, sizeof *out);
    out->pid = v->how == SPY__VIA_HOLDER_FD ? v->hpid : v->pid;
    out->addr = v->start;
    if (out->pid > 0 && v->how != SPY__VIA_PATH)
        spy__proc_comm(out->pid, out->comm, sizeof out->comm);
    switch (v->how) {
    case SPY__VIA_PATH:
        out->kind = SPY_ACCESS_DESCRIPTOR;
        out->pid = 0;
        snprintf(out->text, sizeof out->text,
                 "through its path %.200s (read with pread)", v->path);
        break;
    case SPY__VIA_HOLDER_FD:
        out->kind = SPY_ACCESS_HOLDER_FD;
        out->fd = v->hfd;
        snprintf(out->text, sizeof out->text,
                 "through process %d's descriptor %d (%s)", (int)v->hpid,
                 (int)v->hfd, v->opened);
        break;
    case SPY__VIA_MAP_FILES:
        out->kind = SPY_ACCESS_MAP_FILES;
        snprintf(out->text, sizeof out->text, "through %s", v->opened);
        break;
    case SPY__VIA_PROCESS:
        out->kind = SPY_ACCESS_PROCESS;
        snprintf(out->text, sizeof out->text,
                 "through process %d's memory at 0x%" PRIx64 "-0x%" PRIx64
                 " (offset 0 is object offset 0x%" PRIx64 ")",
                 (int)v->pid, v->start, v->end, v->offset);
        break;
    default:
        out->kind = SPY_ACCESS_NONE;
        snprintf(out->text, sizeof out->text, "not reached");
        break;
    }
}

int32_t spy__via_seals(int fd) {
#ifdef F_GET_SEALS
    int s = fcntl(fd, F_GET_SEALS);
    /* Linux's F_SEAL_* values are SPY_SEAL_*'s. */
    return s < 0 ? -1 : (int32_t)(s & 0x1f);
#else
    (void)fd;
    return -1;
#endif
}

void spy__via_fill_info(const spy__via *v, int fd, spy_seg_info *info) {
    snprintf(info->name, sizeof info->name, "%s", v->name);
    info->kind = v->kind;
    snprintf(info->origin, sizeof info->origin, "%s", v->origin);
    info->removed = v->kind == SPY_KIND_POSIX || v->kind == SPY_KIND_SEM ||
                            v->kind == SPY_KIND_FILE
                        ? v->removed
                        : 0;
    if (v->removed)
        snprintf(info->problem, sizeof info->problem,
                 "the name was removed; the memory lives until the last "
                 "process unmaps it");
    if (fd >= 0) {
        info->seals = v->kind == SPY_KIND_MEMFD ? spy__via_seals(fd) : -1;
        return;
    }
    info->size = v->end - v->start;
    /* No mode without a descriptor: what the mapping allows its owner. */
    info->mode =
        (v->perms[0] == 'r' ? 0400u : 0) | (v->perms[1] == 'w' ? 0200u : 0);
    info->uid = v->puid;
    user_name(v->puid, info->owner, sizeof info->owner);
    info->dev = v->dev;
    info->ino = v->ino;
}
