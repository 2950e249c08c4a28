/* blame.c - the blame session of ops/blame.h: backends/blame.h's hits
 * joined with the value now at the offset, the process's command and the
 * code location, and summed per writer.
 *
 * Code locations are looked up once per (pid, ip): each writer keeps its
 * distinct instruction addresses (its "sites"), so at 100,000 hits a
 * second the DWARF is read once per site, not per hit. The modules of a
 * process are read (spy_codeloc_prepare) as soon as it is armed, so a
 * writer that exits before its hits are symbolized still resolves. */
#include "blame.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../core/escape.h"

struct spy_blame_session {
    spy_seg *seg; /* borrowed */
    spy_blame *b;
    spy_blame_opts o;
    spy_codelocs *cl; /* NULL when it could not be opened */
    uint64_t start_ns;
    uint64_t last_scan_ms;
    int *prepared; /* pids whose modules were read */
    size_t nprepared, capprepared;
    spy_blame_writer *w;
    size_t nw, capw;
    spy_blame_event ev;
    spy_blame_event_cb cb;
    void *arg;
    spy_err *cb_err;
};

/* On x86 a data breakpoint traps after the access: the instruction that
 * did it ends right before ip. Other CPUs report the instruction itself. */
static uint64_t access_ip(uint64_t ip) {
#if defined(__x86_64__) || defined(__i386__)
    return ip > 0 ? ip - 1 : ip;
#else
    return ip;
#endif
}

void spy_blame_where(const spy_codeloc *loc, int known, uint64_t ip, char *buf,
                     size_t cap) {
    char raw[1024];
    const char *base;
    if (!known) {
        snprintf(raw, sizeof raw, "0x%" PRIx64, ip);
    } else {
        base = strrchr(loc->module, '/');
        base = base != NULL ? base + 1 : loc->module;
        if (loc->function[0] != '\0' && loc->file[0] != '\0' && loc->line > 0)
            snprintf(raw, sizeof raw, "%s+0x%" PRIx64 " %s:%d (%s)",
                     loc->function, loc->func_off, loc->file, loc->line, base);
        else if (loc->function[0] != '\0')
            snprintf(raw, sizeof raw, "%s+0x%" PRIx64 " (%s)", loc->function,
                     loc->func_off, base);
        else if (loc->module[0] != '\0')
            snprintf(raw, sizeof raw, "%s+0x%" PRIx64, base, loc->module_off);
        else
            snprintf(raw, sizeof raw, "0x%" PRIx64, ip);
    }
    spy_escape(raw, buf, cap);
}

int spy_blame_field(spy_seg *seg, const spy_typed *t, uint64_t base,
                    const char *path, spy_blame_opts *o, int *usage,
                    spy_err *err) {
    spy_lfield f;
    int rc;
    *usage = 0;
    if ((rc = spy_typed_field(seg, t, base, path, &f, NULL, usage, err)) != 0)
        return rc;
    if (f.size != 1 && f.size != 2 && f.size != 4 && f.size != 8) {
        *usage = 1;
        return spy_err_set(err, SPY_EINVAL, 0,
                           "blame: field %s is %" PRIu64
                           " bytes: a watch is 1, 2, 4 or 8 (name a smaller "
                           "field, or use --pages)",
                           path != NULL && path[0] != '\0' ? path : "(struct)",
                           f.size);
    }
    if (f.offset % f.size != 0) {
        *usage = 1;
        return spy_err_set(err, SPY_EINVAL, 0,
                           "blame: field %s at offset 0x%" PRIx64
                           " is not aligned to its %" PRIu64
                           " bytes (the CPU watches aligned ranges only)",
                           path, f.offset, f.size);
    }
    o->off[0] = f.offset;
    o->noff = 1;
    o->len = (unsigned)f.size;
    return 0;
}

/* Reads the modules of every process armed and not yet read. */
static void prepare_new(spy_blame_session *s) {
    int pids[256];
    size_t n, i, j;
    if (s->cl == NULL)
        return;
    n = spy_blame_pids(s->b, pids, sizeof pids / sizeof pids[0]);
    if (n > sizeof pids / sizeof pids[0])
        n = sizeof pids / sizeof pids[0];
    for (i = 0; i < n; i++) {
        spy_err e;
        for (j = 0; j < s->nprepared; j++)
            if (s->prepared[j] == pids[i])
                break;
        if (j < s->nprepared)
            continue;
        if (s->nprepared == s->capprepared) {
            size_t cap = s->capprepared ? s->capprepared * 2 : 8;
            int *np = realloc(s->prepared, cap * sizeof *np);
            if (np == NULL)
                return;
            s->prepared = np;
            s->capprepared = cap;
        }
        s->prepared[s->nprepared++] = pids[i];
        (void)spy_codeloc_prepare(s->cl, pids[i], &e); /* best effort */
    }
}

int spy_blame_session_start(spy_seg *seg, const spy_blame_opts *o,
                            int allow_none, spy_blame_session **out,
                            spy_err *err) {
    spy_blame_session *s;
    spy_err e;
    int rc;

    *out = NULL;
    if ((s = calloc(1, sizeof *s)) == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "blame: out of memory");
    s->seg = seg;
    s->o = *o;
    s->start_ns = spy_monotonic_ms() * 1000000ULL;
    if ((rc = spy_blame_start(seg, o, allow_none, &s->b, err)) != 0) {
        free(s);
        return rc;
    }
    if (spy_codelocs_open(&s->cl, &e) != 0)
        s->cl = NULL;
    s->last_scan_ms = spy_monotonic_ms();
    prepare_new(s);
    *out = s;
    return 0;
}

