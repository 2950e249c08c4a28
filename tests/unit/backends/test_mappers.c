/* test_mappers.c - spy_mappers finds real processes mapping real objects,
 * even after they closed their descriptor, and after the name is removed. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/seg.h"
#include "backends/mappers.h"
#include "core/name.h"

typedef struct child {
    pid_t pid;
    uintptr_t addr; /* where the child mapped it */
    int release;    /* write end: closing it ends the child */
} child;

/* Forks a child that maps the POSIX object `text` (read-write), closes the
 * descriptor, reports its address and waits until released. */
static child spawn_posix_mapper(const char *text) {
    int ready[2], release[2];
    child c;
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(release), 0);
    c.pid = fork();
    ck_assert_int_ge(c.pid, 0);
    if (c.pid == 0) {
        char b;
        int fd = shm_open(text, O_RDWR, 0);
        void *p = fd < 0 ? MAP_FAILED
                         : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
                                fd, 0);
        uintptr_t a = (uintptr_t)p;
        if (p == MAP_FAILED)
            _exit(2);
        close(fd); /* the mapping alone keeps it */
        close(release[1]);
        if (write(ready[1], &a, sizeof a) != (ssize_t)sizeof a)
            _exit(3);
        while (read(release[0], &b, 1) > 0)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    ck_assert_int_eq(read(ready[0], &c.addr, sizeof c.addr),
                     (ssize_t)sizeof c.addr);
    close(ready[0]);
    c.release = release[1];
    return c;
}

/* Releases both children and reaps them. Each child inherited the other's
 * release pipe, so both ends must close before either can finish. */
static void finish(child *a, child *b) {
    int st;
    close(a->release);
    close(b->release);
    ck_assert_int_eq(waitpid(a->pid, &st, 0), a->pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(waitpid(b->pid, &st, 0), b->pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

typedef struct hits {
    pid_t want;
    spy_mapper m;
    int n;
} hits;

static int hit_cb(const spy_mapper *m, void *arg) {
    hits *h = arg;
    if (m->pid == h->want) {
        h->m = *m;
        h->n++;
    }
    return 0;
}

START_TEST(test_posix_mapper_closed_fd_and_deleted) {
    char text[64];
    spy_name n;
    spy_seg *s;
    spy_seg_info *info = malloc(sizeof *info);
    spy_err e;
    child c1, c2;
    hits h;
    int hidden = -1;

    snprintf(text, sizeof text, "/spyut-%d-map", (int)getpid());
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(
        spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL | SPY_O_NOMAP,
                     4096, 0600, &s, &e),
        0);
    ck_assert_int_eq(spy_seg_stat(s, info, &e), 0);
    ck_assert_int_eq(info->removed, 0);

    c1 = spawn_posix_mapper(text);
    c2 = spawn_posix_mapper(text);
    memset(&h, 0, sizeof h);
    h.want = c1.pid;
    ck_assert_int_eq(spy_mappers(info, hit_cb, &h, &hidden, &e), 0);
    ck_assert_int_ge(hidden, 0);
    ck_assert_int_eq(h.n, 1);
    ck_assert_uint_eq(h.m.start, c1.addr);
    ck_assert_uint_eq(h.m.end - h.m.start, 4096);
    ck_assert_str_eq(h.m.perms, "rw-s");
    ck_assert_int_eq(h.m.deleted, 0);
    ck_assert_str_eq(h.m.comm, "test_mappers");

    /* After the name is removed the mapping is still found, marked: the
     * object's own record (fstat's st_nlink) says so, not the maps text. */
    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);
    ck_assert_int_eq(spy_seg_stat(s, info, &e), 0);
    ck_assert_int_eq(info->removed, 1);
    spy_seg_close(s);
    memset(&h, 0, sizeof h);
    h.want = c2.pid;
    ck_assert_int_eq(spy_mappers(info, hit_cb, &h, NULL, &e), 0);
    ck_assert_int_eq(h.n, 1);
    ck_assert_uint_eq(h.m.start, c2.addr);
    ck_assert_int_eq(h.m.deleted, 1);
    ck_assert_str_ne(h.m.title, ""); /* the test's own command line */

    finish(&c1, &c2);
    memset(&h, 0, sizeof h);
    h.want = c1.pid;
    ck_assert_int_eq(spy_mappers(info, hit_cb, &h, NULL, &e), 0);
    ck_assert_int_eq(h.n, 0);
    free(info);
}
END_TEST

typedef struct count_ctx {
    const char *name;
    int32_t nattch, nattch_min;
} count_ctx;

static int count_cb(const spy_seg_info *info, void *arg) {
    count_ctx *c = arg;
    if (strcmp(info->name, c->name) == 0) {
        c->nattch = info->nattch;
        c->nattch_min = info->nattch_min;
    }
    return 0;
}

/* The processes seen are want; the count is exact (want) or, where some
 * process could not be inspected (even root may meet one in a
 * container), unknown (-1). */
static void check_count(const count_ctx *c, int32_t want) {
    ck_assert_int_eq(c->nattch_min, want);
    ck_assert(c->nattch == want || c->nattch == -1);
}

START_TEST(test_list_counts_mappers) {
    char text[64];
    spy_name n;
    spy_seg *s;
    spy_err e;
    child c1, c2;
    count_ctx cc;

    snprintf(text, sizeof text, "/spyut-%d-count", (int)getpid());
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(
        spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL | SPY_O_NOMAP,
                     4096, 0600, &s, &e),
        0);
    spy_seg_close(s);
    cc.name = text;
    cc.nattch = -2;
    ck_assert_int_eq(
        spy_backend_list(SPY_LIST_POSIX | SPY_LIST_MAPPERS, count_cb, &cc, &e),
        0);
    check_count(&cc, 0);
    c1 = spawn_posix_mapper(text);
    c2 = spawn_posix_mapper(text);
    ck_assert_int_eq(
        spy_backend_list(SPY_LIST_POSIX | SPY_LIST_MAPPERS, count_cb, &cc, &e),
        0);
    check_count(&cc, 2);
    finish(&c1, &c2);
    spy_seg_unlink(&n, NULL);
}
END_TEST

