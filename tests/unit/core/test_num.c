/* test_num.c - unit tests for src/num.c (sizes, offsets, modes). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/num.h"
#include "../testutil.h"

static void expect_u64(const char *s, uint64_t want) {
    spy_err e;
    uint64_t v = 12345;
    int rc;

    spy_err_clear(&e);
    rc = spy_parse_u64("-s", s, &v, &e);
    ck_assert_msg(rc == 0, "'%s': rc %d (%s)", s, rc, e.msg);
    ck_assert_msg(v == want, "'%s': got %llu want %llu", s,
                  (unsigned long long)v, (unsigned long long)want);
}

static void expect_u64_err(const char *s, int code) {
    spy_err e;
    uint64_t v = 777;
    int rc;

    spy_err_clear(&e);
    rc = spy_parse_u64("-s", s, &v, &e);
    ck_assert_msg(rc == code, "'%s': rc %d want %d", s, rc, code);
    ck_assert_int_eq(e.code, code);
    ck_assert_uint_eq(v, 777); /* untouched on error */
    ck_assert_msg(strncmp(e.msg, "-s: ", 4) == 0, "msg '%s'", e.msg);
    check_msg(&e);
}

static void expect_mode(const char *s, uint32_t want) {
    spy_err e;
    uint32_t v = 12345;
    int rc;

    spy_err_clear(&e);
    rc = spy_parse_mode("--mode", s, &v, &e);
    ck_assert_msg(rc == 0, "'%s': rc %d (%s)", s, rc, e.msg);
    ck_assert_msg(v == want, "'%s': got %o want %o", s, (unsigned)v,
                  (unsigned)want);
}

static void expect_mode_err(const char *s, int code) {
    spy_err e;
    uint32_t v = 777;
    int rc;

    spy_err_clear(&e);
    rc = spy_parse_mode("--mode", s, &v, &e);
    ck_assert_msg(rc == code, "'%s': rc %d want %d", s, rc, code);
    ck_assert_int_eq(e.code, code);
    ck_assert_uint_eq(v, 777);
    ck_assert_msg(strncmp(e.msg, "--mode: ", 8) == 0, "msg '%s'", e.msg);
    check_msg(&e);
}

START_TEST(test_decimal) {
    expect_u64("0", 0);
    expect_u64("1", 1);
    expect_u64("4096", 4096);
    expect_u64("007", 7); /* decimal, not octal */
    expect_u64("000000000000000000000000000000000042", 42);
    expect_u64("18446744073709551615", UINT64_MAX);
    expect_u64("18446744073709551614", UINT64_MAX - 1);
}
END_TEST

START_TEST(test_hex) {
    expect_u64("0x0", 0);
    expect_u64("0x1000", 4096);
    expect_u64("0XfF", 255);
    expect_u64("0xDEADbeef", 0xdeadbeefULL);
    expect_u64("0xffffffffffffffff", UINT64_MAX);
    expect_u64("0x00000000000000000000000000000001", 1);
    expect_u64("0x8000000000000000", (uint64_t)1 << 63);
}
END_TEST

START_TEST(test_suffix) {
    expect_u64("1K", 1024);
    expect_u64("1k", 1024);
    expect_u64("4M", 4 * 1024 * 1024);
    expect_u64("4m", 4 * 1024 * 1024);
    expect_u64("2G", 2ULL * 1024 * 1024 * 1024);
    expect_u64("2g", 2ULL * 1024 * 1024 * 1024);
    expect_u64("0K", 0);
    expect_u64("0x10K", 16384);
    expect_u64("0x1g", 1ULL << 30); /* g is not a hex digit: a suffix */
    expect_u64("0xfG", 15ULL << 30);
    /* The largest values each suffix can carry, and one more. */
    expect_u64("18014398509481983K", UINT64_MAX - 1023);
    expect_u64_err("18014398509481984K", SPY_ERANGE);
    expect_u64("17592186044415M", UINT64_MAX - (1ULL << 20) + 1);
    expect_u64_err("17592186044416M", SPY_ERANGE);
    expect_u64("17179869183G", UINT64_MAX - (1ULL << 30) + 1);
    expect_u64_err("17179869184G", SPY_ERANGE);
    expect_u64("0x3fffffffffffffK", UINT64_MAX - 1023);
    expect_u64_err("0x40000000000000K", SPY_ERANGE);
    expect_u64_err("0xffffffffffffffffG", SPY_ERANGE);
}
END_TEST

