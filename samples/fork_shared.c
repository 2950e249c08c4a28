/*
 * fork_shared - share memory between a parent and its child, no name
 * needed, and synchronise with process-shared semaphores.
 *
 *   fork_shared [--hold]
 *
 * mmap(MAP_SHARED | MAP_ANONYMOUS) gives memory that has no name and no
 * file, but that stays shared across fork(): parent and child see the same
 * bytes. Ordinary memory (globals, heap, stack) is copied by fork instead,
 * so writes in one process are invisible to the other; we show both.
 *
 * The handshake:
 *   parent: write value, sem_post(value_ready)   child: sem_wait(value_ready)
 *                                                       read value, write reply
 *   parent: sem_wait(reply_ready), read reply    child: sem_post(reply_ready)
 *   parent: waitpid(child)
 * Exit code: 0 if the child saw the right value, 1 otherwise, 2 usage.
 *
 * --hold: after the handshake both processes stay alive (so tools can see
 * one shared page mapped by two processes) until SIGTERM or SIGINT to the
 * parent, which ends the child too. The parent prints
 *   hold parent=PID child=PID addr=0xADDR value_offset=N
 * and, on SIGUSR1, each process prints the byte it sees at value_offset:
 *   seen pid=PID value=N
 */
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

#define VALUE 42        /* what the parent sends */
#define WAIT_SECONDS 10 /* give up if the other side never answers */

/* Everything the two processes share lives in this one mapped struct. */
struct shared {
    sem_t value_ready; /* posted by the parent once value is written */
    sem_t reply_ready; /* posted by the child once reply is written */
    int32_t value;
    uintptr_t child_addr; /* where the child sees this struct */
    char reply[96];
};

/* Ordinary global: after fork each process has its own copy. */
static int not_shared;

static int hold; /* --hold */
static volatile sig_atomic_t got_usr1, got_term;

static void on_signal(int sig) {
    if (sig == SIGUSR1)
        got_usr1 = 1;
    else
        got_term = 1;
}

/* --hold: waits for SIGTERM/SIGINT, printing the value byte on SIGUSR1. */
static void hold_until_term(const struct shared *sh) {
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);
    while (!got_term) {
        sigsuspend(&old);
        if (got_usr1) {
            got_usr1 = 0;
            printf("seen pid=%ld value=%u\n", (long)getpid(),
                   (unsigned)*(const volatile unsigned char *)&sh->value);
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * sem_wait with a time limit, so that if the other process dies the
 * survivor reports it instead of blocking forever. sem_timedwait wants an
 * absolute CLOCK_REALTIME deadline. Returns 0, or -1 with errno set
 * (ETIMEDOUT if the time ran out).
 */
static int sem_wait_limited(sem_t *sem, int seconds) {
    struct timespec deadline;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    while (sem_timedwait(sem, &deadline) != 0) {
        if (errno != EINTR)
            return -1;
    }
    return 0;
}

/* The child's side. Returns its exit code: 0 if it got VALUE. */
static int child_main(struct shared *sh) {
    int32_t got;

    printf("child  (pid %ld): mapping at %p; waiting for the parent\n",
           (long)getpid(), (void *)sh);
    if (sem_wait_limited(&sh->value_ready, WAIT_SECONDS) != 0) {
        fprintf(stderr, "fork_shared: child: no value from the parent: %s\n",
                strerror(errno));
        return 1;
    }
    /* sem_wait returned, so the parent's write of value is visible. */
    got = sh->value;
    printf("child  (pid %ld): read value %ld from shared memory\n",
           (long)getpid(), (long)got);

    not_shared = 99; /* changes the child's private copy only */

    sh->child_addr = (uintptr_t)sh;
    snprintf(sh->reply, sizeof sh->reply, "child %ld got %ld", (long)getpid(),
             (long)got);
    sem_post(&sh->reply_ready); /* publishes child_addr and reply */
    if (hold)
        hold_until_term(sh);
    return got == VALUE ? 0 : 1;
}

int main(int argc, char **argv) {
    struct shared *sh;
    pid_t child;
    int status, ok;

    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--hold") != 0)) {
        fprintf(stderr, "usage: %s [--hold]\n", argv[0]);
        return 2;
    }
    hold = argc == 2;
    if (hold) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
    }
    /* Line-buffered, so the two processes' lines come out in time order
     * even into a pipe, and nothing sits in a buffer across fork(). */
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* No fd (-1) and no name: the memory exists only for us and children. */
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("fork_shared: mmap");
        return 1;
    }
    /*
     * pshared = 1: the semaphore lives in shared memory and is used by
     * several processes. With 0 it would only work between threads.
     * Initial value 0: the first sem_wait blocks until somebody posts.
     */
    if (sem_init(&sh->value_ready, 1, 0) != 0 ||
        sem_init(&sh->reply_ready, 1, 0) != 0) {
        perror("fork_shared: sem_init");
        return 1;
    }
    printf("parent (pid %ld): mapping at %p\n", (long)getpid(), (void *)sh);

    fflush(stdout); /* never fork with unwritten output: it would double */
    child = fork();
    if (child < 0) {
        perror("fork_shared: fork");
        return 1;
    }
    if (child == 0) {
        if (hold) /* the child ends with the parent */
            prctl(PR_SET_PDEATHSIG, SIGTERM);
        /* _exit, not exit: the child must not run the parent's atexit
         * handlers. Line buffering means nothing is left to flush. */
        _exit(child_main(sh));
    }

    /* Only so the child is visibly waiting; correctness does not need it. */
    nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 200000000L}, NULL);

    sh->value = VALUE;
    printf("parent (pid %ld): wrote value %d, posting to the child\n",
           (long)getpid(), VALUE);
    sem_post(&sh->value_ready); /* publishes value */

    if (sem_wait_limited(&sh->reply_ready, WAIT_SECONDS) != 0) {
        fprintf(stderr, "fork_shared: parent: no reply from the child: %s\n",
                strerror(errno));
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return 1;
    }
    printf("parent (pid %ld): child replied \"%s\"\n", (long)getpid(),
           sh->reply);
    printf("parent (pid %ld): child saw the mapping at %p, parent at %p: %s\n",
           (long)getpid(), (void *)sh->child_addr, (void *)sh,
           sh->child_addr == (uintptr_t)sh
               ? "same address (fork copies the address space)"
               : "DIFFERENT address");
    printf("parent (pid %ld): ordinary global not_shared is still %d (the "
           "child set its own copy to 99)\n",
           (long)getpid(), not_shared);

    if (hold) {
        printf("hold parent=%ld child=%ld addr=%p value_offset=%zu\n",
               (long)getpid(), (long)child, (void *)sh,
               offsetof(struct shared, value));
        hold_until_term(sh);
        kill(child, SIGTERM);
    }
    if (waitpid(child, &status, 0) < 0) {
        perror("fork_shared: waitpid");
        return 1;
    }
    ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("parent (pid %ld): child exited %s\n", (long)getpid(),
           ok ? "ok: it saw the right value" : "with a failure");

    sem_destroy(&sh->value_ready);
    sem_destroy(&sh->reply_ready);
    munmap(sh, sizeof *sh);
    return ok ? 0 : 1;
}
