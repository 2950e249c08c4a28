/* record.h - sampling a live segment for its history (issue 19): the one
 * sampler behind `shmspy record`, `shmspy log` and the live view's
 * scrub-back, and the recorder that feeds it to a file or a ring.
 *
 * The sampler reads the whole segment once per step (spy_seg_read) and
 * compares it with the previous sample in SPY_REC_BLOCK blocks: what
 * differs becomes the runs of a delta (with old and new bytes). It checks
 * the size at every sample (one fstat) and, at most once per
 * SPY_SAMPLER_SLOW_MS, whether the object was removed or recreated under
 * its name (re-opening by name, comparing dev/ino), and
 * reports those as events and keeps going: a removed segment is waited
 * for; a recreated one starts with a keyframe.
 *
 * Ownership: the sampler owns the segment it opened (by name), the image
 * of the latest sample and the buffer of the old bytes of the last
 * step's runs. A spy_sample's runs, events and image point into them and
 * are valid until the next step. (ops/record.c: the sampler;
 * ops/recorder.c: the recorder.) */
#ifndef SPY_OPS_RECORD_H
#define SPY_OPS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/name.h"
#include "../backends/seg.h"
#include "recording.h"

#define SPY_SAMPLER_SLOW_MS 250

/* One changed run of a sample: old and new bytes. */
typedef struct spy_sample_run {
    uint64_t off;
    uint32_t len;
    const uint8_t *old_data; /* the previous sample's bytes (NULL when the
                                run lies past the previous size) */
    const uint8_t *new_data;
} spy_sample_run;

/* What one step saw. */
typedef struct spy_sample {
    uint64_t t_ns;              /* since the sampler's start (monotonic) */
    uint64_t seq;               /* sample number */
    uint64_t size;              /* the segment's size at this sample */
    const spy_sample_run *runs; /* changed runs, sorted, valid during the
                                   callback */
    size_t nruns;
    const uint8_t *img;          /* the whole sample (size bytes) */
    int key;                     /* 1: first sample, or a recreated object: a
                                    keyframe, not a delta (runs empty) */
    uint64_t missed;             /* periods skipped before this sample */
    const spy_rec_event *events; /* events seen at this step (resize,
                                    removed, recreated) */
    size_t nevents;
} spy_sample;

typedef struct spy_sampler spy_sampler;

/* Opens NAME read-only and takes the first sample (a keyframe). */
int spy_sampler_open(const spy_name *n, uint64_t period_ns, spy_sampler **out,
                     spy_err *err);

/* Sleeps until the next period (absolute deadlines, never drifting; a
 * deadline already passed by whole periods counts them as missed), then
 * samples. Returns 0 with *s filled (valid until the next call), or a
 * negative error (a read that failed for a reason other than the object
 * shrinking or going away). `wait` 0: sample now without sleeping. */
int spy_sampler_step(spy_sampler *sp, int wait, spy_sample *s, spy_err *err);

/* The first sample (taken by spy_sampler_open) as a keyframe into *s:
 * t_ns 0, seq 0, key 1, the whole image (valid until the next step). */
void spy_sampler_first(const spy_sampler *sp, spy_sample *s);

/* 1 while the name is removed (the sampler waits for it to come back;
 * samples then hold no runs), else 0. */
int spy_sampler_gone(const spy_sampler *sp);

/* The monotonic time (backends/process.h spy_monotonic_ns) of the first
 * sample: t_ns 0 of the samples. */
uint64_t spy_sampler_start_ns(const spy_sampler *sp);

/* The latest sample (the whole image) and its size. */
const uint8_t *spy_sampler_image(const spy_sampler *sp, uint64_t *size);

/* Statistics. */
typedef struct spy_sampler_stats {
    uint64_t samples, missed, changed_bytes, deltas, events;
    uint64_t busy_ns; /* time spent reading and comparing */
} spy_sampler_stats;
void spy_sampler_stats_get(const spy_sampler *sp, spy_sampler_stats *st);

void spy_sampler_close(spy_sampler *sp);

/* ---- the recorder: sampler + until + file or ring -------------------- */

