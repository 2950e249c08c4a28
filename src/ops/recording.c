/* recording.c - the recording file's writer, and the codec (zstd level 1
 * when built with SPY_HAVE_ZSTD) that the writer and the reader
 * (timeline.c) share. The byte layout is core/recfmt.h's.
 *
 * Keyframe pieces: the writer keeps the file offset of the PIECE chunk
 * holding each piece of the last keyframe, and one dirty mark per piece
 * (memory: 9 bytes per SPY_REC_PIECE of segment, not a copy of it). A
 * frame is the last keyframe plus the deltas since (the format's
 * contract, and so the callers'), and every delta passes through this
 * writer: a piece no delta touched since the last keyframe, while the
 * size stayed that keyframe's, holds the same bytes, and the next
 * keyframe writes it as a PREF to that chunk. Exact, without reading the
 * bytes; a piece changed and changed back is written again (correct,
 * only not as small as it could be).
 *
 * Keyframe policy (spy_rec_writer_want_key): a keyframe is wanted once
 * the deltas since the last one hold more than max(4 MiB, size / 4) raw
 * bytes, or number SPY__KEY_DELTAS, or span more than 30 s. A seek then
 * replays at most that much (and only the deltas whose [lo, hi) meet its
 * range); a keyframe costs at most the size of the segment, and less for
 * its unchanged pieces (references). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(SPY_HAVE_ZSTD)
#include <zstd.h>
#endif

#include "../backends/file.h"
#include "../core/duration.h"
#include "rec_internal.h"

#define SPY__KEY_BYTES_MIN ((uint64_t)4 * 1024 * 1024)
#define SPY__KEY_DELTAS 2000
#define SPY__KEY_NS ((uint64_t)30 * 1000000000)
/* A delta chunk ends at a window's end once it holds this many bytes. */
#define SPY__DELTA_GROUP ((uint64_t)16 * 1024)
/* Index entries per INDEX chunk (32 MiB, under the payload limit); a
 * variable so that tests make files of many index chunks. */
size_t spy__rec_idx_per_chunk = (size_t)512 * 1024;

/* ---- codec ------------------------------------------------------------ */

int spy_rec_have_zstd(void) {
#if defined(SPY_HAVE_ZSTD)
    return 1;
#else
    return 0;
#endif
}

void *spy__rec_cctx_new(void) {
#if defined(SPY_HAVE_ZSTD)
    return ZSTD_createCCtx();
#else
    return NULL;
#endif
}

void spy__rec_cctx_free(void *cctx) {
#if defined(SPY_HAVE_ZSTD)
    ZSTD_freeCCtx(cctx);
#else
    (void)cctx;
#endif
}

size_t spy__rec_compress_bound(size_t n) {
#if defined(SPY_HAVE_ZSTD)
    return ZSTD_compressBound(n);
#else
    return n;
#endif
}

size_t spy__rec_compress(void *cctx, const uint8_t *src, size_t n, uint8_t *dst,
                         size_t cap) {
#if defined(SPY_HAVE_ZSTD)
    size_t r;
    if (cctx == NULL)
        return 0;
    r = ZSTD_compressCCtx(cctx, dst, cap, src, n, 1);
    return ZSTD_isError(r) ? 0 : r;
#else
    (void)cctx;
    (void)src;
    (void)n;
    (void)dst;
    (void)cap;
    return 0;
#endif
}

int spy__rec_no_zstd(const char *path, spy_err *err) {
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "%s: compressed with zstd, and this shmspy was built "
                       "without zstd (install libzstd-dev and rebuild)",
                       path);
}

int spy__rec_decompress(const char *path, const uint8_t *src, size_t n,
                        uint8_t *dst, size_t raw, uint64_t base, spy_err *err) {
#if defined(SPY_HAVE_ZSTD)
    unsigned long long want = ZSTD_getFrameContentSize(src, n);
    size_t r;
    if (want != raw)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: compressed payload "
                           "does not hold its length",
                           path, (unsigned long long)base);
    r = ZSTD_decompress(dst, raw, src, n);
    if (ZSTD_isError(r) || r != raw)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: damaged at byte %llu: compressed payload "
                           "does not decode",
                           path, (unsigned long long)base);
    return 0;