START_TEST(test_overflow) {
    expect_u64_err("18446744073709551616", SPY_ERANGE);
    expect_u64_err("18446744073709551620", SPY_ERANGE);
    expect_u64_err("99999999999999999999", SPY_ERANGE);
    expect_u64_err("0x10000000000000000", SPY_ERANGE);
    expect_u64_err("0x1ffffffffffffffff", SPY_ERANGE);
}
END_TEST

START_TEST(test_malformed) {
    static const char *bad[] = {
        "",      "-1",    "+1",    " 1",    "1 ",  "12x",   "0x",
        "0X",    "x10",   "K",     "1KK",   "1KB", "1KiB",  "1T",
        "1.5",   "0o17",  "1e3",   "0xg",   "1\n", "0xK",   "1 K",
        "-0",    "0x-1",  "0x 1",  "1K1",   "\t1", "1\x01", "\xff",
        "1_000", "1,000", "0b101", "0x0x1", "K1",  "1-",    "0xfz",
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_u64_err(bad[i], SPY_EINVAL);
    /* Malformed wins over too large. */
    expect_u64_err("99999999999999999999999x", SPY_EINVAL);
    expect_u64_err("99999999999999999999999KK", SPY_EINVAL);
}
END_TEST

START_TEST(test_messages) {
    spy_err e;
    uint64_t v;

    spy_parse_u64("-s", "12x", &v, &e);
    ck_assert_str_eq(e.msg, "-s: '12x': not a number (use decimal, 0x hex, "
                            "optional K/M/G)");
    spy_parse_u64("SIZE", "99999999999999999999", &v, &e);
    ck_assert_int_eq(e.code, SPY_ERANGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "SIZE: '99999999999999999999'"));
    ck_assert_ptr_nonnull(strstr(e.msg, "too large"));
    /* Control bytes are shown escaped, never raw. */
    spy_parse_u64("-n", "1\x1b[2J", &v, &e);
    ck_assert_ptr_nonnull(strstr(e.msg, "'1\\x1b[2J'"));
    check_msg(&e);
    /* A NULL `what` and a NULL err are tolerated. */
    ck_assert_int_eq(spy_parse_u64(NULL, "z", &v, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "'z'"));
    ck_assert_int_eq(spy_parse_u64("-s", "z", &v, NULL), SPY_EINVAL);
    ck_assert_int_eq(spy_parse_u64("-s", NULL, &v, &e), SPY_EINVAL);
    check_msg(&e);
    ck_assert_int_eq(spy_parse_u64("-s", "5", NULL, NULL), 0);
}
END_TEST

START_TEST(test_long_inputs) {
    enum { N = 100000 };
    char *s = malloc(N + 2);
    spy_err e;
    uint64_t v = 0;

    ck_assert_ptr_nonnull(s);
    /* Many leading zeros are still a small number. */
    memset(s, '0', N);
    s[N] = '1';
    s[N + 1] = '\0';
    ck_assert_int_eq(spy_parse_u64("-s", s, &v, &e), 0);
    ck_assert_uint_eq(v, 1);
    /* Many nines overflow. */
    memset(s, '9', N + 1);
    ck_assert_int_eq(spy_parse_u64("-s", s, &v, &e), SPY_ERANGE);
    check_msg(&e);
    ck_assert_ptr_nonnull(strstr(e.msg, "..."));
    ck_assert_ptr_nonnull(strstr(e.msg, "too large"));
    /* Junk at the very end of a long number. */
    s[N] = 'x';
    ck_assert_int_eq(spy_parse_u64("-s", s, &v, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "not a number"));
    check_msg(&e);
    /* Long octal strings for modes. */
    memset(s, '0', N);
    memcpy(s + N - 3, "644", 3);
    s[N] = '\0';
    expect_mode(s, 0644);
    memset(s, '7', N);
    expect_mode_err(s, SPY_ERANGE);
    s[N - 1] = '9';
    expect_mode_err(s, SPY_EINVAL);
    free(s);
}
END_TEST

