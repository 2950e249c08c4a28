/* test_changes.c - unit tests for src/changes.c (change tracking). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/changes.h"

START_TEST(test_baseline_then_change) {
    spy_changes c;
    uint8_t a[16], b[16];

    memset(a, 0x11, sizeof a);
    memcpy(b, a, sizeof b);
    spy_changes_init(&c, 2000);
    /* The first read is a baseline: nothing has changed yet. */
    ck_assert_int_eq(spy_changes_update(&c, 0, a, sizeof a, 1000), 0);
    ck_assert_int_eq(c.have_last, 0);
    ck_assert_uint_eq(spy_changes_age(&c, 3, 1000), UINT64_MAX);
    ck_assert_int_eq(spy_changes_level(&c, 3, 1000, 4), 0);
    ck_assert_int_eq(spy_changes_active(&c, 1000), 0);
    /* Same bytes again: still nothing. */
    ck_assert_int_eq(spy_changes_update(&c, 0, b, sizeof b, 1100), 0);
    b[3] = 0x22;
    b[9] = 0x33;
    ck_assert_int_eq(spy_changes_update(&c, 0, b, sizeof b, 1200), 2);
    ck_assert_int_eq(c.have_last, 1);
    ck_assert_uint_eq(c.last_off, 3);
    ck_assert_uint_eq(c.total, 2);
    ck_assert_uint_eq(spy_changes_age(&c, 3, 1200), 0);
    ck_assert_uint_eq(spy_changes_age(&c, 9, 1700), 500);
    ck_assert_uint_eq(spy_changes_age(&c, 4, 1700), UINT64_MAX);
    ck_assert_int_eq(spy_changes_active(&c, 1700), 1);
    spy_changes_free(&c);
}
END_TEST

START_TEST(test_fade_levels) {
    spy_changes c;
    uint8_t a[4] = {0, 0, 0, 0}, b[4] = {1, 0, 0, 0};

    spy_changes_init(&c, 2000);
    spy_changes_update(&c, 100, a, 4, 0);
    spy_changes_update(&c, 100, b, 4, 10000);
    ck_assert_int_eq(spy_changes_level(&c, 100, 10000, 4), 4);
    ck_assert_int_eq(spy_changes_level(&c, 100, 10499, 4), 4);
    ck_assert_int_eq(spy_changes_level(&c, 100, 10500, 4), 3);
    ck_assert_int_eq(spy_changes_level(&c, 100, 11000, 4), 2);
    ck_assert_int_eq(spy_changes_level(&c, 100, 11999, 4), 1);
    ck_assert_int_eq(spy_changes_level(&c, 100, 12000, 4), 0);
    ck_assert_int_eq(spy_changes_level(&c, 100, 99999, 4), 0);
    ck_assert_int_eq(spy_changes_level(&c, 101, 10000, 4), 0);
    ck_assert_int_eq(spy_changes_level(&c, 100, 10000, 0), 0);
    ck_assert_int_eq(spy_changes_active(&c, 11999), 1);
    ck_assert_int_eq(spy_changes_active(&c, 12000), 0);
    /* A fade clock rounded down to before the change: still fading. */
    ck_assert_int_eq(spy_changes_active(&c, 9500), 1);
    /* Offsets outside the window are never lit. */
    ck_assert_int_eq(spy_changes_level(&c, 99, 10000, 4), 0);
    ck_assert_int_eq(spy_changes_level(&c, 104, 10000, 4), 0);
    spy_changes_free(&c);
}
END_TEST

START_TEST(test_default_fade) {
    spy_changes c;

    spy_changes_init(&c, 0);
    ck_assert_uint_eq(c.fade_ms, 2000);
    spy_changes_free(&c);
}
END_TEST

