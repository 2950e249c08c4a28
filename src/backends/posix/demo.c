/* posix/demo.c - the classroom experiments behind `shmspy demo`: real
 * objects, real processes, real faults. Each returns what it observed;
 * the narration and the judgement live in src/cli/cmd_demo.c. */
#include "../demo_table.h"
#include "../guard.h"
#include "../lockinfo.h"
#include "../process.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static void set_err(spy_demo_obs *o, int e) {
    o->err = e;
    snprintf(o->err_name, sizeof o->err_name, "%s",
             e == EINVAL   ? "EINVAL"
             : e == ENOENT ? "ENOENT"
             : e == EACCES ? "EACCES"
                           : "errno");
}

/* A private shm name for this run: /shmspy-lab-PID-WORD. */
static void lab_name(char *buf, size_t cap, const char *word) {
    snprintf(buf, cap, "/shmspy-lab-%d-%s", (int)getpid(), word);
}

/* Creates a sized object read-write; returns the fd or -1. */
static int lab_object(const char *name, off_t size) {
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd >= 0 && size > 0 && ftruncate(fd, size) != 0) {
        close(fd);
        shm_unlink(name);
        return -1;
    }
    return fd;
}

static int setup_failed(const char *what, spy_err *err) {
    return spy_err_set(err, SPY_EIO, errno, "demo: %s: %s", what,
                       strerror(errno));
}

static int probe_into(spy_demo_obs *o, const volatile void *p, int write) {
    uint8_t b[1];
    o->faulted = spy_probe((uint64_t)(uintptr_t)p, 1, write, b, &o->fault) != 0;
    return b[0];
}

/* Runs fn in a child; it writes its report to the pipe fd given. */
static int in_child(void (*fn)(int wfd, void *arg), void *arg, void *report,
                    size_t len) {
    int p[2], st;
    pid_t pid;
    ssize_t got;
    if (pipe(p) != 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        fn(p[1], arg);
        _exit(0);
    }
    close(p[1]);
    got = read(p[0], report, len);
    close(p[0]);
    waitpid(pid, &st, 0);
    return got == (ssize_t)len ? 0 : -1;
}

static void child_maps_new_page(int wfd, void *arg) {
    char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint64_t a = (uint64_t)(uintptr_t)p;
    (void)arg;
    strcpy(p, "a value only the other process can see");
    if (write(wfd, &a, sizeof a) != sizeof a)
        _exit(1);
}

static int fixed_pointer(spy_demo_obs *o, spy_err *err) {
    /* The other program prints the address of its data; we dereference
     * the number it printed. */
    if (in_child(child_maps_new_page, NULL, &o->addr[0], sizeof o->addr[0]))
        return setup_failed("fork", err);
    o->v[0] = probe_into(o, (void *)(uintptr_t)o->addr[0], 0);
    return 0;
}

static int null_deref(spy_demo_obs *o) {
    probe_into(o, NULL, 0);
    return 0;
}

static int use_after_munmap(spy_demo_obs *o, spy_err *err) {
    char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return setup_failed("mmap", err);
    strcpy(p, "alive");
    o->addr[0] = (uint64_t)(uintptr_t)p;
    o->v[0] = probe_into(o, p, 0); /* before: works */
    o->v[1] = o->faulted;
    munmap(p, PAGE);
    probe_into(o, p, 0);
    return 0;
}

/* Creates the lab object called name (lab_name of word, in name[cap]) of
 * size bytes and maps it shared with prot; the descriptor is closed.
 * NULL with *err set (and nothing left behind) when that fails; the
 * caller unmaps and removes the object. */
static char *lab_map(char *name, size_t cap, const char *word, size_t size,
                     int prot, spy_err *err) {
    int fd;
    char *p;
    lab_name(name, cap, word);
    if ((fd = lab_object(name, (off_t)size)) < 0) {
        setup_failed(name, err);
        return NULL;
    }
    p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        shm_unlink(name);
        setup_failed("mmap", err);
        return NULL;
    }
    return p;
}