START_TEST(test_mode) {
    expect_mode("0600", 0600);
    expect_mode("644", 0644);
    expect_mode("0", 0);
    expect_mode("00", 0);
    expect_mode("07777", 07777);
    expect_mode("7777", 07777);
    expect_mode("1777", 01777);
    expect_mode("0000644", 0644);
    expect_mode_err("10000", SPY_ERANGE);
    expect_mode_err("017777", SPY_ERANGE);
    expect_mode_err("77777777777777777777777777", SPY_ERANGE);
    expect_mode_err("", SPY_EINVAL);
    expect_mode_err("0800", SPY_EINVAL);
    expect_mode_err("9", SPY_EINVAL);
    expect_mode_err("0x1ff", SPY_EINVAL);
    expect_mode_err("-1", SPY_EINVAL);
    expect_mode_err("+644", SPY_EINVAL);
    expect_mode_err(" 644", SPY_EINVAL);
    expect_mode_err("644 ", SPY_EINVAL);
    expect_mode_err("rw-r--r--", SPY_EINVAL);
    expect_mode_err("7777777777777777777777777x", SPY_EINVAL);
    expect_mode_err("0o644", SPY_EINVAL);
}
END_TEST

START_TEST(test_mode_messages) {
    spy_err e;
    uint32_t v;

    ck_assert_int_eq(spy_parse_mode("--mode", "0800", &v, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "--mode: '0800': not an octal mode"));
    ck_assert_int_eq(spy_parse_mode("--mode", "10000", &v, &e), SPY_ERANGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "07777"));
    ck_assert_int_eq(spy_parse_mode(NULL, NULL, &v, NULL), SPY_EINVAL);
    ck_assert_int_eq(spy_parse_mode("--mode", "600", NULL, NULL), 0);
}
END_TEST

/* Random byte strings: no crash, no sanitizer report, and every accepted
 * string is pure digits with an optional prefix and suffix. */
START_TEST(test_fuzz) {
    static const char alphabet[] = "0123456789abcdefxXkKmMgG -+\x01\xff";
    uint32_t seed = 12345;
    int iter;

    for (iter = 0; iter < 20000; iter++) {
        char s[24];
        size_t n;
        uint64_t v;
        uint32_t m;
        spy_err e;
        int rc;

        n = lcg_string(&seed, s, sizeof s, alphabet, sizeof alphabet - 1,
                       iter % 2 != 0);
        rc = spy_parse_u64("-s", s, &v, &e);
        if (rc != 0) {
            REQUIRE(rc == SPY_EINVAL || rc == SPY_ERANGE);
            check_msg(&e);
        } else {
            REQUIRE(strspn(s, "0123456789abcdefABCDEFxXkKmMgG") == n);
        }
        rc = spy_parse_mode("--mode", s, &m, &e);
        if (rc != 0)
            check_msg(&e);
        else
            REQUIRE(m <= 07777 && strspn(s, "01234567") == n);
    }
}
END_TEST

static Suite *num_suite(void) {
    Suite *s = suite_create("num");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_decimal);
    tcase_add_test(tc, test_hex);
    tcase_add_test(tc, test_suffix);
    tcase_add_test(tc, test_overflow);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_messages);
    tcase_add_test(tc, test_long_inputs);
    tcase_add_test(tc, test_mode);
    tcase_add_test(tc, test_mode_messages);
    tcase_add_test(tc, test_fuzz);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(num_suite());
}
