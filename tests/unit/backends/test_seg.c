/* test_seg.c - the POSIX backend on real kernel objects.
 *
 * Every object is named /spyut-PID-WORD and removed by the test (and by an
 * unchecked teardown, in case an assertion ends a test early). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/seg.h"
#include "backends/process.h"
#include "core/name.h"

static char dev_path[128];
/* The runner's pid: tests run in forked children, and the teardown in the
 * runner must find their objects by name. */
static int run_pid;

static void name_of(const char *word, spy_name *n, char *text, size_t cap) {
    spy_err e;
    snprintf(text, cap, "/spyut-%d-%s", run_pid, word);
    ck_assert_int_eq(spy_name_parse(text, n, &e), 0);
}

static const char *dev_shm(const char *text) {
    snprintf(dev_path, sizeof dev_path, "/dev/shm%s", text);
    return dev_path;
}

/* System V keys of this run: 0x7... for test_sysv_by_key, 0xa... (top bit
 * set: a negative key_t) for test_sysv_list_like_ipcs. Derived from the
 * runner's pid so that the teardown finds them too. */
static key_t sysv_key(unsigned prefix) {
    return (key_t)((prefix << 28) | ((unsigned)run_pid & 0xffffff));
}

static void remove_sysv(key_t key) {
    int id = shmget(key, 0, 0);
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
}

static void remove_all(void) {
    char cmd[128];
    remove_sysv(sysv_key(7));
    remove_sysv(sysv_key(0xa));
    snprintf(cmd, sizeof cmd,
             "rm -f /dev/shm/spyut-%d-* /dev/shm/sem.spyut-%d-*", run_pid,
             run_pid);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

START_TEST(test_create_excl_mode_umask) {
    spy_name n;
    char text[64];
    spy_seg *s;
    spy_err e;
    struct stat st;
    mode_t old = umask(0);

    name_of("umask0", &n, text, sizeof text);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  4096, 0600, &s, &e),
                     0);
    ck_assert_int_eq(spy_seg_created(s), 1);
    ck_assert_uint_eq(spy_seg_len(s), 4096);
    spy_seg_close(s);
    ck_assert_int_eq(stat(dev_shm(text), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);

    umask(077);
    name_of("umask77", &n, text, sizeof text);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  100, 0644, &s, &e),
                     0);
    spy_seg_close(s);
    ck_assert_int_eq(stat(dev_shm(text), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    ck_assert_int_eq(st.st_size, 100);
    umask(old);

    /* Exists: EEXIST with EXCL, reuse and resize without. */
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  100, 0600, &s, &e),
                     SPY_EEXIST);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(e.msg, "already exists"));
    ck_assert_int_eq(
        spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE, 8192, 0600, &s, &e), 0);
    ck_assert_int_eq(spy_seg_created(s), 0);
    ck_assert_uint_eq(spy_seg_len(s), 8192);
    spy_seg_close(s);
    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);
    ck_assert_int_eq(spy_seg_unlink(&n, &e), SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no such shared memory object"));
}
END_TEST

START_TEST(test_read_write_readonly) {
    spy_name n;
    char text[64], buf[16];
    spy_seg *w, *r;
    spy_err e;

    name_of("rw", &n, text, sizeof text);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  64, 0600, &w, &e),
                     0);
    ck_assert_int_eq(spy_seg_write(w, 10, "hello", 6, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &r, &e), 0);
    ck_assert_int_eq(spy_seg_writable(r), 0);
    ck_assert_int_eq(spy_seg_read(r, 10, buf, 6, &e), 0);
    ck_assert_str_eq(buf, "hello");
    /* The same bytes through the file: one object, two views. */
    {
        FILE *f = fopen(dev_shm(text), "rb");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fseek(f, 10, SEEK_SET), 0);
        ck_assert_uint_eq(fread(buf, 1, 6, f), 6);
        fclose(f);
        ck_assert_str_eq(buf, "hello");
    }
    ck_assert_int_eq(spy_seg_write(r, 0, "x", 1, &e), SPY_EROFS);
    ck_assert_int_eq(spy_seg_read(r, 60, buf, 8, &e), SPY_ERANGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "past the end (64 bytes)"));
    ck_assert_int_eq(spy_seg_read(r, 65, buf, 0, &e), SPY_ERANGE);
    ck_assert_int_eq(spy_seg_flush(w, &e), 0);
    spy_seg_close(r);
    spy_seg_close(w);
    spy_seg_unlink(&n, NULL);
}
END_TEST

