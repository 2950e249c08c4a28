/* test_layout_file.c - unit tests for src/core/layout_file.c: the
 * "shmspy-layout 1" file read and written, round trips, every prefix,
 * single-byte mutations and hostile input. Portable: runs on Windows too. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "../testutil.h"

/* Everything the format has: forward references, built-ins, quoted names
 * with escapes, typedefs (of a struct, an array, a typedef), a named
 * pointer, bitfields, an anonymous union, enums, 2-D and flexible arrays,
 * comments and blank lines. */
static const char sample[] = "shmspy-layout 1\n"
                             "# a comment\n"
                             "source \"test \\\"sample\\\"\"\n"
                             "endian little\n"
                             "pointer-size 8\n"
                             "root \"struct shared\"\n"
                             "\n"
                             "struct \"struct shared\" 96\n"
                             "  field counter int 0\n"
                             "  field msg char[16] 4\n"
                             "  field flags uint32 20 bits=3@0\n"
                             "  field mode uint32 20 bits=5@3\n"
                             "  field c \"enum color\" 24\n"
                             "  field items \"struct item\"[2] 28\n"
                             "  field \"\" \"union (anonymous 1)\" 36\n"
                             "  field next \"struct shared\"* 40\n"
                             "  field grid i16[2][3] 48\n"
                             "  field v vec 60\n"
                             "  field words char*[2] 72\n"
                             "  field np nodeptr 88\n"
                             "  field tail u8[] 96\n"
                             "end\n"
                             "int int 4\n"
                             "uint uint32 4\n"
                             "enum \"enum color\" 4 unsigned\n"
                             "  value RED 0\n"
                             "  value GREEN 1\n"
                             "  value BLUE 0x7\n"
                             "end\n"
                             "struct \"struct item\" 4\n"
                             "  field id u16 0\n"
                             "  field v i16 2\n"
                             "end\n"
                             "union \"union (anonymous 1)\" 4\n"
                             "  field u u32 0\n"
                             "  field f f32 0\n"
                             "end\n"
                             "typedef vec i32[3]\n"
                             "typedef item_t \"struct item\"\n"
                             "typedef item2_t item_t\n"
                             "pointer nodeptr 8 \"struct item\"\n";

static void parse_ok(const char *text, spy_layout *l) {
    spy_err e;
    int rc = spy_layout_parse(text, strlen(text), l, &e);

    ck_assert_msg(rc == 0, "%s", e.msg);
}

static void parse_bad(const char *text, size_t len, int code,
                      const char *want) {
    spy_layout l;
    spy_err e;
    int rc = spy_layout_parse(text, len, &l, &e);

    ck_assert_msg(rc != 0, "accepted: %.60s", text);
    check_msg(&e);
    if (code != 0)
        ck_assert_msg(rc == code, "rc %d for %s", rc, e.msg);
    if (want != NULL)
        ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' lacks '%s'", e.msg,
                      want);
    ck_assert_uint_eq(l.ntypes, 0); /* freed */
}

static uint64_t off_of(spy_layout *l, const char *path) {
    spy_lfield f;
    spy_err e;

    ck_assert_msg(spy_layout_field(l, l->root, 0, 200, path, &f, &e) == 0,
                  "%s: %s", path, e.msg);
    return f.offset;
}

