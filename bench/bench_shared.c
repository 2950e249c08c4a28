/* bench_shared.c - processes mapping shared memory of several kinds, for
 * scripts/bench's "shared" section (shmspy list --kind all against lsfd).
 *
 *   bench_shared PREFIX NPROC
 *
 * Starts NPROC processes (rounded up to an even number) in pairs, below
 * one leader (this process, which maps nothing). Each pair's first
 * process creates an anonymous MAP_SHARED page and the POSIX object
 * /dev/shm/PREFIXpNNNN (8 KiB), maps both, then forks the second, which
 * inherits both mappings: one anon object and one POSIX object with two
 * mappers each. Then each process creates its own memfd
 * "shmspy-bench-PID-N" (N: its index, 12 KiB; every other one sealed
 * against shrinking and growing), maps it shared and keeps its descriptor
 * open. Per pair: 2 memfds, 1 anon page, 1 POSIX object; 6 mappings.
 *
 * When all are ready the leader prints their pids, one a line, then
 * "ready", and waits for SIGTERM, SIGINT or SIGHUP (or the death of its
 * own parent: the bench was killed). Then it removes the POSIX objects,
 * ends every process it started and exits 0 once they are all gone. It
 * runs in its own process group (a Ctrl-C at the terminal reaches the
 * bench, whose cleanup ends the leader); every process it started also
 * dies with its parent (PR_SET_PDEATHSIG), so nothing outlives a leader
 * that was killed with SIGKILL. A leader that lives 15 minutes gives up.
 * Timing is the benchmark's business: this only sets the scene. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static void die(const char *what) {
    fprintf(stderr, "bench_shared: %s: %s\n", what, strerror(errno));
    _exit(1);
}

/* Dies with the parent whose pid is parent (checked after the prctl: the
 * parent may have died before it). */
static void die_with_parent(pid_t parent, int sig) {
    if (prctl(PR_SET_PDEATHSIG, sig) != 0)
        die("prctl");
    if (getppid() != parent)
        _exit(1);
}

/* A process of the scene: its own memfd, mapped and held; tells the
 * leader its pid through the pipe, then sleeps until killed. */
static void member(int idx, int report) {
    char name[64], line[32];
    int fd, n;
    void *p;
    snprintf(name, sizeof name, "shmspy-bench-%d-%d", (int)getpid(), idx);
    fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        die("memfd_create");
    if (ftruncate(fd, 3 * PAGE) != 0)
        die("ftruncate memfd");
    p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        die("mmap memfd");
    memcpy(p, name, strlen(name) + 1);
    if (idx % 2 == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
        die("F_ADD_SEALS");
    n = snprintf(line, sizeof line, "%d\n", (int)getpid());
    if (write(report, line, (size_t)n) != n) /* < PIPE_BUF: atomic */
        die("write");
    close(report);
    for (;;)
        pause();
}

/* Pair number pair: the first process (this one, a child of the leader)
 * and its child. */
static void pair(const char *prefix, int pairno, pid_t leader, int report) {
    char path[256];
    int fd;
    void *anon, *obj;
    pid_t me = getpid(), child;

    anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                -1, 0);
    if (anon == MAP_FAILED)
        die("mmap anon");
    memset(anon, 'a', 16);
    snprintf(path, sizeof path, "/%sp%04d", prefix, pairno);
    fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        die(path);
    if (ftruncate(fd, 2 * PAGE) != 0)
        die("ftruncate");
    obj = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (obj == MAP_FAILED)
        die("mmap posix");
    close(fd);
    memset(obj, 'p', 16);
    (void)leader;
    child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        die_with_parent(me, SIGKILL);
        member(2 * pairno + 1, report);
    }
    member(2 * pairno, report);
}

int main(int argc, char **argv) {
    const char *prefix;
    int nproc, npairs, i, p[2], got = 0, sig;
    pid_t leader = getpid(), parent = getppid();
    pid_t *pids;
    sigset_t set;
    FILE *in;
    char line[32];

    if (argc != 3 || (nproc = atoi(argv[2])) < 2 || nproc > 100000) {
        fprintf(stderr, "usage: bench_shared PREFIX NPROC\n");
        return 2;
    }
    prefix = argv[1];
    npairs = (nproc + 1) / 2;
    nproc = 2 * npairs;
    pids = calloc((size_t)nproc, sizeof *pids);
    if (pids == NULL)
        die("calloc");
    if (setpgid(0, 0) != 0)
        die("setpgid");
    die_with_parent(parent, SIGTERM);
    /* Grandchildren whose parent died come back to us, to be reaped. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        die("prctl");
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGALRM);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        die("sigprocmask");
    if (pipe(p) != 0)
        die("pipe");
    for (i = 0; i < npairs; i++) {
        pid_t c = fork();
        if (c < 0)
            die("fork");
        if (c == 0) {
            sigprocmask(SIG_UNBLOCK, &set, NULL);
            close(p[0]);
            die_with_parent(leader, SIGKILL);
            pair(prefix, i, leader, p[1]);
        }
    }
    close(p[1]);
    in = fdopen(p[0], "r");
    if (in == NULL)
        die("fdopen");
    while (got < nproc && fgets(line, sizeof line, in) != NULL)
        pids[got++] = (pid_t)atoi(line);
    fclose(in);
    if (got < nproc) {
        fprintf(stderr, "bench_shared: only %d of %d processes started\n", got,
                nproc);
    } else {
        for (i = 0; i < got; i++)
            printf("%d\n", (int)pids[i]);
        printf("ready\n");
        fflush(stdout);
        alarm(900);
        sigwait(&set, &sig);
    }
    for (i = 0; i < npairs; i++) {
        char path[256];
        snprintf(path, sizeof path, "/%sp%04d", prefix, i);
        shm_unlink(path);
    }
    /* Everyone in our group but us (SIGTERM is blocked here). */
    kill(0, SIGTERM);
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    return got < nproc;
}