static int write_to_readonly(spy_demo_obs *o, spy_err *err) {
    char name[64];
    char *p = lab_map(name, sizeof name, "ro", PAGE, PROT_READ, err);
    if (p == NULL)
        return SPY_EIO;
    shm_unlink(name);
    o->v[0] = probe_into(o, p, 0); /* reading is allowed */
    o->v[1] = o->faulted;
    probe_into(o, p, 1);
    munmap(p, PAGE);
    return 0;
}

static void child_truncates(int wfd, void *arg) {
    const char *name = arg;
    int fd = shm_open(name, O_RDWR, 0);
    int64_t ok = fd >= 0 && ftruncate(fd, 0) == 0;
    if (write(wfd, &ok, sizeof ok) != sizeof ok)
        _exit(1);
}

static int truncate_under_reader(spy_demo_obs *o, spy_err *err) {
    char name[64];
    char *p = lab_map(name, sizeof name, "trunc", 2 * PAGE, PROT_READ, err);
    if (p == NULL)
        return SPY_EIO;
    o->v[0] = probe_into(o, p + PAGE, 0);
    o->v[1] = o->faulted;
    /* Another process shrinks the object to 0 bytes. */
    if (in_child(child_truncates, name, &o->v[2], sizeof o->v[2]) != 0) {
        munmap(p, 2 * PAGE);
        shm_unlink(name);
        return setup_failed("fork", err);
    }
    probe_into(o, p + PAGE, 0);
    munmap(p, 2 * PAGE);
    shm_unlink(name);
    return 0;
}

static int past_end_of_file(spy_demo_obs *o, spy_err *err) {
    char path[] = "/tmp/shmspy-lab-XXXXXX";
    int fd = mkstemp(path);
    char *p;
    if (fd < 0)
        return setup_failed("mkstemp", err);
    unlink(path);
    if (write(fd, "one hundred bytes follow", 24) != 24 ||
        ftruncate(fd, 100) != 0) {
        close(fd);
        return setup_failed("write", err);
    }
    p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return setup_failed("mmap", err);
    o->v[0] = 100;
    o->v[1] = probe_into(o, p + 200, 0); /* past EOF, same page: zero */
    o->v[2] = o->faulted;
    probe_into(o, p + PAGE + 8, 0); /* the page after EOF: SIGBUS */
    munmap(p, 2 * PAGE);
    return 0;
}

static int unlink_while_mapped(spy_demo_obs *o, spy_err *err) {
    char name[64];
    int fd;
    char *p =
        lab_map(name, sizeof name, "unlink", PAGE, PROT_READ | PROT_WRITE, err);
    if (p == NULL)
        return SPY_EIO;
    strcpy(p, "still here after unlink");
    shm_unlink(name);
    fd = shm_open(name, O_RDONLY, 0);
    if (fd >= 0)
        close(fd);
    else
        set_err(o, errno);
    snprintf(o->text[0], sizeof o->text[0], "%s", p);
    munmap(p, PAGE);
    return 0;
}

static void child_reads_object(int wfd, void *arg) {
    const char *name = arg;
    char buf[64] = "";
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd >= 0) {
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    if (write(wfd, buf, sizeof buf) != sizeof buf)
        _exit(1);
}

static int copy_on_write(spy_demo_obs *o, spy_err *err) {
    char name[64];
    int fd;
    char *priv, *shared;
    lab_name(name, sizeof name, "cow");
    fd = lab_object(name, PAGE);
    if (fd < 0)
        return setup_failed(name, err);
    priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (priv == MAP_FAILED || shared == MAP_FAILED) {
        shm_unlink(name);
        return setup_failed("mmap", err);
    }
    strcpy(priv, "written through MAP_PRIVATE");
    /* What another process sees now. */
    in_child(child_reads_object, name, o->text[0], sizeof o->text[0]);
    strcpy(shared, "written through MAP_SHARED");
    in_child(child_reads_object, name, o->text[1], sizeof o->text[1]);
    o->v[0] = strcmp(priv, "written through MAP_PRIVATE") == 0;
    munmap(priv, PAGE);
    munmap(shared, PAGE);
    shm_unlink(name);
    return 0;
}

