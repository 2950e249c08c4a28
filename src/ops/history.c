/* history.c - the in-memory history (recording.h): a base image at the
 * window's start and the records since, each kept as the payload a file
 * would hold (core/recfmt.h, uncompressed), so that the timeline reads a
 * history with the same code as a file (rec_internal.h: the base image is
 * a keyframe whose pieces point into it). A record that falls out of the
 * window is folded into the base image (a delta's runs copied in, a
 * resize applied) and freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec_internal.h"

typedef struct hrec {
    spy_recfmt_entry e; /* type, t_ns, seq, size after, lo, hi, raw_len */
    uint8_t *data;      /* the payload, raw_len bytes (owned) */
} hrec;

struct spy_history {
    char name[256];
    uint64_t period_ns, window_ns, start_wall_ns;
    uint64_t limit; /* bytes held at most (0: none): spy_history_set_limit */
    int limited;    /* the limit folded records still in the window */
    /* The state at base_t: base_size bytes (base_cap allocated). */
    uint8_t *base;
    uint64_t base_size, base_cap, base_t, base_seq;
    uint64_t first_t; /* the time of the history's first image */
    int dropped;      /* something was folded or dropped */
    /* Records after base_t, oldest first: r[head .. head + n). */
    hrec *r;
    size_t head, n, cap;
    uint64_t rec_bytes;
    uint64_t last_t;
    uint64_t gen; /* bumped by every change (timelines resync) */
    /* Room for the runs of the largest delta added (fold decodes into
     * it: folding never allocates). */
    spy_recfmt_run *fold_runs;
    size_t fold_cap;
};

static int oom(spy_err *err) {
    return spy_err_set(err, SPY_ENOMEM, 0, "history: out of memory");
}

/* Makes the base hold size bytes, new bytes zero. */
static int base_resize(spy_history *h, uint64_t size) {
    if (size > h->base_cap) {
        uint8_t *nb;
        if (size > SIZE_MAX)
            return -1;
        nb = realloc(h->base, (size_t)size);
        if (nb == NULL)
            return -1;
        h->base = nb;
        h->base_cap = size;
    }
    if (size > h->base_size)
        memset(h->base + h->base_size, 0, (size_t)(size - h->base_size));
    h->base_size = size;
    return 0;
}

int spy_history_new(const char *name, uint64_t period_ns, uint64_t window_ns,
                    uint64_t t_ns, const uint8_t *img, uint64_t size,
                    spy_history **out, spy_err *err) {
    spy_history *h = calloc(1, sizeof *h);
    *out = NULL;
    if (h == NULL)
        return oom(err);
    snprintf(h->name, sizeof h->name, "%s", name);
    h->period_ns = period_ns;
    h->window_ns = window_ns;
    h->base_t = h->first_t = h->last_t = t_ns;
    if (base_resize(h, size) != 0) {
        free(h);
        return oom(err);
    }
    if (size > 0)
        memcpy(h->base, img, (size_t)size);
    *out = h;
    return 0;
}

void spy_history_set_start_wall(spy_history *h, uint64_t start_wall_ns) {
    h->start_wall_ns = start_wall_ns;
}

/* Applies record r to the base (it leaves the window). */
static void fold(spy_history *h, const hrec *r) {
    if (r->e.type == SPY_RECFMT_DELTA) {
        uint64_t size;
        size_t n = 0, i;
        /* (our own encoding, of at most fold_cap runs: it decodes) */
        if (spy_recfmt_delta_decode(r->data, r->e.raw_len, 0, &size, &n,
                                    h->fold_runs, h->fold_cap, NULL) != 0 ||
            n > h->fold_cap)
            return;
        if (size < h->base_size)
            memset(h->base + size, 0, (size_t)(h->base_size - size));
        if (base_resize(h, size) != 0)
            return; /* cannot happen: room was made when it was added */
        for (i = 0; i < n; i++)
            memcpy(h->base + h->fold_runs[i].off, h->fold_runs[i].data,
                   h->fold_runs[i].len);
    } else if (r->e.type == SPY_RECFMT_EVENT) {
        if (r->e.size < h->base_size)
            memset(h->base + r->e.size, 0, (size_t)(h->base_size - r->e.size));
        (void)base_resize(h, r->e.size);
    }
    h->base_seq = r->e.seq;
}