static spy_blame_writer *writer_get(spy_blame_session *s,
                                    const spy_blame_hit *h) {
    size_t i;
    spy_blame_writer *w;
    for (i = 0; i < s->nw; i++)
        if (s->w[i].pid == h->pid)
            return &s->w[i];
    if (s->nw == s->capw) {
        size_t cap = s->capw ? s->capw * 2 : 8;
        spy_blame_writer *nw = realloc(s->w, cap * sizeof *nw);
        if (nw == NULL)
            return NULL;
        s->w = nw;
        s->capw = cap;
    }
    w = &s->w[s->nw++];
    memset(w, 0, sizeof *w);
    w->pid = h->pid;
    spy_escape(h->comm != NULL ? h->comm : "", w->comm, sizeof w->comm);
    return w;
}

static spy_blame_site *site_get(spy_blame_session *s, spy_blame_writer *w,
                                uint64_t ip) {
    size_t i;
    spy_blame_site *site;
    spy_err e;
    uint64_t at = access_ip(ip);
    int known;
    for (i = 0; i < w->nsites; i++)
        if (w->sites[i].ip == ip)
            return &w->sites[i];
    {
        spy_blame_site *ns = realloc(w->sites, (w->nsites + 1) * sizeof *ns);
        if (ns == NULL)
            return NULL;
        w->sites = ns;
    }
    site = &w->sites[w->nsites++];
    memset(site, 0, sizeof *site);
    site->ip = ip;
    known = s->cl != NULL &&
            spy_codeloc_find(s->cl, w->pid, at, &site->loc, &e) == 0;
    site->count = 0;
    spy_blame_where(&site->loc, known, at, site->where, sizeof site->where);
    /* loc_known travels in the event; keep it by module presence */
    if (!known)
        memset(&site->loc, 0, sizeof site->loc);
    return site;
}

static int on_hit(const spy_blame_hit *h, void *arg) {
    spy_blame_session *s = arg;
    spy_blame_event *ev = &s->ev;
    spy_blame_writer *w = writer_get(s, h);
    spy_blame_site *site;
    uint64_t rel = h->time_ns > s->start_ns ? h->time_ns - s->start_ns : 0;
    spy_err e;
    unsigned i;

    if (w == NULL || (site = site_get(s, w, h->ip)) == NULL) {
        spy_err_set(s->cb_err, SPY_ENOMEM, 0, "blame: out of memory");
        return SPY_ENOMEM;
    }
    if (w->count == 0)
        w->first_ns = rel;
    w->count++;
    w->last_ns = rel;
    site->count++;
    if (s->cb == NULL)
        return 0;
    memset(ev, 0, sizeof *ev);
    ev->hit = *h;
    ev->hit.comm = NULL;
    ev->rel_ns = rel;
    memcpy(ev->comm, w->comm, sizeof ev->comm);
    if (spy_seg_read(s->seg, h->off, ev->value, s->o.len, &e) == 0) {
        ev->value_len = s->o.len;
        for (i = s->o.len; i-- > 0;)
            ev->value_u = ev->value_u << 8 | ev->value[i];
    }
    ev->loc = site->loc;
    ev->loc_known = site->loc.module[0] != '\0';
    memcpy(ev->where, site->where, sizeof ev->where);
    return s->cb(ev, s->arg);
}

int spy_blame_session_step(spy_blame_session *s, int timeout_ms,
                           spy_blame_event_cb cb, void *arg, spy_err *err) {
    uint64_t now = spy_monotonic_ms();
    int rc;

    if (now - s->last_scan_ms >= SPY_BLAME_RESCAN_MS) {
        s->last_scan_ms = now;
        if ((rc = spy_blame_rescan(s->b, err)) != 0)
            return rc;
        prepare_new(s);
    } else if (timeout_ms > 0 &&
               (uint64_t)timeout_ms >
                   SPY_BLAME_RESCAN_MS - (now - s->last_scan_ms)) {
        timeout_ms = (int)(SPY_BLAME_RESCAN_MS - (now - s->last_scan_ms));
    }
    if (timeout_ms > SPY_BLAME_RESCAN_MS)
        timeout_ms = SPY_BLAME_RESCAN_MS;
    s->cb = cb;
    s->arg = arg;
    s->cb_err = err;
    rc = spy_blame_wait(s->b, timeout_ms, on_hit, s, err);
    s->cb = NULL;
    return rc;
}

static int writer_cmp(const void *x, const void *y) {
    const spy_blame_writer *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int site_cmp(const void *x, const void *y) {
    const spy_blame_site *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return a->ip < b->ip ? -1 : a->ip > b->ip;
}

void spy_blame_session_writers(spy_blame_session *s,
                               const spy_blame_writer **out, size_t *n) {
    size_t i;
    if (s->nw > 1)
        qsort(s->w, s->nw, sizeof *s->w, writer_cmp);
    for (i = 0; i < s->nw; i++)
        if (s->w[i].nsites > 1)
            qsort(s->w[i].sites, s->w[i].nsites, sizeof *s->w[i].sites,
                  site_cmp);
    *out = s->w;
    *n = s->nw;
}

void spy_blame_session_stats(const spy_blame_session *s, spy_blame_stats *out) {
    spy_blame_stats_get(s->b, out);
}

const spy_blame_opts *spy_blame_session_opts(const spy_blame_session *s) {
    return &s->o;
}

void spy_blame_session_stop(spy_blame_session *s) {
    size_t i;
    if (s == NULL)
        return;
    spy_blame_stop(s->b);
    if (s->cl != NULL)
        spy_codelocs_close(s->cl);
    for (i = 0; i < s->nw; i++)
        free(s->w[i].sites);
    free(s->w);
    free(s->prepared);
    free(s);
}
