/* timeline.c - reading a history (recording.h): the one implementation of
 * frame, size, next/prev change and walk over the entries of
 * rec_internal.h, and the source that reads them from a recording file
 * (its index, or a scan of its chunk headers when it was not closed
 * cleanly). history.c provides the other source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/file.h"
#include "rec_internal.h"

/* ---- the entries -------------------------------------------------------- */

int spy__tl_new(const spy__tl_source *src, void *arg, spy_timeline **out,
                spy_err *err) {
    spy_timeline *tl = calloc(1, sizeof *tl);
    if (tl == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "timeline: out of memory");
    tl->src = src;
    tl->arg = arg;
    tl->piece = SPY_REC_PIECE;
    *out = tl;
    return 0;
}

int spy__tl_push(spy_timeline *tl, const spy_recfmt_entry *e, spy_err *err) {
    if (tl->n == tl->cap) {
        size_t nc = tl->cap ? tl->cap * 2 : 256;
        spy_recfmt_entry *ne = realloc(tl->e, nc * sizeof *ne);
        if (ne == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "timeline: out of memory");
        tl->e = ne;
        tl->cap = nc;
    }
    if (e->type == SPY_RECFMT_KEY) {
        if (tl->nkeys == tl->keycap) {
            size_t nc = tl->keycap ? tl->keycap * 2 : 16;
            size_t *nk = realloc(tl->keys, nc * sizeof *nk);
            if (nk == NULL)
                return spy_err_set(err, SPY_ENOMEM, 0,
                                   "timeline: out of memory");
            tl->keys = nk;
            tl->keycap = nc;
        }
        tl->keys[tl->nkeys++] = tl->n;
    }
    tl->e[tl->n++] = *e;
    return 0;
}

/* Drops the entries from i on. */
static void cut_at(spy_timeline *tl, size_t i) {
    tl->n = i;
    while (tl->nkeys > 0 && tl->keys[tl->nkeys - 1] >= i)
        tl->nkeys--;
}

int spy__tl_check(spy_timeline *tl, const char *where, int drop_torn,
                  spy_err *err) {
    size_t i = 0;
    uint64_t last_t = 0;
    while (i < tl->n) {
        const spy_recfmt_entry *e = &tl->e[i];
        if (e->t_ns < last_t)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: damaged at byte %llu: record times go "
                               "backwards",
                               where, (unsigned long long)e->pos);
        last_t = e->t_ns;
        if (i == 0 && e->type != SPY_RECFMT_KEY)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: damaged at byte %llu: the first record "
                               "is not a keyframe",
                               where, (unsigned long long)e->pos);
        if (e->type == SPY_RECFMT_PIECE || e->type == SPY_RECFMT_PREF)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: damaged at byte %llu: a keyframe piece "
                               "outside a keyframe",
                               where, (unsigned long long)e->pos);
        if (e->type == SPY_RECFMT_KEY) {
            uint64_t np = e->size / tl->piece + (e->size % tl->piece != 0);
            uint64_t k;
            if (e->lo != 0 || e->hi != e->size)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: damaged at byte %llu: keyframe range "
                                   "is not its size",
                                   where, (unsigned long long)e->pos);
            if (np > tl->n - i - 1) {
                /* Pieces missing: torn at the end, or damage. */
                size_t j;
                for (j = i + 1; j < tl->n; j++)
                    if (tl->e[j].type != SPY_RECFMT_PIECE &&
                        tl->e[j].type != SPY_RECFMT_PREF)
                        break;
                if (drop_torn && j == tl->n) {
                    /* (the first one torn: the caller refuses a file
                     * without a keyframe) */
                    cut_at(tl, i);
                    tl->meta.complete = 0;
                    return 0;
                }
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: damaged at byte %llu: keyframe "
                                   "pieces missing",
                                   where, (unsigned long long)e->pos);
            }
            for (k = 0; k < np; k++) {
                const spy_recfmt_entry *p = &tl->e[i + 1 + k];
                uint64_t lo = k * tl->piece;
                uint64_t hi =
                    e->size - lo < tl->piece ? e->size : lo + tl->piece;
                if ((p->type != SPY_RECFMT_PIECE &&
                     p->type != SPY_RECFMT_PREF) ||
                    p->lo != lo || p->hi != hi || p->t_ns != e->t_ns ||
                    p->size != e->size ||
                    (p->type == SPY_RECFMT_PIECE && p->raw_len != hi - lo) ||
                    (p->type == SPY_RECFMT_PREF && p->raw_len != 8))
                    return spy_err_set(err, SPY_EINVAL, 0,
                                       "%s: damaged at byte %llu: keyframe "
                                       "piece %llu does not fit its keyframe",
                                       where, (unsigned long long)p->pos,
                                       (unsigned long long)k);
            }
            i += 1 + (size_t)np;
            continue;
        }
        i++;
    }
    return 0;
}