typedef struct two_maps {
    const char *name;
    uint64_t addr;
    char text[64];
} two_maps;

static void child_maps_and_reads(int wfd, void *arg) {
    two_maps *t = arg;
    int fd = shm_open(t->name, O_RDONLY, 0);
    char *p =
        fd < 0 ? MAP_FAILED : mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        _exit(1);
    t->addr = (uint64_t)(uintptr_t)p;
    snprintf(t->text, sizeof t->text, "%s", p);
    if (write(wfd, t, sizeof *t) != sizeof *t)
        _exit(1);
}

static int different_addresses(spy_demo_obs *o, spy_err *err) {
    char name[64];
    two_maps t;
    int fd;
    char *p, *pad;
    lab_name(name, sizeof name, "addr");
    fd = lab_object(name, PAGE);
    if (fd < 0)
        return setup_failed(name, err);
    /* A spare mapping first, so that our view does not sit where the
     * other process's fresh mapping will land. */
    pad = mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        shm_unlink(name);
        return setup_failed("mmap", err);
    }
    strcpy(p, "the same bytes");
    o->addr[0] = (uint64_t)(uintptr_t)p;
    t.name = name;
    if (in_child(child_maps_and_reads, &t, &t, sizeof t) != 0) {
        munmap(p, PAGE);
        shm_unlink(name);
        return setup_failed("fork", err);
    }
    o->addr[1] = t.addr;
    snprintf(o->text[0], sizeof o->text[0], "%s", p);
    snprintf(o->text[1], sizeof o->text[1], "%s", t.text);
    munmap(p, PAGE);
    if (pad != MAP_FAILED)
        munmap(pad, 16 * PAGE);
    shm_unlink(name);
    return 0;
}

typedef struct shared_box {
    sem_t ready;
    volatile int64_t value;
} shared_box;

static int fork_anonymous(spy_demo_obs *o, spy_err *err) {
    shared_box *box = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int p[2], round, st;
    if (box == MAP_FAILED || pipe(p) != 0)
        return setup_failed("mmap", err);
    /* Round 0 unsynchronised: the child reads at once, the parent writes
     * whenever it gets to it. Round 1: the child waits on a semaphore. */
    for (round = 0; round < 2; round++) {
        pid_t pid;
        int64_t seen = -1;
        box->value = 0;
        sem_init(&box->ready, 1, 0);
        pid = fork();
        if (pid < 0)
            return setup_failed("fork", err);
        if (pid == 0) {
            if (round == 1)
                while (sem_wait(&box->ready) != 0 && errno == EINTR)
                    ;
            seen = box->value;
            if (write(p[1], &seen, sizeof seen) != sizeof seen)
                _exit(1);
            _exit(0);
        }
        box->value = 42;
        sem_post(&box->ready);
        if (read(p[0], &seen, sizeof seen) != sizeof seen)
            seen = -1;
        waitpid(pid, &st, 0);
        sem_destroy(&box->ready);
        o->v[round] = seen;
    }
    close(p[0]);
    close(p[1]);
    munmap(box, PAGE);
    return 0;
}

static int never_sized(spy_demo_obs *o, spy_err *err) {
    char name[64];
    struct stat st;
    char *p;
    int fd;
    lab_name(name, sizeof name, "nosize");
    fd = lab_object(name, 0); /* shm_open, and no ftruncate */
    if (fd < 0)
        return setup_failed(name, err);
    fstat(fd, &st);
    o->v[0] = (int64_t)st.st_size;
    p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    shm_unlink(name);
    if (p == MAP_FAILED) {
        set_err(o, errno);
        return 0;
    }
    o->v[1] = 1; /* mmap itself succeeded */
    probe_into(o, p, 0);
    munmap(p, PAGE);
    return 0;
}

