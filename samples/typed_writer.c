/*
 * typed_writer.c - creates a POSIX shared memory object holding struct
 * typed_shared (samples/typed_layout.h) with every field set to a known
 * value, then keeps some of them changing, for typed reads, writes, dumps
 * and the field pane to be tried and tested against.
 *
 *   typed_writer [NAME] [--seconds N] [--hz N] [--tear] [--quiet]
 *
 * NAME defaults to /shmspy-typed; the object is created exclusively
 * (O_EXCL, mode 0600) and removed when the writer ends (after N seconds,
 * default 60, or on SIGINT/SIGTERM). "ready" is printed once it is set up.
 *
 *   --hz N     N ticks a second (default 10): counter += 1, and the ring
 *              entry counter % 8 gets seq = counter, state, when = seconds
 *   --tear     a thread rewrites msg byte by byte between two strings and
 *              wide as two 32-bit halves between two values, without
 *              pause: a reader that copies them may see half of each
 *              (a real torn read)
 *   --quiet    write the values once, then change nothing
 *
 * Known values: magic "TYPED01", small 90, wide 0x1122334455667788, delta
 * -1234, ready true, flags {mode 5, on 1, level 2748}, packed {tag 7,
 * value 0xdeadbeef, check 0x1234}, word 0x01020304, state TYPED_BUSY,
 * ratio 0.5, total 1234.5, grid[i][j] = 10 * i + j, msg "hello, typed
 * world", ring[i] {seq i, state i % 3, when 1.5 * i, label "entry-i"},
 * counter 0, self = the writer's address of the struct, a robust
 * process-shared mutex, rwlock and cond, sem value 3, ntail 16, tail[i] =
 * i * i.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "typed_layout.h"

#define NTAIL 16

static volatile sig_atomic_t stop;
static volatile int tear_stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static const char tear_a[TYPED_MSG_LEN] = "abcdefghijklmnopqrstuvwxyz01234";
static const char tear_b[TYPED_MSG_LEN] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ56789";

/* Rewrites msg one byte at a time and wide one half at a time, forever. */
static void *tear_thread(void *arg) {
    struct typed_shared *s = arg;
    volatile char *msg = s->msg;
    volatile unsigned char *wide = (volatile unsigned char *)&s->wide;
    static const uint32_t halves[2][2] = {{0x11111111u, 0x11111111u},
                                          {0x22222222u, 0x22222222u}};
    unsigned flip = 0;
    size_t i;

    while (!tear_stop) {
        const char *src = flip ? tear_b : tear_a;
        for (i = 0; i < TYPED_MSG_LEN; i++)
            msg[i] = src[i];
        for (i = 0; i < 2; i++) {
            unsigned char h[4];
            size_t k;
            memcpy(h, &halves[flip][i], 4);
            for (k = 0; k < 4; k++)
                wide[4 * i + k] = h[k];
        }
        flip ^= 1u;
    }
    return NULL;
}

static int init_locks(struct typed_shared *s) {
    pthread_mutexattr_t ma;
    pthread_rwlockattr_t ra;
    pthread_condattr_t ca;

    if (pthread_mutexattr_init(&ma) != 0 ||
        pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
        pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0 ||
        pthread_mutex_init(&s->lock, &ma) != 0)
        return -1;
    pthread_mutexattr_destroy(&ma);
    if (pthread_rwlockattr_init(&ra) != 0 ||
        pthread_rwlockattr_setpshared(&ra, PTHREAD_PROCESS_SHARED) != 0 ||
        pthread_rwlock_init(&s->rwlock, &ra) != 0)
        return -1;
    pthread_rwlockattr_destroy(&ra);
    if (pthread_condattr_init(&ca) != 0 ||
        pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED) != 0 ||
        pthread_cond_init(&s->cond, &ca) != 0)
        return -1;
    pthread_condattr_destroy(&ca);
    if (sem_init(&s->sem, 1, 3) != 0)
        return -1;
    return 0;
}