START_TEST(test_sysv_mapper) {
    int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
    int ready[2], release[2];
    pid_t pid;
    uintptr_t addr;
    char b;
    spy_seg_info *info = malloc(sizeof *info);
    hits h;
    spy_err e;
    int st;

    ck_assert_int_ge(id, 0);
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(release), 0);
    pid = fork();
    if (pid == 0) {
        void *p = shmat(id, NULL, SHM_RDONLY);
        uintptr_t a = (uintptr_t)p;
        if (p == (void *)-1)
            _exit(2);
        close(release[1]);
        if (write(ready[1], &a, sizeof a) != (ssize_t)sizeof a)
            _exit(3);
        while (read(release[0], &b, 1) > 0)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    ck_assert_int_eq(read(ready[0], &addr, sizeof addr), (ssize_t)sizeof addr);
    spy_seg_info_init(info);
    info->kind = SPY_KIND_SYSV;
    info->shmid = id;
    memset(&h, 0, sizeof h);
    h.want = pid;
    ck_assert_int_eq(spy_mappers(info, hit_cb, &h, NULL, &e), 0);
    shmctl(id, IPC_RMID, NULL);
    close(release[1]);
    waitpid(pid, &st, 0);
    ck_assert_int_eq(h.n, 1);
    ck_assert_uint_eq(h.m.start, addr);
    ck_assert_str_eq(h.m.perms, "r--s");
    free(info);
}
END_TEST

int main(void) {
    Suite *s = suite_create("mappers");
    TCase *tc = tcase_create("proc");
    SRunner *sr;
    int failed;
    tcase_add_test(tc, test_posix_mapper_closed_fd_and_deleted);
    tcase_add_test(tc, test_list_counts_mappers);
    tcase_add_test(tc, test_sysv_mapper);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
