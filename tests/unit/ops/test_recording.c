/* test_recording.c - the recording file (ops/recording.h): a recording
 * written from a scripted random sequence of images reads back equal to
 * the truth (frame at every sample time, random ranges, sizes across
 * resizes, next/prev change, walk), compressed and not; every truncation
 * of a file is refused with one line naming a byte offset or, without its
 * index, read up to its last whole chunk; every flipped byte is found;
 * --force replaces by rename and never through a symlink; a zstd chunk in
 * a build without zstd is refused with its sentence.
 * Portable: runs on Windows too. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/process.h"
#include "core/recfmt.h"
#include "ops/rec_internal.h"
#include "ops/recording.h"

static char path[128], path2[128];

static void setup(void) {
    unsigned long long r = (unsigned long long)spy_entropy();
    snprintf(path, sizeof path, "rectest-%llx.shmspy-rec", r);
    snprintf(path2, sizeof path2, "rectest-%llx-b.shmspy-rec", r);
}

static void teardown(void) {
    remove(path);
    remove(path2);
}

/* ---- the script: a deterministic random history ------------------------ */

static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

#define MAXRUNS 6
/* Longest run, in blocks (the damage tests keep files small). */
static unsigned run_blocks = 128;
#define PERIOD 10000000ull /* 10 ms */

typedef struct script {
    uint64_t rng;
    uint8_t *img; /* the truth, cap bytes */
    uint64_t size, cap, base;
    uint64_t seq, t;
    /* This step: */
    int resized, hit, note, key;
    uint64_t old_size;
    spy_rec_run runs[MAXRUNS];
    size_t nruns;
    uint8_t data[MAXRUNS][8192];
} script;

static void script_init(script *sc, uint64_t seed, uint64_t size) {
    uint64_t i;
    memset(sc, 0, sizeof *sc);
    sc->rng = seed;
    sc->base = size;
    sc->cap = size * 2;
    sc->img = calloc(1, (size_t)sc->cap);
    ck_assert_ptr_nonnull(sc->img);
    sc->size = size;
    for (i = 0; i < size; i++)
        sc->img[i] = (uint8_t)(rng_next(&sc->rng) & 0x0f); /* compressible */
}

/* The next sample: what changed (and the truth updated). */
static void script_step(script *sc) {
    uint64_t r = rng_next(&sc->rng);
    size_t k;
    sc->seq++;
    sc->t = sc->seq * PERIOD + (r % 1000);
    sc->resized = sc->hit = sc->note = sc->key = 0;
    sc->nruns = 0;
    sc->old_size = sc->size;
    if (r % 100 < 4) {
        /* Resize: somewhere in [base/2, 3 base/2]; new bytes in the delta. */
        uint64_t ns = sc->base / 2 + rng_next(&sc->rng) % sc->base;
        sc->resized = 1;
        if (ns > sc->size) {
            uint64_t at = sc->size;
            memset(sc->img + at, 0, (size_t)(ns - at));
            /* The grown part arrives as runs (up to MAXRUNS of 8 KiB); the
             * rest reads as zeros, as a grown object does. */
            while (at < ns && sc->nruns < MAXRUNS) {
                uint64_t l = ns - at < 8192 ? ns - at : 8192;
                spy_rec_run *run = &sc->runs[sc->nruns];
                uint64_t i;
                for (i = 0; i < l; i++)
                    sc->data[sc->nruns][i] = (uint8_t)rng_next(&sc->rng);
                run->off = at;
                run->len = (uint32_t)l;
                run->data = sc->data[sc->nruns];
                memcpy(sc->img + at, run->data, (size_t)l);
                sc->nruns++;
                at += l + 100000;
            }
        } else {
            memset(sc->img + ns, 0, (size_t)(sc->size - ns));
        }
        sc->size = ns;
    } else if (r % 100 < 90) {
        /* Up to MAXRUNS block-aligned runs, sorted, not overlapping. */
        uint64_t at = 0;
        size_t n = (size_t)(rng_next(&sc->rng) % (MAXRUNS + 1));
        for (k = 0; k < n; k++) {
            uint64_t room, off, len, i;
            spy_rec_run *run = &sc->runs[sc->nruns];
            if (at >= sc->size)
                break;
            room = sc->size - at;
            off = at + (rng_next(&sc->rng) % (room / (n - k) + 1)) / 64 * 64;
            if (off >= sc->size)
                break;
            len = 64 * (1 + rng_next(&sc->rng) % run_blocks);
            if (len > sc->size - off)
                len = sc->size - off;
            for (i = 0; i < len; i++)
                sc->data[sc->nruns][i] = (uint8_t)rng_next(&sc->rng);
            run->off = off;
            run->len = (uint32_t)len;
            run->data = sc->data[sc->nruns];
            memcpy(sc->img + off, run->data, (size_t)len);
            sc->nruns++;
            at = off + len;
        }
    }
    r = rng_next(&sc->rng);
    sc->hit = r % 100 < 3;
    sc->note = r % 100 >= 97;
    sc->key = (r >> 8) % 100 < 3;
}

