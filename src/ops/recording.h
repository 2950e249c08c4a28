/* recording.h - a segment's history as data (issue 19): the recording
 * file (writer and reader), and the one reading interface, the timeline,
 * behind replay, diff, snapshot, the flight recorder and the live view's
 * scrub-back.
 *
 * The model. A history is a sequence of timestamped records:
 *  - a keyframe: the whole segment at one moment (stored in pieces of at
 *    most SPY_REC_PIECE bytes, each compressed on its own, so that a seek
 *    decodes only the pieces it shows; a piece unchanged since the last
 *    keyframe is stored as a reference to its earlier copy);
 *  - a delta: the blocks (SPY_REC_BLOCK bytes, aligned) that changed since
 *    the previous sample, as sorted non-overlapping runs;
 *  - an event: the segment was resized, removed, recreated; samples were
 *    missed; an --until condition triggered; the recording was cut to a
 *    ring window; (spy_rec_event);
 *  - a blame hit: who wrote which bytes (backends/blame.h, ops/blame.h).
 * Times are nanoseconds since the recording's start (its first sample);
 * `seq` is the sample number (0 for the first). A recording starts with a
 * keyframe. The file format (byte layout, version, compression, index,
 * how damage is found) is in the man page, FILES OF RECORDINGS, and
 * docs/architecture.md; the encoding of records is pure C in
 * core/recfmt.h, compression (zstd, when built with it) and I/O here.
 *
 * A file is created with O_EXCL and mode 0600 (backends/file.h), never
 * through a symlink; --force replaces an existing regular file by writing
 * a new one beside it and renaming it over (never in place).
 *
 * Errors: every function returns 0 or a negative SPY_E* code with *err
 * filled. A damaged or truncated file is SPY_EINVAL with one line naming
 * the file and the byte offset: "rec.shmspy: damaged at byte 4096: chunk
 * checksum mismatch". A compressed recording read by a build without zstd
 * is SPY_ENOTSUP: "rec.shmspy: compressed with zstd, and this shmspy was
 * built without zstd (install libzstd-dev and rebuild)". */
#ifndef SPY_OPS_RECORDING_H
#define SPY_OPS_RECORDING_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

/* Granularity of change detection and of deltas. */
#define SPY_REC_BLOCK 64
/* Largest piece of a keyframe, compressed on its own. */
#define SPY_REC_PIECE (1u << 20)

/* ---- records --------------------------------------------------------- */

/* One run of changed bytes: len bytes at off, the new values at data.
 * Runs of a delta are sorted by off and do not overlap. */
typedef struct spy_rec_run {
    uint64_t off;
    uint32_t len;
    const uint8_t *data; /* borrowed */
} spy_rec_run;

typedef enum spy_rec_event_kind {
    SPY_REC_EV_RESIZE = 1,    /* size changed: a = old size, b = new size */
    SPY_REC_EV_REMOVED = 2,   /* the name is gone; recording waits for it
                                 (the last frame stays as it was) */
    SPY_REC_EV_RECREATED = 3, /* a new object under the name: b = its size
                                 (a keyframe of it follows) */
    SPY_REC_EV_MISSED = 4,    /* a = samples missed since the last sample
                                 (the sampler fell behind its period) */
    SPY_REC_EV_TRIGGER = 5,   /* --until held: text = the condition, a =
                                 the offset, b = its length */
    SPY_REC_EV_CUT = 6,       /* a ring recording: history before this
                                 record was dropped; a = ns dropped */
    SPY_REC_EV_NOTE = 7       /* free text (e.g. "stopped by SIGINT") */
} spy_rec_event_kind;

typedef struct spy_rec_event {
    spy_rec_event_kind kind;
    uint64_t a, b;
    char text[256]; /* raw (escape to print), "" when none */
} spy_rec_event;

/* A blame hit as recorded: who wrote (or read) len bytes at off and the
 * bytes there right after (value[0..len)). */
typedef struct spy_rec_hit {
    int32_t pid, tid;
    uint64_t off;
    uint32_t len;     /* 1, 2, 4 or 8 */
    uint8_t value[8]; /* the bytes at off right after the access */
    uint64_t ip;      /* the instruction pointer (0 unknown) */
    char comm[64];    /* the process's command (raw) */
    char where[256];  /* "FUNCTION FILE:LINE (MODULE)" or "" (raw) */
} spy_rec_hit;

/* What a recording says about itself (its header, plus what the reader
 * learnt from its index). */
typedef struct spy_rec_meta {
    char name[256];         /* the segment's canonical name (raw) */
    uint64_t start_wall_ns; /* wall clock of the first sample (Unix ns) */
    uint64_t period_ns;     /* the sampling period asked for (1e9 / hz) */
    uint64_t size;          /* the segment's size at the start */
    int compressed;         /* chunks may be zstd-compressed */
    int ring;               /* written by a ring (flight recorder) */
    /* Reader only (0 for the writer's argument): */
    uint64_t duration_ns; /* time of the last record */
    uint64_t samples;     /* samples taken (last seq + 1) */
    uint64_t deltas, keyframes, events, hits;
    uint64_t file_bytes;
    int complete; /* 1: the file ends with its index (closed
                     cleanly); 0: the index was rebuilt by a
                     scan (the recorder was killed) */
} spy_rec_meta;

