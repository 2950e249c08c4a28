/* test_record.c - the sampler (ops/record.c) on real POSIX objects:
 * changes found as runs of blocks with their old and new bytes, resizes,
 * removal and recreation under the name; and the recorder
 * (ops/recorder.c) against samples/script_writer, a writer with a known
 * script that saves the whole object after each step: read back through
 * the timeline, the recording holds exactly those states, in order, at
 * the right times (within a sampling period and some slack for a busy
 * machine), and --until stops on the right step. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/process.h"
#include "backends/seg.h"
#include "core/until.h"
#include "ops/record.h"
#include "ops/recording.h"
#include "../testutil.h"

static char objname[64];
static spy_name nm;

static spy_seg *make(uint64_t size) {
    spy_seg *s = NULL;
    spy_err e;
    ck_assert_int_eq(spy_name_parse(objname, &nm, &e), 0);
    ck_assert_msg(
        spy_seg_open(&nm, SPY_O_WRITE | SPY_O_CREATE, size, 0600, &s, &e) == 0,
        "%s", e.msg);
    return s;
}

static void setup(void) {
    snprintf(objname, sizeof objname, "/spy-test-record-%ld", (long)getpid());
}

static void teardown(void) {
    spy_err e;
    (void)spy_seg_unlink(&nm, &e);
}

static void put(spy_seg *s, uint64_t off, const void *p, size_t n) {
    spy_err e;
    ck_assert_int_eq(spy_seg_write(s, off, p, n, &e), 0);
}

START_TEST(test_runs) {
    spy_seg *w = make(16384);
    spy_sampler *sp = NULL;
    spy_sample smp;
    spy_err e;
    uint8_t b[200];
    uint32_t v = 7;

    ck_assert_int_eq(spy_sampler_open(&nm, 1000000, &sp, &e), 0);
    spy_sampler_first(sp, &smp);
    ck_assert_int_eq(smp.key, 1);
    ck_assert_uint_eq(smp.size, 16384);
    /* nothing changed */
    ck_assert_int_eq(spy_sampler_step(sp, 0, &smp, &e), 0);
    ck_assert_uint_eq(smp.nruns, 0);
    ck_assert_uint_eq(smp.seq, 1);
    /* one u32 at 0x40: one block; two adjacent blocks merge; a far one */
    put(w, 0x40, &v, 4);
    memset(b, 0xAB, sizeof b);
    put(w, 0x1000 - 100, b, 200); /* spans 0xf80..0x1080: 4 blocks */
    put(w, 0x3000, b, 1);
    ck_assert_int_eq(spy_sampler_step(sp, 1, &smp, &e), 0);
    ck_assert_uint_eq(smp.seq, 2);
    ck_assert_uint_eq(smp.nruns, 3);
    ck_assert_uint_eq(smp.runs[0].off, 0x40);
    ck_assert_uint_eq(smp.runs[0].len, 64);
    ck_assert_int_eq(smp.runs[0].new_data[0], 7);
    ck_assert_int_eq(smp.runs[0].old_data[0], 0);
    ck_assert_uint_eq(smp.runs[1].off, 0xf80);
    ck_assert_uint_eq(smp.runs[1].len, 0x100);
    ck_assert_int_eq(smp.runs[1].new_data[0x1c], 0xAB);
    ck_assert_int_eq(smp.runs[1].new_data[0x1b], 0);
    ck_assert_uint_eq(smp.runs[2].off, 0x3000);
    ck_assert_uint_eq(smp.nevents, 0);
    /* the same bytes again: nothing */
    put(w, 0x40, &v, 4);
    ck_assert_int_eq(spy_sampler_step(sp, 0, &smp, &e), 0);
    ck_assert_uint_eq(smp.nruns, 0);
    spy_sampler_close(sp);
    spy_seg_close(w);
}
END_TEST

