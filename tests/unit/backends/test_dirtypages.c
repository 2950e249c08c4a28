/* test_dirtypages.c - soft-dirty pages of real processes: three children
 * share one 8-page memfd mapping (forked after the mmap, so at the same
 * address in each) and touch every page; the test clears their
 * soft-dirty bits, then writer A writes pages 1 and 3, writer B page 5,
 * and the reader reads every page; pagemap says exactly that: A {1,3},
 * B {5}, the reader nothing. A process that has exited is SPY_ENOENT; as
 * root, an unprivileged child reading our pagemap gets the one-line rule.
 * A kernel without soft-dirty bits (CONFIG_MEM_SOFT_DIRTY unset) makes
 * both calls SPY_ENOTSUP naming the option: the test checks that sentence
 * and says it skipped the rest. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/dirtypages.h"

#define NPAGES 8

typedef struct child {
    pid_t pid;
    int go[2];   /* test -> child: one byte to start writing */
    int done[2]; /* child -> test: one byte when ready, one when done */
} child;

static long page;

/* Forks a child on the shared mapping m: it touches every page, says
 * ready, waits for go, writes (or reads) the pages in `pages` (a list
 * ending in -1; NULL: read all), says done and sleeps until killed. */
static void spawn(child *c, volatile unsigned char *m, const int *pages) {
    ck_assert_int_eq(pipe(c->go), 0);
    ck_assert_int_eq(pipe(c->done), 0);
    c->pid = fork();
    ck_assert_int_ge(c->pid, 0);
    if (c->pid == 0) {
        char b = 0;
        unsigned sum = 0;
        int i;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (i = 0; i < NPAGES; i++)
            sum += m[(long)i * page];
        if (write(c->done[1], &b, 1) != 1 || read(c->go[0], &b, 1) != 1)
            _exit(1);
        if (pages == NULL)
            for (i = 0; i < NPAGES; i++)
                sum += m[(long)i * page + 7];
        else
            for (i = 0; pages[i] >= 0; i++)
                m[(long)pages[i] * page + 7] = (unsigned char)(sum + 1u);
        if (write(c->done[1], &b, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    {
        char b;
        ck_assert_int_eq(read(c->done[0], &b, 1), 1);
    }
}

static void go_and_wait(child *c) {
    char b = 1;
    ck_assert_int_eq(write(c->go[1], &b, 1), 1);
    ck_assert_int_eq(read(c->done[0], &b, 1), 1);
}

static void reap(child *c) {
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    close(c->go[0]);
    close(c->go[1]);
    close(c->done[0]);
    close(c->done[1]);
}

/* The dirty pages of c as a string of 0/1, one a page. */
static void dirty_of(const child *c, volatile unsigned char *m, char *out) {
    uint8_t d[NPAGES];
    spy_err e;
    int i, rc = spy_dirty_read(c->pid, (uint64_t)(uintptr_t)m, NPAGES, d, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    for (i = 0; i < NPAGES; i++)
        out[i] = d[i] ? '1' : '0';
    out[NPAGES] = '\0';
}

START_TEST(writers_attributed) {
    static const int a_pages[] = {1, 3, -1}, b_pages[] = {5, -1};
    volatile unsigned char *m;
    child a, b, r;
    spy_err e;
    char da[NPAGES + 1], db[NPAGES + 1], dr[NPAGES + 1];
    int fd = memfd_create("spy-dirty", 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, NPAGES * page), 0);
    m = mmap(NULL, (size_t)(NPAGES * page), PROT_READ | PROT_WRITE, MAP_SHARED,
             fd, 0);
    ck_assert_ptr_ne((void *)m, MAP_FAILED);
    close(fd);
    memset((void *)m, 0, (size_t)(NPAGES * page)); /* every page exists */
    spawn(&a, m, a_pages);
    spawn(&b, m, b_pages);
    spawn(&r, m, NULL);
    ck_assert_msg(spy_dirty_clear(a.pid, &e) == 0, "%s", e.msg);
    ck_assert_msg(spy_dirty_clear(b.pid, &e) == 0, "%s", e.msg);
    ck_assert_msg(spy_dirty_clear(r.pid, &e) == 0, "%s", e.msg);
    dirty_of(&a, m, da);
    ck_assert_str_eq(da, "00000000"); /* cleared */
    go_and_wait(&a);
    go_and_wait(&b);
    go_and_wait(&r);
    dirty_of(&a, m, da);
    dirty_of(&b, m, db);
    dirty_of(&r, m, dr);
    reap(&a);
    reap(&b);
    reap(&r);
    munmap((void *)m, (size_t)(NPAGES * page));
    ck_assert_str_eq(da, "01010000");
    ck_assert_str_eq(db, "00000100");
    ck_assert_str_eq(dr, "00000000");
}
END_TEST

START_TEST(gone_and_refused) {
    spy_err e;
    uint8_t d[1];
    pid_t gone = fork(), pid;
    int st;
    ck_assert_int_ge(gone, 0);
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    ck_assert_int_eq(spy_dirty_clear(gone, &e), SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no such process"));
    ck_assert_int_eq(spy_dirty_read(gone, 0, 1, d, &e), SPY_ENOENT);
    if (geteuid() != 0)
        return;
    /* as nobody, our pagemap and clear_refs are refused, saying the rule */
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        spy_err ce;
        int ok = 1;
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(3);
        if (spy_dirty_read(getppid(), 0, 1, d, &ce) != SPY_EACCES ||
            strstr(ce.msg, "same user or CAP_SYS_PTRACE") == NULL)
            ok = 0;
        if (spy_dirty_clear(getppid(), &ce) != SPY_EACCES ||
            strstr(ce.msg, "write access") == NULL)
            ok = 0;
        _exit(ok ? 0 : 4);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "unprivileged child: status %d", st);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("dirtypages");
    TCase *t = tcase_create("dirtypages");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, writers_attributed);
    tcase_add_test(t, gone_and_refused);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    SRunner *r;
    spy_err e;
    uint8_t d[1];
    int failed, rc;
    page = sysconf(_SC_PAGESIZE);
    rc = spy_dirty_clear((int)getpid(), &e);
    if (rc == SPY_ENOTSUP) {
        /* the refusal names the kernel option, and read says the same */
        if (strstr(e.msg, "CONFIG_MEM_SOFT_DIRTY") == NULL ||
            spy_dirty_read((int)getpid(), 0, 1, d, &e) != SPY_ENOTSUP) {
            printf("test_dirtypages: FAILED: unclear refusal: %s\n", e.msg);
            return EXIT_FAILURE;
        }
        printf("test_dirtypages: skipped: %s\n", e.msg);
        return 0;
    }
    if (rc != 0) {
        printf("test_dirtypages: FAILED: clearing our own bits: %s\n", e.msg);
        return EXIT_FAILURE;
    }
    r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
