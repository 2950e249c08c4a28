/* test_shared.c - spy__shared_scan finds real shared mappings of real
 * processes: an anonymous page and a memfd shared across fork are one
 * object each, with the parent and the child as mappers; a descriptor
 * held is a holder use; a POSIX object is of kind posix; the
 * PROCMAP_QUERY ioctl and the maps text give the same objects and uses;
 * SPY__SCAN_REACH stats objects and reads seals. A scan of every process
 * runs on two threads: also under ThreadSanitizer.
 * ctest-labels: tsan */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/mappers.h"
#include "backends/posix/shared.h"

typedef struct fixture {
    pid_t child;
    int release; /* write end: closing it ends the child */
    int memfd;
    void *anon, *mem, *posix;
    struct stat anon_st, mem_st, posix_st;
    char posix_name[64];
} fixture;

/* Maps an anonymous shared page, a memfd and a POSIX object, then forks a
 * child that keeps all three mapped until released. The parent keeps the
 * memfd's descriptor; the child closes its copy. */
static void setup(fixture *f) {
    int ready[2], release[2], pfd;
    char b;
    memset(f, 0, sizeof *f);
    snprintf(f->posix_name, sizeof f->posix_name, "/spyut-%d-shared",
             (int)getpid());
    f->memfd = memfd_create("spyut-shared", 0);
    ck_assert_int_ge(f->memfd, 0);
    ck_assert_int_eq(ftruncate(f->memfd, 8192), 0);
    f->mem = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, f->memfd, 0);
    f->anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pfd = shm_open(f->posix_name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(pfd, 0);
    ck_assert_int_eq(ftruncate(pfd, 4096), 0);
    f->posix = mmap(NULL, 4096, PROT_READ, MAP_SHARED, pfd, 0);
    ck_assert(f->mem != MAP_FAILED && f->anon != MAP_FAILED &&
              f->posix != MAP_FAILED);
    ck_assert_int_eq(fstat(f->memfd, &f->mem_st), 0);
    ck_assert_int_eq(fstat(pfd, &f->posix_st), 0);
    close(pfd);
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(release), 0);
    f->child = fork();
    ck_assert_int_ge(f->child, 0);
    if (f->child == 0) {
        close(f->memfd);
        close(release[1]);
        if (write(ready[1], "r", 1) != 1)
            _exit(3);
        while (read(release[0], &b, 1) > 0)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    ck_assert_int_eq(read(ready[0], &b, 1), 1);
    close(ready[0]);
    f->release = release[1];
}

static void teardown(fixture *f) {
    int st;
    close(f->release);
    ck_assert_int_eq(waitpid(f->child, &st, 0), f->child);
    shm_unlink(f->posix_name);
    munmap(f->mem, 8192);
    munmap(f->anon, 4096);
    munmap(f->posix, 4096);
    close(f->memfd);
}

/* The object one of our mappings at addr belongs to. */
static const spy__shared_obj *obj_at(const spy__shared_set *s, void *addr) {
    size_t i, j;
    for (i = 0; i < s->n; i++)
        for (j = 0; j < s->v[i].nuses; j++)
            if (s->v[i].uses[j].pid == getpid() && s->v[i].uses[j].fd < 0 &&
                s->v[i].uses[j].start == (uint64_t)(uintptr_t)addr)
                return &s->v[i];
    return NULL;
}