/* Waits out the slow checks' interval, then steps. */
static void slow_step(spy_sampler *sp, spy_sample *smp) {
    spy_err e;
    spy_sleep_ms(SPY_SAMPLER_SLOW_MS + 20);
    ck_assert_msg(spy_sampler_step(sp, 0, smp, &e) == 0, "%s", e.msg);
}

static int has_event(const spy_sample *s, spy_rec_event_kind k) {
    for (size_t i = 0; i < s->nevents; i++)
        if (s->events[i].kind == k)
            return 1;
    return 0;
}

START_TEST(test_resize_remove_recreate) {
    spy_seg *w = make(4096);
    spy_sampler *sp = NULL;
    spy_sample smp;
    spy_err e;
    uint8_t b = 0x5A;

    ck_assert_int_eq(spy_sampler_open(&nm, 1000000, &sp, &e), 0);
    spy_seg_close(w);
    /* grow to 8192: an event, and the new bytes as runs without old */
    ck_assert_int_eq(
        spy_seg_open(&nm, SPY_O_WRITE | SPY_O_CREATE, 8192, 0600, &w, &e), 0);
    put(w, 5000, &b, 1);
    slow_step(sp, &smp);
    ck_assert_int_eq(has_event(&smp, SPY_REC_EV_RESIZE), 1);
    ck_assert_uint_eq(smp.events[0].a, 4096);
    ck_assert_uint_eq(smp.events[0].b, 8192);
    ck_assert_uint_eq(smp.size, 8192);
    ck_assert_uint_eq(smp.nruns, 1);
    ck_assert_uint_eq(smp.runs[0].off, 4096);
    ck_assert_uint_eq(smp.runs[0].len, 4096);
    ck_assert_ptr_null(smp.runs[0].old_data);
    ck_assert_int_eq(smp.runs[0].new_data[5000 - 4096], 0x5A);
    spy_seg_close(w);
    /* shrink to 1000: found by the next read even before a slow check */
    {
        char path[128];
        snprintf(path, sizeof path, "/dev/shm%s", objname);
        ck_assert_int_eq(truncate(path, 1000), 0);
    }
    slow_step(sp, &smp);
    ck_assert_int_eq(has_event(&smp, SPY_REC_EV_RESIZE), 1);
    ck_assert_uint_eq(smp.size, 1000);
    /* removed: an event once, then waiting */
    ck_assert_int_eq(spy_seg_unlink(&nm, &e), 0);
    slow_step(sp, &smp);
    ck_assert_int_eq(has_event(&smp, SPY_REC_EV_REMOVED), 1);
    ck_assert_int_eq(spy_sampler_gone(sp), 1);
    slow_step(sp, &smp);
    ck_assert_uint_eq(smp.nevents, 0);
    /* recreated: an event and a keyframe of the new object */
    w = make(2048);
    put(w, 10, &b, 1);
    slow_step(sp, &smp);
    ck_assert_int_eq(has_event(&smp, SPY_REC_EV_RECREATED), 1);
    ck_assert_int_eq(smp.key, 1);
    ck_assert_uint_eq(smp.size, 2048);
    ck_assert_int_eq(smp.img[10], 0x5A);
    ck_assert_int_eq(spy_sampler_gone(sp), 0);
    spy_sampler_close(sp);
    spy_seg_close(w);
}
END_TEST

START_TEST(test_missed) {
    spy_seg *w = make(64);
    spy_sampler *sp = NULL;
    spy_sample smp;
    spy_sampler_stats st;
    spy_err e;

    ck_assert_int_eq(spy_sampler_open(&nm, 1000000, &sp, &e), 0);
    spy_sleep_ms(50); /* about 50 periods of 1 ms go by */
    ck_assert_int_eq(spy_sampler_step(sp, 1, &smp, &e), 0);
    ck_assert_uint_gt(smp.missed, 0);
    spy_sampler_stats_get(sp, &st);
    ck_assert_uint_eq(st.missed, smp.missed);
    ck_assert_uint_eq(st.samples, 2);
    spy_sampler_close(sp);
    spy_seg_close(w);
}
END_TEST