/* A value that keeps changing stays lit: every update refreshes the time. */
START_TEST(test_keeps_changing_stays_lit) {
    spy_changes c;
    uint8_t v[1] = {0};
    uint64_t t;

    spy_changes_init(&c, 2000);
    spy_changes_update(&c, 0, v, 1, 0);
    for (t = 100; t <= 10000; t += 100) {
        v[0]++;
        ck_assert_int_eq(spy_changes_update(&c, 0, v, 1, t), 1);
        ck_assert_int_eq(spy_changes_level(&c, 0, t + 50, 4), 4);
    }
    spy_changes_free(&c);
}
END_TEST

/* Scrolling keeps the history of bytes that stay visible and treats new
 * bytes as a baseline, in both directions. */
START_TEST(test_scroll_keeps_overlap) {
    spy_changes c;
    uint8_t mem[64];
    size_t i;

    for (i = 0; i < sizeof mem; i++)
        mem[i] = (uint8_t)i;
    spy_changes_init(&c, 2000);
    spy_changes_update(&c, 16, mem + 16, 32, 0); /* window 16..47 */
    mem[20] = 0xff;
    ck_assert_int_eq(spy_changes_update(&c, 16, mem + 16, 32, 100), 1);
    /* Scroll down by 8: 24..55. Offset 20 leaves the window. */
    mem[30] = 0xee; /* changed while visible before and after */
    mem[50] = 0xdd; /* new to the window: baseline, not a change */
    ck_assert_int_eq(spy_changes_update(&c, 24, mem + 24, 32, 200), 1);
    ck_assert_uint_eq(spy_changes_age(&c, 30, 200), 0);
    ck_assert_uint_eq(spy_changes_age(&c, 50, 200), UINT64_MAX);
    ck_assert_uint_eq(spy_changes_age(&c, 20, 200), UINT64_MAX);
    /* Scroll up by 16: 8..39; 30 keeps its time, 20 comes back fresh. */
    ck_assert_int_eq(spy_changes_update(&c, 8, mem + 8, 32, 300), 0);
    ck_assert_uint_eq(spy_changes_age(&c, 30, 300), 100);
    ck_assert_uint_eq(spy_changes_age(&c, 20, 300), UINT64_MAX);
    mem[8] = 0x01;
    mem[39] = 0x02;
    ck_assert_int_eq(spy_changes_update(&c, 8, mem + 8, 32, 400), 2);
    ck_assert_uint_eq(c.last_off, 8);
    /* Jump far away: nothing overlaps, nothing changed. */
    ck_assert_int_eq(spy_changes_update(&c, 1000000, mem, 64, 500), 0);
    ck_assert_uint_eq(spy_changes_age(&c, 30, 500), UINT64_MAX);
    ck_assert_uint_eq(spy_changes_age(&c, 1000000, 500), UINT64_MAX);
    spy_changes_free(&c);
}
END_TEST

/* The window may grow (terminal resized), shrink (segment truncated) or
 * become empty. */
START_TEST(test_window_resizes) {
    spy_changes c;
    uint8_t *big = calloc(1, 20000);
    uint8_t small[8] = {0};

    ck_assert_ptr_nonnull(big);
    spy_changes_init(&c, 2000);
    spy_changes_update(&c, 0, small, 8, 0);
    small[7] = 9;
    ck_assert_int_eq(spy_changes_update(&c, 0, small, 8, 10), 1);
    memcpy(big, small, 8);
    big[19999] = 1;
    /* Grows: the first 8 bytes keep their state, the rest is baseline. */
    ck_assert_int_eq(spy_changes_update(&c, 0, big, 20000, 20), 0);
    ck_assert_uint_eq(spy_changes_age(&c, 7, 20), 10);
    big[19999] = 2;
    big[7] = 0;
    ck_assert_int_eq(spy_changes_update(&c, 0, big, 20000, 30), 2);
    ck_assert_uint_eq(c.last_off, 7);
    /* Shrinks to 4 bytes, then to nothing. */
    ck_assert_int_eq(spy_changes_update(&c, 0, big, 4, 40), 0);
    ck_assert_uint_eq(spy_changes_age(&c, 7, 40), UINT64_MAX);
    ck_assert_int_eq(spy_changes_update(&c, 0, NULL, 0, 50), 0);
    ck_assert_uint_eq(c.len, 0);
    ck_assert_uint_eq(spy_changes_age(&c, 0, 50), UINT64_MAX);
    /* And back: a baseline again. */
    ck_assert_int_eq(spy_changes_update(&c, 0, big, 16, 60), 0);
    spy_changes_free(&c);
    free(big);
}
END_TEST

