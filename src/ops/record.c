/* record.c - the sampler (record.h; the recorder is in recorder.c).
 *
 * The sampler keeps ONE image of the segment (its latest sample) and a
 * chunk of scratch: each step reads the segment a chunk at a time into the
 * scratch, compares it with the image a 4 KiB page at a time (memcmp),
 * refines only the pages that differ into SPY_REC_BLOCK blocks, saves the
 * old bytes of changed blocks aside and copies the new ones into the image.
 * So memory is the segment's size plus the bytes that changed, and a
 * 1 GiB segment costs 1 GiB, not 2. Runs of adjacent changed blocks are
 * merged; their old bytes point into the aside buffer, their new ones into
 * the image, both valid until the next step.
 *
 * The size is checked every sample (spy_seg_refresh: one fstat), so a
 * resize is seen by the next sample; whether the name still names the
 * object (re-opened by name, dev/ino compared) at most every
 * SPY_SAMPLER_SLOW_MS. */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../backends/seg.h"
#include "../core/seginfo.h"

#define SCRATCH (1u << 20) /* bytes read per spy_seg_read */
#define PAGE 4096u         /* memcmp granularity of the fast path */
#define RUN_MAX (1u << 30) /* a run is split past this (len is 32 bits) */
#define MAX_EVENTS 4

struct spy_sampler {
    spy_name name;
    char disp[256]; /* the canonical name, for messages (raw) */
    spy_seg *seg;
    uint64_t period_ns;
    uint64_t t0;       /* monotonic ns of the first sample */
    uint64_t deadline; /* monotonic ns of the next sample */
    uint64_t seq;      /* of the next sample */
    uint64_t next_slow;

    uint8_t *img; /* the latest sample */
    uint64_t size, cap;
    uint8_t *scratch;

    uint8_t *aside; /* old bytes of this step's changed blocks */
    size_t aside_len, aside_cap;
    spy_sample_run *runs;
    size_t nruns, runs_cap;
    spy_rec_event events[MAX_EVENTS];
    size_t nevents;

    uint64_t dev, ino; /* identity of the open object */
    int gone;          /* the name was removed: waiting for it */

    spy_sampler_stats st;
};

/* ---- buffers ------------------------------------------------------------ */

static int grow_img(spy_sampler *sp, uint64_t size, spy_err *err) {
    uint8_t *p;
    if (size <= sp->cap)
        return 0;
    if (size > SIZE_MAX)
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: %llu bytes: too large",
                           sp->disp, (unsigned long long)size);
    p = realloc(sp->img, (size_t)size);
    if (p == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0,
                           "%s: out of memory for a sample of %llu bytes",
                           sp->disp, (unsigned long long)size);
    sp->img = p;
    sp->cap = size;
    return 0;
}

/* Saves len old bytes; returns their offset in aside, or -1. */
static int64_t keep_old(spy_sampler *sp, const uint8_t *old, size_t len) {
    size_t at = sp->aside_len;
    if (sp->aside_len + len > sp->aside_cap) {
        size_t cap = sp->aside_cap ? sp->aside_cap : 4096;
        uint8_t *p;
        while (cap < sp->aside_len + len)
            cap *= 2;
        p = realloc(sp->aside, cap);
        if (p == NULL)
            return -1;
        sp->aside = p;
        sp->aside_cap = cap;
    }
    memcpy(sp->aside + at, old, len);
    sp->aside_len += len;
    return (int64_t)at;
}

/* Adds [off, off+len) as changed (old bytes at old, NULL past the old
 * size), merging with the previous run when adjacent and of the same
 * kind. While the step runs, old_data holds an offset into aside
 * (+1; 0 for NULL), fixed up into a pointer at its end. */