START_TEST(test_parse_sample) {
    spy_layout l;
    spy_lfield f;
    spy_err e;
    uint32_t t;
    char tt[64];

    parse_ok(sample, &l);
    ck_assert_str_eq(l.source, "test \"sample\"");
    ck_assert_str_eq(l.types[l.root].name, "struct shared");
    ck_assert_uint_eq(l.types[l.root].size, 96);
    ck_assert_uint_eq(off_of(&l, "items[1].v"), 34);
    ck_assert_uint_eq(off_of(&l, "grid[1][2]"), 48 + 6 + 4);
    ck_assert_uint_eq(off_of(&l, "f"), 36);
    ck_assert_uint_eq(off_of(&l, "v[2]"), 68);
    ck_assert_uint_eq(off_of(&l, "words[1]"), 80);
    ck_assert_uint_eq(off_of(&l, "tail[3]"), 99);
    ck_assert(spy_layout_field(&l, l.root, 0, 200, "mode", &f, &e) == 0);
    ck_assert_uint_eq(f.bit_size, 5);
    ck_assert_uint_eq(f.bit_offset, 3);
    spy_layout_type_text(&l, &f, tt, sizeof tt);
    ck_assert_str_eq(tt, "uint32:5");
    ck_assert(spy_layout_field(&l, l.root, 0, 200, "grid", &f, &e) == 0);
    spy_layout_type_text(&l, &f, tt, sizeof tt);
    ck_assert_str_eq(tt, "i16[2][3]");
    ck_assert(spy_layout_field(&l, l.root, 0, 200, "next", &f, &e) == 0);
    ck_assert_int_eq(l.types[f.type].kind, SPY_L_POINTER);
    ck_assert_str_eq(l.types[l.types[f.type].elem].name, "struct shared");
    t = spy_layout_find(&l, "item2_t");
    ck_assert_uint_ne(t, SPY_LAYOUT_NONE);
    ck_assert_int_eq(l.types[t].kind, SPY_L_STRUCT);
    ck_assert_uint_eq(l.types[t].count, 2);
    ck_assert_uint_eq(l.types[spy_layout_find(&l, "vec")].size, 12);
    ck_assert_uint_eq(l.types[spy_layout_find(&l, "color")].count, 3);
    spy_layout_free(&l);
}
END_TEST

/* format(parse(text)) is a fixed point after one round. */
static char *roundtrip(const char *text, size_t len) {
    spy_layout l, l2;
    spy_err e;
    char *a, *b;
    size_t na, nb;

    ck_assert_msg(spy_layout_parse(text, len, &l, &e) == 0, "%s", e.msg);
    a = spy_layout_format(&l, &na);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(strlen(a), na);
    ck_assert_msg(spy_layout_parse(a, na, &l2, &e) == 0, "%s in\n%s", e.msg, a);
    b = spy_layout_format(&l2, &nb);
    ck_assert_ptr_nonnull(b);
    ck_assert_msg(strcmp(a, b) == 0, "first:\n%s\nsecond:\n%s", a, b);
    free(b);
    spy_layout_free(&l);
    spy_layout_free(&l2);
    return a;
}

START_TEST(test_roundtrip) {
    char *a = roundtrip(sample, strlen(sample));
    spy_layout l;

    /* Array and pointer types are spelled where used; named ones get
     * their own line. */
    ck_assert_ptr_nonnull(strstr(a, "  field items \"struct item\"[2] 28\n"));
    ck_assert_ptr_nonnull(strstr(a, "field grid i16[2][3] 48\n"));
    ck_assert_ptr_nonnull(strstr(a, "field next \"struct shared\"* 40\n"));
    ck_assert_ptr_nonnull(strstr(a, "typedef vec i32[3]\n"));
    ck_assert_ptr_nonnull(strstr(a, "pointer nodeptr 8 \"struct item\"\n"));
    ck_assert_ptr_nonnull(strstr(a, "field flags uint32 20 bits=3@0\n"));
    ck_assert_ptr_nonnull(strstr(a, "field \"\" \"union (anonymous 1)\" 36"));
    ck_assert_ptr_nonnull(strstr(a, "source \"test \\\"sample\\\"\"\n"));
    /* item2_t is not reachable from the root: not written. */
    ck_assert_ptr_null(strstr(a, "item2_t"));
    /* Without a root, everything is. */
    parse_ok(sample, &l);
    l.root = SPY_LAYOUT_NONE;
    {
        char *all = spy_layout_format(&l, NULL);
        ck_assert_ptr_nonnull(strstr(all, "item2_t"));
        ck_assert_ptr_null(strstr(all, "\nroot "));
        free(roundtrip(all, strlen(all)));
        free(all);
    }
    spy_layout_free(&l);
    free(a);
}
END_TEST