START_TEST(test_rate_per_second) {
    spy_changes c;
    uint8_t v[4] = {0};
    uint64_t t;

    spy_changes_init(&c, 2000);
    ck_assert_uint_eq(spy_changes_rate(&c, 0), 0);
    spy_changes_update(&c, 0, v, 4, 0);
    /* 10 updates a second, 2 bytes each: 20 bytes per second. */
    for (t = 100; t <= 3000; t += 100) {
        v[0]++;
        v[3]++;
        spy_changes_update(&c, 0, v, 4, t);
    }
    ck_assert_uint_eq(spy_changes_rate(&c, 3000), 20);
    ck_assert_uint_eq(spy_changes_rate(&c, 3050), 20);
    /* It drains when nothing changes any more. */
    ck_assert_uint_eq(spy_changes_rate(&c, 3500), 10);
    ck_assert_uint_eq(spy_changes_rate(&c, 4100), 0);
    ck_assert_uint_eq(spy_changes_rate(&c, 100000), 0);
    ck_assert_uint_eq(c.total, 60);
    spy_changes_free(&c);
}
END_TEST

START_TEST(test_reset_forgets) {
    spy_changes c;
    uint8_t a[4] = {0}, b[4] = {1, 1, 1, 1};

    spy_changes_init(&c, 1000);
    spy_changes_update(&c, 0, a, 4, 0);
    ck_assert_int_eq(spy_changes_update(&c, 0, b, 4, 10), 4);
    spy_changes_reset(&c);
    ck_assert_int_eq(c.have_last, 0);
    ck_assert_uint_eq(c.total, 0);
    ck_assert_uint_eq(spy_changes_rate(&c, 20), 0);
    ck_assert_uint_eq(spy_changes_age(&c, 0, 20), UINT64_MAX);
    /* After a reset the next read is a baseline, even with other bytes. */
    ck_assert_int_eq(spy_changes_update(&c, 0, a, 4, 30), 0);
    ck_assert_uint_eq(c.fade_ms, 1000);
    spy_changes_free(&c);
    spy_changes_free(&c); /* freeing twice is harmless */
}
END_TEST

/* Every byte of a long window is compared, including those past the
 * run-at-a-time fast path's boundaries. */
START_TEST(test_every_position) {
    spy_changes c;
    uint8_t a[300], b[300];
    size_t i;

    memset(a, 0, sizeof a);
    spy_changes_init(&c, 2000);
    spy_changes_update(&c, 5, a, sizeof a, 0);
    for (i = 0; i < sizeof a; i++) {
        memcpy(b, a, sizeof b);
        b[i] = 1;
        ck_assert_int_eq(spy_changes_update(&c, 5, b, sizeof b, 10 + 2 * i), 1);
        ck_assert_uint_eq(c.last_off, 5 + i);
        ck_assert_int_eq(spy_changes_update(&c, 5, a, sizeof a, 11 + 2 * i), 1);
    }
    spy_changes_free(&c);
}
END_TEST

static Suite *changes_suite(void) {
    Suite *s = suite_create("changes");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_baseline_then_change);
    tcase_add_test(tc, test_fade_levels);
    tcase_add_test(tc, test_default_fade);
    tcase_add_test(tc, test_keeps_changing_stays_lit);
    tcase_add_test(tc, test_scroll_keeps_overlap);
    tcase_add_test(tc, test_window_resizes);
    tcase_add_test(tc, test_rate_per_second);
    tcase_add_test(tc, test_reset_forgets);
    tcase_add_test(tc, test_every_position);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(changes_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
