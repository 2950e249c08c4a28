/* test_viaproc.c - posix/viaproc.c: memfd:NAME, pid:PID@ADDR and fd:PID:N
 * resolve to the right object in a real child process, with the refusals
 * a wrong name earns; each object is reached the least privileged way
 * (a holder's descriptor for the memfd; map_files or the process's memory
 * for the anonymous page), and procmem writes stay inside the mapping. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/posix/viaproc.h"
#include "backends/procmem.h"
#include "backends/seg.h"
#include "../testutil.h"

typedef struct child {
    pid_t pid;
    int release; /* write end: closing it ends the child */
    uint64_t mem, anon, priv;
    int memfd, pipefd;
    char name[64];
} child;

static child spawn(void) {
    int ready[2], release[2];
    child c;

    memset(&c, 0, sizeof c);
    snprintf(c.name, sizeof c.name, "viatest-%d", (int)getpid());
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(release), 0);
    c.pid = fork();
    ck_assert_int_ge(c.pid, 0);
    if (c.pid == 0) {
        child me = c;
        int p[2];
        char b;
        uint8_t *mem, *anon, *priv;
        close(ready[0]);
        close(release[1]);
        me.memfd = memfd_create(c.name, 0);
        if (me.memfd < 0 || ftruncate(me.memfd, 4096) != 0 || pipe(p) != 0)
            _exit(1);
        me.pipefd = p[0];
        mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, me.memfd, 0);
        anon = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED || anon == MAP_FAILED || priv == MAP_FAILED)
            _exit(1);
        memcpy(mem, "memfd bytes", 11);
        memcpy(anon, "anon bytes", 10);
        priv[0] = 1;
        me.mem = (uint64_t)(uintptr_t)mem;
        me.anon = (uint64_t)(uintptr_t)anon;
        me.priv = (uint64_t)(uintptr_t)priv;
        if (write(ready[1], &me, sizeof me) != (ssize_t)sizeof me)
            _exit(1);
        (void)read(release[0], &b, 1);
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    {
        child got;
        ck_assert_int_eq(read(ready[0], &got, sizeof got), (ssize_t)sizeof got);
        got.pid = c.pid;
        c = got;
    }
    c.release = release[1];
    close(ready[0]);
    return c;
}

static void finish(child *c) {
    int st;
    close(c->release);
    waitpid(c->pid, &st, 0);
}

static int resolve(const char *text, spy__via *v, spy_err *e) {
    spy_name n;
    ck_assert_int_eq(spy_name_parse(text, &n, NULL), 0);
    spy_err_clear(e);
    return spy__via_resolve(&n, v, e);
}

