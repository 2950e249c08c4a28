/* list.c - gathering and ordering list rows (list.h). */
#include "list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/seg.h"
#include "locks.h"

/* Row texts live in 64 KiB blocks that never move: one allocation per
 * few thousand rows instead of one per row. */
typedef struct spy__text_block {
    struct spy__text_block *next;
    size_t used, cap;
    char data[];
} text_block;

static char *text_alloc(spy_list *r, size_t n) {
    text_block *b = r->texts;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = malloc(sizeof *b + cap);
        if (b == NULL)
            return NULL;
        b->next = r->texts;
        b->used = 0;
        b->cap = cap;
        r->texts = b;
    }
    b->used += n;
    return b->data + b->used - n;
}

/* text_alloc for an array of n bytes aligned for any object. */
static void *text_alloc_aligned(spy_list *r, size_t n) {
    char *p = text_alloc(r, n + sizeof(uint64_t));
    uintptr_t a = (uintptr_t)p;
    if (p == NULL)
        return NULL;
    return p + (sizeof(uint64_t) - a % sizeof(uint64_t)) % sizeof(uint64_t);
}

/* Fills the sem_ fields of row from the semaphore itself (ops/locks.h).
 * -1 on ENOMEM. */
static int sem_state(spy_list *r, spy_list_row *w) {
    spy_sem_report sr;
    spy_err e;
    int rc = spy_sem_report_of(w->name, &sr, &e);
    if (rc == SPY_ENOMEM) {
        spy_sem_report_free(&sr);
        return -1;
    }
    if (sr.decoded) {
        w->sem_value = sr.value;
        w->sem_waiters = sr.waiters;
    }
    if (sr.waiters_known) {
        spy_waiter *v = text_alloc_aligned(r, sr.nsleepers * sizeof *v + 1);
        if (v == NULL) {
            spy_sem_report_free(&sr);
            return -1;
        }
        if (sr.nsleepers > 0)
            memcpy(v, sr.sleepers, sr.nsleepers * sizeof *v);
        w->sem_waiting = v;
        w->sem_nwaiting = sr.nsleepers;
        w->sem_unreadable = sr.unreadable;
    }
    if (sr.error[0] != '\0') {
        char *t = text_alloc(r, strlen(sr.error) + 1);
        if (t == NULL) {
            spy_sem_report_free(&sr);
            return -1;
        }
        w->sem_error = strcpy(t, sr.error);
    }
    spy_sem_report_free(&sr);
    return 0;
}

static int collect(const spy_seg_info *info, void *arg) {
    spy_list *r = arg;
    spy_list_row *w;
    size_t nl = strlen(info->name), pl = strlen(info->problem),
           ol = strlen(info->origin);
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        spy_list_row *v = realloc(r->v, cap * sizeof *v);
        if (v == NULL)
            return r->oom = 1;
        r->v = v;
        r->cap = cap;
    }
    w = &r->v[r->n];
    w->name = text_alloc(r, nl + pl + ol + 3);
    if (w->name == NULL)
        return r->oom = 1;
    memcpy(w->name, info->name, nl + 1);
    memcpy(w->name + nl + 1, info->problem, pl + 1);
    w->problem = w->name + nl + 1;
    memcpy(w->name + nl + pl + 2, info->origin, ol + 1);
    w->origin = w->name + nl + pl + 2;
    w->allocated = info->allocated;
    w->seals = info->seals;
    w->holders = info->holders;
    w->holders_min = info->holders >= 0 ? info->holders : info->holders_min;
    w->kind = info->kind;
    w->size = info->size;
    w->mode = info->mode;
    w->uid = info->uid;
    w->gid = info->gid;
    if (r->owner == NULL || strcmp(r->owner, info->owner) != 0) {
        char *t = text_alloc(r, strlen(info->owner) + 1);
        if (t == NULL)
            return r->oom = 1;
        r->owner = strcpy(t, info->owner);
    }
    if (r->group == NULL || strcmp(r->group, info->group) != 0) {
        char *t = text_alloc(r, strlen(info->group) + 1);
        if (t == NULL)
            return r->oom = 1;
        r->group = strcpy(t, info->group);
    }
    w->owner = r->owner;
    w->group = r->group;
    w->atime = info->atime;
    w->mtime = info->mtime;
    w->ctime = info->ctime;
    w->key = info->key;
    w->nattch = info->nattch;
    w->nattch_min = info->nattch >= 0 ? info->nattch : info->nattch_min;
    w->removed = info->removed;
    w->sysv_status = info->sysv_status;
    w->cuid = info->cuid;
    w->cgid = info->cgid;
    w->dtime = info->dtime;
    w->shmid = info->shmid;
    w->cpid = info->cpid;
    w->lpid = info->lpid;
    w->dev = info->dev;
    w->ino = info->ino;
    w->sem_value = -1;
    w->sem_waiters = -1;
    w->sem_waiting = NULL;
    w->sem_nwaiting = 0;
    w->sem_unreadable = 0;
    w->sem_error = "";
    r->n++;
    return 0;
}

int spy_list_gather(unsigned flags, spy_list *out, spy_err *err) {
    int rc;

    memset(out, 0, sizeof *out);
    rc = spy_backend_list(flags & ~SPY_LIST_SEM_STATE, collect, out, err);
    if (!out->oom && (flags & SPY_LIST_SEM_STATE)) {
        size_t i;
        for (i = 0; i < out->n && !out->oom; i++)
            if (out->v[i].kind == SPY_KIND_SEM && out->v[i].problem[0] == '\0')
                out->oom = sem_state(out, &out->v[i]) != 0;
    }
    if (out->oom) {
        spy_list_free(out);
        return spy_err_set(err, SPY_ENOMEM, 0, "list: out of memory");
    }
    return rc;
}

