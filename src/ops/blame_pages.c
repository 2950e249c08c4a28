/* blame_pages.c - page-level attribution per interval (ops/blame_pages.h).
 *
 * The session keeps the mappings armed by the last clear (pid, address
 * range, offset into the segment). A tick reads each armed mapping's bits
 * into a per-pid list of segment pages, then lists the mappers afresh and
 * clears each distinct pid once. A mapping made after its process's clear
 * is never read in that interval: the kernel marks a new mapping wholly
 * soft-dirty, which would blame every page on it. */
#include "blame_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/dirtypages.h"
#include "../backends/mappers.h"
#include "../backends/process.h"

typedef struct armed {
    int pid;
    char comm[64];
    uint64_t start, end, offset;
} armed;

struct spy_pages_session {
    spy_seg *seg;
    spy_seg_info info;
    uint64_t ps, t0, last_ms, index;
    armed *armed;
    size_t narmed, armed_cap;
    spy_pages_writer *writers; /* this interval's; pages owned */
    size_t nwriters, writers_cap;
    uint8_t *bits; /* scratch for one mapping's bits */
    size_t bits_cap;
};

/* ---- listing and clearing ---------------------------------------------- */

typedef struct collect {
    armed *list;
    size_t n, cap;
    int nomem;
} collect;

static int on_mapper(const spy_mapper *m, void *arg) {
    collect *c = arg;
    armed *a;
    if (m->handle_only || m->fd >= 0 || m->end <= m->start)
        return 0; /* a holder, or a handle without a view: no pages */
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        armed *nl = realloc(c->list, nc * sizeof *nl);
        if (nl == NULL) {
            c->nomem = 1;
            return 1;
        }
        c->list = nl;
        c->cap = nc;
    }
    a = &c->list[c->n++];
    a->pid = m->pid;
    snprintf(a->comm, sizeof a->comm, "%s", m->comm);
    a->start = m->start;
    a->end = m->end;
    a->offset = m->offset;
    return 0;
}

/* Lists the mappers and clears every distinct pid once; the mappings of
 * those cleared become the armed set. *refused and *refusal count and say the
 * refusals; *nmappers is how many distinct processes map the segment. */
