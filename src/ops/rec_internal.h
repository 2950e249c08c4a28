/* rec_internal.h - what recording.c (writer, codec), timeline.c (the
 * reader) and history.c (the in-memory history) share. Private to
 * src/ops/.
 *
 * One representation behind the timeline: an array of entries, one per
 * record (spy_recfmt_entry: type, time, seq, size after, [lo, hi) touched)
 * sorted by time, where a keyframe is a KEY entry followed by its PIECE
 * entries; and a source that yields the raw payload of an entry (a file:
 * pread, checksum, decompress; a history: the bytes in memory, already
 * encoded as a file's payloads are). frame, next/prev change and walk are
 * written once over that (timeline.c). */
#ifndef SPY_OPS_REC_INTERNAL_H
#define SPY_OPS_REC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../core/recfmt.h"
#include "recording.h"

typedef struct spy__tl_source {
    /* The raw payload of entry e (for a PREF, the bytes of the piece it
     * refers to) into *p, *n: valid until the next call with the same
     * slot (0 or 1). */
    int (*payload)(spy_timeline *tl, const spy_recfmt_entry *e, int slot,
                   const uint8_t **p, size_t *n, spy_err *err);
    /* Brings the entries up to date (a history that grew); may be NULL. */
    int (*sync)(spy_timeline *tl, spy_err *err);
    /* Frees the source's state; may be NULL. */
    void (*close)(spy_timeline *tl);
} spy__tl_source;

struct spy_timeline {
    const spy__tl_source *src;
    void *arg; /* the source's state */
    spy_rec_meta meta;
    uint64_t piece; /* the keyframe piece size of the source */
    spy_recfmt_entry *e;
    size_t n, cap;
    size_t *keys; /* indices of the KEY entries */
    size_t nkeys, keycap;
    /* Scratch of the readers. */
    uint8_t *buf[2];
    size_t bufcap[2];
    spy_recfmt_run *runs;
    size_t runcap;
    spy_rec_run *rruns;
    size_t rruncap;
    size_t *moff;  /* rruncap offsets in mbuf */
    uint8_t *mbuf; /* the runs of a delta of several chunks, merged */
    size_t mbufcap;
};

/* Makes a timeline over src/arg with no entries. */
int spy__tl_new(const spy__tl_source *src, void *arg, spy_timeline **out,
                spy_err *err);

/* Appends entry e (keeps keys[] up to date). */
int spy__tl_push(spy_timeline *tl, const spy_recfmt_entry *e, spy_err *err);

/* Checks the entries' structure from the entry `from` on: times do not go
 * backwards, the first entry is a keyframe, each KEY is followed by its
 * pieces (ceil(size / piece), covering [0, size) in order). A keyframe cut
 * short at the end of the entries is dropped when drop_torn is set (a
 * file not closed cleanly), else damage. Messages name `where` (the path
 * or "history") and the entry's file position. */
int spy__tl_check(spy_timeline *tl, const char *where, int drop_torn,
                  spy_err *err);

/* Fills the counts of tl->meta (deltas, keyframes, events, hits,
 * duration, samples) from the entries. */
void spy__tl_count(spy_timeline *tl);

/* Grows the scratch buffer of slot to n bytes; returns it or NULL. */
uint8_t *spy__tl_scratch(spy_timeline *tl, int slot, size_t n);

/* Index entries per INDEX chunk the writer writes (512 Ki; tests lower
 * it). */
extern size_t spy__rec_idx_per_chunk;

/* Opens a timeline over the len bytes at data (borrowed: they must
 * outlive it) as spy_timeline_open opens a file; `name` names them in
 * messages. For the fuzzer and tests. */
int spy__timeline_open_mem(const char *name, const uint8_t *data, size_t len,
                           spy_timeline **out, spy_err *err);

/* Compresses n bytes at src with zstd level 1 into dst (cap bytes);
 * returns the compressed length, or 0 when it does not fit or this build
 * has no zstd. */
size_t spy__rec_compress(void *cctx, const uint8_t *src, size_t n, uint8_t *dst,
                         size_t cap);
size_t spy__rec_compress_bound(size_t n);
void *spy__rec_cctx_new(void);
void spy__rec_cctx_free(void *cctx);

/* Decompresses a zstd payload of exactly raw bytes. SPY_ENOTSUP in a
 * build without zstd, SPY_EINVAL (damaged at byte base) when it does not
 * decode to exactly raw bytes. `path` names the file in messages. */
int spy__rec_decompress(const char *path, const uint8_t *src, size_t n,
                        uint8_t *dst, size_t raw, uint64_t base, spy_err *err);

/* Prefixes err's message with "path: " (keeping its code). Returns the
 * code. */
int spy__rec_prefix(spy_err *err, int rc, const char *path);

/* The message of a zstd file read by a build without zstd. */
int spy__rec_no_zstd(const char *path, spy_err *err);

#endif