int spy_list_row_sem(const spy_list_row *row, spy_sem_report *view) {
    memset(view, 0, sizeof *view);
    if (row->kind != SPY_KIND_SEM ||
        (row->sem_value < 0 && row->sem_error[0] == '\0'))
        return 0;
    view->decoded = row->sem_value >= 0;
    view->value = row->sem_value >= 0 ? (uint32_t)row->sem_value : 0;
    view->waiters = row->sem_waiters >= 0 ? (uint32_t)row->sem_waiters : 0;
    view->waiters_known = row->sem_waiting != NULL;
    /* Borrowed, never freed through the view (see list.h). */
    view->sleepers = (spy_waiter *)(uintptr_t)row->sem_waiting;
    view->nsleepers = row->sem_nwaiting;
    view->unreadable = row->sem_unreadable;
    snprintf(view->error, sizeof view->error, "%s", row->sem_error);
    return 1;
}

void spy_list_free(spy_list *l) {
    while (l->texts != NULL) {
        text_block *next = l->texts->next;
        free(l->texts);
        l->texts = next;
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int by_name(const spy_list_row *x, const spy_list_row *y) {
    if (x->kind == SPY_KIND_SYSV && y->kind == SPY_KIND_SYSV)
        return (x->shmid > y->shmid) - (x->shmid < y->shmid);
    return strcmp(x->name, y->name);
}

/* Larger first. */
static int desc_u64(uint64_t a, uint64_t b) {
    return (a < b) - (a > b);
}
static int desc_i64(int64_t a, int64_t b) {
    return (a < b) - (a > b);
}

int spy_list_row_cmp(const spy_list_row *a, const spy_list_row *b,
                     spy_list_order o) {
    int c = 0;
    switch (o) {
    case SPY_ORDER_SIZE:
        c = desc_u64(a->size, b->size);
        break;
    case SPY_ORDER_TIME:
        c = desc_i64(a->mtime, b->mtime);
        break;
    case SPY_ORDER_MAPPERS: /* an unknown count by what was seen */
        c = desc_i64(a->nattch >= 0 ? a->nattch : a->nattch_min,
                     b->nattch >= 0 ? b->nattch : b->nattch_min);
        break;
    case SPY_ORDER_NAME:
        break;
    }
    return c != 0 ? c : by_name(a, b);
}

/* qsort has no context argument; sorting is not reentrant across threads
 * (neither front end sorts from two threads). */
static spy_list_order sort_order;
static int sort_reverse;

static int cmp_rows(const void *a, const void *b) {
    int c = spy_list_row_cmp(a, b, sort_order);
    return sort_reverse ? -c : c;
}

void spy_list_sort(spy_list *l, spy_list_order o, int reverse) {
    sort_order = o;
    sort_reverse = reverse;
    if (l->n > 1)
        qsort(l->v, l->n, sizeof l->v[0], cmp_rows);
}

spy_list_group spy_list_row_group(const spy_list_row *row) {
    switch (row->kind) {
    case SPY_KIND_SYSV:
        return SPY_GROUP_SYSV;
    case SPY_KIND_WIN_SECTION:
        return SPY_GROUP_WIN;
    case SPY_KIND_MEMFD:
        return SPY_GROUP_MEMFD;
    case SPY_KIND_ANON:
        return SPY_GROUP_ANON;
    case SPY_KIND_FILE:
        return SPY_GROUP_FILE;
    case SPY_KIND_POSIX:
    case SPY_KIND_SEM:
        return row->removed == 1 ? SPY_GROUP_REMOVED : SPY_GROUP_POSIX;
    case SPY_KIND_OTHER:
        break;
    }
    return SPY_GROUP_POSIX; /* entries of /dev/shm that are not objects */
}

const char *spy_list_group_title(spy_list_group g) {
    static const char *const titles[SPY_GROUP_COUNT] = {
        "POSIX shared memory",
        "POSIX shared memory removed, still mapped or held",
        "System V shared memory",
        "Named sections",
        "memfd",
        "Anonymous shared memory",
        "Files mapped shared"};
    return (unsigned)g < SPY_GROUP_COUNT ? titles[g] : "?";
}

spy_unused spy_list_row_unused(const spy_list_row *row) {
    if (row->kind == SPY_KIND_OTHER || row->problem[0] != '\0')
        return SPY_UNUSED_NO;
    if (row->kind == SPY_KIND_SYSV && (row->sysv_status & SPY_SYSV_DEST))
        return SPY_UNUSED_NO;
    if (row->removed == 1 && row->kind != SPY_KIND_SYSV)
        return SPY_UNUSED_NO;
    if (row->nattch > 0 || row->nattch_min > 0 || row->holders > 0 ||
        row->holders_min > 0)
        return SPY_UNUSED_NO;
    if (row->kind == SPY_KIND_SYSV)
        return row->nattch == 0 ? SPY_UNUSED_YES : SPY_UNUSED_UNKNOWN;
    return row->nattch == 0 && row->holders == 0 ? SPY_UNUSED_YES
                                                 : SPY_UNUSED_UNKNOWN;
}