/* A built model with what the DWARF reader makes: duplicate names,
 * spaced spellings, an anonymous struct, a pointer to an array, a
 * big-endian 4-byte-pointer target, names needing escapes. */
START_TEST(test_roundtrip_built) {
    spy_layout l;
    spy_ltype t;
    spy_lmember m;
    spy_err e;
    uint32_t i_int, i_int2, i_arr, i_parr, i_s, i_anon, i_p, i_vp;
    char *a, *b;

    spy_layout_init(&l);
    l.big_endian = 1;
    l.pointer_size = 4;
    memset(&t, 0, sizeof t);
    t.kind = SPY_L_INT;
    t.size = 4;
    t.name = "int";
    ck_assert(spy_layout_add_type(&l, &t, &i_int, &e) == 0);
    t.name = "int"; /* a second "int", as two CUs give */
    ck_assert(spy_layout_add_type(&l, &t, &i_int2, &e) == 0);
    t.kind = SPY_L_ARRAY;
    t.name = "int [4]";
    t.size = 16;
    t.elem = i_int;
    t.nelem = 4;
    ck_assert(spy_layout_add_type(&l, &t, &i_arr, &e) == 0);
    t.kind = SPY_L_POINTER;
    t.name = "int (*)[4]";
    t.size = 4;
    t.elem = i_arr;
    t.nelem = 0;
    ck_assert(spy_layout_add_type(&l, &t, &i_parr, &e) == 0);
    t.name = "void *";
    t.elem = SPY_LAYOUT_NONE;
    ck_assert(spy_layout_add_type(&l, &t, &i_vp, &e) == 0);
    t.kind = SPY_L_STRUCT;
    t.name = "struct (anonymous)";
    t.size = 4;
    ck_assert(spy_layout_add_type(&l, &t, &i_anon, &e) == 0);
    m.name = "x\n\"y\"";
    m.type = i_int2;
    m.offset = 0;
    m.bit_size = 0;
    m.bit_offset = 0;
    ck_assert(spy_layout_add_member(&l, i_anon, &m, &e) == 0);
    t.name = "struct s";
    t.size = 32;
    ck_assert(spy_layout_add_type(&l, &t, &i_s, &e) == 0);
    m.name = "a";
    m.type = i_arr;
    ck_assert(spy_layout_add_member(&l, i_s, &m, &e) == 0);
    m.name = "p";
    m.type = i_parr;
    m.offset = 16;
    ck_assert(spy_layout_add_member(&l, i_s, &m, &e) == 0);
    m.name = "";
    m.type = i_anon;
    m.offset = 20;
    ck_assert(spy_layout_add_member(&l, i_s, &m, &e) == 0);
    m.name = "vp";
    m.type = i_vp;
    m.offset = 24;
    ck_assert(spy_layout_add_member(&l, i_s, &m, &e) == 0);
    m.name = "b";
    m.type = i_int;
    m.offset = 28;
    m.bit_size = 7;
    m.bit_offset = 9;
    ck_assert(spy_layout_add_member(&l, i_s, &m, &e) == 0);
    t.kind = SPY_L_POINTER;
    t.name = "struct s *";
    t.elem = i_s;
    t.size = 4;
    ck_assert(spy_layout_add_type(&l, &t, &i_p, &e) == 0);
    l.root = i_s;
    ck_assert(spy_layout_set_source(&l, "cc -g \x1b[31m", &e) == 0);
    ck_assert_msg(spy_layout_check(&l, &e) == 0, "%s", e.msg);
    a = spy_layout_format(&l, NULL);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(strstr(a, "endian big\npointer-size 4\n"));
    ck_assert_ptr_nonnull(strstr(a, "field a int[4] 0\n"));
    ck_assert_ptr_nonnull(strstr(a, "int \"int #2\" 4\n"));
    ck_assert_ptr_nonnull(strstr(a, "pointer \"int (*)[4]\" 4 int[4]\n"));
    ck_assert_ptr_nonnull(strstr(a, "field vp void* 24\n"));
    ck_assert_ptr_nonnull(strstr(a, "field \"x\\x0a\\\"y\\\"\" \"int #2\" 0"));
    ck_assert_ptr_nonnull(strstr(a, "field b int 28 bits=7@9\n"));
    ck_assert_ptr_null(strchr(a, 0x1b));
    ck_assert_ptr_null(strstr(a, "struct s *")); /* unreachable */
    b = roundtrip(a, strlen(a));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    spy_layout_free(&l);
}
END_TEST