START_TEST(test_zero_size_and_refresh) {
    spy_name n;
    char text[64];
    spy_seg *s;
    spy_err e;
    int changed, fd;
    char buf[8];

    name_of("zero", &n, text, sizeof text);
    fd = open(dev_shm(text), O_CREAT | O_EXCL | O_RDWR, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    ck_assert_uint_eq(spy_seg_len(s), 0);

    /* Grows: refresh maps it. */
    ck_assert_int_eq(ftruncate(fd, 8192), 0);
    ck_assert_int_eq(pwrite(fd, "abc", 3, 8000), 3);
    ck_assert_int_eq(spy_seg_refresh(s, &changed, &e), 0);
    ck_assert_int_eq(changed, 1);
    ck_assert_uint_eq(spy_seg_len(s), 8192);
    ck_assert_int_eq(spy_seg_read(s, 8000, buf, 3, &e), 0);
    ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
    ck_assert_int_eq(spy_seg_refresh(s, &changed, &e), 0);
    ck_assert_int_eq(changed, 0);

    /* Shrinks under the mapping: a guarded read reports, never crashes. */
    ck_assert_int_eq(ftruncate(fd, 0), 0);
    ck_assert_int_eq(spy_seg_read(s, 8000, buf, 3, &e), SPY_EFAULT);
    ck_assert_ptr_nonnull(strstr(e.msg, "shrank"));
    ck_assert_ptr_nonnull(strstr(e.msg, "SIGBUS"));
    /* ...and a refresh notices the new size. */
    ck_assert_int_eq(spy_seg_refresh(s, &changed, &e), 0);
    ck_assert_int_eq(changed, 1);
    ck_assert_uint_eq(spy_seg_len(s), 0);
    spy_seg_close(s);
    close(fd);
    spy_seg_unlink(&n, NULL);
}
END_TEST

typedef struct found {
    const char *name;
    spy_seg_info info;
    int hits;
} found;

static int find_cb(const spy_seg_info *info, void *arg) {
    found *f = arg;
    if (strcmp(info->name, f->name) == 0) {
        f->info = *info;
        f->hits++;
    }
    return 0;
}

START_TEST(test_list_kinds_and_hostile_entries) {
    spy_name n;
    char text[64], path[128], sem[64], link[64], fifo[64];
    spy_seg *s;
    spy_err e;
    found f;

    name_of("listed", &n, text, sizeof text);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  12345, 0640, &s, &e),
                     0);
    spy_seg_close(s);
    memset(&f, 0, sizeof f);
    f.name = text;
    ck_assert_int_eq(spy_backend_list(SPY_LIST_ALL, find_cb, &f, &e), 0);
    ck_assert_int_eq(f.hits, 1);
    ck_assert_int_eq(f.info.kind, SPY_KIND_POSIX);
    ck_assert_uint_eq(f.info.size, 12345);
    ck_assert_uint_eq(f.info.mode, 0640);
    ck_assert_uint_eq(f.info.uid, getuid());
    ck_assert_str_eq(f.info.problem, "");

    /* A named semaphore's file. */
    snprintf(sem, sizeof sem, "/sem.spyut-%d-sem", run_pid);
    snprintf(path, sizeof path, "/dev/shm%s", sem);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    memset(&f, 0, sizeof f);
    f.name = sem;
    ck_assert_int_eq(spy_backend_list(SPY_LIST_POSIX, find_cb, &f, &e), 0);
    ck_assert_int_eq(f.hits, 1);
    ck_assert_int_eq(f.info.kind, SPY_KIND_SEM);
    unlink(path);

    /* A symlink to /etc/passwd and a FIFO: listed as "other", and opening
     * them neither follows the link nor blocks on the FIFO. */
    snprintf(link, sizeof link, "/spyut-%d-link", run_pid);
    snprintf(path, sizeof path, "/dev/shm%s", link);
    ck_assert_int_eq(symlink("/etc/passwd", path), 0);
    snprintf(fifo, sizeof fifo, "/spyut-%d-fifo", run_pid);
    snprintf(path, sizeof path, "/dev/shm%s", fifo);
    ck_assert_int_eq(mkfifo(path, 0600), 0);

    memset(&f, 0, sizeof f);
    f.name = link;
    spy_backend_list(SPY_LIST_POSIX, find_cb, &f, &e);
    ck_assert_int_eq(f.info.kind, SPY_KIND_OTHER);
    ck_assert_ptr_nonnull(strstr(f.info.problem, "symbolic link"));
    ck_assert_int_eq(spy_name_parse(link, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), SPY_ETYPE);
    ck_assert_ptr_nonnull(strstr(e.msg, "symbolic link"));
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE, 0, 0, &s, &e), SPY_ETYPE);

    memset(&f, 0, sizeof f);
    f.name = fifo;
    spy_backend_list(SPY_LIST_POSIX, find_cb, &f, &e);
    ck_assert_int_eq(f.info.kind, SPY_KIND_OTHER);
    ck_assert_ptr_nonnull(strstr(f.info.problem, "FIFO"));
    ck_assert_int_eq(spy_name_parse(fifo, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), SPY_ETYPE);
    ck_assert_ptr_nonnull(strstr(e.msg, "FIFO"));
    /* rm removes the link itself, never /etc/passwd. */
    ck_assert_int_eq(spy_name_parse(link, &n, &e), 0);
    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);
    ck_assert_int_eq(access("/etc/passwd", F_OK), 0);
    ck_assert_int_eq(spy_name_parse(fifo, &n, &e), 0);
    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);
    name_of("listed", &n, text, sizeof text);
    spy_seg_unlink(&n, NULL);
}
END_TEST