struct spy_until; /* core/until.h */

/* A ring's memory cap without --max-size: 256 MiB plus 4 times the
 * segment's size at the start (spy_history_set_limit). */
#define SPY_RECORD_RING_LIMIT(size) (((uint64_t)256 << 20) + 4 * (size))

typedef struct spy_record_opts {
    const spy_name *name;
    const char *out;               /* -o FILE */
    unsigned flags;                /* SPY_RECW_* (--force, --no-compress) */
    uint64_t period_ns;            /* 1e9 / --hz */
    uint64_t for_ns;               /* --for (0: until stopped) */
    uint64_t max_size;             /* --max-size bytes of file (0: none);
                                      with --ring, the ring's memory cap
                                      (0: SPY_RECORD_RING_LIMIT) */
    uint64_t ring_ns;              /* --ring window (0: write as it goes) */
    const struct spy_until *until; /* --until, or NULL */
    /* --blame OFFSET...: hits recorded with the bytes they wrote */
    uint64_t blame_off[4];
    unsigned nblame;
    unsigned blame_len;
} spy_record_opts;

typedef enum spy_record_end {
    SPY_RECORD_RUNNING = 0,
    SPY_RECORD_DURATION,  /* --for elapsed */
    SPY_RECORD_TRIGGERED, /* --until held */
    SPY_RECORD_MAXSIZE,   /* --max-size reached */
    SPY_RECORD_STOPPED    /* spy_record_stop (a signal) */
} spy_record_end;

typedef struct spy_record_stats {
    spy_sampler_stats s;
    uint64_t size;          /* the segment's size at the last sample */
    uint64_t file_bytes;    /* written (or, in a ring, of the last save) */
    uint64_t history_bytes; /* a ring's memory now */
    uint64_t ring_limit;    /* a ring's memory cap (bytes) */
    uint64_t ring_kept_ns;  /* a ring: the span of the last save */
    int ring_limited;       /* ... shorter than --ring: cut by the cap */
    uint64_t hits;
    uint64_t events; /* events recorded, of every kind (resized, removed,
                        recreated, missed samples, --until, notes) */
    spy_record_end end;
    uint64_t trigger_ns; /* when --until held */
    uint64_t last_ns;    /* the last sample's time: the duration */
} spy_record_stats;

typedef struct spy_recorder spy_recorder;

int spy_record_start(const spy_record_opts *o, spy_recorder **out,
                     spy_err *err);
/* One period: sample, write (or keep in the ring), evaluate --until.
 * Returns 0 while running, 1 when finished (see stats.end), or an error. */
int spy_record_step(spy_recorder *r, spy_err *err);
/* A ring: write the window now (SIGUSR1, a key). The ring keeps going. */
int spy_record_save(spy_recorder *r, spy_err *err);
/* Ends at the next step (SPY_RECORD_STOPPED). Async-signal-safe. */
void spy_record_stop(spy_recorder *r);
void spy_record_stats_get(const spy_recorder *r, spy_record_stats *st);
/* Adds a NOTE event (free text: "stopped by SIGINT") at the last
 * sample's time. */
int spy_record_note(spy_recorder *r, const char *text, spy_err *err);
/* Finishes the file (a ring: saves the window) and frees r. */
int spy_record_finish(spy_recorder *r, spy_err *err);
/* The same, filling *st (if non-NULL) with the final statistics: the
 * file's bytes then include its index and trailer. */
int spy_record_finish_stats(spy_recorder *r, spy_record_stats *st,
                            spy_err *err);

/* --until field=PATH: finds PATH in the typed layout t placed at base in
 * seg (ops/typed.h) and resolves u to the field's offset, size and type
 * (integers, enums, chars, bools and floats are numbers; anything else,
 * bitfields included, allows only `changes`; the layout's byte order
 * unless the condition names a type). Errors: spy_typed_field's (*usage
 * set: a bad path is a usage error) and spy_until_resolve's (usage). */
struct spy_typed;
int spy_record_until_field(struct spy_until *u, spy_seg *seg,
                           const struct spy_typed *t, uint64_t base, int *usage,
                           spy_err *err);

#endif
