/* test_until.c - the --until condition (core/until.c): parsing, errors,
 * and evaluation over two successive samples. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/until.h"
#include "../testutil.h"

static spy_until parse_ok(const char *s) {
    spy_until u;
    spy_err e;
    int rc = spy_until_parse(s, &u, &e);
    ck_assert_msg(rc == 0, "%s: %s", s, e.msg);
    return u;
}

static void parse_bad(const char *s, const char *needle) {
    spy_until u;
    spy_err e;
    int rc = spy_until_parse(s, &u, &e);
    ck_assert_msg(rc < 0, "'%s' parsed", s);
    check_msg(&e);
    ck_assert_msg(strstr(e.msg, "--until") != NULL, "%s", e.msg);
    ck_assert_msg(strstr(e.msg, needle) != NULL, "'%s' not in '%s'", needle,
                  e.msg);
}

START_TEST(test_parse) {
    spy_until u = parse_ok("off=0x40 u32 == 0");
    ck_assert_uint_eq(u.off, 0x40);
    ck_assert_uint_eq(u.len, 4);
    ck_assert_int_eq(u.op, SPY_UNTIL_EQ);
    ck_assert_int_eq(u.resolved, 1);
    u = parse_ok("off=64 len=8 changes");
    ck_assert_uint_eq(u.off, 64);
    ck_assert_uint_eq(u.len, 8);
    ck_assert_int_eq(u.op, SPY_UNTIL_CHANGES);
    ck_assert_int_eq(u.has_type, 0);
    u = parse_ok("off=0x10 i16 < -3");
    ck_assert_int_eq(u.type.kind, SPY_V_INT);
    ck_assert_uint_eq(u.len, 2);
    u = parse_ok("  off=0x10   f64 >   1.5 ");
    ck_assert_int_eq(u.op, SPY_UNTIL_GT);
    u = parse_ok("off=0 u16be != 0x102");
    ck_assert_int_eq(u.big_endian, 1);
    u = parse_ok("off=0 u16 be != 258");
    ck_assert_int_eq(u.big_endian, 1);
    u = parse_ok("field=ring[2].seq == 7");
    ck_assert_str_eq(u.field, "ring[2].seq");
    ck_assert_int_eq(u.resolved, 0);
    u = parse_ok("field=state changes");
    ck_assert_str_eq(u.field, "state");
    ck_assert_str_eq(u.text, "field=state changes");
}
END_TEST

START_TEST(test_errors) {
    parse_bad("off=0x40 u32 => 0",
              "unknown operator '=>' (use ==, !=, <, >, changes)");
    parse_bad("", "empty");
    parse_bad("0x40 u32 == 0", "off=N or field=PATH");
    parse_bad("off=zz u32 == 0", "bad offset");
    parse_bad("off=0x40 u32", "no operator");
    parse_bad("off=0x40 u32 ==", "a value must follow");
    parse_bad("off=0x40 u8 == 300", "bad value");
    parse_bad("off=0x40 == 3", "needs a type");
    parse_bad("off=0x40 changes", "changes needs a type or len=N");
    parse_bad("off=0x40 u33 == 1", "expected len=N");
    parse_bad("off=0x40 u32 == 1 2", "unexpected word");
    parse_bad("off=0x40 len=2 u32 == 1", "shorter than the type");
    parse_bad("off=0x40 len=0 changes", "bad length");
    parse_bad("off=0x40 u32 \x1b[2J == 0", "'\\x1b[2J'");
    parse_bad("field= changes", "needs a field path");
    parse_bad("off=0xffffffffffffffff u32 == 0", "offset too large");
}
END_TEST

START_TEST(test_eval) {
    uint8_t a[16] = {0}, b[16] = {0};
    spy_until u = parse_ok("off=4 u32 == 7");
    int16_t m3 = -4;
    double d = 2.0;

    ck_assert_int_eq(spy_until_eval(&u, NULL, 0, b, 16), 0);
    b[4] = 7;
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 1);
    /* past the end: never */
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 6), 0);
    u = parse_ok("off=4 u32 != 7");
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 0);
    ck_assert_int_eq(spy_until_eval(&u, NULL, 0, a, 16), 1);
    /* signed */
    u = parse_ok("off=0 i16 < -3");
    memcpy(b, &m3, 2);
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 1);
    m3 = -3;
    memcpy(b, &m3, 2);
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 0);
    m3 = 5;
    memcpy(b, &m3, 2);
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 0);
    u = parse_ok("off=0 i16 > -3");
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 1);
    /* unsigned order (0xffff is large) */
    u = parse_ok("off=0 u16 > 5");
    b[0] = b[1] = 0xff;
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 1);
    /* big-endian */
    u = parse_ok("off=0 u16be == 0x102");
    b[0] = 1;
    b[1] = 2;
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 1);
    /* floats, and NaN unordered */
    u = parse_ok("off=8 f64 > 1.5");
    memcpy(b + 8, &d, 8);
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 1);
    memset(b + 8, 0xff, 8); /* a NaN */
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 0);
    u = parse_ok("off=8 f64 != 1.5");
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 1);
    /* changes */
    memset(a, 0, 16);
    memset(b, 0, 16);
    u = parse_ok("off=2 len=4 changes");
    ck_assert_int_eq(spy_until_eval(&u, NULL, 0, b, 16), 0);
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 0);
    b[6] = 1; /* just outside */
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 0);
    b[5] = 1;
    ck_assert_int_eq(spy_until_eval(&u, a, 16, b, 16), 1);
    /* the range appears or disappears with a resize */
    ck_assert_int_eq(spy_until_eval(&u, a, 4, a, 16), 1);
    ck_assert_int_eq(spy_until_eval(&u, a, 16, a, 4), 1);
    ck_assert_int_eq(spy_until_eval(&u, a, 4, a, 4), 0);
}
END_TEST

START_TEST(test_resolve) {
    spy_until u = parse_ok("field=ring[2].seq == 7");
    spy_type t = {SPY_V_UINT, 8};
    spy_err e;
    uint8_t a[32] = {0}, b[32] = {0};

    ck_assert_int_eq(spy_until_eval(&u, a, 32, b, 32), 0);
    ck_assert_int_eq(spy_until_resolve(&u, 16, 8, &t, &e), 0);
    ck_assert_uint_eq(u.len, 8);
    b[16] = 7;
    ck_assert_int_eq(spy_until_eval(&u, a, 32, b, 32), 1);
    /* a type in the condition wins over the layout's */
    u = parse_ok("field=x u8 == 7");
    ck_assert_int_eq(spy_until_resolve(&u, 16, 8, &t, &e), 0);
    ck_assert_uint_eq(u.len, 1);
    /* not a number: only changes */
    u = parse_ok("field=name == 7");
    ck_assert_int_eq(spy_until_resolve(&u, 0, 16, NULL, &e), SPY_EINVAL);
    check_msg(&e);
    ck_assert_ptr_nonnull(strstr(e.msg, "not a number"));
    u = parse_ok("field=name changes");
    ck_assert_int_eq(spy_until_resolve(&u, 0, 16, NULL, &e), 0);
    ck_assert_uint_eq(u.len, 16);
    /* the value checked against the resolved type */
    u = parse_ok("field=small == 300");
    t.width = 1;
    ck_assert_int_lt(spy_until_resolve(&u, 0, 1, &t, &e), 0);
    check_msg(&e);
}
END_TEST

int main(void) {
    Suite *s = suite_create("until");
    TCase *tc = tcase_create("until");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_eval);
    tcase_add_test(tc, test_resolve);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