static int misaligned_offset(spy_demo_obs *o, spy_err *err) {
    char name[64];
    int fd;
    void *p;
    lab_name(name, sizeof name, "align");
    fd = lab_object(name, 4 * PAGE);
    if (fd < 0)
        return setup_failed(name, err);
    o->v[0] = 100;
    o->v[1] = (int64_t)sysconf(_SC_PAGESIZE);
    p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 100);
    if (p == MAP_FAILED)
        set_err(o, errno);
    else
        munmap(p, PAGE);
    p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
    o->v[2] = p != MAP_FAILED; /* a page-aligned offset works */
    if (p != MAP_FAILED)
        munmap(p, PAGE);
    close(fd);
    shm_unlink(name);
    return 0;
}

static int demand_paging(spy_demo_obs *o, spy_err *err) {
    char path[] = "/tmp/shmspy-lab-XXXXXX";
    int fd = mkstemp(path), i;
    char rec[20];
    volatile char *p;
    struct rusage before, after;
    volatile unsigned sum = 0;
    if (fd < 0)
        return setup_failed("mkstemp", err);
    unlink(path);
    for (i = 0; i < 1000; i++) {
        snprintf(rec, sizeof rec, "record %012d", i);
        if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec) {
            close(fd);
            return setup_failed("write", err);
        }
    }
    /* Drop the pages from the cache view of this mapping: a fresh map. */
    p = mmap(NULL, 20000, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return setup_failed("mmap", err);
    getrusage(RUSAGE_SELF, &before);
    for (i = 0; i < 1000; i++)
        sum += (unsigned char)p[i * 20 + 7];
    getrusage(RUSAGE_SELF, &after);
    o->v[0] = 1000;
    o->v[1] = (int64_t)(after.ru_minflt - before.ru_minflt);
    o->v[2] = (20000 + PAGE - 1) / PAGE;
    o->v[3] = sum != 0;
    munmap((void *)p, 20000);
    return 0;
}

/* ---- tmpfs-full: SIGBUS on a full tmpfs, nothing truncated ------------ */

#define FULL_TMPFS "size=256k,mode=1777"
#define FULL_OBJECT (1024 * 1024)

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/* What the child saw in its private mount namespace. */
typedef struct full_report {
    int skipped; /* the experiment could not be set up: why says why */
    char why[160];
    int faulted;
    spy_fault fault;
    int64_t size;    /* the object's size when the fault was caught */
    int64_t off;     /* object offset of the fault */
    int64_t free;    /* bytes the tmpfs could still allocate then */
    int64_t touched; /* pages touched before the fault */
    int tmpfs;       /* /dev/shm was a tmpfs then */
} full_report;

static void full_skip(full_report *r, const char *what) {
    r->skipped = 1;
    snprintf(r->why, sizeof r->why, "%s: %s", what, strerror(errno));
}

/* In a child: a mount namespace of its own (so nothing outside sees it),
 * mounts private, a 256 KiB tmpfs over /dev/shm, a 1 MiB object that is
 * one hole, mapped; pages written one by one until one cannot be had. */