/* Folds the oldest record into the base and frees it. */
static void fold_oldest(spy_history *h) {
    hrec *r = &h->r[h->head];
    fold(h, r);
    h->rec_bytes -= r->e.raw_len;
    free(r->data);
    h->head++;
    h->n--;
}

/* The bytes the limit counts: the base and the records. */
static uint64_t held(const spy_history *h) {
    return h->base_cap + h->rec_bytes + h->n * sizeof(hrec);
}

/* Drops what is older than the window's start, then the oldest records
 * while more than the limit is held (the window shrinks: the base moves
 * to the time of the last record folded). */
static void trim(spy_history *h) {
    if (h->last_t - h->first_t > h->window_ns) {
        uint64_t start = h->last_t - h->window_ns;
        while (h->n > 0 && h->r[h->head].e.t_ns < start)
            fold_oldest(h);
        if (start > h->base_t) {
            h->base_t = start;
            h->dropped = 1;
        }
    }
    while (h->limit != 0 && h->n > 0 && held(h) > h->limit) {
        uint64_t t = h->r[h->head].e.t_ns;
        fold_oldest(h);
        if (t > h->base_t)
            h->base_t = t;
        h->dropped = 1;
        h->limited = 1;
    }
    if (h->head > 0 && h->head >= h->cap / 2) {
        memmove(h->r, h->r + h->head, h->n * sizeof *h->r);
        h->head = 0;
    }
}

/* Appends a record holding a copy of n bytes at p (owned on success). */
static int push(spy_history *h, uint8_t type, uint64_t t_ns, uint64_t seq,
                uint64_t size, uint64_t lo, uint64_t hi, uint8_t *data,
                size_t n, spy_err *err) {
    hrec *r;
    if (t_ns < h->last_t) {
        free(data);
        return spy_err_set(err, SPY_EINVAL, 0,
                           "history: record times go backwards (%llu after "
                           "%llu ns)",
                           (unsigned long long)t_ns,
                           (unsigned long long)h->last_t);
    }
    if (h->head + h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 64;
        hrec *nr = realloc(h->r, nc * sizeof *nr);
        if (nr == NULL) {
            free(data);
            return oom(err);
        }
        h->r = nr;
        h->cap = nc;
    }
    r = &h->r[h->head + h->n++];
    memset(&r->e, 0, sizeof r->e);
    r->e.type = type;
    r->e.t_ns = t_ns;
    r->e.seq = seq;
    r->e.size = size;
    r->e.lo = lo;
    r->e.hi = hi;
    r->e.raw_len = (uint32_t)n;
    r->e.stored_len = (uint32_t)n;
    r->data = data;
    h->rec_bytes += n;
    h->last_t = t_ns;
    h->gen++;
    trim(h);
    return 0;
}

static uint64_t cur_size(const spy_history *h) {
    return h->n > 0 ? h->r[h->head + h->n - 1].e.size : h->base_size;
}

int spy_history_add_delta(spy_history *h, uint64_t t_ns, uint64_t seq,
                          uint64_t size, const spy_rec_run *runs, size_t nruns,
                          spy_err *err) {
    spy_recfmt_run *rr;
    uint64_t bytes = 0;
    size_t i, len;
    uint8_t *data;

    for (i = 0; i < nruns; i++) {
        if (runs[i].len == 0 || runs[i].off > size ||
            runs[i].len > size - runs[i].off ||
            (i > 0 && runs[i].off < runs[i - 1].off + runs[i - 1].len))
            return spy_err_set(err, SPY_EINVAL, 0,
                               "history: delta run %zu (offset %llu, %u "
                               "bytes) unsorted, empty or past the size",
                               i, (unsigned long long)runs[i].off,
                               (unsigned)runs[i].len);
        bytes += runs[i].len;
    }
    if (nruns > UINT32_MAX / 64 ||
        bytes > UINT32_MAX - 20 * (uint64_t)nruns - 32)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "history: a delta of %llu bytes is too large",
                           (unsigned long long)bytes);
    /* Room in the base for the size it folds into later. */
    if (size > h->base_cap) {
        uint64_t keep = h->base_size;
        if (base_resize(h, size) != 0)
            return oom(err);
        h->base_size = keep;
    }
    if (nruns > h->fold_cap) {
        spy_recfmt_run *fr = realloc(h->fold_runs, nruns * sizeof *fr);
        if (fr == NULL)
            return oom(err);
        h->fold_runs = fr;
        h->fold_cap = nruns;
    }
    rr = malloc((nruns ? nruns : 1) * sizeof *rr);
    if (rr == NULL)
        return oom(err);
    for (i = 0; i < nruns; i++) {
        rr[i].off = runs[i].off;
        rr[i].len = runs[i].len;
        rr[i].data = runs[i].data;
    }
    len = spy_recfmt_delta_len(size, rr, nruns);
    data = malloc(len);
    if (data == NULL) {
        free(rr);
        return oom(err);
    }
    spy_recfmt_delta_encode(size, rr, nruns, data);
    free(rr);
    return push(h, SPY_RECFMT_DELTA, t_ns, seq, size, nruns ? runs[0].off : 0,
                nruns ? runs[nruns - 1].off + runs[nruns - 1].len : 0, data,
                len, err);
}

