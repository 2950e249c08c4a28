/* test_locks.c - unit tests for src/core/locks.c: REAL glibc objects
 * (a robust process-shared mutex, a recursive one, one whose owner thread
 * died, an rwlock, a condition variable, a semaphore) locked by real
 * threads, decoded through a layout built with offsetof() from glibc's
 * own headers, and again through that layout written to a layout file
 * and read back. Elsewhere (Windows) only the byte-level semaphore and
 * text tests run. */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "core/locks.h"
#include "../testutil.h"

START_TEST(test_sem_bytes) {
    uint8_t b[32];
    uint64_t w = 5 | ((uint64_t)2 << 32);
    uint32_t priv = 128; /* LLL_SHARED */
    spy_lock_state s;
    char t[128];

    memset(b, 0, sizeof b);
    memcpy(b, &w, 8);
    memcpy(b + 8, &priv, 4);
    spy_lock_decode_sem(b, sizeof b, &s);
    ck_assert_int_eq(s.kind, SPY_LOCK_SEM);
    ck_assert_int_eq(s.decoded, 1);
    ck_assert_uint_eq(s.sem_value, 5);
    ck_assert_uint_eq(s.sem_waiters, 2);
    ck_assert_int_eq(s.pshared, 1);
    spy_lock_text(&s, t, sizeof t);
    ck_assert_str_eq(t, "value 5, 2 waiters");
    spy_lock_decode_sem(b, 4, &s);
    ck_assert_int_eq(s.decoded, 0);
    spy_lock_text(&s, t, sizeof t);
    ck_assert_str_eq(t, "semaphore (layout unknown)");
}
END_TEST

START_TEST(test_text) {
    spy_lock_state s;
    char t[128];

    memset(&s, 0, sizeof s);
    s.kind = SPY_LOCK_MUTEX;
    s.decoded = 1;
    s.locked = 1;
    s.owner_tid = 4242;
    s.waiters_flag = 1;
    s.robust = 1;
    s.pshared = 1;
    spy_lock_text(&s, t, sizeof t);
    ck_assert_str_eq(t, "locked by tid 4242, waiters flag set (normal, "
                        "robust, shared)");
    s.locked = 0;
    s.waiters_flag = 0;
    s.owner_died = 1;
    spy_lock_text(&s, t, sizeof t);
    ck_assert_str_eq(t, "owner died holding it (robust), tid 4242 (normal, "
                        "robust, shared)");
    spy_lock_text(&s, t, 10);
    ck_assert_uint_eq(strlen(t), 9);
    s.kind = SPY_LOCK_RWLOCK;
    s.owner_tid = 0;
    s.readers = 2;
    spy_lock_text(&s, t, sizeof t);
    ck_assert_str_eq(t, "read-locked by 2 readers");
    s.kind = SPY_LOCK_COND;
    s.cond_waiters = 1;
    spy_lock_text(&s, t, sizeof t);
    ck_assert_str_eq(t, "1 waiter");
}
END_TEST

#if defined(__linux__) && defined(__GLIBC__)
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The shared struct the tests lock. */
struct shared {
    int counter;
    pthread_mutex_t m;  /* robust, process-shared, normal */
    pthread_mutex_t rm; /* recursive */
    pthread_rwlock_t rw;
    pthread_cond_t c;
    sem_t s;
};

static struct shared sh;

static uint32_t add(spy_layout *l, const char *name, spy_lkind k, uint64_t size,
                    uint32_t elem, uint64_t nelem) {
    spy_ltype t;
    spy_err e;
    uint32_t idx;

    memset(&t, 0, sizeof t);
    t.name = (char *)name;
    t.kind = k;
    t.size = size;
    t.is_signed = k == SPY_L_INT;
    t.elem = elem;
    t.nelem = nelem;
    ck_assert_msg(spy_layout_add_type(l, &t, &idx, &e) == 0, "%s", e.msg);
    return idx;
}

static void mem(spy_layout *l, uint32_t owner, const char *name, uint32_t type,
                uint64_t off) {
    spy_lmember m;
    spy_err e;

    memset(&m, 0, sizeof m);
    m.name = (char *)name;
    m.type = type;
    m.offset = off;
    ck_assert_msg(spy_layout_add_member(l, owner, &m, &e) == 0, "%s", e.msg);
}

