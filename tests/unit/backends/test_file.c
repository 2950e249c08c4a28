/* test_file.c - the files of recordings (backends/file.h) on POSIX: a
 * new file is exclusive and 0600 and never made through a symlink (not
 * even a dangling one); --force writes a new file and renames it over a
 * regular file (a new inode, the old one untouched until then), and
 * refuses a symlink, a directory or a FIFO; reading refuses what is not a
 * regular file, naming it; a read past the end names the offset. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/file.h"

static char dir[64];
static char path[256], link_path[256], fifo[256], target[256];

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/spy-file-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/rec", dir);
    snprintf(link_path, sizeof link_path, "%s/link", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(target, sizeof target, "%s/target", dir);
}

static void teardown(void) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_text(const char *p, const char *s) {
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(s, f);
    fclose(f);
}

START_TEST(test_create_exclusive_0600) {
    spy_file *f;
    spy_err e;
    struct stat st;
    char buf[8];

    umask(0);
    ck_assert_int_eq(spy_file_create(path, &f, &e), 0);
    ck_assert_int_eq(spy_file_append(f, "hello", 5, &e), 0);
    ck_assert_uint_eq(spy_file_size(f), 5);
    ck_assert_int_eq(spy_file_sync(f, &e), 0);
    ck_assert_int_eq(spy_file_close(f, &e), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    /* Exclusive. */
    ck_assert_int_eq(spy_file_create(path, &f, &e), SPY_EEXIST);
    ck_assert_ptr_nonnull(strstr(e.msg, path));
    ck_assert_ptr_nonnull(strstr(e.msg, "--force"));
    /* Read back; past the end names the offset. */
    ck_assert_int_eq(spy_file_open_read(path, &f, &e), 0);
    ck_assert_uint_eq(spy_file_size(f), 5);
    ck_assert_int_eq(spy_file_pread(f, 1, buf, 4, &e), 0);
    ck_assert(memcmp(buf, "ello", 4) == 0);
    ck_assert_int_eq(spy_file_pread(f, 3, buf, 4, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "damaged at byte 5"));
    ck_assert_int_eq(spy_file_close(f, &e), 0);
    ck_assert_int_eq(spy_file_unlink(path, &e), 0);
    ck_assert_int_eq(spy_file_unlink(path, &e), SPY_ENOENT);
}
END_TEST

START_TEST(test_never_through_a_symlink) {
    spy_file *f;
    spy_err e;
    struct stat st;

    /* A dangling link: creating through it would make the target. */
    ck_assert_int_eq(symlink(target, link_path), 0);
    ck_assert_int_ne(spy_file_create(link_path, &f, &e), 0);
    ck_assert_int_ne(lstat(target, &st), 0);
    ck_assert_int_eq(spy_file_create_replace(link_path, &f, &e), SPY_ETYPE);
    ck_assert_ptr_nonnull(strstr(e.msg, "symbolic link"));
    ck_assert_int_ne(lstat(target, &st), 0);
    /* A link to an existing file is not replaced either. */
    write_text(target, "old");
    ck_assert_int_eq(spy_file_create_replace(link_path, &f, &e), SPY_ETYPE);
    ck_assert_int_eq(lstat(link_path, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
}
END_TEST

START_TEST(test_force_replaces_by_rename) {
    spy_file *f;
    spy_err e;
    struct stat before, after;
    char buf[4] = {0};
    FILE *in;

    write_text(path, "old");
    ck_assert_int_eq(stat(path, &before), 0);
    ck_assert_int_eq(spy_file_create_replace(path, &f, &e), 0);
    ck_assert_int_eq(spy_file_append(f, "new", 3, &e), 0);
    /* Until close, the old file is as it was. */
    in = fopen(path, "r");
    ck_assert_uint_eq(fread(buf, 1, 3, in), 3);
    fclose(in);
    ck_assert_str_eq(buf, "old");
    ck_assert_int_eq(spy_file_close(f, &e), 0);
    ck_assert_int_eq(stat(path, &after), 0);
    ck_assert_uint_ne(before.st_ino, after.st_ino);
    in = fopen(path, "r");
    ck_assert_uint_eq(fread(buf, 1, 3, in), 3);
    fclose(in);
    ck_assert_str_eq(buf, "new");
    /* Discarded: the old file stays, no temporary is left. */
    ck_assert_int_eq(spy_file_create_replace(path, &f, &e), 0);
    ck_assert_int_eq(spy_file_append(f, "xyz", 3, &e), 0);
    spy_file_discard(f);
    in = fopen(path, "r");
    ck_assert_uint_eq(fread(buf, 1, 3, in), 3);
    fclose(in);
    ck_assert_str_eq(buf, "new");
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir);
        ck_assert_int_eq(system(cmd), 0);
    }
}
END_TEST

START_TEST(test_not_regular) {
    spy_file *f;
    spy_err e;

    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(spy_file_open_read(fifo, &f, &e), SPY_ETYPE);
    ck_assert_ptr_nonnull(strstr(e.msg, "FIFO"));
    ck_assert_ptr_nonnull(strstr(e.msg, "not a recording file"));
    ck_assert_int_eq(spy_file_create_replace(fifo, &f, &e), SPY_ETYPE);
    ck_assert_int_eq(spy_file_open_read(dir, &f, &e), SPY_ETYPE);
    ck_assert_ptr_nonnull(strstr(e.msg, "directory"));
    ck_assert_int_eq(spy_file_create_replace(dir, &f, &e), SPY_ETYPE);
    ck_assert_int_eq(spy_file_open_read(path, &f, &e), SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, path));
}
END_TEST

START_TEST(test_permission_named) {
    spy_file *f;
    spy_err e;
    char sub[300], p[320];

    if (geteuid() == 0)
        return; /* root writes anywhere */
    snprintf(sub, sizeof sub, "%s/ro", dir);
    ck_assert_int_eq(mkdir(sub, 0500), 0);
    snprintf(p, sizeof p, "%s/rec", sub);
    ck_assert_int_eq(spy_file_create(p, &f, &e), SPY_EACCES);
    ck_assert_ptr_nonnull(strstr(e.msg, "no write permission"));
    chmod(sub, 0700);
}
END_TEST

static Suite *file_suite(void) {
    Suite *s = suite_create("file");
    TCase *tc = tcase_create("file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_create_exclusive_0600);
    tcase_add_test(tc, test_never_through_a_symlink);
    tcase_add_test(tc, test_force_replaces_by_rename);
    tcase_add_test(tc, test_not_regular);
    tcase_add_test(tc, test_permission_named);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(file_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
