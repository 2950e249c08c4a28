/* test_layout.c - unit tests for src/core/layout.c and layout_value.c: the
 * builder, field paths, values, encoding ranges, bitfields, torn and
 * children. Portable: runs on Windows too. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "../testutil.h"

/* The test struct, by hand (offsets as x86-64 gcc lays them out):
 *   enum color { RED = 0, GREEN = 1, BLUE = 7 };
 *   struct item { uint16_t id; int16_t v; };            size 4
 *   struct s {
 *       int counter;                 0
 *       char msg[16];                4
 *       unsigned flags : 3;          20 bit 0
 *       unsigned mode : 5;           20 bit 3
 *       enum color c;                24
 *       struct item items[2];        28
 *       union { uint32_t u; float f; };  36
 *       void *ptr;                   40
 *       double d;                    48
 *       unsigned char uc;            56
 *       _Bool b;                     57
 *       int16_t grid[2][3];          58
 *       uint8_t tail[];              70
 *   };                               size 72 */
typedef struct tl {
    spy_layout l;
    uint32_t t_int, t_uint, t_char, t_uchar, t_u16, t_i16, t_u32, t_float,
        t_double, t_bool, t_u8, t_msg, t_color, t_item, t_items, t_anon, t_ptr,
        t_row, t_grid, t_tail, t_s;
} tl;

static uint32_t add(spy_layout *l, const char *name, spy_lkind k, uint64_t size,
                    int sgn, uint32_t elem, uint64_t nelem) {
    spy_ltype t;
    spy_err e;
    uint32_t idx;

    memset(&t, 0, sizeof t);
    t.name = (char *)name;
    t.kind = k;
    t.size = size;
    t.is_signed = sgn;
    t.elem = elem;
    t.nelem = nelem;
    ck_assert_msg(spy_layout_add_type(l, &t, &idx, &e) == 0, "%s", e.msg);
    return idx;
}

static void mem(spy_layout *l, uint32_t owner, const char *name, uint32_t type,
                uint64_t off, uint8_t bits, uint8_t bit) {
    spy_lmember m;
    spy_err e;

    m.name = (char *)name;
    m.type = type;
    m.offset = off;
    m.bit_size = bits;
    m.bit_offset = bit;
    ck_assert_msg(spy_layout_add_member(l, owner, &m, &e) == 0, "%s", e.msg);
}