/* The layout of struct shared, from glibc's headers by offsetof. */
static void build(spy_layout *l) {
    uint32_t ti, tu, tsig, tms, tm, trs, trw, tcs, tc, ts, top;
    spy_err e;

    spy_layout_init(l);
    ti = add(l, "int", SPY_L_INT, 4, 0, 0);
    tu = add(l, "unsigned int", SPY_L_UINT, 4, 0, 0);
    tsig = add(l, "unsigned int[2]", SPY_L_ARRAY, 8, tu, 2);
    tms = add(l, "struct __pthread_mutex_s", SPY_L_STRUCT,
              sizeof(struct __pthread_mutex_s), 0, 0);
    mem(l, tms, "__lock", ti, offsetof(struct __pthread_mutex_s, __lock));
    mem(l, tms, "__count", tu, offsetof(struct __pthread_mutex_s, __count));
    mem(l, tms, "__owner", ti, offsetof(struct __pthread_mutex_s, __owner));
    mem(l, tms, "__nusers", tu, offsetof(struct __pthread_mutex_s, __nusers));
    mem(l, tms, "__kind", ti, offsetof(struct __pthread_mutex_s, __kind));
    tm = add(l, "pthread_mutex_t", SPY_L_UNION, sizeof(pthread_mutex_t), 0, 0);
    mem(l, tm, "__data", tms, offsetof(pthread_mutex_t, __data));
    trs = add(l, "struct __pthread_rwlock_arch_t", SPY_L_STRUCT,
              sizeof(struct __pthread_rwlock_arch_t), 0, 0);
#define RWF(f) mem(l, trs, #f, ti, offsetof(struct __pthread_rwlock_arch_t, f))
    RWF(__readers);
    RWF(__writers);
    RWF(__wrphase_futex);
    RWF(__writers_futex);
    RWF(__cur_writer);
    RWF(__shared);
#undef RWF
    trw =
        add(l, "pthread_rwlock_t", SPY_L_UNION, sizeof(pthread_rwlock_t), 0, 0);
    mem(l, trw, "__data", trs, offsetof(pthread_rwlock_t, __data));
    tcs = add(l, "struct __pthread_cond_s", SPY_L_STRUCT,
              sizeof(struct __pthread_cond_s), 0, 0);
    mem(l, tcs, "__g_signals", tsig,
        offsetof(struct __pthread_cond_s, __g_signals));
    mem(l, tcs, "__wrefs", tu, offsetof(struct __pthread_cond_s, __wrefs));
    tc = add(l, "pthread_cond_t", SPY_L_UNION, sizeof(pthread_cond_t), 0, 0);
    mem(l, tc, "__data", tcs, offsetof(pthread_cond_t, __data));
    ts = add(l, "sem_t", SPY_L_UNION, sizeof(sem_t), 0, 0);
    top = add(l, "struct shared", SPY_L_STRUCT, sizeof(struct shared), 0, 0);
    mem(l, top, "counter", ti, offsetof(struct shared, counter));
    mem(l, top, "m", tm, offsetof(struct shared, m));
    mem(l, top, "rm", tm, offsetof(struct shared, rm));
    mem(l, top, "rw", trw, offsetof(struct shared, rw));
    mem(l, top, "c", tc, offsetof(struct shared, c));
    mem(l, top, "s", ts, offsetof(struct shared, s));
    l->root = top;
    ck_assert_msg(spy_layout_check(l, &e) == 0, "%s", e.msg);
}

static int use_file; /* decode through a layout file round trip */

static void layout_for_test(spy_layout *l) {
    build(l);
    if (use_file) {
        spy_layout l2;
        spy_err e;
        size_t n;
        char *text = spy_layout_format(l, &n);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(spy_layout_parse(text, n, &l2, &e) == 0, "%s", e.msg);
        free(text);
        spy_layout_free(l);
        *l = l2;
    }
}

static spy_lock_kind decode(spy_layout *l, const char *path,
                            spy_lock_state *s) {
    spy_lfield f;
    spy_err e;
    const uint8_t *p = (const uint8_t *)&sh;

    ck_assert_msg(spy_layout_field(l, l->root, 0, sizeof sh, path, &f, &e) == 0,
                  "%s", e.msg);
    return spy_lock_decode(l, &f, p + f.offset, sizeof sh - f.offset, s);
}

static int32_t my_tid(void) {
    return (int32_t)syscall(SYS_gettid);
}

