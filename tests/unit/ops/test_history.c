/* test_history.c - the in-memory history (ops/recording.h): it keeps
 * exactly the last window (older records folded into the base image), its
 * timeline's frames equal the truth at every time held (across resizes),
 * its timeline sees records added after it was made, and a saved history
 * opens as a recording with the same frames, marked ring with a CUT event;
 * a memory cap folds the oldest records early and keeps frames exact.
 * Portable: runs on Windows too. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/process.h"
#include "ops/recording.h"

#define SIZE 5000
#define CAP (SIZE * 2)
#define PERIOD 10000000ull
#define WINDOW (100 * PERIOD + 5) /* a little over 100 samples */
#define SAMPLES 400

static char path[128];

static void setup(void) {
    snprintf(path, sizeof path, "histtest-%llx.shmspy-rec",
             (unsigned long long)spy_entropy());
}

static void teardown(void) {
    remove(path);
}

static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* The truth: the image and size after each sample. */
static uint8_t truth[SAMPLES + 1][CAP];
static uint64_t tsize[SAMPLES + 1];
static uint64_t ttime[SAMPLES + 1];
static int tevent[SAMPLES + 1];

/* Feeds SAMPLES samples into h (its image at sample 0 is truth[0]). */
static void feed(spy_history *h, spy_timeline *tl_live, uint64_t seed) {
    uint64_t rng = seed, s;
    spy_err e;
    uint8_t buf[CAP];
    for (s = 1; s <= SAMPLES; s++) {
        uint64_t r = rng_next(&rng), size = tsize[s - 1];
        spy_rec_run runs[4];
        size_t n = 0, k;
        memcpy(truth[s], truth[s - 1], CAP);
        ttime[s] = s * PERIOD + r % 1000;
        if (r % 100 < 5) {
            spy_rec_event ev;
            uint64_t ns = SIZE / 2 + rng_next(&rng) % SIZE;
            memset(&ev, 0, sizeof ev);
            ev.kind = SPY_REC_EV_RESIZE;
            ev.a = size;
            ev.b = ns;
            ck_assert_int_eq(spy_history_add_event(h, ttime[s], s, &ev, &e), 0);
            if (ns < size)
                memset(truth[s] + ns, 0, (size_t)(size - ns));
            size = ns;
            tevent[s] = 1;
        }
        for (k = 0; k < 4; k++) {
            uint64_t off =
                (rng_next(&rng) % (size / 4)) / 64 * 64 + k * (size / 4);
            uint64_t len = 64 * (1 + rng_next(&rng) % 4), i;
            if (off >= size ||
                (n > 0 && off < runs[n - 1].off + runs[n - 1].len))
                continue;
            if (len > size - off)
                len = size - off;
            for (i = 0; i < len; i++)
                truth[s][off + i] = (uint8_t)rng_next(&rng);
            runs[n].off = off;
            runs[n].len = (uint32_t)len;
            runs[n].data = truth[s] + off;
            n++;
        }
        ck_assert_msg(
            spy_history_add_delta(h, ttime[s], s, size, runs, n, &e) == 0, "%s",
            e.msg);
        if (r % 100 > 95) {
            spy_rec_hit hit;
            memset(&hit, 0, sizeof hit);
            hit.pid = 7;
            hit.len = 8;
            snprintf(hit.comm, sizeof hit.comm, "w");
            ck_assert_int_eq(spy_history_add_hit(h, ttime[s], s, &hit, &e), 0);
        }
        tsize[s] = size;
        /* The live timeline sees the new sample. */
        if (tl_live != NULL) {
            uint64_t valid;
            ck_assert_int_eq(
                spy_timeline_frame(tl_live, ttime[s], 0, CAP, buf, &valid, &e),
                0);
            ck_assert_uint_eq(valid, size);
            ck_assert(memcmp(buf, truth[s], (size_t)size) == 0);
        }
    }
}

/* The index of the last sample at or before t. */
static unsigned sample_at(uint64_t t) {
    unsigned s = 0;
    while (s < SAMPLES && ttime[s + 1] <= t)
        s++;
    return s;
}

static void check_frames(spy_timeline *tl, uint64_t from) {
    uint8_t buf[CAP];
    spy_err e;
    uint64_t valid, t;
    unsigned s;
    /* The window's start, then every sample time held, and times between. */
    for (s = sample_at(from); s <= SAMPLES; s++) {
        t = s == sample_at(from) ? from : ttime[s];
        ck_assert_msg(spy_timeline_frame(tl, t, 0, CAP, buf, &valid, &e) == 0,
                      "%s", e.msg);
        ck_assert_uint_eq(valid, tsize[s]);
        ck_assert_msg(memcmp(buf, truth[s], CAP) == 0,
                      "frame at sample %u differs", s);
        ck_assert_uint_eq(spy_timeline_size_at(tl, t), tsize[s]);
        ck_assert_int_eq(
            spy_timeline_frame(tl, t + 1, 100, 300, buf, &valid, &e), 0);
        ck_assert(memcmp(buf, truth[s] + 100, 300) == 0);
    }
}

