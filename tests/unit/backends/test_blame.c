/* test_blame.c - hardware watchpoints on real processes (backends/blame.h):
 * a forked child maps a POSIX object and, when told, writes a counter N
 * times from child_write and a neighbour word once; blame armed on the
 * counter sees exactly N hits, each with the child's pid and tid and an
 * instruction pointer just after an instruction of child_write (x86 traps
 * after the access). A thread the child starts after blame armed it is
 * found by spy_blame_rescan; a process that maps the object only after
 * blame started is found too (allow_none). Bad requests are refused
 * before anything is armed: a misaligned offset, a length that is not 1,
 * 2, 4 or 8, five offsets, an offset past the end. A kernel that offers no
 * hardware breakpoints makes each test say so and pass without
 * checking. */
#include <check.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/blame.h"
#include "backends/seg.h"

#define SEG_SIZE 4096
#define OFF 64  /* the watched counter */
#define NEAR 68 /* its neighbour: never watched */
#define WRITES 5

static char seg_name[64];

static void name_seg(void) {
    snprintf(seg_name, sizeof seg_name, "/spy_test_blame_%d", (int)getpid());
    shm_unlink(seg_name);
}

/* Creates the object (and maps it here: a child forked after this
 * inherits that mapping, so it maps the object twice). */
static spy_seg *make_seg(void) {
    spy_name n;
    spy_seg *s;
    spy_err e;
    name_seg();
    ck_assert_int_eq(spy_name_parse(seg_name, &n, &e), 0);
    ck_assert_msg(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE, SEG_SIZE, 0600,
                               &s, &e) == 0,
                  "%s", e.msg);
    return s;
}

static void drop_seg(spy_seg *s) {
    spy_seg_close(s);
    shm_unlink(seg_name);
}

/* Writes the counter once; noinline so the trap lands in it. */
static __attribute__((noinline)) void child_write(volatile uint32_t *p) {
    *p = *p + 1;
}
static __attribute__((noinline)) void child_write_end(void) {
}

