/* test_value.c - unit tests for src/value.c (typed values). */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/value.h"
#include "../testutil.h"

static spy_type type_of(const char *name) {
    spy_type t;
    spy_err e;
    int rc = spy_type_parse(name, &t, &e);

    ck_assert_msg(rc == 0, "type '%s': %s", name, e.msg);
    return t;
}

static int host_is_little(void) {
    const uint16_t one = 1;
    uint8_t b[2];

    memcpy(b, &one, 2);
    return b[0] == 1;
}

/* ---- TYPE names ------------------------------------------------------ */

START_TEST(test_type_names) {
    static const struct {
        const char *name;
        spy_vkind kind;
        size_t width;
    } ok[] = {
        {"i8", SPY_V_INT, 1},
        {"i16", SPY_V_INT, 2},
        {"i32", SPY_V_INT, 4},
        {"i64", SPY_V_INT, 8},
        {"u8", SPY_V_UINT, 1},
        {"u16", SPY_V_UINT, 2},
        {"u32", SPY_V_UINT, 4},
        {"u64", SPY_V_UINT, 8},
        {"f32", SPY_V_FLOAT, 4},
        {"f64", SPY_V_FLOAT, 8},
        {"str", SPY_V_STR, 0},
        {"hex:1", SPY_V_HEX, 1},
        {"hex:16", SPY_V_HEX, 16},
        {"hex:0x10", SPY_V_HEX, 16},
        {"hex:1K", SPY_V_HEX, 1024},
        {"hex:1M", SPY_V_HEX, 1048576},
        {"hex:1048576", SPY_V_HEX, 1048576},
    };
    size_t i;

    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        spy_type t = type_of(ok[i].name);
        ck_assert_int_eq(t.kind, ok[i].kind);
        ck_assert_uint_eq(t.width, ok[i].width);
    }
}
END_TEST

START_TEST(test_type_errors) {
    static const char *inval[] = {
        "",    "i",   "i7",   "i128",   "u128",   "I8",     "i8 ",     " i8",
        "f16", "f80", "hex",  "hex:",   "hex:x",  "hex:-1", "hex:1.5", "string",
        "s",   "int", "u8\n", "hex: 4", "hex:4x", "\xff",
    };
    static const char *range[] = {
        "hex:0",
        "hex:1048577",
        "hex:2M",
        "hex:1G",
        "hex:99999999999999999999999",
    };
    spy_type t = {SPY_V_STR, 77};
    spy_err e;
    size_t i;

    for (i = 0; i < sizeof inval / sizeof inval[0]; i++) {
        ck_assert_msg(spy_type_parse(inval[i], &t, &e) == SPY_EINVAL, "'%s'",
                      inval[i]);
        check_msg(&e);
    }
    for (i = 0; i < sizeof range / sizeof range[0]; i++) {
        ck_assert_msg(spy_type_parse(range[i], &t, &e) == SPY_ERANGE, "'%s'",
                      range[i]);
        check_msg(&e);
    }
    ck_assert_uint_eq(t.width, 77); /* untouched on error */
    ck_assert_int_eq(spy_type_parse(NULL, &t, &e), SPY_EINVAL);
    ck_assert_int_eq(spy_type_parse("x", &t, NULL), SPY_EINVAL);
    spy_type_parse("i9", &t, &e);
    ck_assert_ptr_nonnull(strstr(e.msg, "i9: "));
    ck_assert_ptr_nonnull(strstr(e.msg, "u64"));
    ck_assert_ptr_nonnull(strstr(e.msg, "hex:N"));
}
END_TEST

/* ---- encoding integers --------------------------------------------- */

typedef struct enc_case {
    const char *type;
    const char *text;
    int rc;
    uint8_t le[8]; /* expected little-endian bytes when rc == 0 */
} enc_case;