uint8_t *spy__tl_scratch(spy_timeline *tl, int slot, size_t n) {
    if (n > tl->bufcap[slot]) {
        uint8_t *p = realloc(tl->buf[slot], n ? n : 1);
        if (p == NULL)
            return NULL;
        tl->buf[slot] = p;
        tl->bufcap[slot] = n;
    }
    return tl->buf[slot] ? tl->buf[slot] : (uint8_t *)"";
}

static const char *tl_where(const spy_timeline *tl);

static int tl_sync(spy_timeline *tl, spy_err *err) {
    return tl->src->sync != NULL ? tl->src->sync(tl, err) : 0;
}

/* Index of the last entry with t_ns <= t, or of the first entry when t
 * is before it. tl->n > 0. */
static size_t last_at(const spy_timeline *tl, uint64_t t) {
    size_t lo = 0, hi = tl->n; /* first entry with t_ns > t in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->e[mid].t_ns <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? 0 : lo - 1;
}

/* The decoded runs of a delta entry (in tl->runs, *n of them). */
static int delta_runs(spy_timeline *tl, const spy_recfmt_entry *e, int slot,
                      size_t *n, spy_err *err) {
    const uint8_t *p;
    size_t len, cnt;
    uint64_t size;
    int rc = tl->src->payload(tl, e, slot, &p, &len, err);
    if (rc != 0)
        return rc;
    rc = spy_recfmt_delta_decode(p, len, e->pos + SPY_RECFMT_CHUNK, &size, &cnt,
                                 NULL, 0, err);
    if (rc != 0)
        return spy__rec_prefix(err, rc, tl_where(tl));
    if (size != e->size)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: delta size differs "
                           "from its header",
                           tl_where(tl), (unsigned long long)e->pos);
    if (cnt > tl->runcap) {
        spy_recfmt_run *nr = realloc(tl->runs, cnt * sizeof *nr);
        if (nr == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "timeline: out of memory");
        tl->runs = nr;
        tl->runcap = cnt;
    }
    rc = spy_recfmt_delta_decode(p, len, e->pos + SPY_RECFMT_CHUNK, &size, &cnt,
                                 tl->runs, cnt, err);
    if (rc != 0)
        return spy__rec_prefix(err, rc, tl_where(tl));
    if (cnt > 0 && (tl->runs[0].off < e->lo ||
                    tl->runs[cnt - 1].off + tl->runs[cnt - 1].len > e->hi))
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: delta runs outside "
                           "its range",
                           tl_where(tl), (unsigned long long)e->pos);
    *n = cnt;
    return 0;
}

/* Copies the part of [src_off, src_off + n) within [off, off + len) into
 * dst (dst[0] is offset off). */
static void copy_in(uint8_t *dst, uint64_t off, uint64_t len, uint64_t src_off,
                    const uint8_t *src, uint64_t n) {
    uint64_t a = src_off > off ? src_off : off;
    uint64_t b = src_off + n < off + len ? src_off + n : off + len;
    if (a < b)
        memcpy(dst + (a - off), src + (a - src_off), (size_t)(b - a));
}

static int overlaps(const spy_recfmt_entry *e, uint64_t off, uint64_t len) {
    return e->lo < off + len && e->hi > off;
}

uint64_t spy_timeline_size_at(spy_timeline *tl, uint64_t t_ns) {
    if (tl_sync(tl, NULL) != 0 || tl->n == 0)
        return tl->meta.size;
    return tl->e[last_at(tl, t_ns)].size;
}

