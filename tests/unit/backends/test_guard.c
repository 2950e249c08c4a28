/* test_guard.c - spy_copy_guarded turns real faults into results, and
 * leaves genuine crashes elsewhere alone. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/guard.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

START_TEST(test_prot_none_is_accerr) {
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *p =
        mmap(NULL, (size_t)pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t buf[8];
    spy_fault f;
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(spy_copy_guarded(buf, p + 8, 8, &f), SPY_EFAULT);
    ck_assert_int_eq(f.sig, SIGSEGV);
    ck_assert_str_eq(f.sig_name, "SIGSEGV");
    ck_assert_str_eq(f.code_name, "SEGV_ACCERR");
    ck_assert_int_eq(f.kind, SPY_FAULT_PROT);
    ck_assert_uint_eq(f.addr, (uintptr_t)(p + 8));
    /* The guard is reusable: the next copy of good memory works. */
    ck_assert_int_eq(mprotect(p, (size_t)pg, PROT_READ | PROT_WRITE), 0);
    memcpy(p, "restored", 8);
    ck_assert_int_eq(spy_copy_guarded(buf, p, 8, &f), 0);
    ck_assert_int_eq(f.sig, 0);
    ck_assert_int_eq(memcmp(buf, "restored", 8), 0);
    munmap(p, (size_t)pg);
}
END_TEST

START_TEST(test_unmapped_is_maperr) {
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *p =
        mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t buf[4];
    spy_fault f;
    ck_assert_ptr_ne(p, MAP_FAILED);
    munmap(p, (size_t)pg); /* use after munmap */
    ck_assert_int_eq(spy_copy_guarded(buf, p, 4, &f), SPY_EFAULT);
    ck_assert_str_eq(f.code_name, "SEGV_MAPERR");
    ck_assert_int_eq(f.kind, SPY_FAULT_UNMAPPED);
    ck_assert_uint_eq(f.addr, (uintptr_t)p);
}
END_TEST

START_TEST(test_write_to_readonly_faults) {
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *p =
        mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    spy_fault f;
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(spy_copy_guarded(p, "x", 1, &f), SPY_EFAULT);
    ck_assert_str_eq(f.code_name, "SEGV_ACCERR");
    ck_assert_int_eq(f.kind, SPY_FAULT_PROT);
    munmap(p, (size_t)pg);
}
END_TEST

START_TEST(test_past_end_of_file_is_sigbus) {
    char path[] = "/tmp/spyut-guard-XXXXXX";
    long pg = sysconf(_SC_PAGESIZE);
    int fd = mkstemp(path);
    uint8_t *p, buf[4];
    spy_fault f;
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(ftruncate(fd, 2 * pg), 0);
    p = mmap(NULL, (size_t)(2 * pg), PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(ftruncate(fd, 10), 0); /* shrink under the mapping */
    ck_assert_int_eq(spy_copy_guarded(buf, p + pg + 4, 4, &f), SPY_EFAULT);
    ck_assert_int_eq(f.sig, SIGBUS);
    ck_assert_str_eq(f.code_name, "BUS_ADRERR");
    ck_assert_int_eq(f.kind, SPY_FAULT_NOBACKING);
    ck_assert_uint_eq(f.addr, (uintptr_t)(p + pg + 4));
    /* Within the first page, past size 10 but before the page end: the
     * kernel gives zeros, no fault. */
    ck_assert_int_eq(spy_copy_guarded(buf, p + 100, 4, &f), 0);
    ck_assert_int_eq(buf[0] | buf[1] | buf[2] | buf[3], 0);
    munmap(p, (size_t)(2 * pg));
    close(fd);
}
END_TEST

START_TEST(test_genuine_crash_still_crashes) {
    pid_t pid = fork();
    int st;
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        uint8_t buf[1];
        volatile uint8_t *bad =
            mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        spy_fault f;
        if ((void *)bad == MAP_FAILED)
            _exit(12);
        /* Install the guard by using it once, then fault outside it. */
        spy_copy_guarded(buf, "a", 1, &f);
        buf[0] = *bad;
        _exit(buf[0] == 0 ? 10 : 11); /* not reached */
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    if (UNDER_ASAN) {
        /* ASan's own handler (chained to) reports and ends the process. */
        ck_assert(!(WIFEXITED(st) && WEXITSTATUS(st) == 0));
        ck_assert(!(WIFEXITED(st) && WEXITSTATUS(st) >= 10));
    } else {
        ck_assert(WIFSIGNALED(st));
        ck_assert_int_eq(WTERMSIG(st), SIGSEGV);
    }
}
END_TEST

int main(void) {
    Suite *s = suite_create("guard");
    TCase *tc = tcase_create("faults");
    SRunner *sr;
    int failed;
    tcase_add_test(tc, test_prot_none_is_accerr);
    tcase_add_test(tc, test_unmapped_is_maperr);
    tcase_add_test(tc, test_write_to_readonly_faults);
    tcase_add_test(tc, test_past_end_of_file_is_sigbus);
    tcase_add_test(tc, test_genuine_crash_still_crashes);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