/* ---- writing ---------------------------------------------------------- */

typedef struct spy_rec_writer spy_rec_writer;

enum {
    SPY_RECW_FORCE = 1 << 0, /* replace an existing regular file (a new
                                file renamed over it at close) */
    SPY_RECW_PLAIN = 1 << 1  /* do not compress (also what a build without
                                zstd does) */
};

/* Creates the recording `path` (O_EXCL, 0600) and writes its header from
 * *meta (name, start_wall_ns, period_ns, size, ring). SPY_EEXIST when it
 * exists and SPY_RECW_FORCE is not given ("rec.shmspy: exists (use
 * --force to replace it)"). On success *out owns the open file. */
int spy_rec_writer_open(const char *path, const spy_rec_meta *meta,
                        unsigned flags, spy_rec_writer **out, spy_err *err);

/* Appends a keyframe: the whole segment, size bytes at img (size may be
 * 0). img must be the last keyframe plus the deltas written since (the
 * format's contract; a RECREATED event starts afresh): the pieces no
 * delta touched since, the size unchanged, are stored as references to
 * the last keyframe's, without reading their bytes. */
int spy_rec_write_key(spy_rec_writer *w, uint64_t t_ns, uint64_t seq,
                      const uint8_t *img, uint64_t size, spy_err *err);

/* 1 when the writer's keyframe policy wants a keyframe at the next
 * sample (the deltas since the last keyframe grew past what a seek may
 * replay: see the man page), else 0. The recorder then writes that
 * sample's delta and right after it a keyframe with the same t_ns/seq. */
int spy_rec_writer_want_key(const spy_rec_writer *w);

/* Appends a delta: the runs that changed at t_ns; `size` is the segment's
 * size then (runs lie within it). */
int spy_rec_write_delta(spy_rec_writer *w, uint64_t t_ns, uint64_t seq,
                        uint64_t size, const spy_rec_run *runs, size_t nruns,
                        spy_err *err);

/* Appends an event. */
int spy_rec_write_event(spy_rec_writer *w, uint64_t t_ns, uint64_t seq,
                        const spy_rec_event *ev, spy_err *err);

/* Appends a blame hit. */
int spy_rec_write_hit(spy_rec_writer *w, uint64_t t_ns, uint64_t seq,
                      const spy_rec_hit *hit, spy_err *err);

/* Bytes written so far (for --max-size and the bench). */
uint64_t spy_rec_writer_bytes(const spy_rec_writer *w);

/* Writes the index and trailer, flushes to disk and closes (with
 * SPY_RECW_FORCE, renames over the old file). Frees w even on error.
 * After a failed write (a full disk: ENOSPC; a file size limit: EFBIG;
 * here or earlier) the file is cut back to the end of its last whole
 * sample and kept without index (its reader rebuilds the index by a scan,
 * meta.complete 0), and the error says so in one line: "rec: write: No
 * space left on device at 1.234s: the recording up to there is kept
 * (N bytes)"; a file whose first keyframe is not whole is removed. */
int spy_rec_writer_close(spy_rec_writer *w, spy_err *err);

/* Closes without finishing: the file is removed (an aborted write never
 * leaves half a file, nor replaces the old one). w may be NULL. */
void spy_rec_writer_abort(spy_rec_writer *w);

/* ---- the timeline: reading a history -------------------------------- */

/* A history to read: a recording file (spy_timeline_open) or an in-memory
 * history (spy_history_timeline). Not thread-safe. */
typedef struct spy_timeline spy_timeline;

/* Opens and validates the recording `path`: its header, then its index
 * (rebuilt by a scan of every chunk header when the file was not closed
 * cleanly; a torn last chunk of such a file is ignored and said in
 * meta.complete = 0). Damage is SPY_EINVAL naming the byte offset. Costs
 * O(records) for the index, never a read of every payload. On success
 * *out owns the open file: spy_timeline_close. */
int spy_timeline_open(const char *path, spy_timeline **out, spy_err *err);

/* The recording's header and counts. */
const spy_rec_meta *spy_timeline_meta(const spy_timeline *tl);

/* The segment's size at time t_ns (after every record at or before t). */
uint64_t spy_timeline_size_at(spy_timeline *tl, uint64_t t_ns);

/* The bytes [off, off+len) of the segment as of time t_ns (every record
 * with time <= t_ns applied), into dst. Bytes past the size at t_ns read
 * as 0 and *valid (if non-NULL) says how many of len were within it. A
 * time before the start is the start; after the end, the end. Cost: the
 * keyframe pieces under the range and the deltas since that keyframe that
 * touch the range (bounded by the keyframe policy: see the man page).
 * Damage found on the way is SPY_EINVAL naming the byte offset. */
int spy_timeline_frame(spy_timeline *tl, uint64_t t_ns, uint64_t off,
                       uint64_t len, uint8_t *dst, uint64_t *valid,
                       spy_err *err);