static void child_fills_tmpfs(int wfd, void *arg) {
    full_report r;
    const char *name = arg;
    volatile uint8_t *p = MAP_FAILED;
    struct stat st;
    struct statfs fs;
    int fd = -1;
    int64_t i;

    memset(&r, 0, sizeof r);
    if (geteuid() != 0) {
        r.skipped = 1;
        snprintf(r.why, sizeof r.why,
                 "needs root to mount a small tmpfs in a private mount "
                 "namespace (running as uid %d)",
                 (int)geteuid());
    } else if (unshare(CLONE_NEWNS) != 0) {
        full_skip(&r, "unshare(CLONE_NEWNS) refused");
    } else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        full_skip(&r, "making the mounts private refused");
    } else if (mount("shmspy-lab", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
                     FULL_TMPFS) != 0) {
        full_skip(&r, "mounting a 256 KiB tmpfs on /dev/shm refused");
    } else if ((fd = lab_object(name, FULL_OBJECT)) < 0) {
        full_skip(&r, "shm_open in the small tmpfs");
    } else if ((p = mmap(NULL, FULL_OBJECT, PROT_READ | PROT_WRITE, MAP_SHARED,
                         fd, 0)) == MAP_FAILED) {
        full_skip(&r, "mmap");
    }
    if (!r.skipped) {
        for (i = 0; i < FULL_OBJECT / PAGE; i++) {
            uint8_t b[1];
            if (spy_probe((uint64_t)(uintptr_t)(p + i * PAGE), 1, 1, b,
                          &r.fault) != 0) {
                r.faulted = 1;
                r.off = (int64_t)(r.fault.addr - (uint64_t)(uintptr_t)p);
                break;
            }
            r.touched++;
        }
        /* The facts at fault time: size and room now, before cleaning. */
        r.size = fstat(fd, &st) == 0 ? (int64_t)st.st_size : -1;
        if (statfs("/dev/shm", &fs) == 0) {
            r.free = (int64_t)fs.f_bavail * (int64_t)fs.f_bsize;
            r.tmpfs = fs.f_type == TMPFS_MAGIC;
        }
        munmap((void *)p, FULL_OBJECT);
    }
    if (fd >= 0) {
        close(fd);
        shm_unlink(name);
    }
    /* The tmpfs goes with this process's mount namespace. */
    if (write(wfd, &r, sizeof r) != sizeof r)
        _exit(1);
}

static int tmpfs_full(spy_demo_obs *o, spy_err *err) {
    char name[64];
    full_report r;
    lab_name(name, sizeof name, "full");
    if (in_child(child_fills_tmpfs, name, &r, sizeof r) != 0)
        return setup_failed("fork", err);
    if (r.skipped)
        return spy_err_set(err, SPY_ENOTSUP, 0, "demo tmpfs-full: skipped: %s",
                           r.why);
    o->faulted = r.faulted;
    o->fault = r.fault;
    o->v[0] = r.size;
    o->v[1] = r.off;
    o->v[2] = r.free;
    o->v[3] = r.touched;
    o->addr[0] = FULL_OBJECT;
    snprintf(o->text[0], sizeof o->text[0], "%s", r.tmpfs ? "tmpfs" : "");
    snprintf(o->text[1], sizeof o->text[1], "%s", FULL_TMPFS);
    return 0;
}

/* ---- deadlock: two processes, two mutexes, taken in opposite orders -- */

/* The shared struct of the experiment. */
typedef struct deadlock_shared {
    pthread_mutex_t a, b;
    pthread_barrier_t both_hold_one;
} deadlock_shared;

#define DL_FORM_MS 5000     /* the deadlock forms within this, or fails */
#define DL_CHILD_SECONDS 30 /* a child never outlives this (alarm) */

/* One of the two processes: takes its first mutex, waits until the other
 * holds its own, then asks for the second and sleeps forever. It dies
 * with SIGALRM, or with its parent (PR_SET_PDEATHSIG), if not killed. */
static void deadlock_child(deadlock_shared *s, int a_first, const char *comm) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(DL_CHILD_SECONDS);
    prctl(PR_SET_NAME, comm);
    pthread_mutex_lock(a_first ? &s->a : &s->b);
    pthread_barrier_wait(&s->both_hold_one);
    pthread_mutex_lock(a_first ? &s->b : &s->a);
    _exit(0); /* never reached while the other holds it */
}

/* 1 when process pid sleeps (state S in /proc/PID/stat). */
static int sleeping(pid_t pid) {
    char path[64], buf[256], *p;
    FILE *f;
    int ok = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "re")) == NULL)
        return 0;
    if (fgets(buf, sizeof buf, f) != NULL && (p = strrchr(buf, ')')) != NULL)
        ok = p[1] == ' ' && p[2] == 'S';
    fclose(f);
    return ok;
}

/* The layout of deadlock_shared, from this build's own headers, into the
 * empty layout l. */
