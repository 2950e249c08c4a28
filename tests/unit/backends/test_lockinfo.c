/* test_lockinfo.c - spy_futex_waiters finds real threads of real
 * processes asleep in sem_wait and pthread_mutex_lock on words of a real
 * POSIX object, at the right segment offset (through a mapping that does
 * not start at the object's start), and spy_thread_lookup tells a live
 * thread from one that exited. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/lockinfo.h"
#include "backends/seg.h"
#include "core/name.h"

#define SEM_OFF 128u   /* offset in the child's mapping */
#define MUTEX_OFF 256u /* offset in the child's mapping */
#define MAP_OFF 4096u  /* where the child's mapping starts in the object */

/* The object's name, chosen in main so that main removes it even when a
 * test (in its own process) fails half-way. */
static char obj[64];

typedef struct blocker {
    pid_t pid;
    int tid;     /* the thread that blocks */
    int release; /* write end: closing it ends the child */
} blocker;

typedef struct child_arg {
    void *word;
    int is_mutex;
    int report;
} child_arg;

static void *block_thread(void *p) {
    child_arg *a = p;
    int tid = (int)syscall(SYS_gettid);
    if (write(a->report, &tid, sizeof tid) != (ssize_t)sizeof tid)
        _exit(3);
    if (a->is_mutex)
        pthread_mutex_lock(a->word);
    else
        sem_wait(a->word);
    return NULL;
}

/* Forks a child that maps the object from MAP_OFF and has a second
 * thread sleep on the sem_t (or mutex) at off in that mapping; reports
 * that thread's id and waits until released. */
static blocker spawn_blocker(unsigned off, int is_mutex) {
    int ready[2], release[2];
    blocker b;
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(release), 0);
    b.pid = fork();
    ck_assert_int_ge(b.pid, 0);
    if (b.pid == 0) {
        char c;
        pthread_t t;
        child_arg a;
        int fd = shm_open(obj, O_RDWR, 0);
        char *p = fd < 0 ? MAP_FAILED
                         : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
                                fd, MAP_OFF);
        if (p == MAP_FAILED)
            _exit(2);
        close(fd);
        close(release[1]);
        a.word = p + off;
        a.is_mutex = is_mutex;
        a.report = ready[1];
        if (pthread_create(&t, NULL, block_thread, &a) != 0)
            _exit(4);
        while (read(release[0], &c, 1) > 0)
            ;
        _exit(0); /* the blocked thread goes with the process */
    }
    close(ready[1]);
    close(release[0]);
    ck_assert_int_eq(read(ready[0], &b.tid, sizeof b.tid),
                     (ssize_t)sizeof b.tid);
    close(ready[0]);
    b.release = release[1];
    return b;
}

/* Releases both children and reaps them: the second inherited the
 * first's release pipe, so both ends close before either is waited for. */
