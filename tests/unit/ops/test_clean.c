/* test_clean.c - `shmspy clean` in ops (ops/clean.c): the glob, the
 * duration parser, and a run on real objects: an unused one is a
 * candidate, a mapped one is not, a dry run removes nothing, and a
 * removal writes a journal that inject undo restores. Objects are
 * /spyclean-PID-WORD, removed by the teardown. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/clean.h"
#include "ops/inject.h"
#include "../testutil.h"

static int run_pid;
static char pattern[64], idle[64], mapped[64];

START_TEST(test_glob) {
    ck_assert(spy_clean_glob("*", "/anything"));
    ck_assert(spy_clean_glob("/app-*", "/app-1"));
    ck_assert(!spy_clean_glob("/app-*", "/other"));
    ck_assert(spy_clean_glob("a?c", "abc"));
    ck_assert(!spy_clean_glob("a?c", "ac"));
    ck_assert(spy_clean_glob("x[0-9]y", "x7y"));
    ck_assert(!spy_clean_glob("x[!0-9]y", "x7y"));
    ck_assert(spy_clean_glob("x[!0-9]y", "xay"));
    ck_assert(spy_clean_glob("a\\*b", "a*b"));
    ck_assert(!spy_clean_glob("a\\*b", "axb"));
    ck_assert(spy_clean_glob("*a*b*", "xxaxxbxx"));
    ck_assert(!spy_clean_glob("*a*b", "xxbxxa"));
    ck_assert(spy_clean_glob("[", "["));
    ck_assert(spy_clean_glob("", ""));
    ck_assert(!spy_clean_glob("", "a"));
}
END_TEST

START_TEST(test_duration) {
    int64_t s;
    spy_err e;
    ck_assert_int_eq(spy_clean_parse_duration("90s", &s, &e), 0);
    ck_assert_int_eq(s, 90);
    ck_assert_int_eq(spy_clean_parse_duration("30m", &s, &e), 0);
    ck_assert_int_eq(s, 1800);
    ck_assert_int_eq(spy_clean_parse_duration("1h", &s, &e), 0);
    ck_assert_int_eq(s, 3600);
    ck_assert_int_eq(spy_clean_parse_duration("2d", &s, &e), 0);
    ck_assert_int_eq(s, 172800);
    ck_assert_int_eq(spy_clean_parse_duration("7", &s, &e), 0);
    ck_assert_int_eq(s, 7);
    ck_assert_int_eq(spy_clean_parse_duration("1x", &s, &e), SPY_EINVAL);
    check_msg(&e);
    ck_assert_int_eq(spy_clean_parse_duration("h", &s, &e), SPY_EINVAL);
    ck_assert_int_eq(spy_clean_parse_duration("1hh", &s, &e), SPY_EINVAL);
    ck_assert_int_eq(spy_clean_parse_duration("-1s", &s, &e), SPY_EINVAL);
    ck_assert_int_eq(spy_clean_parse_duration("99999999999999999d", &s, &e),
                     SPY_EINVAL);
}
END_TEST

typedef struct seen {
    int idle, mapped, idle_exact, idle_removed;
    char journal[4096];
} seen;

static int collect(const spy_clean_item *it, void *arg) {
    seen *s = arg;
    if (strcmp(it->name, idle) == 0) {
        s->idle = 1;
        s->idle_exact = it->exact;
        s->idle_removed = it->removed;
        snprintf(s->journal, sizeof s->journal, "%s", it->journal);
        ck_assert_uint_eq(it->size, 4096);
        ck_assert(it->age >= 0 && it->age < 600);
    }
    if (strcmp(it->name, mapped) == 0)
        s->mapped = 1;
    return 0;
}

static int make(const char *name) {
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0640);
    ck_assert_int_ge(fd, 0);
    fchmod(fd, 0640);
    ck_assert_int_eq(ftruncate(fd, 4096), 0);
    ck_assert_int_eq(pwrite(fd, "leak", 4, 0), 4);
    return fd;
}

START_TEST(test_run) {
    spy_clean_req q;
    spy_clean_done d;
    spy_undo_done u;
    spy_err e;
    seen s;
    char *p, path[128];
    int fd = make(idle), fd2 = make(mapped);
    struct stat st;

    close(fd);
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd2, 0);
    close(fd2);
    ck_assert(p != MAP_FAILED);

    memset(&q, 0, sizeof q);
    q.pattern = pattern;
    q.kinds = SPY_CLEAN_POSIX;
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(spy_clean_run(&q, collect, &s, &d, &e), 0);
    ck_assert_int_eq(s.idle, 1);
    ck_assert_int_eq(s.mapped, 0);
    ck_assert_int_eq(s.idle_removed, 0);
    ck_assert_int_eq(d.removed, 0);
    snprintf(path, sizeof path, "/dev/shm%s", idle);
    ck_assert_int_eq(stat(path, &st), 0); /* the dry run removed nothing */

    /* A filter that leaves it out. */
    q.have_older = 1;
    q.older_than = 3600;
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(spy_clean_run(&q, collect, &s, &d, &e), 0);
    ck_assert_int_eq(s.idle, 0);
    q.have_older = 0;

    /* Removal, where the count is exact (every process inspected). */
    q.yes = 1;
    q.journal_dir = "/tmp";
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(spy_clean_run(&q, collect, &s, &d, &e), 0);
    ck_assert_int_eq(s.idle, 1);
    if (!s.idle_exact) {
        ck_assert_int_eq(s.idle_removed, 0);
        ck_assert_int_eq(d.refused, 1);
    } else {
        ck_assert_int_eq(s.idle_removed, 1);
        ck_assert_int_ne(stat(path, &st), 0);
        ck_assert_int_eq(spy_inject_undo(s.journal, 0, &u, &e), 0);
        spy_undo_done_free(&u);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0640);
        unlink(s.journal);
    }
    munmap(p, 4096);
}
END_TEST

static void teardown_all(void) {
    shm_unlink(idle);
    shm_unlink(mapped);
}

int main(void) {
    Suite *s = suite_create("clean");
    TCase *tc = tcase_create("clean");
    SRunner *sr;
    int failed;

    run_pid = (int)getpid();
    snprintf(pattern, sizeof pattern, "/spyclean-%d-*", run_pid);
    snprintf(idle, sizeof idle, "/spyclean-%d-idle", run_pid);
    snprintf(mapped, sizeof mapped, "/spyclean-%d-mapped", run_pid);
    tcase_add_test(tc, test_glob);
    tcase_add_test(tc, test_duration);
    tcase_add_test(tc, test_run);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    teardown_all();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
