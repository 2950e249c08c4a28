/* test_ops.c - the ops layer's policies and transactions, tested once for
 * both front ends: the write policy (ops/write.c) and the inject
 * transaction with its undo (ops/inject.c), on real POSIX objects and
 * System V segments. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../testutil.h"
#include "backends/seg.h"
#include "core/name.h"
#include "ops/inject.h"
#include "ops/list.h"
#include "ops/write.h"

static int run_pid;
static char jdir[128];

/* A fresh object /spyops-PID-word of size bytes filled with fill, mode. */
static void make_obj(const char *word, uint32_t mode, size_t size, int fill,
                     spy_name *n) {
    char text[128];
    uint8_t buf[8192];
    int fd;
    spy_err e;

    snprintf(text, sizeof text, "/spyops-%d-%s", run_pid, word);
    shm_unlink(text);
    fd = shm_open(text, O_CREAT | O_EXCL | O_RDWR, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_le(size, sizeof buf);
    memset(buf, fill, size);
    ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
    ck_assert_int_eq(fchmod(fd, mode), 0);
    close(fd);
    ck_assert_int_eq(spy_name_parse(text, n, &e), 0);
}

static uint8_t byte_at(const spy_name *n, uint64_t off) {
    spy_seg *s = NULL;
    uint8_t b = 0;
    spy_err e;
    ck_assert_int_eq(spy_seg_open(n, 0, 0, 0, &s, &e), 0);
    ck_assert_int_eq(spy_seg_read(s, off, &b, 1, &e), 0);
    spy_seg_close(s);
    return b;
}

START_TEST(test_write_policy_read_only_mode) {
    spy_name n;
    spy_seg *s = NULL;
    spy_err e;
    uint8_t v = 0xab;

    make_obj("ro", 0444, 64, 0x11, &n);
    /* Root may open it for writing (the kernel allows it); ops refuses. */
    if (spy_seg_open(&n, SPY_O_WRITE, 0, 0, &s, &e) != 0)
        return; /* not root: the kernel refuses first, nothing to decide */
    ck_assert_int_eq(spy_write_bytes(s, 0, &v, 1, 0, &e), SPY_EROFS);
    ck_assert_ptr_nonnull(strstr(e.msg, "is read-only (mode 0444)"));
    ck_assert_ptr_nonnull(strstr(e.msg, "--force"));
    ck_assert_int_eq(spy_write_fill(s, 0, 0xff, 64, 0, &e), SPY_EROFS);
    ck_assert_uint_eq(byte_at(&n, 0), 0x11);
    /* force is the one way past it. */
    ck_assert_int_eq(spy_write_bytes(s, 0, &v, 1, 1, &e), 0);
    ck_assert_uint_eq(byte_at(&n, 0), 0xab);
    spy_seg_close(s);
}
END_TEST

START_TEST(test_write_policy_range_and_read_only_open) {
    spy_name n;
    spy_seg *s = NULL;
    spy_err e;
    uint8_t v[4] = {1, 2, 3, 4};

    make_obj("rng", 0600, 64, 0, &n);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE, 0, 0, &s, &e), 0);
    ck_assert_int_eq(spy_write_bytes(s, 62, v, 4, 0, &e), SPY_ERANGE);
    ck_assert_ptr_nonnull(
        strstr(e.msg, "offset 62 + 4 bytes is past the end (64 bytes)"));
    ck_assert_int_eq(spy_write_fill(s, 65, 0xff, 0, 0, &e), SPY_ERANGE);
    ck_assert_uint_eq(byte_at(&n, 62), 0);
    ck_assert_int_eq(spy_write_bytes(s, 60, v, 4, 0, &e), 0);
    ck_assert_uint_eq(byte_at(&n, 63), 4);
    ck_assert_int_eq(spy_write_fill(s, 0, 0x5a, 64, 0, &e), 0);
    ck_assert_uint_eq(byte_at(&n, 63), 0x5a);
    spy_seg_close(s);
    /* A segment opened read-only is never written. */
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    ck_assert_int_eq(spy_write_bytes(s, 0, v, 1, 1, &e), SPY_EROFS);
    spy_seg_close(s);
}
END_TEST