static void init_shared(void) {
    pthread_mutexattr_t ma;
    pthread_rwlockattr_t ra;
    pthread_condattr_t ca;

    memset(&sh, 0, sizeof sh);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    ck_assert_int_eq(pthread_mutex_init(&sh.m, &ma), 0);
    pthread_mutexattr_destroy(&ma);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    ck_assert_int_eq(pthread_mutex_init(&sh.rm, &ma), 0);
    pthread_mutexattr_destroy(&ma);
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setpshared(&ra, PTHREAD_PROCESS_SHARED);
    ck_assert_int_eq(pthread_rwlock_init(&sh.rw, &ra), 0);
    pthread_rwlockattr_destroy(&ra);
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    ck_assert_int_eq(pthread_cond_init(&sh.c, &ca), 0);
    pthread_condattr_destroy(&ca);
    ck_assert_int_eq(sem_init(&sh.s, 1, 3), 0);
}

static void setup(void) {
    use_file = 0;
    init_shared();
}

START_TEST(test_mutex_robust) {
    spy_layout l;
    spy_lock_state s;
    char t[128];

    layout_for_test(&l);
    ck_assert_int_eq(decode(&l, "m", &s), SPY_LOCK_MUTEX);
    ck_assert_int_eq(s.decoded, 1);
    ck_assert_int_eq(s.locked, 0);
    ck_assert_int_eq(s.owner_tid, 0);
    ck_assert_int_eq(s.robust, 1);
    ck_assert_int_eq(s.pshared, 1);
    ck_assert_uint_eq(s.futex_off,
                      offsetof(struct shared, m) +
                          offsetof(pthread_mutex_t, __data.__lock));
    ck_assert_int_eq(pthread_mutex_lock(&sh.m), 0);
    decode(&l, "m", &s);
    ck_assert_int_eq(s.locked, 1);
    ck_assert_int_eq(s.owner_tid, my_tid());
    ck_assert_int_eq(s.owner_died, 0);
    ck_assert_int_eq(s.waiters_flag, 0);
    spy_lock_text(&s, t, sizeof t);
    ck_assert_ptr_nonnull(strstr(t, "locked by tid "));
    ck_assert_int_eq(pthread_mutex_unlock(&sh.m), 0);
    decode(&l, "m", &s);
    ck_assert_int_eq(s.locked, 0);
    ck_assert_int_eq(s.owner_tid, 0);
    spy_lock_text(&s, t, sizeof t);
    ck_assert_str_eq(t, "unlocked (normal, robust, shared)");
    /* The __data struct itself decodes too. */
    {
        spy_lfield f;
        spy_err e;
        ck_assert(spy_layout_field(&l, l.root, 0, sizeof sh, "m.__data", &f,
                                   &e) == 0);
        ck_assert_int_eq(spy_lock_decode(&l, &f,
                                         (const uint8_t *)&sh + f.offset,
                                         sizeof sh - f.offset, &s),
                         SPY_LOCK_MUTEX);
        ck_assert_int_eq(s.decoded, 1);
        ck_assert_int_eq(s.robust, 1);
    }
    spy_layout_free(&l);
}
END_TEST

static int32_t dead_tid;

static void *lock_and_die(void *arg) {
    (void)arg;
    dead_tid = my_tid();
    if (pthread_mutex_lock(&sh.m) != 0)
        abort();
    return NULL; /* exits holding it: the kernel marks it owner-died */
}

START_TEST(test_mutex_owner_died) {
    spy_layout l;
    spy_lock_state s;
    pthread_t th;
    char t[128];

    layout_for_test(&l);
    ck_assert_int_eq(pthread_create(&th, NULL, lock_and_die, NULL), 0);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    decode(&l, "m", &s);
    ck_assert_int_eq(s.owner_died, 1);
    ck_assert_int_eq(s.locked, 0);
    ck_assert_int_eq(s.owner_tid, dead_tid);
    spy_lock_text(&s, t, sizeof t);
    ck_assert_ptr_nonnull(strstr(t, "owner died holding it (robust)"));
    ck_assert_int_eq(pthread_mutex_lock(&sh.m), EOWNERDEAD);
    decode(&l, "m", &s);
    ck_assert_int_eq(s.locked, 1);
    ck_assert_int_eq(s.inconsistent, 1);
    ck_assert_int_eq(pthread_mutex_consistent(&sh.m), 0);
    decode(&l, "m", &s);
    ck_assert_int_eq(s.inconsistent, 0);
    ck_assert_int_eq(s.owner_tid, my_tid());
    ck_assert_int_eq(pthread_mutex_unlock(&sh.m), 0);
    decode(&l, "m", &s);
    ck_assert_int_eq(s.locked, 0);
    spy_layout_free(&l);
}
END_TEST

