/* fuzz_recording.c - the recording reader (`shmspy replay FILE`, `diff
 * FILE@T`: a file anyone may have damaged or made). The input is the
 * whole file, read from memory by the same code as a file
 * (spy__timeline_open_mem). Checksums would stop most inputs at the first
 * one, so when the input's first byte is even the checksums are made
 * right first (header, each whole chunk's header and payload, the
 * trailer) and the fuzzer explores what lies behind them; odd, the
 * input is read as it is (after that byte). A file that opens is read all over:
 * its meta, frames at a few times and ranges, next/prev change, and a walk of
 * every record. Nothing may crash, hang or leak; every error is one line naming
 * a byte offset or the missing zstd. Seeds: corpus/recording/, made by
 * gen_recording_seeds.c. */
#include "fuzz.h"
#include "ops/rec_internal.h"

static int on_key(uint64_t t, uint64_t seq, uint64_t size, const uint8_t *img,
                  void *arg) {
    volatile uint8_t x = 0;
    (void)t, (void)seq, (void)arg;
    if (size > 0)
        x = img[size - 1]; /* the whole image is there */
    (void)x;
    return 0;
}

static int on_delta(uint64_t t, uint64_t seq, uint64_t size,
                    const spy_rec_run *runs, size_t n, void *arg) {
    size_t i;
    (void)t, (void)seq, (void)arg;
    for (i = 0; i < n; i++)
        if (runs[i].off + runs[i].len > size || runs[i].len == 0)
            abort();
    return 0;
}

static int on_event(uint64_t t, uint64_t seq, const spy_rec_event *ev,
                    void *arg) {
    (void)t, (void)seq, (void)arg;
    if (memchr(ev->text, 0, sizeof ev->text) == NULL)
        abort();
    return 0;
}

static int on_hit(uint64_t t, uint64_t seq, const spy_rec_hit *h, void *arg) {
    (void)t, (void)seq, (void)arg;
    if (h->len != 1 && h->len != 2 && h->len != 4 && h->len != 8)
        abort();
    return 0;
}

static void check_rc(int rc, const spy_err *e) {
    if (rc < 0) {
        fuzz_check_err(rc, e);
        if (strstr(e->msg, "byte ") == NULL && strstr(e->msg, "zstd") == NULL &&
            strstr(e->msg, "out of memory") == NULL)
            abort();
    }
}

/* Makes the checksums of the recording in b right. */
static void fix_crcs(uint8_t *b, size_t n) {
    size_t pos, nl;
    if (n < SPY_RECFMT_HDR_FIXED || memcmp(b, SPY_RECFMT_MAGIC, 8) != 0)
        return;
    nl = spy_recfmt_get16(b + 44);
    if (n < SPY_RECFMT_HDR_FIXED + nl + 4)
        return;
    spy_recfmt_put32(b + SPY_RECFMT_HDR_FIXED + nl,
                     spy_crc32(0, b, SPY_RECFMT_HDR_FIXED + nl));
    pos = SPY_RECFMT_HDR_FIXED + nl + 4;
    while (n - pos >= SPY_RECFMT_CHUNK && memcmp(b + pos, "RCHK", 4) == 0) {
        uint32_t stored = spy_recfmt_get32(b + pos + 52);
        if (stored > n - pos - SPY_RECFMT_CHUNK)
            break;
        spy_recfmt_put32(b + pos + 56,
                         spy_crc32(0, b + pos + SPY_RECFMT_CHUNK, stored));
        spy_recfmt_put32(b + pos + 60, spy_crc32(0, b + pos, 60));
        pos += SPY_RECFMT_CHUNK + stored;
    }
    if (n >= pos + SPY_RECFMT_TRAILER && memcmp(b + n - 4, "RTRL", 4) == 0)
        spy_recfmt_put32(b + n - 8, spy_crc32(0, b + n - 16, 8));
}

static void run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy;
    if (size == 0)
        return 0;
    copy = malloc(size);
    if (copy == NULL)
        abort();
    memcpy(copy, data + 1, size - 1);
    if ((data[0] & 1) == 0)
        fix_crcs(copy, size - 1);
    run(copy, size - 1);
    free(copy);
    return 0;
}

static void run(const uint8_t *data, size_t size) {
    spy_timeline *tl;
    spy_err e;
    spy_timeline_visitor v = {on_key, on_delta, on_event, on_hit, NULL};
    const spy_rec_meta *m;
    uint8_t buf[512];
    uint64_t t, got, valid, maxkey = 0;
    size_t i;
    int rc;

    rc = spy__timeline_open_mem("fuzz", data, size, &tl, &e);
    check_rc(rc, &e);
    if (rc != 0)
        return;
    m = spy_timeline_meta(tl);
    if (m->complete != 0 && m->complete != 1)
        abort();
    for (i = 0; i < 6; i++) {
        t = m->duration_ns / 5 * i;
        rc = spy_timeline_frame(tl, t, i * 97, sizeof buf, buf, &valid, &e);
        check_rc(rc, &e);
        if (rc == 0 && valid > sizeof buf)
            abort();
        rc = spy_timeline_next_change(tl, t, i * 50, 64, &got, &e);
        check_rc(rc, &e);
        if (rc == 1 && got <= t)
            abort();
        rc = spy_timeline_prev_change(tl, t, 0, 0, &got, &e);
        check_rc(rc, &e);
        if (rc == 1 && got >= t)
            abort();
        (void)spy_timeline_size_at(tl, t);
    }
    /* A keyframe is given whole to on_key: a file may describe a large
     * segment in a few bytes (references, compression), which is fine but
     * not for the fuzzer's memory limit. */
    for (i = 0; i < tl->n; i++)
        if (tl->e[i].type == SPY_RECFMT_KEY && tl->e[i].size > maxkey)
            maxkey = tl->e[i].size;
    if (maxkey > ((uint64_t)64 << 20))
        v.on_key = NULL;
    rc = spy_timeline_walk(tl, 0, UINT64_MAX, &v, &e);
    check_rc(rc, &e);
    spy_timeline_close(tl);
}