START_TEST(test_sysv_by_key) {
    spy_name n;
    char text[64];
    spy_seg *w, *r;
    spy_seg_info *info = malloc(sizeof *info);
    spy_err e;
    found *f = malloc(sizeof *f);
    char buf[8];

    snprintf(text, sizeof text, "key:0x%x", (unsigned)sysv_key(7));
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  10000, 0600, &w, &e),
                     0);
    ck_assert_uint_eq(spy_seg_len(w), 10000);
    ck_assert_int_eq(spy_seg_write(w, 9990, "sysv!", 6, &e), 0);
    ck_assert_int_eq(spy_seg_stat(w, info, &e), 0);
    ck_assert_int_eq(info->kind, SPY_KIND_SYSV);
    ck_assert_uint_eq(info->mode, 0600);
    ck_assert_int_eq(info->nattch, 1);
    ck_assert_int_eq(info->cpid, getpid());

    /* Open it again by id, read-only: not attached (no other process maps
     * it, so each read attaches for itself and detaches). */
    snprintf(text, sizeof text, "sysv:%d", info->shmid);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &r, &e), 0);
    ck_assert_int_eq(spy_seg_read(r, 9990, buf, 6, &e), 0);
    ck_assert_str_eq(buf, "sysv!");
    ck_assert_int_eq(spy_seg_write(r, 0, "x", 1, &e), SPY_EROFS);

    memset(f, 0, sizeof *f);
    f->name = text;
    ck_assert_int_eq(spy_backend_list(SPY_LIST_SYSV, find_cb, f, &e), 0);
    ck_assert_int_eq(f->hits, 1);
    ck_assert_uint_eq(f->info.size, 10000);
    ck_assert_int_eq(f->info.nattch, 1); /* w's attachment only */
    ck_assert_int_eq(f->info.key, info->key);

    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);
    spy_seg_close(r);
    spy_seg_close(w);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &r, &e), SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no such System V segment"));
    free(info);
    free(f);
}
END_TEST

START_TEST(test_file_mapping) {
    char path[] = "/tmp/spyut-file-XXXXXX", text[64];
    int fd = mkstemp(path);
    spy_name n;
    spy_seg *s;
    spy_err e;
    char buf[4];

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "file bytes", 10), 10);
    close(fd);
    snprintf(text, sizeof text, "file:%s", path);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    ck_assert_uint_eq(spy_seg_len(s), 10);
    ck_assert_int_eq(spy_seg_read(s, 5, buf, 4, &e), 0);
    ck_assert_int_eq(memcmp(buf, "byte", 4), 0);
    spy_seg_close(s);
    ck_assert_int_eq(spy_seg_unlink(&n, &e), 0);
    ck_assert_int_eq(access(path, F_OK), -1);
    snprintf(text, sizeof text, "file:/tmp");
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_ne(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
}
END_TEST