START_TEST(test_memfd_by_address_and_name) {
    child c = spawn();
    spy__via *v = malloc(sizeof *v);
    char text[128], buf[16];
    spy_err e;
    int fd, rc, i, held = 0;

    ck_assert_ptr_nonnull(v);
    snprintf(text, sizeof text, "pid:%d@0x%llx", (int)c.pid,
             (unsigned long long)c.mem + 100);
    rc = resolve(text, v, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(v->kind, SPY_KIND_MEMFD);
    ck_assert_str_eq(v->origin, c.name);
    ck_assert(v->has_map && v->start == c.mem && v->end == c.mem + 4096);
    for (i = 0; i < v->nhold; i++)
        held |= v->hold_pid[i] == c.pid && v->hold_fd[i] == c.memfd;
    ck_assert_msg(held, "the child's descriptor is a holder");
    rc = spy__via_open(v, 0, &fd, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(v->how, SPY__VIA_HOLDER_FD);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, buf, 11, 0), 11);
    ck_assert(memcmp(buf, "memfd bytes", 11) == 0);
    close(fd);

    snprintf(text, sizeof text, "memfd:%s", c.name);
    rc = resolve(text, v, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(v->kind, SPY_KIND_MEMFD);
    ck_assert_int_eq(v->pid, c.pid);
    ck_assert(v->start == c.mem);

    snprintf(text, sizeof text, "fd:%d:%d", (int)c.pid, c.memfd);
    rc = resolve(text, v, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(v->kind, SPY_KIND_MEMFD);
    ck_assert_int_eq(v->fd, c.memfd);
    finish(&c);
    free(v);
}
END_TEST

START_TEST(test_anon_and_procmem) {
    child c = spawn();
    spy__via *v = malloc(sizeof *v);
    char text[128], buf[16];
    spy_err e;
    int fd, rc;

    ck_assert_ptr_nonnull(v);
    snprintf(text, sizeof text, "pid:%d@%llu", (int)c.pid,
             (unsigned long long)c.anon + 4097);
    rc = resolve(text, v, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(v->kind, SPY_KIND_ANON);
    ck_assert_int_eq(v->nhold, 0);
    rc = spy__via_open(v, 0, &fd, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    /* map_files with CAP_SYS_ADMIN, else the process's memory. */
    ck_assert(v->how == SPY__VIA_MAP_FILES || v->how == SPY__VIA_PROCESS);
    ck_assert((fd >= 0) == (v->how == SPY__VIA_MAP_FILES));
    if (fd >= 0)
        close(fd);

    /* procmem writes land in the mapping and never outside it. */
    rc = spy_procmem_write(c.pid, v->start, v->end, v->start + 1, "N", 1, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    rc = spy_procmem_read(c.pid, v->start, v->end, v->start, buf, 10, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert(memcmp(buf, "aNon bytes", 10) == 0);
    rc = spy_procmem_write(c.pid, v->start, v->end, v->end - 1, "xy", 2, &e);
    ck_assert_int_eq(rc, SPY_ERANGE);

    /* The object opened through spy_seg_open reads the same bytes. */
    {
        spy_name n;
        spy_seg *s;
        spy_access a;
        ck_assert_int_eq(spy_name_parse(text, &n, NULL), 0);
        rc = spy_seg_open(&n, 0, 0, 0, &s, &e);
        ck_assert_msg(rc == 0, "%s", e.msg);
        ck_assert(spy_seg_len(s) == 8192);
        ck_assert_int_eq(spy_seg_read(s, 0, buf, 10, &e), 0);
        ck_assert(memcmp(buf, "aNon bytes", 10) == 0);
        ck_assert_int_eq(spy_seg_access(s, &a, NULL), 0);
        ck_assert(a.kind == SPY_ACCESS_MAP_FILES ||
                  a.kind == SPY_ACCESS_PROCESS);
        ck_assert_int_eq(spy_seg_write(s, 0, "x", 1, &e), SPY_EROFS);
        spy_seg_close(s);
    }
    finish(&c);
    /* Gone: reading the mappings says so. */
    rc = resolve(text, v, &e);
    ck_assert_int_eq(rc, SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no such process"));
    free(v);
}
END_TEST

START_TEST(test_refusals) {
    child c = spawn();
    spy__via *v = malloc(sizeof *v);
    char text[128];
    spy_err e;

    ck_assert_ptr_nonnull(v);
    snprintf(text, sizeof text, "pid:%d@0x%llx", (int)c.pid,
             (unsigned long long)c.priv);
    ck_assert_int_eq(resolve(text, v, &e), SPY_ETYPE);
    ck_assert_ptr_nonnull(strstr(e.msg, "is private, not shared memory"));

    snprintf(text, sizeof text, "pid:%d@0x10", (int)c.pid);
    ck_assert_int_eq(resolve(text, v, &e), SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no shared mapping contains 0x10"));
    ck_assert_ptr_nonnull(strstr(e.msg, "its shared mappings: 0x"));

    snprintf(text, sizeof text, "fd:%d:%d", (int)c.pid, c.pipefd);
    ck_assert_int_eq(resolve(text, v, &e), SPY_ETYPE);
    ck_assert_ptr_nonnull(strstr(e.msg, "is a FIFO, not shared memory"));

    snprintf(text, sizeof text, "fd:%d:9999", (int)c.pid);
    ck_assert_int_eq(resolve(text, v, &e), SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "has no descriptor 9999"));

    snprintf(text, sizeof text, "memfd:%s-none", c.name);
    ck_assert_int_eq(resolve(text, v, &e), SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no memfd named"));
    finish(&c);
    free(v);
}
END_TEST

/* Reads stay safe when the owner truncates the memfd (short pread) or
 * the process goes away (procmem EFAULT): an error, never a crash. */
START_TEST(test_gone_under_us) {
    child c = spawn();
    char text[128], path[64], buf[16];
    spy_name n;
    spy_seg *s;
    spy_access a;
    spy_err e;
    int fd, rc;

    snprintf(text, sizeof text, "memfd:%s", c.name);
    ck_assert_int_eq(spy_name_parse(text, &n, NULL), 0);
    rc = spy_seg_open(&n, 0, 0, 0, &s, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)c.pid, c.memfd);
    fd = open(path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 0), 0);
    close(fd);
    rc = spy_seg_read(s, 0, buf, 8, &e);
    ck_assert_int_eq(rc, SPY_EFAULT);
    ck_assert_ptr_nonnull(strstr(e.msg, "shrank while in use"));
    spy_seg_close(s);

    snprintf(text, sizeof text, "pid:%d@0x%llx", (int)c.pid,
             (unsigned long long)c.anon);
    ck_assert_int_eq(spy_name_parse(text, &n, NULL), 0);
    rc = spy_seg_open(&n, 0, 0, 0, &s, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(spy_seg_access(s, &a, NULL), 0);
    finish(&c);
    rc = spy_seg_read(s, 0, buf, 8, &e);
    if (a.kind == SPY_ACCESS_PROCESS) {
        ck_assert_int_eq(rc, SPY_EFAULT);
        ck_assert_ptr_nonnull(strstr(e.msg, "went away while in use"));
    } else {
        /* map_files gave a descriptor: the memory lives while we hold it. */
        ck_assert_msg(rc == 0, "%s", e.msg);
        ck_assert(memcmp(buf, "anon byt", 8) == 0);
    }
    spy_seg_close(s);
}
END_TEST

static Suite *viaproc_suite(void) {
    Suite *s = suite_create("viaproc");
    TCase *tc = tcase_create("posix");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_memfd_by_address_and_name);
    tcase_add_test(tc, test_anon_and_procmem);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_gone_under_us);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(viaproc_suite());
}