START_TEST(test_inject_check) {
    spy_inject_req q;
    spy_err e;

    memset(&q, 0, sizeof q);
    q.kind = SPY_INJ_FLIP;
    q.bit = 8;
    ck_assert_int_eq(spy_inject_check(&q, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "bit 8 is not in 0..7"));
    q.bit = 7;
    ck_assert_int_eq(spy_inject_check(&q, &e), 0);
    q.kind = SPY_INJ_CORRUPT;
    q.k = 0;
    ck_assert_int_eq(spy_inject_check(&q, &e), SPY_EINVAL);
    q.k = SPY_INJECT_CORRUPT_MAX + 1;
    ck_assert_int_eq(spy_inject_check(&q, &e), SPY_EINVAL);
    q.k = 3;
    q.have_len = 1;
    ck_assert_int_eq(spy_inject_check(&q, &e), SPY_EINVAL);
    q.kind = SPY_INJ_SET;
    ck_assert_int_eq(spy_inject_check(&q, &e), SPY_EINVAL); /* no bytes */
}
END_TEST

/* Every byte fault journals first, changes, and undoes exactly. */
START_TEST(test_inject_run_and_undo) {
    spy_name n;
    spy_inject_req q;
    spy_inject_done d;
    spy_undo_done u;
    spy_err e;
    char jpath[256];

    make_obj("inj", 0600, 4096, 0x41, &n);
    memset(&q, 0, sizeof q);
    q.kind = SPY_INJ_SET;
    q.name = n;
    q.off = 100;
    q.have_off = 1;
    q.payload = malloc(2);
    q.payload[0] = 0xde;
    q.payload[1] = 0xad;
    q.payload_len = 2;
    snprintf(jpath, sizeof jpath, "%s/set.journal", jdir);
    q.journal = jpath;
    ck_assert_int_eq(spy_inject_run(&q, &d, &e), 0);
    ck_assert_int_eq(d.journalled, 1);
    ck_assert_str_eq(d.journal, jpath);
    ck_assert_uint_eq(byte_at(&n, 100), 0xde);
    ck_assert_uint_eq(byte_at(&n, 101), 0xad);
    {
        char what[128];
        spy_inject_describe(&d.j, what, sizeof what);
        ck_assert_str_eq(what, "2 bytes at offset 100 overwritten");
    }
    spy_inject_done_free(&d);
    /* The same journal path again: never overwritten, nothing changed. */
    q.payload[0] = 0;
    ck_assert_int_eq(spy_inject_run(&q, &d, &e), SPY_EEXIST);
    ck_assert_int_eq(d.journalled, 0);
    spy_inject_done_free(&d);
    ck_assert_uint_eq(byte_at(&n, 100), 0xde);
    spy_inject_req_free(&q);

    ck_assert_int_eq(spy_inject_undo(jpath, 0, &u, &e), 0);
    ck_assert_int_eq(u.already, 0);
    spy_undo_done_free(&u);
    ck_assert_uint_eq(byte_at(&n, 100), 0x41);
    ck_assert_int_eq(spy_inject_undo(jpath, 0, &u, &e), 0);
    ck_assert_int_eq(u.already, 1); /* a second undo writes nothing */
    spy_undo_done_free(&u);

    /* Past the end: refused before any journal. */
    memset(&q, 0, sizeof q);
    q.kind = SPY_INJ_FLIP;
    q.name = n;
    q.off = 4096;
    q.have_off = 1;
    snprintf(jpath, sizeof jpath, "%s/flip.journal", jdir);
    q.journal = jpath;
    ck_assert_int_eq(spy_inject_run(&q, &d, &e), SPY_ERANGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "is past the end (4096 bytes)"));
    ck_assert_int_eq(d.journalled, 0);
    ck_assert_int_eq(access(jpath, F_OK), -1);
    spy_inject_done_free(&d);
}
END_TEST

/* corrupt with a seed is reproducible, and without one records the seed
 * it drew; the default journal name is fresh per call. */