int spy_history_add_event(spy_history *h, uint64_t t_ns, uint64_t seq,
                          const spy_rec_event *ev, spy_err *err) {
    spy_recfmt_event e;
    uint8_t *data = malloc(20 + 2 + 256);
    uint64_t size = cur_size(h);
    size_t n;
    if (data == NULL)
        return oom(err);
    memset(&e, 0, sizeof e);
    e.kind = (uint32_t)ev->kind;
    e.a = ev->a;
    e.b = ev->b;
    snprintf(e.text, sizeof e.text, "%s", ev->text);
    n = spy_recfmt_event_encode(&e, data);
    if (ev->kind == SPY_REC_EV_RESIZE || ev->kind == SPY_REC_EV_RECREATED) {
        size = ev->b;
        if (size > h->base_cap) {
            uint64_t keep = h->base_size;
            if (base_resize(h, size) != 0) {
                free(data);
                return oom(err);
            }
            h->base_size = keep;
        }
    }
    return push(h, SPY_RECFMT_EVENT, t_ns, seq, size, 0, UINT64_MAX, data, n,
                err);
}

int spy_history_add_hit(spy_history *h, uint64_t t_ns, uint64_t seq,
                        const spy_rec_hit *hit, spy_err *err) {
    spy_recfmt_hit r;
    uint8_t *data;
    size_t n;
    if (hit->len != 1 && hit->len != 2 && hit->len != 4 && hit->len != 8)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "history: blame hit of %u bytes (1, 2, 4 or 8)",
                           (unsigned)hit->len);
    data = malloc(SPY_RECFMT_HIT_MAX);
    if (data == NULL)
        return oom(err);
    memset(&r, 0, sizeof r);
    r.pid = hit->pid;
    r.tid = hit->tid;
    r.off = hit->off;
    r.len = hit->len;
    memcpy(r.value, hit->value, 8);
    r.ip = hit->ip;
    snprintf(r.comm, sizeof r.comm, "%s", hit->comm);
    snprintf(r.where, sizeof r.where, "%s", hit->where);
    n = spy_recfmt_hit_encode(&r, data);
    return push(h, SPY_RECFMT_HIT, t_ns, seq, cur_size(h), hit->off,
                hit->off + hit->len, data, n, err);
}

void spy_history_set_limit(spy_history *h, uint64_t max_bytes) {
    h->limit = max_bytes;
    h->gen++;
    trim(h);
}

int spy_history_limited(const spy_history *h) {
    return h->limited;
}

void spy_history_span(const spy_history *h, uint64_t *from_ns,
                      uint64_t *to_ns) {
    *from_ns = h->base_t;
    *to_ns = h->last_t;
}

uint64_t spy_history_bytes(const spy_history *h) {
    return h->base_cap + h->rec_bytes + h->cap * sizeof(hrec) + sizeof *h;
}

void spy_history_free(spy_history *h) {
    size_t i;
    if (h == NULL)
        return;
    for (i = 0; i < h->n; i++)
        free(h->r[h->head + i].data);
    free(h->r);
    free(h->base);
    free(h->fold_runs);
    free(h);
}

/* ---- the timeline over a history --------------------------------------- */

typedef struct hist_src {
    spy_history *h;
    uint64_t gen;
    int synced;
    uint8_t key[SPY_RECFMT_KEY_LEN];
} hist_src;