static int deadlock_layout(spy_layout *l, spy_err *err) {
    spy_ltype t;
    spy_lmember m;
    uint32_t mt, root;
    int rc;
    if ((rc = spy_lock_native_mutex(l, &mt, err)) != 0)
        return rc;
    memset(&t, 0, sizeof t);
    t.name = "struct deadlock_shared";
    t.kind = SPY_L_STRUCT;
    t.size = sizeof(deadlock_shared);
    t.elem = SPY_LAYOUT_NONE;
    if ((rc = spy_layout_add_type(l, &t, &root, err)) != 0)
        return rc;
    memset(&m, 0, sizeof m);
    m.name = "a";
    m.type = mt;
    m.offset = offsetof(deadlock_shared, a);
    if ((rc = spy_layout_add_member(l, root, &m, err)) != 0)
        return rc;
    m.name = "b";
    m.offset = offsetof(deadlock_shared, b);
    if ((rc = spy_layout_add_member(l, root, &m, err)) != 0)
        return rc;
    l->root = root;
    return spy_layout_check(l, err);
}

static int deadlock(spy_demo_obs *o, spy_err *err) {
    char name[64];
    deadlock_shared *s;
    pthread_mutexattr_t ma;
    pthread_barrierattr_t ba;
    pid_t pid[2] = {-1, -1};
    spy_layout l;
    int i, st, rc = 0, formed = 0;

    spy_layout_init(&l);
    s = (deadlock_shared *)(void *)lab_map(name, sizeof name, "deadlock", PAGE,
                                           PROT_READ | PROT_WRITE, err);
    if (s == NULL)
        return SPY_EIO;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&s->a, &ma);
    pthread_mutex_init(&s->b, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_barrierattr_init(&ba);
    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
    pthread_barrier_init(&s->both_hold_one, &ba, 2);
    pthread_barrierattr_destroy(&ba);
    fflush(NULL);
    for (i = 0; i < 2; i++) {
        pid[i] = fork();
        if (pid[i] == 0)
            deadlock_child(s, i == 0, i == 0 ? "deadlock-p1" : "deadlock-p2");
        if (pid[i] < 0) {
            rc = setup_failed("fork", err);
            break;
        }
        o->pid[i] = (int32_t)pid[i];
    }
    /* Formed: both lock words say "locked, someone waits" (2) and both
     * processes sleep. */
    for (i = 0; rc == 0 && i < DL_FORM_MS / 10 && !formed; i++) {
        formed = s->a.__data.__lock == 2 && s->b.__data.__lock == 2 &&
                 sleeping(pid[0]) && sleeping(pid[1]);
        if (!formed)
            usleep(10000);
    }
    if (rc == 0 && !formed)
        rc = spy_err_set(err, SPY_EIO, 0,
                         "demo deadlock: the two processes did not deadlock "
                         "within %d ms",
                         DL_FORM_MS);
    if (rc == 0 && (rc = deadlock_layout(&l, err)) == 0) {
        spy_demo_scene sc;
        memset(&sc, 0, sizeof sc);
        usleep(20000); /* into futex() itself, past the lock word */
        sc.seg_name = name;
        sc.layout = &l;
        sc.pid[0] = o->pid[0];
        sc.pid[1] = o->pid[1];
        spy__demo_look(&sc, o);
    }
    spy_layout_free(&l);
    /* Whatever happened: both end, nothing is left. */
    for (i = 0; i < 2; i++)
        if (pid[i] > 0) {
            kill(pid[i], SIGKILL);
            waitpid(pid[i], &st, 0);
        }
    munmap(s, PAGE);
    shm_unlink(name);
    return rc;
}

/* ---- lost-update: two processes, one counter, no lock ----------------- */

/* The shared struct of the experiment; the counter at offset 0. */
typedef struct lost_shared {
    volatile int64_t counter;
    pthread_mutex_t lock;
    volatile int named;    /* children named and sampling (atomic adds) */
    volatile int ready;    /* children done with the sample (atomic adds) */
    volatile int go;       /* 1: the measured run starts (both at once) */
    volatile int sampling; /* 1: children increment slowly (the look) */
} lost_shared;

