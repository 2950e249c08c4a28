/* test_duration.c - durations on the command line (core/duration.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "../testutil.h"

static uint64_t ok(const char *s) {
    uint64_t ns = 0;
    spy_err e;
    ck_assert_msg(spy_parse_duration("--for", s, &ns, &e) == 0, "%s: %s", s,
                  e.msg);
    return ns;
}

static void bad(const char *s, int code) {
    uint64_t ns = 0;
    spy_err e;
    ck_assert_int_eq(spy_parse_duration("--for", s, &ns, &e), code);
    check_msg(&e);
    ck_assert_msg(strncmp(e.msg, "--for: ", 7) == 0, "%s", e.msg);
}

START_TEST(test_parse) {
    ck_assert_uint_eq(ok("1.5s"), 1500000000u);
    ck_assert_uint_eq(ok("250ms"), 250000000u);
    ck_assert_uint_eq(ok("2m"), 120000000000u);
    ck_assert_uint_eq(ok("10"), 10000000000u);
    ck_assert_uint_eq(ok("1h"), 3600000000000u);
    ck_assert_uint_eq(ok("7ns"), 7u);
    ck_assert_uint_eq(ok("3us"), 3000u);
    ck_assert_uint_eq(ok("0"), 0u);
    ck_assert_uint_eq(ok(".5"), 500000000u);
    ck_assert_uint_eq(ok("0.001s"), 1000000u);
    ck_assert_uint_eq(ok("1.5ms"), 1500000u);
    ck_assert_uint_eq(ok("0.123456789s"), 123456789u);
    ck_assert_uint_eq(ok("1.5us"), 1500u);
    ck_assert_uint_eq(ok("2.5ns"), 2u); /* below a nanosecond: cut */
    ck_assert_uint_eq(ok("1.25m"), 75000000000u);
    ck_assert_uint_eq(ok("0.5h"), 1800000000000u);
}
END_TEST

START_TEST(test_errors) {
    bad("", SPY_EINVAL);
    bad("s", SPY_EINVAL);
    bad("1x", SPY_EINVAL);
    bad("-1s", SPY_EINVAL);
    bad("1.s", SPY_EINVAL);
    bad("1 s", SPY_EINVAL);
    bad("1.5.5s", SPY_EINVAL);
    bad("0.1234567891s", SPY_EINVAL);
    bad("1e3s", SPY_EINVAL);
    bad("99999999999999999999999h", SPY_ERANGE);
    bad("3000000h", SPY_ERANGE);
    bad("9223372036854775808ns", SPY_ERANGE);
    bad("1\x1b[2Js", SPY_EINVAL);
    {
        uint64_t ns;
        spy_err e;
        ck_assert_int_eq(spy_parse_duration("--for", NULL, &ns, &e),
                         SPY_EINVAL);
        check_msg(&e);
    }
}
END_TEST

START_TEST(test_format) {
    char b[32];
    ck_assert_str_eq(spy_format_seconds(0, b, sizeof b), "0.000s");
    ck_assert_str_eq(spy_format_seconds(1234567890u, b, sizeof b), "1.234s");
    ck_assert_str_eq(spy_format_seconds(12345000000u, b, sizeof b), "12.345s");
    ck_assert_str_eq(spy_format_seconds(999999u, b, sizeof b), "0.000s");
}
END_TEST

int main(void) {
    Suite *s = suite_create("duration");
    TCase *tc = tcase_create("duration");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_format);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
