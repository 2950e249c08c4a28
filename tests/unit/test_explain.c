/* test_explain.c - the plain-words explanations of a probe, from made-up
 * regions and faults: no memory is touched here (test_probe.c does that). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"

typedef struct texts {
    char all[8192];
    int lessons;
} texts;

static void collect(const char *key, const char *text, void *arg) {
    texts *t = arg;
    size_t n = strlen(t->all);
    snprintf(t->all + n, sizeof t->all - n, "[%s] %s\n", key, text);
    if (strcmp(key, "lesson") == 0)
        t->lessons++;
}

static spy_map_entry entry(uint64_t start, uint64_t end, const char *perms,
                           const char *path) {
    spy_map_entry e;
    memset(&e, 0, sizeof e);
    e.start = start;
    e.end = end;
    snprintf(e.perms, sizeof e.perms, "%s", perms);
    snprintf(e.path, sizeof e.path, "%s", path);
    return e;
}

static const spy_fault maperr = {11, 1, "SIGSEGV", "SEGV_MAPERR", 0};
static const spy_fault accerr = {11, 2, "SIGSEGV", "SEGV_ACCERR", 0};
static const spy_fault buserr = {7, 2, "SIGBUS", "BUS_ADRERR", 0};
static const spy_fault none = {0, 0, NULL, NULL, 0};

START_TEST(test_gap_with_neighbours) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.has_below = 1;
    r.below = entry(0x10000, 0x20000, "rw-p", "[heap]");
    r.has_above = 1;
    r.above = entry(0x7f0000000000, 0x7f0000001000, "r-xp", "/lib/libc.so.6");
    r.file_size = -1;
    spy_explain_probe(0xcc8e9ff8cc, 8, 0, &r, &maperr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "[where] 0xcc8e9ff8cc lies in no mapping") !=
                      NULL,
                  "%s", t.all);
    ck_assert_msg(strstr(t.all, "0x10000-0x20000 rw-p [heap] (64.0 KiB)") !=
                      NULL,
                  "%s", t.all);
    /* 0xcc8e9ff8cc - 0x20000 is 818.2 GiB; the libc mapping above. */
    ck_assert_msg(strstr(t.all, "ending 818.2 GiB before it") != NULL, "%s",
                  t.all);
    ck_assert_msg(strstr(t.all, "/lib/libc.so.6") != NULL, "%s", t.all);
    ck_assert_msg(strstr(t.all, "exchange offsets") != NULL, "%s", t.all);
    ck_assert_int_eq(t.lessons, 1);
}
END_TEST

START_TEST(test_nothing_around) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.file_size = -1;
    spy_explain_probe(0x500000, 1, 0, &r, &maperr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "No mapping lies below it.") != NULL, "%s",
                  t.all);
    ck_assert_msg(strstr(t.all, "No mapping lies above it.") != NULL, "%s",
                  t.all);
}
END_TEST

START_TEST(test_null_page) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.file_size = -1;
    spy_explain_probe(0x18, 8, 0, &r, &maperr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "the null pointer") != NULL, "%s", t.all);
    ck_assert_msg(strstr(t.all, "field of a NULL struct pointer") != NULL, "%s",
                  t.all);
}
END_TEST

START_TEST(test_access_errors) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.inside = 1;
    r.file_size = -1;
    r.at = entry(0x1000000, 0x1001000, "---p", "");
    spy_explain_probe(0x1000010, 8, 0, &r, &accerr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "lies inside 0x1000000-0x1001000 ---p "
                                "anonymous memory (4.0 KiB)") != NULL,
                  "%s", t.all);
    ck_assert_msg(strstr(t.all, "PROT_NONE") != NULL, "%s", t.all);
    t.all[0] = '\0';
    r.at = entry(0x1000000, 0x1001000, "r--s", "/dev/shm/demo");
    spy_explain_probe(0x1000010, 8, 1, &r, &accerr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "not writable (permissions r--s)") != NULL,
                  "%s", t.all);
}
END_TEST

START_TEST(test_past_end_of_file) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.inside = 1;
    r.at = entry(0x2000000, 0x2003000, "r--s", "/dev/shm/demo");
    r.at.offset = 4096;
    r.file_size = 100;
    spy_explain_probe(0x2001008, 8, 0, &r, &buserr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "file offset 8200 of /dev/shm/demo") != NULL,
                  "%s", t.all);
    ck_assert_msg(strstr(t.all, "only 100 bytes now") != NULL, "%s", t.all);
    ck_assert_msg(strstr(t.all, "SIGBUS (BUS_ADRERR)") != NULL, "%s", t.all);
}
END_TEST

START_TEST(test_access_that_worked) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.inside = 1;
    r.file_size = -1;
    r.at = entry(0x3000000, 0x3001000, "rw-p", "[stack]");
    spy_explain_probe(0x3000000, 1, 0, &r, &none, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "The read of 1 byte worked") != NULL, "%s",
                  t.all);
    ck_assert_int_eq(t.lessons, 1);
}
END_TEST

START_TEST(test_human_size) {
    char b[32];
    spy_human_size(0, b, sizeof b);
    ck_assert_str_eq(b, "0 bytes");
    spy_human_size(1, b, sizeof b);
    ck_assert_str_eq(b, "1 byte");
    spy_human_size(1023, b, sizeof b);
    ck_assert_str_eq(b, "1023 bytes");
    spy_human_size(1536, b, sizeof b);
    ck_assert_str_eq(b, "1.5 KiB");
    spy_human_size(UINT64_MAX, b, sizeof b);
    ck_assert_str_eq(b, "16.0 EiB");
}
END_TEST

int main(void) {
    Suite *s = suite_create("explain");
    TCase *tc = tcase_create("explain");
    SRunner *sr;
    int failed;
    tcase_add_test(tc, test_gap_with_neighbours);
    tcase_add_test(tc, test_nothing_around);
    tcase_add_test(tc, test_null_page);
    tcase_add_test(tc, test_access_errors);
    tcase_add_test(tc, test_past_end_of_file);
    tcase_add_test(tc, test_access_that_worked);
    tcase_add_test(tc, test_human_size);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
