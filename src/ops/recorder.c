/* recorder.c - the recorder (record.h): the sampler's samples written to
 * a recording (spy_rec_writer) or kept in a ring (spy_history), --until
 * evaluated on every sample, --for, --max-size, blame hits. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../backends/seg.h"
#include "../core/until.h"
#include "blame.h"
#include "record.h"
#include "typed.h"

#define RUN_MAX (1u << 30) /* a run is split past this (len is 32 bits) */

/* ---- the recorder ---------------------------------------------------------
 */

struct spy_recorder {
    spy_record_opts o;
    spy_until until; /* a copy of *o.until (o.until points here) */
    spy_sampler *sp;
    spy_rec_writer *w; /* writing as it goes */
    spy_history *h;    /* or a ring */
    int saved;         /* a ring was saved once (later saves replace it) */
    spy_rec_run *rruns;
    size_t rruns_cap;
    uint8_t *until_old; /* the --until range in the previous sample */
    int until_had;      /* ... and whether it lay within it */
    uint64_t t_last, seq_last;
    uint64_t t_put;   /* time of the last record written or kept */
    uint64_t chunks;  /* records written (chunks of the file, about) */
    uint64_t tick_ns; /* a ring: an empty delta at least this often */
    volatile sig_atomic_t stop;
    spy_record_stats st;
    /* --blame */
    spy_seg *bseg;
    spy_blame_session *bs;
    spy_err blame_err;
    int blame_rc;
    char disp[256];
};

/* Chunks a keyframe of size bytes takes (pieces, and its header). */
static uint64_t key_chunks(uint64_t size) {
    return size / SPY_REC_PIECE + 2;
}

/* Writes (or keeps in the ring) one event. */
static int put_event(spy_recorder *r, uint64_t t, uint64_t seq,
                     const spy_rec_event *ev, spy_err *err) {
    r->t_put = t;
    r->chunks++;
    r->st.events++;
    if (r->h != NULL)
        return spy_history_add_event(r->h, t, seq, ev, err);
    return spy_rec_write_event(r->w, t, seq, ev, err);
}

static int put_delta(spy_recorder *r, uint64_t t, uint64_t seq, uint64_t size,
                     const spy_rec_run *runs, size_t n, spy_err *err) {
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += runs[i].len;
    r->chunks += 1 + bytes / (SPY_REC_PIECE / 2);
    if (r->h != NULL)
        return spy_history_add_delta(r->h, t, seq, size, runs, n, err);
    return spy_rec_write_delta(r->w, t, seq, size, runs, n, err);
}

/* A keyframe: in a file, a key; in a ring (which has no keys after its
 * base), the whole image as one delta. */
