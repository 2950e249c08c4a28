/* list.c - gathering and ordering list rows (list.h). */
#include "list.h"

#include <stdlib.h>
#include <string.h>

#include "../backends/seg.h"

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
    r->n++;
    return 0;
}

int spy_list_gather(unsigned flags, spy_list *out, spy_err *err) {
    int rc;

    memset(out, 0, sizeof *out);
    rc = spy_backend_list(flags, collect, out, err);
    if (out->oom) {
        spy_list_free(out);
        return spy_err_set(err, SPY_ENOMEM, 0, "list: out of memory");
    }
    return rc;
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
