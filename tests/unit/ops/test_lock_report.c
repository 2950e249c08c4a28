/* test_lock_report.c - ops/locks on real process-shared mutexes in a real POSIX
 * object: the owner is a live child's thread (tid, pid, command), a second
 * child asleep on it is its waiter, and after the owner's process exits
 * holding it the report says the lock is held by a dead thread - for a
 * robust mutex (the kernel's robust-list handling sets owner-died) and a
 * plain one (only the thread's absence tells). The layout is built with
 * the core builder from this build's own headers (offsetof). */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/lockinfo.h"
#include "backends/seg.h"
#include "core/json.h"
#include "core/layout.h"
#include "core/name.h"
#include "ops/locks.h"

#define ROBUST_OFF 64u /* the robust mutex's offset in the object */
#define PLAIN_OFF 192u /* the plain one's */

/* Chosen in main, so main removes the object even when a test fails. */
static char obj[64];

/* The layout: struct shared { ...; pthread_mutex_t robust @64; ...;
 * pthread_mutex_t plain @192; } built from glibc's own offsets. */
static void build_layout(spy_layout *l) {
    spy_ltype t;
    spy_lmember m;
    uint32_t mt, root;
    spy_err e;
    spy_layout_init(l);
    ck_assert_int_eq(spy_lock_native_mutex(l, &mt, &e), 0);
    memset(&t, 0, sizeof t);
    t.name = "struct shared";
    t.kind = SPY_L_STRUCT;
    t.size = 4096;
    t.elem = SPY_LAYOUT_NONE;
    ck_assert_int_eq(spy_layout_add_type(l, &t, &root, &e), 0);
    memset(&m, 0, sizeof m);
    m.name = "robust";
    m.type = mt;
    m.offset = ROBUST_OFF;
    ck_assert_int_eq(spy_layout_add_member(l, root, &m, &e), 0);
    m.name = "plain";
    m.offset = PLAIN_OFF;
    ck_assert_int_eq(spy_layout_add_member(l, root, &m, &e), 0);
    l->root = root;
    ck_assert_int_eq(spy_layout_check(l, &e), 0);
}

typedef struct child {
    pid_t pid;
    int tid;     /* the thread that locks */
    int release; /* write end: closing it ends the child */
} child;

typedef struct lock_arg {
    pthread_mutex_t *m;
    int report;
} lock_arg;

static void *lock_thread(void *p) {
    lock_arg *a = p;
    int tid = (int)syscall(SYS_gettid);
    if (write(a->report, &tid, sizeof tid) != (ssize_t)sizeof tid)
        _exit(3);
    pthread_mutex_lock(a->m); /* the owner: at once; a waiter: sleeps */
    if (write(a->report, &tid, sizeof tid) != (ssize_t)sizeof tid)
        _exit(3);
    for (;;)
        pause();
    return NULL;
}

/* Forks a child whose second thread locks the mutex at off and keeps it
 * (wait_locked: returns once it has it) or sleeps on it (returns once it
 * is about to ask). The child ends when released or killed. */
static child spawn_locker(unsigned off, int wait_locked) {
    int ready[2], release[2];
    child c;
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(release), 0);
    c.pid = fork();
    ck_assert_int_ge(c.pid, 0);
    if (c.pid == 0) {
        char b;
        pthread_t t;
        lock_arg a;
        int fd = shm_open(obj, O_RDWR, 0);
        char *p = fd < 0 ? MAP_FAILED
                         : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
                                fd, 0);
        if (p == MAP_FAILED)
            _exit(2);
        close(fd);
        close(release[1]);
        close(ready[0]);
        a.m = (pthread_mutex_t *)(void *)(p + off);
        a.report = ready[1];
        if (pthread_create(&t, NULL, lock_thread, &a) != 0)
            _exit(4);
        while (read(release[0], &b, 1) > 0)
            ;
        _exit(0); /* the locking thread goes with the process */
    }
    close(ready[1]);
    close(release[0]);
    ck_assert_int_eq(read(ready[0], &c.tid, sizeof c.tid),
                     (ssize_t)sizeof c.tid);
    if (wait_locked) {
        int again;
        ck_assert_int_eq(read(ready[0], &again, sizeof again),
                         (ssize_t)sizeof again);
    }
    close(ready[0]);
    c.release = release[1];
    return c;
}