int spy_timeline_frame(spy_timeline *tl, uint64_t t_ns, uint64_t off,
                       uint64_t len, uint8_t *dst, uint64_t *valid,
                       spy_err *err) {
    size_t end, k, i, j;
    uint64_t cur, size;
    int rc;

    if (valid != NULL)
        *valid = 0;
    if (len > 0)
        memset(dst, 0, (size_t)len);
    if (off > UINT64_MAX - len)
        return spy_err_set(err, SPY_ERANGE, 0, "%s: range past 2^64",
                           tl_where(tl));
    if ((rc = tl_sync(tl, err)) != 0)
        return rc;
    if (tl->n == 0 || tl->nkeys == 0)
        return 0;
    end = last_at(tl, t_ns);
    /* The last keyframe at or before end. */
    {
        size_t lo = 0, hi = tl->nkeys;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (tl->keys[mid] <= end)
                lo = mid + 1;
            else
                hi = mid;
        }
        k = tl->keys[lo == 0 ? 0 : lo - 1];
    }
    cur = tl->e[k].size;
    /* Its pieces under the range. */
    for (i = k + 1; i < tl->n && (tl->e[i].type == SPY_RECFMT_PIECE ||
                                  tl->e[i].type == SPY_RECFMT_PREF);
         i++) {
        const uint8_t *p;
        size_t n;
        if (len == 0 || !overlaps(&tl->e[i], off, len))
            continue;
        rc = tl->src->payload(tl, &tl->e[i], 0, &p, &n, err);
        if (rc != 0)
            return rc;
        if (n != tl->e[i].hi - tl->e[i].lo)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: damaged at byte %llu: piece length "
                               "differs from its range",
                               tl_where(tl), (unsigned long long)tl->e[i].pos);
        copy_in(dst, off, len, tl->e[i].lo, p, n);
    }
    /* The records since, up to t_ns. */
    for (j = i; j <= end && j < tl->n; j++) {
        const spy_recfmt_entry *e = &tl->e[j];
        size = e->size;
        if (size < cur && size < off + len && len > 0) {
            uint64_t a = size > off ? size : off;
            memset(dst + (a - off), 0, (size_t)(off + len - a));
        }
        cur = size;
        if (e->type == SPY_RECFMT_DELTA && len > 0 && overlaps(e, off, len)) {
            size_t n, r;
            rc = delta_runs(tl, e, 0, &n, err);
            if (rc != 0)
                return rc;
            for (r = 0; r < n; r++)
                copy_in(dst, off, len, tl->runs[r].off, tl->runs[r].data,
                        tl->runs[r].len);
        }
    }
    size = tl->e[end].size;
    if (len > 0 && size < off + len) {
        uint64_t a = size > off ? size : off;
        memset(dst + (a - off), 0, (size_t)(off + len - a));
    }
    if (valid != NULL)
        *valid = size <= off ? 0 : (size - off < len ? size - off : len);
    return 0;
}

/* 1 when entry i changes a byte of [off, off + len) (len 0: any byte). */
static int changes(spy_timeline *tl, size_t i, uint64_t off, uint64_t len,
                   spy_err *err) {
    const spy_recfmt_entry *e = &tl->e[i];
    size_t n, r;
    int rc;
    switch (e->type) {
    case SPY_RECFMT_EVENT:
        return 1;
    case SPY_RECFMT_KEY:
        return i == 0; /* later keyframes repeat a state already reached */
    case SPY_RECFMT_DELTA:
        if (e->lo == e->hi)
            return 0; /* no run */
        if (len == 0)
            return 1;
        if (!overlaps(e, off, len))
            return 0;
        rc = delta_runs(tl, e, 1, &n, err);
        if (rc != 0)
            return rc;
        for (r = 0; r < n; r++)
            if (tl->runs[r].off < off + len &&
                tl->runs[r].off + tl->runs[r].len > off)
                return 1;
        return 0;
    default:
        return 0;
    }
}

int spy_timeline_next_change(spy_timeline *tl, uint64_t t_ns, uint64_t off,
                             uint64_t len, uint64_t *next, spy_err *err) {
    size_t i;
    int rc;
    if ((rc = tl_sync(tl, err)) != 0)
        return rc;
    if (tl->n == 0)
        return 0;
    if (off > UINT64_MAX - len)
        len = UINT64_MAX - off;
    i = last_at(tl, t_ns);
    if (tl->e[i].t_ns <= t_ns)
        i++;
    for (; i < tl->n; i++) {
        rc = changes(tl, i, off, len, err);
        if (rc < 0)
            return rc;
        if (rc) {
            *next = tl->e[i].t_ns;
            return 1;
        }
    }
    return 0;
}

int spy_timeline_prev_change(spy_timeline *tl, uint64_t t_ns, uint64_t off,
                             uint64_t len, uint64_t *prev, spy_err *err) {
    size_t i;
    int rc;
    if ((rc = tl_sync(tl, err)) != 0)
        return rc;
    if (tl->n == 0)
        return 0;
    if (off > UINT64_MAX - len)
        len = UINT64_MAX - off;
    i = last_at(tl, t_ns) + 1;
    while (i > 0 && tl->e[i - 1].t_ns >= t_ns)
        i--;
    while (i > 0) {
        i--;
        rc = changes(tl, i, off, len, err);
        if (rc < 0)
            return rc;
        if (rc) {
            *prev = tl->e[i].t_ns;
            return 1;
        }
    }
    return 0;
}