#else
    (void)src;
    (void)n;
    (void)dst;
    (void)raw;
    (void)base;
    return spy__rec_no_zstd(path, err);
#endif
}

int spy__rec_prefix(spy_err *err, int rc, const char *path) {
    char tmp[SPY_ERR_MSG_MAX];
    if (err == NULL || rc == 0)
        return rc;
    memcpy(tmp, err->msg, sizeof tmp);
    return spy_err_set(err, rc, err->sys, "%s: %s", path, tmp);
}

/* ---- the writer -------------------------------------------------------- */

struct spy_rec_writer {
    spy_file *f;
    unsigned flags;
    int compress;
    void *cctx;
    uint32_t piece;
    /* The last keyframe: its size, the chunk holding each piece, which
     * pieces a delta touched since (dirty), and whether the size left
     * key_size since (all dirty). */
    uint64_t key_size;
    uint64_t *piece_pos;
    uint8_t *dirty;
    uint64_t npieces;
    int have_key, all_dirty;
    /* Every chunk written, for the index. */
    spy_recfmt_entry *e;
    size_t n, cap;
    /* Policy state. */
    uint64_t since_bytes, since_deltas, key_t, last_t, cur_size;
    /* Scratch. */
    uint8_t *enc, *comp;
    size_t enccap, compcap;
    int failed;
    /* A failed write (a full disk, a file size limit): the file is cut
     * back to `good` (the end of the last chunk before the one at the
     * latest time: every sample before it is whole; 0 while the first
     * keyframe is not) and kept, without index. */
    uint64_t good, chunk_t;
    int chunked;
    uint64_t fail_t;
    spy_err fail;
};

static const char *wpath(const spy_rec_writer *w) {
    return spy_file_path(w->f);
}