static void build(tl *x) {
    spy_layout *l = &x->l;
    spy_err e;

    spy_layout_init(l);
    x->t_int = add(l, "int", SPY_L_INT, 4, 1, 0, 0);
    x->t_uint = add(l, "unsigned int", SPY_L_UINT, 4, 0, 0, 0);
    x->t_char = add(l, "char", SPY_L_CHAR, 1, 1, 0, 0);
    x->t_uchar = add(l, "unsigned char", SPY_L_CHAR, 1, 0, 0, 0);
    x->t_u16 = add(l, "uint16_t", SPY_L_UINT, 2, 0, 0, 0);
    x->t_i16 = add(l, "int16_t", SPY_L_INT, 2, 1, 0, 0);
    x->t_u32 = add(l, "uint32_t", SPY_L_UINT, 4, 0, 0, 0);
    x->t_float = add(l, "float", SPY_L_FLOAT, 4, 0, 0, 0);
    x->t_double = add(l, "double", SPY_L_FLOAT, 8, 0, 0, 0);
    x->t_bool = add(l, "_Bool", SPY_L_BOOL, 1, 0, 0, 0);
    x->t_u8 = add(l, "uint8_t", SPY_L_UINT, 1, 0, 0, 0);
    x->t_msg = add(l, "char[16]", SPY_L_ARRAY, 16, 0, x->t_char, 16);
    x->t_color = add(l, "enum color", SPY_L_ENUM, 4, 0, 0, 0);
    ck_assert(spy_layout_add_enum(l, x->t_color, "RED", 0, &e) == 0);
    ck_assert(spy_layout_add_enum(l, x->t_color, "GREEN", 1, &e) == 0);
    ck_assert(spy_layout_add_enum(l, x->t_color, "BLUE", 7, &e) == 0);
    x->t_item = add(l, "struct item", SPY_L_STRUCT, 4, 0, 0, 0);
    mem(l, x->t_item, "id", x->t_u16, 0, 0, 0);
    mem(l, x->t_item, "v", x->t_i16, 2, 0, 0);
    x->t_items = add(l, "struct item[2]", SPY_L_ARRAY, 8, 0, x->t_item, 2);
    x->t_anon = add(l, "union (anonymous 1)", SPY_L_UNION, 4, 0, 0, 0);
    mem(l, x->t_anon, "u", x->t_u32, 0, 0, 0);
    mem(l, x->t_anon, "f", x->t_float, 0, 0, 0);
    x->t_ptr = add(l, "void*", SPY_L_POINTER, 8, 0, SPY_LAYOUT_NONE, 0);
    x->t_row = add(l, "int16_t[3]", SPY_L_ARRAY, 6, 0, x->t_i16, 3);
    x->t_grid = add(l, "int16_t[2][3]", SPY_L_ARRAY, 12, 0, x->t_row, 2);
    x->t_tail = add(l, "uint8_t[]", SPY_L_ARRAY, 0, 0, x->t_u8, 0);
    x->t_s = add(l, "struct s", SPY_L_STRUCT, 72, 0, 0, 0);
    mem(l, x->t_s, "counter", x->t_int, 0, 0, 0);
    mem(l, x->t_s, "msg", x->t_msg, 4, 0, 0);
    mem(l, x->t_s, "flags", x->t_uint, 20, 3, 0);
    mem(l, x->t_s, "mode", x->t_uint, 20, 5, 3);
    mem(l, x->t_s, "c", x->t_color, 24, 0, 0);
    mem(l, x->t_s, "items", x->t_items, 28, 0, 0);
    mem(l, x->t_s, "", x->t_anon, 36, 0, 0);
    mem(l, x->t_s, "ptr", x->t_ptr, 40, 0, 0);
    mem(l, x->t_s, "d", x->t_double, 48, 0, 0);
    mem(l, x->t_s, "uc", x->t_uchar, 56, 0, 0);
    mem(l, x->t_s, "b", x->t_bool, 57, 0, 0);
    mem(l, x->t_s, "grid", x->t_grid, 58, 0, 0);
    mem(l, x->t_s, "tail", x->t_tail, 70, 0, 0);
    l->root = x->t_s;
    ck_assert(spy_layout_set_source(l, "test", &e) == 0);
    ck_assert_msg(spy_layout_check(l, &e) == 0, "%s", e.msg);
}

static spy_lfield field(tl *x, const char *path) {
    spy_lfield f;
    spy_err e;

    ck_assert_msg(spy_layout_field(&x->l, x->t_s, 0, 72, path, &f, &e) == 0,
                  "%s: %s", path, e.msg);
    return f;
}

static const char *text(tl *x, const char *path, const uint8_t *b) {
    static char out[SPY_LVALUE_MAX];
    spy_lfield f = field(x, path);

    spy_layout_value_text(&x->l, &f, b + f.offset, 72 - (size_t)f.offset, out,
                          sizeof out);
    return out;
}

START_TEST(test_find) {
    tl x;

    build(&x);
    ck_assert_uint_eq(spy_layout_find(&x.l, "struct s"), x.t_s);
    ck_assert_uint_eq(spy_layout_find(&x.l, "s"), x.t_s);
    ck_assert_uint_eq(spy_layout_find(&x.l, "color"), x.t_color);
    ck_assert_uint_eq(spy_layout_find(&x.l, "int"), x.t_int);
    ck_assert_uint_eq(spy_layout_find(&x.l, "nope"), SPY_LAYOUT_NONE);
    ck_assert_str_eq(x.l.source, "test");
    spy_layout_free(&x.l);
    ck_assert_uint_eq(x.l.ntypes, 0);
    ck_assert_uint_eq(x.l.root, SPY_LAYOUT_NONE);
}
END_TEST