int spy_timeline_walk(spy_timeline *tl, uint64_t from_ns, uint64_t to_ns,
                      const spy_timeline_visitor *v, spy_err *err) {
    size_t i;
    int rc;
    uint8_t *img = NULL;

    if ((rc = tl_sync(tl, err)) != 0)
        return rc;
    for (i = 0; i < tl->n; i++) {
        const spy_recfmt_entry *e = &tl->e[i];
        const uint8_t *p;
        size_t n;
        int stop = 0;
        if (e->t_ns > to_ns)
            break;
        if (from_ns != 0 ? e->t_ns <= from_ns : 0) {
            continue;
        }
        switch (e->type) {
        case SPY_RECFMT_KEY: {
            size_t j;
            spy_recfmt_key key;
            if (v->on_key == NULL)
                break;
            rc = tl->src->payload(tl, e, 0, &p, &n, err);
            if (rc != 0)
                return rc;
            rc = spy_recfmt_key_decode(p, n, e->pos + SPY_RECFMT_CHUNK, &key,
                                       err);
            if (rc != 0)
                return spy__rec_prefix(err, rc, tl_where(tl));
            if (key.size != e->size || key.piece != tl->piece)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: damaged at byte %llu: keyframe "
                                   "differs from its header",
                                   tl_where(tl), (unsigned long long)e->pos);
            if (e->size > SIZE_MAX ||
                (img = malloc((size_t)(e->size ? e->size : 1))) == NULL)
                return spy_err_set(err, SPY_ENOMEM, 0,
                                   "%s: out of memory for a keyframe of "
                                   "%llu bytes",
                                   tl_where(tl), (unsigned long long)e->size);
            for (j = i + 1; j < tl->n && (tl->e[j].type == SPY_RECFMT_PIECE ||
                                          tl->e[j].type == SPY_RECFMT_PREF);
                 j++) {
                rc = tl->src->payload(tl, &tl->e[j], 0, &p, &n, err);
                if (rc == 0 && n != tl->e[j].hi - tl->e[j].lo)
                    rc = spy_err_set(err, SPY_EINVAL, 0,
                                     "%s: damaged at byte %llu: piece "
                                     "length differs from its range",
                                     tl_where(tl),
                                     (unsigned long long)tl->e[j].pos);
                if (rc != 0) {
                    free(img);
                    return rc;
                }
                memcpy(img + tl->e[j].lo, p, n);
            }
            stop = v->on_key(e->t_ns, e->seq, e->size, img, v->arg);
            free(img);
            img = NULL;
            break;
        }
        case SPY_RECFMT_DELTA: {
            /* The chunks of one delta (one per window it touches: same
             * time, sample and size) make one call. */
            size_t j = i + 1, r, total = 0, used = 0;
            int merge;
            while (j < tl->n && tl->e[j].type == SPY_RECFMT_DELTA &&
                   tl->e[j].t_ns == e->t_ns && tl->e[j].seq == e->seq &&
                   tl->e[j].size == e->size)
                j++;
            if (v->on_delta == NULL) {
                i = j - 1;
                break;
            }
            merge = j - i > 1;
            for (; i < j; i++) {
                rc = delta_runs(tl, &tl->e[i], 0, &n, err);
                if (rc != 0)
                    return rc;
                if (total + n > tl->rruncap) {
                    size_t nc = (total + n) * 2;
                    spy_rec_run *nr = realloc(tl->rruns, nc * sizeof *nr);
                    size_t *no;
                    if (nr == NULL)
                        return spy_err_set(err, SPY_ENOMEM, 0,
                                           "timeline: out of memory");
                    tl->rruns = nr;
                    no = realloc(tl->moff, nc * sizeof *no);
                    if (no == NULL)
                        return spy_err_set(err, SPY_ENOMEM, 0,
                                           "timeline: out of memory");
                    tl->moff = no;
                    tl->rruncap = nc;
                }
                for (r = 0; r < n; r++) {
                    spy_rec_run *out = &tl->rruns[total + r];
                    out->off = tl->runs[r].off;
                    out->len = tl->runs[r].len;
                    out->data = tl->runs[r].data;
                    if (merge) {
                        /* Copied out: the next chunk reuses the scratch
                         * (and mbuf may move: offsets until the end). */
                        if (used + out->len > tl->mbufcap) {
                            size_t nc = (used + out->len) * 2;
                            uint8_t *nb = realloc(tl->mbuf, nc);
                            if (nb == NULL)
                                return spy_err_set(err, SPY_ENOMEM, 0,
                                                   "timeline: out of memory");
                            tl->mbuf = nb;
                            tl->mbufcap = nc;
                        }
                        memcpy(tl->mbuf + used, out->data, out->len);
                        tl->moff[total + r] = used;
                        used += out->len;
                    }
                }
                total += n;
            }
            i = j - 1;
            if (merge)
                for (r = 0; r < total; r++)
                    tl->rruns[r].data = tl->mbuf + tl->moff[r];
            stop =
                v->on_delta(e->t_ns, e->seq, e->size, tl->rruns, total, v->arg);
            break;
        }
        case SPY_RECFMT_EVENT: {
            spy_recfmt_event fe;
            spy_rec_event ev;
            if (v->on_event == NULL)
                break;
            rc = tl->src->payload(tl, e, 0, &p, &n, err);
            if (rc != 0)
                return rc;
            rc = spy_recfmt_event_decode(p, n, e->pos + SPY_RECFMT_CHUNK, &fe,
                                         err);
            if (rc != 0)
                return spy__rec_prefix(err, rc, tl_where(tl));
            memset(&ev, 0, sizeof ev);
            ev.kind = (spy_rec_event_kind)fe.kind;
            ev.a = fe.a;
            ev.b = fe.b;
            memcpy(ev.text, fe.text, sizeof ev.text);
            stop = v->on_event(e->t_ns, e->seq, &ev, v->arg);
            break;
        }
        case SPY_RECFMT_HIT: {
            spy_recfmt_hit fh;
            spy_rec_hit h;
            if (v->on_hit == NULL)
                break;
            rc = tl->src->payload(tl, e, 0, &p, &n, err);
            if (rc != 0)
                return rc;
            rc = spy_recfmt_hit_decode(p, n, e->pos + SPY_RECFMT_CHUNK, &fh,
                                       err);
            if (rc != 0)
                return spy__rec_prefix(err, rc, tl_where(tl));
            memset(&h, 0, sizeof h);
            h.pid = fh.pid;
            h.tid = fh.tid;
            h.off = fh.off;
            h.len = fh.len;
            memcpy(h.value, fh.value, 8);
            h.ip = fh.ip;
            memcpy(h.comm, fh.comm, sizeof h.comm);
            memcpy(h.where, fh.where, sizeof h.where);
            stop = v->on_hit(e->t_ns, e->seq, &h, v->arg);
            break;
        }
        default:
            break;
        }
        if (stop)
            return 1;
    }
    return 0;
}

