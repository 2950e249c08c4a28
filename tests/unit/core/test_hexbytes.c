/* test_hexbytes.c - unit tests for src/hexbytes.c (hex byte patterns). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hexbytes.h"
#include "../testutil.h"

static void expect_bytes(const char *s, const uint8_t *want, size_t n) {
    uint8_t *out = NULL;
    size_t len = 0;
    spy_err e;
    int rc;

    spy_err_clear(&e);
    rc = spy_hexbytes_parse(s, &out, &len, &e);
    ck_assert_msg(rc == 0, "'%s': rc %d (%s)", s, rc, e.msg);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(len, n);
    ck_assert_mem_eq(out, want, n);
    free(out);
}

/* s must fail with SPY_EINVAL; returns the message in e. */
static void expect_err(const char *s, spy_err *e) {
    uint8_t *out = (uint8_t *)"sentinel";
    size_t len = 99;
    int rc;

    spy_err_clear(e);
    rc = spy_hexbytes_parse(s, &out, &len, e);
    ck_assert_msg(rc == SPY_EINVAL, "'%s': rc %d", s ? s : "(null)", rc);
    ck_assert_int_eq(e->code, SPY_EINVAL);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(len, 0);
    check_msg(e);
}

START_TEST(test_forms) {
    static const uint8_t dead[] = {0xde, 0xad, 0xbe, 0xef};
    static const uint8_t zero[] = {0x00};
    static const uint8_t mix[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02};

    expect_bytes("de ad be ef", dead, 4);
    expect_bytes("deadbeef", dead, 4);
    expect_bytes("DEADBEEF", dead, 4);
    expect_bytes("De:aD:bE:Ef", dead, 4);
    expect_bytes("de-ad-be-ef", dead, 4);
    expect_bytes("0xde 0xad 0xbe 0xef", dead, 4);
    expect_bytes("0Xde 0XAD 0xBE 0xef", dead, 4);
    expect_bytes("0xdeadbeef", dead, 4);
    expect_bytes("0xdead 0xbeef", dead, 4);
    expect_bytes("dead:0xbeef", dead, 4);
    expect_bytes(" \t de\nad\r\v\fbe  ef \n", dead, 4);
    expect_bytes("de::ad--be: -ef", dead, 4);
    expect_bytes("00", zero, 1);
    expect_bytes("0x00", zero, 1);
    expect_bytes("dead:beef-0x01 02", mix, 6);
}
END_TEST

START_TEST(test_all_byte_values) {
    char s[256 * 3 + 1];
    uint8_t want[256];
    int i;

    for (i = 0; i < 256; i++) {
        snprintf(s + i * 3, 4, "%02X ", (unsigned)i);
        want[i] = (uint8_t)i;
    }
    expect_bytes(s, want, 256);
    for (i = 0; i < 256; i++)
        snprintf(s + i * 2, 3, "%02x", (unsigned)i);
    expect_bytes(s, want, 256);
}
END_TEST

START_TEST(test_errors) {
    static const char *bad[] = {
        "",       " ",     "::",      "- -",      "\t\n",  "a",
        "abc",    "de a",  "0x",      "0x ",      "0xabc", "0x0x1",
        "0xx1",   "x1",    "zz",      "de ag",    "g",     "de\x01",
        "de\xff", "de,ad", "de;ad",   "0x 12",    "de_ad", "de.ad",
        "0o01",   "+de",   "de ad e", "\xff\xfe", "00x12", "DEAD BEE",
    };
    spy_err e;
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_err(bad[i], &e);
    expect_err(NULL, &e);
}
END_TEST