START_TEST(test_check_rejects) {
    tl x;
    spy_err e;

    build(&x);
    x.l.members[x.l.types[x.t_s].first + 1].offset = 60; /* msg past end */
    ck_assert_int_eq(spy_layout_check(&x.l, &e), SPY_EINVAL);
    check_msg(&e);
    ck_assert_ptr_nonnull(strstr(e.msg, "msg"));
    x.l.members[x.l.types[x.t_s].first + 1].offset = 4;
    x.l.types[x.t_grid].size = 13;
    ck_assert_int_eq(spy_layout_check(&x.l, &e), SPY_EINVAL);
    check_msg(&e);
    x.l.types[x.t_grid].size = 12;
    x.l.types[x.t_int].size = 3;
    ck_assert_int_eq(spy_layout_check(&x.l, &e), SPY_EINVAL);
    x.l.types[x.t_int].size = 4;
    spy_layout_free(&x.l);
    {
        /* Two types containing each other by value, sizes consistent. */
        spy_layout l;
        uint32_t a, b;
        spy_layout_init(&l);
        a = add(&l, "struct a", SPY_L_STRUCT, 4, 0, 0, 0);
        b = add(&l, "union b", SPY_L_UNION, 4, 0, 0, 0);
        mem(&l, b, "x", a, 0, 0, 0);
        l.types[a].first = 0;
        l.types[a].count = 1;
        ck_assert_int_eq(spy_layout_check(&l, &e), SPY_EINVAL);
        check_msg(&e);
        ck_assert_ptr_nonnull(strstr(e.msg, "contains itself"));
        spy_layout_free(&l);
    }
}
END_TEST

START_TEST(test_fields) {
    tl x;
    spy_lfield f;
    spy_err e;

    build(&x);
    f = field(&x, "");
    ck_assert_uint_eq(f.type, x.t_s);
    ck_assert_uint_eq(f.size, 72);
    f = field(&x, "items[1].v");
    ck_assert_uint_eq(f.offset, 34);
    ck_assert_uint_eq(f.size, 2);
    ck_assert_uint_eq(f.type, x.t_i16);
    f = field(&x, "grid[1][2]");
    ck_assert_uint_eq(f.offset, 58 + 6 + 4);
    f = field(&x, "f"); /* through the anonymous union */
    ck_assert_uint_eq(f.offset, 36);
    ck_assert_uint_eq(f.type, x.t_float);
    f = field(&x, "mode");
    ck_assert_uint_eq(f.bit_size, 5);
    ck_assert_uint_eq(f.bit_offset, 3);
    ck_assert_uint_eq(f.size, 1);
    f = field(&x, "tail[1]");
    ck_assert_uint_eq(f.offset, 71);
    /* Base offset shifts everything. */
    ck_assert(spy_layout_field(&x.l, x.t_s, 100, 72, "items[1]", &f, &e) == 0);
    ck_assert_uint_eq(f.offset, 132);

    ck_assert_int_eq(spy_layout_field(&x.l, x.t_s, 0, 72, "items[2]", &f, &e),
                     SPY_ERANGE);
    check_msg(&e);
    ck_assert_str_eq(e.msg, "items[2]: index 2 past the end of items[2]");
    ck_assert_int_eq(spy_layout_field(&x.l, x.t_s, 0, 72, "tail[2]", &f, &e),
                     SPY_ERANGE);
    check_msg(&e);
    ck_assert_str_eq(e.msg, "tail[2]: index 2 past the end of tail[] "
                            "(flexible: 2 fit in the segment)");
    ck_assert_int_eq(spy_layout_field(&x.l, x.t_s, 0, 72, "grid[1][3]", &f, &e),
                     SPY_ERANGE);
    ck_assert_str_eq(e.msg, "grid[1][3]: index 3 past the end of grid[1][3]");
    ck_assert_int_eq(spy_layout_field(&x.l, x.t_s, 0, 72, "nope", &f, &e),
                     SPY_EINVAL);
    check_msg(&e);
    ck_assert_ptr_nonnull(strstr(e.msg, "no field nope in struct s"));
    ck_assert_ptr_nonnull(strstr(e.msg, "counter, msg, flags"));
    ck_assert_ptr_nonnull(strstr(e.msg, "u, f, ptr")); /* anon inlined */
    {
        static const char *const bad[] = {"counter.x",
                                          "counter[0]",
                                          "items[",
                                          "items[x]",
                                          "items[1",
                                          ".counter",
                                          "items..v",
                                          "items[1].",
                                          "ptr.x",
                                          "mode.x",
                                          "items[99999999999999999999999]",
                                          "msg\n\x1b[31m"};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            int rc = spy_layout_field(&x.l, x.t_s, 0, 72, bad[i], &f, &e);
            ck_assert_msg(rc != 0, "%s accepted", bad[i]);
            check_msg(&e);
        }
    }
    spy_layout_free(&x.l);
}
END_TEST