static int arm(spy_pages_session *s, unsigned *refused, char *refusal,
               size_t rcap, unsigned *nmappers, int *hidden, spy_err *err) {
    collect c = {NULL, 0, 0, 0};
    size_t i, j;
    int rc;
    *refused = 0;
    *nmappers = 0;
    *hidden = 0;
    refusal[0] = '\0';
    rc = spy_mappers(&s->info, on_mapper, &c, hidden, err);
    if (rc == 0 && c.nomem)
        rc = spy_err_set(err, SPY_ENOMEM, 0, "blame --pages: out of memory");
    if (rc != 0) {
        free(c.list);
        return rc;
    }
    s->narmed = 0;
    for (i = 0; i < c.n; i++) {
        int seen = 0, cleared = 0;
        spy_err e;
        for (j = 0; j < i; j++)
            if (c.list[j].pid == c.list[i].pid)
                seen = 1;
        if (seen)
            continue;
        (*nmappers)++;
        rc = spy_dirty_clear(c.list[i].pid, &e);
        if (rc == SPY_ENOTSUP) {
            free(c.list);
            *err = e;
            return rc;
        }
        if (rc == 0) {
            cleared = 1;
        } else if (rc != SPY_ENOENT) {
            if (*refused == 0)
                snprintf(refusal, rcap, "%s", e.msg);
            (*refused)++;
        }
        if (!cleared)
            continue;
        for (j = i; j < c.n; j++) {
            if (c.list[j].pid != c.list[i].pid)
                continue;
            if (s->narmed == s->armed_cap) {
                size_t nc = s->armed_cap ? s->armed_cap * 2 : 16;
                armed *na = realloc(s->armed, nc * sizeof *na);
                if (na == NULL) {
                    free(c.list);
                    return spy_err_set(err, SPY_ENOMEM, 0,
                                       "blame --pages: out of memory");
                }
                s->armed = na;
                s->armed_cap = nc;
            }
            s->armed[s->narmed++] = c.list[j];
        }
    }
    free(c.list);
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

static void writers_clear(spy_pages_session *s) {
    size_t i;
    for (i = 0; i < s->nwriters; i++)
        free(s->writers[i].pages);
    s->nwriters = 0;
}

static spy_pages_writer *writer_of(spy_pages_session *s, const armed *a) {
    size_t i;
    spy_pages_writer *w;
    for (i = 0; i < s->nwriters; i++)
        if (s->writers[i].pid == a->pid)
            return &s->writers[i];
    if (s->nwriters == s->writers_cap) {
        size_t nc = s->writers_cap ? s->writers_cap * 2 : 8;
        spy_pages_writer *nw = realloc(s->writers, nc * sizeof *nw);
        if (nw == NULL)
            return NULL;
        s->writers = nw;
        s->writers_cap = nc;
    }
    w = &s->writers[s->nwriters++];
    memset(w, 0, sizeof *w);
    w->pid = a->pid;
    snprintf(w->comm, sizeof w->comm, "%s", a->comm);
    return w;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_writer(const void *a, const void *b) {
    const spy_pages_writer *x = a, *y = b;
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Adds the dirty pages of armed mapping a to its process's writer. */
static int read_one(spy_pages_session *s, const armed *a, unsigned *refused,
                    char *refusal, size_t rcap, spy_err *err) {
    uint64_t seg_pages = (spy_seg_len(s->seg) + s->ps - 1) / s->ps;
    uint64_t first = a->offset / s->ps;
    size_t n = (size_t)((a->end - a->start) / s->ps), i, ndirty = 0;
    spy_pages_writer *w;
    spy_err e;
    int rc;
    if (first >= seg_pages)
        return 0;
    if (n > seg_pages - first)
        n = (size_t)(seg_pages - first);
    if (n > s->bits_cap) {
        uint8_t *nb = realloc(s->bits, n);
        if (nb == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0,
                               "blame --pages: out of memory");
        s->bits = nb;
        s->bits_cap = n;
    }
    rc = spy_dirty_read(a->pid, a->start, n, s->bits, &e);
    if (rc == SPY_ENOTSUP) {
        *err = e;
        return rc;
    }
    if (rc == SPY_ENOENT)
        return 0; /* exited: its writes went with it */
    if (rc != 0) {
        if (*refused == 0 && refusal[0] == '\0')
            snprintf(refusal, rcap, "%s", e.msg);
        (*refused)++;
        return 0;
    }
    for (i = 0; i < n; i++)
        ndirty += s->bits[i] != 0;
    if (ndirty == 0)
        return 0;
    w = writer_of(s, a);
    if (w != NULL) {
        uint64_t *np = realloc(w->pages, (w->npages + ndirty) * sizeof *np);
        if (np != NULL) {
            w->pages = np;
            for (i = 0; i < n; i++)
                if (s->bits[i])
                    w->pages[w->npages++] = first + i;
            return 0;
        }
    }
    return spy_err_set(err, SPY_ENOMEM, 0, "blame --pages: out of memory");
}

/* ---- the session --------------------------------------------------------- */

int spy_pages_start(spy_seg *seg, spy_pages_session **out, spy_err *err) {
    spy_pages_session *s = calloc(1, sizeof *s);
    unsigned refused, nmappers;
    char refusal[SPY_ERR_MSG_MAX];
    int hidden, rc;
    *out = NULL;
    if (s == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "blame --pages: out of memory");
    s->seg = seg;
    s->ps = spy_page_size();
    rc = spy_seg_stat(seg, &s->info, err);
    if (rc == 0)
        rc = arm(s, &refused, refusal, sizeof refusal, &nmappers, &hidden, err);
    if (rc == 0 && nmappers > 0 && refused == nmappers)
        rc = spy_err_set(err, SPY_EACCES, 0, "%s", refusal);
    if (rc != 0) {
        spy_pages_stop(s);
        return rc;
    }
    s->t0 = spy_monotonic_ms();
    s->last_ms = 0;
    *out = s;
    return 0;
}

int spy_pages_tick(spy_pages_session *s, spy_pages_interval *out,
                   spy_err *err) {
    unsigned refused = 0, arm_refused = 0, nmappers = 0;
    char arm_refusal[SPY_ERR_MSG_MAX];
    size_t i;
    int hidden = 0, rc = 0;
    memset(out, 0, sizeof *out);
    writers_clear(s);
    out->start_ms = s->last_ms;
    for (i = 0; i < s->narmed && rc == 0; i++)
        rc = read_one(s, &s->armed[i], &refused, out->refusal,
                      sizeof out->refusal, err);
    out->end_ms = spy_monotonic_ms() - s->t0;
    if (rc != 0)
        return rc;
    for (i = 0; i < s->narmed; i++) {
        size_t j;
        int dup = 0;
        for (j = 0; j < i; j++)
            dup |= s->armed[j].pid == s->armed[i].pid;
        out->watched += !dup;
    }
    for (i = 0; i < s->nwriters; i++) {
        spy_pages_writer *w = &s->writers[i];
        size_t j, k = 0;
        qsort(w->pages, w->npages, sizeof *w->pages, cmp_u64);
        for (j = 0; j < w->npages; j++) /* two mappings of one page */
            if (k == 0 || w->pages[k - 1] != w->pages[j])
                w->pages[k++] = w->pages[j];
        w->npages = k;
    }
    qsort(s->writers, s->nwriters, sizeof *s->writers, cmp_writer);
    rc = arm(s, &arm_refused, arm_refusal, sizeof arm_refusal, &nmappers,
             &hidden, err);
    if (rc != 0)
        return rc;
    s->last_ms = out->end_ms;
    out->index = ++s->index;
    out->writers = s->writers;
    out->nwriters = s->nwriters;
    out->refused = refused + arm_refused;
    out->hidden = hidden;
    if (out->refusal[0] == '\0')
        snprintf(out->refusal, sizeof out->refusal, "%s", arm_refusal);
    return 0;
}

uint64_t spy_pages_page_size(const spy_pages_session *s) {
    return s->ps;
}

void spy_pages_stop(spy_pages_session *s) {
    if (s == NULL)
        return;
    writers_clear(s);
    free(s->writers);
    free(s->armed);
    free(s->bits);
    free(s);
}

/* ---- text -----------------------------------------------------------------
 */

/* Appends text to buf at *pos if it fits with room for the tail; 0 when
 * it did not. */
static int put(char *buf, size_t cap, size_t *pos, const char *text) {
    size_t n = strlen(text);
    if (buf == NULL)
        return 1;
    if (*pos + n + 24 >= cap) /* room for ", ... (N more)" */
        return 0;
    memcpy(buf + *pos, text, n + 1);
    *pos += n;
    return 1;
}

void spy_pages_runs_text(const uint64_t *pages, size_t n, uint64_t page_size,
                         char *buf, size_t cap, char *offs, size_t ocap) {
    size_t i = 0, pos = 0, opos = 0, runs = 0, bruns = 0, oruns = 0, total = 0;
    size_t j;
    int full = 0, ofull = offs == NULL;
    if (cap > 0)
        buf[0] = '\0';
    if (offs != NULL && ocap > 0)
        offs[0] = '\0';
    for (j = 0; j < n; j++) /* how many runs there are */
        if (j == 0 || pages[j] != pages[j - 1] + 1)
            total++;
    while (i < n && !(full && ofull)) {
        char t[64], o[80];
        size_t k = i;
        while (k + 1 < n && pages[k + 1] == pages[k] + 1)
            k++;
        if (k == i)
            snprintf(t, sizeof t, "%s%llu", runs ? ", " : "",
                     (unsigned long long)pages[i]);
        else
            snprintf(t, sizeof t, "%s%llu-%llu", runs ? ", " : "",
                     (unsigned long long)pages[i],
                     (unsigned long long)pages[k]);
        snprintf(o, sizeof o, "%s0x%llx-0x%llx", runs ? ", " : "",
                 (unsigned long long)(pages[i] * page_size),
                 (unsigned long long)((pages[k] + 1) * page_size - 1));
        if (!full && put(buf, cap, &pos, t))
            bruns++;
        else
            full = 1;
        if (!ofull && put(offs, ocap, &opos, o))
            oruns++;
        else
            ofull = 1;
        runs++;
        i = k + 1;
    }
    if (bruns < total)
        snprintf(buf + pos, cap - pos, ", ... (%zu more)", total - bruns);
    if (offs != NULL && oruns < total)
        snprintf(offs + opos, ocap - opos, ", ... (%zu more)", total - oruns);
}