/* A file: path whose last component is a symlink: read through it (and
 * stat says where it leads), never opened for writing or resized without
 * SPY_O_FOLLOW; with it, written and resized through. A sticky directory
 * we own and write to holds our own link, which fs.protected_symlinks
 * allows: followed too. (Other users' links: test_names_links.sh.) */
START_TEST(test_file_link_rule) {
    char dir[] = "/tmp/spyut-link-XXXXXX", target[64], link[64], text[80];
    spy_seg_info *info = malloc(sizeof *info);
    spy_name n;
    spy_seg *s;
    spy_err e;
    char buf[5] = {0};
    int fd;

    ck_assert_ptr_nonnull(info);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chmod(dir, 01777), 0);
    snprintf(target, sizeof target, "%s/target", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    fd = open(target, O_CREAT | O_WRONLY, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "abcd", 4), 4);
    close(fd);
    ck_assert_int_eq(symlink("target", link), 0);
    snprintf(text, sizeof text, "file:%s", link);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);

    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    ck_assert_int_eq(spy_seg_stat(s, info, &e), 0);
    ck_assert_str_eq(info->link, "target");
    spy_seg_close(s);

    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE, 0, 0, &s, &e), SPY_ETYPE);
    ck_assert_ptr_nonnull(strstr(e.msg, "is a symbolic link to target"));
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_NOMAP,
                                  10, 0600, &s, &e),
                     SPY_ETYPE);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_FOLLOW, 0, 0, &s, &e),
                     0);
    ck_assert_int_eq(spy_seg_write(s, 0, "xy", 2, &e), 0);
    ck_assert_int_eq(spy_seg_read(s, 0, buf, 4, &e), 0);
    ck_assert_str_eq(buf, "xycd");
    spy_seg_close(s);
    ck_assert_int_eq(
        spy_seg_open(&n,
                     SPY_O_WRITE | SPY_O_CREATE | SPY_O_NOMAP | SPY_O_FOLLOW,
                     10, 0600, &s, &e),
        0);
    ck_assert_int_eq(spy_seg_created(s), 0);
    spy_seg_close(s);
    {
        struct stat st;
        ck_assert_int_eq(lstat(link, &st), 0);
        ck_assert(S_ISLNK(st.st_mode));
        ck_assert_int_eq(stat(target, &st), 0);
        ck_assert_int_eq(st.st_size, 10);
    }
    unlink(link);
    unlink(target);
    rmdir(dir);
    free(info);
}
END_TEST

/* Runs fn in a forked child as an unprivileged user: as root the child
 * switches to nobody (65534), otherwise it already is one. Returns fn's
 * result (the child's exit status), or -1 if the child did not exit. What
 * fn wants to say on failure goes to stderr. */
static int as_other_user(int (*fn)(void *), void *arg) {
    pid_t pid = fork();
    int st;
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (getuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
                              setuid(65534) != 0))
            _exit(100);
        _exit(fn(arg));
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

typedef struct sysv_probe {
    int shmid;
    spy_seg_info want; /* as IPC_STAT said, by the owner */
} sysv_probe;

static int find_sysv_cb(const spy_seg_info *info, void *arg) {
    found *f = arg;
    if (info->kind == SPY_KIND_SYSV && strcmp(info->name, f->name) == 0) {
        f->info = *info;
        f->hits++;
    }
    return 0;
}

/* In the unprivileged child: the root-owned 0600 segment is listed (as
 * ipcs -m lists it) with the same fields, yet cannot be opened. */