START_TEST(test_inject_corrupt_seed_and_default_journal) {
    spy_name n;
    spy_inject_req q;
    spy_inject_done d1, d2;
    spy_undo_done u;
    spy_err e;
    char cwd[4096];
    size_t i;

    make_obj("cor", 0600, 4096, 0, &n);
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(jdir), 0);
    memset(&q, 0, sizeof q);
    q.kind = SPY_INJ_CORRUPT;
    q.name = n;
    q.k = 8;
    q.seed = 99;
    q.have_seed = 1;
    ck_assert_int_eq(spy_inject_run(&q, &d1, &e), 0);
    ck_assert_int_eq(spy_inject_undo(d1.journal, 0, &u, &e), 0);
    spy_undo_done_free(&u);
    ck_assert_int_eq(spy_inject_run(&q, &d2, &e), 0);
    ck_assert_str_ne(d1.journal, d2.journal);
    ck_assert_ptr_nonnull(strstr(d1.journal, "shmspy-inject-"));
    ck_assert_uint_eq(d1.j.n_patches, 8);
    ck_assert_uint_eq(d2.j.n_patches, 8);
    for (i = 0; i < 8; i++)
        ck_assert_uint_eq(d1.j.patches[i].off, d2.j.patches[i].off);
    ck_assert_int_eq(spy_inject_undo(d2.journal, 0, &u, &e), 0);
    spy_undo_done_free(&u);
    spy_inject_done_free(&d1);
    spy_inject_done_free(&d2);
    q.have_seed = 0;
    ck_assert_int_eq(spy_inject_run(&q, &d1, &e), 0);
    ck_assert_int_eq(q.have_seed, 1);
    ck_assert_uint_eq(d1.j.seed, q.seed);
    spy_inject_done_free(&d1);
    ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* A System V segment with key IPC_PRIVATE: unlink is IPC_RMID, journalled
 * under its id; undo makes a new private segment with the same size,
 * mode and bytes, and says its new id; truncate is refused before any
 * journal. */
START_TEST(test_inject_sysv_private) {
    spy_name n;
    spy_inject_req q;
    spy_inject_done d;
    spy_undo_done u;
    spy_err e;
    struct shmid_ds ds;
    char jpath[256], what[160], text[32];
    int id = shmget(IPC_PRIVATE, 100, IPC_CREAT | 0640), nid;
    uint8_t *p;

    ck_assert_int_ge(id, 0);
    p = shmat(id, NULL, 0);
    ck_assert_ptr_ne(p, (void *)-1);
    memcpy(p, "private", 7);
    shmdt(p);
    snprintf(text, sizeof text, "sysv:%d", id);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);

    memset(&q, 0, sizeof q);
    q.kind = SPY_INJ_TRUNCATE;
    q.name = n;
    q.new_size = 10;
    snprintf(jpath, sizeof jpath, "%s/sysv-t.journal", jdir);
    q.journal = jpath;
    ck_assert_int_eq(spy_inject_run(&q, &d, &e), SPY_ENOTSUP);
    ck_assert_ptr_nonnull(strstr(e.msg, "size is fixed"));
    ck_assert_int_eq(d.journalled, 0);
    ck_assert_int_eq(access(jpath, F_OK), -1);
    spy_inject_done_free(&d);

    q.kind = SPY_INJ_UNLINK;
    snprintf(jpath, sizeof jpath, "%s/sysv-u.journal", jdir);
    ck_assert_int_eq(spy_inject_run(&q, &d, &e), 0);
    ck_assert_str_eq(d.j.name, text); /* no key: the id names it */
    ck_assert_uint_eq(d.j.dev, 0);
    ck_assert_uint_eq(d.j.ino, (uint64_t)id);
    ck_assert_uint_eq(d.j.size, 100);
    ck_assert_uint_eq(d.j.mode, 0640);
    spy_inject_describe(&d.j, what, sizeof what);
    ck_assert_ptr_nonnull(strstr(what, "IPC_RMID"));
    spy_inject_done_free(&d);
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), -1);

    ck_assert_int_eq(spy_inject_undo(jpath, 0, &u, &e), 0);
    nid = (int)u.new_ino;
    ck_assert_int_ne(nid, id);
    snprintf(text, sizeof text, "sysv:%d", nid);
    ck_assert_str_eq(u.new_name, text);
    spy_undo_done_free(&u);
    ck_assert_int_eq(shmctl(nid, IPC_STAT, &ds), 0);
    ck_assert_uint_eq(ds.shm_segsz, 100);
    ck_assert_uint_eq(ds.shm_perm.mode & 0777, 0640);
    ck_assert_int_eq(ds.shm_perm.__key, IPC_PRIVATE);
    p = shmat(nid, NULL, SHM_RDONLY);
    ck_assert_ptr_ne(p, (void *)-1);
    ck_assert_int_eq(memcmp(p, "private", 7), 0);
    shmdt(p);
    shmctl(nid, IPC_RMID, NULL);
}
END_TEST