static void init_truth(void) {
    uint64_t rng = 99, i;
    memset(truth, 0, sizeof truth);
    memset(tevent, 0, sizeof tevent);
    for (i = 0; i < SIZE; i++)
        truth[0][i] = (uint8_t)rng_next(&rng);
    tsize[0] = SIZE;
    ttime[0] = 0;
}

START_TEST(test_window) {
    spy_history *h;
    spy_timeline *tl;
    spy_err e;
    uint64_t from, to;
    unsigned s, kept = 0;
    const spy_rec_meta *m;

    init_truth();
    ck_assert_int_eq(
        spy_history_new("/hist", PERIOD, WINDOW, 0, truth[0], SIZE, &h, &e), 0);
    ck_assert_int_eq(spy_history_timeline(h, &tl, &e), 0);
    feed(h, tl, 5);
    spy_history_span(h, &from, &to);
    ck_assert_uint_eq(to, ttime[SAMPLES]);
    ck_assert_uint_eq(from, to - WINDOW);
    m = spy_timeline_meta(tl);
    /* Exactly the samples within the window are held as records. */
    for (s = 1; s <= SAMPLES; s++)
        kept += ttime[s] >= from;
    ck_assert_uint_eq(spy_timeline_frame(tl, 0, 0, 0, NULL, NULL, &e), 0);
    ck_assert_uint_eq(m->deltas, kept);
    ck_assert_uint_eq(m->keyframes, 1);
    ck_assert_int_eq(m->ring, 1);
    ck_assert_str_eq(m->name, "/hist");
    check_frames(tl, from);
    /* A time before the window is the window's start. */
    {
        uint8_t a[CAP], b[CAP];
        ck_assert_int_eq(spy_timeline_frame(tl, 0, 0, CAP, a, NULL, &e), 0);
        ck_assert_int_eq(spy_timeline_frame(tl, from, 0, CAP, b, NULL, &e), 0);
        ck_assert(memcmp(a, b, CAP) == 0);
    }
    /* Memory: the base plus the window's records, not the whole history. */
    ck_assert_uint_lt(spy_history_bytes(h), CAP + kept * 2000 + 65536);
    spy_timeline_close(tl);
    spy_history_free(h);
}
END_TEST

START_TEST(test_short_history_keeps_all) {
    spy_history *h;
    spy_timeline *tl;
    spy_err e;
    uint64_t from, to, t;

    init_truth();
    ck_assert_int_eq(spy_history_new("/hist", PERIOD, UINT64_MAX / 2, 0,
                                     truth[0], SIZE, &h, &e),
                     0);
    feed(h, NULL, 6);
    spy_history_span(h, &from, &to);
    ck_assert_uint_eq(from, 0);
    ck_assert_int_eq(spy_history_timeline(h, &tl, &e), 0);
    ck_assert_uint_eq(spy_timeline_meta(tl)->deltas, SAMPLES);
    ck_assert_int_eq(spy_timeline_meta(tl)->ring, 0);
    check_frames(tl, 0);
    /* next change of any byte from sample 10 is sample 11. */
    ck_assert_int_eq(spy_timeline_next_change(tl, ttime[10], 0, 0, &t, &e), 1);
    ck_assert_uint_eq(t, ttime[11]);
    ck_assert_int_eq(spy_timeline_prev_change(tl, ttime[10], 0, 0, &t, &e), 1);
    ck_assert_uint_eq(t, ttime[9]);
    spy_timeline_close(tl);
    spy_history_free(h);
}
END_TEST

/* A memory cap: the oldest records are folded although still in the
 * window, the bytes held stay under the cap, the span says what is kept
 * and every frame within it is exact. */