START_TEST(test_every_prefix) {
    size_t n = strlen(sample), i;

    for (i = 0; i <= n; i++) {
        spy_layout l;
        spy_err e;
        int rc = spy_layout_parse(sample, i, &l, &e);
        if (rc != 0) {
            check_msg(&e);
            REQUIRE(l.ntypes == 0);
        } else {
            char *a = spy_layout_format(&l, NULL);
            REQUIRE(a != NULL);
            free(roundtrip(a, strlen(a)));
            free(a);
            spy_layout_free(&l);
        }
    }
}
END_TEST

START_TEST(test_mutations) {
    static const char subst[] = {'\0', '\n', '"',  '[', ']',        '*', '9',
                                 'x',  ' ',  '\\', '#', (char)0xff, '-', '@'};
    size_t n = strlen(sample), i, k, ok = 0, bad = 0;
    char *buf = malloc(n);

    for (i = 0; i < n; i++) {
        for (k = 0; k < sizeof subst; k++) {
            spy_layout l;
            spy_err e;
            memcpy(buf, sample, n);
            if (buf[i] == subst[k])
                continue;
            buf[i] = subst[k];
            if (spy_layout_parse(buf, n, &l, &e) != 0) {
                check_msg(&e);
                bad++;
            } else {
                char *a = spy_layout_format(&l, NULL);
                REQUIRE(a != NULL);
                free(roundtrip(a, strlen(a)));
                free(a);
                spy_layout_free(&l);
                ok++;
            }
        }
    }
    free(buf);
    ck_assert_uint_gt(ok, 100);
    ck_assert_uint_gt(bad, 100);
}
END_TEST