/* The rows both front ends show: our objects with their sizes and
 * identity, ordered by name, by size (largest first) and reversed. */
START_TEST(test_list_gather_and_orders) {
    spy_name a, b;
    spy_list l;
    spy_err e;
    size_t i, ia = (size_t)-1, ib = (size_t)-1;
    char an[64], bn[64];
    struct stat st;

    make_obj("list-a", 0600, 100, 0, &a);
    make_obj("list-b", 0600, 4000, 0, &b);
    snprintf(an, sizeof an, "/spyops-%d-list-a", run_pid);
    snprintf(bn, sizeof bn, "/spyops-%d-list-b", run_pid);
    ck_assert_int_eq(spy_list_gather(SPY_LIST_POSIX, &l, &e), 0);
    spy_list_sort(&l, SPY_ORDER_NAME, 0);
    for (i = 0; i < l.n; i++) {
        if (i > 0)
            ck_assert_int_le(
                spy_list_row_cmp(&l.v[i - 1], &l.v[i], SPY_ORDER_NAME), 0);
        if (strcmp(l.v[i].name, an) == 0)
            ia = i;
        if (strcmp(l.v[i].name, bn) == 0)
            ib = i;
    }
    ck_assert_uint_lt(ia, l.n);
    ck_assert_uint_lt(ib, l.n);
    ck_assert_uint_lt(ia, ib); /* by name: a before b */
    ck_assert_uint_eq(l.v[ia].size, 100);
    ck_assert_str_eq(l.v[ia].problem, "");
    ck_assert_int_eq(stat("/dev/shm/", &st), 0);
    ck_assert_uint_eq(l.v[ib].dev, (uint64_t)st.st_dev);
    ck_assert_int_gt(spy_list_row_cmp(&l.v[ia], &l.v[ib], SPY_ORDER_SIZE),
                     0); /* largest first */
    spy_list_sort(&l, SPY_ORDER_SIZE, 0);
    for (i = 1; i < l.n; i++)
        ck_assert_uint_ge(l.v[i - 1].size, l.v[i].size);
    spy_list_sort(&l, SPY_ORDER_SIZE, 1);
    for (i = 1; i < l.n; i++)
        ck_assert_uint_le(l.v[i - 1].size, l.v[i].size);
    spy_list_free(&l);
    ck_assert_ptr_null(l.v);
}
END_TEST

/* "Unused" only on an exact count of 0: the coming `clean` must refuse
 * whatever is unknown. */