static void init_values(struct typed_shared *s) {
    int i, j;

    memcpy(s->magic, "TYPED01", 8);
    s->small = 90;
    s->wide = 0x1122334455667788ull;
    s->delta = -1234;
    s->ready = 1;
    s->flags.mode = 5;
    s->flags.on = 1;
    s->flags.level = 2748;
    s->packed.tag = 7;
    s->packed.value = 0xdeadbeefu;
    s->packed.check = 0x1234;
    s->word.word = 0x01020304u;
    s->state = TYPED_BUSY;
    s->ratio = 0.5f;
    s->total = 1234.5;
    for (i = 0; i < 3; i++)
        for (j = 0; j < 4; j++)
            s->grid[i][j] = 10 * i + j;
    snprintf(s->msg, sizeof s->msg, "%s", "hello, typed world");
    for (i = 0; i < TYPED_RING_LEN; i++) {
        s->ring[i].seq = (uint32_t)i;
        s->ring[i].state = (enum typed_state)(i % 3);
        s->ring[i].when = 1.5 * i;
        snprintf(s->ring[i].label, sizeof s->ring[i].label, "entry-%d", i);
    }
    s->counter = 0;
    s->self = s;
    s->ntail = NTAIL;
    for (i = 0; i < NTAIL; i++)
        s->tail[i] = (uint32_t)(i * i);
}

static void usage(void) {
    fprintf(stderr, "usage: typed_writer [NAME] [--seconds N] [--hz N] "
                    "[--tear] [--quiet]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *name = TYPED_DEFAULT_NAME;
    long seconds = 60, hz = 10;
    int tear = 0, quiet = 0, fd, i, rc = 0;
    struct typed_shared *s;
    struct sigaction sa;
    struct timespec start, now;
    pthread_t tid;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--hz") == 0 && i + 1 < argc)
            hz = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--tear") == 0)
            tear = 1;
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else if (argv[i][0] == '/')
            name = argv[i];
        else
            usage();
    }
    if (seconds <= 0 || hz <= 0 || hz > 100000 || (tear && quiet))
        usage();
    if (sizeof(struct typed_shared) + NTAIL * sizeof(uint32_t) >
        TYPED_OBJECT_SIZE) {
        fprintf(stderr, "typed_writer: struct too large\n");
        return 1;
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        fprintf(stderr, "typed_writer: %s: %s\n", name, strerror(errno));
        return 1;
    }
    if (ftruncate(fd, TYPED_OBJECT_SIZE) != 0) {
        fprintf(stderr, "typed_writer: %s: %s\n", name, strerror(errno));
        shm_unlink(name);
        return 1;
    }
    s = mmap(NULL, TYPED_OBJECT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             0);
    close(fd);
    if (s == MAP_FAILED) {
        fprintf(stderr, "typed_writer: %s: %s\n", name, strerror(errno));
        shm_unlink(name);
        return 1;
    }
    init_values(s);
    if (init_locks(s) != 0) {
        fprintf(stderr, "typed_writer: cannot set up the locks\n");
        shm_unlink(name);
        return 1;
    }
    if (tear && pthread_create(&tid, NULL, tear_thread, s) != 0) {
        fprintf(stderr, "typed_writer: cannot start the tearing thread\n");
        shm_unlink(name);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!stop) {
        struct timespec tick = {0, 0};
        double t;
        clock_gettime(CLOCK_MONOTONIC, &now);
        t = (double)(now.tv_sec - start.tv_sec) +
            (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        if (t >= (double)seconds)
            break;
        if (quiet) {
            tick.tv_nsec = 100000000L;
        } else {
            uint64_t c = ++s->counter;
            struct typed_entry *en = &s->ring[c % TYPED_RING_LEN];
            en->seq = (uint32_t)c;
            en->state = (enum typed_state)(c % 3);
            en->when = t;
            tick.tv_sec = 1 / hz;
            tick.tv_nsec = (1000000000L / hz) % 1000000000L;
        }
        nanosleep(&tick, NULL);
    }
    if (tear) {
        tear_stop = 1;
        pthread_join(tid, NULL);
    }
    if (shm_unlink(name) != 0)
        rc = 1;
    munmap(s, TYPED_OBJECT_SIZE);
    return rc;
}
