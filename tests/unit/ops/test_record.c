/* test_record.c - the sampler (ops/record.c) on real POSIX objects:
 * changes found as runs of blocks with their old and new bytes, resizes,
 * removal and recreation under the name. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/process.h"
#include "backends/seg.h"
#include "ops/record.h"
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
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