static void fill(uint8_t *b) {
    int32_t counter = -5;
    uint16_t id = 513;
    int16_t v = -2;
    float fl = 1.5f;
    uint64_t p = 0x7f00deadbeefULL;
    double d = 2.25;
    int16_t g = -300;

    memset(b, 0, 72);
    memcpy(b, &counter, 4);
    memcpy(b + 4, "hi\n\"x", 5);
    b[20] = (uint8_t)(5 | (17 << 3)); /* flags 5, mode 17 */
    b[24] = 7;                        /* BLUE */
    memcpy(b + 28, &id, 2);
    memcpy(b + 34, &v, 2);
    memcpy(b + 36, &fl, 4);
    memcpy(b + 40, &p, 8);
    memcpy(b + 48, &d, 8);
    b[56] = 'A';
    b[57] = 1;
    memcpy(b + 58 + 10, &g, 2);
}

START_TEST(test_values) {
    tl x;
    uint8_t b[72];
    char out[SPY_LVALUE_MAX];
    spy_lfield f;

    build(&x);
    fill(b);
    ck_assert_str_eq(text(&x, "counter", b), "-5");
    ck_assert_str_eq(text(&x, "msg", b), "\"hi\\n\"x\"");
    ck_assert_str_eq(text(&x, "flags", b), "5");
    ck_assert_str_eq(text(&x, "mode", b), "17");
    ck_assert_str_eq(text(&x, "c", b), "BLUE");
    ck_assert_str_eq(text(&x, "items[0].id", b), "513");
    ck_assert_str_eq(text(&x, "items[1].v", b), "-2");
    ck_assert_str_eq(text(&x, "f", b), "1.5");
    ck_assert_str_eq(text(&x, "ptr", b),
                     "0x7f00deadbeef (address in the writer)");
    ck_assert_str_eq(text(&x, "d", b), "2.25");
    ck_assert_str_eq(text(&x, "uc", b), "65 'A'");
    ck_assert_str_eq(text(&x, "b", b), "true");
    ck_assert_str_eq(text(&x, "grid[1][2]", b), "-300");
    ck_assert_str_eq(text(&x, "items[0]", b), "01 02 00 00");
    b[24] = 3;
    ck_assert_str_eq(text(&x, "c", b), "3 (no name)");
    memset(b + 40, 0, 8);
    ck_assert_str_eq(text(&x, "ptr", b), "NULL");
    /* Too few bytes: "?"; tiny buffers stay terminated. */
    f = field(&x, "d");
    spy_layout_value_text(&x.l, &f, b + 48, 7, out, sizeof out);
    ck_assert_str_eq(out, "?");
    spy_layout_value_text(&x.l, &f, b + 48, 8, out, 3);
    ck_assert_uint_eq(strlen(out), 2);
    /* Control characters never come out. */
    memset(b + 4, 0x1b, 16);
    f = field(&x, "msg");
    spy_layout_value_text(&x.l, &f, b + 4, 16, out, sizeof out);
    ck_assert_ptr_null(strchr(out, 0x1b));
    ck_assert_ptr_nonnull(strstr(out, "\\x1b"));
    spy_layout_free(&x.l);
}
END_TEST