static void finish(blocker *a, blocker *b) {
    int st;
    close(a->release);
    close(b->release);
    ck_assert_int_eq(waitpid(a->pid, &st, 0), a->pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(waitpid(b->pid, &st, 0), b->pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Waits (up to 10 s) until tid is seen asleep in the segment; returns its
 * record's index in w (filled; the caller frees it), or -1. */
static int wait_for(spy_seg *s, int tid, spy_waiters *w) {
    int i;
    spy_err e;
    size_t k;
    for (i = 0; i < 1000; i++) {
        ck_assert_int_eq(spy_futex_waiters(s, w, &e), 0);
        for (k = 0; k < w->n; k++)
            if (w->v[k].tid == tid)
                return (int)k;
        spy_waiters_free(w);
        usleep(10000);
    }
    return -1;
}

static spy_seg *make_object(void) {
    spy_name n;
    spy_seg *s;
    spy_err e;
    char *p;
    int fd;
    shm_unlink(obj);
    fd = shm_open(obj, O_CREAT | O_EXCL | O_RDWR, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 2 * 4096), 0);
    p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(p != MAP_FAILED);
    close(fd);
    {
        pthread_mutexattr_t ma;
        ck_assert_int_eq(sem_init((sem_t *)(p + MAP_OFF + SEM_OFF), 1, 0), 0);
        pthread_mutexattr_init(&ma);
        pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
        ck_assert_int_eq(pthread_mutex_init(
                             (pthread_mutex_t *)(p + MAP_OFF + MUTEX_OFF), &ma),
                         0);
        /* Held here, so the child's lock sleeps. */
        ck_assert_int_eq(
            pthread_mutex_lock((pthread_mutex_t *)(p + MAP_OFF + MUTEX_OFF)),
            0);
    }
    ck_assert_int_eq(spy_name_parse(obj, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    return s;
}

START_TEST(test_waiters_found_at_offset) {
    spy_seg *s = make_object();
    blocker bs = spawn_blocker(SEM_OFF, 0), bm = spawn_blocker(MUTEX_OFF, 1);
    spy_waiters w;
    spy_thread_who who;
    spy_err e;
    int k;

    ck_assert_int_ne(bs.tid, bs.pid); /* a second thread, not the leader */
    k = wait_for(s, bs.tid, &w);
    ck_assert_msg(k >= 0, "the thread in sem_wait was not found");
    ck_assert_int_eq(w.v[k].pid, bs.pid);
    ck_assert_uint_eq(w.v[k].off, MAP_OFF + SEM_OFF);
    ck_assert_str_eq(w.v[k].comm, "test_lockinfo");
    ck_assert_uint_eq(w.unreadable, 0);
    spy_waiters_free(&w);

    k = wait_for(s, bm.tid, &w);
    ck_assert_msg(k >= 0, "the thread in pthread_mutex_lock was not found");
    ck_assert_int_eq(w.v[k].pid, bm.pid);
    ck_assert_uint_eq(w.v[k].off, MAP_OFF + MUTEX_OFF);
    spy_waiters_free(&w);

    /* The live blocked thread, by its id. */
    ck_assert_int_eq(spy_thread_lookup(bm.tid, &who, &e), 0);
    ck_assert_int_eq(who.exists, 1);
    ck_assert_int_eq(who.pid, bm.pid);
    ck_assert_str_eq(who.comm, "test_lockinfo");

    finish(&bs, &bm);
    /* Gone with its process: no waiter, and no such thread. */
    ck_assert_int_eq(spy_futex_waiters(s, &w, &e), 0);
    for (k = 0; k < (int)w.n; k++)
        ck_assert_int_ne(w.v[k].tid, bs.tid);
    spy_waiters_free(&w);
    ck_assert_int_eq(spy_thread_lookup(bm.tid, &who, &e), 0);
    ck_assert_int_eq(who.exists, 0);
    spy_seg_close(s);
    shm_unlink(obj);
}
END_TEST

static void *report_tid(void *p) {
    *(int *)p = (int)syscall(SYS_gettid);
    return NULL;
}

START_TEST(test_thread_lookup_live_and_exited) {
    spy_thread_who who;
    spy_err e;
    pthread_t t;
    int tid = 0;

    ck_assert_int_eq(spy_thread_lookup((int32_t)getpid(), &who, &e), 0);
    ck_assert_int_eq(who.exists, 1);
    ck_assert_int_eq(who.pid, (int)getpid());
    ck_assert_str_eq(who.comm, "test_lockinfo");

    ck_assert_int_eq(pthread_create(&t, NULL, report_tid, &tid), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_gt(tid, 0);
    ck_assert_int_eq(spy_thread_lookup(tid, &who, &e), 0);
    ck_assert_int_eq(who.exists, 0);

    ck_assert_int_eq(spy_thread_lookup(0, &who, &e), SPY_EINVAL);
}
END_TEST

int main(void) {
    Suite *s = suite_create("lockinfo");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;
    snprintf(obj, sizeof obj, "/spyut-%d-locks", (int)getpid());
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_waiters_found_at_offset);
    tcase_add_test(tc, test_thread_lookup_live_and_exited);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    shm_unlink(obj);
    return failed == 0 ? 0 : 1;
}