static const enc_case int_cases[] = {
    /* i8 */
    {"i8", "0", 0, {0x00}},
    {"i8", "1", 0, {0x01}},
    {"i8", "127", 0, {0x7f}},
    {"i8", "128", SPY_ERANGE, {0}},
    {"i8", "-1", 0, {0xff}},
    {"i8", "-128", 0, {0x80}},
    {"i8", "-129", SPY_ERANGE, {0}},
    {"i8", "-0", 0, {0x00}},
    {"i8", "0x7f", 0, {0x7f}},
    {"i8", "0x80", 0, {0x80}},
    {"i8", "0xff", 0, {0xff}},
    {"i8", "0x100", SPY_ERANGE, {0}},
    {"i8", "000000000000000000000000000000000127", 0, {0x7f}},
    /* i16 */
    {"i16", "32767", 0, {0xff, 0x7f}},
    {"i16", "32768", SPY_ERANGE, {0}},
    {"i16", "-32768", 0, {0x00, 0x80}},
    {"i16", "-32769", SPY_ERANGE, {0}},
    {"i16", "-2", 0, {0xfe, 0xff}},
    {"i16", "0xffff", 0, {0xff, 0xff}},
    {"i16", "0x10000", SPY_ERANGE, {0}},
    /* i32 */
    {"i32", "0", 0, {0, 0, 0, 0}},
    {"i32", "2147483647", 0, {0xff, 0xff, 0xff, 0x7f}},
    {"i32", "2147483648", SPY_ERANGE, {0}},
    {"i32", "-2147483648", 0, {0x00, 0x00, 0x00, 0x80}},
    {"i32", "-2147483649", SPY_ERANGE, {0}},
    {"i32", "0xffffffff", 0, {0xff, 0xff, 0xff, 0xff}},
    {"i32", "0x100000000", SPY_ERANGE, {0}},
    {"i32", "0x12345678", 0, {0x78, 0x56, 0x34, 0x12}},
    /* i64 */
    {"i64",
     "9223372036854775807",
     0,
     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
    {"i64", "9223372036854775808", SPY_ERANGE, {0}},
    {"i64", "-9223372036854775808", 0, {0, 0, 0, 0, 0, 0, 0, 0x80}},
    {"i64", "-9223372036854775809", SPY_ERANGE, {0}},
    {"i64", "-18446744073709551616", SPY_ERANGE, {0}},
    {"i64", "18446744073709551616", SPY_ERANGE, {0}},
    {"i64", "-1", 0, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
    {"i64",
     "0xffffffffffffffff",
     0,
     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
    {"i64", "0x10000000000000000", SPY_ERANGE, {0}},
    /* u8 */
    {"u8", "0", 0, {0x00}},
    {"u8", "255", 0, {0xff}},
    {"u8", "256", SPY_ERANGE, {0}},
    {"u8", "300", SPY_ERANGE, {0}},
    {"u8", "0xff", 0, {0xff}},
    {"u8", "0XAb", 0, {0xab}},
    {"u8", "0x100", SPY_ERANGE, {0}},
    {"u8", "-1", SPY_EINVAL, {0}},
    {"u8", "-0", SPY_EINVAL, {0}},
    /* u16 */
    {"u16", "65535", 0, {0xff, 0xff}},
    {"u16", "65536", SPY_ERANGE, {0}},
    {"u16", "0x1234", 0, {0x34, 0x12}},
    {"u16", "-1", SPY_EINVAL, {0}},
    /* u32 */
    {"u32", "4294967295", 0, {0xff, 0xff, 0xff, 0xff}},
    {"u32", "4294967296", SPY_ERANGE, {0}},
    {"u32", "0x11223344", 0, {0x44, 0x33, 0x22, 0x11}},
    {"u32", "-2147483648", SPY_EINVAL, {0}},
    /* u64 */
    {"u64",
     "18446744073709551615",
     0,
     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
    {"u64", "18446744073709551616", SPY_ERANGE, {0}},
    {"u64", "99999999999999999999999999999", SPY_ERANGE, {0}},
    {"u64", "0x0102030405060708", 0, {8, 7, 6, 5, 4, 3, 2, 1}},
    {"u64", "0x10000000000000000", SPY_ERANGE, {0}},
    {"u64", "0x000000000000000000000000000001", 0, {1, 0, 0, 0, 0, 0, 0, 0}},
};

START_TEST(test_encode_ints) {
    size_t i;

    for (i = 0; i < sizeof int_cases / sizeof int_cases[0]; i++) {
        const enc_case *c = &int_cases[i];
        spy_type t = type_of(c->type);
        uint8_t le[16], be[16];
        size_t len = 99, j;
        spy_err e;
        int rc;

        memset(le, 0xaa, sizeof le);
        rc = spy_value_encode(&t, c->text, 0, le, sizeof le, &len, &e);
        ck_assert_msg(rc == c->rc, "%s '%s': rc %d want %d (%s)", c->type,
                      c->text, rc, c->rc, rc ? e.msg : "");
        if (rc != 0) {
            ck_assert_uint_eq(len, 0);
            check_msg(&e);
            continue;
        }
        ck_assert_uint_eq(len, t.width);
        ck_assert_mem_eq(le, c->le, t.width);
        ck_assert_uint_eq(le[t.width], 0xaa); /* nothing past the width */
        rc = spy_value_encode(&t, c->text, 1, be, sizeof be, &len, &e);
        ck_assert_int_eq(rc, 0);
        for (j = 0; j < t.width; j++)
            ck_assert_uint_eq(be[j], c->le[t.width - 1 - j]);
    }
}
END_TEST

START_TEST(test_encode_malformed) {
    static const char *types[] = {"i8",  "i16", "i32", "i64", "u8",
                                  "u16", "u32", "u64", "f32", "f64"};
    static const char *bad[] = {
        "",     " 1",  "1 ",       "+1x", "1x",   "0x",  "-",    "--1",
        "1e",   "abc", "\t",       "1\n", "0x 1", "1 2", "\xff", "1,5",
        "0x1g", "- 1", "\xd9\xa1", "1__", "0b1",  ".",   "-0x",
    };
    static const char *int_only_bad[] = {"1.0", "1e3", "+1",  "-0x1",
                                         "0o7", "inf", "nan", "0x1p3"};
    size_t i, j;

    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        spy_type t = type_of(types[i]);
        for (j = 0; j < sizeof bad / sizeof bad[0]; j++) {
            uint8_t buf[8];
            size_t len = 5;
            spy_err e;
            int rc = spy_value_encode(&t, bad[j], 0, buf, sizeof buf, &len, &e);
            ck_assert_msg(rc == SPY_EINVAL, "%s '%s': rc %d", types[i], bad[j],
                          rc);
            ck_assert_uint_eq(len, 0);
            check_msg(&e);
        }
        if (t.kind == SPY_V_FLOAT)
            continue;
        for (j = 0; j < sizeof int_only_bad / sizeof int_only_bad[0]; j++) {
            uint8_t buf[8];
            size_t len;
            spy_err e;
            int rc = spy_value_encode(&t, int_only_bad[j], 0, buf, sizeof buf,
                                      &len, &e);
            ck_assert_msg(rc == SPY_EINVAL, "%s '%s': rc %d", types[i],
                          int_only_bad[j], rc);
            check_msg(&e);
        }
    }
}
END_TEST

START_TEST(test_encode_messages) {
    spy_type u8 = type_of("u8"), i8 = type_of("i8"), i64 = type_of("i64");
    spy_type s = type_of("str"), h = type_of("hex:4");
    uint8_t buf[8];
    size_t len;
    spy_err e;

    ck_assert_int_eq(spy_value_encode(&u8, "300", 0, buf, 8, &len, &e),
                     SPY_ERANGE);
    ck_assert_str_eq(e.msg, "300: out of range for u8 (0..255)");
    ck_assert_int_eq(spy_value_encode(&i8, "-129", 0, buf, 8, &len, &e),
                     SPY_ERANGE);
    ck_assert_str_eq(e.msg, "-129: out of range for i8 (-128..127)");
    ck_assert_int_eq(
        spy_value_encode(&i64, "9223372036854775808", 0, buf, 8, &len, &e),
        SPY_ERANGE);
    ck_assert_str_eq(e.msg, "9223372036854775808: out of range for i64 "
                            "(-9223372036854775808..9223372036854775807)");
    ck_assert_int_eq(spy_value_encode(&u8, "-1", 0, buf, 8, &len, &e),
                     SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "-1: "));
    ck_assert_ptr_nonnull(strstr(e.msg, "negative"));
    ck_assert_int_eq(spy_value_encode(&i8, "0x100", 0, buf, 8, &len, &e),
                     SPY_ERANGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "0x100: out of range for i8"));
    ck_assert_int_eq(spy_value_encode(&u8, "12x", 0, buf, 8, &len, &e),
                     SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "12x: "));
    /* str and hex are written with --str / --hex, not encoded here. */
    ck_assert_int_eq(spy_value_encode(&s, "abc", 0, buf, 8, &len, &e),
                     SPY_EINVAL);
    check_msg(&e);
    ck_assert_int_eq(spy_value_encode(&h, "de ad be ef", 0, buf, 8, &len, &e),
                     SPY_EINVAL);
    check_msg(&e);
}
END_TEST