START_TEST(test_hostile) {
    static const struct {
        const char *text;
        int code;
        const char *want;
    } cases[] = {
        {"", SPY_EINVAL, "line 1: not a layout file"},
        {"shmspy-layout 2\n", SPY_EINVAL, "line 1: version 2 not supported"},
        {"shmspy-layout 1\nstruct s 4\nfield a int 0\n", SPY_EINVAL,
         "line 2: s has no end"},
        {"shmspy-layout 1\nint a 99999999999999999999999\n", SPY_ERANGE,
         "line 2: 99999999999999999999999: number too large"},
        {"shmspy-layout 1\nint a 3\n", SPY_EINVAL, "line 2: size 3"},
        {"shmspy-layout 1\nstruct s 4\nfield a nope 0\nend\n", SPY_EINVAL,
         "line 3: no type named nope"},
        {"shmspy-layout 1\ntypedef a b\ntypedef b a\nroot a\n", SPY_EINVAL,
         "typedef cycle"},
        {"shmspy-layout 1\ntypedef a a\n", SPY_EINVAL, "typedef cycle"},
        {"shmspy-layout 1\nstruct s 4\nfield x s 0\nend\n", SPY_EINVAL,
         "contains itself"},
        {"shmspy-layout 1\nstruct s 4\nfield x i64 0\nend\n", SPY_EINVAL,
         "past the end"},
        {"shmspy-layout 1\nroot u8[4294967296][4294967296][4294967296]\n",
         SPY_ERANGE, "size overflows"},
        {"shmspy-layout 1\nroot u8[0]\n", SPY_EINVAL, "write [] for"},
        {"shmspy-layout 1\nroot u8[][]\n", SPY_EINVAL, "first []"},
        {"shmspy-layout 1\nroot void\n", SPY_EINVAL, "pointer target"},
        {"shmspy-layout 1\nroot u8\nroot u8\n", SPY_EINVAL, "twice"},
        {"shmspy-layout 1\nint a 4\nint a 4\n", SPY_EINVAL, "declared twice"},
        {"shmspy-layout 1\nfield a int 0\n", SPY_EINVAL, "outside a block"},
        {"shmspy-layout 1\nstruct s 4\nint a 4\nend\n", SPY_EINVAL,
         "missing end"},
        {"shmspy-layout 1\nfrobnicate\n", SPY_EINVAL, "unknown keyword"},
        {"shmspy-layout 1\nint \"a 4\n", SPY_EINVAL, "unterminated"},
        {"shmspy-layout 1\nint \"a\\q\" 4\n", SPY_EINVAL, "unknown escape"},
        {"shmspy-layout 1\nint \"a\\x00\" 4\n", SPY_EINVAL, "\\x00"},
        {"shmspy-layout 1\nint \"a\\x4\" 4\n", SPY_EINVAL, "two hex"},
        {"shmspy-layout 1\nint a*b 4\n", SPY_EINVAL, "quote a name"},
        {"shmspy-layout 1\nstruct s 8\nfield a u32 0 bits=33@0\nend\n",
         SPY_EINVAL, "wider than its type"},
        {"shmspy-layout 1\nstruct s 8\nfield a f32 0 bits=3@0\nend\n",
         SPY_EINVAL, "a bitfield must be"},
        {"shmspy-layout 1\nstruct s 8\nfield a u64 0 bits=60@8\nend\n",
         SPY_ERANGE, "a bitfield is"},
        {"shmspy-layout 1\nstruct s 8\nfield a u64 0 bits=x\nend\n", SPY_EINVAL,
         "bits=WIDTH@BIT"},
        {"shmspy-layout 1\nenum e 1 signed\nvalue A 9223372036854775808\n"
         "end\n",
         SPY_ERANGE, "too large"},
        {"shmspy-layout 1\nenum e 1 signed\nvalue A -9223372036854775809\n"
         "end\n",
         SPY_ERANGE, "too large"},
        {"shmspy-layout 1\npointer-size 5\n", SPY_EINVAL, "pointer-size"},
        {"shmspy-layout 1\nendian middle\n", SPY_EINVAL, "little or big"},
        {"shmspy-layout 1\nroot u8[4\n", SPY_EINVAL, "expected ]"},
        {"shmspy-layout 1\nroot u8]\n", SPY_EINVAL, "expected * or ["},
        {"shmspy-layout 1\nint a 4 x y z w v u t s\n", SPY_EINVAL,
         "too many words"},
        {"shmspy-layout 1\n\x1b[31m\n", SPY_EINVAL, "control character"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        parse_bad(cases[i].text, strlen(cases[i].text), cases[i].code,
                  cases[i].want);
    /* A NUL byte inside the text, and len honoured: nothing past it. */
    parse_bad("shmspy-layout 1\nint a\0 4\n", 25, SPY_EINVAL,
              "line 2: NUL byte");
    {
        spy_layout l;
        spy_err e;
        const char *t = "shmspy-layout 1\nint a 4\nGARBAGE";
        ck_assert_int_eq(spy_layout_parse(t, 24, &l, &e), 0);
        spy_layout_free(&l);
    }
}
END_TEST

START_TEST(test_hostile_big) {
    char *s = malloc(100000);
    size_t i, n;

    /* Deep nesting of pointers and arrays. */
    n = (size_t)sprintf(s, "shmspy-layout 1\nroot u8");
    for (i = 0; i < 1000; i++)
        s[n++] = '*';
    s[n++] = '\n';
    parse_bad(s, n, SPY_EINVAL, "nested more than 64");
    n = (size_t)sprintf(s, "shmspy-layout 1\nroot u8");
    for (i = 0; i < 100; i++)
        n += (size_t)sprintf(s + n, "[1]");
    parse_bad(s, n, SPY_EINVAL, "nested more than 64");
    /* A long chain of typedefs. */
    n = (size_t)sprintf(s, "shmspy-layout 1\nroot t0\n");
    for (i = 0; i < 200; i++)
        n += (size_t)sprintf(s + n, "typedef t%zu t%zu\n", i, i + 1);
    n += (size_t)sprintf(s + n, "typedef t200 u8\n");
    parse_bad(s, n, SPY_EINVAL, "too deep");
    /* Overlong names, quoted and bare, and an overlong line. */
    n = (size_t)sprintf(s, "shmspy-layout 1\nint ");
    memset(s + n, 'a', 300);
    n += 300;
    n += (size_t)sprintf(s + n, " 4\n");
    parse_bad(s, n, SPY_ERANGE, "longer than 256");
    n = (size_t)sprintf(s, "shmspy-layout 1\nint \"");
    memset(s + n, 'a', 300);
    n += 300;
    n += (size_t)sprintf(s + n, "\" 4\n");
    parse_bad(s, n, SPY_ERANGE, "longer than 256");
    n = (size_t)sprintf(s, "shmspy-layout 1\n# ");
    memset(s + n, 'a', 5000);
    n += 5000;
    parse_bad(s, n, SPY_ERANGE, "line 2: longer than 4096");
    /* A source of 1001 bytes is refused; a longer one in a model is cut
     * so that what is written reads back. */
    n = (size_t)sprintf(s, "shmspy-layout 1\nsource ");
    memset(s + n, 0xff, 1001);
    n += 1001;
    parse_bad(s, n, SPY_ERANGE, "source longer than 1000");
    {
        spy_layout l;
        spy_err e;
        char *a;
        spy_layout_init(&l);
        memset(s, 0xff, 5000);
        s[5000] = '\0';
        ck_assert(spy_layout_set_source(&l, s, &e) == 0);
        a = spy_layout_format(&l, NULL);
        ck_assert_ptr_nonnull(a);
        free(roundtrip(a, strlen(a)));
        free(a);
        spy_layout_free(&l);
    }
    /* Past the size limit: refused before reading. */
    parse_bad(s, (size_t)SPY_LAYOUT_MAX_FILE + 1, SPY_ERANGE, "bytes");
    free(s);
}
END_TEST

START_TEST(test_many_types) {
    /* 20,000 structs: parsing is not quadratic in the number of types. */
    size_t cap = 3000000, n, i;
    char *s = malloc(cap), *a;
    spy_layout l;
    spy_err e;

    /* A chain of 20,000 structs each holding the next. */
    n = (size_t)sprintf(s, "shmspy-layout 1\nroot s0\n");
    for (i = 0; i < 20000; i++)
        n += (size_t)sprintf(s + n, "struct s%zu 4\nfield b s%zu[1] 0\nend\n",
                             i, i + 1);
    n += (size_t)sprintf(s + n, "struct s20000 4\nfield x u32 0\nend\n");
    ck_assert_msg(spy_layout_parse(s, n, &l, &e) == 0, "%s", e.msg);
    a = spy_layout_format(&l, NULL);
    ck_assert_ptr_nonnull(a);
    spy_layout_free(&l);
    free(roundtrip(a, strlen(a)));
    free(a);
    free(s);
}
END_TEST

static Suite *layout_file_suite(void) {
    Suite *s = suite_create("layout_file");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_parse_sample);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_roundtrip_built);
    tcase_add_test(tc, test_every_prefix);
    tcase_add_test(tc, test_mutations);
    tcase_add_test(tc, test_hostile);
    tcase_add_test(tc, test_hostile_big);
    tcase_add_test(tc, test_many_types);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(layout_file_suite());
}