/* The time of the first record after t_ns that changes a byte of
 * [off, off+len) (len 0: any byte; events count as changes of every byte)
 * into *next. Returns 1 when found, 0 when there is none, or a negative
 * error. */
int spy_timeline_next_change(spy_timeline *tl, uint64_t t_ns, uint64_t off,
                             uint64_t len, uint64_t *next, spy_err *err);

/* As spy_timeline_next_change, backwards: the last record before t_ns. */
int spy_timeline_prev_change(spy_timeline *tl, uint64_t t_ns, uint64_t off,
                             uint64_t len, uint64_t *prev, spy_err *err);

/* Every record in (from_ns, to_ns], in order (from_ns 0 includes the
 * records at time 0, so walk(tl, 0, UINT64_MAX, ...) is every record),
 * for `replay --log`, diff's listings and the writers of tests. Each callback
 * returns non-zero to stop the walk (then this returns 1). Any callback may be
 * NULL. Runs carry the new bytes; a keyframe is reported as one run over the
 * whole segment to on_key (its bytes valid only during the call). */
typedef struct spy_timeline_visitor {
    int (*on_key)(uint64_t t_ns, uint64_t seq, uint64_t size,
                  const uint8_t *img, void *arg);
    int (*on_delta)(uint64_t t_ns, uint64_t seq, uint64_t size,
                    const spy_rec_run *runs, size_t nruns, void *arg);
    int (*on_event)(uint64_t t_ns, uint64_t seq, const spy_rec_event *ev,
                    void *arg);
    int (*on_hit)(uint64_t t_ns, uint64_t seq, const spy_rec_hit *hit,
                  void *arg);
    void *arg;
} spy_timeline_visitor;
int spy_timeline_walk(spy_timeline *tl, uint64_t from_ns, uint64_t to_ns,
                      const spy_timeline_visitor *v, spy_err *err);

/* Frees the timeline (and closes its file). tl may be NULL. */
void spy_timeline_close(spy_timeline *tl);

/* ---- in-memory history: the flight recorder and the scrub-back ------- */

/* The last `window_ns` of a segment in memory: a base image at the
 * window's start plus the deltas and events since. Appending past the
 * window folds the oldest deltas into the base image, so memory is the
 * segment's size plus the changes within the window. */
typedef struct spy_history spy_history;

/* A history of the segment named `name` keeping window_ns, starting from
 * the image img (size bytes) at time t_ns (the image is copied). */
int spy_history_new(const char *name, uint64_t period_ns, uint64_t window_ns,
                    uint64_t t_ns, const uint8_t *img, uint64_t size,
                    spy_history **out, spy_err *err);

/* Appends a delta / an event / a hit (copied), then drops what fell out
 * of the window. Times must not go backwards. A resize's bytes come as a
 * delta after the event. */
int spy_history_add_delta(spy_history *h, uint64_t t_ns, uint64_t seq,
                          uint64_t size, const spy_rec_run *runs, size_t nruns,
                          spy_err *err);
int spy_history_add_event(spy_history *h, uint64_t t_ns, uint64_t seq,
                          const spy_rec_event *ev, spy_err *err);
int spy_history_add_hit(spy_history *h, uint64_t t_ns, uint64_t seq,
                        const spy_rec_hit *hit, spy_err *err);

/* Sets the wall clock (Unix ns) of time 0 of the history, written as
 * start_wall_ns by spy_history_save and shown by its timeline's meta
 * (0, unknown, until set). */
void spy_history_set_start_wall(spy_history *h, uint64_t start_wall_ns);

/* Caps the memory of the history: when the base image and the records
 * hold more than max_bytes (0: no cap, the default), the oldest records
 * are folded into the base image as if they had left the window (the
 * window shrinks: spy_history_span says what is kept; frames within it
 * stay exact). A cap below the segment's size keeps only the latest
 * state. Applies at once and on every append. */
void spy_history_set_limit(spy_history *h, uint64_t max_bytes);

/* 1 once the cap of spy_history_set_limit shortened the window (records
 * younger than window_ns were folded), else 0. */
int spy_history_limited(const spy_history *h);

/* The span held: [*from_ns, *to_ns]. */
void spy_history_span(const spy_history *h, uint64_t *from_ns, uint64_t *to_ns);

/* Bytes held (base image + records), for the status line and the bench. */
uint64_t spy_history_bytes(const spy_history *h);

/* Writes the history as a recording (keyframe at the window's start, then
 * every record), marked ring, with a CUT event when anything was dropped.
 * The history is unchanged and keeps going. */
int spy_history_save(spy_history *h, const char *path, unsigned flags,
                     spy_err *err);

/* A timeline over the history (valid until the history is freed; records
 * added later are seen by the next call on it). Free with
 * spy_timeline_close (does not free the history). */
int spy_history_timeline(spy_history *h, spy_timeline **out, spy_err *err);

/* Frees the history. h may be NULL. */
void spy_history_free(spy_history *h);

/* 1 if this build reads and writes zstd-compressed recordings. */
int spy_rec_have_zstd(void);

#endif