const spy_rec_meta *spy_timeline_meta(const spy_timeline *tl) {
    return &tl->meta;
}

void spy_timeline_close(spy_timeline *tl) {
    if (tl == NULL)
        return;
    if (tl->src->close != NULL)
        tl->src->close(tl);
    free(tl->e);
    free(tl->keys);
    free(tl->buf[0]);
    free(tl->buf[1]);
    free(tl->runs);
    free(tl->rruns);
    free(tl->mbuf);
    free(tl->moff);
    free(tl);
}

/* Fills the counts of meta from the entries. */
static void count_meta(spy_timeline *tl) {
    size_t i;
    spy_rec_meta *m = &tl->meta;
    m->deltas = m->keyframes = m->events = m->hits = 0;
    for (i = 0; i < tl->n; i++) {
        switch (tl->e[i].type) {
        case SPY_RECFMT_KEY:
            m->keyframes++;
            break;
        case SPY_RECFMT_DELTA:
            /* A delta split into chunks counts once. */
            if (i == 0 || tl->e[i - 1].type != SPY_RECFMT_DELTA ||
                tl->e[i - 1].seq != tl->e[i].seq ||
                tl->e[i - 1].t_ns != tl->e[i].t_ns)
                m->deltas++;
            break;
        case SPY_RECFMT_EVENT:
            m->events++;
            break;
        case SPY_RECFMT_HIT:
            m->hits++;
            break;
        default:
            break;
        }
    }
    m->duration_ns = tl->n > 0 ? tl->e[tl->n - 1].t_ns : 0;
    m->samples = tl->n > 0 ? tl->e[tl->n - 1].seq + 1 : 0;
}

void spy__tl_count(spy_timeline *tl) {
    count_meta(tl);
}

/* ---- the file source ---------------------------------------------------- */

typedef struct file_src {
    spy_file *f;        /* the file, or NULL when reading memory: */
    const uint8_t *mem; /* the bytes of spy__timeline_open_mem */
    uint64_t memlen;
    char name[256];  /* the name of the bytes in messages */
    uint8_t *stored; /* scratch for compressed payloads */
    size_t storedcap;
} file_src;

static const char *src_path(const file_src *fs) {
    return fs->f != NULL ? spy_file_path(fs->f) : fs->name;
}

static uint64_t src_size(const file_src *fs) {
    return fs->f != NULL ? spy_file_size(fs->f) : fs->memlen;
}

static int src_pread(file_src *fs, uint64_t off, void *buf, size_t len,
                     spy_err *err) {
    if (fs->f != NULL)
        return spy_file_pread(fs->f, off, buf, len, err);
    if (off > fs->memlen || len > fs->memlen - off)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: cut short (truncated)",
                           fs->name, (unsigned long long)off);
    memcpy(buf, fs->mem + off, len);
    return 0;
}