START_TEST(test_bitfields_big_endian) {
    tl x;
    uint8_t b[72], out[8];
    spy_lfield f;
    spy_err e;

    build(&x);
    x.l.big_endian = 1;
    memset(b, 0, sizeof b);
    /* Big-endian: flags are the top 3 bits of byte 20, mode the next 5. */
    b[20] = (uint8_t)((5 << 5) | 17);
    ck_assert_str_eq(text(&x, "flags", b), "5");
    ck_assert_str_eq(text(&x, "mode", b), "17");
    b[0] = 0xff;
    b[1] = 0xff;
    b[2] = 0xff;
    b[3] = 0xfe;
    ck_assert_str_eq(text(&x, "counter", b), "-2");
    f = field(&x, "mode");
    ck_assert_int_eq(
        spy_layout_value_encode(&x.l, &f, "3", b + 20, out, sizeof out, &e), 0);
    ck_assert_uint_eq(out[0], (5 << 5) | 3);
    f = field(&x, "counter");
    ck_assert_int_eq(
        spy_layout_value_encode(&x.l, &f, "0x01020304", NULL, out, 8, &e), 0);
    ck_assert_uint_eq(out[0], 1);
    ck_assert_uint_eq(out[3], 4);
    spy_layout_free(&x.l);
}
END_TEST

static int enc(tl *x, const char *path, const char *v, const uint8_t *old,
               uint8_t *out, spy_err *e) {
    spy_lfield f = field(x, path);
    return spy_layout_value_encode(&x->l, &f, v, old, out, 64, e);
}

START_TEST(test_encode) {
    tl x;
    uint8_t b[72], out[64];
    spy_err e;
    int32_t i32;
    double d;

    build(&x);
    fill(b);
    ck_assert_int_eq(enc(&x, "counter", "-2147483648", NULL, out, &e), 0);
    memcpy(&i32, out, 4);
    ck_assert_int_eq(i32, INT32_MIN);
    ck_assert_int_eq(enc(&x, "counter", "2147483648", NULL, out, &e),
                     SPY_ERANGE);
    check_msg(&e);
    ck_assert_str_eq(e.msg, "2147483648: out of range for int "
                            "(-2147483648..2147483647)");
    ck_assert_int_eq(enc(&x, "uc", "300", NULL, out, &e), SPY_ERANGE);
    ck_assert_str_eq(e.msg, "300: out of range for unsigned char (0..255)");
    ck_assert_int_eq(enc(&x, "uc", "'z'", NULL, out, &e), 0);
    ck_assert_uint_eq(out[0], 'z');
    ck_assert_int_eq(enc(&x, "uc", "-1", NULL, out, &e), SPY_ERANGE);
    ck_assert_int_eq(enc(&x, "items[0].id", "0xffff", NULL, out, &e), 0);
    ck_assert_int_eq(enc(&x, "items[0].id", "0x10000", NULL, out, &e),
                     SPY_ERANGE);
    ck_assert_int_eq(enc(&x, "counter", "12abc", NULL, out, &e), SPY_EINVAL);
    check_msg(&e);
    ck_assert_int_eq(enc(&x, "counter", "", NULL, out, &e), SPY_EINVAL);
    ck_assert_int_eq(
        enc(&x, "counter", "99999999999999999999999", NULL, out, &e),
        SPY_ERANGE);
    /* Bitfields: range of the width, neighbours kept. */
    ck_assert_int_eq(enc(&x, "flags", "8", b + 20, out, &e), SPY_ERANGE);
    ck_assert_str_eq(e.msg, "8: out of range for 3-bit field (0..7)");
    ck_assert_int_eq(enc(&x, "flags", "2", b + 20, out, &e), 0);
    ck_assert_uint_eq(out[0], 2 | (17 << 3));
    ck_assert_int_eq(enc(&x, "mode", "31", b + 20, out, &e), 0);
    ck_assert_uint_eq(out[0], 5 | (31 << 3));
    /* Enums by name or number; bools; floats; strings; pointers. */
    ck_assert_int_eq(enc(&x, "c", "GREEN", NULL, out, &e), 0);
    ck_assert_uint_eq(out[0], 1);
    ck_assert_int_eq(enc(&x, "c", "5", NULL, out, &e), 0);
    ck_assert_uint_eq(out[0], 5);
    ck_assert_int_eq(enc(&x, "c", "PURPLE", NULL, out, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "RED, GREEN, BLUE"));
    ck_assert_int_eq(enc(&x, "b", "false", NULL, out, &e), 0);
    ck_assert_uint_eq(out[0], 0);
    ck_assert_int_eq(enc(&x, "b", "yes", NULL, out, &e), SPY_EINVAL);
    ck_assert_int_eq(enc(&x, "d", "-0.5", NULL, out, &e), 0);
    memcpy(&d, out, 8);
    ck_assert(d == -0.5);
    ck_assert_int_eq(enc(&x, "f", "1e39", NULL, out, &e), SPY_ERANGE);
    ck_assert_int_eq(enc(&x, "f", "1.5x", NULL, out, &e), SPY_EINVAL);
    memset(out, 0xaa, sizeof out);
    ck_assert_int_eq(enc(&x, "msg", "hello", NULL, out, &e), 0);
    ck_assert_mem_eq(out, "hello\0\0\0\0\0\0\0\0\0\0\0", 16);
    ck_assert_uint_eq(out[16], 0xaa);
    ck_assert_int_eq(enc(&x, "msg", "0123456789abcdef", NULL, out, &e),
                     SPY_ERANGE);
    check_msg(&e);
    ck_assert_int_eq(enc(&x, "msg", "0123456789abcde", NULL, out, &e), 0);
    ck_assert_int_eq(enc(&x, "ptr", "0x1000", NULL, out, &e), 0);
    ck_assert_int_eq(enc(&x, "ptr", "NULL", NULL, out, &e), 0);
    ck_assert_int_eq(enc(&x, "items", "1", NULL, out, &e), SPY_EINVAL);
    check_msg(&e);
    ck_assert_int_eq(enc(&x, "", "1", NULL, out, &e), SPY_EINVAL);
    /* What encodes decodes to the same text. */
    {
        static const char *const paths[] = {
            "counter", "flags", "mode", "items[1].v", "d", "c", "b"};
        static const char *const vals[] = {"-7",    "6",   "30",  "-32768",
                                           "0.125", "RED", "true"};
        size_t i;
        for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
            spy_lfield f = field(&x, paths[i]);
            memcpy(out, b + f.offset, (size_t)f.size);
            ck_assert_int_eq(enc(&x, paths[i], vals[i], b + f.offset, out, &e),
                             0);
            memcpy(b + f.offset, out, (size_t)f.size);
            ck_assert_str_eq(text(&x, paths[i], b), vals[i]);
        }
    }
    spy_layout_free(&x.l);
}
END_TEST