START_TEST(test_list_row_unused) {
    static const struct {
        spy_kind kind;
        int32_t nattch, nattch_min;
        uint32_t status;
        const char *problem;
        spy_unused want;
    } cases[] = {
        {SPY_KIND_POSIX, 0, 0, 0, "", SPY_UNUSED_YES},
        {SPY_KIND_POSIX, 2, 2, 0, "", SPY_UNUSED_NO},
        {SPY_KIND_POSIX, -1, 0, 0, "", SPY_UNUSED_UNKNOWN},
        {SPY_KIND_POSIX, -1, 3, 0, "", SPY_UNUSED_NO},
        {SPY_KIND_SEM, -1, 0, 0, "", SPY_UNUSED_UNKNOWN},
        {SPY_KIND_SYSV, 0, 0, 0, "", SPY_UNUSED_YES},
        {SPY_KIND_SYSV, 1, 1, SPY_SYSV_DEST, "", SPY_UNUSED_NO},
        {SPY_KIND_SYSV, 0, 0, SPY_SYSV_DEST, "", SPY_UNUSED_NO},
        {SPY_KIND_WIN_SECTION, -1, 0, 0, "", SPY_UNUSED_UNKNOWN},
        {SPY_KIND_OTHER, 0, 0, 0, "FIFO, not shared memory", SPY_UNUSED_NO},
    };
    spy_list_row r;
    spy_name a, b;
    spy_list l;
    spy_err e;
    char an[64], bn[64];
    size_t i;
    void *p;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&r, 0, sizeof r);
        r.kind = cases[i].kind;
        r.nattch = cases[i].nattch;
        r.nattch_min = cases[i].nattch_min;
        r.sysv_status = cases[i].status;
        r.problem = cases[i].problem;
        ck_assert_msg(spy_list_row_unused(&r) == cases[i].want, "case %zu", i);
    }

    /* Real rows: not counted at all is unknown; mapped by us is used. */
    make_obj("unused-a", 0600, 64, 0, &a);
    make_obj("unused-b", 0600, 64, 0, &b);
    snprintf(an, sizeof an, "/dev/shm/spyops-%d-unused-b", run_pid);
    {
        int fd = open(an, O_RDONLY);
        ck_assert_int_ge(fd, 0);
        p = mmap(NULL, 64, PROT_READ, MAP_SHARED, fd, 0);
        close(fd);
        ck_assert_ptr_ne(p, MAP_FAILED);
    }
    snprintf(an, sizeof an, "/spyops-%d-unused-a", run_pid);
    snprintf(bn, sizeof bn, "/spyops-%d-unused-b", run_pid);
    ck_assert_int_eq(spy_list_gather(SPY_LIST_POSIX, &l, &e), 0);
    for (i = 0; i < l.n; i++)
        if (strcmp(l.v[i].name, an) == 0 || strcmp(l.v[i].name, bn) == 0)
            ck_assert(spy_list_row_unused(&l.v[i]) == SPY_UNUSED_UNKNOWN);
    spy_list_free(&l);
    ck_assert_int_eq(
        spy_list_gather(SPY_LIST_POSIX | SPY_LIST_MAPPERS | SPY_LIST_HOLDERS,
                        &l, &e),
        0);
    for (i = 0; i < l.n; i++) {
        if (strcmp(l.v[i].name, bn) == 0) {
            ck_assert_int_ge(l.v[i].nattch_min, 1);
            ck_assert(spy_list_row_unused(&l.v[i]) == SPY_UNUSED_NO);
        }
        /* Unmapped and not held: unused only when the counts are exact
         * (as root, where every process can be inspected), otherwise
         * unknown. */
        if (strcmp(l.v[i].name, an) == 0)
            ck_assert(spy_list_row_unused(&l.v[i]) ==
                      (l.v[i].nattch == 0 && l.v[i].holders == 0
                           ? SPY_UNUSED_YES
                           : SPY_UNUSED_UNKNOWN));
    }
    spy_list_free(&l);
    munmap(p, 64);
}
END_TEST

static void setup_all(void) {
    char cmd[256];
    run_pid = (int)getpid();
    snprintf(jdir, sizeof jdir, "/tmp/spyops-%d", run_pid);
    snprintf(cmd, sizeof cmd, "mkdir -p %s", jdir);
    if (system(cmd) != 0)
        abort();
}

static void teardown_all(void) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s /dev/shm/spyops-%d-*", jdir, run_pid);
    if (system(cmd) != 0)
        fprintf(stderr, "teardown failed\n");
}

int main(void) {
    Suite *s = suite_create("ops");
    TCase *tc = tcase_create("ops");
    SRunner *sr;
    int failed;

    setup_all();
    tcase_add_test(tc, test_write_policy_read_only_mode);
    tcase_add_test(tc, test_write_policy_range_and_read_only_open);
    tcase_add_test(tc, test_inject_check);
    tcase_add_test(tc, test_inject_run_and_undo);
    tcase_add_test(tc, test_inject_corrupt_seed_and_default_journal);
    tcase_add_test(tc, test_inject_sysv_private);
    tcase_add_test(tc, test_list_gather_and_orders);
    tcase_add_test(tc, test_list_row_unused);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    teardown_all();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
