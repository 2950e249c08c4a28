/* test_codeloc.c - code locations of real processes: codeloc_target (built
 * with -g) prints where its function codeloc_marker is and the line it
 * stands on; spy_codeloc_find names the module (its executable), the
 * offset from the module's base, the function and file:line. The same
 * program stripped (codeloc_stripped) gives the module and offset only.
 * A process that exits after spy_codeloc_prepare is still resolved from
 * the cache. An address in no file (the stack) is SPY_ENOENT, a process
 * that does not exist too. A build without libdw checks module and offset
 * only. */
#include <check.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/codeloc.h"
#include "backends/layoutsrc.h"

typedef struct target {
    pid_t pid;
    uint64_t marker, base;
    int line;
    char bin[1024];
} target;

/* Starts SPY_SAMPLES/name and reads its two lines; it dies with the test
 * (PR_SET_PDEATHSIG) and is killed by reap. */
static void spawn(const char *name, target *t) {
    const char *samples = getenv("SPY_SAMPLES");
    int p[2];
    FILE *f;
    unsigned long long m = 0, b = 0;
    snprintf(t->bin, sizeof t->bin, "%s/%s", samples ? samples : "samples",
             name);
    ck_assert_int_eq(pipe(p), 0);
    t->pid = fork();
    ck_assert_int_ge(t->pid, 0);
    if (t->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(t->bin, t->bin, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    f = fdopen(p[0], "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "marker %llx %d base %llx", &m, &t->line, &b),
                     3);
    fclose(f);
    t->marker = m;
    t->base = b;
    ck_assert_uint_gt(t->marker, t->base);
}

static void reap(pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* The module is the executable (by its real path's last component). */
static void check_module(const spy_codeloc *l, const target *t,
                         const char *name) {
    const char *slash = strrchr(l->module, '/');
    ck_assert_msg(slash != NULL && strcmp(slash + 1, name) == 0,
                  "module '%s', expected .../%s", l->module, name);
    ck_assert_msg(l->module_off == t->marker - t->base,
                  "module offset 0x%" PRIx64 ", expected 0x%" PRIx64,
                  l->module_off, t->marker - t->base);
}

START_TEST(function_and_line) {
    spy_codelocs *c;
    spy_codeloc l;
    spy_err e;
    target t;
    int rc;
    spawn("codeloc_target", &t);
    ck_assert_int_eq(spy_codelocs_open(&c, &e), 0);
    rc = spy_codeloc_prepare(c, t.pid, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    /* two bytes in: inside the function, past its first instruction byte */
    rc = spy_codeloc_find(c, t.pid, t.marker + 2, &l, &e);
    reap(t.pid);
    ck_assert_msg(rc == 0, "%s", e.msg);
    t.marker += 2;
    check_module(&l, &t, "codeloc_target");
    if (spy_layout_dwarf_available()) {
        const char *f = strrchr(l.file, '/');
        ck_assert_str_eq(l.function, "codeloc_marker");
        ck_assert_uint_eq(l.func_off, 2);
        ck_assert_msg(f != NULL && strcmp(f + 1, "codeloc_target.c") == 0,
                      "file '%s'", l.file);
        ck_assert_int_eq(l.line, t.line);
    } else {
        ck_assert_str_eq(l.function, "");
        ck_assert_int_eq(l.line, 0);
    }
    spy_codelocs_close(c);
}
END_TEST

START_TEST(stripped_gives_module_and_offset) {
    spy_codelocs *c;
    spy_codeloc l;
    spy_err e;
    target t;
    int rc;
    spawn("codeloc_stripped", &t);
    ck_assert_int_eq(spy_codelocs_open(&c, &e), 0);
    /* not prepared: find reads the process the first time */
    rc = spy_codeloc_find(c, t.pid, t.marker, &l, &e);
    reap(t.pid);
    ck_assert_msg(rc == 0, "%s", e.msg);
    check_module(&l, &t, "codeloc_stripped");
    ck_assert_str_ne(l.function, "codeloc_marker");
    ck_assert_str_eq(l.file, "");
    ck_assert_int_eq(l.line, 0);
    spy_codelocs_close(c);
}
END_TEST

START_TEST(exited_process_resolves_from_cache) {
    spy_codelocs *c;
    spy_codeloc l;
    spy_err e;
    target t;
    char path[64];
    int rc;
    spawn("codeloc_target", &t);
    ck_assert_int_eq(spy_codelocs_open(&c, &e), 0);
    rc = spy_codeloc_prepare(c, t.pid, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    reap(t.pid);
    snprintf(path, sizeof path, "/proc/%d", (int)t.pid);
    ck_assert_int_ne(access(path, F_OK), 0); /* gone */
    rc = spy_codeloc_find(c, t.pid, t.marker, &l, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    check_module(&l, &t, "codeloc_target");
    if (spy_layout_dwarf_available()) {
        ck_assert_str_eq(l.function, "codeloc_marker");
        ck_assert_uint_eq(l.func_off, 0);
        ck_assert_int_eq(l.line, t.line);
    }
    spy_codelocs_close(c);
}
END_TEST

START_TEST(no_module_and_no_process) {
    spy_codelocs *c;
    spy_codeloc l;
    spy_err e;
    volatile int on_stack = 0;
    pid_t gone;
    int rc;
    ck_assert_int_eq(spy_codelocs_open(&c, &e), 0);
    rc = spy_codeloc_find(c, (int)getpid(), (uint64_t)(uintptr_t)&on_stack, &l,
                          &e);
    ck_assert_int_eq(rc, SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "in no file"));
    /* our own code is found, without any prepare */
    rc = spy_codeloc_find(c, (int)getpid(), (uint64_t)(uintptr_t)&reap, &l, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_ptr_nonnull(strstr(l.module, "test_codeloc"));
    gone = fork();
    ck_assert_int_ge(gone, 0);
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    rc = spy_codeloc_prepare(c, (int)gone, &e);
    ck_assert_int_eq(rc, SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no such process"));
    spy_codelocs_close(c);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("codeloc");
    TCase *t = tcase_create("codeloc");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, function_and_line);
    tcase_add_test(t, stripped_gives_module_and_offset);
    tcase_add_test(t, exited_process_resolves_from_cache);
    tcase_add_test(t, no_module_and_no_process);
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
