/* test_probe.c - spy_probe on real faults in this process, the handlers
 * and mask it leaves behind, and the explanations built from them. */
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
#include "core/explain.h"

typedef struct texts {
    char all[8192];
} texts;

static void collect(const char *key, const char *text, void *arg) {
    texts *t = arg;
    size_t n = strlen(t->all);
    snprintf(t->all + n, sizeof t->all - n, "[%s] %s\n", key, text);
}

static void explain(uint64_t addr, int write, const spy_fault *f, texts *t) {
    spy_region r;
    spy_err e;
    t->all[0] = '\0';
    ck_assert_int_eq(spy_addr_describe(addr, &r, &e), 0);
    spy_explain_probe(addr, 8, write, &r, f, 4096, collect, t);
}

START_TEST(test_prot_none_page) {
    uint8_t *p =
        mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t out[8];
    spy_fault f;
    texts t;
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(spy_probe((uintptr_t)p + 16, 8, 0, out, &f), SPY_EFAULT);
    ck_assert_str_eq(f.sig_name, "SIGSEGV");
    ck_assert_str_eq(f.code_name, "SEGV_ACCERR");
    ck_assert_int_eq(f.kind, SPY_FAULT_PROT);
    ck_assert_uint_eq(f.addr, (uintptr_t)p + 16);
    explain((uintptr_t)p + 16, 0, &f, &t);
    ck_assert_msg(strstr(t.all, "PROT_NONE") != NULL, "%s", t.all);
    ck_assert_msg(strstr(t.all, "[lesson]") != NULL, "%s", t.all);
    munmap(p, 4096);
}
END_TEST

START_TEST(test_unmapped_gap_and_neighbours) {
    uint8_t *p =
        mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t out[8];
    spy_fault f;
    spy_region r;
    spy_err e;
    texts t;
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(munmap(p + 4096, 4096), 0); /* a hole in the middle */
    ck_assert_int_eq(spy_probe((uintptr_t)p + 4096 + 8, 8, 0, out, &f),
                     SPY_EFAULT);
    ck_assert_str_eq(f.code_name, "SEGV_MAPERR");
    ck_assert_int_eq(f.kind, SPY_FAULT_UNMAPPED);
    ck_assert_int_eq(spy_addr_describe((uintptr_t)p + 4096 + 8, &r, &e), 0);
    ck_assert_int_eq(r.inside, 0);
    ck_assert_int_eq(r.has_below, 1);
    ck_assert_uint_eq(r.below.end, (uintptr_t)p + 4096);
    ck_assert_int_eq(r.has_above, 1);
    ck_assert_uint_eq(r.above.start, (uintptr_t)p + 2 * 4096);
    explain((uintptr_t)p + 4096 + 8, 0, &f, &t);
    ck_assert_msg(strstr(t.all, "lies in no mapping") != NULL, "%s", t.all);
    ck_assert_msg(strstr(t.all, "ending 8 bytes before it") != NULL, "%s",
                  t.all);
    munmap(p, 3 * 4096);
}
END_TEST

START_TEST(test_write_readonly_keeps_memory) {
    uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t out[8];
    spy_fault f;
    texts t;
    ck_assert_ptr_ne(p, MAP_FAILED);
    memcpy(p, "teacher!", 8);
    /* A write probe of writable memory works and changes nothing. */
    ck_assert_int_eq(spy_probe((uintptr_t)p, 8, 1, out, &f), 0);
    ck_assert_int_eq(memcmp(p, "teacher!", 8), 0);
    ck_assert_int_eq(memcmp(out, "teacher!", 8), 0);
    ck_assert_int_eq(mprotect(p, 4096, PROT_READ), 0);
    ck_assert_int_eq(spy_probe((uintptr_t)p, 8, 0, out, &f), 0);
    ck_assert_int_eq(spy_probe((uintptr_t)p, 8, 1, out, &f), SPY_EFAULT);
    ck_assert_str_eq(f.code_name, "SEGV_ACCERR");
    ck_assert_int_eq(f.kind, SPY_FAULT_PROT);
    explain((uintptr_t)p, 1, &f, &t);
    ck_assert_msg(strstr(t.all, "not writable") != NULL, "%s", t.all);
    munmap(p, 4096);
}
END_TEST