static int runs_touch(const script *sc, uint64_t off, uint64_t len) {
    size_t k;
    if (sc->resized || sc->note)
        return 1;
    for (k = 0; k < sc->nruns; k++)
        if (sc->runs[k].off < off + len &&
            sc->runs[k].off + sc->runs[k].len > off)
            return 1;
    return 0;
}

/* Writes the script's first n samples to path. Returns the number of
 * keyframes written. */
static unsigned write_script(const char *p, uint64_t seed, uint64_t size,
                             unsigned n, unsigned flags) {
    script sc;
    spy_rec_writer *w;
    spy_rec_meta m;
    spy_err e;
    unsigned s, keys = 1;

    script_init(&sc, seed, size);
    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "/rectest");
    m.start_wall_ns = 1700000000ull * 1000000000ull;
    m.period_ns = PERIOD;
    m.size = size;
    ck_assert_msg(spy_rec_writer_open(p, &m, flags, &w, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(spy_rec_write_key(w, 0, 0, sc.img, sc.size, &e), 0);
    for (s = 0; s < n; s++) {
        script_step(&sc);
        if (sc.resized) {
            spy_rec_event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = SPY_REC_EV_RESIZE;
            ev.a = sc.old_size;
            ev.b = sc.size;
            ck_assert_int_eq(spy_rec_write_event(w, sc.t, sc.seq, &ev, &e), 0);
        }
        if (sc.note) {
            spy_rec_event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = SPY_REC_EV_NOTE;
            snprintf(ev.text, sizeof ev.text, "note %llu",
                     (unsigned long long)sc.seq);
            ck_assert_int_eq(spy_rec_write_event(w, sc.t, sc.seq, &ev, &e), 0);
        }
        ck_assert_msg(spy_rec_write_delta(w, sc.t, sc.seq, sc.size, sc.runs,
                                          sc.nruns, &e) == 0,
                      "%s", e.msg);
        if (sc.hit) {
            spy_rec_hit h;
            memset(&h, 0, sizeof h);
            h.pid = 42;
            h.tid = 43;
            h.off = 8;
            h.len = 4;
            memcpy(h.value, sc.img + 8, 4);
            h.ip = 0x401000;
            snprintf(h.comm, sizeof h.comm, "writer");
            snprintf(h.where, sizeof h.where, "main w.c:12 (w)");
            ck_assert_int_eq(spy_rec_write_hit(w, sc.t, sc.seq, &h, &e), 0);
        }
        if (sc.key || spy_rec_writer_want_key(w)) {
            ck_assert_int_eq(
                spy_rec_write_key(w, sc.t, sc.seq, sc.img, sc.size, &e), 0);
            keys++;
        }
    }
    ck_assert_uint_gt(spy_rec_writer_bytes(w), 0);
    ck_assert_msg(spy_rec_writer_close(w, &e) == 0, "%s", e.msg);
    free(sc.img);
    return keys;
}

/* ---- checking ---------------------------------------------------------- */

static void check_frame(spy_timeline *tl, const script *sc, uint64_t t,
                        uint64_t off, uint64_t len, uint8_t *buf) {
    spy_err e;
    uint64_t valid, want;
    int rc = spy_timeline_frame(tl, t, off, len, buf, &valid, &e);
    ck_assert_msg(rc == 0, "frame: %s", e.msg);
    want = sc->size <= off ? 0 : (sc->size - off < len ? sc->size - off : len);
    ck_assert_uint_eq(valid, want);
    ck_assert_msg(memcmp(buf, sc->img + off, (size_t)want) == 0,
                  "frame at t=%llu off=%llu len=%llu differs",
                  (unsigned long long)t, (unsigned long long)off,
                  (unsigned long long)len);
}

typedef struct walk_state {
    uint8_t *img;
    uint64_t size, keys, deltas, events, hits, last_t;
    int stop_after;
} walk_state;

static int on_key(uint64_t t, uint64_t seq, uint64_t size, const uint8_t *img,
                  void *arg) {
    walk_state *ws = arg;
    (void)seq;
    ck_assert_uint_ge(t, ws->last_t);
    ws->last_t = t;
    ws->size = size;
    memcpy(ws->img, img, (size_t)size);
    ws->keys++;
    return ws->stop_after > 0 && --ws->stop_after == 0;
}

static int on_delta(uint64_t t, uint64_t seq, uint64_t size,
                    const spy_rec_run *runs, size_t n, void *arg) {
    walk_state *ws = arg;
    size_t k;
    (void)seq;
    ck_assert_uint_ge(t, ws->last_t);
    ws->last_t = t;
    if (size < ws->size)
        memset(ws->img + size, 0, (size_t)(ws->size - size));
    ws->size = size;
    for (k = 0; k < n; k++)
        memcpy(ws->img + runs[k].off, runs[k].data, runs[k].len);
    ws->deltas++;
    return 0;
}

static int on_event(uint64_t t, uint64_t seq, const spy_rec_event *ev,
                    void *arg) {
    walk_state *ws = arg;
    (void)seq;
    ws->last_t = t;
    if (ev->kind == SPY_REC_EV_RESIZE && ev->b < ws->size)
        memset(ws->img + ev->b, 0, (size_t)(ws->size - ev->b));
    if (ev->kind == SPY_REC_EV_RESIZE)
        ws->size = ev->b;
    ws->events++;
    return 0;
}

static int on_hit(uint64_t t, uint64_t seq, const spy_rec_hit *h, void *arg) {
    walk_state *ws = arg;
    (void)t;
    (void)seq;
    ck_assert_int_eq(h->pid, 42);
    ck_assert_str_eq(h->comm, "writer");
    ck_assert_str_eq(h->where, "main w.c:12 (w)");
    ws->hits++;
    return 0;
}

/* Reads path back against the script. */
static void check_script(const char *p, uint64_t seed, uint64_t size,
                         unsigned n, unsigned keys, int compressed) {
    script sc, prev;
    spy_timeline *tl;
    spy_err e;
    const spy_rec_meta *m;
    uint8_t *buf = malloc((size_t)size * 2);
    uint64_t rng = seed ^ 0x5555, *times, *chg;
    unsigned s, nh = 0, ne = 0;
    walk_state ws;
    spy_timeline_visitor v;
    uint64_t lo = 1000, len = 3000;

    ck_assert_ptr_nonnull(buf);
    ck_assert_msg(spy_timeline_open(p, &tl, &e) == 0, "%s", e.msg);
    m = spy_timeline_meta(tl);
    ck_assert_str_eq(m->name, "/rectest");
    ck_assert_uint_eq(m->period_ns, PERIOD);
    ck_assert_uint_eq(m->size, size);
    ck_assert_int_eq(m->complete, 1);
    ck_assert_int_eq(m->compressed, compressed);
    ck_assert_uint_eq(m->samples, n + 1);
    ck_assert_uint_eq(m->keyframes, keys);
    ck_assert_uint_eq(m->deltas, n);

    script_init(&sc, seed, size);
    /* Times of the samples that changed [lo, lo + len), for next/prev. */
    times = calloc(n + 1, sizeof *times);
    chg = calloc(n + 1, sizeof *chg);
    check_frame(tl, &sc, 0, 0, size, buf);
    check_frame(tl, &sc, 0, 5, 17, buf);
    prev = sc;
    prev.img = malloc((size_t)sc.cap);
    ck_assert_ptr_nonnull(prev.img);
    memcpy(prev.img, sc.img, (size_t)sc.cap);
    for (s = 0; s < n; s++) {
        uint64_t off, l;
        int k;
        script_step(&sc);
        times[s + 1] = sc.t;
        chg[s + 1] = runs_touch(&sc, lo, len);
        nh += sc.hit;
        ne += sc.resized + sc.note;
        /* A time before the sample is the state before it. */
        if (s % 7 == 0)
            check_frame(tl, &prev, sc.t - 1, 0, prev.size + 100, buf);
        check_frame(tl, &sc, sc.t, 0, sc.size + 100, buf);
        for (k = 0; k < 3; k++) {
            off = rng_next(&rng) % (sc.size + 200);
            l = rng_next(&rng) % 70000;
            check_frame(tl, &sc, sc.t + (uint64_t)k, off, l, buf);
        }
        ck_assert_uint_eq(spy_timeline_size_at(tl, sc.t), sc.size);
        prev.size = sc.size;
        memcpy(prev.img, sc.img, (size_t)sc.cap);
    }
    ck_assert_uint_eq(m->hits, nh);
    ck_assert_uint_eq(m->events, ne);
    ck_assert_uint_eq(m->duration_ns, sc.t);
    /* After the end: the end. */
    check_frame(tl, &sc, UINT64_MAX, 0, sc.size, buf);

    /* next / prev change of [lo, lo + len) from every sample time. */
    for (s = 0; s <= n; s++) {
        uint64_t got = 0, want = 0;
        unsigned j;
        int have = 0, rc;
        for (j = s + 1; j <= n; j++)
            if (chg[j]) {
                want = times[j];
                have = 1;
                break;
            }
        rc = spy_timeline_next_change(tl, times[s], lo, len, &got, &e);
        ck_assert_int_eq(rc, have);
        if (have)
            ck_assert_uint_eq(got, want);
        have = 0;
        for (j = s; j-- > 0;)
            if (chg[j] || j == 0) {
                want = times[j];
                have = 1;
                break;
            }
        rc = spy_timeline_prev_change(tl, times[s], lo, len, &got, &e);
        ck_assert_int_eq(rc, have);
        if (have)
            ck_assert_uint_eq(got, want);
    }

    /* walk: everything, rebuilt, equals the end. */
    memset(&ws, 0, sizeof ws);
    ws.img = calloc(1, (size_t)size * 2);
    memset(&v, 0, sizeof v);
    v.on_key = on_key;
    v.on_delta = on_delta;
    v.on_event = on_event;
    v.on_hit = on_hit;
    v.arg = &ws;
    ck_assert_msg(spy_timeline_walk(tl, 0, UINT64_MAX, &v, &e) == 0, "%s",
                  e.msg);
    ck_assert_uint_eq(ws.keys, keys);
    ck_assert_uint_eq(ws.deltas,
                      n); /* one call per delta, whatever its chunks */
    ck_assert_uint_eq(ws.hits, nh);
    ck_assert_uint_eq(ws.events, ne);
    ck_assert_uint_eq(ws.size, sc.size);
    ck_assert(memcmp(ws.img, sc.img, (size_t)sc.size) == 0);
    /* A walk stops when asked; a window (from, to] holds only its part. */
    free(ws.img);
    memset(&ws, 0, sizeof ws);
    ws.img = calloc(1, (size_t)size * 2);
    ws.stop_after = 1;
    ck_assert_int_eq(spy_timeline_walk(tl, 0, UINT64_MAX, &v, &e), 1);
    ws.stop_after = 0;
    ws.keys = ws.deltas = 0;
    ck_assert_int_eq(spy_timeline_walk(tl, times[3], times[5], &v, &e), 0);
    ck_assert_uint_ge(ws.deltas, 2);
    free(ws.img);
    free(times);
    free(chg);
    free(sc.img);
    free(prev.img);
    free(buf);
    spy_timeline_close(tl);
}

START_TEST(test_roundtrip_plain) {
    unsigned keys;
    spy__rec_idx_per_chunk = 100; /* an index of several chunks */
    keys = write_script(path, 11, 2200000 + 37, 200, SPY_RECW_PLAIN);
    spy__rec_idx_per_chunk = 512 * 1024;
    check_script(path, 11, 2200000 + 37, 200, keys, 0);
}
END_TEST

START_TEST(test_roundtrip_compressed) {
    unsigned keys = write_script(path, 12, 2200000 + 37, 200, 0);
    check_script(path, 12, 2200000 + 37, 200, keys, spy_rec_have_zstd());
    if (spy_rec_have_zstd()) {
        /* The same history uncompressed is bigger. */
        FILE *a, *b;
        long la, lb;
        write_script(path2, 12, 2200000 + 37, 200, SPY_RECW_PLAIN);
        a = fopen(path, "rb");
        b = fopen(path2, "rb");
        fseek(a, 0, SEEK_END);
        fseek(b, 0, SEEK_END);
        la = ftell(a);
        lb = ftell(b);
        fclose(a);
        fclose(b);
        ck_assert_int_lt(la, lb);
    }
}
END_TEST

START_TEST(test_small_and_empty) {
    /* A snapshot: one keyframe; and a segment of size 0. */
    spy_rec_writer *w;
    spy_rec_meta m;
    spy_timeline *tl;
    spy_err e;
    uint8_t img[100], out[120];
    uint64_t valid, t;
    int i;

    for (i = 0; i < 100; i++)
        img[i] = (uint8_t)i;
    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "/snap");
    m.size = 100;
    ck_assert_int_eq(spy_rec_writer_open(path, &m, 0, &w, &e), 0);
    ck_assert_int_eq(spy_rec_write_key(w, 0, 0, img, 100, &e), 0);
    ck_assert_int_eq(spy_rec_writer_close(w, &e), 0);
    ck_assert_msg(spy_timeline_open(path, &tl, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(spy_timeline_frame(tl, 5, 0, 120, out, &valid, &e), 0);
    ck_assert_uint_eq(valid, 100);
    ck_assert(memcmp(out, img, 100) == 0);
    ck_assert_int_eq(out[110], 0);
    ck_assert_int_eq(spy_timeline_next_change(tl, 0, 0, 0, &t, &e), 0);
    ck_assert_int_eq(spy_timeline_prev_change(tl, 1, 0, 0, &t, &e), 1);
    ck_assert_uint_eq(t, 0);
    ck_assert_uint_eq(spy_timeline_meta(tl)->keyframes, 1);
    spy_timeline_close(tl);

    m.size = 0;
    ck_assert_int_eq(spy_rec_writer_open(path2, &m, 0, &w, &e), 0);
    ck_assert_int_eq(spy_rec_write_key(w, 0, 0, img, 0, &e), 0);
    ck_assert_int_eq(spy_rec_writer_close(w, &e), 0);
    ck_assert_msg(spy_timeline_open(path2, &tl, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(spy_timeline_frame(tl, 0, 0, 10, out, &valid, &e), 0);
    ck_assert_uint_eq(valid, 0);
    spy_timeline_close(tl);
}
END_TEST

START_TEST(test_exists_force_abort) {
    spy_rec_writer *w;
    spy_rec_meta m;
    spy_timeline *tl;
    spy_err e;
    uint8_t img[10] = {1, 2, 3};
    FILE *f;

    memset(&m, 0, sizeof m);
    m.size = 10;
    f = fopen(path, "wb");
    fputs("old", f);
    fclose(f);
    ck_assert_int_eq(spy_rec_writer_open(path, &m, 0, &w, &e), SPY_EEXIST);
    ck_assert_ptr_nonnull(strstr(e.msg, path));
    ck_assert_ptr_nonnull(strstr(e.msg, "--force"));
    /* An aborted --force leaves the old file as it was. */
    ck_assert_int_eq(spy_rec_writer_open(path, &m, SPY_RECW_FORCE, &w, &e), 0);
    ck_assert_int_eq(spy_rec_write_key(w, 0, 0, img, 10, &e), 0);
    spy_rec_writer_abort(w);
    ck_assert_int_eq(spy_timeline_open(path, &tl, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "not a shmspy recording"));
    /* A finished --force replaces it. */
    ck_assert_int_eq(spy_rec_writer_open(path, &m, SPY_RECW_FORCE, &w, &e), 0);
    ck_assert_int_eq(spy_rec_write_key(w, 0, 0, img, 10, &e), 0);
    ck_assert_int_eq(spy_rec_writer_close(w, &e), 0);
    ck_assert_msg(spy_timeline_open(path, &tl, &e) == 0, "%s", e.msg);
    spy_timeline_close(tl);
    /* An aborted new file leaves nothing. */
    ck_assert_int_eq(spy_rec_writer_open(path2, &m, 0, &w, &e), 0);
    spy_rec_writer_abort(w);
    ck_assert_ptr_null(fopen(path2, "rb"));
    /* Times never go backwards. */
    ck_assert_int_eq(spy_rec_writer_open(path2, &m, 0, &w, &e), 0);
    ck_assert_int_eq(spy_rec_write_key(w, 100, 0, img, 10, &e), 0);
    ck_assert_int_eq(spy_rec_write_delta(w, 50, 1, 10, NULL, 0, &e),
                     SPY_EINVAL);
    spy_rec_writer_abort(w);
    /* A directory is not a recording. */
    ck_assert_int_eq(spy_timeline_open(".", &tl, &e), SPY_ETYPE);
    ck_assert_ptr_nonnull(strstr(e.msg, "directory"));
}
END_TEST

/* ---- damage ------------------------------------------------------------ */

static uint8_t *slurp(const char *p, size_t *n) {
    FILE *f = fopen(p, "rb");
    uint8_t *b;
    long l;
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    l = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)l + 1);
    ck_assert_uint_eq(fread(b, 1, (size_t)l, f), (size_t)l);
    fclose(f);
    *n = (size_t)l;
    return b;
}

static void spit(const char *p, const uint8_t *b, size_t n) {
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

static int one_line_with_offset(const char *msg, const char *p) {
    return strchr(msg, '\n') == NULL && strstr(msg, p) == msg &&
           strstr(msg, "byte ") != NULL;
}

static int noop_key(uint64_t t, uint64_t s, uint64_t z, const uint8_t *i,
                    void *a) {
    (void)t, (void)s, (void)z, (void)i, (void)a;
    return 0;
}
static int noop_delta(uint64_t t, uint64_t s, uint64_t z, const spy_rec_run *r,
                      size_t n, void *a) {
    (void)t, (void)s, (void)z, (void)r, (void)n, (void)a;
    return 0;
}
static int noop_event(uint64_t t, uint64_t s, const spy_rec_event *ev,
                      void *a) {
    (void)t, (void)s, (void)ev, (void)a;
    return 0;
}
static int noop_hit(uint64_t t, uint64_t s, const spy_rec_hit *h, void *a) {
    (void)t, (void)s, (void)h, (void)a;
    return 0;
}

/* Opens p and reads all of it (walk, and a frame at every record time).
 * Returns 0, or the first error (checked to be one line naming p and a
 * byte offset). */
static int read_all(const char *p, int *complete, uint64_t *dur) {
    spy_timeline *tl;
    spy_err e;
    spy_timeline_visitor v = {noop_key, noop_delta, noop_event, noop_hit, NULL};
    uint8_t buf[4096];
    uint64_t t;
    int rc = spy_timeline_open(p, &tl, &e);
    if (rc == 0) {
        *complete = spy_timeline_meta(tl)->complete;
        *dur = spy_timeline_meta(tl)->duration_ns;
        rc = spy_timeline_walk(tl, 0, UINT64_MAX, &v, &e);
        for (t = 0; rc == 0 && t <= *dur + PERIOD; t += PERIOD * 3)
            rc = spy_timeline_frame(tl, t, t % 3000, sizeof buf, buf, NULL, &e);
        spy_timeline_close(tl);
    }
    if (rc != 0)
        ck_assert_msg(one_line_with_offset(e.msg, p), "bad message: %s", e.msg);
    return rc;
}

static void damage_suite_run(unsigned flags, size_t idx_per_chunk) {
    uint8_t *b;
    size_t n, cut, step, i;
    int complete;
    uint64_t dur;
    unsigned ok = 0, refused = 0;

    run_blocks = 4;
    spy__rec_idx_per_chunk = idx_per_chunk;
    write_script(path, 21, 3000, 30, flags);
    spy__rec_idx_per_chunk = 512 * 1024;
    run_blocks = 128;
    b = slurp(path, &n);
    /* Every truncation (every byte in the header and the last chunks,
     * every 7th elsewhere). */
    for (cut = 0; cut < n; cut += step) {
        int rc;
        step = cut < 120 || cut + 400 > n ? 1 : 11;
        spit(path2, b, cut);
        rc = read_all(path2, &complete, &dur);
        if (rc == 0) {
            ck_assert_int_eq(complete, 0);
            ok++;
        } else {
            refused++;
        }
    }
    ck_assert_uint_gt(ok, 10);
    ck_assert_uint_gt(refused, 10);
    /* A truncated file is read up to its last whole chunk: its frames
     * before the cut equal those of the whole file. */
    {
        spy_timeline *a, *c;
        spy_err e;
        uint8_t x[5000], y[5000];
        uint64_t t;
        spit(path2, b, n * 2 / 3);
        ck_assert_msg(spy_timeline_open(path2, &c, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(spy_timeline_open(path, &a, &e), 0);
        ck_assert_uint_gt(spy_timeline_meta(c)->duration_ns, 0);
        ck_assert_uint_lt(spy_timeline_meta(c)->duration_ns,
                          spy_timeline_meta(a)->duration_ns);
        for (t = 0; t < spy_timeline_meta(c)->duration_ns; t += PERIOD) {
            ck_assert_int_eq(spy_timeline_frame(a, t, 0, sizeof x, x, NULL, &e),
                             0);
            ck_assert_int_eq(spy_timeline_frame(c, t, 0, sizeof y, y, NULL, &e),
                             0);
            ck_assert(memcmp(x, y, sizeof x) == 0);
        }
        spy_timeline_close(a);
        spy_timeline_close(c);
    }
    /* Every flipped byte (every 3rd) is found. */
    for (i = 0; i < n; i += (i < 120 || i + 400 > n) ? 1 : 13) {
        b[i] ^= 0x20;
        spit(path2, b, n);
        ck_assert_msg(read_all(path2, &complete, &dur) != 0,
                      "flipped byte %zu of %zu not found", i, n);
        b[i] ^= 0x20;
    }
    free(b);
}

START_TEST(test_damage_plain) {
    damage_suite_run(SPY_RECW_PLAIN, 512 * 1024);
}
END_TEST

START_TEST(test_damage_compressed) {
    /* And an index in many chunks. */
    damage_suite_run(0, 7);
}
END_TEST

/* A file cut before its first keyframe is whole (a recorder killed at
 * once, a copy cut short) is refused, naming where it ends; cut right
 * after it, it opens with that keyframe. */
START_TEST(test_truncated_first_key) {
    uint8_t *b;
    size_t n, k, used = SPY_RECFMT_HDR_FIXED + strlen("/rectest") + 4;
    size_t key_end = used + 64 + SPY_RECFMT_KEY_LEN + 3 * 64 + 2200037;
    size_t cuts[] = {used,
                     used + 10,
                     used + 64,
                     used + 64 + SPY_RECFMT_KEY_LEN,
                     used + 64 + SPY_RECFMT_KEY_LEN + 64 + 1000,
                     used + 64 + SPY_RECFMT_KEY_LEN + 64 + SPY_REC_PIECE,
                     key_end - 1};
    spy_timeline *tl;
    spy_err e;
    char want[64];

    write_script(path, 31, 2200037, 3, SPY_RECW_PLAIN);
    b = slurp(path, &n);
    ck_assert_uint_gt(n, key_end);
    for (k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        spit(path2, b, cuts[k]);
        ck_assert_int_eq(spy_timeline_open(path2, &tl, &e), SPY_EINVAL);
        snprintf(want, sizeof want, "damaged at byte %zu: ", cuts[k]);
        ck_assert_msg(strstr(e.msg, want) != NULL &&
                          strstr(e.msg, "ends before its first keyframe "
                                        "(truncated?)") != NULL &&
                          one_line_with_offset(e.msg, path2),
                      "cut at %zu: %s", cuts[k], e.msg);
    }
    spit(path2, b, key_end);
    ck_assert_msg(spy_timeline_open(path2, &tl, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(spy_timeline_meta(tl)->keyframes, 1);
    ck_assert_int_eq(spy_timeline_meta(tl)->complete, 0);
    spy_timeline_close(tl);
    free(b);
}
END_TEST

/* A hand-made file: header, then one chunk of codec zstd. */
START_TEST(test_zstd_refused_without_zstd) {
    spy_recfmt_header h;
    spy_recfmt_chunk c;
    uint8_t buf[1024], payload[16];
    spy_recfmt_key k = {0, 0, SPY_REC_PIECE};
    size_t n;
    spy_timeline *tl;
    spy_err e;
    int rc;

    memset(&h, 0, sizeof h);
    h.version = SPY_RECFMT_VERSION;
    h.block = SPY_REC_BLOCK;
    h.piece = SPY_REC_PIECE;
    snprintf(h.name, sizeof h.name, "/z");
    n = spy_recfmt_header_encode(&h, buf);
    spy_recfmt_key_encode(&k, payload);
    memset(&c, 0, sizeof c);
    c.type = SPY_RECFMT_KEY;
    c.codec = SPY_RECFMT_ZSTD;
    c.raw_len = 16;
    c.stored_len = 16; /* not a zstd frame: a build with zstd finds that */
    c.crc = spy_crc32(0, payload, 16);
    spy_recfmt_chunk_encode(&c, buf + n);
    memcpy(buf + n + SPY_RECFMT_CHUNK, payload, 16);
    spit(path, buf, n + SPY_RECFMT_CHUNK + 16);
    rc = spy_timeline_open(path, &tl, &e);
    ck_assert_int_eq(rc, 0); /* the index is rebuilt from chunk headers */
    {
        spy_timeline_visitor v = {noop_key, NULL, NULL, NULL, NULL};
        rc = spy_timeline_walk(tl, 0, UINT64_MAX, &v, &e);
    }
    spy_timeline_close(tl);
    if (spy_rec_have_zstd()) {
        ck_assert_int_eq(rc, SPY_EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "damaged at byte"));
    } else {
        ck_assert_int_eq(rc, SPY_ENOTSUP);
        ck_assert_ptr_nonnull(strstr(e.msg, "built without zstd"));
        /* And a file whose header says compressed is refused at open. */
        h.flags = SPY_RECFMT_F_COMPRESSED;
        n = spy_recfmt_header_encode(&h, buf);
        spit(path, buf, n);
        ck_assert_int_eq(spy_timeline_open(path, &tl, &e), SPY_ENOTSUP);
        ck_assert_ptr_nonnull(strstr(e.msg, "install libzstd-dev"));
    }
}
END_TEST

/* The keyframe pieces: the writer reuses (PREF) a piece no delta touched
 * since the last keyframe, stores again one a delta touched (even when
 * changed and changed back), and every piece after a resize; frames
 * equal the truth at every time either way. */
#define KP_SIZE ((uint64_t)SPY_REC_PIECE * 3 + 37) /* 4 pieces */

static void kp_delta(spy_rec_writer *w, uint8_t *truth, uint64_t t,
                     uint64_t size, uint64_t off, uint32_t len, uint8_t v) {
    spy_rec_run run;
    spy_err e;
    memset(truth + off, v, len);
    run.off = off;
    run.len = len;
    run.data = truth + off;
    ck_assert_msg(spy_rec_write_delta(w, t, t, size, &run, 1, &e) == 0, "%s",
                  e.msg);
}

START_TEST(test_key_pieces) {
    spy_rec_writer *w;
    spy_rec_meta m;
    spy_timeline *tl;
    spy_err e;
    spy_rec_event ev;
    uint64_t t, i, valid, size = KP_SIZE;
    uint8_t *truth[8], *out;
    /* The kind of each piece of the keyframes at t 0, 3, 5 and 7: P
     * piece, R reference. */
    static const char *want[] = {"PPPP", "RPRP", "RPRR", "PPP"};
    size_t k, nk = 0;

    out = malloc((size_t)KP_SIZE);
    ck_assert_ptr_nonnull(out);
    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "/kp");
    m.period_ns = 1;
    m.size = size;
    for (t = 0; t < 8; t++) {
        truth[t] = malloc((size_t)KP_SIZE);
        ck_assert_ptr_nonnull(truth[t]);
    }
    for (i = 0; i < size; i++)
        truth[0][i] = (uint8_t)(i * 7 + i / 4096);
    ck_assert_int_eq(spy_rec_writer_open(path, &m, SPY_RECW_PLAIN, &w, &e), 0);
    ck_assert_int_eq(spy_rec_write_key(w, 0, 0, truth[0], size, &e), 0);
    /* t 1: piece 1 changes; t 2: it changes back, and piece 3 (the short
     * one) changes; t 3: a keyframe. */
    memcpy(truth[1], truth[0], (size_t)size);
    kp_delta(w, truth[1], 1, size, SPY_REC_PIECE + 4096, 64, 0xAA);
    memcpy(truth[2], truth[1], (size_t)size);
    memcpy(truth[2] + SPY_REC_PIECE + 4096, truth[0] + SPY_REC_PIECE + 4096,
           64);
    {
        spy_rec_run run[2];
        run[0].off = SPY_REC_PIECE + 4096;
        run[0].len = 64;
        run[0].data = truth[2] + run[0].off;
        memset(truth[2] + 3 * (uint64_t)SPY_REC_PIECE, 0x55, 37);
        run[1].off = 3 * (uint64_t)SPY_REC_PIECE;
        run[1].len = 37;
        run[1].data = truth[2] + run[1].off;
        ck_assert_int_eq(spy_rec_write_delta(w, 2, 2, size, run, 2, &e), 0);
    }
    memcpy(truth[3], truth[2], (size_t)size);
    ck_assert_int_eq(spy_rec_write_key(w, 3, 3, truth[3], size, &e), 0);
    /* t 4: a run ending at the end of piece 1; t 5: a keyframe. */
    memcpy(truth[4], truth[3], (size_t)size);
    kp_delta(w, truth[4], 4, size, 2 * (uint64_t)SPY_REC_PIECE - 128, 128, 1);
    memcpy(truth[5], truth[4], (size_t)size);
    ck_assert_int_eq(spy_rec_write_key(w, 5, 5, truth[5], size, &e), 0);
    /* t 6: shrink to 3 pieces (the event, then an empty delta); t 7: a
     * keyframe, all pieces stored. */
    memcpy(truth[6], truth[5], (size_t)size);
    memset(&ev, 0, sizeof ev);
    ev.kind = SPY_REC_EV_RESIZE;
    ev.a = size;
    ev.b = 3 * (uint64_t)SPY_REC_PIECE;
    ck_assert_int_eq(spy_rec_write_event(w, 6, 6, &ev, &e), 0);
    size = ev.b;
    ck_assert_int_eq(spy_rec_write_delta(w, 6, 6, size, NULL, 0, &e), 0);
    memcpy(truth[7], truth[6], (size_t)size);
    ck_assert_int_eq(spy_rec_write_key(w, 7, 7, truth[7], size, &e), 0);
    ck_assert_int_eq(spy_rec_writer_close(w, &e), 0);

    ck_assert_msg(spy_timeline_open(path, &tl, &e) == 0, "%s", e.msg);
    for (k = 0; k < tl->n; k++) {
        char got[8];
        size_t j = 0;
        if (tl->e[k].type != SPY_RECFMT_KEY)
            continue;
        while (k + 1 < tl->n && j < 7 &&
               (tl->e[k + 1].type == SPY_RECFMT_PIECE ||
                tl->e[k + 1].type == SPY_RECFMT_PREF))
            got[j++] = tl->e[++k].type == SPY_RECFMT_PIECE ? 'P' : 'R';
        got[j] = 0;
        ck_assert_uint_lt(nk, 4);
        ck_assert_str_eq(got, want[nk]);
        nk++;
    }
    ck_assert_uint_eq(nk, 4);
    for (t = 0; t < 8; t++) {
        uint64_t sz = t < 6 ? KP_SIZE : 3 * (uint64_t)SPY_REC_PIECE;
        ck_assert_int_eq(spy_timeline_frame(tl, t, 0, KP_SIZE, out, &valid, &e),
                         0);
        ck_assert_uint_eq(valid, sz);
        ck_assert_msg(memcmp(out, truth[t], (size_t)sz) == 0,
                      "frame at t=%llu differs", (unsigned long long)t);
    }
    spy_timeline_close(tl);
    for (t = 0; t < 8; t++)
        free(truth[t]);
    free(out);
}
END_TEST

static Suite *recording_suite(void) {
    Suite *s = suite_create("recording");
    TCase *tc = tcase_create("recording");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_roundtrip_plain);
    tcase_add_test(tc, test_roundtrip_compressed);
    tcase_add_test(tc, test_small_and_empty);
    tcase_add_test(tc, test_key_pieces);
    tcase_add_test(tc, test_exists_force_abort);
    tcase_add_test(tc, test_damage_plain);
    tcase_add_test(tc, test_damage_compressed);
    tcase_add_test(tc, test_truncated_first_key);
    tcase_add_test(tc, test_zstd_refused_without_zstd);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(recording_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