static int hist_payload(spy_timeline *tl, const spy_recfmt_entry *e, int slot,
                        const uint8_t **p, size_t *n, spy_err *err) {
    hist_src *hs = tl->arg;
    spy_history *h = hs->h;
    (void)slot;
    (void)err;
    switch (e->type) {
    case SPY_RECFMT_KEY: {
        spy_recfmt_key k;
        k.size = h->base_size;
        k.piece = (uint32_t)tl->piece;
        k.npieces = (uint32_t)(h->base_size / tl->piece +
                               (h->base_size % tl->piece != 0));
        spy_recfmt_key_encode(&k, hs->key);
        *p = hs->key;
        *n = sizeof hs->key;
        return 0;
    }
    case SPY_RECFMT_PIECE:
        *p = h->base + e->lo;
        *n = (size_t)(e->hi - e->lo);
        return 0;
    default: {
        const hrec *r = &h->r[h->head + (size_t)e->pos];
        *p = r->data;
        *n = r->e.raw_len;
        return 0;
    }
    }
}

/* Rebuilds the entries when the history changed since the last call. */
static int hist_sync(spy_timeline *tl, spy_err *err) {
    hist_src *hs = tl->arg;
    spy_history *h = hs->h;
    spy_recfmt_entry e;
    uint64_t lo;
    size_t i;
    int rc;

    if (hs->synced && hs->gen == h->gen)
        return 0;
    tl->n = 0;
    tl->nkeys = 0;
    memset(&e, 0, sizeof e);
    e.type = SPY_RECFMT_KEY;
    e.t_ns = h->base_t;
    e.seq = h->base_seq;
    e.size = h->base_size;
    e.hi = h->base_size;
    e.raw_len = SPY_RECFMT_KEY_LEN;
    if ((rc = spy__tl_push(tl, &e, err)) != 0)
        return rc;
    for (lo = 0; lo < h->base_size; lo += tl->piece) {
        e.type = SPY_RECFMT_PIECE;
        e.lo = lo;
        e.hi = h->base_size - lo < tl->piece ? h->base_size : lo + tl->piece;
        e.raw_len = (uint32_t)(e.hi - e.lo);
        if ((rc = spy__tl_push(tl, &e, err)) != 0)
            return rc;
    }
    for (i = 0; i < h->n; i++) {
        e = h->r[h->head + i].e;
        e.pos = i;
        if ((rc = spy__tl_push(tl, &e, err)) != 0)
            return rc;
    }
    snprintf(tl->meta.name, sizeof tl->meta.name, "%s", h->name);
    tl->meta.start_wall_ns = h->start_wall_ns;
    tl->meta.period_ns = h->period_ns;
    tl->meta.size = h->base_size;
    tl->meta.compressed = 0;
    tl->meta.ring = h->dropped;
    tl->meta.complete = 1;
    tl->meta.file_bytes = 0;
    spy__tl_count(tl);
    if (h->n == 0)
        tl->meta.duration_ns = h->last_t;
    hs->gen = h->gen;
    hs->synced = 1;
    return 0;
}

static void hist_close(spy_timeline *tl) {
    free(tl->arg);
}

static const spy__tl_source hist_source = {hist_payload, hist_sync, hist_close};