START_TEST(test_past_end_of_file_mapping) {
    char path[] = "/tmp/spyut-probe-XXXXXX";
    int fd = mkstemp(path);
    uint8_t *p, out[8];
    spy_fault f;
    texts t;
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 3 * 4096), 0);
    p = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(ftruncate(fd, 100), 0);
    ck_assert_int_eq(spy_probe((uintptr_t)p + 2 * 4096, 8, 0, out, &f),
                     SPY_EFAULT);
    ck_assert_str_eq(f.sig_name, "SIGBUS");
    ck_assert_str_eq(f.code_name, "BUS_ADRERR");
    ck_assert_int_eq(f.kind, SPY_FAULT_NOBACKING);
    explain((uintptr_t)p + 2 * 4096, 0, &f, &t);
    ck_assert_msg(strstr(t.all, "file offset 8192") != NULL, "%s", t.all);
    ck_assert_msg(strstr(t.all, "only 100 bytes") != NULL, "%s", t.all);
    munmap(p, 3 * 4096);
    close(fd);
    unlink(path);
}
END_TEST

static void marker(int sig) {
    (void)sig;
}

START_TEST(test_leaves_no_trace) {
    struct sigaction mine, now;
    sigset_t before, after;
    stack_t ss;
    uint8_t out[1];
    spy_fault f;
    int i;

    memset(&mine, 0, sizeof mine);
    mine.sa_handler = marker;
    sigemptyset(&mine.sa_mask);
    ck_assert_int_eq(sigaction(SIGBUS, &mine, NULL), 0);
    sigemptyset(&before);
    sigaddset(&before, SIGUSR1);
    sigprocmask(SIG_BLOCK, &before, NULL);
    sigprocmask(SIG_SETMASK, NULL, &before);
    for (i = 0; i < 3; i++) /* repeatable */
        ck_assert_int_eq(spy_probe(0, 1, 0, out, &f), SPY_EFAULT);
    ck_assert_int_eq(sigaction(SIGBUS, NULL, &now), 0);
    ck_assert_ptr_eq((void *)now.sa_handler, (void *)marker);
    sigprocmask(SIG_SETMASK, NULL, &after);
    ck_assert_int_eq(sigismember(&after, SIGUSR1), 1);
    ck_assert_int_eq(sigismember(&after, SIGSEGV), 0);
    ck_assert_int_eq(sigaltstack(NULL, &ss), 0);
    ck_assert_int_ne(ss.ss_flags & SS_ONSTACK, SS_ONSTACK);
}
END_TEST

START_TEST(test_genuine_crash_after_probe) {
    pid_t pid = fork();
    int st;
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        uint8_t out[1];
        spy_fault f;
        volatile uint8_t *bad =
            mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        signal(SIGSEGV, SIG_DFL);
        spy_probe((uintptr_t)bad, 1, 0, out, &f);
        out[0] = *bad; /* a real crash: must kill us */
        _exit(out[0] == 0 ? 10 : 11);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFSIGNALED(st));
    ck_assert_int_eq(WTERMSIG(st), SIGSEGV);
}
END_TEST

int main(void) {
    Suite *s = suite_create("probe");
    TCase *tc = tcase_create("faults");
    SRunner *sr;
    int failed;
    tcase_add_test(tc, test_prot_none_page);
    tcase_add_test(tc, test_unmapped_gap_and_neighbours);
    tcase_add_test(tc, test_write_readonly_keeps_memory);
    tcase_add_test(tc, test_past_end_of_file_mapping);
    tcase_add_test(tc, test_leaves_no_trace);
    tcase_add_test(tc, test_genuine_crash_after_probe);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
