/*
 * memfd_share - shared memory with no name in /dev/shm: a memfd and an
 * anonymous shared mapping, shared by a parent and its child.
 *
 *   memfd_share NAME [SIZE] [--seal]
 *
 * memfd_create(NAME) makes a file that lives only in memory and has no
 * path: NAME is a label (in /proc/PID/maps it reads "/memfd:NAME
 * (deleted)"), how PipeWire, Wayland clients and Chromium share buffers.
 * mmap(MAP_SHARED | MAP_ANONYMOUS) makes memory with no file at all
 * ("/dev/zero (deleted)" in maps), shared with children across fork. Both
 * are mapped, then the process forks: the child keeps its copy of the
 * memfd's descriptor, the parent closes its own and keeps only the
 * mapping. With --seal the memfd's size is sealed (F_SEAL_SHRINK,
 * F_SEAL_GROW, then F_SEAL_SEAL): nobody can truncate or grow it.
 *
 * Each region starts with a line of text. The parent prints one line,
 *   ready parent=PID child=PID memfd=0xADDR anon=0xADDR size=N fd=N
 * (fd: the child's descriptor number), then both wait. On SIGUSR1 each
 * prints what it sees at offset 0 of both regions:
 *   seen pid=PID memfd=HEX16 anon=HEX16
 * SIGTERM or SIGINT to the parent ends both. The child also ends when the
 * parent dies. Exit code: 0, 1 runtime error, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sample_util.h"

static volatile sig_atomic_t got_usr1, got_term;

static void on_signal(int sig) {
    if (sig == SIGUSR1)
        got_usr1 = 1;
    else
        got_term = 1;
}

/* Prints the first 8 bytes of p as 16 hex digits. */
static void put_hex(const char *label, const unsigned char *p) {
    int i;
    printf(" %s=", label);
    for (i = 0; i < 8; i++)
        printf("%02x", p[i]);
}

/* Waits for signals until SIGTERM/SIGINT; reports on each SIGUSR1. */
static void serve(const unsigned char *mem, const unsigned char *anon) {
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
            printf("seen pid=%ld", (long)getpid());
            put_hex("memfd", mem);
            put_hex("anon", anon);
            printf("\n");
        }
    }
}

int main(int argc, char **argv) {
    const char *name = NULL;
    uint64_t size = 4096;
    int seal = 0, fd, i, status;
    unsigned char *mem, *anon;
    struct sigaction sa;
    pid_t child;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seal") == 0)
            seal = 1;
        else if (name == NULL)
            name = argv[i];
        else if (sample_parse_u64(argv[i], &size) != 0 || size < 64 ||
                 size > ((uint64_t)1 << 40)) {
            fprintf(stderr, "memfd_share: %s: SIZE must be 64 bytes to 1 TiB\n",
                    argv[i]);
            return SAMPLE_EXIT_USAGE;
        }
    }
    if (name == NULL) {
        fprintf(stderr, "usage: memfd_share NAME [SIZE] [--seal]\n");
        return SAMPLE_EXIT_USAGE;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    fd = memfd_create(name, seal ? MFD_ALLOW_SEALING : 0);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
        fprintf(stderr, "memfd_share: memfd_create %s: %s\n", name,
                strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }
    if (seal && fcntl(fd, F_ADD_SEALS,
                      F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        fprintf(stderr, "memfd_share: F_ADD_SEALS: %s\n", strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }
    mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                -1, 0);
    if (mem == MAP_FAILED || anon == MAP_FAILED) {
        fprintf(stderr, "memfd_share: mmap: %s\n", strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }
    snprintf((char *)mem, 64, "memfd_share %s\n", name);
    snprintf((char *)anon, 64, "anon_share\n");

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    child = fork();
    if (child < 0) {
        fprintf(stderr, "memfd_share: fork: %s\n", strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }
    if (child == 0) {
        /* The child keeps the descriptor; it ends with its parent. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() == 1)
            _exit(0);
        serve(mem, anon);
        _exit(0);
    }
    close(fd); /* the parent keeps only its mapping */
    printf("ready parent=%ld child=%ld memfd=%p anon=%p size=%llu fd=%d\n",
           (long)getpid(), (long)child, (void *)mem, (void *)anon,
           (unsigned long long)size, fd);
    serve(mem, anon);
    kill(child, SIGTERM);
    waitpid(child, &status, 0);
    return SAMPLE_EXIT_OK;
}
