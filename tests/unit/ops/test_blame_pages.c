/* test_blame_pages.c - ops/blame_pages: page runs as text (single pages,
 * runs, offsets, text cut with the count of runs left out); a session on
 * a real 4-page POSIX object: a forked child that writes page 2 after the
 * first tick is the one writer of the second interval, with page 2 only,
 * while this process (which also maps the object, as shmspy does, and
 * writes page 0) is never listed. On a kernel without soft-dirty bits the
 * session refuses with SPY_ENOTSUP and the backend's sentence, and the
 * session case says it skipped. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/dirtypages.h"
#include "backends/seg.h"
#include "core/name.h"
#include "ops/blame_pages.h"

START_TEST(runs_as_text) {
    static const uint64_t one[] = {1}, some[] = {1, 2, 3, 7},
                          many[] = {0, 2, 4, 6, 8, 10, 12, 14};
    char t[64], o[128], small[24];
    spy_pages_runs_text(one, 1, 4096, t, sizeof t, o, sizeof o);
    ck_assert_str_eq(t, "1");
    ck_assert_str_eq(o, "0x1000-0x1fff");
    spy_pages_runs_text(some, 4, 4096, t, sizeof t, o, sizeof o);
    ck_assert_str_eq(t, "1-3, 7");
    ck_assert_str_eq(o, "0x1000-0x3fff, 0x7000-0x7fff");
    spy_pages_runs_text(some, 0, 4096, t, sizeof t, NULL, 0);
    ck_assert_str_eq(t, "");
    spy_pages_runs_text(many, 8, 4096, t, sizeof t, small, sizeof small);
    ck_assert_str_eq(t, "0, 2, 4, 6, 8, 10, 12, 14");
    ck_assert_ptr_nonnull(strstr(small, "more)"));
    spy_pages_runs_text(many, 8, 4096, small, sizeof small, NULL, 0);
    ck_assert_str_eq(small, "... (8 more)"); /* not even one run fits */
    spy_pages_runs_text(many, 8, 4096, o, 40, NULL, 0);
    ck_assert_str_eq(o, "0, 2, 4, 6, 8, ... (3 more)");
}
END_TEST

START_TEST(session_attributes_a_child) {
    char text[64];
    spy_name n;
    spy_seg *seg;
    spy_pages_session *s;
    spy_pages_interval iv;
    spy_err e, why;
    uint8_t zero = 0;
    volatile unsigned char *m;
    int go[2], fd, rc;
    long ps = sysconf(_SC_PAGESIZE);
    pid_t child;

    snprintf(text, sizeof text, "/spyops-pages-%d", (int)getpid());
    shm_unlink(text);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_msg(spy_seg_open(&n, SPY_O_CREATE | SPY_O_EXCL | SPY_O_WRITE,
                               (uint64_t)(4 * ps), 0600, &seg, &e) == 0,
                  "%s", e.msg);
    if (spy_dirty_supported(&why) != 0) {
        rc = spy_pages_start(seg, &s, &e);
        spy_seg_close(seg);
        shm_unlink(text);
        ck_assert_int_eq(rc, SPY_ENOTSUP);
        ck_assert_str_eq(e.msg, why.msg);
        printf("test_blame_pages: session skipped: %s\n", why.msg);
        return;
    }
    fd = shm_open(text, O_RDWR, 0);
    ck_assert_int_ge(fd, 0);
    m = mmap(NULL, (size_t)(4 * ps), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    ck_assert_ptr_ne((void *)m, MAP_FAILED);
    ck_assert_int_eq(pipe(go), 0);
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        char b;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        (void)m[0]; /* mapped and read before the first clear */
        if (read(go[0], &b, 1) != 1)
            _exit(1);
        m[2 * ps + 5] = 0x55;
        for (;;)
            pause();
    }
    rc = spy_pages_start(seg, &s, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(spy_pages_tick(s, &iv, &e), 0); /* child now armed */
    ck_assert_int_eq(write(go[1], "g", 1), 1);
    ck_assert_int_eq(spy_seg_write(seg, 0, &zero, 1, &e), 0); /* ourselves */
    usleep(200000);
    rc = spy_pages_tick(s, &iv, &e);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_uint_eq(iv.nwriters, 1);
    ck_assert_int_eq(iv.writers[0].pid, child);
    ck_assert_uint_eq(iv.writers[0].npages, 1);
    ck_assert_uint_eq(iv.writers[0].pages[0], 2);
    spy_pages_stop(s);
    spy_seg_close(seg);
    munmap((void *)m, (size_t)(4 * ps));
    shm_unlink(text);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("blame_pages");
    TCase *t = tcase_create("blame_pages");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, runs_as_text);
    tcase_add_test(t, session_attributes_a_child);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    SRunner *r = srunner_create(suite());
    int failed;
    srunner_run_all(r, CK_NORMAL);
    failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