START_TEST(test_encode_bad_args) {
    spy_type u32 = type_of("u32"), f64 = type_of("f64");
    spy_type weird1 = {SPY_V_INT, 3}, weird2 = {SPY_V_FLOAT, 2};
    spy_type weird3 = {(spy_vkind)7, 4};
    uint8_t buf[8];
    size_t len;
    spy_err e;

    ck_assert_int_eq(spy_value_encode(&u32, "1", 0, buf, 3, &len, &e),
                     SPY_ERANGE);
    check_msg(&e);
    ck_assert_int_eq(spy_value_encode(&f64, "1", 0, buf, 7, &len, &e),
                     SPY_ERANGE);
    ck_assert_int_eq(spy_value_encode(&u32, "1", 0, NULL, 8, &len, &e),
                     SPY_ERANGE);
    ck_assert_int_eq(spy_value_encode(&u32, NULL, 0, buf, 8, &len, &e),
                     SPY_EINVAL);
    ck_assert_int_eq(spy_value_encode(NULL, "1", 0, buf, 8, &len, &e),
                     SPY_EINVAL);
    ck_assert_int_eq(spy_value_encode(&weird1, "1", 0, buf, 8, &len, &e),
                     SPY_EINVAL);
    ck_assert_int_eq(spy_value_encode(&weird2, "1", 0, buf, 8, &len, &e),
                     SPY_EINVAL);
    ck_assert_int_eq(spy_value_encode(&weird3, "1", 0, buf, 8, &len, &e),
                     SPY_EINVAL);
    check_msg(&e);
    /* Exactly the width is enough; len and err may be NULL. */
    ck_assert_int_eq(spy_value_encode(&u32, "1", 0, buf, 4, NULL, NULL), 0);
    ck_assert_int_eq(spy_value_encode(&u32, "x", 0, buf, 4, NULL, NULL),
                     SPY_EINVAL);
}
END_TEST

/* The encoding matches the host's own representation of the same value,
 * read with memcpy in the host's byte order: an oracle independent of the
 * shifts in value.c. */
START_TEST(test_encode_matches_host) {
    int be = !host_is_little();
    spy_type t;
    uint8_t buf[8];
    size_t len;
    spy_err e;

    {
        int32_t v;
        t = type_of("i32");
        ck_assert_int_eq(
            spy_value_encode(&t, "-123456789", be, buf, 8, &len, &e), 0);
        memcpy(&v, buf, 4);
        ck_assert_int_eq(v, -123456789);
    }
    {
        uint64_t v;
        t = type_of("u64");
        ck_assert_int_eq(
            spy_value_encode(&t, "0x0123456789abcdef", be, buf, 8, &len, &e),
            0);
        memcpy(&v, buf, 8);
        ck_assert(v == 0x0123456789abcdefULL);
    }
    {
        int16_t v;
        t = type_of("i16");
        ck_assert_int_eq(spy_value_encode(&t, "-300", be, buf, 8, &len, &e), 0);
        memcpy(&v, buf, 2);
        ck_assert_int_eq(v, -300);
    }
    {
        double v;
        t = type_of("f64");
        ck_assert_int_eq(spy_value_encode(&t, "0.1", be, buf, 8, &len, &e), 0);
        memcpy(&v, buf, 8);
        ck_assert(v == 0.1);
    }
    {
        float v;
        t = type_of("f32");
        ck_assert_int_eq(spy_value_encode(&t, "-2.5e-3", be, buf, 8, &len, &e),
                         0);
        memcpy(&v, buf, 4);
        ck_assert(v == -2.5e-3f);
    }
}
END_TEST