START_TEST(test_mutex_recursive) {
    spy_layout l;
    spy_lock_state s;

    layout_for_test(&l);
    ck_assert_int_eq(pthread_mutex_lock(&sh.rm), 0);
    ck_assert_int_eq(pthread_mutex_lock(&sh.rm), 0);
    ck_assert_int_eq(pthread_mutex_lock(&sh.rm), 0);
    ck_assert_int_eq(decode(&l, "rm", &s), SPY_LOCK_MUTEX);
    ck_assert_int_eq(s.mutex_type, PTHREAD_MUTEX_RECURSIVE);
    ck_assert_int_eq(s.robust, 0);
    ck_assert_int_eq(s.locked, 1);
    ck_assert_uint_eq(s.count, 3);
    ck_assert_int_eq(s.owner_tid, my_tid());
    pthread_mutex_unlock(&sh.rm);
    decode(&l, "rm", &s);
    ck_assert_uint_eq(s.count, 2);
    pthread_mutex_unlock(&sh.rm);
    pthread_mutex_unlock(&sh.rm);
    decode(&l, "rm", &s);
    ck_assert_int_eq(s.locked, 0);
    ck_assert_uint_eq(s.count, 0);
    ck_assert_int_eq(s.owner_tid, 0);
    spy_layout_free(&l);
}
END_TEST

START_TEST(test_rwlock) {
    spy_layout l;
    spy_lock_state s;
    char t[128];

    layout_for_test(&l);
    ck_assert_int_eq(decode(&l, "rw", &s), SPY_LOCK_RWLOCK);
    ck_assert_int_eq(s.decoded, 1);
    ck_assert_int_eq(s.locked, 0);
    ck_assert_int_eq(s.pshared, 1);
    ck_assert_uint_eq(s.futex_off,
                      offsetof(struct shared, rw) +
                          offsetof(pthread_rwlock_t, __data.__wrphase_futex));
    ck_assert_int_eq(pthread_rwlock_rdlock(&sh.rw), 0);
    ck_assert_int_eq(pthread_rwlock_rdlock(&sh.rw), 0);
    decode(&l, "rw", &s);
    ck_assert_uint_eq(s.readers, 2);
    ck_assert_int_eq(s.locked, 1);
    ck_assert_int_eq(s.owner_tid, 0);
    spy_lock_text(&s, t, sizeof t);
    ck_assert_str_eq(t, "read-locked by 2 readers");
    pthread_rwlock_unlock(&sh.rw);
    pthread_rwlock_unlock(&sh.rw);
    decode(&l, "rw", &s);
    ck_assert_int_eq(s.locked, 0);
    ck_assert_int_eq(pthread_rwlock_wrlock(&sh.rw), 0);
    decode(&l, "rw", &s);
    ck_assert_int_eq(s.locked, 1);
    ck_assert_uint_eq(s.readers, 0);
    ck_assert_int_eq(s.owner_tid, my_tid());
    pthread_rwlock_unlock(&sh.rw);
    decode(&l, "rw", &s);
    ck_assert_int_eq(s.locked, 0);
    ck_assert_int_eq(s.owner_tid, 0);
    spy_layout_free(&l);
}
END_TEST

static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static int go;

static void *cond_waiter(void *arg) {
    (void)arg;
    pthread_mutex_lock(&cm);
    while (!go)
        pthread_cond_wait(&sh.c, &cm);
    pthread_mutex_unlock(&cm);
    return NULL;
}

static void *sem_waiter(void *arg) {
    (void)arg;
    while (sem_wait(&sh.s) != 0 && errno == EINTR)
        ;
    return NULL;
}