static volatile uint32_t *child_map(void) {
    int fd = shm_open(seg_name, O_RDWR, 0);
    void *m;
    if (fd < 0)
        _exit(90);
    m = mmap(NULL, SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        _exit(91);
    return (volatile uint32_t *)m;
}

typedef struct child {
    pid_t pid;
    int go;   /* write end: one byte per command */
    int done; /* read end: one byte per finished command */
} child;

/* In the child: the pipes and the mapping. */
static int c_go = -1, c_done = -1;
static volatile uint32_t *c_base;

static void ack(void) {
    if (write(c_done, "k", 1) != 1)
        _exit(93);
}

/* Serves commands until 'q' or EOF: 'w' WRITES writes of the counter
 * (and one of its neighbour), mapping first if not yet mapped; 'T' hands
 * the serving over to a new thread (which acknowledges the 'T'). */
static void *serve(void *arg) {
    char cmd;
    if (arg != NULL)
        ack();
    while (read(c_go, &cmd, 1) == 1) {
        int i;
        if (cmd == 'q')
            break;
        if (c_base == NULL)
            c_base = child_map();
        if (cmd == 'w') {
            for (i = 0; i < WRITES; i++)
                child_write(c_base + OFF / 4);
            c_base[NEAR / 4] = 7;
        } else if (cmd == 'T') {
            pthread_t th;
            if (pthread_create(&th, NULL, serve, (void *)1) != 0)
                _exit(92);
            pthread_join(th, NULL);
            return NULL;
        }
        ack();
    }
    return NULL;
}

/* late 0: maps at once; 1: maps at its first command (a late mapper). */
static void child_start(child *c, int late) {
    int go[2], done[2];
    ck_assert_int_eq(pipe(go), 0);
    ck_assert_int_eq(pipe(done), 0);
    c->pid = fork();
    ck_assert_int_ge(c->pid, 0);
    if (c->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(go[1]);
        close(done[0]);
        c_go = go[0];
        c_done = done[1];
        if (!late)
            c_base = child_map();
        ack(); /* ready */
        serve(NULL);
        _exit(0);
    }
    close(go[0]);
    close(done[1]);
    c->go = go[1];
    c->done = done[0];
    {
        char k;
        ck_assert_int_eq(read(c->done, &k, 1), 1);
    }
}

static void child_do(child *c, char cmd) {
    char k;
    ck_assert_int_eq(write(c->go, &cmd, 1), 1);
    ck_assert_int_eq(read(c->done, &k, 1), 1);
}

static void child_end(child *c) {
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    close(c->go);
    close(c->done);
}

typedef struct seen {
    spy_blame_hit h[64];
    int n;
} seen;

static int collect(const spy_blame_hit *h, void *arg) {
    seen *s = arg;
    if (s->n < 64)
        s->h[s->n] = *h;
    s->n++;
    return 0;
}

/* Waits until want hits came (or 2 s), then 200 ms more for extras. */
static void gather(spy_blame *b, seen *s, int want) {
    spy_err e;
    int i;
    for (i = 0; i < 40 && s->n < want; i++)
        ck_assert_int_eq(spy_blame_wait(b, 50, collect, s, &e), 0);
    ck_assert_int_eq(spy_blame_wait(b, 200, collect, s, &e), 0);
}

/* 1 when the kernel offers hardware breakpoints; otherwise says so. */
static int start_or_skip(spy_seg *s, const spy_blame_opts *o, int allow_none,
                         spy_blame **b) {
    spy_err e;
    int rc = spy_blame_start(s, o, allow_none, b, &e);
    if (rc == SPY_ENOTSUP) {
        printf("skipped: %s\n", e.msg);
        return 0;
    }
    ck_assert_msg(rc == 0, "spy_blame_start: %s", e.msg);
    return 1;
}

static void check_hit(const spy_blame_hit *h, pid_t pid, int tid) {
    uint64_t lo = (uint64_t)(uintptr_t)&child_write;
    uint64_t hi = (uint64_t)(uintptr_t)&child_write_end;
    ck_assert_int_eq(h->pid, pid);
    ck_assert_int_eq(h->tid, tid);
    ck_assert_uint_eq(h->off, OFF);
    ck_assert_uint_eq(h->slot, 0);
    /* the child is a fork of us: its text is at our addresses */
    ck_assert_msg(h->ip > lo && h->ip <= (hi > lo ? hi : lo + 64),
                  "ip 0x%" PRIx64 " not just after an instruction of "
                  "child_write (0x%" PRIx64 "..)",
                  h->ip, lo);
    ck_assert_ptr_nonnull(h->comm);
}

START_TEST(one_hit_per_write) {
    spy_seg *s = make_seg();
    spy_blame_opts o = {{OFF}, 1, 4, 0};
    spy_blame_stats st;
    spy_blame *b;
    seen got = {0};
    child c;
    int i;

    child_start(&c, 0);
    child_do(&c, 'w'); /* mapped and written: before blame, not seen */
    if (!start_or_skip(s, &o, 0, &b)) {
        child_end(&c);
        drop_seg(s);
        return;
    }
    spy_blame_stats_get(b, &st);
    ck_assert_uint_eq(st.processes, 1);
    ck_assert_uint_eq(st.threads, 1);
    child_do(&c, 'w');
    gather(b, &got, WRITES);
    ck_assert_int_eq(got.n, WRITES);
    for (i = 0; i < got.n; i++) {
        check_hit(&got.h[i], c.pid, c.pid);
        if (i > 0)
            ck_assert_uint_ge(got.h[i].time_ns, got.h[i - 1].time_ns);
    }
    spy_blame_stats_get(b, &st);
    ck_assert_uint_eq(st.hits, WRITES);
    ck_assert_uint_eq(st.lost, 0);
    /* the child exits: its events are let go */
    child_do(&c, 'w');
    gather(b, &got, 2 * WRITES);
    ck_assert_int_eq(got.n, 2 * WRITES);
    child_end(&c); /* killed: POLLHUP, its event closed */
    {
        spy_err e;
        for (i = 0; i < 10; i++)
            ck_assert_int_eq(spy_blame_wait(b, 20, collect, &got, &e), 0);
    }
    spy_blame_stats_get(b, &st);
    ck_assert_uint_eq(st.threads, 0);
    spy_blame_stop(b);
    drop_seg(s);
}
END_TEST

START_TEST(late_thread_found_by_rescan) {
    spy_seg *s = make_seg();
    spy_blame_opts o = {{OFF}, 1, 4, 0};
    spy_blame *b;
    spy_blame_stats st;
    spy_err e;
    seen got = {0};
    child c;
    int i;

    child_start(&c, 0);
    if (!start_or_skip(s, &o, 0, &b)) {
        child_end(&c);
        drop_seg(s);
        return;
    }
    child_do(&c, 'T'); /* a new thread now serves: not armed yet */
    ck_assert_int_eq(spy_blame_rescan(b, &e), 0);
    spy_blame_stats_get(b, &st);
    ck_assert_uint_eq(st.threads, 2);
    child_do(&c, 'w'); /* written by the new thread */
    gather(b, &got, WRITES);
    ck_assert_int_eq(got.n, WRITES);
    ck_assert_int_ne(got.h[0].tid, c.pid);
    for (i = 0; i < got.n; i++)
        check_hit(&got.h[i], c.pid, got.h[0].tid);
    child_end(&c);
    spy_blame_stop(b);
    drop_seg(s);
}
END_TEST

START_TEST(late_mapper_found_by_rescan) {
    spy_seg *s;
    spy_blame_opts o = {{OFF}, 1, 4, 0};
    spy_blame *b;
    spy_blame_stats st;
    spy_err e;
    seen got = {0};
    child c;
    int i;

    name_seg();
    child_start(&c, 1); /* forked before the object exists: maps it late */
    s = make_seg();
    i = spy_blame_start(s, &o, 0, &b, &e);
    ck_assert_msg(i == SPY_ENOENT || i == SPY_ENOTSUP, "%d %s", i, e.msg);
    if (!start_or_skip(s, &o, 1, &b)) {
        child_end(&c);
        drop_seg(s);
        return;
    }
    spy_blame_stats_get(b, &st);
    ck_assert_uint_eq(st.threads, 0);
    child_do(&c, 'w'); /* maps, then writes before any rescan: unseen */
    /* new processes are looked for every 500 ms (FULL_SCAN_MS) */
    ck_assert_int_eq(spy_blame_rescan(b, &e), 0);
    spy_blame_stats_get(b, &st);
    ck_assert_uint_eq(st.processes, 0);
    usleep(600 * 1000);
    ck_assert_int_eq(spy_blame_rescan(b, &e), 0);
    spy_blame_stats_get(b, &st);
    ck_assert_uint_eq(st.processes, 1);
    child_do(&c, 'w');
    gather(b, &got, WRITES);
    ck_assert_int_eq(got.n, WRITES);
    for (i = 0; i < got.n; i++)
        check_hit(&got.h[i], c.pid, c.pid);
    child_end(&c);
    spy_blame_stop(b);
    drop_seg(s);
}
END_TEST

START_TEST(bad_requests_refused) {
    spy_seg *s = make_seg();
    spy_blame *b = NULL;
    spy_err e;
    spy_blame_opts misaligned = {{66}, 1, 4, 0};
    spy_blame_opts badlen = {{64}, 1, 3, 0};
    spy_blame_opts five = {{0, 8, 16, 24}, 5, 8, 0};
    spy_blame_opts past = {{SEG_SIZE}, 1, 4, 0};
    spy_blame_opts none = {{0}, 0, 4, 0};

    ck_assert_int_eq(spy_blame_start(s, &misaligned, 1, &b, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "not aligned"));
    ck_assert_ptr_null(b);
    ck_assert_int_eq(spy_blame_start(s, &badlen, 1, &b, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "1, 2, 4 or 8"));
    ck_assert_int_eq(spy_blame_start(s, &five, 1, &b, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "at most 4 offsets"));
    ck_assert_int_eq(spy_blame_start(s, &past, 1, &b, &e), SPY_ERANGE);
    ck_assert_int_eq(spy_blame_start(s, &none, 1, &b, &e), SPY_EINVAL);
    ck_assert_ptr_null(b);
    drop_seg(s);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("blame");
    TCase *t = tcase_create("blame");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, one_hit_per_write);
    tcase_add_test(t, late_thread_found_by_rescan);
    tcase_add_test(t, late_mapper_found_by_rescan);
    tcase_add_test(t, bad_requests_refused);
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