START_TEST(test_torn) {
    tl x;
    uint8_t a[72], b[72];
    spy_lfield f;

    build(&x);
    fill(a);
    memcpy(b, a, sizeof a);
    f = field(&x, "d");
    ck_assert_int_eq(spy_layout_torn(&f, 0, a, b, 72), 0);
    b[50] ^= 1;
    ck_assert_int_eq(spy_layout_torn(&f, 0, a, b, 72), 1);
    f = field(&x, "counter");
    ck_assert_int_eq(spy_layout_torn(&f, 0, a, b, 72), 0);
    /* A read that starts at byte 40 of the segment. */
    f = field(&x, "d");
    ck_assert_int_eq(spy_layout_torn(&f, 40, a + 40, b + 40, 32), 1);
    ck_assert_int_eq(spy_layout_torn(&f, 60, a + 60, b + 60, 12), 0);
    spy_layout_free(&x.l);
}
END_TEST

START_TEST(test_children) {
    tl x;
    spy_lfield f, c;
    char label[64], tt[64];
    uint64_t i;

    build(&x);
    f = field(&x, "");
    ck_assert_uint_eq(spy_layout_nchildren(&x.l, &f, 72), 13);
    ck_assert_int_eq(spy_layout_child(&x.l, &f, 2, &c, label, sizeof label), 0);
    ck_assert_str_eq(label, "flags");
    spy_layout_type_text(&x.l, &c, tt, sizeof tt);
    ck_assert_str_eq(tt, "unsigned int:3");
    ck_assert_int_eq(spy_layout_child(&x.l, &f, 6, &c, label, sizeof label), 0);
    ck_assert_str_eq(label, "(anonymous union)");
    ck_assert_uint_eq(spy_layout_nchildren(&x.l, &c, 72), 2);
    ck_assert_int_eq(spy_layout_child(&x.l, &f, 13, &c, label, sizeof label),
                     SPY_ERANGE);
    f = field(&x, "grid");
    ck_assert_uint_eq(spy_layout_nchildren(&x.l, &f, 14), 2);
    ck_assert_int_eq(spy_layout_child(&x.l, &f, 1, &c, label, sizeof label), 0);
    ck_assert_str_eq(label, "[1]");
    ck_assert_uint_eq(c.offset, 64);
    spy_layout_type_text(&x.l, &c, tt, sizeof tt);
    ck_assert_str_eq(tt, "int16_t[3]");
    f = field(&x, "tail");
    ck_assert_uint_eq(spy_layout_nchildren(&x.l, &f, 2), 2);
    ck_assert_uint_eq(spy_layout_nchildren(&x.l, &f, 100002), 100002);
    /* O(1): the last of a million is as cheap as the first. */
    for (i = 999990; i < 1000000; i++) {
        ck_assert_int_eq(spy_layout_child(&x.l, &f, i, &c, label, sizeof label),
                         0);
        ck_assert_uint_eq(c.offset, 70 + i);
    }
    f = field(&x, "counter");
    ck_assert_uint_eq(spy_layout_nchildren(&x.l, &f, 72), 0);
    spy_layout_free(&x.l);
}
END_TEST