static const spy__tl_source file_source;

static const char *tl_where(const spy_timeline *tl) {
    if (tl->src == &file_source)
        return src_path((const file_src *)tl->arg);
    return "history";
}

/* Reads and checks the chunk at pos (its header must match e when e is
 * given) and its raw payload into slot. */
static int read_chunk(spy_timeline *tl, uint64_t pos, spy_recfmt_chunk *c,
                      int slot, const uint8_t **p, size_t *n, spy_err *err) {
    file_src *fs = tl->arg;
    const char *path = src_path(fs);
    uint8_t hdr[SPY_RECFMT_CHUNK];
    uint8_t *raw;
    int rc;

    if (pos > src_size(fs) || src_size(fs) - pos < SPY_RECFMT_CHUNK)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: chunk past the end", path,
                           (unsigned long long)pos);
    if ((rc = src_pread(fs, pos, hdr, sizeof hdr, err)) != 0)
        return rc;
    rc = spy_recfmt_chunk_decode(hdr, sizeof hdr, pos, c, err);
    if (rc != 0)
        return spy__rec_prefix(err, rc, path);
    if (src_size(fs) - pos - SPY_RECFMT_CHUNK < c->stored_len)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: chunk payload past the "
                           "end (truncated)",
                           path, (unsigned long long)src_size(fs));
    if (c->codec == SPY_RECFMT_ZSTD && !spy_rec_have_zstd())
        return spy__rec_no_zstd(path, err);
    raw = spy__tl_scratch(tl, slot, c->raw_len);
    if (raw == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    if (c->codec == SPY_RECFMT_STORED) {
        rc = src_pread(fs, pos + SPY_RECFMT_CHUNK, raw, c->stored_len, err);
        if (rc != 0)
            return rc;
        rc = spy_recfmt_payload_check(c, raw, pos + SPY_RECFMT_CHUNK, err);
        if (rc != 0)
            return spy__rec_prefix(err, rc, path);
    } else {
        if (c->stored_len > fs->storedcap) {
            uint8_t *ns = realloc(fs->stored, c->stored_len);
            if (ns == NULL)
                return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory",
                                   path);
            fs->stored = ns;
            fs->storedcap = c->stored_len;
        }
        rc = src_pread(fs, pos + SPY_RECFMT_CHUNK, fs->stored, c->stored_len,
                       err);
        if (rc != 0)
            return rc;
        rc = spy_recfmt_payload_check(c, fs->stored, pos + SPY_RECFMT_CHUNK,
                                      err);
        if (rc != 0)
            return spy__rec_prefix(err, rc, path);
        rc = spy__rec_decompress(path, fs->stored, c->stored_len, raw,
                                 c->raw_len, pos + SPY_RECFMT_CHUNK, err);
        if (rc != 0)
            return rc;
    }
    *p = raw;
    *n = c->raw_len;
    return 0;
}

static int same_entry(const spy_recfmt_chunk *c, const spy_recfmt_entry *e) {
    return c->type == e->type && c->codec == e->codec && c->t_ns == e->t_ns &&
           c->seq == e->seq && c->size == e->size && c->lo == e->lo &&
           c->hi == e->hi && c->raw_len == e->raw_len &&
           c->stored_len == e->stored_len;
}

static int file_payload(spy_timeline *tl, const spy_recfmt_entry *e, int slot,
                        const uint8_t **p, size_t *n, spy_err *err) {
    file_src *fs = tl->arg;
    const char *path = src_path(fs);
    spy_recfmt_chunk c;
    uint64_t target;
    int rc = read_chunk(tl, e->pos, &c, slot, p, n, err);
    if (rc != 0)
        return rc;
    if (!same_entry(&c, e))
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: chunk differs from its "
                           "index entry",
                           path, (unsigned long long)e->pos);
    if (e->type != SPY_RECFMT_PREF)
        return 0;
    if (*n != 8)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: bad piece reference",
                           path, (unsigned long long)e->pos);
    target = spy_recfmt_get64(*p);
    if (target >= e->pos)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: piece reference points "
                           "forward",
                           path, (unsigned long long)(e->pos + 64));
    rc = read_chunk(tl, target, &c, slot, p, n, err);
    if (rc != 0)
        return rc;
    if (c.type != SPY_RECFMT_PIECE || c.lo != e->lo || c.hi != e->hi ||
        *n != e->hi - e->lo)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: piece reference to a "
                           "chunk that is not the same piece",
                           path, (unsigned long long)(e->pos + 64));
    return 0;
}

static void file_close_src(file_src *fs) {
    spy_file_close(fs->f, NULL);
    free(fs->stored);
    free(fs);
}

static void file_close(spy_timeline *tl) {
    file_close_src(tl->arg);
}