static void end_child(child *c, int sig) {
    int st;
    if (sig != 0)
        kill(c->pid, sig);
    close(c->release);
    ck_assert_int_eq(waitpid(c->pid, &st, 0), c->pid);
}

static spy_seg *make_object(void) {
    pthread_mutexattr_t ma;
    spy_name n;
    spy_seg *s;
    spy_err e;
    char *p;
    int fd;
    shm_unlink(obj);
    fd = shm_open(obj, O_CREAT | O_EXCL | O_RDWR, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 4096), 0);
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(p != MAP_FAILED);
    close(fd);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    ck_assert_int_eq(
        pthread_mutex_init((pthread_mutex_t *)(void *)(p + PLAIN_OFF), &ma), 0);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    ck_assert_int_eq(
        pthread_mutex_init((pthread_mutex_t *)(void *)(p + ROBUST_OFF), &ma),
        0);
    pthread_mutexattr_destroy(&ma);
    munmap(p, 4096);
    ck_assert_int_eq(spy_name_parse(obj, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    return s;
}

/* The report of field path in seg. */
static void report(spy_seg *s, const spy_layout *l, const char *path,
                   spy_lock_report *r) {
    spy_lfield f;
    spy_err e;
    ck_assert_int_eq(spy_layout_field(l, l->root, 0, 4096, path, &f, &e), 0);
    ck_assert_int_eq(spy_lock_report_read(s, l, &f, r, &e), 0);
    ck_assert_int_eq(r->st.kind, SPY_LOCK_MUTEX);
    ck_assert_int_eq(r->st.decoded, 1);
}

/* Waits (up to 10 s) until the report of path shows pid as a waiter. */
static int wait_waiter(spy_seg *s, const spy_layout *l, const char *path,
                       pid_t pid, spy_lock_report *r) {
    int i;
    size_t k;
    for (i = 0; i < 1000; i++) {
        report(s, l, path, r);
        for (k = 0; k < r->nwaiters; k++)
            if (r->waiters[k].pid == pid)
                return (int)k;
        spy_lock_report_free(r);
        usleep(10000);
    }
    return -1;
}

START_TEST(test_robust_live_waiter_dead) {
    spy_layout l;
    spy_seg *s = make_object();
    spy_lock_report r;
    child owner, waiter;
    char text[1024];
    int k;

    build_layout(&l);
    owner = spawn_locker(ROBUST_OFF, 1);
    ck_assert_int_ne(owner.tid, owner.pid); /* a second thread */

    /* A live owner: its tid, its process and command. */
    report(s, &l, "robust", &r);
    ck_assert_int_eq(r.st.locked, 1);
    ck_assert_int_eq(r.st.robust, 1);
    ck_assert_int_eq(r.st.pshared, 1);
    ck_assert_int_eq(r.st.owner_tid, owner.tid);
    ck_assert_int_eq(r.owner_looked_up, 1);
    ck_assert_int_eq(r.owner.exists, 1);
    ck_assert_int_eq(r.owner.pid, owner.pid);
    ck_assert_str_eq(r.owner.comm, "test_lock_repor");
    ck_assert_int_eq(r.owner_dead, 0);
    ck_assert_uint_eq(r.off, ROBUST_OFF);
    spy_lock_report_text(&r, text, sizeof text);
    {
        char want[96];
        snprintf(want, sizeof want, "owner: tid %d of pid %d (test_lock_repor)",
                 owner.tid, (int)owner.pid);
        ck_assert_msg(strstr(text, want) != NULL, "text: %s", text);
    }
    spy_lock_report_free(&r);

    /* A second child asleep on it: listed as its waiter. */
    waiter = spawn_locker(ROBUST_OFF, 0);
    k = wait_waiter(s, &l, "robust", waiter.pid, &r);
    ck_assert_msg(k >= 0, "the waiting child was not listed");
    ck_assert_int_eq(r.waiters[k].tid, waiter.tid);
    /* It sleeps on the lock word, __data.__lock, the mutex's first. */
    ck_assert_uint_eq(r.waiters[k].off, ROBUST_OFF);
    ck_assert_uint_eq(r.st.futex_off, ROBUST_OFF);
    ck_assert_int_eq(r.st.waiters_flag, 1);
    spy_lock_report_text(&r, text, sizeof text);
    ck_assert_msg(strstr(text, "1 thread waiting") != NULL, "text: %s", text);
    spy_lock_report_free(&r);
    /* The waiter goes first: killed while asleep, it takes nothing. */
    end_child(&waiter, SIGKILL);

    /* The owner's process ends holding it: the kernel marks the robust
     * mutex's owner dead, and the owner thread no longer exists. */
    end_child(&owner, 0);
    report(s, &l, "robust", &r);
    ck_assert_int_eq(r.st.owner_died, 1);
    ck_assert_int_eq(r.owner_dead, 1);
    spy_lock_report_text(&r, text, sizeof text);
    ck_assert_msg(strstr(text, "no longer exists: the lock is held by a "
                               "dead thread") != NULL,
                  "text: %s", text);
    ck_assert_uint_eq(r.nwaiters, 0);
    spy_lock_report_free(&r);
    spy_layout_free(&l);
    spy_seg_close(s);
}
END_TEST

START_TEST(test_plain_owner_gone) {
    spy_layout l;
    spy_seg *s = make_object();
    spy_lock_report r;
    child owner;
    char text[1024];
    spy_json j;
    FILE *f;
    char *doc = NULL;
    size_t doclen = 0;

    build_layout(&l);
    owner = spawn_locker(PLAIN_OFF, 1);
    end_child(&owner, 0);
    report(s, &l, "plain", &r);
    ck_assert_int_eq(r.st.locked, 1);
    ck_assert_int_eq(r.st.robust, 0);
    ck_assert_int_eq(r.st.owner_tid, owner.tid);
    ck_assert_int_eq(r.owner_looked_up, 1);
    ck_assert_int_eq(r.owner.exists, 0);
    ck_assert_int_eq(r.owner_dead, 1);
    spy_lock_report_text(&r, text, sizeof text);
    {
        char want[96];
        snprintf(want, sizeof want, "owner thread %d no longer exists",
                 owner.tid);
        ck_assert_msg(strstr(text, want) != NULL, "text: %s", text);
    }
    /* The JSON writer says the same. */
    f = open_memstream(&doc, &doclen);
    ck_assert(f != NULL);
    spy_json_init(&j, f, 0);
    spy_lock_report_json(&r, &j);
    spy_json_end(&j);
    fclose(f);
    ck_assert_msg(strstr(doc, "\"owner_dead\":true") != NULL, "%s", doc);
    ck_assert_msg(strstr(doc, "\"exists\":false") != NULL, "%s", doc);
    ck_assert_msg(strstr(doc, "\"lock\":\"mutex\"") != NULL, "%s", doc);
    free(doc);
    spy_lock_report_free(&r);
    spy_layout_free(&l);
    spy_seg_close(s);
}
END_TEST

int main(void) {
    Suite *s = suite_create("locks");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;
    snprintf(obj, sizeof obj, "/spyut-%d-olocks", (int)getpid());
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_robust_live_waiter_dead);
    tcase_add_test(tc, test_plain_owner_gone);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    shm_unlink(obj);
    return failed == 0 ? 0 : 1;
}