/* Increments per process in the unlocked run: 50 million take 50-100 ms,
 * longer than a scheduler time slice, so that even two processes sharing
 * one core (a busy machine) are switched in the middle of an increment now
 * and then; 5 million fit in one slice and often lost nothing there. The
 * locked run takes the mutex for every increment (a contended futex, far
 * slower): 1 million each. */
#define LU_N 50000000
#define LU_N_LOCKED 1000000
#define LU_TRIES 10          /* unlocked runs until one loses an update */
#define LU_RUN_MS 20000      /* a measured run ends within this, or fails */
#define LU_CHILD_SECONDS 60  /* a child never outlives this (alarm) */
#define LU_SAMPLE_GAP_US 100 /* pause between sampled increments */

/* The unprotected increment: load, add, store. Another process's store
 * between our load and our store is overwritten: its update is lost. Not
 * inlined, so that blame names this function. */
__attribute__((noinline)) static void lost_update_add(lost_shared *s) {
    s->counter = s->counter + 1;
}

/* The same increment under the process-shared mutex. */
__attribute__((noinline)) static void lost_update_add_locked(lost_shared *s) {
    pthread_mutex_lock(&s->lock);
    s->counter = s->counter + 1;
    pthread_mutex_unlock(&s->lock);
}

/* One of the two processes: increments slowly while the parent looks
 * (sampling), says it is ready, waits for go (spinning, so that both
 * start together), then increments LU_N times as fast as it can. */
static void lost_update_child(lost_shared *s, int locked, const char *comm) {
    long i;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(LU_CHILD_SECONDS);
    prctl(PR_SET_NAME, comm);
    __atomic_add_fetch(&s->named, 1, __ATOMIC_SEQ_CST);
    while (s->sampling) {
        if (locked)
            lost_update_add_locked(s);
        else
            lost_update_add(s);
        usleep(LU_SAMPLE_GAP_US);
    }
    __atomic_add_fetch(&s->ready, 1, __ATOMIC_SEQ_CST);
    while (!s->go)
        ;
    if (locked)
        for (i = 0; i < LU_N_LOCKED; i++)
            lost_update_add_locked(s);
    else
        for (i = 0; i < LU_N; i++)
            lost_update_add(s);
    _exit(0);
}

/* Waits up to ms for pid to exit; 0 when it exited with status 0. */
static int lost_update_reap(pid_t pid, int ms) {
    int st, i;
    for (i = 0; i < ms; i++) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
        if (r < 0)
            return -1;
        usleep(1000);
    }
    return -1;
}

/* One round: two children, a look at them while they increment slowly
 * (when look is set), then the measured run; *count the counter after
 * it. */