/* ---- encoding floats ------------------------------------------------ */

typedef struct fenc_case {
    const char *type;
    const char *text;
    int rc;
    uint8_t be[8]; /* expected big-endian bytes when rc == 0 */
} fenc_case;

static const fenc_case float_cases[] = {
    {"f32", "1", 0, {0x3f, 0x80, 0x00, 0x00}},
    {"f32", "0.5", 0, {0x3f, 0x00, 0x00, 0x00}},
    {"f32", "-2", 0, {0xc0, 0x00, 0x00, 0x00}},
    {"f32", "0", 0, {0x00, 0x00, 0x00, 0x00}},
    {"f32", "-0", 0, {0x80, 0x00, 0x00, 0x00}},
    {"f32", "0x1p-149", 0, {0x00, 0x00, 0x00, 0x01}},
    {"f32", "1e-45", 0, {0x00, 0x00, 0x00, 0x01}},
    {"f32", "1e-50", 0, {0x00, 0x00, 0x00, 0x00}},
    {"f32", "3.40282347e+38", 0, {0x7f, 0x7f, 0xff, 0xff}},
    {"f32", "-3.40282347e+38", 0, {0xff, 0x7f, 0xff, 0xff}},
    {"f32", "3.5e38", SPY_ERANGE, {0}},
    {"f32", "1e39", SPY_ERANGE, {0}},
    {"f32", "-1e39", SPY_ERANGE, {0}},
    {"f32", "1e308", SPY_ERANGE, {0}},
    {"f32", "1e999", SPY_ERANGE, {0}},
    {"f32", "inf", 0, {0x7f, 0x80, 0x00, 0x00}},
    {"f32", "-Infinity", 0, {0xff, 0x80, 0x00, 0x00}},
    {"f32", "+INF", 0, {0x7f, 0x80, 0x00, 0x00}},
    {"f32", "0.1", 0, {0x3d, 0xcc, 0xcc, 0xcd}},
    {"f32", "16777217", 0, {0x4b, 0x80, 0x00, 0x00}}, /* rounds to even */
    /* Just above the midpoint between 1 and the next float: rounding once
     * gives the upper float; rounding to double first would land exactly
     * on the midpoint and then round down to 1. */
    {"f32", "1.000000059604644775390625001", 0, {0x3f, 0x80, 0x00, 0x01}},
    {"f32", "1.000000059604644775390625", 0, {0x3f, 0x80, 0x00, 0x00}},
    {"f64", "1", 0, {0x3f, 0xf0, 0, 0, 0, 0, 0, 0}},
    {"f64", "-2", 0, {0xc0, 0x00, 0, 0, 0, 0, 0, 0}},
    {"f64", "0.1", 0, {0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a}},
    {"f64",
     "1.7976931348623157e308",
     0,
     {0x7f, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
    {"f64", "1.8e308", SPY_ERANGE, {0}},
    {"f64", "-1e309", SPY_ERANGE, {0}},
    {"f64", "4.9e-324", 0, {0, 0, 0, 0, 0, 0, 0, 0x01}},
    {"f64", "1e-400", 0, {0, 0, 0, 0, 0, 0, 0, 0}},
    {"f64", "0x1.8p1", 0, {0x40, 0x08, 0, 0, 0, 0, 0, 0}},
    {"f64", "-inf", 0, {0xff, 0xf0, 0, 0, 0, 0, 0, 0}},
    {"f64", "1e3", 0, {0x40, 0x8f, 0x40, 0, 0, 0, 0, 0}},
    {"f64", "+1", 0, {0x3f, 0xf0, 0, 0, 0, 0, 0, 0}},
    {"f64", ".5", 0, {0x3f, 0xe0, 0, 0, 0, 0, 0, 0}},
};

START_TEST(test_encode_floats) {
    size_t i, j;

    for (i = 0; i < sizeof float_cases / sizeof float_cases[0]; i++) {
        const fenc_case *c = &float_cases[i];
        spy_type t = type_of(c->type);
        uint8_t be[8], le[8];
        size_t len = 99;
        spy_err e;
        int rc = spy_value_encode(&t, c->text, 1, be, sizeof be, &len, &e);

        ck_assert_msg(rc == c->rc, "%s '%s': rc %d want %d", c->type, c->text,
                      rc, c->rc);
        if (rc != 0) {
            ck_assert_int_eq(e.code, c->rc);
            check_msg(&e);
            continue;
        }
        ck_assert_uint_eq(len, t.width);
        ck_assert_mem_eq(be, c->be, t.width);
        ck_assert_int_eq(
            spy_value_encode(&t, c->text, 0, le, sizeof le, &len, &e), 0);
        for (j = 0; j < t.width; j++)
            ck_assert_uint_eq(le[j], c->be[t.width - 1 - j]);
    }
}
END_TEST

START_TEST(test_encode_nan) {
    static const char *nans[] = {"nan", "NaN", "-nan", "nan(123)"};
    spy_type f32 = type_of("f32"), f64 = type_of("f64");
    size_t i;

    for (i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        uint8_t b[8];
        size_t len;
        spy_err e;
        float f;
        double d;
        /* Big-endian: the exponent is all ones in the first bytes. */
        ck_assert_int_eq(spy_value_encode(&f32, nans[i], 1, b, 8, &len, &e), 0);
        ck_assert_uint_eq(b[0] & 0x7f, 0x7f);
        ck_assert_uint_eq(b[1] & 0x80, 0x80);
        ck_assert_int_eq(
            spy_value_encode(&f32, nans[i], !host_is_little(), b, 8, &len, &e),
            0);
        memcpy(&f, b, 4);
        ck_assert(isnan(f));
        ck_assert_int_eq(
            spy_value_encode(&f64, nans[i], !host_is_little(), b, 8, &len, &e),
            0);
        memcpy(&d, b, 8);
        ck_assert(isnan(d));
    }
}
END_TEST

START_TEST(test_float_messages) {
    spy_type f32 = type_of("f32");
    uint8_t b[8];
    size_t len;
    spy_err e;

    ck_assert_int_eq(spy_value_encode(&f32, "1e39", 0, b, 8, &len, &e),
                     SPY_ERANGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "1e39: out of range for f32"));
    ck_assert_int_eq(spy_value_encode(&f32, "1.5x", 0, b, 8, &len, &e),
                     SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "1.5x: not a valid f32"));
}
END_TEST