static const spy__tl_source file_source = {file_payload, NULL, file_close};

/* Loads the index at ipos (the trailer said so). */
static int load_index(spy_timeline *tl, uint64_t ipos, uint64_t first,
                      spy_err *err) {
    file_src *fs = tl->arg;
    const char *path = src_path(fs);
    uint64_t fsz = src_size(fs), expect = first;
    spy_recfmt_chunk c;
    const uint8_t *p;
    size_t n;
    uint32_t count, i;
    int rc;

    uint64_t pos = ipos, end = fsz - SPY_RECFMT_TRAILER;

    if (ipos < first || ipos >= end)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: trailer points outside "
                           "the file",
                           path, (unsigned long long)end);
    /* The index: one or more INDEX chunks from ipos to the trailer. */
    while (pos < end) {
        uint64_t at;
        rc = read_chunk(tl, pos, &c, 1, &p, &n, err);
        if (rc != 0)
            return rc;
        if (c.type != SPY_RECFMT_INDEX ||
            c.stored_len > end - pos - SPY_RECFMT_CHUNK)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: damaged at byte %llu: not an index chunk "
                               "where the trailer says",
                               path, (unsigned long long)pos);
        at = pos + SPY_RECFMT_CHUNK;
        rc = spy_recfmt_index_decode(p, n, at, &count, err);
        if (rc != 0)
            return spy__rec_prefix(err, rc, path);
        for (i = 0; i < count; i++) {
            spy_recfmt_entry e;
            uint64_t where = at + 4 + 64 * (uint64_t)i;
            rc = spy_recfmt_entry_decode(p, i, at, &e, err);
            if (rc != 0)
                return spy__rec_prefix(err, rc, path);
            if (e.pos != expect)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: damaged at byte %llu: index entry "
                                   "does not follow the one before",
                                   path, (unsigned long long)where);
            expect = e.pos + SPY_RECFMT_CHUNK + e.stored_len;
            if (expect > ipos)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: damaged at byte %llu: index entry "
                                   "past the index",
                                   path, (unsigned long long)where);
            if ((rc = spy__tl_push(tl, &e, err)) != 0)
                return rc;
        }
        pos = at + c.stored_len;
    }
    if (expect != ipos)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: the index misses "
                           "chunks",
                           path, (unsigned long long)expect);
    tl->meta.complete = 1;
    return 0;
}

/* Rebuilds the index by reading every chunk header from first on. */
static int scan(spy_timeline *tl, uint64_t first, spy_err *err) {
    file_src *fs = tl->arg;
    const char *path = src_path(fs);
    uint64_t fsz = src_size(fs), pos = first;
    int rc;

    while (pos < fsz) {
        uint8_t hdr[SPY_RECFMT_CHUNK];
        spy_recfmt_chunk c;
        spy_recfmt_entry e;
        if (fsz - pos < SPY_RECFMT_CHUNK) {
            break; /* torn header */
        }
        if ((rc = src_pread(fs, pos, hdr, sizeof hdr, err)) != 0)
            return rc;
        rc = spy_recfmt_chunk_decode(hdr, sizeof hdr, pos, &c, err);
        if (rc != 0)
            return spy__rec_prefix(err, rc, path);
        if (fsz - pos - SPY_RECFMT_CHUNK < c.stored_len) {
            break; /* torn payload */
        }
        if (c.type == SPY_RECFMT_INDEX) {
            /* The index (one or more chunks) of a file whose trailer is
             * damaged or torn: torn is fine, damaged is not. */
            uint64_t after = pos + SPY_RECFMT_CHUNK + c.stored_len;
            while (fsz - after >= SPY_RECFMT_CHUNK + SPY_RECFMT_TRAILER &&
                   src_pread(fs, after, hdr, sizeof hdr, NULL) == 0 &&
                   spy_recfmt_chunk_decode(hdr, sizeof hdr, after, &c, NULL) ==
                       0 &&
                   c.type == SPY_RECFMT_INDEX &&
                   fsz - after - SPY_RECFMT_CHUNK >= c.stored_len)
                after += SPY_RECFMT_CHUNK + c.stored_len;
            if (fsz - after >= SPY_RECFMT_TRAILER)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: damaged at byte %llu: bad trailer "
                                   "after the index",
                                   path, (unsigned long long)after);
            break; /* torn trailer */
        }
        e.pos = pos;
        e.t_ns = c.t_ns;
        e.seq = c.seq;
        e.size = c.size;
        e.lo = c.lo;
        e.hi = c.hi;
        e.raw_len = c.raw_len;
        e.stored_len = c.stored_len;
        e.type = c.type;
        e.codec = c.codec;
        if ((rc = spy__tl_push(tl, &e, err)) != 0)
            return rc;
        pos += SPY_RECFMT_CHUNK + c.stored_len;
    }
    /* Without a trailer the recorder did not close it. */
    tl->meta.complete = 0;
    return 0;
}