static int grow(uint8_t **buf, size_t *cap, size_t n) {
    uint8_t *p;
    if (n <= *cap)
        return 0;
    p = realloc(*buf, n);
    if (p == NULL)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* Remembers the first failure (what close reports). */
static int note_fail(spy_rec_writer *w, uint64_t t_ns, int rc,
                     const spy_err *err) {
    if (!w->failed) {
        w->fail_t = t_ns;
        if (err != NULL)
            w->fail = *err;
        else
            spy_err_set(&w->fail, rc, 0, "%s: a write failed", wpath(w));
    }
    w->failed = 1;
    return rc;
}

static int oom(spy_rec_writer *w, spy_err *err) {
    spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", wpath(w));
    return note_fail(w, w->last_t, SPY_ENOMEM, err);
}

/* Writes one chunk (compressing its payload when that helps) and keeps
 * its index entry. */
static int write_chunk(spy_rec_writer *w, uint8_t type, uint64_t t_ns,
                       uint64_t seq, uint64_t size, uint64_t lo, uint64_t hi,
                       const uint8_t *payload, size_t n, int index_it,
                       spy_err *err) {
    spy_recfmt_chunk c;
    spy_recfmt_entry en;
    uint8_t hdr[SPY_RECFMT_CHUNK];
    const uint8_t *stored = payload;
    size_t sn = n;
    int rc;

    if (w->failed)
        return spy_err_set(err, SPY_EIO, 0, "%s: an earlier write failed",
                           wpath(w));
    memset(&c, 0, sizeof c);
    c.type = type;
    c.codec = SPY_RECFMT_STORED;
    if (w->compress && n >= 128) {
        size_t bound = spy__rec_compress_bound(n), cn;
        if (grow(&w->comp, &w->compcap, bound) != 0)
            return oom(w, err);
        cn = spy__rec_compress(w->cctx, payload, n, w->comp, bound);
        if (cn > 0 && cn < n) {
            stored = w->comp;
            sn = cn;
            c.codec = SPY_RECFMT_ZSTD;
        }
    }
    c.t_ns = t_ns;
    c.seq = seq;
    c.size = size;
    c.lo = lo;
    c.hi = hi;
    c.raw_len = (uint32_t)n;
    c.stored_len = (uint32_t)sn;
    c.crc = spy_crc32(0, stored, sn);
    spy_recfmt_chunk_encode(&c, hdr);
    en.pos = spy_file_size(w->f);
    en.t_ns = t_ns;
    en.seq = seq;
    en.size = size;
    en.lo = lo;
    en.hi = hi;
    en.raw_len = c.raw_len;
    en.stored_len = c.stored_len;
    en.type = type;
    en.codec = c.codec;
    if (index_it && w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 256;
        spy_recfmt_entry *ne = realloc(w->e, nc * sizeof *ne);
        if (ne == NULL)
            return oom(w, err);
        w->e = ne;
        w->cap = nc;
    }
    if (index_it && (!w->chunked || t_ns != w->chunk_t)) {
        /* a new time: what was written before is whole samples */
        if (w->chunked)
            w->good = en.pos;
        w->chunked = 1;
        w->chunk_t = t_ns;
    }
    rc = spy_file_append(w->f, hdr, sizeof hdr, err);
    if (rc == 0)
        rc = spy_file_append(w->f, stored, sn, err);
    if (rc != 0)
        return note_fail(w, t_ns, rc, err);
    if (index_it)
        w->e[w->n++] = en;
    return 0;
}

int spy_rec_writer_open(const char *path, const spy_rec_meta *meta,
                        unsigned flags, spy_rec_writer **out, spy_err *err) {
    spy_rec_writer *w;
    spy_recfmt_header h;
    uint8_t buf[SPY_RECFMT_HDR_MAX];
    size_t n;
    int rc;

    *out = NULL;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    rc = (flags & SPY_RECW_FORCE) ? spy_file_create_replace(path, &w->f, err)
                                  : spy_file_create(path, &w->f, err);
    if (rc != 0) {
        free(w);
        return rc;
    }
    w->flags = flags;
    w->compress = spy_rec_have_zstd() && !(flags & SPY_RECW_PLAIN);
    if (w->compress && (w->cctx = spy__rec_cctx_new()) == NULL) {
        spy_file_discard(w->f);
        free(w);
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    }
    w->piece = SPY_REC_PIECE;
    w->cur_size = meta->size;
    memset(&h, 0, sizeof h);
    h.version = SPY_RECFMT_VERSION;
    h.flags = (uint16_t)((w->compress ? SPY_RECFMT_F_COMPRESSED : 0) |
                         (meta->ring ? SPY_RECFMT_F_RING : 0));
    h.block = SPY_REC_BLOCK;
    h.piece = w->piece;
    h.period_ns = meta->period_ns;
    h.start_wall_ns = meta->start_wall_ns;
    h.size = meta->size;
    snprintf(h.name, sizeof h.name, "%s", meta->name);
    n = spy_recfmt_header_encode(&h, buf);
    rc = spy_file_append(w->f, buf, n, err);
    if (rc != 0) {
        spy_rec_writer_abort(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int check_time(spy_rec_writer *w, uint64_t t_ns, spy_err *err) {
    if (w->n > 0 && t_ns < w->last_t)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: record times go backwards (%llu after %llu "
                           "ns)",
                           wpath(w), (unsigned long long)t_ns,
                           (unsigned long long)w->last_t);
    w->last_t = t_ns;
    return 0;
}

int spy_rec_write_key(spy_rec_writer *w, uint64_t t_ns, uint64_t seq,
                      const uint8_t *img, uint64_t size, spy_err *err) {
    spy_recfmt_key k;
    uint8_t kp[SPY_RECFMT_KEY_LEN];
    uint64_t i, np, *pos;
    uint8_t *dirty;
    int rc, same;

    if ((rc = check_time(w, t_ns, err)) != 0)
        return rc;
    if (size > SIZE_MAX)
        return spy_err_set(err, SPY_ERANGE, 0, "%s: segment too large",
                           wpath(w));
    np = size / w->piece + (size % w->piece != 0);
    if (np > UINT32_MAX)
        return spy_err_set(err, SPY_ERANGE, 0, "%s: segment too large",
                           wpath(w));
    k.size = size;
    k.npieces = (uint32_t)np;
    k.piece = w->piece;
    spy_recfmt_key_encode(&k, kp);
    pos = malloc((size_t)(np ? np : 1) * sizeof *pos);
    dirty = calloc((size_t)(np ? np : 1), 1);
    if (pos == NULL || dirty == NULL) {
        free(pos);
        free(dirty);
        return oom(w, err);
    }
    same =
        w->have_key && !w->all_dirty && size == w->key_size && np == w->npieces;
    rc = write_chunk(w, SPY_RECFMT_KEY, t_ns, seq, size, 0, size, kp, sizeof kp,
                     1, err);
    for (i = 0; rc == 0 && i < np; i++) {
        uint64_t lo = i * w->piece;
        uint64_t len = size - lo < w->piece ? size - lo : w->piece;
        if (same && !w->dirty[i]) {
            uint8_t ref[8];
            spy_recfmt_put64(ref, w->piece_pos[i]);
            pos[i] = w->piece_pos[i];
            rc = write_chunk(w, SPY_RECFMT_PREF, t_ns, seq, size, lo, lo + len,
                             ref, sizeof ref, 1, err);
        } else {
            pos[i] = spy_file_size(w->f);
            rc = write_chunk(w, SPY_RECFMT_PIECE, t_ns, seq, size, lo, lo + len,
                             img + lo, (size_t)len, 1, err);
        }
    }
    if (rc != 0) {
        free(pos);
        free(dirty);
        return rc;
    }
    free(w->piece_pos);
    free(w->dirty);
    w->piece_pos = pos;
    w->dirty = dirty;
    w->npieces = np;
    w->key_size = size;
    w->have_key = 1;
    w->all_dirty = 0;
    w->since_bytes = 0;
    w->since_deltas = 0;
    w->key_t = t_ns;
    w->cur_size = size;
    return 0;
}

/* Notes the size after a record: once it leaves the keyframe's, no piece
 * of that keyframe is reused. */
static void note_size(spy_rec_writer *w, uint64_t size) {
    w->cur_size = size;
    if (size != w->key_size)
        w->all_dirty = 1;
}

int spy_rec_writer_want_key(const spy_rec_writer *w) {
    uint64_t lim = w->cur_size / 4;
    if (lim < SPY__KEY_BYTES_MIN)
        lim = SPY__KEY_BYTES_MIN;
    return w->since_bytes > lim || w->since_deltas >= SPY__KEY_DELTAS ||
           w->last_t - w->key_t > SPY__KEY_NS;
}

int spy_rec_write_delta(spy_rec_writer *w, uint64_t t_ns, uint64_t seq,
                        uint64_t size, const spy_rec_run *runs, size_t nruns,
                        spy_err *err) {
    size_t i = 0;
    int rc;

    if ((rc = check_time(w, t_ns, err)) != 0)
        return rc;
    for (i = 0; i < nruns; i++) {
        if (runs[i].len == 0 || runs[i].off > size ||
            runs[i].len > size - runs[i].off ||
            (i > 0 && runs[i].off < runs[i - 1].off + runs[i - 1].len))
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: delta run %zu (offset %llu, %u bytes) "
                               "unsorted, empty or past the size",
                               wpath(w), i, (unsigned long long)runs[i].off,
                               (unsigned)runs[i].len);
    }
    /* Runs are cut at the boundaries of the SPY_REC_PIECE windows (the
     * keyframe pieces), and a chunk holds the runs of one window or of
     * several consecutive ones: it ends at a window's end once it holds
     * SPY__DELTA_GROUP bytes. A seek then reads only the chunks under its
     * range ([lo, hi) of each says which), at most a window and a group
     * of bytes a sample, not every byte of a sample that changed all
     * over the segment; and a sample of scattered small changes is one
     * chunk (one header, one index entry, compressed together), not one
     * per window it touches. */
    {
        const uint64_t win = w->piece;
        size_t np = 0, k, first;
        spy_recfmt_run *rr;
        for (i = 0; i < nruns; i++)
            np += (size_t)((runs[i].off + runs[i].len - 1) / win -
                           runs[i].off / win + 1);
        rr = malloc((np ? np : 1) * sizeof *rr);
        if (rr == NULL)
            return oom(w, err);
        for (i = 0, k = 0; i < nruns; i++) {
            uint32_t done = 0;
            while (done < runs[i].len) {
                uint64_t off = runs[i].off + done;
                uint64_t room = win - off % win;
                uint32_t l = runs[i].len - done;
                if (l > room)
                    l = (uint32_t)room;
                rr[k].off = off;
                rr[k].len = l;
                rr[k].data = runs[i].data + done;
                if (off / win < w->npieces)
                    w->dirty[off / win] = 1;
                done += l;
                k++;
            }
        }
        first = 0;
        do {
            size_t j = first, len;
            uint64_t bytes = 0, lo = 0, hi = 0;
            while (j < np && bytes < SPY__DELTA_GROUP) {
                uint64_t wi = rr[j].off / win;
                while (j < np && rr[j].off / win == wi) {
                    bytes += rr[j].len;
                    j++;
                }
            }
            if (j > first) {
                lo = rr[first].off;
                hi = rr[j - 1].off + rr[j - 1].len;
            }
            len = spy_recfmt_delta_len(size, rr + first, j - first);
            if (grow(&w->enc, &w->enccap, len) != 0) {
                free(rr);
                return oom(w, err);
            }
            spy_recfmt_delta_encode(size, rr + first, j - first, w->enc);
            rc = write_chunk(w, SPY_RECFMT_DELTA, t_ns, seq, size, lo, hi,
                             w->enc, len, 1, err);
            if (rc != 0) {
                free(rr);
                return rc;
            }
            w->since_bytes += bytes;
            first = j;
        } while (first < np);
        free(rr);
    }
    w->since_deltas++;
    note_size(w, size);
    return 0;
}

int spy_rec_write_event(spy_rec_writer *w, uint64_t t_ns, uint64_t seq,
                        const spy_rec_event *ev, spy_err *err) {
    spy_recfmt_event e;
    uint8_t buf[20 + 2 + 256];
    size_t n;
    int rc;

    if ((rc = check_time(w, t_ns, err)) != 0)
        return rc;
    memset(&e, 0, sizeof e);
    e.kind = (uint32_t)ev->kind;
    e.a = ev->a;
    e.b = ev->b;
    snprintf(e.text, sizeof e.text, "%s", ev->text);
    n = spy_recfmt_event_encode(&e, buf);
    if (ev->kind == SPY_REC_EV_RESIZE || ev->kind == SPY_REC_EV_RECREATED)
        note_size(w, ev->b);
    if (ev->kind == SPY_REC_EV_RECREATED)
        w->have_key = 0; /* a new object: no piece of the old one */
    return write_chunk(w, SPY_RECFMT_EVENT, t_ns, seq, w->cur_size, 0,
                       UINT64_MAX, buf, n, 1, err);
}

int spy_rec_write_hit(spy_rec_writer *w, uint64_t t_ns, uint64_t seq,
                      const spy_rec_hit *hit, spy_err *err) {
    spy_recfmt_hit h;
    uint8_t buf[SPY_RECFMT_HIT_MAX];
    size_t n;
    int rc;

    if ((rc = check_time(w, t_ns, err)) != 0)
        return rc;
    if (hit->len != 1 && hit->len != 2 && hit->len != 4 && hit->len != 8)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: blame hit of %u bytes (1, 2, 4 or 8)", wpath(w),
                           (unsigned)hit->len);
    memset(&h, 0, sizeof h);
    h.pid = hit->pid;
    h.tid = hit->tid;
    h.off = hit->off;
    h.len = hit->len;
    memcpy(h.value, hit->value, 8);
    h.ip = hit->ip;
    snprintf(h.comm, sizeof h.comm, "%s", hit->comm);
    snprintf(h.where, sizeof h.where, "%s", hit->where);
    n = spy_recfmt_hit_encode(&h, buf);
    return write_chunk(w, SPY_RECFMT_HIT, t_ns, seq, w->cur_size, hit->off,
                       hit->off + hit->len, buf, n, 1, err);
}

uint64_t spy_rec_writer_bytes(const spy_rec_writer *w) {
    return spy_file_size(w->f);
}

static void free_writer(spy_rec_writer *w);

/* After a failed write: the file cut back to its last whole sample and
 * kept without index (the reader rebuilds the index by a scan and says
 * complete no), or removed when its first keyframe is not whole. One
 * line: "rec: write: No space left on device at 1.234s: the recording up
 * to there is kept (N bytes)". */
static int close_failed(spy_rec_writer *w, spy_err *err) {
    char d[32];
    uint64_t keep = w->good;
    int rc = w->fail.code ? w->fail.code : SPY_EIO;

    if (keep == 0) {
        spy_err_set(err, rc, w->fail.sys, "%s: nothing kept", w->fail.msg);
        spy_rec_writer_abort(w);
        return rc;
    }
    if (spy_file_close_at(w->f, keep, err) == 0)
        spy_err_set(err, rc, w->fail.sys,
                    "%s at %s: the recording up to there is kept (%llu "
                    "bytes)",
                    w->fail.msg, spy_format_seconds(w->fail_t, d, sizeof d),
                    (unsigned long long)keep);
    w->f = NULL;
    free_writer(w);
    return rc;
}

static void free_writer(spy_rec_writer *w) {
    spy__rec_cctx_free(w->cctx);
    free(w->piece_pos);
    free(w->dirty);
    free(w->e);
    free(w->enc);
    free(w->comp);
    free(w);
}

int spy_rec_writer_close(spy_rec_writer *w, spy_err *err) {
    size_t len, i;
    uint64_t ipos;
    uint8_t tr[SPY_RECFMT_TRAILER];
    int rc;

    if (w == NULL)
        return 0;
    if (w->failed)
        return close_failed(w, err);
    w->good = spy_file_size(w->f); /* every record is whole */
    /* The index: INDEX chunks of at most spy__rec_idx_per_chunk entries, one
     * after the other, then the trailer pointing at the first. */
    ipos = spy_file_size(w->f);
    rc = 0;
    i = 0;
    do {
        size_t cnt = w->n - i < spy__rec_idx_per_chunk ? w->n - i
                                                       : spy__rec_idx_per_chunk;
        size_t k;
        len = 4 + cnt * SPY_RECFMT_IDX_ENTRY;
        if (grow(&w->enc, &w->enccap, len) != 0) {
            rc = oom(w, err);
            break;
        }
        spy_recfmt_put32(w->enc, (uint32_t)cnt);
        for (k = 0; k < cnt; k++)
            spy_recfmt_entry_encode(&w->e[i + k],
                                    w->enc + 4 + k * SPY_RECFMT_IDX_ENTRY);
        rc = write_chunk(w, SPY_RECFMT_INDEX, w->last_t, 0, w->cur_size, 0, 0,
                         w->enc, len, 0, err);
        i += cnt;
    } while (rc == 0 && i < w->n);
    if (rc == 0) {
        spy_recfmt_trailer_encode(ipos, tr);
        rc = spy_file_append(w->f, tr, sizeof tr, err);
    }
    if (rc == 0)
        rc = spy_file_sync(w->f, err);
    if (rc != 0) {
        (void)note_fail(w, w->last_t, rc, err);
        return close_failed(w, err);
    }
    rc = spy_file_close(w->f, err);
    w->f = NULL;
    free_writer(w);
    return rc;
}

void spy_rec_writer_abort(spy_rec_writer *w) {
    if (w == NULL)
        return;
    spy_file_discard(w->f);
    free_writer(w);
}