static void sleep_ms(int ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

START_TEST(test_cond) {
    spy_layout l;
    spy_lock_state s;
    pthread_t th;
    int i;

    layout_for_test(&l);
    ck_assert_int_eq(decode(&l, "c", &s), SPY_LOCK_COND);
    ck_assert_int_eq(s.decoded, 1);
    ck_assert_uint_eq(s.cond_waiters, 0);
    ck_assert_int_eq(s.pshared, 1);
    ck_assert_uint_eq(s.futex_off,
                      offsetof(struct shared, c) +
                          offsetof(pthread_cond_t, __data.__g_signals));
    go = 0;
    ck_assert_int_eq(pthread_create(&th, NULL, cond_waiter, NULL), 0);
    for (i = 0; i < 5000; i++) {
        decode(&l, "c", &s);
        if (s.cond_waiters == 1)
            break;
        sleep_ms(1);
    }
    ck_assert_uint_eq(s.cond_waiters, 1);
    pthread_mutex_lock(&cm);
    go = 1;
    pthread_cond_broadcast(&sh.c);
    pthread_mutex_unlock(&cm);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    decode(&l, "c", &s);
    ck_assert_uint_eq(s.cond_waiters, 0);
    spy_layout_free(&l);
}
END_TEST

START_TEST(test_sem) {
    spy_layout l;
    spy_lock_state s;
    pthread_t th;
    int v, i;

    layout_for_test(&l);
    ck_assert_int_eq(decode(&l, "s", &s), SPY_LOCK_SEM);
    ck_assert_int_eq(sem_getvalue(&sh.s, &v), 0);
    ck_assert_uint_eq(s.sem_value, (unsigned)v);
    ck_assert_uint_eq(s.sem_value, 3);
    ck_assert_uint_eq(s.sem_waiters, 0);
    ck_assert_int_eq(s.pshared, 1);
    ck_assert_uint_eq(s.futex_off, offsetof(struct shared, s));
    sem_wait(&sh.s);
    sem_wait(&sh.s);
    sem_wait(&sh.s);
    decode(&l, "s", &s);
    ck_assert_int_eq(sem_getvalue(&sh.s, &v), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_uint_eq(s.sem_value, 0);
    /* A thread blocked in sem_wait is counted by glibc. */
    ck_assert_int_eq(pthread_create(&th, NULL, sem_waiter, NULL), 0);
    for (i = 0; i < 5000; i++) {
        decode(&l, "s", &s);
        if (s.sem_waiters == 1)
            break;
        sleep_ms(1);
    }
    ck_assert_uint_eq(s.sem_waiters, 1);
    sem_post(&sh.s);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    decode(&l, "s", &s);
    ck_assert_uint_eq(s.sem_waiters, 0);
    ck_assert_uint_eq(s.sem_value, 0);
    sem_post(&sh.s);
    decode(&l, "s", &s);
    ck_assert_int_eq(sem_getvalue(&sh.s, &v), 0);
    ck_assert_uint_eq(s.sem_value, (unsigned)v);
    /* The named-semaphore reader agrees on the same bytes. */
    {
        spy_lock_state n;
        spy_lock_decode_sem((const uint8_t *)&sh.s, sizeof sh.s, &n);
        ck_assert_uint_eq(n.sem_value, 1);
    }
    spy_layout_free(&l);
}
END_TEST

START_TEST(test_not_locks) {
    spy_layout l;
    spy_lock_state s;
    spy_lfield f;
    spy_err e;

    layout_for_test(&l);
    ck_assert_int_eq(decode(&l, "counter", &s), SPY_LOCK_NONE);
    ck_assert_int_eq(spy_lock_kind_of(&l, l.root), SPY_LOCK_NONE);
    ck_assert_int_eq(spy_lock_kind_of(&l, spy_layout_find(&l, "sem_t")),
                     SPY_LOCK_SEM);
    ck_assert_int_eq(spy_lock_kind_of(&l, SPY_LAYOUT_NONE), SPY_LOCK_NONE);
    /* Too few bytes: the kind, not decoded. */
    ck_assert(spy_layout_field(&l, l.root, 0, sizeof sh, "m", &f, &e) == 0);
    ck_assert_int_eq(
        spy_lock_decode(&l, &f, (const uint8_t *)&sh + f.offset, 2, &s),
        SPY_LOCK_MUTEX);
    ck_assert_int_eq(s.decoded, 0);
    spy_layout_free(&l);
}
END_TEST

static void by_file(void) {
    use_file = 1;
    init_shared();
}
#endif

static Suite *locks_suite(void) {
    Suite *s = suite_create("locks");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_sem_bytes);
    tcase_add_test(tc, test_text);
    suite_add_tcase(s, tc);
#if defined(__linux__) && defined(__GLIBC__)
    {
        /* The same tests twice: the layout as built, and as read back
         * from its layout file. */
        TCase *g = tcase_create("glibc");
        TCase *gf = tcase_create("glibc-file");
        TCase *both[2] = {g, gf};
        int i;
        tcase_add_checked_fixture(g, setup, NULL);
        tcase_add_checked_fixture(gf, by_file, NULL);
        for (i = 0; i < 2; i++) {
            tcase_add_test(both[i], test_mutex_robust);
            tcase_add_test(both[i], test_mutex_owner_died);
            tcase_add_test(both[i], test_mutex_recursive);
            tcase_add_test(both[i], test_rwlock);
            tcase_add_test(both[i], test_cond);
            tcase_add_test(both[i], test_sem);
            tcase_add_test(both[i], test_not_locks);
            suite_add_tcase(s, both[i]);
        }
    }
#endif
    return s;
}

int main(void) {
    return run_suite(locks_suite());
}
