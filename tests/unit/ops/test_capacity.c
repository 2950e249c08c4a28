/* test_capacity.c - the holes-against-free-space rule (ops/capacity.c):
 * decided from given numbers, and once against the real /dev/shm. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "backends/capacity.h"
#include "ops/capacity.h"
#include "../testutil.h"

static spy_seg_info obj(spy_kind kind, uint64_t size, uint64_t allocated) {
    spy_seg_info s;
    spy_seg_info_init(&s);
    s.kind = kind;
    s.size = size;
    s.allocated = allocated;
    return s;
}

START_TEST(test_decide) {
    spy_capacity_check c;
    spy_seg_info s = obj(SPY_KIND_POSIX, 4u << 20, 1u << 20);
    char line[256];

    spy_capacity_decide(&s, 1, 1u << 20, &c);
    ck_assert_int_eq(c.known, 1);
    ck_assert_uint_eq(c.holes, 3u << 20);
    ck_assert_int_eq(c.warn, 1);
    spy_capacity_warning(&c, line, sizeof line);
    ck_assert_str_eq(line, "3.0 MiB of this object are holes and /dev/shm "
                           "has 1.0 MiB free: touching them raises SIGBUS "
                           "although nothing was truncated");
    /* Exactly as much room as holes: every hole can be backed. */
    spy_capacity_decide(&s, 1, 3u << 20, &c);
    ck_assert_int_eq(c.warn, 0);
    /* No holes at all (allocated rounds up to pages). */
    s = obj(SPY_KIND_SEM, 32, 4096);
    spy_capacity_decide(&s, 1, 0, &c);
    ck_assert_int_eq(c.known, 1);
    ck_assert_uint_eq(c.holes, 0);
    ck_assert_int_eq(c.warn, 0);
    /* A fully sparse object: allocated 0 is "no page", not unknown. */
    s = obj(SPY_KIND_POSIX, 8192, 0);
    spy_capacity_decide(&s, 1, 4096, &c);
    ck_assert_int_eq(c.warn, 1);
    /* Not measured: no capacity, or a kind that is not on /dev/shm. */
    spy_capacity_decide(&s, 0, 0, &c);
    ck_assert_int_eq(c.known, 0);
    ck_assert_int_eq(c.warn, 0);
    s = obj(SPY_KIND_SYSV, 8192, 0);
    spy_capacity_decide(&s, 1, 0, &c);
    ck_assert_int_eq(c.known, 0);
    ck_assert_int_eq(c.warn, 0);
}
END_TEST

/* Against the real /dev/shm: an object with twice its free space in
 * holes warns, one with none does not. */
START_TEST(test_check_now) {
    spy_capacity cap;
    spy_err e;
    spy_capacity_check c;
    spy_seg_info s;

    if (spy_shm_capacity(&cap, &e) != 0)
        return; /* no /dev/shm here: nothing to measure */
    s = obj(SPY_KIND_POSIX, 2 * cap.avail + 4096, 0);
    spy_capacity_check_now(&s, &c);
    ck_assert_int_eq(c.known, 1);
    ck_assert_int_eq(c.warn, 1);
    s = obj(SPY_KIND_POSIX, 4096, 4096);
    spy_capacity_check_now(&s, &c);
    ck_assert_int_eq(c.known, 1);
    ck_assert_int_eq(c.warn, 0);
}
END_TEST

int main(void) {
    Suite *s = suite_create("capacity");
    TCase *tc = tcase_create("capacity");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_decide);
    tcase_add_test(tc, test_check_now);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