/* The JSON writer's output through a tmpfile. */
static char *json_of(tl *x, const char *path, const uint8_t *b, size_t n,
                     size_t max) {
    FILE *fp = tmpfile();
    spy_json j;
    spy_lfield f = field(x, path);
    long len;
    char *s;

    ck_assert_ptr_nonnull(fp);
    spy_json_init(&j, fp, 0);
    spy_layout_value_json(&x->l, &f, b + f.offset, n - (size_t)f.offset, max,
                          &j);
    spy_json_end(&j);
    fflush(fp);
    len = ftell(fp);
    rewind(fp);
    s = calloc(1, (size_t)len + 1);
    ck_assert(fread(s, 1, (size_t)len, fp) == (size_t)len);
    fclose(fp);
    return s;
}

START_TEST(test_json) {
    tl x;
    uint8_t b[76];
    char *s;

    build(&x);
    fill(b);
    b[70] = 9;
    b[71] = 8;
    s = json_of(&x, "", b, 72, 0);
    ck_assert_str_eq(
        s, "{\"counter\":-5,\"msg\":\"hi\\u000a\\\"x\",\"flags\":5,\"mode\":17,"
           "\"c\":\"BLUE\",\"items\":[{\"id\":513,\"v\":0},{\"id\":0,\"v\":-"
           "2}],\"u\":1069547520,\"f\":1.5,\"ptr\":139641712656111,\"d\":2."
           "25,\"uc\":65,\"b\":true,\"grid\":[[0,0,0],[0,0,-300]],\"tail\":["
           "9,8]}\n");
    free(s);
    s = json_of(&x, "grid", b, 72, 1);
    ck_assert_str_eq(s, "[[0,{\"truncated\":2}],{\"truncated\":1}]\n");
    free(s);
    /* Short buffers give null, never a read past them. */
    s = json_of(&x, "", b, 60, 0);
    ck_assert_msg(strstr(s, "\"grid\":[[0,null,null],null],\"tail\":null") !=
                      NULL,
                  "%s", s);
    free(s);
    spy_layout_free(&x.l);
}
END_TEST

static Suite *layout_suite(void) {
    Suite *s = suite_create("layout");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_check_rejects);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_bitfields_big_endian);
    tcase_add_test(tc, test_encode);
    tcase_add_test(tc, test_torn);
    tcase_add_test(tc, test_children);
    tcase_add_test(tc, test_json);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(layout_suite());
}