static int sysv_seen_by_other(void *arg) {
    sysv_probe *p = arg;
    static found f;
    char text[64];
    spy_name n;
    spy_seg *s;
    spy_err e;
    memset(&f, 0, sizeof f);
    snprintf(text, sizeof text, "sysv:%d", p->shmid);
    f.name = text;
    if (spy_backend_list(SPY_LIST_SYSV, find_sysv_cb, &f, &e) != 0)
        return 1;
    if (f.hits != 1) {
        fprintf(stderr, "%s listed %d times\n", text, f.hits);
        return 2;
    }
    if (f.info.size != p->want.size || f.info.mode != p->want.mode ||
        f.info.uid != p->want.uid || f.info.key != p->want.key ||
        f.info.cpid != p->want.cpid ||
        /* fork gave this child the parent's attachment too */
        f.info.nattch != p->want.nattch + 1) {
        fprintf(stderr,
                "%s: size %llu mode %o uid %u key %lld cpid %d nattch %d\n",
                text, (unsigned long long)f.info.size, (unsigned)f.info.mode,
                (unsigned)f.info.uid, (long long)f.info.key, (int)f.info.cpid,
                (int)f.info.nattch);
        return 3;
    }
    n.form = SPY_NAME_SYSV_ID;
    n.id = p->shmid;
    n.text[0] = '\0';
    if (spy_seg_open(&n, 0, 0, 0, &s, &e) != SPY_EACCES) {
        fprintf(stderr, "%s: open: %s\n", text, e.msg);
        return 4;
    }
    return 0;
}

START_TEST(test_sysv_list_like_ipcs) {
    /* The list is read from /proc/sysvipc/shm, as ipcs -m reads it: every
     * field matches IPC_STAT, and a segment we may not read is listed all
     * the same (SHM_STAT would hide it from a non-owner). */
    key_t key = sysv_key(0xa);
    int id = shmget(key, 5000, IPC_CREAT | IPC_EXCL | 0600);
    struct shmid_ds ds;
    spy_seg_info *info = malloc(sizeof *info);
    sysv_probe *probe = malloc(sizeof *probe);
    found *f = malloc(sizeof *f);
    char text[64];
    spy_err e;
    void *at;

    ck_assert_int_ge(id, 0);
    at = shmat(id, NULL, SHM_RDONLY);
    ck_assert_ptr_ne(at, (void *)-1);
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), 0);
    snprintf(text, sizeof text, "sysv:%d", id);
    memset(f, 0, sizeof *f);
    f->name = text;
    ck_assert_int_eq(spy_backend_list(SPY_LIST_SYSV, find_sysv_cb, f, &e), 0);
    ck_assert_int_eq(f->hits, 1);
    ck_assert_int_eq(f->info.shmid, id);
    /* The key as "key:0x..." names it: its 32 bits, never negative. */
    ck_assert_int_eq(f->info.key, (int64_t)(uint32_t)key);
    ck_assert_int_gt(f->info.key, 0x7fffffff);
    ck_assert_uint_eq(f->info.size, 5000);
    ck_assert_uint_eq(f->info.mode, 0600);
    ck_assert_uint_eq(f->info.uid, ds.shm_perm.uid);
    ck_assert_uint_eq(f->info.gid, ds.shm_perm.gid);
    ck_assert_int_eq(f->info.cpid, getpid());
    ck_assert_int_eq(f->info.lpid, ds.shm_lpid);
    ck_assert_int_eq(f->info.nattch, 1);
    ck_assert_int_eq(f->info.atime, (int64_t)ds.shm_atime);
    ck_assert_int_eq(f->info.ctime, (int64_t)ds.shm_ctime);
    ck_assert_int_eq(f->info.mtime, (int64_t)ds.shm_ctime);
    ck_assert_uint_eq(f->info.ino, (uint64_t)id);

    if (getuid() == 0) {
        probe->shmid = id;
        probe->want = f->info;
        ck_assert_int_eq(as_other_user(sysv_seen_by_other, probe), 0);
    }

    /* Removed while attached: still listed (ipcs shows it as "dest"), the
     * kernel's SHM_DEST bit is not part of the mode, the key is gone. */
    ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);
    memset(f, 0, sizeof *f);
    f->name = text;
    ck_assert_int_eq(spy_backend_list(SPY_LIST_SYSV, find_sysv_cb, f, &e), 0);
    ck_assert_int_eq(f->hits, 1);
    ck_assert_uint_eq(f->info.mode, 0600);
    ck_assert_int_eq(f->info.key, 0);
    ck_assert_int_eq(shmdt(at), 0);
    memset(f, 0, sizeof *f);
    f->name = text;
    ck_assert_int_eq(spy_backend_list(SPY_LIST_SYSV, find_sysv_cb, f, &e), 0);
    ck_assert_int_eq(f->hits, 0);
    free(info);
    free(probe);
    free(f);
}
END_TEST

/* In the unprivileged child: a read-write open of the 0644 object is
 * refused with a sentence that says read-only works, and read-only does;
 * the 0600 object is refused without that hint. */
