/* test_thread.c - backends/thread.h: threads, the monitor, the processor
 * count. Runs on Linux (pthreads) and, cross-built, under Wine (Win32
 * threads, SRWLOCK, CONDITION_VARIABLE).
 * Portable: runs on Windows too.
 * ctest-labels: tsan */
#include <check.h>
#include <stdio.h>

#include "backends/thread.h"
#include "../testutil.h"

typedef struct counter {
    spy_monitor *m;
    int go;      /* set once every thread has started */
    int arrived; /* threads that saw go */
    long total;  /* incremented under the lock */
} counter;

static void count_up(void *arg) {
    counter *c = arg;
    int i;
    spy_monitor_lock(c->m);
    while (!c->go)
        spy_monitor_wait(c->m);
    c->arrived++;
    spy_monitor_broadcast(c->m);
    spy_monitor_unlock(c->m);
    for (i = 0; i < 10000; i++) {
        spy_monitor_lock(c->m);
        c->total++;
        spy_monitor_unlock(c->m);
    }
}

/* Threads start, wait on the monitor for a broadcast, count under its
 * lock without losing an increment, and are joined. */
START_TEST(test_threads) {
    counter c = {NULL, 0, 0, 0};
    spy_thread *t[4];
    spy_err e;
    int i;

    ck_assert_uint_ge(spy_cpu_count(), 1);
    ck_assert_int_eq(spy_monitor_new(&c.m, &e), 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(spy_thread_start(count_up, &c, &t[i], &e), 0);
    spy_monitor_lock(c.m);
    c.go = 1;
    spy_monitor_broadcast(c.m);
    while (c.arrived < 4)
        spy_monitor_wait(c.m);
    spy_monitor_unlock(c.m);
    for (i = 0; i < 4; i++)
        spy_thread_join(t[i]);
    ck_assert_int_eq(c.total, 40000);
    spy_monitor_free(c.m);
}
END_TEST

/* A join returns only after the thread's function has run. */
static void set_flag(void *arg) {
    *(volatile int *)arg = 1;
}

START_TEST(test_join_waits) {
    volatile int flag = 0;
    spy_thread *t;
    spy_err e;
    int i;
    for (i = 0; i < 50; i++) {
        flag = 0;
        ck_assert_int_eq(spy_thread_start(set_flag, (void *)&flag, &t, &e), 0);
        spy_thread_join(t);
        ck_assert_int_eq(flag, 1);
    }
    spy_thread_join(NULL); /* harmless */
}
END_TEST

int main(void) {
    Suite *s = suite_create("thread");
    TCase *tc = tcase_create("thread");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_join_waits);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