static int lost_update_round(lost_shared *s, const char *name, int locked,
                             int look, spy_demo_obs *o, int64_t *count,
                             spy_err *err) {
    pid_t pid[2] = {-1, -1};
    int i, rc = 0, st;
    uint64_t t0;

    s->counter = 0;
    s->named = 0;
    s->ready = 0;
    s->go = 0;
    s->sampling = 1;
    fflush(NULL);
    for (i = 0; i < 2; i++) {
        pid[i] = fork();
        if (pid[i] == 0)
            lost_update_child(s, locked,
                              i == 0 ? "lost-update-p1" : "lost-update-p2");
        if (pid[i] < 0) {
            rc = setup_failed("fork", err);
            break;
        }
    }
    /* Both named before the look: blame takes a process's command when
     * it arms it. */
    for (t0 = 0;
         rc == 0 && look && __atomic_load_n(&s->named, __ATOMIC_SEQ_CST) < 2 &&
         t0 < LU_RUN_MS;
         t0++)
        usleep(1000);
    if (rc == 0 && look) {
        spy_demo_scene sc;
        memset(&sc, 0, sizeof sc);
        sc.seg_name = name;
        sc.pid[0] = (int32_t)pid[0];
        sc.pid[1] = (int32_t)pid[1];
        sc.off = offsetof(lost_shared, counter);
        sc.len = sizeof s->counter;
        sc.round = locked;
        spy__demo_look(&sc, o);
    }
    s->sampling = 0;
    t0 = 0;
    while (rc == 0 && __atomic_load_n(&s->ready, __ATOMIC_SEQ_CST) < 2) {
        if (++t0 > LU_RUN_MS)
            rc = spy_err_set(err, SPY_EIO, 0,
                             "demo lost-update: the two processes did not "
                             "get ready within %d ms",
                             LU_RUN_MS);
        usleep(1000);
    }
    if (rc == 0) {
        s->counter = 0; /* nobody writes between ready and go */
        __atomic_store_n(&s->go, 1, __ATOMIC_SEQ_CST);
        for (i = 0; i < 2 && rc == 0; i++)
            if (lost_update_reap(pid[i], LU_RUN_MS) != 0)
                rc = spy_err_set(err, SPY_EIO, 0,
                                 "demo lost-update: process %d did not "
                                 "finish its %d increments within %d ms",
                                 (int)pid[i], locked ? LU_N_LOCKED : LU_N,
                                 LU_RUN_MS);
            else
                pid[i] = -1;
        *count = s->counter;
    }
    for (i = 0; i < 2; i++)
        if (pid[i] > 0) {
            kill(pid[i], SIGKILL);
            waitpid(pid[i], &st, 0);
        }
    return rc;
}

/* v[0] increments per process, v[1] the counter after the unlocked run
 * (the last of v[3] tries: until one lost an update), v[2] after the
 * locked run of v[4] increments per process. The look sees each round's
 * processes (scene.round). */
static int lost_update(spy_demo_obs *o, spy_err *err) {
    char name[64];
    lost_shared *s;
    pthread_mutexattr_t ma;
    int rc = 0, t;

    s = (lost_shared *)(void *)lab_map(name, sizeof name, "lost", PAGE,
                                       PROT_READ | PROT_WRITE, err);
    if (s == NULL)
        return SPY_EIO;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&s->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    o->v[0] = LU_N;
    o->v[4] = LU_N_LOCKED;
    for (t = 0; rc == 0 && t < LU_TRIES; t++) {
        rc = lost_update_round(s, name, 0, t == 0, o, &o->v[1], err);
        o->v[3] = t + 1;
        if (rc == 0 && o->v[1] < 2 * (int64_t)LU_N)
            break;
    }
    if (rc == 0)
        rc = lost_update_round(s, name, 1, 1, o, &o->v[2], err);
    pthread_mutex_destroy(&s->lock);
    munmap(s, PAGE);
    shm_unlink(name);
    return rc;
}

static int null_deref_exp(spy_demo_obs *o, spy_err *err) {
    (void)err;
    return null_deref(o);
}

const spy__experiment spy__experiments[] = {
    {"fixed-pointer", fixed_pointer},
    {"null-deref", null_deref_exp},
    {"use-after-munmap", use_after_munmap},
    {"write-to-readonly", write_to_readonly},
    {"truncate-under-reader", truncate_under_reader},
    {"past-end-of-file", past_end_of_file},
    {"unlink-while-mapped", unlink_while_mapped},
    {"copy-on-write", copy_on_write},
    {"different-addresses", different_addresses},
    {"fork-anonymous", fork_anonymous},
    {"never-sized", never_sized},
    {"misaligned-offset", misaligned_offset},
    {"demand-paging", demand_paging},
    {"tmpfs-full", tmpfs_full},
    {"deadlock", deadlock},
    {"lost-update", lost_update},
};

const size_t spy__n_experiments =
    sizeof spy__experiments / sizeof spy__experiments[0];

int spy_demo_child(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fputs("shmspy: " SPY_DEMO_CHILD ": only used on Windows, where "
          "experiments cannot fork\n",
          stderr);
    return 2;
}

spy_platform spy_platform_get(void) {
    return SPY_PLATFORM_POSIX;
}
