/* test_holes.c - spy_seg_next_data: where the data of a sparse object is.
 *
 * POSIX objects (tmpfs) and files report their holes through SEEK_DATA /
 * SEEK_HOLE; System V segments are all data; an object that shrank under
 * us is SPY_EFAULT, as a read there would be. Objects are named
 * /spyhole-PID-WORD and removed by the tests (and the teardown). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "backends/seg.h"
#include "backends/process.h"
#include "core/name.h"
#include "../testutil.h"

static int run_pid;

static void name_of(const char *word, spy_name *n, char *text, size_t cap) {
    spy_err e;
    snprintf(text, cap, "/spyhole-%d-%s", run_pid, word);
    ck_assert_int_eq(spy_name_parse(text, n, &e), 0);
}

static key_t hole_key(void) {
    return (key_t)((0x5u << 28) | ((unsigned)run_pid & 0xffffff));
}

static void remove_all(void) {
    char cmd[128];
    int id = shmget(hole_key(), 0, 0);
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
    snprintf(cmd, sizeof cmd, "rm -f /dev/shm/spyhole-%d-*", run_pid);
    if (system(cmd) != 0)
        fprintf(stderr, "test_holes: cleanup failed\n");
}

/* Checks the data/hole walk of s (len bytes) with data only
 * in the page holding offset at. */
static void check_one_page(spy_seg *s, uint64_t len, uint64_t at) {
    uint64_t pg = spy_page_size(), data, hole;
    spy_err e;

    ck_assert_int_eq(spy_seg_next_data(s, 0, &data, &hole, &e), 0);
    /* Some file systems report whole extents or no holes at all; what
     * must hold is that the data found covers the written byte and that
     * nothing before it that holds data is called a hole. */
    ck_assert_uint_le(data, at);
    ck_assert_uint_gt(hole, at);
    ck_assert_uint_le(hole, len);
    if (data > 0) {
        ck_assert_uint_eq(data % pg, 0);
        ck_assert_uint_le(data, at - at % pg);
    }
    /* From the hole on: no data to the end (or, without SEEK_DATA, all
     * data). */
    if (hole < len) {
        ck_assert_int_eq(spy_seg_next_data(s, hole, &data, &hole, &e), 0);
        ck_assert_uint_eq(data, len);
        ck_assert_uint_eq(hole, len);
    }
}

START_TEST(test_posix_object_holes) {
    spy_name n;
    char text[128];
    spy_seg *s;
    spy_err e;
    uint64_t len = 8u << 20, at = 3u << 20 | 123, data, hole;
    uint8_t b = 0x5a;

    name_of("obj", &n, text, sizeof text);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  len, 0600, &s, &e),
                     0);
    /* Fresh from ftruncate: all hole on tmpfs. */
    ck_assert_int_eq(spy_seg_next_data(s, 0, &data, &hole, &e), 0);
    ck_assert_uint_eq(data, len);
    ck_assert_uint_eq(hole, len);
    ck_assert_int_eq(spy_seg_write(s, at, &b, 1, &e), 0);
    check_one_page(s, len, at);
    spy_seg_close(s);
    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);
}
END_TEST

START_TEST(test_file_holes) {
    char path[TMP_PATH_MAX], text[TMP_PATH_MAX + 8];
    spy_name n;
    spy_seg *s;
    spy_err e;
    uint64_t len = 64u << 20, at = 40u << 20 | 7;
    int fd;

    tmp_make(path, sizeof path, "spyhole");
    ck_assert_str_ne(path, "");
    fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
    ck_assert_int_eq(pwrite(fd, "x", 1, (off_t)at), 1);
    close(fd);
    snprintf(text, sizeof text, "file:%s", path);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    check_one_page(s, len, at);
    spy_seg_close(s);
    tmp_remove(path);
}
END_TEST

START_TEST(test_sysv_all_data) {
    char text[64];
    spy_name n;
    spy_seg *s;
    spy_err e;
    uint64_t data, hole;

    snprintf(text, sizeof text, "key:0x%x", (unsigned)hole_key());
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  1u << 20, 0600, &s, &e),
                     0);
    ck_assert_int_eq(spy_seg_next_data(s, 4096, &data, &hole, &e), 0);
    ck_assert_uint_eq(data, 4096);
    ck_assert_uint_eq(hole, spy_seg_len(s));
    spy_seg_close(s);
    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);
}
END_TEST

/* An object truncated under us: past its new end is a fault, as a read
 * there would be, not a silent hole of zeros. */
START_TEST(test_shrunk_is_fault) {
    spy_name n;
    char text[128], path[160];
    spy_seg *s;
    spy_err e;
    uint64_t data, hole;

    name_of("shrink", &n, text, sizeof text);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  1u << 20, 0600, &s, &e),
                     0);
    snprintf(path, sizeof path, "/dev/shm%s", text);
    ck_assert_int_eq(truncate(path, 4096), 0);
    ck_assert_int_eq(spy_seg_next_data(s, 8192, &data, &hole, &e), SPY_EFAULT);
    check_msg(&e);
    ck_assert_ptr_nonnull(strstr(e.msg, "shrank"));
    spy_seg_close(s);
    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);
}
END_TEST

static Suite *holes_suite(void) {
    Suite *s = suite_create("holes");
    TCase *tc = tcase_create("core");

    tcase_add_unchecked_fixture(tc, remove_all, remove_all);
    tcase_add_test(tc, test_posix_object_holes);
    tcase_add_test(tc, test_file_holes);
    tcase_add_test(tc, test_sysv_all_data);
    tcase_add_test(tc, test_shrunk_is_fault);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    run_pid = (int)getpid();
    return run_suite(holes_suite());
}
