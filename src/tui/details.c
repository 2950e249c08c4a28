/* details.c - the browser's details pane: what `shmspy stat` shows for the
 * selected object, with the processes mapping it and at which address, so
 * that the same object can be seen at different addresses in different
 * processes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/demo.h"
#include "../backends/mappers.h"
#include "../backends/process.h"
#include "browser.h"

/* The line of what a row named through a process is (memfd, anonymous,
 * a file mapped shared, a removed POSIX object) and of what any row
 * holds: its origin, a memfd's seals, the processes holding a descriptor
 * ("N+" when some could not be inspected, "?" when none was seen then,
 * as the mappers), the memory
 * behind it against its size (holes). Into buf; "" when there is nothing
 * to say. */
static const char *extra_text(const spy__brow *r, char *buf, size_t cap) {
    char origin[300], seals[64], held[16], alloc[32], size[32];
    size_t used = 0;

    buf[0] = '\0';
    if (r->kind == SPY_KIND_SYSV || spy__brow_unusable(r))
        return buf; /* shmctl's numbers are on the line above */
#define ADD(...)                                                               \
    do {                                                                       \
        if (used < cap)                                                        \
            used += (size_t)snprintf(buf + used, cap - used, __VA_ARGS__);     \
    } while (0)
    origin[0] = '\0';
    if (r->origin != NULL && r->origin[0] != '\0')
        spy__safe(r->origin, origin, sizeof origin);
    if (r->kind == SPY_KIND_MEMFD)
        ADD("memfd name %s   seals %s", origin[0] != '\0' ? origin : "?",
            spy_seals_text(r->seals, seals, sizeof seals));
    else if (r->kind == SPY_KIND_ANON)
        ADD("no name: %s",
            origin[0] != '\0' ? origin
            : spy_platform_get() == SPY_PLATFORM_WINDOWS
                ? "a section backed by the paging file"
                : "MAP_SHARED|MAP_ANONYMOUS, shared across fork");
    else if (r->removed == 1 && origin[0] != '\0')
        ADD("removed: was %s", origin);
    else if (origin[0] != '\0')
        ADD("%s %s", r->kind == SPY_KIND_FILE ? "file" : "origin", origin);
    /* Descriptors are looked for to memfds and POSIX objects only: an
     * anonymous region has none, a file's are not counted. */
    if (r->kind == SPY_KIND_MEMFD || r->kind == SPY_KIND_POSIX ||
        r->kind == SPY_KIND_SEM)
        ADD("%sheld open by %s", used > 0 ? "   " : "",
            spy_nattch_text(r->holders, r->holders_min, held, sizeof held));
    if (r->allocated > 0 && r->allocated < r->size)
        ADD("%sallocated %s of %s (holes: %s)", used > 0 ? "   " : "",
            spy__fmt_size(r->allocated, alloc, sizeof alloc),
            spy__fmt_size(r->size, size, sizeof size),
            spy__fmt_size(r->size - r->allocated, seals, sizeof seals));
    else if (r->allocated > 0)
        ADD("%sallocated %s", used > 0 ? "   " : "",
            spy__fmt_size(r->allocated, alloc, sizeof alloc));
#undef ADD
    return buf;
}

/* Mappers kept (and at most shown) per object. */
#define MAPS_KEEP 64
/* Fixed lines of the pane: title, three of metadata, the mappers head. */
#define FIXED_LINES 5

/* Counts the processes among the mappings: a process mapping the object
 * twice is one mapper with two mappings. The backends report mappings
 * process by process, so the last pid is tried first; out of memory for
 * the set of pids seen, a change of pid counts a new process. */
static void count_process(spy__bmaps *m, int32_t pid) {
    size_t i;

    if (m->procs > 0 && pid == m->last_pid)
        return;
    for (i = 0; i < m->npids; i++)
        if (m->pids[i] == pid)
            return;
    m->procs++;
    m->last_pid = pid;
    if (m->npids == m->pids_cap) {
        size_t cap = m->pids_cap > 0 ? m->pids_cap * 2 : 16;
        int32_t *p = realloc(m->pids, cap * sizeof *p);
        if (p == NULL)
            return;
        m->pids = p;
        m->pids_cap = cap;
    }
    m->pids[m->npids++] = pid;
}

static int keep_mapper(const spy_mapper *mp, void *arg) {
    spy__bmaps *m = arg;

    count_process(m, mp->pid);
    m->total++;
    if (m->n < m->cap)
        m->m[m->n++] = *mp;
    return 0;
}