int spy_history_timeline(spy_history *h, spy_timeline **out, spy_err *err) {
    hist_src *hs = calloc(1, sizeof *hs);
    int rc;
    *out = NULL;
    if (hs == NULL)
        return oom(err);
    hs->h = h;
    rc = spy__tl_new(&hist_source, hs, out, err);
    if (rc != 0) {
        free(hs);
        return rc;
    }
    rc = hist_sync(*out, err);
    if (rc != 0) {
        spy_timeline_close(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- saving -------------------------------------------------------------- */

int spy_history_save(spy_history *h, const char *path, unsigned flags,
                     spy_err *err) {
    spy_rec_writer *w;
    spy_rec_meta m;
    uint8_t *img = NULL;
    uint64_t size = h->base_size;
    size_t i;
    int rc;

    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "%s", h->name);
    m.start_wall_ns = h->start_wall_ns;
    m.period_ns = h->period_ns;
    m.size = h->base_size;
    m.ring = 1; /* a saved history is a flight recorder's window, cut or not */
    /* The working image: the base, then every delta applied (the writer's
     * keyframe policy asks for keyframes along the way). */
    img = malloc((size_t)(h->base_cap ? h->base_cap : 1));
    if (img == NULL)
        return oom(err);
    if (h->base_size > 0)
        memcpy(img, h->base, (size_t)h->base_size);
    rc = spy_rec_writer_open(path, &m, flags, &w, err);
    if (rc != 0) {
        free(img);
        return rc;
    }
    rc = spy_rec_write_key(w, h->base_t, h->base_seq, img, size, err);
    if (rc == 0 && h->dropped) {
        spy_rec_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = SPY_REC_EV_CUT;
        ev.a = h->base_t - h->first_t;
        rc = spy_rec_write_event(w, h->base_t, h->base_seq, &ev, err);
    }
    for (i = 0; rc == 0 && i < h->n; i++) {
        const hrec *r = &h->r[h->head + i];
        const uint8_t *d = r->data;
        size_t n = r->e.raw_len;
        if (r->e.type == SPY_RECFMT_DELTA) {
            spy_recfmt_run *fr = NULL;
            spy_rec_run *rr = NULL;
            size_t cnt = 0, k;
            uint64_t dsize;
            rc = spy_recfmt_delta_decode(d, n, 0, &dsize, &cnt, NULL, 0, err);
            if (rc == 0) {
                fr = malloc((cnt ? cnt : 1) * sizeof *fr);
                rr = malloc((cnt ? cnt : 1) * sizeof *rr);
                if (fr == NULL || rr == NULL)
                    rc = oom(err);
            }
            if (rc == 0)
                rc = spy_recfmt_delta_decode(d, n, 0, &dsize, &cnt, fr, cnt,
                                             err);
            if (rc == 0) {
                if (dsize < size)
                    memset(img + dsize, 0, (size_t)(size - dsize));
                else if (dsize > size)
                    memset(img + size, 0, (size_t)(dsize - size));
                size = dsize;
                for (k = 0; k < cnt; k++) {
                    rr[k].off = fr[k].off;
                    rr[k].len = fr[k].len;
                    rr[k].data = fr[k].data;
                    memcpy(img + fr[k].off, fr[k].data, fr[k].len);
                }
                rc = spy_rec_write_delta(w, r->e.t_ns, r->e.seq, dsize, rr, cnt,
                                         err);
            }
            free(fr);
            free(rr);
            if (rc == 0 && spy_rec_writer_want_key(w))
                rc = spy_rec_write_key(w, r->e.t_ns, r->e.seq, img, size, err);
        } else if (r->e.type == SPY_RECFMT_EVENT) {
            spy_recfmt_event fe;
            spy_rec_event ev;
            rc = spy_recfmt_event_decode(d, n, 0, &fe, err);
            if (rc == 0) {
                memset(&ev, 0, sizeof ev);
                ev.kind = (spy_rec_event_kind)fe.kind;
                ev.a = fe.a;
                ev.b = fe.b;
                memcpy(ev.text, fe.text, sizeof ev.text);
                if (r->e.size < size)
                    memset(img + r->e.size, 0, (size_t)(size - r->e.size));
                else if (r->e.size > size)
                    memset(img + size, 0, (size_t)(r->e.size - size));
                size = r->e.size;
                rc = spy_rec_write_event(w, r->e.t_ns, r->e.seq, &ev, err);
            }
        } else if (r->e.type == SPY_RECFMT_HIT) {
            spy_recfmt_hit fh;
            spy_rec_hit hit;
            rc = spy_recfmt_hit_decode(d, n, 0, &fh, err);
            if (rc == 0) {
                memset(&hit, 0, sizeof hit);
                hit.pid = fh.pid;
                hit.tid = fh.tid;
                hit.off = fh.off;
                hit.len = fh.len;
                memcpy(hit.value, fh.value, 8);
                hit.ip = fh.ip;
                memcpy(hit.comm, fh.comm, sizeof hit.comm);
                memcpy(hit.where, fh.where, sizeof hit.where);
                rc = spy_rec_write_hit(w, r->e.t_ns, r->e.seq, &hit, err);
            }
        }
    }
    free(img);
    if (rc != 0) {
        spy_rec_writer_abort(w);
        return rc;
    }
    return spy_rec_writer_close(w, err);
}