/* Reads the header and the index of the source fs (owned: freed on
 * error) into a new timeline. */
static int open_src(file_src *fs, spy_timeline **out, spy_err *err) {
    const char *path = src_path(fs);
    spy_timeline *tl = NULL;
    spy_recfmt_header h;
    uint8_t buf[SPY_RECFMT_HDR_MAX], tr[SPY_RECFMT_TRAILER];
    uint64_t fsz, ipos = 0;
    size_t n, used = 0;
    int rc;

    rc = spy__tl_new(&file_source, fs, &tl, err);
    if (rc != 0) {
        file_close_src(fs);
        return rc;
    }
    fsz = src_size(fs);
    n = fsz < sizeof buf ? (size_t)fsz : sizeof buf;
    if (n == 0) {
        rc = spy_err_set(err, SPY_EINVAL, 0,
                         "%s: damaged at byte 0: empty file, not a shmspy "
                         "recording",
                         path);
        goto fail;
    }
    if ((rc = src_pread(fs, 0, buf, n, err)) != 0)
        goto fail;
    rc = spy_recfmt_header_decode(buf, n, &h, &used, err);
    if (rc != 0) {
        spy__rec_prefix(err, rc, path);
        goto fail;
    }
    if (h.block != SPY_REC_BLOCK) {
        rc = spy_err_set(err, SPY_EINVAL, 0,
                         "%s: damaged at byte 12: block size %u (expected "
                         "%d)",
                         path, (unsigned)h.block, SPY_REC_BLOCK);
        goto fail;
    }
    tl->piece = h.piece;
    snprintf(tl->meta.name, sizeof tl->meta.name, "%s", h.name);
    tl->meta.start_wall_ns = h.start_wall_ns;
    tl->meta.period_ns = h.period_ns;
    tl->meta.size = h.size;
    tl->meta.compressed = (h.flags & SPY_RECFMT_F_COMPRESSED) != 0;
    tl->meta.ring = (h.flags & SPY_RECFMT_F_RING) != 0;
    tl->meta.file_bytes = fsz;
    if (tl->meta.compressed && !spy_rec_have_zstd()) {
        rc = spy__rec_no_zstd(path, err);
        goto fail;
    }
    rc = 0;
    if (fsz >= used + SPY_RECFMT_CHUNK + SPY_RECFMT_TRAILER) {
        if ((rc = src_pread(fs, fsz - sizeof tr, tr, sizeof tr, err)) != 0)
            goto fail;
        rc = spy_recfmt_trailer_decode(tr, fsz - sizeof tr, &ipos, err);
        if (rc < 0) {
            spy__rec_prefix(err, rc, path);
            goto fail;
        }
    }
    rc = rc == 1 ? load_index(tl, ipos, used, err) : scan(tl, used, err);
    if (rc == 0)
        rc = spy__tl_check(tl, path, !tl->meta.complete, err);
    if (rc == 0 && tl->nkeys == 0 && tl->meta.complete) {
        rc = spy_err_set(err, SPY_EINVAL, 0,
                         "%s: damaged at byte %llu: a recording without "
                         "a keyframe",
                         path, (unsigned long long)used);
    } else if (rc == 0 && tl->nkeys == 0) {
        /* Cut inside its first keyframe (a recorder killed at once, a
         * copy cut short): nothing to show, and not a recording to
         * append to by hand either. */
        rc = spy_err_set(err, SPY_EINVAL, 0,
                         "%s: damaged at byte %llu: ends before its first "
                         "keyframe (truncated?)",
                         path, (unsigned long long)fsz);
    }
    if (rc != 0)
        goto fail;
    count_meta(tl);
    *out = tl;
    return 0;
fail:
    spy_timeline_close(tl);
    return rc;
}

int spy_timeline_open(const char *path, spy_timeline **out, spy_err *err) {
    file_src *fs;
    int rc;

    *out = NULL;
    fs = calloc(1, sizeof *fs);
    if (fs == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    rc = spy_file_open_read(path, &fs->f, err);
    if (rc != 0) {
        free(fs);
        return rc;
    }
    return open_src(fs, out, err);
}

int spy__timeline_open_mem(const char *name, const uint8_t *data, size_t len,
                           spy_timeline **out, spy_err *err) {
    file_src *fs;

    *out = NULL;
    fs = calloc(1, sizeof *fs);
    if (fs == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", name);
    snprintf(fs->name, sizeof fs->name, "%s", name);
    fs->mem = data;
    fs->memlen = len;
    return open_src(fs, out, err);
}