static int add_run(spy_sampler *sp, uint64_t off, uint32_t len,
                   const uint8_t *old) {
    int64_t at = -1;
    if (old != NULL) {
        at = keep_old(sp, old, len);
        if (at < 0)
            return SPY_ENOMEM;
    }
    if (sp->nruns > 0) {
        spy_sample_run *r = &sp->runs[sp->nruns - 1];
        if (r->off + r->len == off && (r->old_data != NULL) == (old != NULL) &&
            (uint64_t)r->len + len <= RUN_MAX) {
            r->len += len;
            return 0;
        }
    }
    if (sp->nruns == sp->runs_cap) {
        size_t cap = sp->runs_cap ? sp->runs_cap * 2 : 64;
        spy_sample_run *p = realloc(sp->runs, cap * sizeof *p);
        if (p == NULL)
            return SPY_ENOMEM;
        sp->runs = p;
        sp->runs_cap = cap;
    }
    sp->runs[sp->nruns].off = off;
    sp->runs[sp->nruns].len = len;
    sp->runs[sp->nruns].old_data =
        old != NULL ? (const uint8_t *)(uintptr_t)(at + 1) : NULL;
    sp->runs[sp->nruns].new_data = NULL;
    sp->nruns++;
    return 0;
}

static void fix_runs(spy_sampler *sp) {
    for (size_t i = 0; i < sp->nruns; i++) {
        spy_sample_run *r = &sp->runs[i];
        if (r->old_data != NULL)
            r->old_data = sp->aside + ((uintptr_t)r->old_data - 1);
        r->new_data = sp->img + r->off;
    }
}