uint64_t spy__details_scan(const spy__brow *r, spy__bmaps *m) {
    uint64_t t0 = spy_monotonic_ms();
    spy_seg_info *info;
    spy_err e;

    free(m->for_name);
    m->for_name = NULL;
    m->n = m->total = m->procs = m->npids = 0;
    m->hidden = 0;
    m->err[0] = '\0';
    if (m->m == NULL) {
        m->m = malloc(MAPS_KEEP * sizeof *m->m);
        if (m->m == NULL)
            return 0;
        m->cap = MAPS_KEEP;
    }
    info = malloc(sizeof *info);
    m->for_name = malloc(strlen(r->name) + 1);
    if (info == NULL || m->for_name == NULL) {
        free(info);
        return 0;
    }
    strcpy(m->for_name, r->name);
    if (spy__brow_unusable(r)) {
        free(info);
        return 0;
    }
    spy_seg_info_init(info);
    snprintf(info->name, sizeof info->name, "%s", r->name);
    info->kind = r->kind;
    info->size = r->size;
    info->dev = r->dev;
    info->ino = r->ino;
    info->key = r->key;
    info->shmid = r->shmid;
    info->removed = r->removed; /* the mappers' "(name removed)" */
    spy_err_clear(&e);
    if (spy_mappers(info, keep_mapper, m, &m->hidden, &e) != 0)
        snprintf(m->err, sizeof m->err, "%s", e.msg);
    free(info);
    return spy_monotonic_ms() - t0;
}

void spy__details_free(spy__bmaps *m) {
    free(m->for_name);
    free(m->m);
    free(m->pids);
    memset(m, 0, sizeof *m);
}

int spy__details_height(const spy__brow *r, const spy__bmaps *m) {
    int h = FIXED_LINES, max = LINES / 2;
    char extra[512];

    if (r == NULL)
        return 0;
    if (extra_text(r, extra, sizeof extra)[0] != '\0')
        h++;
    if (m->for_name != NULL && strcmp(m->for_name, r->name) == 0)
        h += (int)(m->n > 0 ? m->n + (m->total > m->n) : 0);
    if (spy__brow_unusable(r) || m->err[0] != '\0')
        h++;
    return h < max ? h : max;
}

static void draw_mappers(int y, int end, const spy__brow *r,
                         const spy__bmaps *m) {
    char both[64];
    size_t i;

    if (m->for_name == NULL || strcmp(m->for_name, r->name) != 0) {
        spy__put(y, 1, COLS - 1, SPY__R_LABEL, 0, "mappers: looking...");
        return;
    }
    /* Processes that could not be inspected may map it: a count is then
     * "at least", and none seen is "?", never 0. */
    if (m->total == 0 && (m->hidden != 0 || m->err[0] != '\0')) {
        spy__put(y, 1, COLS - 1, SPY__R_LABEL, 0,
                 "%s by ? (none seen; some processes could not be inspected)",
                 r->kind == SPY_KIND_WIN_SECTION ? "held" : "mapped");
        return;
    }
    /* The one vocabulary of the TUI: the mappers (the browser's MAPPERS
     * column) are processes; their mappings (on Windows, handles) are
     * told only where the counts differ. */
    both[0] = '\0';
    if (m->total != m->procs)
        snprintf(both, sizeof both, " (%llu %s%s)",
                 (unsigned long long)m->total,
                 r->kind == SPY_KIND_WIN_SECTION ? "handle" : "mapping",
                 m->total == 1 ? "" : "s");
    spy__put(y, 1, COLS - 1, SPY__R_LABEL, 0, "%s by %s%llu process%s%s%s%s",
             r->kind == SPY_KIND_WIN_SECTION ? "held" : "mapped",
             m->hidden != 0 || m->err[0] != '\0' ? "at least " : "",
             (unsigned long long)m->procs, m->procs == 1 ? "" : "es", both,
             m->hidden > 0 ? " (some processes could not be inspected)" : "",
             m->total > 0 ? ":" : "");
    for (i = 0; i < m->n && ++y < end; i++) {
        const spy_mapper *mp = &m->m[i];
        char comm[96], title[256];
        spy__safe(mp->comm, comm, sizeof comm);
        spy__safe(mp->title, title, sizeof title);
        if (mp->handle_only) { /* Windows: a handle; views not known */
            spy__put(y, 3, COLS - 3, SPY__R_NORMAL, 0,
                     "pid %-7d %-16.16s holds handle 0x%llx %-4.4s",
                     (int)mp->pid, comm, (unsigned long long)mp->handle,
                     mp->perms);
            continue;
        }
        spy__put(y, 3, COLS - 3, SPY__R_NORMAL, 0,
                 "pid %-7d %-16.16s 0x%012llx-0x%012llx %-4.4s off 0x%llx%s  "
                 "%s",
                 (int)mp->pid, comm, (unsigned long long)mp->start,
                 (unsigned long long)mp->end, mp->perms,
                 (unsigned long long)mp->offset,
                 mp->deleted == 1 ? " (name removed)" : "", title);
    }
    if (i == m->n && m->total > m->n && ++y < end)
        spy__put(y, 3, COLS - 3, SPY__R_LABEL, 0, "... and %llu more",
                 (unsigned long long)(m->total - m->n));
}