static int rw_refused_with_hint(void *arg) {
    const char *base = arg;
    char text[128];
    spy_name n;
    spy_seg *s;
    spy_err e;
    char buf[4];

    n.form = SPY_NAME_PLAIN;
    snprintf(n.text, sizeof n.text, "%.40s-ro", base);
    if (spy_seg_open(&n, SPY_O_WRITE, 0, 0, &s, &e) != SPY_EACCES) {
        fprintf(stderr, "rw open of 0644: %s\n", e.msg);
        return 1;
    }
    snprintf(text, sizeof text, "%.50s: permission denied (mode 0644, owner ",
             n.text);
    if (strncmp(e.msg, text, strlen(text)) != 0 ||
        strstr(e.msg, "; it can be opened read-only") == NULL) {
        fprintf(stderr, "message: %s\n", e.msg);
        return 2;
    }
    /* With CREATE (no EXCL) the existing object is reused: same refusal. */
    if (spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE, 0, 0600, &s, &e) !=
            SPY_EACCES ||
        strstr(e.msg, "read-only") == NULL) {
        fprintf(stderr, "create-or-reuse: %s\n", e.msg);
        return 3;
    }
    if (spy_seg_open(&n, 0, 0, 0, &s, &e) != 0) {
        fprintf(stderr, "ro open: %s\n", e.msg);
        return 4;
    }
    if (spy_seg_read(s, 0, buf, 4, &e) != 0 || memcmp(buf, "ro!", 4) != 0)
        return 5;
    spy_seg_close(s);

    snprintf(n.text, sizeof n.text, "%.40s-private", base);
    if (spy_seg_open(&n, SPY_O_WRITE, 0, 0, &s, &e) != SPY_EACCES ||
        strstr(e.msg, "read-only") != NULL) {
        fprintf(stderr, "rw open of 0600: %s\n", e.msg);
        return 6;
    }
    return 0;
}

START_TEST(test_write_refused_suggests_read_only) {
    spy_name n;
    char text[64], base[64];
    spy_seg *s;
    spy_err e;

    if (getuid() != 0)
        return; /* needs another user's objects: only root can switch */
    snprintf(base, sizeof base, "/spyut-%d-perm", run_pid);
    snprintf(text, sizeof text, "%.40s-ro", base);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  4096, 0644, &s, &e),
                     0);
    ck_assert_int_eq(spy_seg_write(s, 0, "ro!", 4, &e), 0);
    spy_seg_close(s);
    snprintf(text, sizeof text, "%.40s-private", base);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  4096, 0600, &s, &e),
                     0);
    spy_seg_close(s);
    ck_assert_int_eq(as_other_user(rw_refused_with_hint, base), 0);
    remove_all();
}
END_TEST

/* Waits up to 10 s until pid catches sig, per /proc/PID/status. */
static int wait_sigcgt(pid_t pid, int sig) {
    char path[64], line[256];
    int i;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    for (i = 0; i < 1000; i++) {
        FILE *f = fopen(path, "r");
        unsigned long long mask = 0;
        while (f != NULL && fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "SigCgt: %llx", &mask) == 1)
                break;
        if (f != NULL)
            fclose(f);
        if (mask & (1ull << (sig - 1)))
            return 1;
        usleep(10000);
    }
    return 0;
}