static int put_key(spy_recorder *r, uint64_t t, uint64_t seq,
                   const uint8_t *img, uint64_t size, spy_err *err) {
    spy_rec_run run;
    r->chunks += key_chunks(size);
    if (r->h == NULL)
        return spy_rec_write_key(r->w, t, seq, img, size, err);
    if (size == 0)
        return spy_history_add_delta(r->h, t, seq, 0, NULL, 0, err);
    /* (a run's length is 32 bits: pieces of at most 1 GiB) */
    for (uint64_t off = 0; off < size; off += RUN_MAX) {
        run.off = off;
        run.len = (uint32_t)(size - off < RUN_MAX ? size - off : RUN_MAX);
        run.data = img + off;
        int rc = spy_history_add_delta(r->h, t, seq, size, &run, 1, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Remembers the --until range of this sample for the next comparison. */
static void until_keep(spy_recorder *r, const uint8_t *img, uint64_t size) {
    const spy_until *u = &r->until;
    if (r->until_old == NULL)
        return;
    r->until_had = u->off <= size && u->len <= size - u->off;
    if (r->until_had)
        memcpy(r->until_old, img + u->off, (size_t)u->len);
}

/* Does --until hold at this sample (first: no previous one)? */
static int until_holds(spy_recorder *r, int first, const uint8_t *img,
                       uint64_t size) {
    spy_until u;
    int in_now, holds;
    if (r->o.until == NULL || r->until_old == NULL)
        return 0;
    /* Evaluated on the range alone: offsets moved to 0. */
    u = r->until;
    u.off = 0;
    in_now = r->until.off <= size && r->until.len <= size - r->until.off;
    holds = spy_until_eval(
        &u, first ? NULL : r->until_old, r->until_had ? r->until.len : 0,
        in_now ? img + r->until.off : r->until_old, in_now ? r->until.len : 0);
    until_keep(r, img, size);
    return holds;
}

static int trigger(spy_recorder *r, uint64_t t, uint64_t seq, spy_err *err) {
    spy_rec_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SPY_REC_EV_TRIGGER;
    ev.a = r->until.off;
    ev.b = r->until.len;
    snprintf(ev.text, sizeof ev.text, "%s", r->until.text);
    r->st.end = SPY_RECORD_TRIGGERED;
    r->st.trigger_ns = t;
    return put_event(r, t, seq, &ev, err);
}

/* A blame hit, recorded with the bytes it left. */
static int on_hit(const spy_blame_event *ev, void *arg) {
    spy_recorder *r = arg;
    spy_rec_hit hit;
    uint64_t t0 = spy_sampler_start_ns(r->sp);
    uint64_t t = ev->hit.time_ns > t0 ? ev->hit.time_ns - t0 : 0;
    int rc;

    memset(&hit, 0, sizeof hit);
    hit.pid = ev->hit.pid;
    hit.tid = ev->hit.tid;
    hit.off = ev->hit.off;
    hit.len = ev->value_len ? ev->value_len : r->o.blame_len;
    memcpy(hit.value, ev->value, sizeof hit.value);
    hit.ip = ev->hit.ip;
    snprintf(hit.comm, sizeof hit.comm, "%s", ev->comm);
    /* (where is escaped already; cut to the record's field) */
    memcpy(hit.where, ev->where, sizeof hit.where - 1);
    hit.where[sizeof hit.where - 1] = '\0';
    /* Hits come a little after the sample they belong to: never before
     * the last record (times do not go backwards). */
    if (t < r->t_last)
        t = r->t_last;
    rc = r->h != NULL
             ? spy_history_add_hit(r->h, t, r->seq_last, &hit, &r->blame_err)
             : spy_rec_write_hit(r->w, t, r->seq_last, &hit, &r->blame_err);
    if (rc != 0) {
        r->blame_rc = rc;
        return 1;
    }
    if (t > r->t_put)
        r->t_put = t;
    r->st.hits++;
    return 0;
}

static int blame_drain(spy_recorder *r, spy_err *err) {
    int rc;
    if (r->bs == NULL)
        return 0;
    r->blame_rc = 0;
    rc = spy_blame_session_step(r->bs, 0, on_hit, r, err);
    if (r->blame_rc != 0) {
        *err = r->blame_err;
        return r->blame_rc;
    }
    return rc < 0 ? rc : 0;
}

static int blame_arm(spy_recorder *r, spy_err *err) {
    spy_blame_opts bo;
    int rc;
    if (r->o.nblame == 0)
        return 0;
    memset(&bo, 0, sizeof bo);
    if (r->o.nblame > SPY_BLAME_MAX_WATCH)
        return spy_err_set(err, SPY_EINVAL, 0, "--blame: at most %d offsets",
                           SPY_BLAME_MAX_WATCH);
    for (unsigned i = 0; i < r->o.nblame; i++)
        bo.off[i] = r->o.blame_off[i];
    bo.noff = r->o.nblame;
    bo.len = r->o.blame_len ? r->o.blame_len : 4;
    r->o.blame_len = bo.len;
    rc = spy_seg_open(r->o.name, 0, 0, 0, &r->bseg, err);
    if (rc == 0)
        rc = spy_blame_session_start(r->bseg, &bo, 1, &r->bs, err);
    return rc;
}

int spy_record_start(const spy_record_opts *o, spy_recorder **out,
                     spy_err *err) {
    spy_recorder *r = calloc(1, sizeof *r);
    spy_rec_meta meta;
    spy_sample first;
    int rc;

    *out = NULL;
    if (r == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    r->o = *o;
    spy_name_format(o->name, r->disp, sizeof r->disp);
    if (o->until != NULL) {
        r->until = *o->until;
        r->o.until = &r->until;
        if (!r->until.resolved) {
            spy_err_set(err, SPY_EINVAL, 0,
                        "--until: field=%s needs a layout (--type ...)",
                        r->until.field);
            free(r);
            return SPY_EINVAL;
        }
        r->until_old = malloc(r->until.len ? (size_t)r->until.len : 1);
        if (r->until_old == NULL) {
            free(r);
            return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
        }
    }
    rc = spy_sampler_open(o->name, o->period_ns, &r->sp, err);
    if (rc != 0)
        goto fail;
    spy_sampler_first(r->sp, &first);
    memset(&meta, 0, sizeof meta);
    snprintf(meta.name, sizeof meta.name, "%s", r->disp);
    meta.start_wall_ns = spy_wall_ns();
    meta.period_ns = o->period_ns;
    meta.size = first.size;
    meta.ring = o->ring_ns != 0;
    r->tick_ns =
        o->ring_ns / 1000 > o->period_ns ? o->ring_ns / 1000 : o->period_ns;
    if (o->ring_ns != 0) {
        rc = spy_history_new(r->disp, o->period_ns, o->ring_ns, 0, first.img,
                             first.size, &r->h, err);
        if (rc == 0) {
            r->st.ring_limit = o->max_size != 0
                                   ? o->max_size
                                   : SPY_RECORD_RING_LIMIT(first.size);
            spy_history_set_limit(r->h, r->st.ring_limit);
            spy_history_set_start_wall(r->h, meta.start_wall_ns);
        }
    } else {
        rc = spy_rec_writer_open(o->out, &meta, o->flags, &r->w, err);
        if (rc == 0)
            rc = spy_rec_write_key(r->w, 0, 0, first.img, first.size, err);
    }
    if (rc == 0)
        rc = blame_arm(r, err);
    if (rc != 0)
        goto fail;
    if (until_holds(r, 1, first.img, first.size)) {
        rc = trigger(r, 0, 0, err);
        if (rc != 0)
            goto fail;
    }
    *out = r;
    return 0;
fail:
    spy_blame_session_stop(r->bs);
    spy_seg_close(r->bseg);
    spy_rec_writer_abort(r->w);
    spy_history_free(r->h);
    spy_sampler_close(r->sp);
    free(r->until_old);
    free(r);
    return rc;
}

/* What this sample may add to the file at most, and with it the index
 * that close writes (64 bytes a chunk, each record being at least one)
 * and the last records (an end delta, a note), so that --max-size stops
 * before the finished file would pass it: the runs' bytes uncompressed
 * with their headers, events, and a keyframe when one is due. */
static uint64_t sample_bound(const spy_recorder *r, const spy_sample *s) {
    uint64_t n = 64, chunks = 1 + s->nevents + 1;
    for (size_t i = 0; i < s->nruns; i++)
        n += 16 + s->runs[i].len;
    chunks += n / (SPY_REC_PIECE / 2);
    if (s->key || spy_rec_writer_want_key(r->w)) {
        n += s->size + 64 * key_chunks(s->size);
        chunks += key_chunks(s->size);
    }
    n += 64 * (s->nevents + 1);
    /* the index: every chunk so far and these; its header and trailer;
     * then the end delta and a note */
    n += 64 * (r->chunks + r->st.hits + chunks + 2) + 64 + 64 + 64 + 320;
    return n;
}

int spy_record_step(spy_recorder *r, spy_err *err) {
    spy_sample s;
    spy_rec_event ev;
    int rc;

    if (r->st.end != SPY_RECORD_RUNNING)
        return 1;
    if (r->stop) {
        r->st.end = SPY_RECORD_STOPPED;
        return 1;
    }
    rc = spy_sampler_step(r->sp, 1, &s, err);
    if (rc != 0)
        return rc;
    if (r->o.for_ns != 0 && s.t_ns > r->o.for_ns) {
        /* (woken past the end: this sample is not part of it) */
        r->st.end = SPY_RECORD_DURATION;
        return 1;
    }
    if (r->w != NULL && r->o.max_size != 0 &&
        spy_rec_writer_bytes(r->w) + sample_bound(r, &s) > r->o.max_size) {
        r->st.end = SPY_RECORD_MAXSIZE;
        return 1;
    }
    r->t_last = s.t_ns;
    r->seq_last = s.seq;
    if (s.missed > 0) {
        memset(&ev, 0, sizeof ev);
        ev.kind = SPY_REC_EV_MISSED;
        ev.a = s.missed;
        if ((rc = put_event(r, s.t_ns, s.seq, &ev, err)) != 0)
            return rc;
    }
    for (size_t i = 0; i < s.nevents; i++)
        if ((rc = put_event(r, s.t_ns, s.seq, &s.events[i], err)) != 0)
            return rc;
    if (s.key) {
        rc = put_key(r, s.t_ns, s.seq, s.img, s.size, err);
        r->t_put = s.t_ns;
    } else if (s.nruns > 0 || s.nevents > 0 ||
               (r->h != NULL && s.t_ns >= r->t_put + r->tick_ns)) {
        /* (a ring with nothing new still gets an empty delta now and
         * then: the history drops what left the window when appended
         * to, so its window follows the clock, not the last change) */
        r->t_put = s.t_ns;
        if (s.nruns > r->rruns_cap) {
            size_t cap = s.nruns * 2;
            spy_rec_run *p = realloc(r->rruns, cap * sizeof *p);
            if (p == NULL)
                return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
            r->rruns = p;
            r->rruns_cap = cap;
        }
        for (size_t i = 0; i < s.nruns; i++) {
            r->rruns[i].off = s.runs[i].off;
            r->rruns[i].len = s.runs[i].len;
            r->rruns[i].data = s.runs[i].new_data;
        }
        rc = put_delta(r, s.t_ns, s.seq, s.size, r->rruns, s.nruns, err);
        if (rc == 0 && r->w != NULL && spy_rec_writer_want_key(r->w))
            rc = put_key(r, s.t_ns, s.seq, s.img, s.size, err);
    }
    if (rc == 0)
        rc = blame_drain(r, err);
    if (rc != 0)
        return rc;
    if (until_holds(r, 0, s.img, s.size)) {
        if ((rc = trigger(r, s.t_ns, s.seq, err)) != 0)
            return rc;
        return 1;
    }
    if (r->o.for_ns != 0 && s.t_ns + r->o.period_ns > r->o.for_ns) {
        r->st.end = SPY_RECORD_DURATION;
        return 1;
    }
    return 0;
}

int spy_record_save(spy_recorder *r, spy_err *err) {
    unsigned flags = r->o.flags;
    int rc;
    if (r->h == NULL)
        return 0; /* written as it goes */
    if (r->saved)
        flags |= SPY_RECW_FORCE; /* our own earlier save */
    rc = spy_history_save(r->h, r->o.out, flags, err);
    if (rc == 0) {
        spy_timeline *tl = NULL;
        uint64_t from, to;
        spy_history_span(r->h, &from, &to);
        r->st.ring_kept_ns = to - from;
        /* (the window starts later than --ring says: the cap folded it) */
        r->st.ring_limited = from > (to > r->o.ring_ns ? to - r->o.ring_ns : 0);
        r->saved = 1;
        if (spy_timeline_open(r->o.out, &tl, NULL) == 0) {
            r->st.file_bytes = spy_timeline_meta(tl)->file_bytes;
            spy_timeline_close(tl);
        }
    }
    return rc;
}

void spy_record_stop(spy_recorder *r) {
    r->stop = 1;
}

int spy_record_note(spy_recorder *r, const char *text, spy_err *err) {
    spy_rec_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SPY_REC_EV_NOTE;
    snprintf(ev.text, sizeof ev.text, "%s", text);
    return put_event(r, r->t_last > r->t_put ? r->t_last : r->t_put,
                     r->seq_last, &ev, err);
}

void spy_record_stats_get(const spy_recorder *r, spy_record_stats *st) {
    *st = r->st;
    st->last_ns = r->t_last;
    (void)spy_sampler_image(r->sp, &st->size);
    spy_sampler_stats_get(r->sp, &st->s);
    if (r->w != NULL)
        st->file_bytes = spy_rec_writer_bytes(r->w);
    if (r->h != NULL)
        st->history_bytes = spy_history_bytes(r->h);
}

int spy_record_finish(spy_recorder *r, spy_err *err) {
    return spy_record_finish_stats(r, NULL, err);
}

int spy_record_finish_stats(spy_recorder *r, spy_record_stats *st,
                            spy_err *err) {
    int rc = 0;
    if (r == NULL)
        return 0;
    if (r->bs != NULL) {
        rc = blame_drain(r, err);
        spy_blame_session_stop(r->bs);
        r->bs = NULL;
    }
    spy_seg_close(r->bseg);
    if (r->h != NULL) {
        int rc2 = spy_record_save(r, err);
        if (rc == 0)
            rc = rc2;
        spy_history_free(r->h);
        r->h = NULL;
    } else if (r->w != NULL) {
        spy_timeline *tl = NULL;
        int rc2;
        /* The recording lasts to its last sample, not its last change:
         * an empty delta marks the end. */
        if (rc == 0 && r->t_last > r->t_put) {
            uint64_t size;
            (void)spy_sampler_image(r->sp, &size);
            rc = spy_rec_write_delta(r->w, r->t_last, r->seq_last, size, NULL,
                                     0, err);
            r->t_put = r->t_last;
        }
        r->st.file_bytes = spy_rec_writer_bytes(r->w);
        /* (a failed write is said by close: what was kept) */
        rc2 = spy_rec_writer_close(r->w, err);
        r->w = NULL;
        if (rc2 != 0)
            rc = rc2;
        if (rc2 == 0 && spy_timeline_open(r->o.out, &tl, NULL) == 0) {
            r->st.file_bytes = spy_timeline_meta(tl)->file_bytes;
            spy_timeline_close(tl);
        }
    }
    if (st != NULL)
        spy_record_stats_get(r, st);
    spy_sampler_close(r->sp);
    free(r->rruns);
    free(r->until_old);
    free(r);
    return rc;
}

int spy_record_until_field(struct spy_until *u, spy_seg *seg,
                           const struct spy_typed *t, uint64_t base, int *usage,
                           spy_err *err) {
    spy_lfield f;
    spy_type vt, *tp = NULL;
    const spy_ltype *lt;
    int rc;

    *usage = 0;
    rc = spy_typed_field(seg, t, base, u->field, &f, NULL, usage, err);
    if (rc != 0)
        return rc;
    lt = &t->layout.types[f.type];
    vt.width = (size_t)lt->size;
    if (f.bit_size == 0 &&
        (lt->size == 1 || lt->size == 2 || lt->size == 4 || lt->size == 8)) {
        switch (lt->kind) {
        case SPY_L_INT:
            vt.kind = SPY_V_INT;
            tp = &vt;
            break;
        case SPY_L_UINT:
        case SPY_L_BOOL:
            vt.kind = SPY_V_UINT;
            tp = &vt;
            break;
        case SPY_L_CHAR:
        case SPY_L_ENUM:
            vt.kind = lt->is_signed ? SPY_V_INT : SPY_V_UINT;
            tp = &vt;
            break;
        case SPY_L_FLOAT:
            if (lt->size == 4 || lt->size == 8) {
                vt.kind = SPY_V_FLOAT;
                tp = &vt;
            }
            break;
        default:
            break;
        }
    }
    if (!u->has_type)
        u->big_endian = t->layout.big_endian;
    rc = spy_until_resolve(u, f.offset, f.size, tp, err);
    if (rc != 0)
        *usage = 1;
    return rc;
}