START_TEST(test_fork_shares_one_object) {
    fixture f;
    spy__shared_set s;
    spy_err e;
    const spy__shared_obj *anon, *mem, *px;
    int32_t lo, hi;

    setup(&f);
    ck_assert_int_eq(
        spy__shared_scan(SPY__SCAN_MAPS | SPY__SCAN_FDS, 0, &s, &e), 0);
    lo = getpid() < f.child ? getpid() : f.child;
    hi = getpid() < f.child ? f.child : getpid();

    anon = obj_at(&s, f.anon);
    ck_assert_ptr_nonnull(anon);
    ck_assert_int_eq(anon->kind, SPY_KIND_ANON);
    ck_assert_str_eq(anon->path, "/dev/zero");
    ck_assert_int_eq(anon->deleted, 1);
    ck_assert_uint_eq(anon->nuses, 2);
    ck_assert_int_eq(anon->uses[0].pid, lo);
    ck_assert_int_eq(anon->uses[1].pid, hi);
    ck_assert_str_eq(anon->uses[0].perms, "rw-s");
    ck_assert_uint_eq(anon->uses[0].end - anon->uses[0].start, 4096);
    ck_assert_int_eq(spy__shared_mappers(anon), 2);
    ck_assert_int_eq(spy__shared_holders(anon), 0);
    ck_assert_ptr_eq(spy__shared_find(&s, anon->dev, anon->ino), anon);

    /* The memfd: two mappings and the parent's descriptor, sorted by pid
     * then fd (the descriptor's use before the mapping's, fd -1 < N is
     * false: -1 sorts first). */
    mem = obj_at(&s, f.mem);
    ck_assert_ptr_nonnull(mem);
    ck_assert_int_eq(mem->kind, SPY_KIND_MEMFD);
    ck_assert_str_eq(mem->path, "/memfd:spyut-shared");
    ck_assert_uint_eq(mem->dev, (uint64_t)f.mem_st.st_dev);
    ck_assert_uint_eq(mem->ino, (uint64_t)f.mem_st.st_ino);
    ck_assert_uint_eq(mem->nuses, 3);
    ck_assert_int_eq(spy__shared_mappers(mem), 2);
    ck_assert_int_eq(spy__shared_holders(mem), 1);
    {
        size_t i, holders = 0;
        for (i = 0; i < mem->nuses; i++) {
            if (mem->uses[i].fd >= 0) {
                holders++;
                ck_assert_int_eq(mem->uses[i].pid, getpid());
                ck_assert_int_eq(mem->uses[i].fd, f.memfd);
                ck_assert_uint_eq(mem->uses[i].start, 0);
            }
            if (i > 0)
                ck_assert_int_le(mem->uses[i - 1].pid, mem->uses[i].pid);
        }
        ck_assert_uint_eq(holders, 1);
    }

    px = spy__shared_find(&s, (uint64_t)f.posix_st.st_dev,
                          (uint64_t)f.posix_st.st_ino);
    ck_assert_ptr_nonnull(px);
    ck_assert_int_eq(px->kind, SPY_KIND_POSIX);
    ck_assert_int_eq(px->deleted, 0);
    ck_assert_int_eq(spy__shared_mappers(px), 2);
    ck_assert_str_eq(px->path + strlen("/dev/shm"), f.posix_name);
    spy__shared_free(&s);

    /* Removed while mapped: the same object, now " (deleted)". */
    ck_assert_int_eq(shm_unlink(f.posix_name), 0);
    ck_assert_int_eq(spy__shared_scan(SPY__SCAN_MAPS, f.child, &s, &e), 0);
    px = spy__shared_find(&s, (uint64_t)f.posix_st.st_dev,
                          (uint64_t)f.posix_st.st_ino);
    ck_assert_ptr_nonnull(px);
    ck_assert_int_eq(px->kind, SPY_KIND_POSIX);
    ck_assert_int_eq(px->deleted, 1);
    ck_assert_uint_eq(px->nuses, 1);
    ck_assert_int_eq(px->uses[0].pid, f.child);
    /* Only the child was scanned, and without descriptors. */
    mem = spy__shared_find(&s, (uint64_t)f.mem_st.st_dev,
                           (uint64_t)f.mem_st.st_ino);
    ck_assert_ptr_nonnull(mem);
    ck_assert_uint_eq(mem->nuses, 1);
    ck_assert_int_eq(mem->uses[0].pid, f.child);
    ck_assert_int_eq(s.hidden, 0);
    spy__shared_free(&s);
    teardown(&f);
}
END_TEST

/* A memfd held by descriptor only, mapped nowhere, is found by the
 * descriptor scan and not by the maps scan. */