#define LIMIT (CAP + 40000)
START_TEST(test_limit) {
    spy_history *h;
    spy_timeline *tl;
    spy_err e;
    uint64_t from, to;

    init_truth();
    ck_assert_int_eq(spy_history_new("/hist", PERIOD, UINT64_MAX / 2, 0,
                                     truth[0], SIZE, &h, &e),
                     0);
    spy_history_set_limit(h, LIMIT);
    ck_assert_int_eq(spy_history_limited(h), 0);
    ck_assert_int_eq(spy_history_timeline(h, &tl, &e), 0);
    feed(h, tl, 7); /* (checks the latest frame after every sample) */
    spy_history_span(h, &from, &to);
    ck_assert_uint_eq(to, ttime[SAMPLES]);
    ck_assert_uint_gt(from, 0);
    ck_assert_uint_lt(from, to);
    ck_assert_int_eq(spy_history_limited(h), 1);
    /* The records held (the base, the records and their table) fit the
     * cap; what is beyond it is the table's spare room. */
    ck_assert_uint_le(spy_history_bytes(h), LIMIT + 16384);
    ck_assert_int_eq(spy_timeline_meta(tl)->ring, 1);
    check_frames(tl, from);
    spy_timeline_close(tl);
    spy_history_free(h);

    /* A cap set later applies at once. */
    init_truth();
    ck_assert_int_eq(spy_history_new("/hist", PERIOD, UINT64_MAX / 2, 0,
                                     truth[0], SIZE, &h, &e),
                     0);
    feed(h, NULL, 8);
    spy_history_span(h, &from, &to);
    ck_assert_uint_eq(from, 0);
    spy_history_set_limit(h, LIMIT);
    spy_history_span(h, &from, &to);
    ck_assert_uint_gt(from, 0);
    ck_assert_uint_eq(to, ttime[SAMPLES]);
    ck_assert_int_eq(spy_history_limited(h), 1);
    ck_assert_int_eq(spy_history_timeline(h, &tl, &e), 0);
    check_frames(tl, from);
    spy_timeline_close(tl);
    /* A cap below the segment's size keeps the latest state alone. */
    spy_history_set_limit(h, 1);
    spy_history_span(h, &from, &to);
    ck_assert_uint_eq(from, to);
    ck_assert_int_eq(spy_history_timeline(h, &tl, &e), 0);
    check_frames(tl, from);
    spy_timeline_close(tl);
    spy_history_free(h);
}
END_TEST

typedef struct cut_seen {
    int cut, first_is_key;
    unsigned records;
} cut_seen;

static int see_key(uint64_t t, uint64_t s, uint64_t z, const uint8_t *i,
                   void *a) {
    cut_seen *c = a;
    (void)t, (void)s, (void)z, (void)i;
    if (c->records++ == 0)
        c->first_is_key = 1;
    return 0;
}

static int see_event(uint64_t t, uint64_t s, const spy_rec_event *ev, void *a) {
    cut_seen *c = a;
    (void)t, (void)s;
    c->records++;
    if (ev->kind == SPY_REC_EV_CUT)
        c->cut++;
    return 0;
}

START_TEST(test_save_then_open) {
    spy_history *h;
    spy_timeline *tl;
    spy_err e;
    uint64_t from, to;
    cut_seen cs;
    spy_timeline_visitor v;

    init_truth();
    ck_assert_int_eq(
        spy_history_new("/hist", PERIOD, WINDOW, 0, truth[0], SIZE, &h, &e), 0);
    spy_history_set_start_wall(h, 1234567);
    feed(h, NULL, 7);
    spy_history_span(h, &from, &to);
    ck_assert_msg(spy_history_save(h, path, 0, &e) == 0, "%s", e.msg);
    /* Not twice without --force; with it, yes. */
    ck_assert_int_eq(spy_history_save(h, path, 0, &e), SPY_EEXIST);
    ck_assert_int_eq(spy_history_save(h, path, SPY_RECW_FORCE, &e), 0);
    ck_assert_msg(spy_timeline_open(path, &tl, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(spy_timeline_meta(tl)->ring, 1);
    ck_assert_int_eq(spy_timeline_meta(tl)->complete, 1);
    ck_assert_uint_eq(spy_timeline_meta(tl)->start_wall_ns, 1234567);
    ck_assert_uint_eq(spy_timeline_meta(tl)->duration_ns, to);
    ck_assert_str_eq(spy_timeline_meta(tl)->name, "/hist");
    check_frames(tl, from);
    memset(&cs, 0, sizeof cs);
    memset(&v, 0, sizeof v);
    v.on_key = see_key;
    v.on_event = see_event;
    v.arg = &cs;
    ck_assert_int_eq(spy_timeline_walk(tl, 0, UINT64_MAX, &v, &e), 0);
    ck_assert_int_eq(cs.first_is_key, 1);
    ck_assert_int_eq(cs.cut, 1);
    spy_timeline_close(tl);
    spy_history_free(h);
}
END_TEST

static Suite *history_suite(void) {
    Suite *s = suite_create("history");
    TCase *tc = tcase_create("history");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_window);
    tcase_add_test(tc, test_short_history_keeps_all);
    tcase_add_test(tc, test_save_then_open);
    tcase_add_test(tc, test_limit);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(history_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