/* ---- decoding ------------------------------------------------------- */

typedef struct dec_case {
    const char *type;
    uint8_t be[8]; /* big-endian bytes */
    const char *text;
} dec_case;

static const dec_case dec_cases[] = {
    {"i8", {0x00}, "0"},
    {"i8", {0x7f}, "127"},
    {"i8", {0x80}, "-128"},
    {"i8", {0xff}, "-1"},
    {"u8", {0xff}, "255"},
    {"u8", {0x80}, "128"},
    {"i16", {0x7f, 0xff}, "32767"},
    {"i16", {0x80, 0x00}, "-32768"},
    {"i16", {0xff, 0xfe}, "-2"},
    {"u16", {0xff, 0xff}, "65535"},
    {"u16", {0x12, 0x34}, "4660"},
    {"i32", {0x7f, 0xff, 0xff, 0xff}, "2147483647"},
    {"i32", {0x80, 0x00, 0x00, 0x00}, "-2147483648"},
    {"i32", {0xff, 0xff, 0xff, 0xff}, "-1"},
    {"u32", {0xff, 0xff, 0xff, 0xff}, "4294967295"},
    {"u32", {0x11, 0x22, 0x33, 0x44}, "287454020"},
    {"i64",
     {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
     "9223372036854775807"},
    {"i64", {0x80, 0, 0, 0, 0, 0, 0, 0}, "-9223372036854775808"},
    {"i64", {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "-1"},
    {"i64", {0, 0, 0, 0, 0, 0, 0x01, 0x00}, "256"},
    {"u64",
     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
     "18446744073709551615"},
    {"u64", {0x80, 0, 0, 0, 0, 0, 0, 0}, "9223372036854775808"},
    {"f32", {0x3f, 0x80, 0x00, 0x00}, "1"},
    {"f32", {0x3d, 0xcc, 0xcc, 0xcd}, "0.100000001"},
    {"f32", {0x7f, 0x7f, 0xff, 0xff}, "3.40282347e+38"},
    {"f32", {0x00, 0x00, 0x00, 0x01}, "1.40129846e-45"},
    {"f32", {0x80, 0x00, 0x00, 0x00}, "-0"},
    {"f32", {0x7f, 0x80, 0x00, 0x00}, "inf"},
    {"f32", {0xff, 0x80, 0x00, 0x00}, "-inf"},
    {"f32", {0x7f, 0xc0, 0x00, 0x00}, "nan"},
    {"f32", {0xff, 0xc0, 0x00, 0x00}, "-nan"},
    {"f32", {0x7f, 0x80, 0x00, 0x01}, "nan"},
    {"f64", {0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, "1"},
    {"f64",
     {0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a},
     "0.10000000000000001"},
    {"f64",
     {0x7f, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
     "1.7976931348623157e+308"},
    {"f64", {0, 0, 0, 0, 0, 0, 0, 0x01}, "4.9406564584124654e-324"},
    {"f64", {0xc0, 0x00, 0, 0, 0, 0, 0, 0}, "-2"},
    {"f64", {0xff, 0xf0, 0, 0, 0, 0, 0, 0}, "-inf"},
    {"f64", {0x7f, 0xf8, 0, 0, 0, 0, 0, 0}, "nan"},
};

START_TEST(test_decode) {
    size_t i, j;

    for (i = 0; i < sizeof dec_cases / sizeof dec_cases[0]; i++) {
        const dec_case *c = &dec_cases[i];
        spy_type t = type_of(c->type);
        uint8_t le[8];
        char out[64];
        size_t n;

        n = spy_value_decode(&t, c->be, t.width, 1, out, sizeof out);
        ck_assert_uint_eq(n, t.width);
        ck_assert_msg(strcmp(out, c->text) == 0, "%s BE: '%s' want '%s'",
                      c->type, out, c->text);
        for (j = 0; j < t.width; j++)
            le[j] = c->be[t.width - 1 - j];
        n = spy_value_decode(&t, le, t.width, 0, out, sizeof out);
        ck_assert_uint_eq(n, t.width);
        ck_assert_msg(strcmp(out, c->text) == 0, "%s LE: '%s' want '%s'",
                      c->type, out, c->text);
    }
}
END_TEST

/* Decodes exactly n bytes held in their own heap block, so that ASan
 * catches any read past them. */
static size_t decode_exact(const char *type, const void *bytes, size_t n,
                           char *out, size_t cap) {
    spy_type t = type_of(type);
    uint8_t *p = malloc(n ? n : 1);
    size_t r;

    ck_assert_ptr_nonnull(p);
    if (n)
        memcpy(p, bytes, n);
    r = spy_value_decode(&t, p, n, 0, out, cap);
    free(p);
    return r;
}

START_TEST(test_decode_str) {
    char out[256];

    ck_assert_uint_eq(decode_exact("str", "hello", 5, out, sizeof out), 5);
    ck_assert_str_eq(out, "\"hello\"");
    /* Stops at the NUL, which it counts as consumed. */
    ck_assert_uint_eq(decode_exact("str", "hi\0xyz", 6, out, sizeof out), 3);
    ck_assert_str_eq(out, "\"hi\"");
    ck_assert_uint_eq(decode_exact("str", "\0abc", 4, out, sizeof out), 1);
    ck_assert_str_eq(out, "\"\"");
    ck_assert_uint_eq(decode_exact("str", "", 0, out, sizeof out), 0);
    ck_assert_str_eq(out, "\"\"");
    ck_assert_uint_eq(decode_exact("str",
                                   "a\nb\tc\rd\\e\"f\x01g\x1bh\x7f\x80\xff", 18,
                                   out, sizeof out),
                      18);
    ck_assert_str_eq(out, "\"a\\nb\\tc\\rd\\\\e\\\"f\\x01g\\x1bh\\x7f\\x80"
                          "\\xff\"");
    ck_assert_uint_eq(decode_exact("str", " ~'", 3, out, sizeof out), 3);
    ck_assert_str_eq(out, "\" ~'\"");
    /* NULL bytes with len 0 are fine. */
    {
        spy_type t = type_of("str");
        ck_assert_uint_eq(spy_value_decode(&t, NULL, 0, 0, out, sizeof out), 0);
        ck_assert_str_eq(out, "\"\"");
    }
}
END_TEST

START_TEST(test_decode_hex) {
    static const uint8_t b[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x0a};
    char out[64];

    ck_assert_uint_eq(decode_exact("hex:4", b, 4, out, sizeof out), 4);
    ck_assert_str_eq(out, "de ad be ef");
    ck_assert_uint_eq(decode_exact("hex:6", b, 6, out, sizeof out), 6);
    ck_assert_str_eq(out, "de ad be ef 00 0a");
    ck_assert_uint_eq(decode_exact("hex:1", b + 4, 1, out, sizeof out), 1);
    ck_assert_str_eq(out, "00");
    /* Only N of the available bytes are used. */
    ck_assert_uint_eq(decode_exact("hex:2", b, 6, out, sizeof out), 2);
    ck_assert_str_eq(out, "de ad");
    /* Too few bytes: nothing consumed. */
    ck_assert_uint_eq(decode_exact("hex:4", b, 3, out, sizeof out), 0);
    ck_assert_uint_lt(strlen(out), sizeof out);
}
END_TEST

START_TEST(test_decode_short_and_bad) {
    static const uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const char *types[] = {"i16", "i32", "i64", "u16",
                                  "u32", "u64", "f32", "f64"};
    spy_type weird = {SPY_V_UINT, 3};
    char out[64];
    size_t i;

    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        spy_type t = type_of(types[i]);
        ck_assert_uint_eq(
            decode_exact(types[i], b, t.width - 1, out, sizeof out), 0);
        ck_assert_uint_lt(strlen(out), sizeof out);
    }
    ck_assert_uint_eq(decode_exact("u8", b, 0, out, sizeof out), 0);
    ck_assert_uint_eq(spy_value_decode(&weird, b, 8, 0, out, sizeof out), 0);
    ck_assert_uint_eq(spy_value_decode(NULL, b, 8, 0, out, sizeof out), 0);
    {
        spy_type t = type_of("u32");
        ck_assert_uint_eq(spy_value_decode(&t, NULL, 8, 0, out, sizeof out), 0);
    }
}
END_TEST

START_TEST(test_decode_truncation) {
    static const uint8_t max[8] = {0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff};
    char out[32];
    size_t cap;

    /* Output always ends in a NUL within cap, for every cap. */
    for (cap = 1; cap < sizeof out; cap++) {
        memset(out, 'X', sizeof out);
        ck_assert_uint_eq(decode_exact("u64", max, 8, out, cap), 8);
        ck_assert_uint_lt(strlen(out), cap);
        ck_assert_int_eq(out[cap], 'X');
        memset(out, 'X', sizeof out);
        ck_assert_uint_eq(decode_exact("str", "hello\x01", 6, out, cap), 6);
        ck_assert_uint_lt(strlen(out), cap);
        ck_assert_int_eq(out[cap], 'X');
        memset(out, 'X', sizeof out);
        ck_assert_uint_eq(decode_exact("hex:8", max, 8, out, cap), 8);
        ck_assert_uint_lt(strlen(out), cap);
        ck_assert_int_eq(out[cap], 'X');
    }
    /* Truncation cuts between whole pieces, never inside an escape. */
    decode_exact("str", "ab\x01", 3, out, 6);
    ck_assert_str_eq(out, "\"ab");
    decode_exact("hex:8", max, 8, out, 9);
    ck_assert_str_eq(out, "ff ff ff");
    /* The full text fits exactly. */
    decode_exact("str", "ab", 2, out, 5);
    ck_assert_str_eq(out, "\"ab\"");
    /* cap 0 writes nothing at all. */
    memset(out, 'X', sizeof out);
    ck_assert_uint_eq(decode_exact("u8", max, 1, out, 0), 1);
    ck_assert_int_eq(out[0], 'X');
    ck_assert_uint_eq(decode_exact("u8", max, 1, NULL, 10), 1);
}
END_TEST

START_TEST(test_decode_long) {
    enum { N = 1 << 20 };
    uint8_t *b = malloc(N);
    char *out = malloc(3 * N + 8);
    spy_type t;
    size_t i;

    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(out);
    for (i = 0; i < N; i++)
        b[i] = (uint8_t)(i % 251 + 1);
    t = type_of("hex:1M");
    ck_assert_uint_eq(spy_value_decode(&t, b, N, 0, out, 3 * N + 8), N);
    ck_assert_uint_eq(strlen(out), 3 * N - 1);
    ck_assert(strncmp(out, "01 02 03", 8) == 0);
    /* A long string with no NUL stops at len. */
    t = type_of("str");
    ck_assert_uint_eq(spy_value_decode(&t, b, N, 0, out, 3 * N + 8), N);
    ck_assert_int_eq(out[0], '"');
    free(b);
    free(out);
}
END_TEST

/* ---- round trips ---------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void) {
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* bytes -> text -> bytes is the identity for every type and both byte
 * orders (NaN aside, whose payload the text does not carry). */
START_TEST(test_roundtrip_bytes) {
    static const char *types[] = {"i8",  "i16", "i32", "i64", "u8",
                                  "u16", "u32", "u64", "f32", "f64"};
    size_t ti;

    for (ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        spy_type t = type_of(types[ti]);
        int iter;
        for (iter = 0; iter < 20000; iter++) {
            uint64_t r = rng();
            uint8_t in[8], back[8];
            char text[64];
            size_t len, k;
            spy_err e;
            int be = iter & 1, rc;

            /* Mix in boundary patterns: all zeros, all ones, one bit. */
            if (iter < 64 * 2)
                r = (uint64_t)1 << (iter / 2);
            else if (iter < 64 * 2 + 4)
                r = iter & 2 ? UINT64_MAX : 0;
            for (k = 0; k < 8; k++)
                in[k] = (uint8_t)(r >> (8 * k));
            REQUIRE(spy_value_decode(&t, in, t.width, be, text, sizeof text) ==
                    t.width);
            if (strcmp(text, "nan") == 0 || strcmp(text, "-nan") == 0)
                continue;
            rc = spy_value_encode(&t, text, be, back, sizeof back, &len, &e);
            if (rc != 0)
                ck_abort_msg("%s '%s': %s", types[ti], text, e.msg);
            REQUIRE(len == t.width);
            if (memcmp(in, back, t.width) != 0)
                ck_abort_msg("%s %s '%s'", types[ti], be ? "BE" : "LE", text);
        }
    }
}
END_TEST

/* text -> bytes -> text gives back canonical texts. */
START_TEST(test_roundtrip_text) {
    static const struct {
        const char *type, *in, *out;
    } cases[] = {
        {"i8", "-128", "-128"},
        {"i8", "0xff", "-1"},
        {"i8", "-0", "0"},
        {"u8", "0xff", "255"},
        {"i16", "-32768", "-32768"},
        {"u16", "00065535", "65535"},
        {"i32", "-2147483648", "-2147483648"},
        {"i32", "0x80000000", "-2147483648"},
        {"u32", "4294967295", "4294967295"},
        {"i64", "-9223372036854775808", "-9223372036854775808"},
        {"i64", "0x8000000000000000", "-9223372036854775808"},
        {"u64", "18446744073709551615", "18446744073709551615"},
        {"f32", "1.5", "1.5"},
        {"f32", "0.1", "0.100000001"},
        {"f32", "-inf", "-inf"},
        {"f32", "nan", "nan"},
        {"f32", "-nan", "-nan"},
        {"f32", "1e-45", "1.40129846e-45"},
        {"f64", "0.1", "0.10000000000000001"},
        {"f64", "1e300", "1.0000000000000001e+300"},
        {"f64", "-0", "-0"},
        {"f64", "inf", "inf"},
        {"f64", "nan", "nan"},
        {"f64", "0x1p-1074", "4.9406564584124654e-324"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spy_type t = type_of(cases[i].type);
        int be;
        for (be = 0; be < 2; be++) {
            uint8_t b[8];
            char out[64];
            size_t len;
            spy_err e;
            int rc = spy_value_encode(&t, cases[i].in, be, b, 8, &len, &e);
            ck_assert_msg(rc == 0, "%s '%s': %s", cases[i].type, cases[i].in,
                          e.msg);
            spy_value_decode(&t, b, len, be, out, sizeof out);
            ck_assert_msg(strcmp(out, cases[i].out) == 0,
                          "%s '%s' %s: '%s' want '%s'", cases[i].type,
                          cases[i].in, be ? "BE" : "LE", out, cases[i].out);
        }
    }
}
END_TEST

/* Every decimal integer in range encodes and decodes to itself, checked
 * exhaustively for 8 and 16 bits against printf as the oracle. */
START_TEST(test_roundtrip_exhaustive_small) {
    static const char *types[] = {"i8", "u8", "i16", "u16"};
    size_t ti;

    for (ti = 0; ti < 4; ti++) {
        spy_type t = type_of(types[ti]);
        long lo = t.kind == SPY_V_INT ? -(1L << (8 * t.width - 1)) : 0;
        long hi = t.kind == SPY_V_INT ? (1L << (8 * t.width - 1)) - 1
                                      : (1L << (8 * t.width)) - 1;
        long v;
        for (v = lo - 2; v <= hi + 2; v++) {
            char in[32], out[32];
            uint8_t b[8];
            size_t len;
            spy_err e;
            int rc;
            snprintf(in, sizeof in, "%ld", v);
            rc = spy_value_encode(&t, in, (int)(v & 1), b, 8, &len, &e);
            if (v < lo || v > hi) {
                if (rc == 0)
                    ck_abort_msg("%s %ld accepted", types[ti], v);
                continue;
            }
            if (rc != 0)
                ck_abort_msg("%s %ld: %s", types[ti], v, e.msg);
            spy_value_decode(&t, b, len, (int)(v & 1), out, sizeof out);
            REQUIRE(strcmp(out, in) == 0);
        }
    }
}
END_TEST

/* ---- robustness ----------------------------------------------------- */

START_TEST(test_long_inputs) {
    enum { N = 100000 };
    char *s = malloc(N + 3);
    spy_type u8 = type_of("u8"), i64 = type_of("i64"), f64 = type_of("f64");
    uint8_t b[8];
    size_t len;
    spy_err e;

    ck_assert_ptr_nonnull(s);
    memset(s, '0', N);
    strcpy(s + N, "42");
    ck_assert_int_eq(spy_value_encode(&u8, s, 0, b, 8, &len, &e), 0);
    ck_assert_uint_eq(b[0], 42);
    s[0] = '-';
    ck_assert_int_eq(spy_value_encode(&i64, s, 0, b, 8, &len, &e), 0);
    ck_assert_uint_eq(b[0], (uint8_t)-42);
    memset(s, '9', N);
    ck_assert_int_eq(spy_value_encode(&i64, s, 0, b, 8, &len, &e), SPY_ERANGE);
    check_msg(&e);
    ck_assert_ptr_nonnull(strstr(e.msg, "..."));
    s[N] = 'x';
    ck_assert_int_eq(spy_value_encode(&i64, s, 0, b, 8, &len, &e), SPY_EINVAL);
    check_msg(&e);
    /* A long float: 0.000...01 underflows to zero, accepted. */
    s[0] = '0';
    s[1] = '.';
    memset(s + 2, '0', N - 2);
    strcpy(s + N, "1");
    ck_assert_int_eq(spy_value_encode(&f64, s, 0, b, 8, &len, &e), 0);
    memset(s, '9', N);
    strcpy(s + N, ".5");
    ck_assert_int_eq(spy_value_encode(&f64, s, 0, b, 8, &len, &e), SPY_ERANGE);
    check_msg(&e);
    free(s);
}
END_TEST

/* Random text for every type: no crash and sane messages. Random bytes
 * for every type: decode stays within the bytes and the buffer. */
START_TEST(test_fuzz) {
    static const char *types[] = {"i8",  "i16", "i32", "i64", "u8",  "u16",
                                  "u32", "u64", "f32", "f64", "str", "hex:3"};
    static const char alphabet[] = "0123456789abcdefxXeEpP.-+ infa()\x01\xff";
    int iter;

    for (iter = 0; iter < 40000; iter++) {
        spy_type t = type_of(types[iter % 12]);
        uint64_t r = rng();
        char s[24], out[40];
        uint8_t b[8], *heap;
        size_t n = r % (sizeof s - 1), i, len, got;
        spy_err e;
        int rc;

        for (i = 0; i < n; i++) {
            uint64_t x = rng();
            s[i] = iter & 1 ? alphabet[x % (sizeof alphabet - 1)]
                            : (char)(x % 255 + 1);
        }
        s[n] = '\0';
        rc = spy_value_encode(&t, s, (int)(r >> 40) & 1, b, 8, &len, &e);
        if (rc != 0)
            check_msg(&e);
        else
            REQUIRE(len == t.width);

        n = (r >> 8) % 10;
        heap = malloc(n ? n : 1);
        REQUIRE(heap != NULL);
        for (i = 0; i < n; i++)
            heap[i] = (uint8_t)rng();
        got = spy_value_decode(&t, heap, n, (int)(r >> 41) & 1, out,
                               (size_t)(r >> 20) % sizeof out);
        REQUIRE(got <= n);
        free(heap);
    }
}
END_TEST

static Suite *value_suite(void) {
    Suite *s = suite_create("value");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_type_names);
    tcase_add_test(tc, test_type_errors);
    tcase_add_test(tc, test_encode_ints);
    tcase_add_test(tc, test_encode_malformed);
    tcase_add_test(tc, test_encode_messages);
    tcase_add_test(tc, test_encode_bad_args);
    tcase_add_test(tc, test_encode_matches_host);
    tcase_add_test(tc, test_encode_floats);
    tcase_add_test(tc, test_encode_nan);
    tcase_add_test(tc, test_float_messages);
    tcase_add_test(tc, test_decode);
    tcase_add_test(tc, test_decode_str);
    tcase_add_test(tc, test_decode_hex);
    tcase_add_test(tc, test_decode_short_and_bad);
    tcase_add_test(tc, test_decode_truncation);
    tcase_add_test(tc, test_decode_long);
    tcase_add_test(tc, test_roundtrip_bytes);
    tcase_add_test(tc, test_roundtrip_text);
    tcase_add_test(tc, test_roundtrip_exhaustive_small);
    tcase_add_test(tc, test_long_inputs);
    tcase_add_test(tc, test_fuzz);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(value_suite());
}
