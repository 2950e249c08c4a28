/* test_procmem.c - spy_procmem_read reads another process's memory at its
 * address, refuses what lies outside the mapping it is given, and says
 * when the memory is unmapped, the process gone or its memory refused. */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/procmem.h"

typedef struct child {
    pid_t pid;
    uint64_t addr; /* two pages; the second is unmapped */
    int release;   /* write end: closing it ends the child */
} child;

static uint8_t pattern(size_t i) {
    return (uint8_t)(i * 7 + 3);
}

/* Forks a child that maps two pages, fills the first with pattern(),
 * unmaps the second, reports the address and waits until released. */
static child spawn(void) {
    int ready[2], release[2];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    child c;

    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(release), 0);
    c.pid = fork();
    ck_assert_int_ge(c.pid, 0);
    if (c.pid == 0) {
        uint8_t *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        uint64_t a = (uint64_t)(uintptr_t)p;
        size_t i;
        char b;
        if (p == MAP_FAILED || munmap(p + page, page) != 0)
            _exit(2);
        for (i = 0; i < page; i++)
            p[i] = pattern(i);
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

static void finish(child *c) {
    int st;
    close(c->release);
    ck_assert_int_eq(waitpid(c->pid, &st, 0), c->pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

START_TEST(test_reads_at_the_address) {
    child c = spawn();
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint8_t *buf = malloc(page);
    spy_err e;
    size_t i;

    ck_assert_int_eq(
        spy_procmem_read(c.pid, c.addr, c.addr + page, c.addr, buf, page, &e),
        0);
    for (i = 0; i < page; i++)
        ck_assert_uint_eq(buf[i], pattern(i));
    /* The last byte of the mapping, alone. */
    ck_assert_int_eq(spy_procmem_read(c.pid, c.addr, c.addr + page,
                                      c.addr + page - 1, buf, 1, &e),
                     0);
    ck_assert_uint_eq(buf[0], pattern(page - 1));
    /* Nothing to read is not an error. */
    ck_assert_int_eq(
        spy_procmem_read(c.pid, c.addr, c.addr + page, c.addr, buf, 0, &e), 0);
    finish(&c);
    free(buf);
}
END_TEST

START_TEST(test_outside_the_mapping_is_refused) {
    child c = spawn();
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint8_t buf[16];
    spy_err e;

    memset(buf, 0xee, sizeof buf);
    /* Below the start, past the end, and a length that wraps around. */
    ck_assert_int_eq(
        spy_procmem_read(c.pid, c.addr + 8, c.addr + page, c.addr, buf, 4, &e),
        SPY_ERANGE);
    ck_assert_int_eq(
        spy_procmem_read(c.pid, c.addr, c.addr + 8, c.addr + 4, buf, 8, &e),
        SPY_ERANGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "outside its mapping"));
    ck_assert_int_eq(spy_procmem_read(c.pid, c.addr, c.addr + page, c.addr + 1,
                                      buf, SIZE_MAX, &e),
                     SPY_ERANGE);
    ck_assert_uint_eq(buf[0], 0xee); /* nothing was read */
    finish(&c);
}
END_TEST

START_TEST(test_unmapped_is_efault) {
    child c = spawn();
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint8_t buf[32];
    spy_err e;

    /* The caller's idea of the mapping is stale: its second page is gone. */
    ck_assert_int_eq(spy_procmem_read(c.pid, c.addr, c.addr + 2 * page,
                                      c.addr + page, buf, 8, &e),
                     SPY_EFAULT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no longer mapped"));
    /* Across the edge: the part that is mapped is not enough. */
    ck_assert_int_eq(spy_procmem_read(c.pid, c.addr, c.addr + 2 * page,
                                      c.addr + page - 16, buf, 32, &e),
                     SPY_EFAULT);
    finish(&c);
}
END_TEST

START_TEST(test_exited_is_enoent) {
    child c = spawn();
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint8_t b;
    spy_err e;

    finish(&c);
    ck_assert_int_eq(
        spy_procmem_read(c.pid, c.addr, c.addr + page, c.addr, &b, 1, &e),
        SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "has exited"));
}
END_TEST

/* As root: a child that drops to another user may not read our memory;
 * it must be told so (SPY_EACCES), not read it. */
START_TEST(test_refused_without_ptrace_access) {
    static uint8_t secret[64] = {1, 2, 3};
    uint64_t a = (uint64_t)(uintptr_t)secret;
    pid_t parent = getpid(), pid;
    int st;

    if (geteuid() != 0)
        return; /* needs root to become another user */
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        uint8_t b[64];
        spy_err e;
        int rc;
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        rc = spy_procmem_read(parent, a, a + sizeof secret, a, b, sizeof b, &e);
        _exit(rc == SPY_EACCES && strstr(e.msg, "ptrace") != NULL ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

int main(void) {
    Suite *s = suite_create("procmem");
    TCase *tc = tcase_create("procmem");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_reads_at_the_address);
    tcase_add_test(tc, test_outside_the_mapping_is_refused);
    tcase_add_test(tc, test_unmapped_is_efault);
    tcase_add_test(tc, test_exited_is_enoent);
    tcase_add_test(tc, test_refused_without_ptrace_access);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