static void add_event(spy_sampler *sp, spy_rec_event_kind kind, uint64_t a,
                      uint64_t b) {
    spy_rec_event *e;
    if (sp->nevents == MAX_EVENTS)
        return;
    e = &sp->events[sp->nevents++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->a = a;
    e->b = b;
    sp->st.events++;
}

/* ---- identity ------------------------------------------------------------ */

static int identity(spy_seg *s, uint64_t *dev, uint64_t *ino) {
    spy_seg_info *info = malloc(sizeof *info);
    int rc;
    if (info == NULL)
        return SPY_ENOMEM;
    spy_seg_info_init(info);
    rc = spy_seg_stat(s, info, NULL);
    if (rc == 0) {
        *dev = info->dev;
        *ino = info->ino;
    }
    free(info);
    return rc;
}

/* Reads the whole object into sp->img (size bytes) without comparing:
 * the first sample, and a recreated object. */
static int read_all(spy_sampler *sp, spy_err *err) {
    uint64_t size = spy_seg_len(sp->seg), off;
    int rc = grow_img(sp, size, err);
    if (rc != 0)
        return rc;
    for (off = 0; off < size; off += SCRATCH) {
        size_t n = size - off < SCRATCH ? (size_t)(size - off) : SCRATCH;
        rc = spy_seg_read(sp->seg, off, sp->img + off, n, err);
        if (rc == SPY_EFAULT || rc == SPY_ERANGE) {
            /* Shrank while read: keep what was read, at the new size. */
            (void)spy_seg_refresh(sp->seg, NULL, NULL);
            size = spy_seg_len(sp->seg) < off ? spy_seg_len(sp->seg) : off;
            break;
        }
        if (rc != 0)
            return rc;
    }
    sp->size = size;
    return 0;
}

/* The slow checks: size, and whether the name still names our object.
 * Sets *key when a new object was adopted. */
static int slow_checks(spy_sampler *sp, int *key, spy_err *err) {
    spy_seg *probe = NULL;
    spy_err e;
    uint64_t dev = 0, ino = 0;
    int rc;

    *key = 0;
    spy_err_clear(&e);
    rc = spy_seg_open(&sp->name, SPY_O_NOMAP, 0, 0, &probe, &e);
    if (rc == SPY_ENOENT) {
        if (!sp->gone) {
            sp->gone = 1;
            add_event(sp, SPY_REC_EV_REMOVED, 0, 0);
        }
        return 0;
    }
    if (rc == 0 && identity(probe, &dev, &ino) == 0 &&
        (dev != sp->dev || ino != sp->ino)) {
        spy_seg *fresh = NULL;
        spy_seg_close(probe);
        probe = NULL;
        rc = spy_seg_open(&sp->name, 0, 0, 0, &fresh, &e);
        if (rc == 0) {
            spy_seg_close(sp->seg);
            sp->seg = fresh;
            sp->dev = dev;
            sp->ino = ino;
            sp->gone = 0;
            rc = read_all(sp, err);
            if (rc != 0)
                return rc;
            add_event(sp, SPY_REC_EV_RECREATED, 0, sp->size);
            *key = 1;
            return 0;
        }
    }
    spy_seg_close(probe);
    if (rc == 0)
        sp->gone = 0; /* (back under the same identity) */
    return 0;
}

/* The size, every sample: one fstat for objects with a descriptor
 * (System V segments never change size), so a resize is seen by the
 * sample that follows it. */
static void check_size(spy_sampler *sp) {
    int changed = 0;
    if (spy_seg_refresh(sp->seg, &changed, NULL) == 0 && changed &&
        spy_seg_len(sp->seg) != sp->size)
        add_event(sp, SPY_REC_EV_RESIZE, sp->size, spy_seg_len(sp->seg));
}

/* Reads the object and compares it with the image: the runs. */
static int read_compare(spy_sampler *sp, spy_err *err) {
    uint64_t size = spy_seg_len(sp->seg), old_size = sp->size, off;
    int rc = grow_img(sp, size, err), retries = 0;

    if (rc != 0)
        return rc;
    for (off = 0; off < size; off += SCRATCH) {
        size_t n = size - off < SCRATCH ? (size_t)(size - off) : SCRATCH;
        rc = spy_seg_read(sp->seg, off, sp->scratch, n, err);
        if (rc == SPY_EFAULT || rc == SPY_ERANGE) {
            /* Shrank under us: the sample ends at the new size. */
            uint64_t now_len;
            (void)spy_seg_refresh(sp->seg, NULL, NULL);
            now_len = spy_seg_len(sp->seg);
            if (now_len > off && retries++ < 3) {
                size = now_len;
                off -= SCRATCH; /* read this chunk again, shorter */
                continue;
            }
            size = now_len < off ? now_len : off;
            break;
        }
        if (rc != 0)
            return rc;
        for (size_t p = 0; p < n; p += PAGE) {
            size_t pl = n - p < PAGE ? n - p : PAGE;
            uint64_t at = off + p;
            const uint8_t *nw = sp->scratch + p;
            uint8_t *im = sp->img + at;
            if (at + pl <= old_size && memcmp(nw, im, pl) == 0)
                continue;
            for (size_t b = 0; b < pl; b += SPY_REC_BLOCK) {
                size_t bl = pl - b < SPY_REC_BLOCK ? pl - b : SPY_REC_BLOCK;
                uint64_t bo = at + b;
                if (bo >= old_size) {
                    /* past the old size: all new (old bytes unknown) */
                    rc = add_run(sp, bo, (uint32_t)bl, NULL);
                } else {
                    size_t ol =
                        bo + bl <= old_size ? bl : (size_t)(old_size - bo);
                    if (memcmp(nw + b, im + b, bl) == 0)
                        continue;
                    rc = add_run(sp, bo, (uint32_t)ol, im + b);
                    if (rc == 0 && ol < bl)
                        rc = add_run(sp, bo + ol, (uint32_t)(bl - ol), NULL);
                }
                if (rc != 0)
                    return spy_err_set(err, SPY_ENOMEM, 0,
                                       "%s: out of memory for changes",
                                       sp->disp);
                memcpy(im + b, nw + b, bl);
                sp->st.changed_bytes += bl;
            }
        }
    }
    if (size < old_size) {
        /* shrank: what lay past the end is gone (the event says so) */
        size_t i = sp->nruns;
        while (i > 0 && sp->runs[i - 1].off >= size)
            i--;
        sp->nruns = i;
        if (i > 0 && sp->runs[i - 1].off + sp->runs[i - 1].len > size)
            sp->runs[i - 1].len = (uint32_t)(size - sp->runs[i - 1].off);
        if (sp->nevents == 0 ||
            sp->events[sp->nevents - 1].kind != SPY_REC_EV_RESIZE)
            add_event(sp, SPY_REC_EV_RESIZE, old_size, size);
    } else if (size > old_size &&
               (sp->nevents == 0 ||
                sp->events[sp->nevents - 1].kind != SPY_REC_EV_RESIZE)) {
        add_event(sp, SPY_REC_EV_RESIZE, old_size, size);
    }
    sp->size = size;
    fix_runs(sp);
    return 0;
}

/* ---- the sampler ----------------------------------------------------------
 */

int spy_sampler_open(const spy_name *n, uint64_t period_ns, spy_sampler **out,
                     spy_err *err) {
    spy_sampler *sp = calloc(1, sizeof *sp);
    int rc;

    *out = NULL;
    if (sp == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    sp->name = *n;
    spy_name_format(n, sp->disp, sizeof sp->disp);
    sp->period_ns = period_ns ? period_ns : 10000000u;
    sp->scratch = malloc(SCRATCH);
    if (sp->scratch == NULL) {
        free(sp);
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    }
    rc = spy_seg_open(n, 0, 0, 0, &sp->seg, err);
    if (rc == 0)
        rc = identity(sp->seg, &sp->dev, &sp->ino);
    if (rc == 0) {
        uint64_t t = spy_monotonic_ns();
        rc = read_all(sp, err);
        sp->t0 = t;
        sp->deadline = t + sp->period_ns;
        sp->next_slow = t + (uint64_t)SPY_SAMPLER_SLOW_MS * 1000000u;
        sp->st.busy_ns += spy_monotonic_ns() - t;
    }
    if (rc != 0) {
        spy_sampler_close(sp);
        return rc;
    }
    sp->seq = 1;
    sp->st.samples = 1;
    *out = sp;
    return 0;
}

/* The first sample, as a keyframe (spy_sampler_open took it). */
void spy_sampler_first(const spy_sampler *sp, spy_sample *s) {
    memset(s, 0, sizeof *s);
    s->t_ns = 0;
    s->seq = 0;
    s->size = sp->size;
    s->img = sp->img;
    s->key = 1;
}

int spy_sampler_step(spy_sampler *sp, int wait, spy_sample *s, spy_err *err) {
    uint64_t now, missed = 0, t;
    int rc = 0, key = 0;

    memset(s, 0, sizeof *s);
    if (wait) {
        now = spy_monotonic_ns();
        if (now >= sp->deadline + sp->period_ns) {
            /* fell behind by whole periods: skip them (counted) */
            missed = (now - sp->deadline) / sp->period_ns;
            sp->deadline += missed * sp->period_ns;
        }
        while ((now = spy_monotonic_ns()) < sp->deadline)
            spy_sleep_until_ns(sp->deadline);
        sp->deadline += sp->period_ns;
    }
    t = spy_monotonic_ns();
    sp->nruns = 0;
    sp->aside_len = 0;
    sp->nevents = 0;
    if (t >= sp->next_slow) {
        sp->next_slow = t + (uint64_t)SPY_SAMPLER_SLOW_MS * 1000000u;
        rc = slow_checks(sp, &key, err);
    }
    if (rc == 0 && !key && !sp->gone) {
        check_size(sp);
        rc = read_compare(sp, err);
    }
    sp->st.busy_ns += spy_monotonic_ns() - t;
    if (rc != 0)
        return rc;
    s->t_ns = t - sp->t0;
    s->seq = sp->seq++;
    s->size = sp->size;
    s->img = sp->img;
    s->key = key;
    s->runs = key ? NULL : sp->runs;
    s->nruns = key ? 0 : sp->nruns;
    s->missed = missed;
    s->events = sp->events;
    s->nevents = sp->nevents;
    sp->st.samples++;
    sp->st.missed += missed;
    if (s->nruns > 0)
        sp->st.deltas++;
    return 0;
}

const uint8_t *spy_sampler_image(const spy_sampler *sp, uint64_t *size) {
    if (size != NULL)
        *size = sp->size;
    return sp->img;
}

void spy_sampler_stats_get(const spy_sampler *sp, spy_sampler_stats *st) {
    *st = sp->st;
}

int spy_sampler_gone(const spy_sampler *sp) {
    return sp->gone;
}

void spy_sampler_close(spy_sampler *sp) {
    if (sp == NULL)
        return;
    spy_seg_close(sp->seg);
    free(sp->img);
    free(sp->scratch);
    free(sp->aside);
    free(sp->runs);
    free(sp);
}

uint64_t spy_sampler_start_ns(const spy_sampler *sp) {
    return sp->t0;
}