START_TEST(test_messages) {
    spy_err e;

    expect_err("de a", &e);
    ck_assert_str_eq(e.msg,
                     "hex pattern 'de a': odd number of hex digits in 'a'");
    expect_err("0xabc de", &e);
    ck_assert_str_eq(
        e.msg, "hex pattern '0xabc de': odd number of hex digits in '0xabc'");
    expect_err("de ag", &e);
    ck_assert_str_eq(
        e.msg, "hex pattern 'de ag': 'g' at position 5 is not a hex digit");
    /* A non-printable offender is shown escaped. */
    expect_err("de\x01", &e);
    ck_assert_str_eq(
        e.msg,
        "hex pattern 'de\\x01': '\\x01' at position 3 is not a hex digit");
    expect_err("de \xc3\xa9", &e);
    ck_assert_ptr_nonnull(strstr(e.msg, "'\\xc3' at position 4"));
    expect_err("de 0x", &e);
    ck_assert_ptr_nonnull(strstr(e.msg, "no hex digits after '0x'"));
    expect_err("  ", &e);
    ck_assert_ptr_nonnull(strstr(e.msg, "no bytes"));
    /* A NULL err is tolerated. */
    {
        uint8_t *out;
        size_t len;
        ck_assert_int_eq(spy_hexbytes_parse("q", &out, &len, NULL), SPY_EINVAL);
        ck_assert_int_eq(spy_hexbytes_parse("00", NULL, &len, &e), SPY_EINVAL);
        ck_assert_int_eq(spy_hexbytes_parse("00", &out, NULL, &e), SPY_EINVAL);
    }
}
END_TEST

START_TEST(test_long) {
    enum { N = 100000 };
    char *s = malloc(N * 3 + 2);
    uint8_t *want = malloc(N);
    size_t i;
    spy_err e;

    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(want);
    for (i = 0; i < N; i++) {
        want[i] = (uint8_t)(i * 7 + 3);
        snprintf(s + i * 3, 4, "%02x ", (unsigned)want[i]);
    }
    expect_bytes(s, want, N);
    /* One long group works too. */
    for (i = 0; i < N; i++)
        snprintf(s + i * 2, 3, "%02x", (unsigned)want[i]);
    expect_bytes(s, want, N);
    /* An odd digit at the very end of a long group. */
    strcpy(s + N * 2, "a");
    expect_err(s, &e);
    ck_assert_ptr_nonnull(strstr(e.msg, "odd number of hex digits"));
    ck_assert_ptr_nonnull(strstr(e.msg, "..."));
    /* A bad character at the end of a long pattern: its position. */
    strcpy(s + N * 2, "q");
    expect_err(s, &e);
    ck_assert_ptr_nonnull(strstr(e.msg, "'q' at position 200001"));
    free(s);
    free(want);
}
END_TEST

/* Random strings: no crash; on success the bytes are what a simple
 * reference decoder (strip separators and 0x, pair the digits) gives. */
START_TEST(test_fuzz) {
    static const char alphabet[] = "0123456789abcdefABCDEFxX :-\tg\x01";
    uint32_t seed = 777;
    int iter;

    for (iter = 0; iter < 20000; iter++) {
        char s[32];
        uint8_t *out = NULL;
        size_t n, len = 0;
        spy_err e;
        int rc;

        n = lcg_string(&seed, s, sizeof s, alphabet, sizeof alphabet - 1,
                       iter % 4 != 0);
        rc = spy_hexbytes_parse(s, &out, &len, &e);
        if (rc != 0) {
            REQUIRE(rc == SPY_EINVAL);
            REQUIRE(out == NULL);
            check_msg(&e);
            continue;
        }
        REQUIRE(len > 0);
        REQUIRE(len * 2 <= n);
        {
            /* Reference: drop separators and group 0x prefixes. */
            char digits[32];
            size_t d = 0, k;
            int start = 1;
            for (k = 0; k < n; k++) {
                char c = s[k];
                if (strchr(" \t\n\r\v\f:-", c) != NULL) {
                    start = 1;
                    continue;
                }
                if (start && c == '0' && (s[k + 1] == 'x' || s[k + 1] == 'X')) {
                    k++;
                    start = 0;
                    continue;
                }
                start = 0;
                digits[d++] = c;
            }
            REQUIRE(d == len * 2);
            for (k = 0; k < len; k++) {
                char pair[3] = {digits[2 * k], digits[2 * k + 1], 0};
                REQUIRE(out[k] == strtoul(pair, NULL, 16));
            }
        }
        free(out);
    }
}
END_TEST

static Suite *hexbytes_suite(void) {
    Suite *s = suite_create("hexbytes");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_forms);
    tcase_add_test(tc, test_all_byte_values);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_messages);
    tcase_add_test(tc, test_long);
    tcase_add_test(tc, test_fuzz);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(hexbytes_suite());
}