START_TEST(test_held_not_mapped) {
    spy__shared_set s;
    spy_err e;
    struct stat st;
    const spy__shared_obj *o;
    int fd = memfd_create("spyut-held", 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(spy__shared_scan(SPY__SCAN_MAPS, getpid(), &s, &e), 0);
    ck_assert_ptr_null(
        spy__shared_find(&s, (uint64_t)st.st_dev, (uint64_t)st.st_ino));
    spy__shared_free(&s);
    ck_assert_int_eq(spy__shared_scan(SPY__SCAN_FDS, getpid(), &s, &e), 0);
    o = spy__shared_find(&s, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(o->kind, SPY_KIND_MEMFD);
    ck_assert_str_eq(o->path, "/memfd:spyut-held");
    ck_assert_uint_eq(o->nuses, 1);
    ck_assert_int_eq(o->uses[0].fd, fd);
    ck_assert_int_eq(spy__shared_mappers(o), 0);
    ck_assert_int_eq(spy__shared_holders(o), 1);
    spy__shared_free(&s);
    spy__shared_free(&s); /* freeing twice is harmless */
    close(fd);
}
END_TEST

typedef struct held {
    int n, fd;
} held;

static int held_cb(const spy_mapper *m, void *arg) {
    held *h = arg;
    if (m->pid == getpid()) {
        h->n++;
        h->fd = m->fd;
        ck_assert_uint_eq(m->start, 0);
        ck_assert_str_eq(m->comm, "test_shared");
    }
    return 0;
}

/* spy_holders finds a descriptor held by identity, mapped or not, and
 * nothing once it is closed. */
START_TEST(test_spy_holders) {
    spy_seg_info *info = malloc(sizeof *info);
    struct stat st;
    spy_err e;
    held h = {0, -1};
    int hidden = -1;
    int fd = memfd_create("spyut-holders", 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    spy_seg_info_init(info);
    info->kind = SPY_KIND_MEMFD;
    info->dev = (uint64_t)st.st_dev;
    info->ino = (uint64_t)st.st_ino;
    ck_assert_int_eq(spy_holders(info, held_cb, &h, &hidden, &e), 0);
    ck_assert_int_ge(hidden, 0);
    ck_assert_int_eq(h.n, 1);
    ck_assert_int_eq(h.fd, fd);
    close(fd);
    h.n = 0;
    ck_assert_int_eq(spy_holders(info, held_cb, &h, NULL, &e), 0);
    ck_assert_int_eq(h.n, 0);
    free(info);
}
END_TEST

/* Whether this kernel has the PROCMAP_QUERY ioctl (Linux 6.11). */
static int kernel_has_procmap_query(void) {
    struct utsname u;
    int major = 0, minor = 0;
    ck_assert_int_eq(uname(&u), 0);
    ck_assert_int_ge(sscanf(u.release, "%d.%d", &major, &minor), 1);
    return major > 6 || (major == 6 && minor >= 11);
}

/* a and b hold the same objects with the same uses. */
static void assert_same_sets(const spy__shared_set *a,
                             const spy__shared_set *b) {
    size_t i, j;
    ck_assert_uint_eq(a->n, b->n);
    for (i = 0; i < a->n; i++) {
        const spy__shared_obj *x = &a->v[i];
        const spy__shared_obj *y = spy__shared_find(b, x->dev, x->ino);
        ck_assert_msg(y != NULL, "%s (%llu) missing", x->path,
                      (unsigned long long)x->ino);
        ck_assert_int_eq(x->kind, y->kind);
        ck_assert_str_eq(x->path, y->path);
        ck_assert_int_eq(x->deleted, y->deleted);
        ck_assert_uint_eq(x->nuses, y->nuses);
        for (j = 0; j < x->nuses; j++) {
            const spy__use *u = &x->uses[j], *v = &y->uses[j];
            ck_assert_int_eq(u->pid, v->pid);
            ck_assert_int_eq(u->fd, v->fd);
            ck_assert_uint_eq(u->start, v->start);
            ck_assert_uint_eq(u->end, v->end);
            ck_assert_uint_eq(u->offset, v->offset);
            ck_assert_str_eq(u->perms, v->perms);
        }
    }
}

/* The two ways of reading a process's shared mappings, PROCMAP_QUERY and
 * the maps text (the older kernels' way, and the way when the ioctl
 * fails), agree on live processes mapping every kind: anonymous, memfd
 * (one named like a removed file), POSIX, System V removed while
 * attached, a removed file, an offset mapping, a read-only and an
 * executable one. On a kernel with the ioctl it is the one used. */
START_TEST(test_query_matches_text) {
    fixture f;
    spy__shared_set q, t;
    spy_err e;
    char file[64];
    void *sysv = (void *)-1, *odd = MAP_FAILED, *del = MAP_FAILED;
    void *part = MAP_FAILED;
    int odd_fd, file_fd, shmid, k;
    const spy__shared_obj *o;

    setup(&f);
    odd_fd = memfd_create("spyut odd (deleted)", 0);
    ck_assert_int_ge(odd_fd, 0);
    ck_assert_int_eq(ftruncate(odd_fd, 3 * 4096), 0);
    odd = mmap(NULL, 4096, PROT_READ, MAP_SHARED, odd_fd, 4096);
    part = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, odd_fd, 8192);
    snprintf(file, sizeof file, "/tmp/spyut-%d-query", (int)getpid());
    file_fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ck_assert_int_ge(file_fd, 0);
    ck_assert_int_eq(ftruncate(file_fd, 4096), 0);
    del = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, file_fd, 0);
    close(file_fd);
    unlink(file);
    shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (shmid >= 0) {
        sysv = shmat(shmid, NULL, 0);
        shmctl(shmid, IPC_RMID, NULL); /* gone with its last detach */
    }
    ck_assert(odd != MAP_FAILED && part != MAP_FAILED && del != MAP_FAILED);

    for (k = 0; k < 2; k++) {
        int32_t pid = k == 0 ? (int32_t)getpid() : (int32_t)f.child;
        ck_assert_int_eq(spy__shared_scan(SPY__SCAN_MAPS, pid, &q, &e), 0);
        ck_assert_int_eq(
            spy__shared_scan(SPY__SCAN_MAPS | SPY__SCAN_MAPS_TEXT, pid, &t, &e),
            0);
        ck_assert_int_eq(q.queried, kernel_has_procmap_query());
        ck_assert_int_eq(t.queried, 0);
        ck_assert_uint_ge(q.n, 3); /* anon, memfd, POSIX at least */
        assert_same_sets(&q, &t);
        assert_same_sets(&t, &q);
        if (k == 0) {
            o = obj_at(&q, odd);
            ck_assert_ptr_nonnull(o);
            ck_assert_int_eq(o->kind, SPY_KIND_MEMFD);
            ck_assert_str_eq(o->path, "/memfd:spyut odd (deleted)");
            ck_assert_int_eq(o->deleted, 1);
            ck_assert_uint_eq(o->nuses, 2);
            {
                /* Sorted by address: which is first is the kernel's. */
                int i0 = o->uses[0].start == (uint64_t)(uintptr_t)odd ? 0 : 1;
                ck_assert_uint_eq(o->uses[i0].start, (uintptr_t)odd);
                ck_assert_uint_eq(o->uses[i0].offset, 4096);
                ck_assert_str_eq(o->uses[i0].perms, "r--s");
                ck_assert_uint_eq(o->uses[1 - i0].start, (uintptr_t)part);
                ck_assert_uint_eq(o->uses[1 - i0].offset, 8192);
                ck_assert_str_eq(o->uses[1 - i0].perms, "r-xs");
            }
            o = obj_at(&q, del);
            ck_assert_ptr_nonnull(o);
            ck_assert_int_eq(o->kind, SPY_KIND_FILE);
            ck_assert_str_eq(o->path, file);
            ck_assert_int_eq(o->deleted, 1);
            if (sysv != (void *)-1) {
                o = obj_at(&q, sysv);
                ck_assert_ptr_nonnull(o);
                ck_assert_int_eq(o->kind, SPY_KIND_SYSV);
                ck_assert_uint_eq(o->ino, (uint64_t)(uint32_t)shmid);
            }
        }
        spy__shared_free(&q);
        spy__shared_free(&t);
    }
    if (sysv != (void *)-1)
        shmdt(sysv);
    munmap(odd, 4096);
    munmap(part, 4096);
    munmap(del, 4096);
    close(odd_fd);
    teardown(&f);
}
END_TEST

/* SPY__SCAN_REACH: a held memfd is reached through its descriptor, with
 * its seals; a memfd and an anonymous page only mapped are reached
 * through map_files when that is allowed to us (as it is to the list's
 * own reach); without the flag nothing is reached. */
START_TEST(test_scan_reaches) {
    spy__shared_set s;
    spy_err e;
    struct stat hst, mst, ast;
    const spy__shared_obj *o;
    char path[96];
    int map_files, k;
    int hfd = memfd_create("spyut-reach-held", MFD_ALLOW_SEALING);
    int mapped = memfd_create("spyut-reach-mapped", MFD_ALLOW_SEALING);
    void *hp, *mp, *ap;
    ck_assert(hfd >= 0 && mapped >= 0);
    ck_assert_int_eq(ftruncate(hfd, 4096), 0);
    ck_assert_int_eq(ftruncate(mapped, 4096), 0);
    ck_assert_int_eq(fcntl(hfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
    ck_assert_int_eq(fcntl(mapped, F_ADD_SEALS, F_SEAL_SEAL), 0);
    hp = mmap(NULL, 4096, PROT_READ, MAP_SHARED, hfd, 0);
    mp = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mapped, 0);
    ap = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
              -1, 0);
    ck_assert(hp != MAP_FAILED && mp != MAP_FAILED && ap != MAP_FAILED);
    ck_assert_int_eq(fstat(hfd, &hst), 0);
    ck_assert_int_eq(fstat(mapped, &mst), 0);
    close(mapped);
    snprintf(path, sizeof path, "/proc/self/map_files/%llx-%llx",
             (unsigned long long)(uintptr_t)ap,
             (unsigned long long)(uintptr_t)ap + 4096);
    map_files = stat(path, &ast) == 0;

    for (k = 0; k < 2; k++) {
        unsigned what = SPY__SCAN_MAPS | SPY__SCAN_FDS;
        ck_assert_int_eq(spy__shared_scan(k ? what | SPY__SCAN_REACH : what,
                                          getpid(), &s, &e),
                         0);
        o = obj_at(&s, hp);
        ck_assert_ptr_nonnull(o);
        ck_assert_int_eq(o->reached, k);
        ck_assert_int_eq(o->seals, k ? F_SEAL_SHRINK | F_SEAL_GROW : -1);
        if (k)
            ck_assert_uint_eq(o->st.st_ino, hst.st_ino);
        o = obj_at(&s, mp);
        ck_assert_ptr_nonnull(o);
        ck_assert_int_eq(o->reached, k && map_files);
        ck_assert_int_eq(o->seals, k && map_files ? F_SEAL_SEAL : -1);
        if (k && map_files)
            ck_assert_uint_eq(o->st.st_ino, mst.st_ino);
        o = obj_at(&s, ap);
        ck_assert_ptr_nonnull(o);
        ck_assert_int_eq(o->kind, SPY_KIND_ANON);
        ck_assert_int_eq(o->reached, k && map_files);
        ck_assert_int_eq(o->seals, -1);
        if (k && map_files)
            ck_assert_uint_eq(o->st.st_ino, ast.st_ino);
        spy__shared_free(&s);
    }
    munmap(hp, 4096);
    munmap(mp, 4096);
    munmap(ap, 4096);
    close(hfd);
}
END_TEST

int main(void) {
    Suite *s = suite_create("shared");
    TCase *tc = tcase_create("proc");
    SRunner *sr;
    int failed;
    tcase_add_test(tc, test_fork_shares_one_object);
    tcase_add_test(tc, test_held_not_mapped);
    tcase_add_test(tc, test_spy_holders);
    tcase_add_test(tc, test_query_matches_text);
    tcase_add_test(tc, test_scan_reaches);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