void spy__details_draw(int y, int h, const spy__brow *r, const spy__bmaps *m) {
    char size[32], rwx[12], a[32], mt[32], c[32], owner[96], group[96];
    char disp[512], extra[512];
    int end = y + h;

    if (r == NULL || h <= 0)
        return;
    spy__safe(r->owner, owner, sizeof owner);
    size[0] = '\0';
    if (r->size >= 1024)
        snprintf(size, sizeof size, " (%.1f %s)",
                 r->size >= (1u << 30)   ? (double)r->size / (1u << 30)
                 : r->size >= (1u << 20) ? (double)r->size / (1u << 20)
                                         : (double)r->size / 1024,
                 r->size >= (1u << 30)   ? "GiB"
                 : r->size >= (1u << 20) ? "MiB"
                                         : "KiB");
    spy__safe(r->group, group, sizeof group);
    spy__safe_name(r->name, disp, sizeof disp);
    spy__put(y, 0, COLS, SPY__R_BAR, 1, " details: %s", disp);
    if (++y >= end)
        return;
    spy__put(y, 1, COLS - 1, SPY__R_NORMAL, 0,
             "kind %s   size %llu%s   mode %04o %s   owner %s:%s "
             "(%u:%u)",
             spy_kind_name(r->kind), (unsigned long long)r->size, size,
             (unsigned)(r->mode & 07777),
             spy__fmt_mode(r->mode, rwx, sizeof rwx), owner, group,
             (unsigned)r->uid, (unsigned)r->gid);
    if (++y >= end)
        return;
    spy__put(y, 1, COLS - 1, SPY__R_NORMAL, 0,
             "modified %s   changed %s   accessed %s",
             spy__fmt_time(r->mtime, mt, sizeof mt),
             spy__fmt_time(r->ctime, c, sizeof c),
             spy__fmt_time(r->atime, a, sizeof a));
    if (++y >= end)
        return;
    if (r->kind == SPY_KIND_SYSV)
        spy__put(y, 1, COLS - 1, SPY__R_NORMAL, 0,
                 "key 0x%08llx   shmid %d   creator pid %d   last attach "
                 "pid %d   attached %d",
                 (unsigned long long)r->key, (int)r->shmid, (int)r->cpid,
                 (int)r->lpid, (int)r->nattch);
    else if (r->kind == SPY_KIND_WIN_SECTION) /* no device, no inode */
        spy__put(y, 1, COLS - 1, SPY__R_NORMAL, 0,
                 "a named section lives while any process holds a handle to "
                 "it or a view of it");
    else
        spy__put(y, 1, COLS - 1, SPY__R_NORMAL, 0, "device %llu   inode %llu",
                 (unsigned long long)r->dev, (unsigned long long)r->ino);
    if (++y >= end)
        return;
    if (extra_text(r, extra, sizeof extra)[0] != '\0') {
        spy__put(y, 1, COLS - 1, SPY__R_NORMAL, 0, "%s", extra);
        if (++y >= end)
            return;
    }
    if (spy__brow_unusable(r)) {
        char p[200];
        spy__safe(r->problem, p, sizeof p);
        spy__put(y++, 1, COLS - 1, SPY__R_ERROR, 0, "unusable: %s", p);
    } else if (m->err[0] != '\0') {
        spy__put(y++, 1, COLS - 1, SPY__R_ERROR, 0, "%s", m->err);
    }
    if (y < end && !spy__brow_unusable(r))
        draw_mappers(y, end, r, m);
}