START_TEST(test_missing) {
    spy_sampler *sp = NULL;
    spy_err e;
    ck_assert_int_eq(spy_name_parse("/spy-test-record-none", &nm, &e), 0);
    ck_assert_int_eq(spy_sampler_open(&nm, 1000000, &sp, &e), SPY_ENOENT);
    check_msg(&e);
    ck_assert_ptr_null(sp);
}
END_TEST

/* ---- the recorder against script_writer --------------------------------- */

static char dir[256];
static pid_t writer = -1;

/* Starts script_writer on objname (4096 bytes) with script into dir;
 * returns once the object exists. */
static void start_writer(const char *script) {
    const char *samples = getenv("SPY_SAMPLES");
    char exe[512];
    spy_err e;

    ck_assert_ptr_nonnull(samples);
    snprintf(dir, sizeof dir, "/tmp/spy-test-record-%ld", (long)getpid());
    ck_assert_int_eq(spy_name_parse(objname, &nm, &e), 0);
    (void)spy_seg_unlink(&nm, &e);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(exe, sizeof exe, "%s/script_writer", samples);
    writer = fork();
    ck_assert_int_ge(writer, 0);
    if (writer == 0) {
        execl(exe, exe, objname, "4096", dir, script, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        char path[300];
        snprintf(path, sizeof path, "%s/steps", dir);
        if (access(path, F_OK) == 0)
            return;
        spy_sleep_ms(10);
    }
    ck_abort_msg("script_writer did not start");
}

static void stop_writer(void) {
    int st;
    if (writer > 0) {
        kill(writer, SIGTERM);
        waitpid(writer, &st, 0);
    }
    writer = -1;
}

/* Step n's snapshot: its bytes (malloc'd) and size; 0 when missing. */
static uint8_t *step_bytes(int n, uint64_t *size) {
    char path[300];
    FILE *f;
    uint8_t *b = malloc(1 << 20);
    snprintf(path, sizeof path, "%s/step-%d.bin", dir, n);
    f = fopen(path, "rb");
    if (f == NULL || b == NULL) {
        free(b);
        if (f != NULL)
            fclose(f);
        return NULL;
    }
    *size = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

/* The times (ms since the writer's start) of the steps, from DIR/steps. */
static int step_times(uint64_t *t, int max) {
    char path[300];
    FILE *f;
    int n = 0, k;
    unsigned long long ms;
    snprintf(path, sizeof path, "%s/steps", dir);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (n < max && fscanf(f, "%d %llu", &k, &ms) == 2)
        t[n++] = ms;
    fclose(f);
    return n;
}

/* Records objname at 200 Hz until done (or --until) into path. */
static spy_record_stats record_it(const char *path, uint64_t for_ns,
                                  uint64_t ring_ns, const spy_until *u) {
    spy_record_opts o;
    spy_recorder *r = NULL;
    spy_record_stats st;
    spy_err e;
    int rc;

    memset(&o, 0, sizeof o);
    o.name = &nm;
    o.out = path;
    o.flags = SPY_RECW_FORCE;
    o.period_ns = 5000000;
    o.for_ns = for_ns;
    o.ring_ns = ring_ns;
    o.until = u;
    unlink(path);
    ck_assert_msg(spy_record_start(&o, &r, &e) == 0, "%s", e.msg);
    while ((rc = spy_record_step(r, &e)) == 0)
        ;
    ck_assert_msg(rc == 1, "%s", e.msg);
    ck_assert_msg(spy_record_finish_stats(r, &st, &e) == 0, "%s", e.msg);
    return st;
}

/* The frame at t: size and bytes (malloc'd). */
static uint8_t *frame_at(spy_timeline *tl, uint64_t t, uint64_t *size) {
    uint8_t *b;
    spy_err e;
    *size = spy_timeline_size_at(tl, t);
    b = malloc(*size ? *size : 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_msg(spy_timeline_frame(tl, t, 0, *size, b, NULL, &e) == 0, "%s",
                  e.msg);
    return b;
}

/* Each byte of mid is the one of a or of b. */
static int between(const uint8_t *a, const uint8_t *mid, const uint8_t *b,
                   uint64_t n) {
    for (uint64_t i = 0; i < n; i++)
        if (mid[i] != a[i] && mid[i] != b[i])
            return 0;
    return 1;
}

START_TEST(test_recorder_script) {
    char path[300];
    spy_timeline *tl = NULL;
    spy_err e;
    uint64_t tstep[32], t = 0, t1 = 0, period = 5000000, prev_size = 0;
    uint8_t *prev = NULL;
    int nsteps, n;

    start_writer("at 150 write u32 7 at 0x40;"
                 "at 350 fill 0x100..0x200 with 0xAB;"
                 "at 550 write u64 0x1122334455667788 at 0x800;"
                 "at 750 truncate to 2048;"
                 "at 950 write u8 0x5A at 0x10;"
                 "at 1150 truncate to 8192;"
                 "at 1350 fill 0xfc0..0x1040 with 0x33;"
                 "at 1550 write u32 0 at 0x40");
    snprintf(path, sizeof path, "%s/r.rec", dir);
    record_it(path, 1900000000u, 0, NULL);
    stop_writer();
    nsteps = step_times(tstep, 32);
    ck_assert_int_eq(nsteps, 9);
    ck_assert_msg(spy_timeline_open(path, &tl, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(spy_timeline_meta(tl)->complete, 1);
    /* The start is step 0 (the recorder began before step 1). */
    for (n = 0; n < nsteps; n++) {
        uint64_t want_size, size;
        uint8_t *want = step_bytes(n, &want_size), *got;
        ck_assert_ptr_nonnull(want);
        if (n > 0) {
            /* The next change after the last one is this step. Before
             * it may come records of events that change no byte (missed
             * samples), and a sample may have caught the step half done
             * (a fill is not atomic): then each byte is the old or the
             * new one, and the step shows in a later sample. */
            int tries = 0;
            for (;;) {
                int rc = spy_timeline_next_change(tl, t, 0, 0, &t, &e);
                ck_assert_msg(rc == 1, "step %d: no change found after %llu ns",
                              n, (unsigned long long)t);
                got = frame_at(tl, t, &size);
                if (size == want_size && memcmp(got, want, size) == 0)
                    break;
                /* Not yet: the previous step still (a record of an
                 * event, as missed samples), or the step half done. */
                ck_assert_msg(
                    ++tries < 100 && size == prev_size &&
                        (memcmp(got, prev, size) == 0 ||
                         (size == want_size && between(prev, got, want, size))),
                    "step %d: a frame (%llu bytes) that is neither "
                    "step %d, step %d nor between them",
                    n, (unsigned long long)size, n - 1, n);
                free(got);
            }
            free(got);
        }
        got = frame_at(tl, t, &size);
        ck_assert_msg(size == want_size, "step %d: size %llu, want %llu", n,
                      (unsigned long long)size, (unsigned long long)want_size);
        ck_assert_msg(memcmp(got, want, size) == 0,
                      "step %d: the frame differs from the snapshot", n);
        if (n == 1)
            t1 = t;
        /* At the right time: step n after step 1 by what the writer
         * says, within a sampling period (plus 100 ms for a busy host). */
        if (n > 1) {
            int64_t rec = (int64_t)(t - t1) / 1000000;
            int64_t truth = (int64_t)(tstep[n] - tstep[1]);
            ck_assert_msg(rec >= truth - (int64_t)(period / 1000000) - 100 &&
                              rec <= truth + (int64_t)(period / 1000000) + 100,
                          "step %d recorded at +%lld ms, written at +%lld ms",
                          n, (long long)rec, (long long)truth);
        }
        free(got);
        free(prev);
        prev = want;
        prev_size = want_size;
    }
    free(prev);
    /* ... and nothing else changed after the last step (the end of the
     * recording is an empty record: no byte changes there) */
    ck_assert_int_eq(spy_timeline_next_change(tl, t, 0, 0, &t, &e), 0);
    spy_timeline_close(tl);
}
END_TEST

START_TEST(test_recorder_until) {
    char path[300];
    spy_until u;
    spy_err e;
    spy_record_stats st;
    spy_timeline *tl = NULL;
    uint64_t size;
    uint8_t *b;

    start_writer("at 150 write u32 5 at 0x40; at 350 write u32 9 at 0x40;"
                 "at 550 write u32 0 at 0x44");
    ck_assert_int_eq(spy_until_parse("off=0x40 u32 > 8", &u, &e), 0);
    snprintf(path, sizeof path, "%s/u.rec", dir);
    st = record_it(path, 5000000000u, 0, &u);
    stop_writer();
    ck_assert_int_eq(st.end, SPY_RECORD_TRIGGERED);
    ck_assert_msg(spy_timeline_open(path, &tl, &e) == 0, "%s", e.msg);
    /* the last frame holds the triggering value */
    b = frame_at(tl, UINT64_MAX / 2, &size);
    ck_assert_uint_eq(size, 4096);
    ck_assert_int_eq(b[0x40], 9);
    ck_assert_uint_eq(spy_timeline_meta(tl)->duration_ns, st.trigger_ns);
    free(b);
    spy_timeline_close(tl);
}
END_TEST

START_TEST(test_recorder_ring) {
    char path[300];
    spy_err e;
    spy_record_stats st;
    spy_timeline *tl = NULL;
    uint64_t size;
    uint8_t *b;

    /* 0x40 counts up every 100 ms; a ring of 300 ms keeps the last ones */
    start_writer("at 100 write u8 1 at 0x40; at 200 write u8 2 at 0x40;"
                 "at 300 write u8 3 at 0x40; at 400 write u8 4 at 0x40;"
                 "at 500 write u8 5 at 0x40; at 600 write u8 6 at 0x40;"
                 "at 700 write u8 7 at 0x40; at 800 write u8 8 at 0x40");
    snprintf(path, sizeof path, "%s/ring.rec", dir);
    st = record_it(path, 1200000000u, 300000000u, NULL);
    stop_writer();
    ck_assert_int_eq(st.end, SPY_RECORD_DURATION);
    ck_assert_msg(spy_timeline_open(path, &tl, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(spy_timeline_meta(tl)->ring, 1);
    /* The start of what was kept is late: the early values are gone. */
    b = frame_at(tl, 0, &size);
    ck_assert_uint_eq(size, 4096);
    ck_assert_msg(b[0x40] >= 5, "the ring's first frame holds %d at 0x40",
                  b[0x40]);
    free(b);
    b = frame_at(tl, UINT64_MAX / 2, &size);
    ck_assert_int_eq(b[0x40], 8);
    free(b);
    spy_timeline_close(tl);
}
END_TEST

static void teardown_writer(void) {
    char cmd[300];
    stop_writer();
    teardown();
    if (dir[0] != '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        ck_assert_int_ge(system(cmd), 0);
    }
}

int main(void) {
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("sampler");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_runs);
    tcase_add_test(tc, test_resize_remove_recreate);
    tcase_add_test(tc, test_missed);
    tcase_add_test(tc, test_missing);
    suite_add_tcase(s, tc);
    tc = tcase_create("recorder");
    tcase_add_checked_fixture(tc, setup, teardown_writer);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_recorder_script);
    tcase_add_test(tc, test_recorder_until);
    tcase_add_test(tc, test_recorder_ring);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
