/* test_layoutfile_io.c - layout files on disk (backends/layoutsrc.h):
 * spy_layout_save_file never clobbers unless told to, replaces
 * atomically, leaves no temporary behind; spy_layout_load_file reads back
 * the same layout and names the path in its errors; a build without
 * libdw refuses to resolve with the sentence that points to --layout.
 * Portable: runs on Windows too (the --layout way in there). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/layoutsrc.h"
#include "backends/process.h"

static char path[128];

static void setup(void) {
    snprintf(path, sizeof path, "layoutio-%llx.layout",
             (unsigned long long)spy_entropy());
}

static void teardown(void) {
    remove(path);
}

/* struct pair { int32_t a; uint8_t flags:3; } */
static void build(spy_layout *l) {
    spy_ltype t;
    spy_lmember m;
    uint32_t i32, u8, st;
    spy_err e;

    spy_layout_init(l);
    memset(&t, 0, sizeof t);
    t.name = "int32_t";
    t.kind = SPY_L_INT;
    t.is_signed = 1;
    t.size = 4;
    t.elem = SPY_LAYOUT_NONE;
    ck_assert_int_eq(spy_layout_add_type(l, &t, &i32, &e), 0);
    t.name = "uint8_t";
    t.kind = SPY_L_UINT;
    t.is_signed = 0;
    t.size = 1;
    ck_assert_int_eq(spy_layout_add_type(l, &t, &u8, &e), 0);
    t.name = "struct pair";
    t.kind = SPY_L_STRUCT;
    t.size = 8;
    ck_assert_int_eq(spy_layout_add_type(l, &t, &st, &e), 0);
    memset(&m, 0, sizeof m);
    m.name = "a";
    m.type = i32;
    ck_assert_int_eq(spy_layout_add_member(l, st, &m, &e), 0);
    m.name = "flags";
    m.type = u8;
    m.offset = 4;
    m.bit_size = 3;
    ck_assert_int_eq(spy_layout_add_member(l, st, &m, &e), 0);
    l->root = st;
    ck_assert_int_eq(spy_layout_check(l, &e), 0);
}

START_TEST(save_load_round_trip) {
    spy_layout a, b;
    spy_err e;
    size_t n, n2;
    char *ta, *tb;
    FILE *f;

    build(&a);
    ta = spy_layout_format(&a, &n);
    ck_assert_ptr_nonnull(ta);
    ck_assert_int_eq(spy_layout_save_file(path, ta, n, 0, &e), 0);
    ck_assert_int_eq(spy_layout_save_file(path, "x", 1, 0, &e), SPY_EEXIST);
    ck_assert_msg(strstr(e.msg, path) != NULL, "%s", e.msg);
    ck_assert_int_eq(spy_layout_load_file(path, &b, &e), 0);
    tb = spy_layout_format(&b, &n2);
    ck_assert_str_eq(ta, tb);
    ck_assert_uint_eq(b.types[b.root].count, 2);
    free(tb);
    spy_layout_free(&b);
    /* replace: the new text whole */
    ck_assert_int_eq(spy_layout_save_file(path, ta, n, 1, &e), 0);
    ck_assert_int_eq(spy_layout_load_file(path, &b, &e), 0);
    spy_layout_free(&b);
    /* a damaged file: the parser's reason, after the path */
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("shmspy-layout 1\nnot a line of the format\n", f);
    fclose(f);
    ck_assert_int_ne(spy_layout_load_file(path, &b, &e), 0);
    ck_assert_msg(strstr(e.msg, path) != NULL && strstr(e.msg, "line") != NULL,
                  "%s", e.msg);
    ck_assert_uint_eq(b.ntypes, 0);
    remove(path);
    ck_assert_int_eq(spy_layout_load_file(path, &b, &e), SPY_ENOENT);
    free(ta);
    spy_layout_free(&a);
}
END_TEST

START_TEST(no_libdw_points_to_layout_files) {
    spy_layout_src s;
    spy_layout l;
    spy_err e;
    memset(&s, 0, sizeof s);
    s.type = "struct pair";
    s.from = "1";
    if (spy_layout_dwarf_available())
        return; /* test_layoutsrc covers it */
    ck_assert_int_eq(spy_layout_resolve_src(&s, &l, NULL, &e), SPY_ENOTSUP);
    ck_assert_str_eq(e.msg, "this build reads no debug information (libdw): "
                            "use --layout FILE");
    ck_assert_int_eq(spy_layout_pid_has_debug(1, NULL), SPY_ENOTSUP);
}
END_TEST

int main(void) {
    Suite *s = suite_create("layoutfile_io");
    TCase *tc = tcase_create("io");
    SRunner *r;
    int failed;
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, save_load_round_trip);
    tcase_add_test(tc, no_libdw_points_to_layout_files);
    suite_add_tcase(s, tc);
    r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