START_TEST(test_read_across_windows) {
    /* A sparse 200 MiB file: reads and writes that straddle the 64 MiB
     * mapping windows see and change the right bytes. */
    char path[] = "/tmp/spyut-win-XXXXXX", text[64], buf[16];
    const off_t edge = 64 * 1024 * 1024;
    int fd = mkstemp(path);
    spy_name n;
    spy_seg *s;
    spy_err e;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 200 * 1024 * 1024), 0);
    ck_assert_int_eq(pwrite(fd, "ABCDEFGHIJKLMNOP", 16, edge - 8), 16);
    snprintf(text, sizeof text, "file:%s", path);
    ck_assert_int_eq(spy_name_parse(text, &n, &e), 0);
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE, 0, 0, &s, &e), 0);
    ck_assert_uint_eq(spy_seg_len(s), 200 * 1024 * 1024);
    ck_assert_int_eq(spy_seg_read(s, (uint64_t)edge - 8, buf, 16, &e), 0);
    ck_assert_int_eq(memcmp(buf, "ABCDEFGHIJKLMNOP", 16), 0);
    ck_assert_int_eq(spy_seg_write(s, (uint64_t)edge - 2, "xyzw", 4, &e), 0);
    ck_assert_int_eq(spy_seg_read(s, 199 * 1024 * 1024, buf, 4, &e), 0);
    ck_assert_int_eq(spy_seg_read(s, (uint64_t)edge - 8, buf, 16, &e), 0);
    ck_assert_int_eq(memcmp(buf, "ABCDEFxyzwKLMNOP", 16), 0);
    ck_assert_int_eq(pread(fd, buf, 16, edge - 8), 16);
    ck_assert_int_eq(memcmp(buf, "ABCDEFxyzwKLMNOP", 16), 0);
    /* Flush after the window moved on: msync of the current window plus
     * fdatasync for what earlier windows wrote. */
    ck_assert_int_eq(spy_seg_flush(s, &e), 0);
    spy_seg_close(s);
    close(fd);
    unlink(path);
}
END_TEST

START_TEST(test_hold_wait_signal) {
    int p[2];
    pid_t pid;
    int status;
    char line[64] = "";
    FILE *f;

    /* SIGTERM releases a hold, and the reason is named. */
    ck_assert_int_eq(pipe(p), 0);
    pid = fork();
    if (pid == 0) {
        const char *why;
        int in[2];
        if (pipe(in) != 0) /* stdin that never ends */
            _exit(9);
        dup2(in[0], 0);
        /* Check's own SIGTERM handler is inherited: without this reset,
         * SigCgt would show SIGTERM caught before the hold catches it. */
        signal(SIGTERM, SIG_DFL);
        if (write(p[1], "R\n", 2) != 2)
            _exit(8);
        spy_hold_wait(&why, NULL);
        dprintf(p[1], "%s\n", why);
        _exit(0);
    }
    close(p[1]);
    f = fdopen(p[0], "r");
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "R\n");
    /* Signal only once the hold has installed its handler (SigCgt). */
    ck_assert(wait_sigcgt(pid, SIGTERM));
    kill(pid, SIGTERM);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "SIGTERM\n");
    fclose(f);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(test_hold_signal_before_wait) {
    /* A signal that arrives after spy_hold_arm but before spy_hold_wait
     * (while the holder creates its object) is not lost: the wait returns
     * at once and names it. Before the self-pipe, a signal landing just
     * before poll() left the holder asleep until the next input. */
    int p[2];
    pid_t pid;
    int status;
    char line[64] = "";
    FILE *f;

    ck_assert_int_eq(pipe(p), 0);
    pid = fork();
    if (pid == 0) {
        const char *why;
        int in[2];
        if (pipe(in) != 0) /* stdin that never ends */
            _exit(9);
        dup2(in[0], 0);
        alarm(20); /* a lost signal fails the test instead of hanging it */
        if (spy_hold_arm(NULL) != 0)
            _exit(8);
        raise(SIGTERM);
        spy_hold_wait(&why, NULL);
        dprintf(p[1], "%s\n", why);
        _exit(0);
    }
    close(p[1]);
    f = fdopen(p[0], "r");
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "SIGTERM\n");
    fclose(f);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

int main(void) {
    Suite *s = suite_create("backend_posix");
    TCase *tc = tcase_create("objects");
    SRunner *sr;
    int failed;

    run_pid = (int)getpid();
    tcase_add_unchecked_fixture(tc, NULL, remove_all);
    tcase_add_test(tc, test_create_excl_mode_umask);
    tcase_add_test(tc, test_read_write_readonly);
    tcase_add_test(tc, test_zero_size_and_refresh);
    tcase_add_test(tc, test_list_kinds_and_hostile_entries);
    tcase_add_test(tc, test_sysv_by_key);
    tcase_add_test(tc, test_sysv_list_like_ipcs);
    tcase_add_test(tc, test_write_refused_suggests_read_only);
    tcase_add_test(tc, test_file_mapping);
    tcase_add_test(tc, test_file_link_rule);
    tcase_add_test(tc, test_read_across_windows);
    tcase_add_test(tc, test_hold_wait_signal);
    tcase_add_test(tc, test_hold_signal_before_wait);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
